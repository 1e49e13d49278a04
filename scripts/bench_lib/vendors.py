"""Figures of the other gateway types: the client against its simulator.

Requests per poll cycle and per send are properties of the client, the same
inside Home Assistant or out of it: a cycle here is what the coordinator
asks each cycle (`poll`, then `fetch_sms_statuses` while sends are followed).
"""

from __future__ import annotations

import time
from typing import Any

import aiohttp

from custom_components.gsm_gateway.api import ClientConfig, GatewayClient, SendRequest
from custom_components.gsm_gateway.api.http import Backoff
from custom_components.gsm_gateway.api.openvox import OpenVoxClient
from custom_components.gsm_gateway.api.smsgateway24 import SmsGateway24Client
from simulator.openvox import OpenVoxSimulator
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


async def measure(session: aiohttp.ClientSession) -> dict[str, Any]:
    """Every other type's figures, by type."""
    return {
        "openvox": await openvox(session),
        "smsgateway24": await smsgateway24(session),
    }
