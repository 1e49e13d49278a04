"""The modem's entity table, as a snapshot: one device, its SIM's entities."""

from __future__ import annotations

from collections.abc import Generator
from unittest.mock import PropertyMock, patch

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from simulator.modem import ModemSimulator


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Enable the entities that are disabled by default (IMSI, ICCID...)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    "platform",
    [
        Platform.SENSOR,
        Platform.BINARY_SENSOR,
        Platform.BUTTON,
        Platform.SWITCH,
        Platform.EVENT,
    ],
)
async def test_entities(
    hass: HomeAssistant,
    modem: ModemSimulator,
    modem_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    modem_entry.add_to_hass(hass)
    with patch("custom_components.gsm_gateway.PLATFORMS", [platform]):
        assert await hass.config_entries.async_setup(modem_entry.entry_id)
    await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, modem_entry.entry_id)
