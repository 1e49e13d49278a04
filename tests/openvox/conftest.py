"""Fixtures: a simulated OpenVox gateway on 127.0.0.1 and an entry for it.

Home Assistant's HTTP server runs on 127.0.0.1 too, and its internal URL is
set to it, so the integration points the gateway's pushes there by itself.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from yarl import URL

from custom_components.gsm_gateway.const import (
    CONF_GATEWAY_TYPE,
    CONF_WEBHOOK_ID,
    DOMAIN,
)
from simulator.openvox import OpenVoxSimulator

from ..conftest import WEBHOOK_ID


@pytest.fixture
def span_count() -> int:
    """Spans of the simulated gateway."""
    return 4


@pytest.fixture
async def openvox(
    hass: HomeAssistant, span_count: int, socket_enabled: None
) -> AsyncGenerator[OpenVoxSimulator]:
    """An OpenVox gateway on 127.0.0.1, admin/admin, clock in Home Assistant's zone."""
    sim = OpenVoxSimulator(span_count, seed=1, timezone=dt_util.get_default_time_zone())
    await sim.start(host="127.0.0.1", port=0)
    yield sim
    await sim.stop()


def unique_id(sim: OpenVoxSimulator) -> str:
    """The entry's identity: the gateway's address."""
    return f"openvox-127.0.0.1:{URL(sim.url).port}"


@pytest.fixture
def openvox_entry(openvox: OpenVoxSimulator) -> MockConfigEntry:
    """The entry of the simulated gateway (not yet added)."""
    data: dict[str, Any] = {
        CONF_GATEWAY_TYPE: "openvox",
        "url": openvox.url,
        "username": "admin",
        "password": "admin",
        "verify_ssl": False,
        CONF_WEBHOOK_ID: WEBHOOK_ID,
    }
    return MockConfigEntry(
        domain=DOMAIN,
        title="OpenVox 4-port gateway",
        unique_id=unique_id(openvox),
        data=data,
        options={},
    )


@pytest.fixture
async def ha_client(
    hass: HomeAssistant, hass_client_no_auth: Callable[[], Awaitable[TestClient]]
) -> TestClient:
    """Home Assistant's HTTP server, its address as the internal URL."""
    # Components with HTTP views first: the server's routes freeze when it starts.
    for component in ("webhook", "diagnostics", "repairs"):
        assert await async_setup_component(hass, component, {})
    client = await hass_client_no_auth()
    await async_process_ha_core_config(
        hass, {"internal_url": str(client.make_url("/")).rstrip("/")}
    )
    return client


@pytest.fixture
async def openvox_loaded(
    hass: HomeAssistant, ha_client: TestClient, openvox_entry: MockConfigEntry
) -> MockConfigEntry:
    """The entry set up against the simulator, pushes pointed at Home Assistant."""
    openvox_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(openvox_entry.entry_id)
    await hass.async_block_till_done()
    return openvox_entry
