"""Setting up, unloading, losing and finding the gateway, diagnostics."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.gsm_gateway.const import DOMAIN
from simulator.dinstar import DinstarSimulator

from .conftest import SERIAL, WEBHOOK_ID


async def test_setup_and_unload(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    push_client: TestClient,
) -> None:
    """The entry loads, creates the gateway and its ports, and unloads cleanly."""
    assert init_integration.state is ConfigEntryState.LOADED
    gateway = device_registry.async_get_device_by_identifier(
        (DOMAIN, SERIAL), init_integration.entry_id
    )
    assert gateway is not None
    ports = [
        d
        for d in dr.async_entries_for_config_entry(
            device_registry, init_integration.entry_id
        )
        if d.via_device_id == gateway.id
    ]
    assert len(ports) == 8
    coordinator = init_integration.runtime_data.coordinator

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    response = await push_client.post(
        f"/api/webhook/{WEBHOOK_ID}", json={"sn": SERIAL, "sms": []}
    )
    assert response.status == 200  # the webhook component's answer for unknown ids
    assert coordinator.pushes_received == 0


async def test_unreachable_gateway_retries(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """A gateway that does not answer at start-up is retried later."""
    await simulator.stop()
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_wrong_password_starts_reauth(
    hass: HomeAssistant, simulator: DinstarSimulator, entry_data: dict[str, Any]
) -> None:
    """Credentials that stopped working ask the user for new ones."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=SERIAL,
        data={**entry_data, "password": "changed"},
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_gateway_going_away_and_coming_back(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """Losing the gateway marks it failed; its return restores it."""
    coordinator = init_integration.runtime_data.coordinator
    await simulator.stop()
    await coordinator.async_refresh()
    assert coordinator.last_update_success is False

    await simulator.start(host="127.0.0.1", port=0)
    await coordinator.async_refresh()
    assert coordinator.last_update_success is True


async def test_poll_cycle_costs_a_constant_number_of_requests(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """One poll cycle reads all ports in one request (SPEC §8)."""
    coordinator = init_integration.runtime_data.coordinator
    before = len(simulator.requests)
    await coordinator.async_refresh()
    paths = [r.path for r in simulator.requests[before:]]

    assert paths.count("/api/get_port_info") == 1
    assert len(paths) <= 3


async def test_remove_entry_forgets_the_high_water_mark(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Removing the entry removes its message store too."""
    await hass.async_block_till_done()
    key = f"{DOMAIN}.{init_integration.entry_id}.messages"
    assert key in hass_storage

    assert await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage


async def test_stale_port_devices_can_be_removed(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A port the gateway no longer reports can be removed; live ones cannot."""
    assert await async_setup_component(hass, "config", {})
    coordinator = init_integration.runtime_data.coordinator
    gone = device_registry.async_get_or_create(
        config_entry_id=init_integration.entry_id,
        identifiers={(DOMAIN, f"{SERIAL}_99")},
    )
    live = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{SERIAL}_0"), init_integration.entry_id
    )
    gateway = device_registry.async_get_device_by_identifier(
        (DOMAIN, SERIAL), init_integration.entry_id
    )
    assert live is not None
    assert gateway is not None

    from custom_components.gsm_gateway import async_remove_config_entry_device

    assert await async_remove_config_entry_device(hass, init_integration, gone)
    assert not await async_remove_config_entry_device(hass, init_integration, live)
    assert not await async_remove_config_entry_device(hass, init_integration, gateway)
    assert coordinator.port_for_device(live.id) is not None


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: Any,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Diagnostics show the gateway and push health, with secrets redacted."""
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )
    assert diagnostics["entry"]["data"]["password"] == "**REDACTED**"
    assert diagnostics["entry"]["data"]["webhook_id"] == "**REDACTED**"
    assert "admin" not in str(diagnostics)
    assert SERIAL not in str(diagnostics)
    assert diagnostics == snapshot(exclude=lambda prop, path: prop == "requests_made")
