"""Fixtures: a simulated modem on 127.0.0.1 (a `socket://` modem) and its entry.

The integration opens it through serialx's `socket://` handler, as it would
a stick shared with ser2net; the serial path code is the same past opening.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from typing import Any

from homeassistant.core import Event, HomeAssistant, callback
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gsm_gateway.const import CONF_GATEWAY_TYPE, DOMAIN
from simulator.modem import ModemSimulator

IMEI = "867962041234567"
EVENT_TIMEOUT = 5.0


async def wait_events(hass: HomeAssistant, event_type: str, count: int) -> list[Event]:
    """Wait for `count` events of a type (awaited, never slept for)."""
    found: list[Event] = []
    done = asyncio.get_running_loop().create_future()

    @callback
    def take(event: Event) -> None:
        found.append(event)
        if len(found) >= count and not done.done():
            done.set_result(None)

    unsub = hass.bus.async_listen(event_type, take)
    try:
        async with asyncio.timeout(EVENT_TIMEOUT):
            await done
    finally:
        unsub()
    return found


@pytest.fixture
def modem_options() -> dict[str, Any]:
    """What the simulated modem is like; override per test module."""
    return {}


@pytest.fixture
async def modem(
    hass: HomeAssistant, modem_options: dict[str, Any], socket_enabled: None
) -> AsyncGenerator[ModemSimulator]:
    """A Quectel EC25 with a Kyivstar SIM, listening on 127.0.0.1."""
    sim = ModemSimulator(**modem_options)
    await sim.start_tcp("127.0.0.1", 0)
    yield sim
    await sim.stop()


@pytest.fixture
def modem_entry(modem: ModemSimulator) -> MockConfigEntry:
    """The entry of the simulated modem (not yet added)."""
    data: dict[str, Any] = {
        CONF_GATEWAY_TYPE: "modem",
        "device": modem.url,
        "baudrate": 115200,
    }
    if modem.pin is not None:
        data["pin"] = modem.pin
    return MockConfigEntry(
        domain=DOMAIN,
        title="Quectel EC25",
        unique_id=IMEI,
        data=data,
        options={},
    )


@pytest.fixture
async def modem_loaded(
    hass: HomeAssistant, modem_entry: MockConfigEntry
) -> MockConfigEntry:
    """The entry set up against the simulated modem."""
    modem_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(modem_entry.entry_id)
    await hass.async_block_till_done()
    return modem_entry


@pytest.fixture
def events(hass: HomeAssistant) -> Callable[[str], list[Event]]:
    """Collect the bus events of a type from now on."""

    def collect(event_type: str) -> list[Event]:
        found: list[Event] = []

        @callback
        def take(event: Event) -> None:
            found.append(event)

        hass.bus.async_listen(event_type, take)
        return found

    return collect
