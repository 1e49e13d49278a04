"""The SIM slot select of a 4-slot (multi-SIM) gateway."""

from __future__ import annotations

from collections.abc import Generator
from unittest.mock import patch

from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.gsm_gateway.api import Capability
from custom_components.gsm_gateway.api.dinstar import DinstarClient
from custom_components.gsm_gateway.const import DOMAIN
from simulator.dinstar import DinstarSimulator


@pytest.fixture
def port_count() -> int:
    """A small multi-SIM box."""
    return 2


@pytest.fixture
def slots_per_port() -> int:
    """Four SIM slots behind every port."""
    return 4


@pytest.fixture
def platforms() -> list[Platform]:
    """The select platform alone; tests that read sensors add them."""
    return [Platform.SELECT]


@pytest.fixture(autouse=True)
def only_platforms(platforms: list[Platform]) -> Generator[None]:
    """Load only the platforms a test looks at."""
    with patch("custom_components.gsm_gateway.PLATFORMS", platforms):
        yield


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def _select(hass: HomeAssistant, entity_id: str, option: str) -> None:
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: entity_id, ATTR_OPTION: option},
        blocking=True,
    )
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
    """One slot select a port, offering the four slots."""
    await _setup(hass, config_entry)
    await snapshot_platform(hass, entity_registry, snapshot, config_entry.entry_id)


@pytest.mark.parametrize("platforms", [[Platform.SELECT, Platform.SENSOR]])
async def test_select_slot_changes_the_sim(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """Choosing another slot switches the gateway to that slot's SIM."""
    await _setup(hass, config_entry)
    assert _state(hass, "select.port_1_sim_slot") == "0"
    assert _state(hass, "sensor.port_1_active_sim_slot") == "0"
    third = simulator.ports[1].sims[2]
    assert third is not None
    assert _state(hass, "sensor.port_1_phone_number") != third.phone_number

    await _select(hass, "select.port_1_sim_slot", "2")

    assert simulator.ports[1].slot == 2
    assert simulator.ports[1].phone_number == third.phone_number
    assert _state(hass, "select.port_1_sim_slot") == "2"
    assert _state(hass, "sensor.port_1_active_sim_slot") == "2"
    assert _state(hass, "sensor.port_1_phone_number") == third.phone_number
    assert _state(hass, "sensor.port_1_registration") == "registered"
    assert _state(hass, "select.port_0_sim_slot") == "0"


@pytest.mark.parametrize("platforms", [[Platform.SELECT, Platform.SENSOR]])
async def test_select_an_empty_slot(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """A slot without a SIM card reads no_sim once selected."""
    simulator.ports[0].sims[3] = None
    await _setup(hass, config_entry)

    await _select(hass, "select.port_0_sim_slot", "3")

    assert simulator.ports[0].slot == 3
    assert _state(hass, "select.port_0_sim_slot") == "3"
    assert _state(hass, "sensor.port_0_registration") == "no_sim"


async def test_gateway_refuses(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """A gateway that refuses the switch raises a translated error."""
    await _setup(hass, config_entry)
    simulator.fail("set_port_info", 500)

    with pytest.raises(HomeAssistantError) as raised:
        await _select(hass, "select.port_0_sim_slot", "1")

    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == "refused"
    assert simulator.ports[0].slot == 0
    assert _state(hass, "select.port_0_sim_slot") == "0"


@pytest.mark.parametrize("slots_per_port", [1])
@pytest.mark.parametrize("platforms", [[Platform.SELECT, Platform.SENSOR]])
async def test_single_sim_ports_have_no_slot(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A port with one SIM has nothing to choose: no select, no slot sensor."""
    await _setup(hass, config_entry)

    assert hass.states.get("sensor.port_0_registration") is not None
    assert entity_registry.async_get("select.port_0_sim_slot") is None
    assert entity_registry.async_get("sensor.port_0_active_sim_slot") is None


async def test_no_select_without_slot_control(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A gateway type that cannot switch SIM slots gets no slot selects."""
    with patch.object(
        DinstarClient, "capabilities", DinstarClient.capabilities - {Capability.SLOT}
    ):
        await _setup(hass, config_entry)

    assert config_entry.runtime_data.coordinator.data.ports
    assert not er.async_entries_for_config_entry(entity_registry, config_entry.entry_id)
