"""USSD, calls, AT commands and power on a modem, through Home Assistant."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gsm_gateway.const import (
    DOMAIN,
    EVENT_CALL,
    EVENT_SIM_STATUS,
    EVENT_USSD_RECEIVED,
)
from simulator.modem import ModemSimulator

from .conftest import wait_events

POWER = "switch.quectel_ec25_module_power"
REGISTRATION = "sensor.quectel_ec25_registration"


@pytest.mark.parametrize(
    ("form", "code", "reply"),
    [
        ("gsm7hex", "*100#", "Balance: 12.50 UAH. Tariff Smart, 15 GB to 31.12."),
        ("ucs2", "*101#", "Ваш баланс: 12,50 грн"),
        ("text", "*100#", "Balance: 12.50 UAH. Tariff Smart, 15 GB to 31.12."),
    ],
)
async def test_ussd_reply_in_each_form(
    hass: HomeAssistant,
    modem: ModemSimulator,
    modem_loaded: MockConfigEntry,
    form: str,
    code: str,
    reply: str,
) -> None:
    modem.ussd_form = form
    fired = asyncio.ensure_future(wait_events(hass, EVENT_USSD_RECEIVED, 1))
    await asyncio.sleep(0)
    response = await hass.services.async_call(
        DOMAIN,
        "send_ussd",
        {"config_entry_id": modem_loaded.entry_id, "code": code},
        blocking=True,
        return_response=True,
    )
    assert response == {"reply": reply}
    assert modem.ussd_sent == [code]
    (event,) = await fired
    assert event.data["text"] == reply


async def test_ussd_the_network_does_not_know(
    hass: HomeAssistant, modem: ModemSimulator, modem_loaded: MockConfigEntry
) -> None:
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            DOMAIN,
            "send_ussd",
            {"config_entry_id": modem_loaded.entry_id, "code": "*999#"},
            blocking=True,
            return_response=True,
        )


async def test_unasked_ussd_is_an_event(
    hass: HomeAssistant, modem: ModemSimulator, modem_loaded: MockConfigEntry
) -> None:
    fired = asyncio.ensure_future(wait_events(hass, EVENT_USSD_RECEIVED, 1))
    await asyncio.sleep(0)
    modem.urc('+CUSD: 0,"Your tariff changes tomorrow",15')
    (event,) = await fired
    assert event.data["text"] == "Your tariff changes tomorrow"


async def test_missed_call(
    hass: HomeAssistant,
    modem: ModemSimulator,
    modem_loaded: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("custom_components.gsm_gateway.api.modem.client.RING_GAP", 0.3)
    calls = asyncio.ensure_future(wait_events(hass, EVENT_CALL, 2))
    await asyncio.sleep(0)
    modem.ring_interval = 0.05
    modem.incoming_call("+380671112233", rings=3)
    incoming, missed = await calls
    assert incoming.data["state"] == "incoming"
    assert incoming.data["number"] == "+380671112233"
    assert missed.data["state"] == "missed"
    assert missed.data["number"] == "+380671112233"
    assert missed.data["port"] == 1


async def _ringing(hass: HomeAssistant, modem: ModemSimulator) -> None:
    """Let a call ring until Home Assistant has told of it."""
    incoming = asyncio.ensure_future(wait_events(hass, EVENT_CALL, 1))
    await asyncio.sleep(0)
    modem.incoming_call("+380671112233", rings=50)
    (event,) = await incoming
    assert event.data["state"] == "incoming"


async def test_answer_and_remote_hang_up(
    hass: HomeAssistant, modem: ModemSimulator, modem_loaded: MockConfigEntry
) -> None:
    await _ringing(hass, modem)
    calls = asyncio.ensure_future(wait_events(hass, EVENT_CALL, 2))
    await asyncio.sleep(0)
    await hass.services.async_call(
        DOMAIN, "answer_call", {"config_entry_id": modem_loaded.entry_id}, blocking=True
    )
    assert modem.call == "+380671112233"
    modem.hang_up_remote()
    states = [event.data["state"] for event in await calls]
    assert states == ["answered", "ended"]


async def test_refuse_a_ringing_call(
    hass: HomeAssistant, modem: ModemSimulator, modem_loaded: MockConfigEntry
) -> None:
    await _ringing(hass, modem)
    calls = asyncio.ensure_future(wait_events(hass, EVENT_CALL, 1))
    await asyncio.sleep(0)
    await hass.services.async_call(
        DOMAIN, "end_call", {"config_entry_id": modem_loaded.entry_id}, blocking=True
    )
    (event,) = await calls
    assert event.data["state"] == "ended"
    assert modem.caller is None


async def test_make_and_end_a_call(
    hass: HomeAssistant, modem: ModemSimulator, modem_loaded: MockConfigEntry
) -> None:
    calls = asyncio.ensure_future(wait_events(hass, EVENT_CALL, 2))
    await asyncio.sleep(0)
    await hass.services.async_call(
        DOMAIN,
        "make_call",
        {"config_entry_id": modem_loaded.entry_id, "number": "+4917612345678"},
        blocking=True,
    )
    assert modem.calls_dialled == ["+4917612345678"]
    assert "ATD+4917612345678;" in modem.commands
    await hass.services.async_call(
        DOMAIN, "end_call", {"config_entry_id": modem_loaded.entry_id}, blocking=True
    )
    assert modem.call is None
    states = [event.data["state"] for event in await calls]
    assert states == ["outgoing", "ended"]


async def test_make_call_refuses_what_is_no_number(
    hass: HomeAssistant, modem_loaded: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN,
            "make_call",
            {"config_entry_id": modem_loaded.entry_id, "number": "1; AT+CFUN=0"},
            blocking=True,
        )


async def test_send_at_command(
    hass: HomeAssistant,
    modem: ModemSimulator,
    modem_loaded: MockConfigEntry,
    hass_admin_user: Any,
) -> None:
    response = await hass.services.async_call(
        DOMAIN,
        "send_at_command",
        {"config_entry_id": modem_loaded.entry_id, "command": "AT+CSQ"},
        blocking=True,
        return_response=True,
    )
    assert response == {"reply": f"+CSQ: {modem.rssi},99\nOK"}
    response = await hass.services.async_call(
        DOMAIN,
        "send_at_command",
        {"config_entry_id": modem_loaded.entry_id, "command": "AT+NOSUCH"},
        blocking=True,
        return_response=True,
    )
    assert response == {"reply": "ERROR"}
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN,
            "send_at_command",
            {"config_entry_id": modem_loaded.entry_id, "command": "AT\rAT+CFUN=0"},
            blocking=True,
            return_response=True,
        )


async def test_power_off_and_on(
    hass: HomeAssistant, modem: ModemSimulator, modem_loaded: MockConfigEntry
) -> None:
    state = hass.states.get(POWER)
    assert state is not None
    assert state.state == "on"
    statuses = asyncio.ensure_future(wait_events(hass, EVENT_SIM_STATUS, 2))
    await asyncio.sleep(0)
    await hass.services.async_call(
        "switch", SERVICE_TURN_OFF, {ATTR_ENTITY_ID: POWER}, blocking=True
    )
    assert modem.cfun == 0
    assert hass.states.get(POWER).state == "off"  # type: ignore[union-attr]
    assert hass.states.get(REGISTRATION).state == "power_off"  # type: ignore[union-attr]
    await hass.services.async_call(
        DOMAIN,
        "set_power",
        {"device_id": [_modem_device(hass, modem_loaded)], "power": "on"},
        blocking=True,
    )
    assert modem.cfun == 1
    # The refresh that follows an action is debounced: ask for it now.
    await modem_loaded.runtime_data.coordinator.async_refresh()
    assert hass.states.get(REGISTRATION).state == "registered"  # type: ignore[union-attr]
    assert [event.data["state"] for event in await statuses] == [
        "power_off",
        "registered",
    ]
    await hass.services.async_call(
        "switch", SERVICE_TURN_ON, {ATTR_ENTITY_ID: POWER}, blocking=True
    )
    assert modem.cfun == 1


async def test_reset_module(
    hass: HomeAssistant, modem: ModemSimulator, modem_loaded: MockConfigEntry
) -> None:
    await hass.services.async_call(
        DOMAIN,
        "reset_module",
        {"device_id": [_modem_device(hass, modem_loaded)]},
        blocking=True,
    )
    assert "AT+CFUN=1,1" in modem.commands


async def test_registration_change_is_told_at_once(
    hass: HomeAssistant, modem: ModemSimulator, modem_loaded: MockConfigEntry
) -> None:
    statuses = asyncio.ensure_future(wait_events(hass, EVENT_SIM_STATUS, 1))
    await asyncio.sleep(0)
    modem.registration = 5
    modem.urc("+CREG: 5")
    modem.urc("+CEREG: 5")
    (event,) = await statuses
    assert event.data["state"] == "roaming"
    assert hass.states.get(REGISTRATION).state == "roaming"  # type: ignore[union-attr]


def _modem_device(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    return entry.runtime_data.coordinator.gateway_device_id  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("make_call", {"number": "+1555"}),
        ("answer_call", {}),
        ("end_call", {}),
        ("send_at_command", {"command": "AT"}),
    ],
)
async def test_call_actions_refused_where_the_gateway_cannot(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    action: str,
    data: dict[str, str],
) -> None:
    """A Dinstar gateway has no call or AT command API: told before anything is sent."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            action,
            {"config_entry_id": init_integration.entry_id, **data},
            blocking=True,
            return_response=action == "send_at_command",
        )
    assert err.value.translation_key == "not_supported"
