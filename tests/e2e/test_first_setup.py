"""On an entry's very first set-up, the SMS already on the gateway are history."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from .conftest import add_gateway, new_simulator, wait_entry_loaded
from .harness import (
    HomeAssistantClient,
    HomeAssistantProcess,
    SimulatorProcess,
    async_wait_until,
    gateway_view,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

SERIAL = "dbd2-0325-0044-0101"


async def test_first_setup_fires_no_history(
    home_assistant: HomeAssistantProcess,
    sim_factory: list[SimulatorProcess],
    tmp_path: Path,
) -> None:
    """A gateway full of old SMS is added: none fires; what comes later does."""
    # No push URL set yet: the gateway only collects SMS, a few a second.
    sim = await asyncio.to_thread(
        new_simulator, sim_factory, tmp_path, serial=SERIAL, ports=2, sms_every=0.3
    )

    async def some_history() -> int | None:
        count = len(await sim.inbox())
        return count if count >= 3 else None

    await async_wait_until(some_history, 30, "a few SMS on the gateway")

    async with HomeAssistantClient(home_assistant) as client:
        sms = await client.subscribe("gsm_gateway_sms_received")
        added = await asyncio.to_thread(add_gateway, home_assistant, sim)
        try:
            await asyncio.to_thread(wait_entry_loaded, home_assistant, added.entry_id)
            status, diagnostics = await client.rest(
                "GET", f"/api/diagnostics/config_entry/{added.entry_id}"
            )
            assert status == 200, diagnostics
            mark = diagnostics["data"]["messages"]["high_water_mark"]
            assert mark >= 3, diagnostics["data"]["messages"]

            # Without pushes, polling finds what arrived after the set-up.
            async def newer() -> bool | None:
                ids = {int(m["incoming_sms_id"]) for m in await sim.inbox()}
                return True if max(ids) > mark else None

            await async_wait_until(newer, 30, "an SMS after the set-up")
            view = await gateway_view(client, added.entry_id, SERIAL)
            await client.call_service(
                "homeassistant",
                "update_entity",
                target={"entity_id": view.entity(0, "registration")},
            )
            await sms.wait_for(
                lambda events: any(
                    e["data"]["config_entry_id"] == added.entry_id for e in events
                ),
                30,
                "an SMS found by polling",
            )
        finally:
            status, _ = await client.rest(
                "DELETE", f"/api/config/config_entries/entry/{added.entry_id}"
            )
            assert status == 200

    fired = [
        int(e["data"]["message_id"])
        for e in sms.events
        if e["data"]["config_entry_id"] == added.entry_id
    ]
    assert fired, "nothing fired"
    assert min(fired) > mark, f"history fired: {fired} (mark {mark})"
    assert len(fired) == len(set(fired)), fired
