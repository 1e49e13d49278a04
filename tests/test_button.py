"""The reset button of each port's radio module."""

from __future__ import annotations

from collections.abc import Generator
from unittest.mock import patch

from homeassistant.components.button.const import (
    DOMAIN as BUTTON_DOMAIN,
    SERVICE_PRESS,
)
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNKNOWN, Platform
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
def platforms() -> list[Platform]:
    """The button platform alone; tests that read sensors add them."""
    return [Platform.BUTTON]


@pytest.fixture(autouse=True)
def only_platforms(platforms: list[Platform]) -> Generator[None]:
    """Load only the platforms a test looks at."""
    with patch("custom_components.gsm_gateway.PLATFORMS", platforms):
        yield


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def _press(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    await hass.async_block_till_done()


def _resets(simulator: DinstarSimulator) -> list[dict[str, str]]:
    """The set_port_info reset requests the gateway received."""
    return [
        {**request.query, **(request.body if isinstance(request.body, dict) else {})}
        for request in simulator.requests
        if request.path == "/api/set_port_info"
    ]


async def test_entities(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """One restart button a port."""
    await _setup(hass, config_entry)
    await snapshot_platform(hass, entity_registry, snapshot, config_entry.entry_id)


@pytest.mark.parametrize("platforms", [[Platform.BUTTON, Platform.SENSOR]])
async def test_reset(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """Pressing reset restarts that port's module, which registers again."""
    await simulator.set_registration(5, "UNREGISTER", push=False)
    await _setup(hass, config_entry)
    state = hass.states.get("sensor.port_5_registration")
    assert state is not None
    assert state.state == "not_registered"

    await _press(hass, "button.port_5_reset_module")

    resets = _resets(simulator)
    assert len(resets) == 1
    assert resets[0]["action"] == "reset"
    assert str(resets[0]["port"]).strip("[]") == "5"
    state = hass.states.get("sensor.port_5_registration")
    assert state is not None
    assert state.state == "registered"
    button = hass.states.get("button.port_5_reset_module")
    assert button is not None
    assert button.state != STATE_UNKNOWN


async def test_gateway_refuses(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """A gateway that refuses the reset raises a translated error."""
    await _setup(hass, config_entry)
    simulator.fail("set_port_info", 500)

    with pytest.raises(HomeAssistantError) as raised:
        await _press(hass, "button.port_5_reset_module")

    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == "refused"


async def test_no_button_without_reset(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A gateway type that cannot reset modules gets no reset buttons."""
    with patch.object(
        DinstarClient, "capabilities", DinstarClient.capabilities - {Capability.RESET}
    ):
        await _setup(hass, config_entry)

    assert config_entry.runtime_data.coordinator.data.ports
    assert not er.async_entries_for_config_entry(entity_registry, config_entry.entry_id)
