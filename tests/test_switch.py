"""The power switch of each port's radio module."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from datetime import timedelta
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.switch.const import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.update_coordinator import REQUEST_REFRESH_DEFAULT_COOLDOWN
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.gsm_gateway.api import Capability
from custom_components.gsm_gateway.api.dinstar import DinstarClient
from custom_components.gsm_gateway.const import DOMAIN
from simulator.dinstar import DinstarSimulator


@pytest.fixture
def platforms() -> list[Platform]:
    """The switch platform alone; tests that read sensors add them."""
    return [Platform.SWITCH]


@pytest.fixture(autouse=True)
def only_platforms(platforms: list[Platform]) -> Generator[None]:
    """Load only the platforms a test looks at."""
    with patch("custom_components.gsm_gateway.PLATFORMS", platforms):
        yield


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def _powered(simulator: DinstarSimulator, port: int) -> bool:
    return simulator.ports[port].powered


async def _switch(hass: HomeAssistant, service: str, entity_id: str) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    await hass.async_block_till_done()


async def test_entities(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """One power switch a port, off where the module is off."""
    await simulator.set_registration(3, "POWER_OFF", push=False)
    await _setup(hass, config_entry)
    await snapshot_platform(hass, entity_registry, snapshot, config_entry.entry_id)


@pytest.mark.parametrize("platforms", [[Platform.SENSOR, Platform.SWITCH]])
async def test_power_off_and_on(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Turning a module off powers it down on the gateway; on brings it back."""
    await _setup(hass, config_entry)
    assert _state(hass, "switch.port_2_module_power") == STATE_ON

    await _switch(hass, SERVICE_TURN_OFF, "switch.port_2_module_power")

    assert not _powered(simulator, 2)
    assert _state(hass, "switch.port_2_module_power") == STATE_OFF
    assert _state(hass, "sensor.port_2_registration") == "power_off"
    assert _state(hass, "sensor.port_2_signal_strength") == STATE_UNKNOWN
    assert _state(hass, "switch.port_1_module_power") == STATE_ON

    await _switch(hass, SERVICE_TURN_ON, "switch.port_2_module_power")
    assert _powered(simulator, 2)
    # Refreshes after commands are debounced: this one waits out the cooldown.
    freezer.tick(timedelta(seconds=REQUEST_REFRESH_DEFAULT_COOLDOWN + 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert _state(hass, "switch.port_2_module_power") == STATE_ON
    assert _state(hass, "sensor.port_2_registration") == "registered"
    assert _state(hass, "sensor.port_2_signal_strength") != STATE_UNKNOWN


async def test_gateway_refuses(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """A gateway that refuses the command raises a translated error."""
    await _setup(hass, config_entry)
    simulator.fail("set_port_info", 500)

    with pytest.raises(HomeAssistantError) as raised:
        await _switch(hass, SERVICE_TURN_OFF, "switch.port_2_module_power")

    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == "refused"
    assert _powered(simulator, 2)
    assert _state(hass, "switch.port_2_module_power") == STATE_ON


async def test_unreachable_gateway(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """A gateway that went away says so when switched."""
    await _setup(hass, config_entry)
    await simulator.stop()

    with pytest.raises(HomeAssistantError) as raised:
        await _switch(hass, SERVICE_TURN_OFF, "switch.port_2_module_power")

    assert raised.value.translation_key == "cannot_connect"


async def test_no_switch_without_power_control(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A gateway type that cannot switch modules gets no power switches."""
    with patch.object(
        DinstarClient, "capabilities", DinstarClient.capabilities - {Capability.POWER}
    ):
        await _setup(hass, config_entry)

    assert config_entry.runtime_data.coordinator.data.ports
    assert not er.async_entries_for_config_entry(entity_registry, config_entry.entry_id)


async def test_power_read_from_registration(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """Where a gateway does not report module power, power_off tells it."""
    await simulator.set_registration(2, "POWER_OFF", push=False)
    await _setup(hass, config_entry)
    coordinator = config_entry.runtime_data.coordinator
    ports = {
        key: replace(port, powered=None) for key, port in coordinator.data.ports.items()
    }
    coordinator.async_set_updated_data(replace(coordinator.data, ports=ports))
    await hass.async_block_till_done()

    assert _state(hass, "switch.port_2_module_power") == STATE_OFF
    assert _state(hass, "switch.port_1_module_power") == STATE_ON
