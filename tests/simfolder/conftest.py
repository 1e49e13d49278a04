"""Fixtures: a simulated SimFolder cloud on 127.0.0.1 and an entry for its account.

Home Assistant's HTTP server runs on 127.0.0.1 too, and its external URL is
set to it: SimFolder is on the internet, so that is the address the
integration gives it with `settingsSet`, and the simulator notifies there.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gsm_gateway.const import (
    CONF_API_KEY,
    CONF_GATEWAY_TYPE,
    CONF_WEBHOOK_ID,
    DOMAIN,
)
from custom_components.gsm_gateway.coordinator import GsmGatewayCoordinator
from simulator.simfolder import SimFolderSimulator

from ..conftest import WEBHOOK_ID

API_KEY = "demo-api-key"
ACCOUNT = "10001"


@pytest.fixture
def cloud_size() -> tuple[int, int, int]:
    """Aggregators, modems (cards in them) per aggregator, SIM bank cards each."""
    return (2, 4, 2)


@pytest.fixture
async def cloud(
    socket_enabled: None, cloud_size: tuple[int, int, int]
) -> AsyncGenerator[SimFolderSimulator]:
    """A SimFolder account: by default 2 aggregators with 4 modems and 2 bank cards.

    Cards 101..104 sit in aggregator 1's modems, 105 and 106 in its bank;
    107..110 in aggregator 2's modems, 111 and 112 in its bank.
    """
    aggregators, cards, bank_cards = cloud_size
    sim = SimFolderSimulator(
        api_key=API_KEY,
        account=ACCOUNT,
        aggregators=aggregators,
        cards=cards,
        bank_cards=bank_cards,
        seed=1,
    )
    sim.delay = 0.01
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
def simfolder_entry(cloud: SimFolderSimulator) -> MockConfigEntry:
    """The entry of the simulated account (not yet added)."""
    data: dict[str, Any] = {
        CONF_GATEWAY_TYPE: "simfolder",
        "url": cloud.url,
        CONF_API_KEY: API_KEY,
        CONF_WEBHOOK_ID: WEBHOOK_ID,
    }
    return MockConfigEntry(
        domain=DOMAIN, title=f"SimFolder {ACCOUNT}", unique_id=ACCOUNT, data=data
    )


@pytest.fixture
async def ha_client(
    hass: HomeAssistant, hass_client_no_auth: Callable[[], Awaitable[TestClient]]
) -> TestClient:
    """Home Assistant's HTTP server, its address as the external URL."""
    for component in ("webhook", "diagnostics", "repairs"):
        assert await async_setup_component(hass, component, {})
    client = await hass_client_no_auth()
    await async_process_ha_core_config(
        hass, {"external_url": str(client.make_url("/")).rstrip("/")}
    )
    return client


@pytest.fixture
async def simfolder_loaded(
    hass: HomeAssistant, ha_client: TestClient, simfolder_entry: MockConfigEntry
) -> MockConfigEntry:
    """The entry set up against the cloud, notifications pointed at Home Assistant."""
    simfolder_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(simfolder_entry.entry_id)
    await hass.async_block_till_done()
    return simfolder_entry


def coordinator_of(entry: MockConfigEntry) -> GsmGatewayCoordinator:
    """The entry's coordinator."""
    coordinator: GsmGatewayCoordinator = entry.runtime_data.coordinator
    return coordinator


async def settle(hass: HomeAssistant, cloud: SimFolderSimulator) -> None:
    """Let the cloud's scheduled notifications arrive and be handled."""
    await cloud.settle()
    await hass.async_block_till_done()
