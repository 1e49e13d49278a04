"""Binary sensors: the gateway's connectivity and each port's GPRS link."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestClient
from homeassistant.const import (
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from simulator.dinstar import DinstarSimulator

ONLINE = "binary_sensor.dinstar_8_port_gateway_online"


@pytest.fixture(autouse=True)
def only_binary_sensors() -> Generator[None]:
    """Load the binary sensor platform alone, as snapshot_platform wants."""
    with patch("custom_components.gsm_gateway.PLATFORMS", [Platform.BINARY_SENSOR]):
        yield


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def _refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


async def test_entities(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """The gateway's online sensor and each port's GPRS sensor."""
    await simulator.set_registration(1, "NO_SIM", push=False)
    simulator.ports[2].gprs = "detached"
    await _setup(hass, config_entry)
    await snapshot_platform(hass, entity_registry, snapshot, config_entry.entry_id)


async def test_gprs(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """GPRS follows the module's data attachment."""
    simulator.ports[2].gprs = "detached"
    await _setup(hass, config_entry)
    assert _state(hass, "binary_sensor.port_0_gprs") == STATE_ON
    assert _state(hass, "binary_sensor.port_2_gprs") == STATE_OFF

    simulator.ports[2].gprs = "attached"
    simulator.ports[0].gprs = "detached"
    await _refresh(hass, config_entry)
    assert _state(hass, "binary_sensor.port_0_gprs") == STATE_OFF
    assert _state(hass, "binary_sensor.port_2_gprs") == STATE_ON


async def test_online_while_the_gateway_answers(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """Online turns off (not unavailable) when the gateway is gone, and back on."""
    await _setup(hass, config_entry)
    assert _state(hass, ONLINE) == STATE_ON

    await simulator.stop()
    await _refresh(hass, config_entry)
    assert _state(hass, ONLINE) == STATE_OFF
    assert _state(hass, "binary_sensor.port_0_gprs") == STATE_UNAVAILABLE

    await simulator.start()
    await _refresh(hass, config_entry)
    assert _state(hass, ONLINE) == STATE_ON
    assert _state(hass, "binary_sensor.port_0_gprs") == STATE_ON


async def test_online_follows_the_gateway_report(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
    push_client: TestClient[Any, Any],
) -> None:
    """A gateway that pushes "power off" reads offline, and its ports unavailable."""
    await _setup(hass, config_entry)

    await simulator.device_status("power_off")
    await hass.async_block_till_done()
    assert _state(hass, ONLINE) == STATE_OFF
    assert _state(hass, "binary_sensor.port_0_gprs") == STATE_UNAVAILABLE

    await simulator.device_status("power_on")
    await hass.async_block_till_done()
    assert _state(hass, ONLINE) == STATE_ON
    assert _state(hass, "binary_sensor.port_0_gprs") == STATE_ON
