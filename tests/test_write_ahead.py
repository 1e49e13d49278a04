"""Write-ahead (SPEC §7, hard crashes): on disk before it fires, never replayed.

A kill is simulated by what it leaves: the entry's record as it was on disk
at the chosen instant is put back, and Home Assistant starts again from it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
import copy
from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestClient
from homeassistant.const import (
    EVENT_HOMEASSISTANT_FINAL_WRITE,
    EVENT_HOMEASSISTANT_STARTED,
)
from homeassistant.core import CoreState, Event, HomeAssistant, callback
from homeassistant.helpers import storage
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
from custom_components.gsm_gateway.coordinator import GsmGatewayCoordinator
from simulator.dinstar import DinstarSimulator

BURST = 50


def _key(entry: MockConfigEntry) -> str:
    return f"{DOMAIN}.{entry.entry_id}.messages"


def _coordinator(entry: MockConfigEntry) -> GsmGatewayCoordinator:
    coordinator: GsmGatewayCoordinator = entry.runtime_data.coordinator
    return coordinator


def _texts(events: list[Event[Any]]) -> list[str]:
    return [event.data["text"] for event in events]


async def _store_on_gateway(sim: DinstarSimulator, count: int, tag: str) -> list[Any]:
    """SMS the gateway holds (not pushed yet), as its push carries them."""
    for index in range(count):
        await sim.receive_sms(
            index % len(sim.ports), "+491701234567", f"{tag} {index}", push=False
        )
    return [
        {key: value for key, value in message.items() if key != "read"}
        for message in sim.inbox[-count:]
    ]


async def _restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Start again from what is on disk, through start-up, then poll once."""
    hass.set_state(CoreState.not_running)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()
    await _coordinator(entry).async_refresh()
    await hass.async_block_till_done()


async def _put_back(
    hass: HomeAssistant, hass_storage: dict[str, Any], entry: MockConfigEntry, disk: Any
) -> None:
    """Unload (what a kill skips), then leave on disk what the kill left."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    hass_storage[_key(entry)] = disk


async def test_a_push_is_on_disk_before_it_fires(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """When the event fires, the record already says it has: one write per push."""
    key = _key(init_integration)
    recorded_at_fire: list[bool] = []

    @callback
    def check(event: Event[Any]) -> None:
        seen = hass_storage[key]["data"]["seen_messages"]
        recorded_at_fire.append(event.data["message_id"] in seen)

    hass.bus.async_listen(EVENT_SMS_RECEIVED, check)
    writes = _coordinator(init_integration).tracker.writes

    messages = await _store_on_gateway(simulator, BURST, "burst")
    assert await simulator.push({"sn": simulator.serial, "sms": messages}) == 200
    await hass.async_block_till_done()

    assert recorded_at_fire == [True] * BURST
    assert _coordinator(init_integration).tracker.writes == writes + 1


class SlowDisk:
    """Writes of the message record start, then wait until `released` is set."""

    def __init__(self) -> None:
        self.writing = asyncio.Event()
        self.released = asyncio.Event()


@pytest.fixture
async def slow_disk() -> AsyncIterator[SlowDisk]:
    """A disk that takes as long as the test wants to write the record."""
    disk = SlowDisk()
    original: Callable[..., Coroutine[Any, Any, None]] = storage.Store._async_write_data

    async def write(store: storage.Store[Any], data: dict[str, Any]) -> None:
        if store.key.endswith(".messages"):
            disk.writing.set()
            await disk.released.wait()
        await original(store, data)

    with patch.object(storage.Store, "_async_write_data", write):
        yield disk


async def test_pushes_during_a_write_share_the_next_one(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
    slow_disk: SlowDisk,
) -> None:
    """Group commit: ten pushes while one write is in flight take one more write."""
    tracker = _coordinator(init_integration).tracker
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)
    writes = tracker.writes
    messages = await _store_on_gateway(simulator, 11, "group")
    all_taken = asyncio.Event()
    take = tracker.async_pushed

    def taking(pushed: Any) -> int:
        new = take(pushed)
        if tracker.received == len(messages):
            all_taken.set()
        return new

    first = asyncio.create_task(
        simulator.push({"sn": simulator.serial, "sms": messages[:1]})
    )
    await slow_disk.writing.wait()
    with patch.object(tracker, "async_pushed", taking):
        others = [
            asyncio.create_task(simulator.push({"sn": simulator.serial, "sms": [m]}))
            for m in messages[1:]
        ]
        async with asyncio.timeout(10):
            await all_taken.wait()
    assert events == [], "nothing fires before its write"
    assert not first.done(), "a push is answered once its facts are on disk"

    slow_disk.released.set()
    assert await asyncio.gather(first, *others) == [200] * len(messages)
    await hass.async_block_till_done()

    assert sorted(_texts(events)) == sorted(f"group {i}" for i in range(11))
    assert tracker.writes == writes + 2


@pytest.mark.parametrize(
    ("kill", "fired_again"),
    [("before the write", True), ("after the write, before the events", False)],
)
async def test_a_kill_around_a_push(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
    kill: str,
    fired_again: bool,
) -> None:
    """Killed before the write, the push is found again; after it, never replayed.

    Before the write nothing has fired: the restart's backfill fires all 50
    once. After the write the record says they fired: none fires again (had
    the kill come in the instant before the events, those would be lost, at
    most once being the promise: see messages.py).
    """
    key = _key(init_integration)
    disk: dict[str, Any] = {"before the write": copy.deepcopy(hass_storage[key])}

    @callback
    def at_first_event(_event: Event[Any]) -> None:
        disk.setdefault(
            "after the write, before the events", copy.deepcopy(hass_storage[key])
        )

    hass.bus.async_listen(EVENT_SMS_RECEIVED, at_first_event)
    messages = await _store_on_gateway(simulator, BURST, "kill")
    assert await simulator.push({"sn": simulator.serial, "sms": messages}) == 200
    await hass.async_block_till_done()

    await _put_back(hass, hass_storage, init_integration, disk[kill])
    after = async_capture_events(hass, EVENT_SMS_RECEIVED)
    await _restart(hass, init_integration)

    every = sorted(f"kill {i}" for i in range(BURST))
    assert sorted(_texts(after)) == (every if fired_again else [])


async def test_facts_found_while_starting_survive_a_kill(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Held until start-up ends, they are on disk whole: they fire once, later.

    Even when the gateway no longer holds them by then.
    """
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    await _store_on_gateway(simulator, 2, "while down")
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)

    hass.set_state(CoreState.not_running)
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    record = copy.deepcopy(hass_storage[_key(init_integration)])
    assert [fact["text"] for fact in record["data"]["unfired"]] == [
        "while down 0",
        "while down 1",
    ]
    assert events == []

    # Killed before start-up ended; the gateway has since dropped them.
    await _put_back(hass, hass_storage, init_integration, record)
    simulator.inbox.clear()
    await _restart(hass, init_integration)

    assert _texts(events) == ["while down 0", "while down 1"]
    assert events[0].data["sender"] == "+491701234567"
    assert hass_storage[_key(init_integration)]["data"]["unfired"] == []


async def test_a_status_found_while_stopping_fires_at_the_next_start(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """While stopping, nothing is written before the final write: it waits."""
    response = await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {
            "config_entry_id": init_integration.entry_id,
            "number": "+491701234567",
            "message": "x",
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    message_id = response["messages"][0]["message_id"]  # type: ignore[index,call-overload]
    statuses = async_capture_events(hass, EVENT_SMS_STATUS)

    hass.set_state(CoreState.stopping)
    # Home Assistant answers pushes 503 while it stops; a poll still runs.
    await simulator.complete_sends("SENT_OK", push=False)
    await _coordinator(init_integration).async_refresh()
    await hass.async_block_till_done()
    assert statuses == []
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    record = copy.deepcopy(hass_storage[_key(init_integration)])
    assert [(f["message_id"], f["status"]) for f in record["data"]["unfired"]] == [
        (message_id, "sent")
    ]

    await _put_back(hass, hass_storage, init_integration, record)
    await _restart(hass, init_integration)

    assert [(e.data["message_id"], e.data["status"]) for e in statuses] == [
        (message_id, "sent")
    ]
