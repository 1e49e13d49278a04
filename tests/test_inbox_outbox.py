"""The inbox and the outbox (SPEC §7, §11): a queued message is one row, to its end."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gsm_gateway.const import DOMAIN
from simulator.dinstar import DinstarSimulator

from .conftest import SERIAL
from .test_inbox import _list
from .test_outbox import NUMBER, next_try, power_off, send, sent_to


@pytest.fixture
def config_entry(entry_data: dict[str, Any]) -> MockConfigEntry:
    """The entry without polls of its own: the tests say when polls run."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"Dinstar {SERIAL}",
        unique_id=SERIAL,
        data=entry_data,
        options={},
        pref_disable_polling=True,
    )


def _rows(messages: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(m["text"], m["status"], m["message_id"] is not None) for m in messages]


async def test_queued_then_sent_then_reported(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Queued while the gateway is away; the same row once sent, and its report."""
    await power_off(hass, simulator)
    await send(hass, init_integration.entry_id)
    assert _rows(await _list(hass)) == [("Alarm", "queued", False)]

    await simulator.start()
    await next_try(hass, freezer)
    await next_try(hass, freezer)
    assert sent_to(simulator) == [NUMBER]
    assert _rows(await _list(hass)) == [("Alarm", "queued", True)]

    await simulator.complete_sends("SENT_OK", push=False)
    await init_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    (row,) = await _list(hass)
    assert (row["status"], row["number"], row["port"]) == (
        "sent",
        NUMBER,
        simulator.outbox[0]["port"],
    )


async def test_failed_when_the_time_is_up(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """When the outbox gives up, the queued row says failed, on disk too."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, options={"send_retry_hours": 1}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await power_off(hass, simulator)
    await send(hass, config_entry.entry_id)
    (kept,) = config_entry.runtime_data.outbox.messages

    for _ in range(5):
        await next_try(hass, freezer)

    assert _rows(await _list(hass)) == [("Alarm", "failed", False)]
    assert sent_to(simulator) == []
    (row,) = hass_storage[f"{DOMAIN}.{config_entry.entry_id}.inbox"]["data"]["messages"]
    assert (row["status"], row["outbox_id"]) == ("failed", kept)
