"""Nothing lost, nothing twice (SPEC §7): backfill, restarts, push and poll."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import CoreState, Event, HomeAssistant
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.gsm_gateway.const import (
    DOMAIN,
    EVENT_SMS_RECEIVED,
    EVENT_SMS_STATUS,
)
from simulator.dinstar import DinstarSimulator


async def _refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


def _texts(events: list[Event[Any]]) -> list[str]:
    return [event.data["text"] for event in events]


async def test_first_setup_takes_the_inbox_as_history(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """Messages already on the gateway at the first set-up fire nothing."""
    await simulator.receive_sms(1, "+100", "old one", push=False)
    await simulator.receive_sms(2, "+100", "old two", push=False)
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)

    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert events == []
    assert config_entry.runtime_data.coordinator.tracker.high_water_mark == 2

    await simulator.receive_sms(3, "+200", "new", push=False)
    await _refresh(hass, config_entry)
    assert _texts(events) == ["new"]


async def test_poll_fires_each_message_once(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """A message found by polling fires once, with the SPEC's keys."""
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)
    message_id = await simulator.receive_sms(
        3, "+380501234567", "Ваш код: 1234", push=False
    )

    await _refresh(hass, init_integration)
    await _refresh(hass, init_integration)

    assert len(events) == 1
    data = events[0].data
    assert data["config_entry_id"] == init_integration.entry_id
    assert data["port"] == 3
    assert data["sender"] == "+380501234567"
    assert data["text"] == "Ваш код: 1234"
    assert data["message_id"] == str(message_id)
    assert data["device_id"] is not None
    assert datetime.fromisoformat(data["timestamp"]).tzinfo is not None
    assert set(data) == {
        "config_entry_id",
        "device_id",
        "port",
        "sim_number",
        "sender",
        "sender_name",
        "text",
        "timestamp",
        "message_id",
    }
    assert data["sender_name"] is None


async def test_push_then_poll_fires_once(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """A pushed message that the next poll also lists fires once."""
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)

    await simulator.receive_sms(0, "BANK", "Payment 10 EUR")
    await hass.async_block_till_done()
    assert _texts(events) == ["Payment 10 EUR"]

    await _refresh(hass, init_integration)
    assert _texts(events) == ["Payment 10 EUR"]


async def test_poll_then_push_fires_once(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """A push arriving late for a message the poll already fired is ignored."""
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)
    simulator.push_url = None
    await simulator.receive_sms(0, "BANK", "late push")
    await _refresh(hass, init_integration)
    assert _texts(events) == ["late push"]

    simulator.push_url = str(
        push_client.make_url(f"/api/webhook/{init_integration.data['webhook_id']}")
    )
    message = simulator.inbox[-1]
    status = await simulator.push({"sn": simulator.serial, "sms": [message]})
    await hass.async_block_till_done()

    assert status == 200
    assert _texts(events) == ["late push"]


async def test_lost_push_is_found_by_the_next_poll(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """A push that never arrived does not hide the message, and later ids do not skip it."""
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)
    simulator.push_url = None
    await simulator.receive_sms(1, "+1", "lost")
    simulator.push_url = str(
        push_client.make_url(f"/api/webhook/{init_integration.data['webhook_id']}")
    )
    await simulator.receive_sms(1, "+1", "pushed")
    await hass.async_block_till_done()
    assert _texts(events) == ["pushed"]

    await _refresh(hass, init_integration)
    assert sorted(_texts(events)) == ["lost", "pushed"]
    await _refresh(hass, init_integration)
    assert len(events) == 2


async def test_restart_backfills_without_replay(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """What arrived while Home Assistant was stopped fires once; nothing replays."""
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)
    await simulator.receive_sms(1, "+1", "before", push=False)
    await _refresh(hass, init_integration)
    assert _texts(events) == ["before"]

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    await simulator.receive_sms(2, "+2", "while down 1", push=False)
    await simulator.receive_sms(3, "+3", "while down 2", push=False)

    hass.set_state(CoreState.not_running)
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert _texts(events) == ["before"], "nothing fires before Home Assistant runs"

    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()
    assert _texts(events) == ["before", "while down 1", "while down 2"]

    await _refresh(hass, init_integration)
    assert len(events) == 3


async def test_never_asks_for_unread(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """Polling never uses flag=unread, which would change the gateway's state."""
    await simulator.receive_sms(1, "+1", "x", push=False)
    await _refresh(hass, init_integration)

    inbox_queries = [
        r for r in simulator.requests if r.path.endswith("/query_incoming_sms")
    ]
    assert inbox_queries
    assert all(r.query.get("flag") == "all" for r in inbox_queries)
    assert all(not m.get("read") for m in simulator.inbox)


async def test_send_results_after_a_restart_name_their_message(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """A result pushed after a restart still names the message, and fires once."""
    response = await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {
            "config_entry_id": init_integration.entry_id,
            "number": "+380501112233",
            "message": "before the restart",
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    message_id = response["messages"][0]["message_id"]  # type: ignore[index,call-overload]
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    statuses = async_capture_events(hass, EVENT_SMS_STATUS)

    await simulator.complete_sends("SENT_OK")
    await hass.async_block_till_done()
    await _refresh(hass, init_integration)

    assert [(e.data["message_id"], e.data["status"]) for e in statuses] == [
        (message_id, "sent")
    ]
