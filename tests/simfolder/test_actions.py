"""SimFolder actions through Home Assistant (SPEC §4), against the simulated cloud."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
import probatio
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.gsm_gateway.api.simfolder_wire import Field, Param
from custom_components.gsm_gateway.const import DOMAIN, EVENT_CALL, EVENT_USSD_RECEIVED
from simulator.simfolder import DEFAULT_USSD_REPLIES, SimFolderSimulator

from .conftest import ACCOUNT, coordinator_of, settle


def _card(hass: HomeAssistant, entry: MockConfigEntry, card_id: int) -> str:
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{ACCOUNT}_card_{card_id}"), entry.entry_id
    )
    assert device is not None
    return device.id


def _aggregator(hass: HomeAssistant, entry: MockConfigEntry, device_id: int) -> str:
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{ACCOUNT}_device_aggregator_{device_id}"), entry.entry_id
    )
    assert device is not None
    return device.id


async def _call(
    hass: HomeAssistant, action: str, data: dict[str, Any], response: bool = False
) -> Any:
    return await hass.services.async_call(
        DOMAIN, action, data, blocking=True, return_response=response
    )


async def test_send_ussd_waits_for_the_reply(
    hass: HomeAssistant, cloud: SimFolderSimulator, simfolder_loaded: MockConfigEntry
) -> None:
    """The reply comes by notification; the event fires once, also after a poll."""
    events = async_capture_events(hass, EVENT_USSD_RECEIVED)
    response = await _call(
        hass,
        "send_ussd",
        {"device_id": _card(hass, simfolder_loaded, 102), "code": "*100#"},
        response=True,
    )
    await settle(hass, cloud)
    await coordinator_of(simfolder_loaded).async_refresh()
    await hass.async_block_till_done()
    assert response == {"reply": DEFAULT_USSD_REPLIES["*100#"]}
    assert [(e.data["port"], e.data["text"]) for e in events] == [
        (102, DEFAULT_USSD_REPLIES["*100#"])
    ]
    assert cloud.calls("ussdSend")[0].rest == {}


async def test_send_ussd_on_a_card_off_the_network(
    hass: HomeAssistant, cloud: SimFolderSimulator, simfolder_loaded: MockConfigEntry
) -> None:
    with pytest.raises(HomeAssistantError, match="not registered"):
        await _call(
            hass,
            "send_ussd",
            {"device_id": _card(hass, simfolder_loaded, 105), "code": "*100#"},
            response=True,
        )


async def test_send_telegram(
    hass: HomeAssistant, cloud: SimFolderSimulator, simfolder_loaded: MockConfigEntry
) -> None:
    await _call(
        hass,
        "send_telegram",
        {"config_entry_id": simfolder_loaded.entry_id, "message": "Door open"},
    )
    assert cloud.telegrams == ["Door open"]


async def test_calls_made_answered_and_ended(
    hass: HomeAssistant, cloud: SimFolderSimulator, simfolder_loaded: MockConfigEntry
) -> None:
    """make_call, answer_call, end_call, each followed by its notification."""
    events = async_capture_events(hass, EVENT_CALL)
    await _call(
        hass,
        "make_call",
        {"device_id": _card(hass, simfolder_loaded, 101), "number": "+49 30 1234"},
    )
    await _call(hass, "end_call", {"device_id": _card(hass, simfolder_loaded, 101)})
    await cloud.incoming_call(103, "+380501234567")
    await _call(hass, "answer_call", {"device_id": _card(hass, simfolder_loaded, 103)})
    await settle(hass, cloud)
    await _call(hass, "end_call", {"device_id": _card(hass, simfolder_loaded, 103)})
    await settle(hass, cloud)
    assert [r[Field.OUTGOING] for r in cloud.records["callOut"]] == ["+49301234"]
    assert [(e.data["port"], e.data["state"]) for e in events] == [
        (101, "outgoing"),
        (103, "incoming"),
        (103, "answered"),
        (103, "ended"),
    ]


async def test_call_errors(
    hass: HomeAssistant, cloud: SimFolderSimulator, simfolder_loaded: MockConfigEntry
) -> None:
    """Nothing rings: refused with SimFolder's reason; one port at a time."""
    with pytest.raises(HomeAssistantError, match="no call is ringing"):
        await _call(
            hass, "answer_call", {"device_id": _card(hass, simfolder_loaded, 102)}
        )
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            "end_call",
            {
                "device_id": [
                    _card(hass, simfolder_loaded, 102),
                    _card(hass, simfolder_loaded, 103),
                ]
            },
        )
    assert err.value.translation_key == "one_port_only"
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "answer_call", {"config_entry_id": simfolder_loaded.entry_id})
    assert err.value.translation_key == "port_required"
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            "make_call",
            {"config_entry_id": simfolder_loaded.entry_id, "number": "+1, +2"},
        )
    assert err.value.translation_key == "invalid_number"


async def test_send_at_command_returns_the_modems_reply(
    hass: HomeAssistant, cloud: SimFolderSimulator, simfolder_loaded: MockConfigEntry
) -> None:
    response = await _call(
        hass,
        "send_at_command",
        {"device_id": _card(hass, simfolder_loaded, 101), "command": "AT+CSQ"},
        response=True,
    )
    assert response == {"reply": f"+CSQ: {cloud.cards[101].signal},99\r\nOK"}
    with pytest.raises(HomeAssistantError, match="not an AT command"):
        await _call(
            hass,
            "send_at_command",
            {"device_id": _card(hass, simfolder_loaded, 101), "command": "hello"},
            response=True,
        )
    cloud.delay = 60
    with pytest.raises(HomeAssistantError, match="no reply"):
        await _call(
            hass,
            "send_at_command",
            {
                "device_id": _card(hass, simfolder_loaded, 101),
                "command": "AT",
                "timeout": 1,
            },
            response=True,
        )


async def test_select_card_puts_a_bank_card_into_the_modem(
    hass: HomeAssistant, cloud: SimFolderSimulator, simfolder_loaded: MockConfigEntry
) -> None:
    """Card 105 waits in the bank; it takes card 101's modem."""
    await _call(
        hass,
        "select_card",
        {
            "device_id": _card(hass, simfolder_loaded, 101),
            "card": _card(hass, simfolder_loaded, 105),
        },
    )
    await settle(hass, cloud)
    await coordinator_of(simfolder_loaded).async_refresh()
    await hass.async_block_till_done()
    assert cloud.cards[105].modem == 0
    assert cloud.cards[101].modem is None
    state = hass.states.get("sensor.sim_105_registration")
    assert state is not None
    assert state.state == "registered"
    state = hass.states.get("sensor.sim_101_registration")
    assert state is not None
    assert state.state == "power_off"
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            "select_card",
            {
                "device_id": _card(hass, simfolder_loaded, 102),
                "card": _card(hass, simfolder_loaded, 102),
            },
        )
    assert err.value.translation_key == "same_card"
    with pytest.raises(HomeAssistantError, match="another device"):
        await _call(
            hass,
            "select_card",
            {
                "device_id": _card(hass, simfolder_loaded, 102),
                "card": _card(hass, simfolder_loaded, 111),
            },
        )
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            "select_card",
            {
                "device_id": _card(hass, simfolder_loaded, 102),
                "card": _aggregator(hass, simfolder_loaded, 1),
            },
        )
    assert err.value.translation_key == "port_unknown"


async def test_direct_cards(
    hass: HomeAssistant, cloud: SimFolderSimulator, simfolder_loaded: MockConfigEntry
) -> None:
    await _call(
        hass,
        "direct_cards",
        {
            "cards": [
                _card(hass, simfolder_loaded, 102),
                _card(hass, simfolder_loaded, 108),
            ]
        },
    )
    assert {c.card_id for c in cloud.cards.values() if c.direct} == {102, 108}


async def test_delete_records(
    hass: HomeAssistant, cloud: SimFolderSimulator, simfolder_loaded: MockConfigEntry
) -> None:
    """By id or by time, in the cloud's own store; Home Assistant's inbox stays."""
    first = await cloud.receive_sms(101, "+1", "one")
    await cloud.receive_sms(101, "+1", "two")
    await cloud.incoming_call(102, "+2")
    await hass.async_block_till_done()
    target = {"config_entry_id": simfolder_loaded.entry_id}
    response = await _call(
        hass,
        "delete_records",
        {**target, "kind": "sms_received", "ids": [str(first[Field.ID])]},
        response=True,
    )
    assert response == {"deleted": 1}
    response = await _call(
        hass,
        "delete_records",
        {
            **target,
            "kind": "calls_received",
            "before": (dt_util.now() + timedelta(minutes=1)).replace(tzinfo=None),
        },
        response=True,
    )
    assert response == {"deleted": 1}
    assert [r[Field.TEXT] for r in cloud.records["sms"]] == ["two"]
    assert cloud.records["call"] == []
    with pytest.raises(probatio.Invalid):
        await _call(hass, "delete_records", {**target, "kind": "ussd"}, response=True)


async def test_edit_records(
    hass: HomeAssistant, cloud: SimFolderSimulator, simfolder_loaded: MockConfigEntry
) -> None:
    """A SIM card's record, an aggregator's, and the operator of a SIM."""
    await _call(
        hass,
        "edit_record",
        {"device_id": _card(hass, simfolder_loaded, 103), "fields": {"name": "Office"}},
    )
    await _call(
        hass,
        "edit_record",
        {
            "device_id": _aggregator(hass, simfolder_loaded, 2),
            "fields": {"device_title": "Warehouse"},
        },
    )
    await _call(
        hass,
        "edit_record",
        {
            "device_id": _card(hass, simfolder_loaded, 103),
            "fields": {"title": "MyOperator"},
            "record": "operator",
        },
    )
    assert cloud.cards[103].name == "Office"
    assert cloud.devices[2].title == "Warehouse"
    assert cloud.operators[cloud.cards[103].operator_id] == "MyOperator"
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            "edit_record",
            {
                "device_id": _aggregator(hass, simfolder_loaded, 1),
                "fields": {"title": "x"},
                "record": "operator",
            },
        )
    assert err.value.translation_key == "operator_of_sim_only"
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            "edit_record",
            {"config_entry_id": simfolder_loaded.entry_id, "fields": {"name": "x"}},
        )
    assert err.value.translation_key == "one_record_only"
    with pytest.raises(probatio.Invalid):
        await _call(
            hass,
            "edit_record",
            {"device_id": _card(hass, simfolder_loaded, 103), "fields": {}},
        )


async def test_an_aggregator_sends_through_its_own_cards(
    hass: HomeAssistant, cloud: SimFolderSimulator, simfolder_loaded: MockConfigEntry
) -> None:
    """send_sms and send_ussd on an aggregator: a card of that aggregator."""
    response = await _call(
        hass,
        "send_sms",
        {
            "device_id": _aggregator(hass, simfolder_loaded, 2),
            "number": "+380501112233",
            "message": "via aggregator 2",
        },
        response=True,
    )
    assert response["messages"][0]["port"] in {107, 108, 109, 110}
    response = await _call(
        hass,
        "send_ussd",
        {"device_id": _aggregator(hass, simfolder_loaded, 1), "code": "*100#"},
        response=True,
    )
    assert cloud.calls("ussdSend")[-1].params[Param.CARD] in {
        "101",
        "102",
        "103",
        "104",
    }
    for card_id in (107, 108, 109, 110):
        cloud.cards[card_id].state = 0
    await coordinator_of(simfolder_loaded).async_refresh()
    with pytest.raises(HomeAssistantError) as err:
        await _call(
            hass,
            "send_ussd",
            {"device_id": _aggregator(hass, simfolder_loaded, 2), "code": "*100#"},
            response=True,
        )
    assert err.value.translation_key == "no_port_available"
