"""Fixtures: a simulated Dinstar gateway on 127.0.0.1 and an entry for it."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from pathlib import Path
from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.gsm_gateway.const import (
    CONF_GATEWAY_TYPE,
    CONF_WEBHOOK_ID,
    DOMAIN,
)
from simulator.dinstar import DinstarSimulator

SERIAL = "dbd2-0325-0044-0088"
WEBHOOK_ID = "0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/ in every test."""


@pytest.fixture(autouse=True)
def blueprints_in_tmp(tmp_path: Path) -> Generator[Path]:
    """Blueprints are put in a test's own folder, never in the test harness's."""
    root = tmp_path / "blueprints"
    with patch(
        "custom_components.gsm_gateway.blueprint_setup.blueprints_root",
        return_value=root,
    ):
        yield root


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots in tests/snapshots/, with volatile ids and times as ANY.

    The plugin's own override of syrupy's fixture does not take effect here.
    """
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def port_count() -> int:
    """How many ports the simulated gateway has; override per test module."""
    return 8


@pytest.fixture
def slots_per_port() -> int:
    """SIM slots per port; 4 on multi-SIM models."""
    return 1


@pytest.fixture
async def simulator(
    hass: HomeAssistant, port_count: int, slots_per_port: int, socket_enabled: None
) -> AsyncGenerator[DinstarSimulator]:
    """A Dinstar gateway on 127.0.0.1, Digest auth, admin/admin.

    Its clock runs in Home Assistant's zone, as a gateway set up on the same
    LAN would.
    """
    sim = DinstarSimulator(
        port_count,
        serial=SERIAL,
        slots_per_port=slots_per_port,
        seed=1,
        timezone=dt_util.get_default_time_zone(),
    )
    await sim.start(host="127.0.0.1", port=0)
    yield sim
    await sim.stop()


@pytest.fixture
def entry_data(simulator: DinstarSimulator) -> dict[str, Any]:
    """Config entry data pointing at the simulator."""
    return {
        CONF_GATEWAY_TYPE: "dinstar",
        "url": simulator.url,
        "username": "admin",
        "password": "admin",
        "verify_ssl": False,
        CONF_WEBHOOK_ID: WEBHOOK_ID,
    }


@pytest.fixture
def config_entry(entry_data: dict[str, Any]) -> MockConfigEntry:
    """The entry of the simulated gateway (not yet added)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"Dinstar {SERIAL}",
        unique_id=SERIAL,
        data=entry_data,
        options={},
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set the entry up against the simulator."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


@pytest.fixture
async def push_client(
    hass: HomeAssistant,
    hass_client_no_auth: Callable[[], Awaitable[TestClient]],
    simulator: DinstarSimulator,
) -> TestClient:
    """Home Assistant's HTTP server on 127.0.0.1, with the simulator pushing to it."""
    assert await async_setup_component(hass, "webhook", {})
    client = await hass_client_no_auth()
    simulator.push_url = str(client.make_url(f"/api/webhook/{WEBHOOK_ID}"))
    return client
