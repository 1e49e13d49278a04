"""Setting a modem up: the flow, its errors, the device and its entities."""

from __future__ import annotations

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
