"""The last_sms event entity of each port."""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime
from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestClient
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.gsm_gateway.const import EVENT_SMS_RECEIVED
from simulator.dinstar import DinstarSimulator


@pytest.fixture
def port_count() -> int:
    """Two ports: one to receive, one to stay quiet."""
    return 2


@pytest.fixture(autouse=True)
def only_events() -> Generator[None]:
    """Load the event platform alone, as snapshot_platform wants."""
    with patch("custom_components.gsm_gateway.PLATFORMS", [Platform.EVENT]):
        yield


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_entities(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """One last_sms event entity a port, nothing received yet."""
    await _setup(hass, config_entry)
    await snapshot_platform(hass, entity_registry, snapshot, config_entry.entry_id)


async def test_pushed_sms(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
    push_client: TestClient[Any, Any],
) -> None:
    """A pushed SMS fires `received` on its port's entity, with its details."""
    await _setup(hass, config_entry)

    await simulator.receive_sms(1, "+380501234567", "Gate code 4711 🚪")
    await hass.async_block_till_done()

    state = hass.states.get("event.port_1_last_sms")
    assert state is not None
    assert state.state not in (STATE_UNKNOWN, STATE_UNAVAILABLE)
    assert state.attributes["event_type"] == "received"
    assert state.attributes["sender"] == "+380501234567"
    assert state.attributes["text"] == "Gate code 4711 🚪"
    assert datetime.fromisoformat(state.attributes["timestamp"]).tzinfo is not None
    quiet = hass.states.get("event.port_0_last_sms")
    assert quiet is not None
    assert quiet.state == STATE_UNKNOWN


async def test_polled_sms(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """An SMS found by polling (no push) reaches the entity the same way."""
    await _setup(hass, config_entry)

    await simulator.receive_sms(0, "BANK", "Payment 10 EUR", push=False)
    await config_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()

    state = hass.states.get("event.port_0_last_sms")
    assert state is not None
    assert state.attributes["sender"] == "BANK"
    assert state.attributes["text"] == "Payment 10 EUR"


async def test_only_its_own_messages(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """Messages of another gateway or another port leave the entity alone."""
    await _setup(hass, config_entry)
    message = {
        "device_id": None,
        "sim_number": None,
        "sender": "+100",
        "text": "not mine",
        "timestamp": "2026-01-01T00:00:00+00:00",
        "message_id": "1",
    }
    hass.bus.async_fire(
        EVENT_SMS_RECEIVED, {"config_entry_id": "other", "port": 0, **message}
    )
    hass.bus.async_fire(
        EVENT_SMS_RECEIVED,
        {"config_entry_id": config_entry.entry_id, "port": 1, **message},
    )
    await hass.async_block_till_done()

    state = hass.states.get("event.port_0_last_sms")
    assert state is not None
    assert state.state == STATE_UNKNOWN
    state = hass.states.get("event.port_1_last_sms")
    assert state is not None
    assert state.attributes["text"] == "not mine"
