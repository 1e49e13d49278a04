"""Setting a modem up: the flow, its errors, the device and its entities."""

from __future__ import annotations

import asyncio

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gsm_gateway.const import DOMAIN
from simulator.modem import ModemSimulator

from .conftest import IMEI


async def test_entry_is_one_device_with_the_sims_entities(
    hass: HomeAssistant, modem: ModemSimulator, modem_loaded: MockConfigEntry
) -> None:
    assert modem_loaded.state is ConfigEntryState.LOADED
    devices = dr.async_entries_for_config_entry(
        dr.async_get(hass), modem_loaded.entry_id
    )
    assert len(devices) == 1
    (device,) = devices
    assert device.identifiers == {(DOMAIN, IMEI)}
    assert device.manufacturer == "Quectel"
    assert device.model == "EC25"
    entities = er.async_entries_for_device(er.async_get(hass), device.id)
    keys = {entity.translation_key for entity in entities}
    assert {"signal_strength", "registration", "last_sms"} <= keys
    signal = next(e for e in entities if e.translation_key == "signal_strength")
    assert hass.states.get(signal.entity_id).state == str(-113 + 2 * modem.rssi)
    registration = next(e for e in entities if e.translation_key == "registration")
    assert hass.states.get(registration.entity_id).state == "registered"
    assert "AT+CNMI=2,1,0,1,0" in modem.commands
    assert "AT+CMGF=0" in modem.commands


async def test_diagnostics_redact_the_port_and_pin(
    hass: HomeAssistant, modem: ModemSimulator, modem_entry: MockConfigEntry
) -> None:
    from custom_components.gsm_gateway.diagnostics import (
        async_get_config_entry_diagnostics,
    )

    modem_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        modem_entry, data={**modem_entry.data, "pin": "1234"}
    )
    assert await hass.config_entries.async_setup(modem_entry.entry_id)
    diagnostics = await async_get_config_entry_diagnostics(hass, modem_entry)
    assert diagnostics["entry"]["data"]["device"] == "**REDACTED**"
    assert diagnostics["entry"]["data"]["pin"] == "**REDACTED**"
    assert diagnostics["push"]["webhook_url"] is None  # a modem has no webhook
    assert diagnostics["gateway"]["single_port"] is True


async def test_removing_the_entry_lets_go_of_the_modem(
    hass: HomeAssistant, modem: ModemSimulator, modem_loaded: MockConfigEntry
) -> None:
    assert modem.connected.is_set()
    assert await hass.config_entries.async_remove(modem_loaded.entry_id)
    await hass.async_block_till_done()
    async with asyncio.timeout(5):
        await modem.released.wait()
