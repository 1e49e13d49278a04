"""SimFolder's nine notifications, polling as the safety net, restarts."""

from __future__ import annotations

from datetime import timedelta
import json

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.gsm_gateway.api.simfolder_wire import Field
from custom_components.gsm_gateway.const import (
    DOMAIN,
    EVENT_CALL,
    EVENT_SIM_STATUS,
    EVENT_SMS_RECEIVED,
    EVENT_SMS_STATUS,
    EVENT_USSD_RECEIVED,
)
from simulator.simfolder import SimFolderSimulator

from ..conftest import WEBHOOK_ID
from .conftest import ACCOUNT, coordinator_of, settle


def _device(
    hass: HomeAssistant, entry: MockConfigEntry, card_id: int
) -> dr.DeviceEntry:
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{ACCOUNT}_card_{card_id}"), entry.entry_id
    )
    assert device is not None
    return device


async def test_sms_received_by_notification_once(
    hass: HomeAssistant, cloud: SimFolderSimulator, simfolder_loaded: MockConfigEntry
) -> None:
    """smsReceived fires sms_received; the next poll lists it and fires nothing."""
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)
    await cloud.receive_sms(103, "+380671112233", "Код: 4321 🔐")
    await hass.async_block_till_done()
    await coordinator_of(simfolder_loaded).async_refresh()
    await hass.async_block_till_done()
    [event] = events
    assert event.data["port"] == 103
    assert event.data["device_id"] == _device(hass, simfolder_loaded, 103).id
    assert event.data["sender"] == "+380671112233"
    assert event.data["text"] == "Код: 4321 🔐"
    assert event.data["sim_number"] == cloud.cards[103].number
    assert cloud.notifications_sent[-1] == {"kind": "smsReceived", "status": 200}
    event_entity = hass.states.get("event.sim_103_last_sms")
    assert event_entity is not None
    assert event_entity.attributes["text"] == "Код: 4321 🔐"


async def test_calls_ussd_and_sim_status_by_notification(
    hass: HomeAssistant, cloud: SimFolderSimulator, simfolder_loaded: MockConfigEntry
) -> None:
    """callIncoming, callBegin, callEnd, callOutgoing, ussdReceived, simStatus."""
    calls = async_capture_events(hass, EVENT_CALL)
    ussd = async_capture_events(hass, EVENT_USSD_RECEIVED)
    sim_status = async_capture_events(hass, EVENT_SIM_STATUS)
    card = cloud.cards[102]
    fields = {Field.DEVICE: 1, Field.CARD: 102, Field.NUMBER: card.number}
    await cloud.incoming_call(102, "+380501234567")
    await cloud.send_notification(
        "callBegin", {**fields, Field.INCOMING: "+380501234567"}
    )
    await cloud.end_incoming_call(102)
    await cloud.send_notification("callOutgoing", {**fields, Field.OUTGOING: "+4930"})
    await cloud.send_notification("ussdReceived", {**fields, Field.TEXT: "Balance 5"})
    await cloud.set_card_state(102, 3)
    await hass.async_block_till_done()
    assert [(e.data["state"], e.data["number"], e.data["port"]) for e in calls] == [
        ("incoming", "+380501234567", 102),
        ("answered", "+380501234567", 102),
        ("ended", "+380501234567", 102),
        ("outgoing", "+4930", 102),
    ]
    assert [e.data["text"] for e in ussd] == ["Balance 5"]
    assert [e.data["state"] for e in sim_status] == ["denied"]
    registration = hass.states.get("sensor.sim_102_registration")
    assert registration is not None
    assert registration.state == "denied"
    # The poll that follows lists the same call: nothing fires twice.
    await coordinator_of(simfolder_loaded).async_refresh()
    await hass.async_block_till_done()
    assert len(calls) == 4
    assert len(sim_status) == 1


async def test_sent_sms_results_by_notification(
    hass: HomeAssistant, cloud: SimFolderSimulator, simfolder_loaded: MockConfigEntry
) -> None:
    """smsSended 1 then 2: sent, then delivered, once each."""
    events = async_capture_events(hass, EVENT_SMS_STATUS)
    response = await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {
            "device_id": _device(hass, simfolder_loaded, 104).id,
            "number": "+380 50 765-43-21",
            "message": "Привіт з Home Assistant",
        },
        blocking=True,
        return_response=True,
    )
    await settle(hass, cloud)
    await coordinator_of(simfolder_loaded).async_refresh()
    await hass.async_block_till_done()
    assert response is not None
    messages = response["messages"]
    assert isinstance(messages, list)
    [message] = messages
    assert isinstance(message, dict)
    [sent] = cloud.records["smsOut"]
    assert sent[Field.CARD] == 104
    assert sent[Field.TO] == "+380507654321"
    assert sent[Field.TEXT] == "Привіт з Home Assistant"
    statuses = [e.data["status"] for e in events if e.data["status"] != "queued"]
    assert statuses[-2:] == ["sent", "delivered"]
    assert len(statuses) == len(set(statuses))
    assert all(e.data["message_id"] == message["message_id"] for e in events)
    assert events[-1].data["port"] == 104


async def test_foreign_and_malformed_notifications_are_refused(
    hass: HomeAssistant, ha_client: TestClient, simfolder_loaded: MockConfigEntry
) -> None:
    """A card or device the account does not have: 400, nothing fired."""
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)
    url = f"/api/webhook/{WEBHOOK_ID}"
    for body in (
        {"event": "smsReceived", "card_id": 999, "sender": "+1", "msg": "x"},
        {"event": "deviceState", "device_id": 77, "state": "offline"},
        {"event": "smsReceived", "card_id": 101, "msg": "no sender"},
        {"event": "unknownKind"},
    ):
        response = await ha_client.post(url, data=json.dumps(body))
        assert response.status == 400, body
    response = await ha_client.post(url, data=b"\xff not json")
    assert response.status == 400
    await hass.async_block_till_done()
    assert events == []


async def test_missed_notifications_are_backfilled(
    hass: HomeAssistant, cloud: SimFolderSimulator, simfolder_loaded: MockConfigEntry
) -> None:
    """Notifications lost: the poll lists SMS, USSD replies and calls above the marks."""
    sms = async_capture_events(hass, EVENT_SMS_RECEIVED)
    calls = async_capture_events(hass, EVENT_CALL)
    ussd = async_capture_events(hass, EVENT_USSD_RECEIVED)
    cloud.notify = False
    await cloud.receive_sms(101, "+380501", "first")
    await cloud.receive_sms(107, "+380502", "second")
    await cloud.incoming_call(108, "+380503")
    await cloud.end_incoming_call(108)
    await hass.services.async_call(
        DOMAIN,
        "send_ussd",
        {"device_id": _device(hass, simfolder_loaded, 101).id, "code": "*100#"},
        blocking=True,
        return_response=True,
    )
    await coordinator_of(simfolder_loaded).async_refresh()
    await hass.async_block_till_done()
    assert [e.data["text"] for e in sms] == ["first", "second"]
    assert [(e.data["port"], e.data["state"]) for e in calls] == [(108, "missed")]
    assert len(ussd) == 1
    assert sms[1].data["device_id"] == _device(hass, simfolder_loaded, 107).id
    # The lost notification arrives late after all: nothing fires twice.
    cloud.notify = True
    await cloud.send_notification("smsReceived", cloud.records["sms"][0])
    await coordinator_of(simfolder_loaded).async_refresh()
    await hass.async_block_till_done()
    assert len(sms) == 2
    assert len(calls) == 1


async def test_news_while_home_assistant_was_stopped(
    hass: HomeAssistant, cloud: SimFolderSimulator, simfolder_loaded: MockConfigEntry
) -> None:
    """SMS and a call while the entry was unloaded fire once after it is back."""
    sms = async_capture_events(hass, EVENT_SMS_RECEIVED)
    calls = async_capture_events(hass, EVENT_CALL)
    await cloud.receive_sms(101, "+380501", "before")
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(simfolder_loaded.entry_id)
    await hass.async_block_till_done()
    cloud.notify = False
    await cloud.receive_sms(102, "+380502", "while stopped")
    await cloud.incoming_call(103, "+380503")
    await cloud.end_incoming_call(103)
    assert await hass.config_entries.async_setup(simfolder_loaded.entry_id)
    await hass.async_block_till_done()
    await coordinator_of(simfolder_loaded).async_refresh()
    await hass.async_block_till_done()
    assert [e.data["text"] for e in sms] == ["before", "while stopped"]
    assert [(e.data["port"], e.data["state"]) for e in calls] == [(103, "missed")]


async def test_webhook_is_reachable_from_the_internet(
    hass: HomeAssistant, simfolder_loaded: MockConfigEntry
) -> None:
    """A cloud service notifies from outside: the webhook is not local-only."""
    handlers = hass.data["webhook"]
    assert handlers[WEBHOOK_ID].local_only is False


async def test_repair_when_notifications_stop_arriving(
    hass: HomeAssistant,
    cloud: SimFolderSimulator,
    simfolder_loaded: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A day of news found only by polling: a repair issue for a cloud service."""
    issue_id = f"push_not_arriving_{simfolder_loaded.entry_id}"
    cloud.notify = False
    coordinator = coordinator_of(simfolder_loaded)
    await cloud.receive_sms(101, "+1", "one")
    await coordinator.async_refresh()
    freezer.tick(timedelta(days=1, minutes=1))
    await cloud.receive_sms(101, "+1", "two")
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "push_not_arriving_cloud"
    cloud.notify = True
    await cloud.receive_sms(101, "+1", "three")
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
