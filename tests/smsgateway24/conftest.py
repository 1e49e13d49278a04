"""Fixtures: the simulated SmsGateway24 cloud on 127.0.0.1 and an entry for its account."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gsm_gateway.const import (
    CONF_GATEWAY_TYPE,
    CONF_WEBHOOK_ID,
    DOMAIN,
)
from custom_components.gsm_gateway.coordinator import GsmGatewayCoordinator
from simulator.smsgateway24 import SmsGateway24Simulator

EMAIL = "owner@example.com"
PASSWORD = "s3cret"
WEBHOOK_ID = "fedcba9876543210fedcba9876543210"
WEBHOOK_PATH = f"/api/webhook/{WEBHOOK_ID}"


@pytest.fixture
async def cloud(socket_enabled: None) -> AsyncGenerator[SmsGateway24Simulator]:
    """The account: a kitchen phone with two SIMs and a spare phone with one."""
    sim = SmsGateway24Simulator(email=EMAIL, password=PASSWORD, phones=0, seed=2)
    sim.add_phone(sims=2, title="Kitchen phone")
    sim.add_phone(sims=1, title="Spare phone")
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
def entry_data(cloud: SmsGateway24Simulator) -> dict[str, Any]:
    """Entry data as the config flow writes it."""
    return {
        CONF_GATEWAY_TYPE: "smsgateway24",
        "url": cloud.url,
        "email": EMAIL,
        "password": PASSWORD,
        CONF_WEBHOOK_ID: WEBHOOK_ID,
    }


@pytest.fixture
def config_entry(entry_data: dict[str, Any]) -> MockConfigEntry:
    """The account's entry (not yet added)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"SmsGateway24 {EMAIL}",
        unique_id=EMAIL,
        data=entry_data,
        options={},
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set the entry up against the simulated cloud."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


@pytest.fixture
async def webhook_client(
    hass: HomeAssistant,
    hass_client_no_auth: Callable[[], Awaitable[TestClient]],
    cloud: SmsGateway24Simulator,
) -> TestClient:
    """Home Assistant's HTTP server, set as every phone's webhook."""
    assert await async_setup_component(hass, "webhook", {})
    client = await hass_client_no_auth()
    cloud.set_webhooks(str(client.make_url(WEBHOOK_PATH)))
    return client


def coordinator_of(entry: MockConfigEntry) -> GsmGatewayCoordinator:
    """The entry's coordinator."""
    coordinator: GsmGatewayCoordinator = entry.runtime_data.coordinator
    return coordinator


def _entry_id(hass: HomeAssistant) -> str:
    [entry] = hass.config_entries.async_entries(DOMAIN)
    return entry.entry_id


def sim_device(hass: HomeAssistant, phone_id: int, slot: int) -> dr.DeviceEntry:
    """The device of a phone's SIM slot."""
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{EMAIL}_{phone_id}_{slot}"), _entry_id(hass)
    )
    assert device is not None
    return device


def phone_device(hass: HomeAssistant, phone_id: int) -> dr.DeviceEntry:
    """The device of a phone."""
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{EMAIL}_device_{phone_id}"), _entry_id(hass)
    )
    assert device is not None
    return device
