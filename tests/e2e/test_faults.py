"""Nothing lost under faults (SPEC §7): hard kills, gateways away, lost answers.

A real Home Assistant is killed with SIGKILL within milliseconds of a push
of 50 SMS, and started again from what it left on disk; a gateway is
powered off around a send and a restart; a gateway takes a send and hangs
up before answering; a second gateway stands in for the first.

The gateways here run in pytest's own event loop (`DinstarSimulator`), so a
test can put SMS in their inbox, power them off and on, and lose answers on
cue; Home Assistant reaches them over HTTP as any gateway. Every blocking
call of the harness runs in a thread meanwhile, so they keep answering.

`GSM_E2E_CHAOS_ROUNDS` sets the rounds of kills (default 3, as in CI; the
issue's figure is 10: `GSM_E2E_CHAOS_ROUNDS=10 pytest tests/e2e/test_faults.py`).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
import json
import os
import random
import time
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from simulator.dinstar import DinstarSimulator

from .harness import (
    LOCAL,
    SIM_PASSWORD,
    SIM_USERNAME,
    START_TIMEOUT,
    TIME_ZONE,
    EventLog,
    HomeAssistantClient,
    HomeAssistantProcess,
    _http,
    async_wait_until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

ROUNDS = int(os.environ.get("GSM_E2E_CHAOS_ROUNDS", "3"))
BURST = 50
KILL_WITHIN_MS = 20
SMS_RECEIVED = "gsm_gateway_sms_received"
SMS_STATUS = "gsm_gateway_sms_status"
NUMBER = "+380501234567"


@pytest.fixture
def ha(home_assistant: HomeAssistantProcess) -> HomeAssistantProcess:
    """The package's Home Assistant (`gateways` leaves it running)."""
    return home_assistant


@dataclass
class Gateways:
    """The gateways a test added: simulators and their entries."""

    sims: list[DinstarSimulator] = field(default_factory=list)
    entries: list[str] = field(default_factory=list)


@pytest.fixture
async def gateways(ha: HomeAssistantProcess) -> AsyncIterator[Gateways]:
    """Gateways the test adds (`new_gateway`); removed after it.

    Home Assistant runs again afterwards, whatever the test did to it, and
    holds none of these entries: the package's other tests do not see them.
    """
    added = Gateways()
    yield added
    if ha.process is None or ha.process.poll() is not None:
        ha.spawn()
        await asyncio.to_thread(ha.wait_running)
    token = await asyncio.to_thread(ha.access_token)
    for entry_id in added.entries:
        await asyncio.to_thread(
            _http,
            "DELETE",
            f"{ha.url}/api/config/config_entries/entry/{entry_id}",
            token=token,
        )
    for sim in added.sims:
        await sim.stop()


async def new_gateway(
    added: Gateways, client: HomeAssistantClient, serial: str
) -> tuple[DinstarSimulator, str]:
    """A 4-port gateway added through the config flow, pushing to its webhook."""
    sim = DinstarSimulator(4, serial=serial, seed=7, timezone=ZoneInfo(TIME_ZONE))
    await sim.start(LOCAL, 0)
    added.sims.append(sim)
    status, menu = await client.rest(
        "POST", "/api/config/config_entries/flow", {"handler": "gsm_gateway"}
    )
    assert status == 200, menu
    flow = f"/api/config/config_entries/flow/{menu['flow_id']}"
    await client.rest("POST", flow, {"next_step_id": "dinstar"})
    login = {"url": sim.url, "username": SIM_USERNAME, "password": SIM_PASSWORD}
    status, push = await client.rest("POST", flow, login | {"verify_ssl": False})
    assert push.get("step_id") == "push", push
    status, done = await client.rest("POST", flow, {})
    assert done["type"] == "create_entry", done
    sim.push_url = push["description_placeholders"]["url"]
    entry_id: str = done["result"]["entry_id"]
    added.entries.append(entry_id)
    await wait_loaded(client, entry_id)
    return sim, entry_id


async def wait_loaded(client: HomeAssistantClient, entry_id: str) -> None:
    """Until the entry is set up (after a restart, once its gateway answers)."""

    async def loaded() -> bool | None:
        status, entries = await client.rest("GET", "/api/config/config_entries/entry")
        assert status == 200, entries
        state = next(e["state"] for e in entries if e["entry_id"] == entry_id)
        return True if state == "loaded" else None

    await async_wait_until(loaded, 90, f"entry {entry_id} to be loaded")


async def diagnostics(client: HomeAssistantClient, entry_id: str) -> dict[str, Any]:
    """The entry's diagnostics, as the frontend downloads them."""
    status, data = await client.rest("GET", f"/api/diagnostics/config_entry/{entry_id}")
    assert status == 200, data
    return dict(data["data"])


async def saved(ha: HomeAssistantProcess, store: str, text: str) -> None:
    """Until Home Assistant's `store` on disk holds `text`."""
    path = ha.config_dir / ".storage" / store

    async def on_disk() -> bool | None:
        found = path.is_file() and text in path.read_text(encoding="utf-8")
        return True if found else None

    await async_wait_until(on_disk, 60, f"{store} to be saved")


async def kill(ha: HomeAssistantProcess) -> None:
    """SIGKILL: what a power cut, the out-of-memory killer or `docker kill` do."""
    assert ha.process is not None
    ha.process.kill()
    await asyncio.to_thread(ha.process.wait, 10)


async def start(
    ha: HomeAssistantProcess, *events: str
) -> tuple[HomeAssistantClient, list[EventLog]]:
    """Start Home Assistant; a client subscribed while it starts, once it has."""
    ha.spawn()
    await asyncio.to_thread(ha.wait_http)
    client = HomeAssistantClient(ha)
    await client.connect()
    logs = [await client.subscribe(event) for event in events]
    await asyncio.to_thread(ha.wait_running, START_TIMEOUT)
    return client, logs


def ids(log: EventLog, entry_id: str) -> list[str]:
    """The message ids of one entry's events, in firing order."""
    return [
        e["data"]["message_id"]
        for e in log.events
        if e["data"]["config_entry_id"] == entry_id
    ]


async def wait_settled(
    client: HomeAssistantClient, entry: str, after: EventLog, backfilled: set[str]
) -> None:
    """Until start-up's backfill has fired, and the websocket carried all it fired."""

    async def settled() -> bool | None:
        counts = (await diagnostics(client, entry))["messages"]
        fired = ids(after, entry)
        if counts["held_until_started"] or counts["received"] != len(fired):
            return None
        return True if backfilled <= set(fired) else None

    await async_wait_until(settled, 60, "the restart's backfill to settle")


def record_on_disk(ha: HomeAssistantProcess, entry_id: str) -> dict[str, Any]:
    """The entry's message record as the killed process left it."""
    path = ha.config_dir / ".storage" / f"gsm_gateway.{entry_id}.messages"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["data"]
    return data


async def post(url: str, body: dict[str, Any]) -> int | None:
    """POST a push as the gateway does; None when the server died meanwhile."""
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, json=body) as response,
        ):
            await response.read()
            return response.status
    except aiohttp.ClientError:
        return None


async def test_sigkill_right_after_a_push_neither_replays_nor_loses(
    ha: HomeAssistantProcess, gateways: Gateways
) -> None:
    """Rounds of: 50 SMS in one push, SIGKILL within milliseconds, start again.

    Even rounds kill 0-20 ms after the push was answered, odd ones while it
    is handled (at a random instant within the last answer's time).

    Each SMS fires once in all: seen on the websocket before the kill or
    after the restart (the backfill finds what the killed process had not
    recorded). One recorded as fired but never seen was fired in the last
    instant before the kill, its event gone with the process; Home
    Assistant must not fire it again (at most once, see messages.py).
    """
    rng = random.Random(12)
    async with HomeAssistantClient(ha) as setup:
        sim, entry = await new_gateway(gateways, setup, "chaos-kill")
    # Home Assistant saves a new entry, and the login, a moment later: a kill
    # before would lose them, which is not what this test is about.
    await saved(ha, "core.config_entries", entry)
    assert ha.refresh_token is not None
    await saved(ha, "auth", ha.refresh_token)
    report: list[str] = []
    answered_ms = 0.0
    client = HomeAssistantClient(ha)
    await client.connect()
    before = await client.subscribe(SMS_RECEIVED)
    try:
        for round_ in range(ROUNDS):
            for index in range(BURST):
                await sim.receive_sms(
                    index % 4, "+491701234567", f"r{round_} #{index}", push=False
                )
            pushed = [
                {k: v for k, v in m.items() if k != "read"} for m in sim.inbox[-BURST:]
            ]
            mine = {str(m["incoming_sms_id"]) for m in pushed}
            assert sim.push_url is not None
            t0 = time.perf_counter()
            answer = asyncio.create_task(
                post(sim.push_url, {"sn": sim.serial, "sms": pushed})
            )
            if round_ % 2 == 0:
                # After the answer: every event has fired (the replay of
                # issue 12 came from kills in these milliseconds).
                status = await answer
                answered_ms = (time.perf_counter() - t0) * 1000
                await asyncio.sleep(rng.uniform(0, KILL_WITHIN_MS) / 1000)
            else:
                # While the push is handled: before, during or after its write.
                await asyncio.sleep(rng.uniform(0, answered_ms * 0.7) / 1000)
            delay_ms = (time.perf_counter() - t0) * 1000
            await kill(ha)
            status = await answer
            await client.close()
            seen_before = set(ids(before, entry)) & mine
            disk = record_on_disk(ha, entry)
            kept = {fact["message_id"] for fact in disk.get("unfired", [])}
            recorded = (set(disk["seen_messages"]) & mine) - kept

            client, (after,) = await start(ha, SMS_RECEIVED)
            await wait_loaded(client, entry)
            backfilled = mine - seen_before - recorded

            await wait_settled(client, entry, after, backfilled)
            fired_after = ids(after, entry)
            twice = {i for i, n in Counter(fired_after).items() if n > 1}
            replayed = (set(fired_after) & (seen_before | recorded)) | twice
            lost = mine - seen_before - set(fired_after) - recorded
            unseen = recorded - seen_before
            report.append(
                f"round {round_}: kill after {delay_ms:.1f} ms (push answered"
                f" {status}, last answer {answered_ms:.0f} ms),"
                f" {len(seen_before)} seen before, {len(recorded)}"
                f" recorded, {len(fired_after)} fired after the restart,"
                f" {len(unseen)} fired unseen at the kill"
            )
            assert not replayed, (sorted(replayed), report)
            assert not lost, (sorted(lost), report)
            before = after
    finally:
        await client.close()
    print("\n".join(report))  # noqa: T201 - the run's figures, with -s


async def test_a_send_while_the_gateway_is_away_survives_a_restart(
    ha: HomeAssistantProcess, gateways: Gateways
) -> None:
    """Away: queued; Home Assistant restarts; back: sent once, its statuses follow."""
    async with HomeAssistantClient(ha) as client:
        sim, entry = await new_gateway(gateways, client, "chaos-away")
        sim.auto_complete = True
        statuses = await client.subscribe(SMS_STATUS)
        await sim.stop()
        response = await client.call_service(
            "gsm_gateway",
            "send_sms",
            {"config_entry_id": entry, "number": NUMBER, "message": "Power is back"},
            return_response=True,
        )
        assert [(m["status"], m["message_id"]) for m in response["messages"]] == [
            ("queued", None)
        ]
        await statuses.wait_for(lambda e: len(e) == 1, 30, "the outbox's queued")

    assert await asyncio.to_thread(ha.stop) == 0
    client, (statuses,) = await start(ha, SMS_STATUS)
    try:
        await sim.start()
        await wait_loaded(client, entry)
        await statuses.wait_for(
            lambda events: "delivered" in {e["data"]["status"] for e in events},
            90,
            "the message to be sent and delivered",
        )
        assert [m["number"] for m in sim.outbox] == [NUMBER]
        user_id = str(sim.outbox[0]["user_id"])
        fates = [e["data"]["status"] for e in statuses.events]
        assert fates[0] == "queued", fates
        assert fates[-1] == "delivered", fates
        assert len(fates) == len(set(fates)), f"a status fired twice: {fates}"
        assert set(ids(statuses, entry)) == {user_id}
        assert (await diagnostics(client, entry))["outbox"]["waiting"] == 0
    finally:
        await client.close()


async def test_a_lost_answer_is_not_sent_twice(
    ha: HomeAssistantProcess, gateways: Gateways
) -> None:
    """The gateway takes the send and hangs up: looked up, never sent again."""
    async with HomeAssistantClient(ha) as client:
        sim, entry = await new_gateway(gateways, client, "chaos-lost")
        sim.lose_answers("send_sms")
        response = await client.call_service(
            "gsm_gateway",
            "send_sms",
            {"config_entry_id": entry, "number": NUMBER, "message": "Once"},
            return_response=True,
        )
        assert response["messages"][0]["status"] == "queued"

        async def emptied() -> bool | None:
            outbox = (await diagnostics(client, entry))["outbox"]
            return True if outbox["waiting"] == 0 else None

        await async_wait_until(emptied, 60, "the outbox to look the send up")
        assert [m["number"] for m in sim.outbox] == [NUMBER]
        sends = [r for r in sim.requests if r.path == "/api/send_sms"]
        assert len(sends) == 1, "looked up with query_sms_result, not sent again"


async def test_fallback_to_a_second_gateway(
    ha: HomeAssistantProcess, gateways: Gateways
) -> None:
    """The first gateway is off: the second one sends, and the response says so."""
    async with HomeAssistantClient(ha) as client:
        first, first_entry = await new_gateway(gateways, client, "chaos-first")
        second, second_entry = await new_gateway(gateways, client, "chaos-second")
        await first.stop()

        response = await client.call_service(
            "gsm_gateway",
            "send_sms",
            {
                "config_entry_id": [first_entry, second_entry],
                "number": NUMBER,
                "message": "Through the other one",
            },
            return_response=True,
        )

        (message,) = response["messages"]
        assert message["config_entry_id"] == second_entry
        assert message["message_id"] == str(second.outbox[0]["user_id"])
        assert [m["number"] for m in second.outbox] == [NUMBER]
        assert first.outbox == []
        assert (await diagnostics(client, first_entry))["outbox"]["waiting"] == 0
