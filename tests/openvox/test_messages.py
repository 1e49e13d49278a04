"""SMS through an OpenVox gateway: sending, results, reports, incoming, bad pushes."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
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
from simulator.openvox import OpenVoxSimulator

from ..conftest import WEBHOOK_ID


async def _send(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    number: str | list[str],
    text: str,
    **extra: object,
) -> list[dict[str, object]]:
    response = await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"config_entry_id": entry.entry_id, "number": number, "message": text} | extra,
        blocking=True,
        return_response=True,
    )
    assert response is not None
    messages = response["messages"]
    assert isinstance(messages, list)
    return messages


def _sends(sim: OpenVoxSimulator) -> list[dict[str, object]]:
    return [body for path, body in sim.requests if path == "/sms/send"]


async def test_send_one_and_follow_it_by_push(
    hass: HomeAssistant, openvox: OpenVoxSimulator, openvox_loaded: MockConfigEntry
) -> None:
    """queued, then sent and delivered as the gateway pushes them: once each."""
    events = async_capture_events(hass, EVENT_SMS_STATUS)

    (message,) = await _send(hass, openvox_loaded, "+380 50 123-45-67", "Привіт 👋")
    await openvox.complete()
    await hass.async_block_till_done()
    # Polling the outbox afterwards finds the same facts: nothing fires again.
    await openvox_loaded.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()

    assert message["status"] == "queued"
    assert message["port"] == 2
    assert [
        (e.data["status"], e.data["message_id"], e.data["port"]) for e in events
    ] == [
        ("queued", message["message_id"], 2),
        ("sent", message["message_id"], 2),
        ("delivered", message["message_id"], 2),
    ]
    assert events[1].data["device_id"] is not None
    assert openvox.outbox[0].text == "Привіт 👋"
    assert openvox.outbox[0].number == "+380501234567"


async def test_send_to_many_spreads_over_spans(
    hass: HomeAssistant, openvox: OpenVoxSimulator, openvox_loaded: MockConfigEntry
) -> None:
    """One request per number (the API takes one dest_num), ports in turn."""
    openvox.spans[0].available = False
    await openvox_loaded.runtime_data.coordinator.async_refresh()
    text = "Довге повідомлення. " * 12  # 240 characters: 4 UCS-2 segments

    messages = await _send(hass, openvox_loaded, "+1001, +1002;+1003", text)

    assert [m["port"] for m in messages] == [3, 4, 5]
    assert [b["dest_num"] for b in _sends(openvox)] == ["+1001", "+1002", "+1003"]
    assert {b["msg"] for b in _sends(openvox)} == {text}


async def test_send_through_a_chosen_port(
    hass: HomeAssistant, openvox: OpenVoxSimulator, openvox_loaded: MockConfigEntry
) -> None:
    coordinator = openvox_loaded.runtime_data.coordinator
    device_id = coordinator.device_id_for_port(coordinator.data.ports["span4"])

    await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"device_id": device_id, "number": "+1001", "message": "x"},
        blocking=True,
    )

    assert _sends(openvox)[0]["spans"] == [4]


async def test_no_free_port(
    hass: HomeAssistant, openvox: OpenVoxSimulator, openvox_loaded: MockConfigEntry
) -> None:
    for span in openvox.spans:
        span.available = False
    await openvox_loaded.runtime_data.coordinator.async_refresh()

    with pytest.raises(HomeAssistantError) as err:
        await _send(hass, openvox_loaded, "+1001", "x", queue=False)

    assert err.value.translation_key == "refused"
    assert _sends(openvox) == []

    # Without queue: false, "no free span" is "not now": the outbox keeps it.
    (queued,) = await _send(hass, openvox_loaded, "+1001", "x")
    assert queued["status"] == "queued"
    assert openvox_loaded.runtime_data.outbox.waiting == 1
    assert _sends(openvox) == []


async def test_gateway_refusing(
    hass: HomeAssistant, openvox: OpenVoxSimulator, openvox_loaded: MockConfigEntry
) -> None:
    openvox.fail("/sms/send", 500)
    with pytest.raises(HomeAssistantError, match="injected failure"):
        await _send(hass, openvox_loaded, "+1001", "x")


async def test_too_long(
    hass: HomeAssistant, openvox: OpenVoxSimulator, openvox_loaded: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _send(hass, openvox_loaded, "+1001", "x" * 2000)
    assert err.value.translation_key == "bad_request"
    assert _sends(openvox) == []


async def test_not_supported(
    hass: HomeAssistant, openvox_loaded: MockConfigEntry
) -> None:
    """What the API cannot do says so, translated."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "send_ussd",
            {"config_entry_id": openvox_loaded.entry_id, "code": "*100#"},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "not_supported"


async def test_results_by_polling_when_pushes_are_lost(
    hass: HomeAssistant,
    openvox: OpenVoxSimulator,
    openvox_loaded: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The outbox fills the gap once; a day of it raises the repair issue."""
    coordinator = openvox_loaded.runtime_data.coordinator
    events = async_capture_events(hass, EVENT_SMS_STATUS)
    openvox.drop_pushes = True

    (message,) = await _send(hass, openvox_loaded, "+1001", "x")
    await openvox.complete()
    await coordinator.async_refresh()
    await coordinator.async_refresh()
    await hass.async_block_till_done()

    assert [e.data["status"] for e in events] == ["queued", "sent", "delivered"]
    assert {e.data["message_id"] for e in events} == {message["message_id"]}
    assert coordinator.unannounced_since is not None

    freezer.tick(timedelta(days=1, minutes=1))
    await _send(hass, openvox_loaded, "+1002", "y")
    await openvox.complete()
    await coordinator.async_refresh()
    issue_id = f"push_not_arriving_{openvox_loaded.entry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "push_not_arriving_configured"

    # A push that arrives again clears it, and a late duplicate fires nothing.
    openvox.drop_pushes = False
    await openvox.push_result(openvox.outbox[0])
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert len(events) == 6


async def test_followed_across_a_restart(
    hass: HomeAssistant, openvox: OpenVoxSimulator, openvox_loaded: MockConfigEntry
) -> None:
    """Results that come while Home Assistant is away still name the message."""
    events = async_capture_events(hass, EVENT_SMS_STATUS)
    (message,) = await _send(hass, openvox_loaded, "+1001", "x")
    assert await hass.config_entries.async_unload(openvox_loaded.entry_id)
    await hass.async_block_till_done()
    openvox.drop_pushes = True
    await openvox.complete()

    assert await hass.config_entries.async_setup(openvox_loaded.entry_id)
    await hass.async_block_till_done()

    assert [(e.data["status"], e.data["message_id"]) for e in events] == [
        ("queued", message["message_id"]),
        ("sent", message["message_id"]),
        ("delivered", message["message_id"]),
    ]


async def test_incoming_sms_by_push(
    hass: HomeAssistant, openvox: OpenVoxSimulator, openvox_loaded: MockConfigEntry
) -> None:
    """One event per SMS, on the span it came in, even if the push comes twice."""
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)

    await openvox.receive_sms(4, "+4917612345678", "Hi & bye: 100% 🙂")
    await openvox.get(openvox.pushes_sent[-1]["url"])
    await hass.async_block_till_done()

    assert len(events) == 1
    data = events[0].data
    assert (data["port"], data["sender"], data["text"]) == (
        4,
        "+4917612345678",
        "Hi & bye: 100% 🙂",
    )
    assert data["device_id"] is not None
    state = hass.states.get("event.gsm_1_3_last_sms")
    assert state is not None
    assert state.attributes["text"] == "Hi & bye: 100% 🙂"


@pytest.mark.parametrize(
    "query",
    [
        "",
        "phonenumber=1",
        "phonenumber=1&port=9&message=x",
        "phonenumber=1&port=1&type=SMS-Status-Result&status=Maybe",
        "key=10086&key=1&key=hello",
    ],
)
async def test_malformed_and_foreign_pushes(
    hass: HomeAssistant,
    openvox_loaded: MockConfigEntry,
    ha_client: TestClient,
    query: str,
) -> None:
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)
    statuses = async_capture_events(hass, EVENT_SMS_STATUS)

    response = await ha_client.get(f"/api/webhook/{WEBHOOK_ID}?{query}")
    await hass.async_block_till_done()

    assert response.status == 400
    assert events == statuses == []
    assert openvox_loaded.runtime_data.coordinator.pushes_received == 0


async def test_notify_entity_sends_through_its_span(
    hass: HomeAssistant,
    openvox: OpenVoxSimulator,
    openvox_entry: MockConfigEntry,
    ha_client: TestClient,
) -> None:
    """`notify.send_message` to a span's entity: its default recipients, that span."""
    openvox_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        openvox_entry, options={"default_recipients": ["+4917012345"]}
    )
    assert await hass.config_entries.async_setup(openvox_entry.entry_id)
    await hass.async_block_till_done()

    await hass.services.async_call(
        "notify",
        "send_message",
        {"entity_id": "notify.gsm_1_3_sms", "message": "Door open", "title": "Alarm"},
        blocking=True,
    )

    (body,) = _sends(openvox)
    assert (body["spans"], body["dest_num"], body["msg"]) == (
        [4],
        "+4917012345",
        "Alarm\nDoor open",
    )
