"""Fixtures for the client tests: a session, gateways to talk to, a client.

These tests need no Home Assistant instance, so the suite-wide autouse
fixture that loads custom integrations (and with it `hass`) is replaced here.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC
import json
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.gsm_gateway.api import ClientConfig
from custom_components.gsm_gateway.api.dinstar import DinstarClient
from simulator.dinstar import DinstarSimulator

SERIAL = "dbd2-0325-0044-0088"

type ClientFactory = Callable[..., DinstarClient]
type StubHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the suite's fixture: client tests run without `hass`."""


@pytest.fixture
async def session(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    """The caller's session: the client borrows it, never closes it."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def sim_options() -> dict[str, Any]:
    """Keyword arguments of the simulator; override per test."""
    return {}


@pytest.fixture
async def sim(
    socket_enabled: None, sim_options: dict[str, Any]
) -> AsyncGenerator[DinstarSimulator]:
    """A Dinstar gateway on 127.0.0.1 with 8 ports, Digest auth, admin/admin."""
    options: dict[str, Any] = {"port_count": 8, "serial": SERIAL, "seed": 7}
    simulator = DinstarSimulator(**(options | sim_options))
    await simulator.start(host="127.0.0.1", port=0)
    yield simulator
    await simulator.stop()


@pytest.fixture
def make_client(session: aiohttp.ClientSession) -> ClientFactory:
    """Build clients with short waits that read gateway times as UTC."""

    def factory(url: str, password: str = "admin", **kwargs: Any) -> DinstarClient:
        config = ClientConfig(url=url, username="admin", password=password)
        options: dict[str, Any] = {
            "timezone": UTC,
            "ussd_poll_interval": 0.01,
            "stk_poll_interval": 0.01,
            "stk_wait": 0.2,
        }
        return DinstarClient(session, config, **(options | kwargs))

    return factory


@pytest.fixture
def client(make_client: ClientFactory, sim: DinstarSimulator) -> DinstarClient:
    """Our client, pointed at the simulator."""
    return make_client(sim.url)


@dataclass
class Stub:
    """A scripted HTTP server: `routes[path]` answers, `seen` records requests."""

    url: str = ""
    routes: dict[str, StubHandler] = field(default_factory=dict)
    seen: list[tuple[str, str, dict[str, str], bytes, dict[str, str]]] = field(
        default_factory=list
    )

    def answer(
        self, path: str, body: Any, *, status: int = 200, headers: Any = None
    ) -> None:
        """Answer `path` with `body` (a JSON value, or text sent as is)."""
        text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)

        async def handler(request: web.Request) -> web.StreamResponse:
            return web.Response(
                status=status,
                text=text,
                content_type="application/json",
                headers=headers,
            )

        self.routes[path] = handler

    def bodies(self, path: str) -> list[Any]:
        """The JSON bodies sent to `path`, in order."""
        return [
            json.loads(body) for _, p, _, body, _ in self.seen if p == path and body
        ]


@pytest.fixture
async def stub(socket_enabled: None) -> AsyncGenerator[Stub]:
    """A gateway whose answers each test writes (for what no real box does on cue)."""
    stub = Stub()

    async def dispatch(request: web.Request) -> web.StreamResponse:
        stub.seen.append(
            (
                request.method,
                request.path,
                dict(request.query),
                await request.read(),
                dict(request.headers),
            )
        )
        handler = stub.routes.get(request.path)
        if handler is None:
            return web.Response(status=404, text="Not Found")
        return await handler(request)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", dispatch)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    stub.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield stub
    await runner.cleanup()


@dataclass
class PushSink:
    """Where the simulator pushes to; `bodies` are the raw pushes received."""

    url: str = ""
    bodies: list[bytes] = field(default_factory=list)


@pytest.fixture
async def push_sink(socket_enabled: None) -> AsyncGenerator[PushSink]:
    """An HTTP endpoint on 127.0.0.1 that keeps every push it receives."""
    sink = PushSink()

    async def receive(request: web.Request) -> web.Response:
        sink.bodies.append(await request.read())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/push", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    sink.url = f"http://127.0.0.1:{runner.addresses[0][1]}/push"
    yield sink
    await runner.cleanup()
