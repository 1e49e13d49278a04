"""The inbox (SPEC §11): what came in and went out, its bounds, its life on disk."""

from __future__ import annotations

from datetime import timedelta
import time
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.gsm_gateway.api import SmsStatus, SmsStatusUpdate
from custom_components.gsm_gateway.const import (
    CONF_INBOX_MAX_DAYS,
    CONF_INBOX_MAX_MESSAGES,
    DOMAIN,
)
from custom_components.gsm_gateway.inbox import WRITE_DELAY, Inbox, normalize_number
from simulator.dinstar import DinstarSimulator

from .conftest import SERIAL
from .test_services import call, port_device


def _inbox(entry: MockConfigEntry) -> Inbox:
    inbox: Inbox = entry.runtime_data.coordinator.inbox
    return inbox


def _key(entry: MockConfigEntry) -> str:
    return f"{DOMAIN}.{entry.entry_id}.inbox"


def _unread_entity(hass: HomeAssistant) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{SERIAL}_unread"
    )
    assert entity_id is not None
    return entity_id


async def _list(hass: HomeAssistant, **data: Any) -> list[dict[str, Any]]:
    response = await call(hass, "list_messages", data, response=True)
    assert response is not None
    messages: list[dict[str, Any]] = response["messages"]  # type: ignore[assignment]
    return messages


async def _written(hass: HomeAssistant) -> None:
    """Let the batched write run."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=WRITE_DELAY + 1))
    await hass.async_block_till_done()


async def test_received_and_read(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """A pushed SMS and one found by polling are in the inbox, unread, until read."""
    unread = _unread_entity(hass)
    assert hass.states.get(unread).state == "0"

    await simulator.receive_sms(2, "+491701234567", "Gate open?")
    await simulator.receive_sms(3, "+441632960961", "Polled in", push=False)
    await init_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()

    messages = await _list(hass)
    assert [(m["text"], m["direction"], m["port"]) for m in messages] == [
        ("Polled in", "received", 3),
        ("Gate open?", "received", 2),
    ]
    first = messages[1]
    assert first["number"] == "+491701234567"
    assert first["device_id"] == port_device(init_integration, 2)
    assert first["config_entry_id"] == init_integration.entry_id
    assert first["read"] is False
    assert first["status"] is None
    assert first["timestamp"].startswith(str(dt_util.now().year))
    assert hass.states.get(unread).state == "2"

    await call(hass, "mark_read", {"message_id": [first["message_id"]]})
    await hass.async_block_till_done()
    assert hass.states.get(unread).state == "1"
    await call(hass, "mark_read", {"config_entry_id": init_integration.entry_id})
    await hass.async_block_till_done()
    assert hass.states.get(unread).state == "0"
    assert [m["read"] for m in await _list(hass)] == [True, True]


async def test_sent_with_its_status(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """A message sent from Home Assistant is a row whose status follows its reports."""
    await call(
        hass,
        "send_sms",
        {
            "device_id": port_device(init_integration, 1),
            "number": "+12345",
            "message": "On my way",
        },
    )
    (sent,) = await _list(hass, direction="sent")
    assert (sent["text"], sent["number"], sent["port"]) == ("On my way", "+12345", 1)
    assert sent["status"] == "queued"
    assert sent["read"] is True

    await simulator.complete_sends("DELIVERED")
    await hass.async_block_till_done()
    (sent,) = await _list(hass, direction="sent")
    assert sent["status"] == "delivered"

    # A late report of an earlier stage does not undo a final one.
    _inbox(init_integration).async_status(
        SmsStatusUpdate(
            message_id=sent["message_id"],
            number="+12345",
            port=1,
            status=SmsStatus.SENT,
        )
    )
    (sent,) = await _list(hass, direction="sent")
    assert sent["status"] == "delivered"
    assert await _list(hass, direction="received") == []
    assert hass.states.get(_unread_entity(hass)).state == "0"


async def test_filters(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Number (in any written form), direction, since, limit and SIM narrow the list."""
    await simulator.receive_sms(0, "+491701234567", "one")
    freezer.tick(timedelta(minutes=10))
    await simulator.receive_sms(1, "+441632960961", "two")
    await call(
        hass,
        "send_sms",
        {
            "device_id": port_device(init_integration, 0),
            "number": "+491701234567",
            "message": "three",
        },
    )
    await hass.async_block_till_done()

    def texts(messages: list[dict[str, Any]]) -> list[str]:
        return [m["text"] for m in messages]

    assert texts(await _list(hass, number="0049 170 123-4567")) == ["three", "one"]
    assert texts(await _list(hass, number="+49170", direction="received")) == []
    assert texts(await _list(hass, limit=2)) == ["three", "two"]
    since = (dt_util.now() - timedelta(minutes=5)).replace(tzinfo=None)
    assert texts(await _list(hass, since=since.isoformat())) == ["three", "two"]
    assert texts(await _list(hass, device_id=[port_device(init_integration, 1)])) == [
        "two"
    ]
    assert texts(
        await _list(
            hass,
            device_id=[init_integration.runtime_data.coordinator.gateway_device_id],
        )
    ) == ["three", "two", "one"]

    await call(hass, "mark_read", {"device_id": [port_device(init_integration, 1)]})
    assert [m["read"] for m in await _list(hass, direction="received")] == [
        True,
        False,
    ]


def test_numbers_compared_as_written() -> None:
    assert normalize_number("0049 (170) 123-4567") == "+491701234567"
    assert normalize_number("+49.170.1234567") == "+491701234567"
    assert normalize_number("Vodafone") == "vodafone"


@pytest.mark.parametrize(
    "options", [{CONF_INBOX_MAX_MESSAGES: 100, CONF_INBOX_MAX_DAYS: 90}]
)
async def test_bounded_by_count(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
    options: dict[str, Any],
    push_client: TestClient,
) -> None:
    """Past the count set in the options, the oldest rows go."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options=options)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    for index in range(120):
        await simulator.receive_sms(index % 8, "+491701234567", f"m{index}", push=False)
    await simulator.push(
        {
            "sn": simulator.serial,
            "sms": [
                {k: v for k, v in m.items() if k != "read"} for m in simulator.inbox
            ],
        }
    )
    await hass.async_block_till_done()

    messages = await _list(hass, limit=1000)
    assert len(messages) == 100
    assert messages[0]["text"] == "m119"
    assert messages[-1]["text"] == "m20"
    assert hass.states.get(_unread_entity(hass)).state == "100"


async def test_bounded_by_age_and_kept_across_restarts(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
    push_client: TestClient,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Rows survive a restart, and those older than the age set go."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_INBOX_MAX_DAYS: 7}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await simulator.receive_sms(0, "+491701234567", "last week")
    await call(
        hass,
        "send_sms",
        {"config_entry_id": config_entry.entry_id, "number": "+4930", "message": "old"},
    )
    freezer.tick(timedelta(days=6))
    await simulator.receive_sms(0, "+491701234567", "yesterday")
    await _written(hass)
    stored = hass_storage[_key(config_entry)]["data"]["messages"]
    assert [row["text"] for row in stored] == ["last week", "old", "yesterday"]

    freezer.tick(timedelta(days=2))
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()

    assert [m["text"] for m in await _list(hass)] == ["yesterday"]
    assert hass.states.get(_unread_entity(hass)).state == "1"

    await _written(hass)
    stored = hass_storage[_key(config_entry)]["data"]["messages"]
    assert [row["text"] for row in stored] == ["yesterday"]

    # A week on, the next poll lets the last one go too.
    freezer.tick(timedelta(days=7))
    await config_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert await _list(hass) == []
    assert hass.states.get(_unread_entity(hass)).state == "0"


async def test_unload_writes_what_waits(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """A row whose batched write has not run yet is on disk once the entry unloads."""
    await simulator.receive_sms(0, "+491701234567", "just now")
    await hass.async_block_till_done()
    assert _key(init_integration) not in hass_storage

    assert await hass.config_entries.async_unload(init_integration.entry_id)

    stored = hass_storage[_key(init_integration)]["data"]["messages"]
    assert [row["text"] for row in stored] == ["just now"]


async def test_deleted_with_the_entry(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    await simulator.receive_sms(0, "+491701234567", "secret")
    await _written(hass)
    assert _key(init_integration) in hass_storage

    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()

    assert _key(init_integration) not in hass_storage


async def test_not_in_diagnostics(
    hass: HomeAssistant,
    hass_client: Any,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
) -> None:
    await simulator.receive_sms(0, "+491701234567", "the door code is 4711", push=False)
    await init_integration.runtime_data.coordinator.async_refresh()
    assert len(_inbox(init_integration)) == 1

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )

    assert "4711" not in str(diagnostics)
    assert "+491701234567" not in str(diagnostics)


async def test_burst_of_1000(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """1,000 messages in 10 pushes: all in the inbox, written once, not 1,000 times."""
    inbox = _inbox(init_integration)
    writes = inbox.writes
    states: list[str] = []
    unread = _unread_entity(hass)
    hass.bus.async_listen(
        "state_changed",
        lambda event: (
            states.append(event.data["new_state"].state)
            if event.data["entity_id"] == unread
            else None
        ),
    )
    started = time.perf_counter()
    for batch in range(10):
        for index in range(100):
            await simulator.receive_sms(
                index % 8, f"+4917012{index:05d}", f"b{batch} {index}", push=False
            )
        pushed = [
            {k: v for k, v in m.items() if k != "read"} for m in simulator.inbox[-100:]
        ]
        assert await simulator.push({"sn": simulator.serial, "sms": pushed}) == 200
    await hass.async_block_till_done()
    burst = time.perf_counter() - started
    started = time.perf_counter()
    await _written(hass)
    elapsed = time.perf_counter() - started

    assert len(inbox) == 1000
    # One write per WRITE_DELAY of the burst at most (usually one in all).
    assert 1 <= inbox.writes - writes <= 1 + burst / WRITE_DELAY
    assert len(hass_storage[_key(init_integration)]["data"]["messages"]) == 1000
    # One state per push at most, not one per message.
    assert len(states) <= 10
    assert states[-1] == "1000"
    assert elapsed < 2


async def test_rows_not_understood_are_dropped(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    config_entry: MockConfigEntry,
    simulator: DinstarSimulator,
) -> None:
    """A damaged row costs that row, not the inbox."""
    now = dt_util.utcnow().isoformat()
    good = {
        "id": 1,
        "direction": "received",
        "number": "+491701234567",
        "name": None,
        "text": "kept",
        "timestamp": now,
        "added": now,
        "port": 0,
        "status": None,
        "message_id": "1",
        "read": False,
    }
    hass_storage[_key(config_entry)] = {
        "version": 1,
        "minor_version": 1,
        "key": _key(config_entry),
        "data": {
            "next_id": 3,
            "messages": [good, {**good, "id": 2, "timestamp": "yesterday"}],
        },
    }
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert [m["text"] for m in await _list(hass)] == ["kept"]


async def test_contact_names(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
) -> None:
    """Rows carry the contact's name, received and sent (SPEC §12)."""
    hass_storage[f"{DOMAIN}.contacts"] = {
        "version": 1,
        "data": {"contacts": [{"id": "a1", "name": "Anna", "number": "+491701234567"}]},
    }
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await simulator.receive_sms(0, "0049 170 1234567", "hello", push=False)
    await config_entry.runtime_data.coordinator.async_refresh()
    await call(
        hass,
        "send_sms",
        {"config_entry_id": config_entry.entry_id, "number": "Anna", "message": "hi"},
    )

    assert [(m["direction"], m["name"]) for m in await _list(hass)] == [
        ("sent", "Anna"),
        ("received", "Anna"),
    ]
    assert [m["text"] for m in await _list(hass, number="anna")] == ["hi", "hello"]
