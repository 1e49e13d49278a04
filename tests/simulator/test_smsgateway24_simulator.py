"""Smoke tests of the SmsGateway24 simulator, over real HTTP on 127.0.0.1.

They check that the fake answers as the vendor's document and live captures
do, so that the client's tests against it mean something.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
import json
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from simulator.smsgateway24 import TOKEN_ERROR, SmsGateway24Simulator

EMAIL = "demo@example.com"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """No Home Assistant needed here."""


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncGenerator[SmsGateway24Simulator]:
    simulator = SmsGateway24Simulator(email=EMAIL, password="demo", phones=2, seed=4)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def http(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession,
    cloud: SmsGateway24Simulator,
    endpoint: str,
    /,
    **fields: Any,
) -> Any:
    form = {key: str(value) for key, value in fields.items()}
    async with http.post(f"{cloud.url}/{endpoint}", data=form) as response:
        assert response.status == 200
        return await response.json()


async def token(http: aiohttp.ClientSession, sim: SmsGateway24Simulator) -> str:
    answer = await call(http, sim, "gettoken", email=EMAIL, **{"pass": "demo"})
    assert list(answer) == ["error", "token", "message"]  # the live key order
    return str(answer["token"])


async def test_login_and_tokens(
    http: aiohttp.ClientSession, sim: SmsGateway24Simulator
) -> None:
    refused = await call(http, sim, "gettoken", email=EMAIL, **{"pass": "nope"})
    assert refused == {"error": 1, "message": "Login or password incorrect"}
    good = await token(http, sim)
    assert (await call(http, sim, "getalldevices", token=good))["count"] == 2
    sim.expire_tokens()
    assert await call(http, sim, "getalldevices", token=good) == {
        "error": 1,
        "message": TOKEN_ERROR,
    }


async def test_devices_as_the_live_service(
    http: aiohttp.ClientSession, sim: SmsGateway24Simulator
) -> None:
    answer = await call(http, sim, "getalldevices", token=await token(http, sim))
    assert "error" not in answer
    assert isinstance(answer["device"], dict)
    for key, phone in answer["device"].items():
        assert key == str(phone["id"])
        assert phone["lastseen"]["timezone_type"] == 3
        assert all(
            isinstance(value, str)
            for sim_info in phone["siminfo"]
            for value in sim_info.values()
        )
    status = await call(
        http,
        sim,
        "getdevicestatus",
        token=await token(http, sim),
        device_id=next(iter(sim.phones)),
    )
    assert status["online"] is True
    assert status["lastseen"]["timezone_type"] == 1  # "+02:00", the account's zone


async def test_send_schedule_and_list(
    http: aiohttp.ClientSession, sim: SmsGateway24Simulator
) -> None:
    access = await token(http, sim)
    phone = next(iter(sim.phones))
    empty = await call(http, sim, "getallsms", token=access)
    assert empty["smss"] == []  # PHP's empty array
    added = await call(
        http,
        sim,
        "addsms",
        token=access,
        sendto="+49 157 52982212",
        body="Test",
        device_id=phone,
        sim=0,
        timetosend="2021-08-01 12:00",
        customerid=19921,
        urgent=1,
    )
    assert added["message"] == "Sms has been saved successfully"
    listed = await call(http, sim, "getallsms", token=access, customerid=19921)
    item = listed["smss"][str(added["sms_id"])]
    assert item["sendto"] == "+4915752982212"
    assert item["urgent"] is True
    # Read as UTC, shown in the account's zone (+02:00), as live.
    assert item["timetosend"] == {
        "date": "2021-08-01 14:00:00.000000",
        "timezone_type": 1,
        "timezone": "+02:00",
    }
    bulk = {
        "token": access,
        "smsdata": [
            {"sendto": "+491", "body": "a", "device_id": phone, "sim": 1},
            {"sendto": "+492", "body": "b", "device_id": 1},
        ],
    }
    refused = await call(http, sim, "addalotofsms", datajson=json.dumps(bulk))
    assert refused["error"] == 1
    assert len(sim.messages) == 1  # all or nothing
    bulk["smsdata"].pop()
    assert (await call(http, sim, "addalotofsms", datajson=json.dumps(bulk)))[
        "error"
    ] == 0
    [new] = [m for m in sim.messages.values() if m.body == "a"]
    assert new.customerid == 0  # live: 0 when a bulk send gave none
    count = await call(http, sim, "getallsms", token=access, onlycount=1, status=1)
    assert count["count"] == 2  # both waiting: the scheduled one is long due
    await sim.tick()
    status = await call(http, sim, "getsmsstatus", token=access, sms_id=new.id)
    assert (status["status"], status["status_description"]) == (2, "sending")


async def test_get_reads_plus_as_a_space(
    http: aiohttp.ClientSession, sim: SmsGateway24Simulator
) -> None:
    """As the document warns: in a GET, a `+` must be written %2B."""
    access = await token(http, sim)
    phone = next(iter(sim.phones))
    url = f"{sim.url}/addsms?token={access}&sendto=+4917&body=x&device_id={phone}"
    async with http.get(url) as response:
        await response.json()
    assert [m.sendto for m in sim.messages.values()] == ["4917"]


async def test_webhooks_and_failures(
    http: aiohttp.ClientSession, sim: SmsGateway24Simulator
) -> None:
    received: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    sim.set_webhooks(f"http://127.0.0.1:{runner.addresses[0][1]}/hook")
    phone = next(iter(sim.phones))
    incoming = await sim.receive_sms(phone, "+380", "Привіт", sim=1)
    access = await token(http, sim)
    await call(
        http, sim, "addsms", token=access, sendto="+491", body="x", device_id=phone
    )
    await sim.complete_sends(final=8)
    await sim.drain()
    await runner.cleanup()
    assert received[0]["sms_id"] == incoming.id
    assert (received[0]["channel_id"], received[0]["type"]) == (1, "text")
    assert [hook["status_id"] for hook in received[1:]] == [6, 8]
    sim.fail("getallsms", status=503)
    async with http.post(f"{sim.url}/getallsms", data={"token": access}) as response:
        assert response.status == 503
    async with http.post(f"{sim.url}/nothing", data={}) as response:
        assert response.status == 404
