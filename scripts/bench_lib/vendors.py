"""Figures of the other gateway types: the client against its simulator.

Requests per poll cycle and per send are properties of the client, the same
inside Home Assistant or out of it: a cycle here is what the coordinator
asks each cycle (`poll`, then `fetch_sms_statuses` while sends are followed).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import aiohttp
from aiohttp import web

from custom_components.gsm_gateway.api import ClientConfig, GatewayClient, SendRequest
from custom_components.gsm_gateway.api.http import Backoff
from custom_components.gsm_gateway.api.openvox import OpenVoxClient
from custom_components.gsm_gateway.api.simfolder import SimFolderClient
from custom_components.gsm_gateway.api.smsgateway24 import SmsGateway24Client
from simulator.openvox import OpenVoxSimulator
from simulator.simfolder import SimFolderSimulator
from simulator.smsgateway24 import SmsGateway24Simulator


async def _cycle(client: GatewayClient, inbox_mark: int | None = None) -> int:
    """Requests of one coordinator cycle (the inbox above `inbox_mark` if given)."""
    before = client.requests_made
    await client.poll()
    if inbox_mark is not None:
        await client.fetch_inbox(inbox_mark)
    if client.has_pending_sends():
        await client.fetch_sms_statuses()
    return client.requests_made - before


async def openvox(session: aiohttp.ClientSession) -> dict[str, Any]:
    """Poll cycles for 4 and 32 spans (idle, and following 20 sends); 100 numbers."""
    figures: dict[str, Any] = {"poll_requests": {}, "poll_requests_following_20": {}}
    for spans in (4, 32):
        sim = OpenVoxSimulator(spans, seed=spans)
        await sim.start("127.0.0.1", 0)
        try:
            client = OpenVoxClient(
                session, ClientConfig(url=sim.url, username="admin", password="admin")
            )
            await client.get_info()
            figures["poll_requests"][str(spans)] = await _cycle(client)
            await client.send_sms(
                SendRequest(numbers=tuple(f"+1555{n:04}" for n in range(20)), text="x")
            )
            await sim.complete(report=False)
            figures["poll_requests_following_20"][str(spans)] = await _cycle(client)
            if spans == 32:
                numbers = tuple(f"+1666{n:04}" for n in range(100))
                started = time.monotonic()
                result = await client.send_sms(SendRequest(numbers=numbers, text="x"))
                figures["send_100_requests"] = result.requests
                figures["send_100_seconds"] = round(time.monotonic() - started, 3)
                figures["send_100_spans_used"] = len(
                    {message.port for message in result.messages}
                )
        finally:
            await sim.stop()
    return figures


class _Clock:
    """The client's clock, moved by hand: five minutes pass in no time."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def smsgateway24(session: aiohttp.ClientSession) -> dict[str, Any]:
    """Poll cycles for 1 and 20 phones (2 SIMs each); one SMS to 1,000 numbers."""
    figures: dict[str, Any] = {
        "poll_requests": {},
        "poll_requests_with_phone_list": {},
        "poll_requests_following_sends": {},
    }
    for phones in (1, 20):
        sim = SmsGateway24Simulator(email="bench@example.com", password="x", phones=0)
        for _ in range(phones):
            sim.add_phone(sims=2)
        await sim.start("127.0.0.1", 0)
        clock = _Clock()
        try:
            client = SmsGateway24Client(
                session,
                ClientConfig(url=sim.url, username="bench@example.com", password="x"),
                clock=clock,
                backoff=Backoff(clock=clock),
            )
            await client.get_info()
            await client.fetch_inbox(None)
            clock.now += 60
            figures["poll_requests"][str(phones)] = await _cycle(client, 0)
            clock.now += 300  # the phone list is read every 5 minutes
            figures["poll_requests_with_phone_list"][str(phones)] = await _cycle(
                client, 0
            )
            numbers = tuple(f"+49151{n:07}" for n in range(1000))
            started = time.monotonic()
            result = await client.send_sms(SendRequest(numbers=numbers, text="x"))
            seconds = time.monotonic() - started
            clock.now += 60
            figures["poll_requests_following_sends"][str(phones)] = await _cycle(
                client, 0
            )
            if phones == 20:
                figures["send_1000_requests"] = result.requests
                figures["send_1000_seconds"] = round(seconds, 3)
        finally:
            await sim.stop()
    return figures


async def _simfolder_cycle(client: SimFolderClient, mark: int | None) -> int:
    """Requests of one coordinator cycle of a SimFolder account."""
    before = client.requests_made
    await client.poll()
    await client.fetch_inbox(mark)
    await client.poll_events()
    if client.has_pending_sends():
        await client.fetch_sms_statuses()
    return client.requests_made - before


async def simfolder(session: aiohttp.ClientSession) -> dict[str, Any]:
    """Poll cycles for 1 aggregator x 4 cards and 20 x 32; notification latency.

    The latency is from the simulated cloud starting to POST a notification
    to the answer of a webhook that parses it with the client (the Home
    Assistant side adds its write-ahead and the event).
    """
    figures: dict[str, Any] = {"poll_requests": {}, "poll_requests_following_20": {}}
    for aggregators, cards in ((1, 4), (20, 32)):
        label = f"{aggregators}x{cards}"
        sim = SimFolderSimulator(aggregators=aggregators, cards=cards, seed=cards)
        sim.auto_complete = False
        await sim.start("127.0.0.1", 0)
        try:
            client = SimFolderClient(
                session, ClientConfig(url=sim.url, api_key=sim.api_key)
            )
            await client.get_info()
            await _simfolder_cycle(client, None)  # first: operators, history
            figures["poll_requests"][label] = await _simfolder_cycle(client, 0)
            await client.send_sms(
                SendRequest(numbers=tuple(f"+1555{n:04}" for n in range(20)), text="x")
            )
            figures["poll_requests_following_20"][label] = await _simfolder_cycle(
                client, 0
            )
            if aggregators == 1:
                figures["notification_ms"] = await _notification_latency(sim, client)
        finally:
            await sim.stop()
    return figures


async def _notification_latency(
    sim: SimFolderSimulator, client: SimFolderClient
) -> dict[str, float]:
    async def hook(request: web.Request) -> web.Response:
        client.parse_push(await request.read(), request.content_type)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # noqa: SLF001
    try:
        await client.configure_push(f"http://127.0.0.1:{port}/hook")
        card = next(iter(sim.cards))
        times = []
        for n in range(50):
            started = time.monotonic()
            await sim.receive_sms(card, "+380501112233", f"bench {n}")
            times.append((time.monotonic() - started) * 1000)
    finally:
        await runner.cleanup()
    return {
        "median": round(statistics.median(times), 2),
        "p95": round(sorted(times)[int(len(times) * 0.95) - 1], 2),
    }


async def measure(session: aiohttp.ClientSession) -> dict[str, Any]:
    """Every other type's figures, by type."""
    return {
        "openvox": await openvox(session),
        "simfolder": await simfolder(session),
        "smsgateway24": await smsgateway24(session),
    }
