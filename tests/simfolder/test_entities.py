"""The entity table of a small SimFolder account, as snapshots."""

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


@pytest.fixture
def cloud_size() -> tuple[int, int, int]:
    """One aggregator with 2 modems and one card in its SIM bank."""
    return (1, 2, 1)


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Enable the entities that are disabled by default (IMSI, ICCID, ...)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


@pytest.fixture(params=[Platform.SENSOR, Platform.BINARY_SENSOR, Platform.EVENT])
def platform(request: pytest.FixtureRequest) -> Generator[Platform]:
    """Load one platform alone, as snapshot_platform wants."""
    with patch("custom_components.gsm_gateway.PLATFORMS", [request.param]):
        yield request.param


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_entities(
    hass: HomeAssistant,
    platform: Platform,
    simfolder_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Cards' registration, signal, number, operator; the aggregator online."""
    simfolder_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(simfolder_entry.entry_id)
    await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, simfolder_entry.entry_id)
