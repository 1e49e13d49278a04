"""Sending, following and receiving SMS through an SmsGateway24 account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.components.notify import DOMAIN as NOTIFY_DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.gsm_gateway.const import (
    DOMAIN,
    EVENT_SMS_RECEIVED,
    EVENT_SMS_STATUS,
)
from simulator.smsgateway24 import SmsGateway24Simulator

from .conftest import WEBHOOK_PATH, coordinator_of, phone_device, sim_device


async def send(hass: HomeAssistant, data: dict[str, Any]) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, "send_sms", data, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


def statuses(events: list[Any]) -> list[tuple[str, str]]:
    return [(e.data["message_id"], e.data["status"]) for e in events]


async def test_send_from_a_chosen_sim(
    hass: HomeAssistant, cloud: SmsGateway24Simulator, init_integration: MockConfigEntry
) -> None:
    kitchen, _ = sorted(cloud.phones)
    events = async_capture_events(hass, EVENT_SMS_STATUS)
    sim2 = sim_device(hass, kitchen, 1)
    response = await send(
        hass, {"device_id": sim2.id, "number": "+49 170 1234567", "message": "Hi"}
    )
    [message] = response["messages"]
    assert message["port"] == kitchen * 10 + 1
    assert message["status"] == "queued"
    [stored] = [m for m in cloud.messages.values() if m.body == "Hi"]
    assert (stored.device_id, stored.sim, stored.sendto) == (
        kitchen,
        1,
        "+491701234567",
    )
    assert str(stored.customerid) == message["message_id"]
    assert [c.endpoint for c in cloud.calls()][-1] == "addsms"
    await hass.async_block_till_done()
    assert statuses(events) == [(message["message_id"], "queued")]
    assert events[0].data["device_id"] == sim2.id


async def test_many_numbers_in_one_request(
    hass: HomeAssistant, cloud: SmsGateway24Simulator, init_integration: MockConfigEntry
) -> None:
    numbers = [f"+4915100{index:05d}" for index in range(250)]
    before = len(cloud.calls())
    response = await send(
        hass,
        {
            "config_entry_id": init_integration.entry_id,
            "number": [", ".join(numbers[:100]), *numbers[100:]],
            "message": "Street party on Friday",
        },
    )
    assert len(response["messages"]) == 250
    assert [c.endpoint for c in cloud.calls()[before:]] == ["addalotofsms"]
    assert (
        len([m for m in cloud.messages.values() if m.body.startswith("Street")]) == 250
    )


async def test_scheduled_and_urgent(
    hass: HomeAssistant, cloud: SmsGateway24Simulator, init_integration: MockConfigEntry
) -> None:
    kitchen, _ = sorted(cloud.phones)
    await hass.config.async_set_time_zone("Europe/Kyiv")
    await send(
        hass,
        {
            "device_id": phone_device(hass, kitchen).id,
            "number": ["+491", "+492"],
            "message": "Later",
            "send_at": "2030-06-01 09:30:00",
        },
    )
    await send(
        hass,
        {
            "device_id": sim_device(hass, kitchen, 0).id,
            "number": "+493",
            "message": "OTP 1234",
            "urgent": True,
        },
    )
    later = [m for m in cloud.messages.values() if m.body == "Later"]
    # 09:30 in Kyiv (summer, +03:00) is 06:30 UTC, as the service reads it.
    assert {m.timetosend for m in later} == {datetime(2030, 6, 1, 6, 30, tzinfo=UTC)}
    # A phone as the target: its SIMs in turn.
    assert sorted(m.sim for m in later) == [0, 1]
    [otp] = [m for m in cloud.messages.values() if m.body == "OTP 1234"]
    assert otp.urgent is True
    # The phone takes the urgent one; the scheduled ones wait for their time.
    await cloud.tick()
    assert otp.status == 2
    assert {m.status for m in later} == {1}


async def test_statuses_until_final_without_duplicates(
    hass: HomeAssistant,
    cloud: SmsGateway24Simulator,
    init_integration: MockConfigEntry,
    webhook_client: TestClient,
) -> None:
    events = async_capture_events(hass, EVENT_SMS_STATUS)
    coordinator = coordinator_of(init_integration)
    response = await send(
        hass,
        {
            "config_entry_id": init_integration.entry_id,
            "number": ["+491", "+492"],
            "message": "x",
        },
    )
    first, second = (m["message_id"] for m in response["messages"])
    await cloud.tick()  # both taken by the phone
    await coordinator.async_refresh()
    await cloud.complete_sends()  # sent, delivered: the webhook tells at once
    await cloud.drain()
    await hass.async_block_till_done()
    await coordinator.async_refresh()  # the poll finds the same: nothing more
    await coordinator.async_refresh()
    by_message: dict[str, list[str]] = {}
    for message_id, status in statuses(events):
        by_message.setdefault(message_id, []).append(status)
    assert by_message == {
        first: ["queued", "sending", "sent", "delivered"],
        second: ["queued", "sending", "sent", "delivered"],
    }
    assert not init_integration.runtime_data.client.has_pending_sends()


async def test_failed_send_is_final(
    hass: HomeAssistant, cloud: SmsGateway24Simulator, init_integration: MockConfigEntry
) -> None:
    events = async_capture_events(hass, EVENT_SMS_STATUS)
    response = await send(
        hass,
        {
            "config_entry_id": init_integration.entry_id,
            "number": "+491",
            "message": "x",
        },
    )
    await cloud.complete_sends(final=10)  # no service
    await coordinator_of(init_integration).async_refresh()
    await coordinator_of(init_integration).async_refresh()
    [message] = response["messages"]
    assert statuses(events) == [
        (message["message_id"], "queued"),
        (message["message_id"], "failed"),
    ]
    assert cloud.calls()[-1].endpoint != "getsmsstatus"  # nothing followed any more


async def test_incoming_by_polling_once(
    hass: HomeAssistant, cloud: SmsGateway24Simulator, init_integration: MockConfigEntry
) -> None:
    kitchen, spare = sorted(cloud.phones)
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)
    await cloud.receive_sms(kitchen, "+380501234567", "Привіт 👋", sim=1)
    await cloud.receive_sms(spare, "DHL", "Parcel today")
    coordinator = coordinator_of(init_integration)
    await coordinator.async_refresh()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert [(e.data["sender"], e.data["text"]) for e in events] == [
        ("+380501234567", "Привіт 👋"),
        ("DHL", "Parcel today"),
    ]
    data = events[0].data
    assert data["device_id"] == sim_device(hass, kitchen, 1).id
    assert data["port"] == kitchen * 10 + 1
    assert data["sim_number"] == cloud.phones[kitchen].sims[1].number.lstrip("+")
    assert datetime.fromisoformat(data["timestamp"]).tzinfo is not None


async def test_messages_before_the_first_set_up_are_history(
    hass: HomeAssistant, cloud: SmsGateway24Simulator, config_entry: MockConfigEntry
) -> None:
    kitchen, _ = sorted(cloud.phones)
    await cloud.receive_sms(kitchen, "+491", "old news")
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await cloud.receive_sms(kitchen, "+491", "new")
    await coordinator_of(config_entry).async_refresh()
    await hass.async_block_till_done()
    assert [e.data["text"] for e in events] == ["new"]


async def test_webhook_and_poll_fire_once(
    hass: HomeAssistant,
    cloud: SmsGateway24Simulator,
    init_integration: MockConfigEntry,
    webhook_client: TestClient,
) -> None:
    kitchen, _ = sorted(cloud.phones)
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)
    await cloud.receive_sms(kitchen, "+4917", "Gate code 1234")
    await hass.async_block_till_done()
    assert [e.data["text"] for e in events] == ["Gate code 1234"]
    assert coordinator_of(init_integration).last_push_kind == "incoming"
    await coordinator_of(init_integration).async_refresh()
    await hass.async_block_till_done()
    assert len(events) == 1
    # The older webhook shape (`sim`, no `type`) too.
    cloud.set_webhooks(str(webhook_client.make_url(WEBHOOK_PATH)), style="older")
    await cloud.receive_sms(kitchen, "+4917", "again", sim=1)
    await coordinator_of(init_integration).async_refresh()
    await hass.async_block_till_done()
    assert [e.data["port"] for e in events] == [kitchen * 10, kitchen * 10 + 1]


async def test_foreign_and_malformed_webhooks_are_refused(
    hass: HomeAssistant,
    cloud: SmsGateway24Simulator,
    init_integration: MockConfigEntry,
    webhook_client: TestClient,
) -> None:
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)
    foreign = {
        "address": "+491",
        "body": "x",
        "sms_id": 1,
        "device_id": 1,
        "date": "2026-01-01 00:00:00",
    }
    response = await webhook_client.post(WEBHOOK_PATH, json=foreign)
    assert response.status == 400
    response = await webhook_client.post(WEBHOOK_PATH, data=b"{nonsense")
    assert response.status == 400
    await hass.async_block_till_done()
    assert events == []


async def test_restart_with_messages_arriving_meanwhile(
    hass: HomeAssistant, cloud: SmsGateway24Simulator, init_integration: MockConfigEntry
) -> None:
    kitchen, _ = sorted(cloud.phones)
    received = async_capture_events(hass, EVENT_SMS_RECEIVED)
    status = async_capture_events(hass, EVENT_SMS_STATUS)
    await cloud.receive_sms(kitchen, "+491", "before")
    await coordinator_of(init_integration).async_refresh()
    response = await send(
        hass,
        {
            "config_entry_id": init_integration.entry_id,
            "number": ["+491", "+492"],
            "message": "x",
        },
    )
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    # Meanwhile: two SMS arrive and the sends are delivered.
    await cloud.receive_sms(kitchen, "+492", "while away 1")
    await cloud.receive_sms(kitchen, "+493", "while away 2", sim=1)
    await cloud.complete_sends()
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    await coordinator_of(init_integration).async_refresh()
    await hass.async_block_till_done()
    assert [e.data["text"] for e in received] == [
        "before",
        "while away 1",
        "while away 2",
    ]
    delivered = [
        e.data["message_id"] for e in status if e.data["status"] == "delivered"
    ]
    assert sorted(delivered) == sorted(m["message_id"] for m in response["messages"])


async def test_notify_sends_in_one_request(
    hass: HomeAssistant, cloud: SmsGateway24Simulator, init_integration: MockConfigEntry
) -> None:
    service = "smsgateway24_owner_example_com"
    assert hass.services.has_service(NOTIFY_DOMAIN, service)
    before = len(cloud.calls())
    await hass.services.async_call(
        NOTIFY_DOMAIN,
        service,
        {"message": "Alarm!", "target": ["+491", "+492", "+493"]},
        blocking=True,
    )
    assert [c.endpoint for c in cloud.calls()[before:]] == ["addalotofsms"]


async def test_what_phones_cannot_do_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    for action, data in (
        ("send_ussd", {"code": "*100#"}),
        ("stk_view", {}),
        ("get_cdr", {}),
        ("send_telegram", {"message": "x"}),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN,
                action,
                {"config_entry_id": init_integration.entry_id, **data},
                blocking=True,
                return_response=action in ("stk_view", "get_cdr"),
            )
        assert err.value.translation_key == "not_supported"


async def test_contact_lists_and_newsletters(
    hass: HomeAssistant, cloud: SmsGateway24Simulator, init_integration: MockConfigEntry
) -> None:
    kitchen, _ = sorted(cloud.phones)
    target = {"config_entry_id": init_integration.entry_id}

    async def call(action: str, data: dict[str, Any]) -> dict[str, Any]:
        response = await hass.services.async_call(
            DOMAIN, action, target | data, blocking=True, return_response=True
        )
        assert isinstance(response, dict)
        return response

    listed = await call("create_contact_list", {"name": "Neighbours"})
    assert cloud.tags[int(listed["list_id"])] == "Neighbours"
    contact = await call(
        "add_contact",
        {"list_id": listed["list_id"], "number": "+49 151 111", "name": "Ann"},
    )
    assert cloud.contacts[int(contact["contact_id"])] == (
        int(listed["list_id"]),
        "+49151111",
        "Ann",
    )
    await call("add_contact", {"list_id": listed["list_id"], "number": "+49151222"})
    newsletter = await hass.services.async_call(
        DOMAIN,
        "send_newsletter",
        {
            "device_id": sim_device(hass, kitchen, 1).id,
            "list_id": [listed["list_id"]],
            "title": "Party",
            "message": "Party on Friday",
            "send_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
        },
        blocking=True,
        return_response=True,
    )
    assert isinstance(newsletter, dict)
    paket = int(newsletter["newsletter_id"])
    sent = [m for m in cloud.messages.values() if m.paket_id == paket]
    assert sorted(m.sendto for m in sent) == ["+49151111", "+49151222"]
    assert {(m.device_id, m.sim) for m in sent} == {(kitchen, 1)}
    with pytest.raises(HomeAssistantError, match="Tag not found"):
        await call("add_contact", {"list_id": "1", "number": "+491"})
