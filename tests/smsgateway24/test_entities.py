"""The entity table of an SmsGateway24 account (sensors and binary sensors)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from simulator.smsgateway24 import SmsGateway24Simulator

from .conftest import EMAIL, PASSWORD


@pytest.fixture
async def frozen_cloud(
    freezer: FrozenDateTimeFactory, socket_enabled: None
) -> AsyncGenerator[SmsGateway24Simulator]:
    """The account at a fixed time, so that last-seen times stay the same."""
    freezer.move_to("2026-06-01 10:00:00+00:00")
    sim = SmsGateway24Simulator(email=EMAIL, password=PASSWORD, phones=0, seed=2)
    sim.add_phone(sims=2, title="Kitchen phone")
    sim.add_phone(sims=1, title="Spare phone")
    await sim.start()
    yield sim
    await sim.stop()


@pytest.mark.parametrize("platform", [Platform.SENSOR, Platform.BINARY_SENSOR])
async def test_entities(
    hass: HomeAssistant,
    frozen_cloud: SmsGateway24Simulator,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    kitchen, _ = sorted(frozen_cloud.phones)
    frozen_cloud.phones[kitchen].sims[1].roaming = True
    entry = MockConfigEntry(
        domain="gsm_gateway",
        title=f"SmsGateway24 {EMAIL}",
        unique_id=EMAIL,
        data={
            "gateway_type": "smsgateway24",
            "url": frozen_cloud.url,
            "email": EMAIL,
            "password": PASSWORD,
            "webhook_id": "0" * 32,
        },
    )
    with patch("custom_components.gsm_gateway.PLATFORMS", [platform]):
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        # The table shows the entities disabled by default too.
        for entity in er.async_entries_for_config_entry(
            entity_registry, entry.entry_id
        ):
            if entity.disabled_by is not None:
                entity_registry.async_update_entity(entity.entity_id, disabled_by=None)
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)
