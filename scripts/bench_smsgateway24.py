"""Request counts of the SmsGateway24 client against the bundled cloud simulator.

    PYTHONPATH=. .venv/bin/python scripts/bench_smsgateway24.py [--json]

A poll cycle is what the coordinator asks each interval: `poll()` (phones,
every 5 minutes), the inbox, and the statuses of what is being followed.
Everything runs on 127.0.0.1; the client's clock is moved by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import aiohttp

from custom_components.gsm_gateway.api import ClientConfig, SendRequest
from custom_components.gsm_gateway.api.http import Backoff
from custom_components.gsm_gateway.api.smsgateway24 import SmsGateway24Client
from simulator.smsgateway24 import SmsGateway24Simulator


class _Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def _cycle(client: SmsGateway24Client, mark: int) -> int:
    start = client.requests_made
    await client.poll()
    await client.fetch_inbox(mark)
    if client.has_pending_sends():
        await client.fetch_sms_statuses()
    return client.requests_made - start


async def _measure(phones: int, session: aiohttp.ClientSession) -> dict[str, int]:
    sim = SmsGateway24Simulator(
        email="bench@example.com", password="x", phones=0, seed=1
    )
    for _ in range(phones):
        sim.add_phone(sims=2)
    await sim.start()
    clock = _Clock()
    client = SmsGateway24Client(
        session,
        ClientConfig(url=sim.url, username="bench@example.com", password="x"),
        clock=clock,
        backoff=Backoff(clock=clock),
    )
    try:
        await client.get_info()
        await client.fetch_inbox(None)
        figures: dict[str, int] = {}
        clock.now += 60
        figures["idle cycle"] = await _cycle(client, 0)
        clock.now += 300
        figures["cycle with the phone list"] = await _cycle(client, 0)
        for phone_id in sim.phones:
            await sim.receive_sms(phone_id, "+491", "hello", push=False)
        clock.now += 60
        figures["cycle with new SMS on every phone"] = await _cycle(client, 0)
        sent = await client.send_sms(SendRequest(numbers=("+491",), text="one"))
        figures["send to 1 number"] = sent.requests
        clock.now += 60
        figures["cycle following 1 send"] = await _cycle(client, 0)
        numbers = tuple(f"+49151{index:07d}" for index in range(1000))
        bulk = await client.send_sms(SendRequest(numbers=numbers, text="all"))
        figures["send to 1,000 numbers"] = bulk.requests
        clock.now += 60
        figures["cycle following 1,001 sends"] = await _cycle(client, 0)
        return figures
    finally:
        await sim.stop()


async def _main() -> dict[str, dict[str, int]]:
    async with aiohttp.ClientSession() as session:
        return {str(count): await _measure(count, session) for count in (1, 20)}


def main() -> None:
    """Print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    results = asyncio.run(_main())
    if parser.parse_args().json:
        print(json.dumps(results, indent=2))
        return
    rows = list(results["1"])
    print(f"{'HTTP requests':38} {'1 phone':>8} {'20 phones':>10}")
    for row in rows:
        print(f"{row:38} {results['1'][row]:>8} {results['20'][row]:>10}")


if __name__ == "__main__":
    main()
