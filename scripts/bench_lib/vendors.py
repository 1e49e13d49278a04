"""Figures of the other gateway types: the client against its simulator.

Requests per poll cycle and per send are properties of the client, the same
inside Home Assistant or out of it: a cycle here is what the coordinator
asks each cycle (`poll`, then `fetch_sms_statuses` while sends are followed).
"""

from __future__ import annotations

import time
from typing import Any

import aiohttp

from custom_components.gsm_gateway.api import ClientConfig, SendRequest
from custom_components.gsm_gateway.api.openvox import OpenVoxClient
from simulator.openvox import OpenVoxSimulator


async def _cycle(client: OpenVoxClient) -> int:
    """Requests of one coordinator cycle."""
    before = client.requests_made
    await client.poll()
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


async def measure(session: aiohttp.ClientSession) -> dict[str, Any]:
    """Every other type's figures, by type."""
    return {"openvox": await openvox(session)}
