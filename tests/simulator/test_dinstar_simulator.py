"""Smoke tests of the Dinstar simulator, over real HTTP on 127.0.0.1.

They check that the fake speaks the vendor's protocol (document and captures),
so that the client's tests against it mean something.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from simulator.dinstar import DinstarSimulator

type Pushes = asyncio.Queue[dict[str, Any]]


@pytest.fixture
def sim_options() -> dict[str, Any]:
    """Constructor options of the `sim` fixture; parametrize to change them."""
    return {}


@pytest.fixture
async def sim(
    socket_enabled: None, sim_options: dict[str, Any]
) -> AsyncGenerator[DinstarSimulator]:
    simulator = DinstarSimulator(4, seed=1, **sim_options)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def pushes(sim: DinstarSimulator) -> AsyncGenerator[Pushes]:
    """A webhook on 127.0.0.1 that queues every body the simulator pushes."""
    queue: Pushes = asyncio.Queue()

    async def receive(request: web.Request) -> web.Response:
        await queue.put(await request.json())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    sim.push_url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield queue
    await runner.cleanup()


def digest_session(url: str, password: str = "admin") -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        base_url=url,
        middlewares=(aiohttp.DigestAuthMiddleware("admin", password),),
    )


@pytest.fixture
async def client(sim: DinstarSimulator) -> AsyncGenerator[aiohttp.ClientSession]:
    async with digest_session(sim.url) as session:
        yield session


async def get(client: aiohttp.ClientSession, path: str, **query: Any) -> Any:
    async with client.get(path, params=query) as response:
        assert response.status == 200
        return await response.json()


async def post(client: aiohttp.ClientSession, path: str, body: Any) -> Any:
    async with client.post(path, json=body) as response:
        assert response.status == 200
        return await response.json()


async def test_digest_auth_challenges_checks_and_reuses_nonces(
    sim: DinstarSimulator,
) -> None:
    async with (
        aiohttp.ClientSession() as bare,
        bare.get(f"{sim.url}/api/query_sms_in_queue") as response,
    ):
        assert response.status == 401
        challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Digest realm="')
    assert 'qop="auth"' in challenge
    assert "nonce=" in challenge

    async with (
        digest_session(sim.url, "wrong") as wrong,
        wrong.get("/api/query_sms_in_queue") as response,
    ):
        assert response.status == 401
    assert sim.requests == []

    before = sim.request_count
    async with digest_session(sim.url) as session:
        answers = [await get(session, "/api/query_sms_in_queue") for _ in range(3)]
    assert answers == [{"error_code": 200, "sn": sim.serial, "in_queue": 0}] * 3
    assert sim.request_count - before == 4  # one challenge, then nc 1, 2, 3
    assert [request.path for request in sim.requests] == ["/api/query_sms_in_queue"] * 3


@pytest.mark.parametrize(
    "sim_options",
    [
        {"auth": "basic", "password": "secret"},
        {"auth": "digest_or_basic", "password": "secret"},
    ],
)
async def test_basic_auth(sim: DinstarSimulator) -> None:
    async with aiohttp.ClientSession(base_url=sim.url) as session:
        async with session.get("/api/query_sms_in_queue") as response:
            assert response.status == 401
            schemes = response.headers.getall("WWW-Authenticate")
        assert schemes[-1] == 'Basic realm="Dinstar Gateway"'
        good = {"Authorization": aiohttp.encode_basic_auth("admin", "secret")}
        async with session.get("/api/query_sms_in_queue", headers=good) as response:
            assert (await response.json())["error_code"] == 200
        bad = {"Authorization": aiohttp.encode_basic_auth("admin", "admin")}
        async with session.get("/api/query_sms_in_queue", headers=bad) as response:
            assert response.status == 401


async def test_send_sms_is_queued_then_completed_with_pushes(
    sim: DinstarSimulator, client: aiohttp.ClientSession, pushes: Pushes
) -> None:
    answer = await post(
        client,
        "/api/send_sms",
        {
            "text": "Hello, #param#.",
            "port": [2, 3],
            "param": [
                {"number": "123456", "text_param": ["John"], "user_id": 1},
                {"number": "+380501112233", "user_id": 2, "sn": "ignored"},
            ],
        },
    )
    assert answer == {
        "error_code": 202,
        "sn": sim.serial,
        "sms_in_queue": 2,
        "task_id": 1,
    }
    assert [m["port"] for m in sim.outbox] == [2, 3]
    assert sim.outbox[0]["text"] == "Hello, John."
    assert (await get(client, "/api/query_sms_in_queue"))["in_queue"] == 2

    result = await post(client, "/api/query_sms_result", {"user_id": [1]})
    assert result["result"] == [
        {
            "port": 2,
            "user_id": 1,
            "number": "123456",
            "time": sim.outbox[0]["time"],
            "status": "SENDING",
            "count": 1,
            "succ_count": 0,
        }
    ]

    await sim.complete_sends("DELIVERED")
    bodies = [pushes.get_nowait() for _ in range(4)]
    assert [next(k for k in body if k != "sn") for body in bodies] == [
        "sms_result",
        "sms_deliver_status",
        "sms_result",
        "sms_deliver_status",
    ]
    sms_result = bodies[0]["sms_result"][0]
    assert sms_result["status"] == "DELIVERED"
    assert sms_result["imsi"] == sim.ports[2].imsi
    assert "user_id" not in sms_result
    report = bodies[1]["sms_deliver_status"][0]
    assert report["status_code"] == 0
    assert report["ref_id"] == sms_result["ref_id"]

    done = await post(client, "/api/query_sms_result", {"number": ["123456"]})
    assert done["result"][0]["status"] == "DELIVERED"
    assert done["result"][0]["ref_id"] == sms_result["ref_id"]
    delivered = await post(client, "/api/query_sms_deliver_status", {"port": [3]})
    assert [r["number"] for r in delivered["result"]] == ["+380501112233"]
    assert (await get(client, "/api/query_sms_in_queue"))["in_queue"] == 0


async def test_send_sms_refusals_and_stop(
    sim: DinstarSimulator, client: aiohttp.ClientSession
) -> None:
    many = [{"number": str(n)} for n in range(129)]
    assert (await post(client, "/api/send_sms", {"text": "x", "param": many}))[
        "error_code"
    ] == 413
    long_text = {"text": "é" * 751, "param": [{"number": "1"}]}
    assert (await post(client, "/api/send_sms", long_text))["error_code"] == 413
    assert (await post(client, "/api/send_sms", {"text": "x"}))["error_code"] == 400
    numbers = {"number": ["1"] * 33}
    assert (await post(client, "/api/query_sms_result", numbers))["error_code"] == 413
    bad_time = {"time_after": "2026-01-01T00:00:00"}
    assert (await post(client, "/api/query_sms_result", bad_time))["error_code"] == 400

    answer = await post(
        client, "/api/send_sms", {"text": "x", "param": [{"number": "1"}]}
    )
    assert (await get(client, "/api/stop_sms", task_id=answer["task_id"]))[
        "error_code"
    ] == 200
    assert (await get(client, "/api/stop_sms", task_id=answer["task_id"]))[
        "error_code"
    ] == 404
    assert (await post(client, "/api/query_sms_result", {}))["result"] == []

    for port in range(len(sim.ports)):
        await sim.set_registration(port, "UNREGISTER")
    no_port = await post(
        client, "/api/send_sms", {"text": "x", "param": [{"number": "1"}]}
    )
    assert no_port["error_code"] == 550


async def test_incoming_sms_pushed_and_unread_flag_marks_read(
    sim: DinstarSimulator, client: aiohttp.ClientSession, pushes: Pushes
) -> None:
    first = await sim.receive_sms(1, "+4917612345678", "Привіт 你好")
    second = await sim.receive_sms(2, "DHL", "Parcel", timestamp="2026-01-02 03:04:05")
    assert (first, second) == (1, 2)
    pushed = pushes.get_nowait()
    assert pushed == {
        "sn": sim.serial,
        "sms": [
            {
                "incoming_sms_id": 1,
                "port": 1,
                "number": "+4917612345678",
                "smsc": sim.ports[1].smsc,
                "timestamp": sim.inbox[0]["timestamp"],
                "text": "Привіт 你好",
                "imsi": sim.ports[1].imsi,
            }
        ],
    }

    everything = await get(client, "/api/query_incoming_sms", flag="all")
    assert [m["incoming_sms_id"] for m in everything["sms"]] == [1, 2]
    assert (everything["read"], everything["unread"]) == (0, 2)
    newer = await get(client, "/api/query_incoming_sms", flag="all", incoming_sms_id=1)
    assert [m["text"] for m in newer["sms"]] == ["Parcel"]

    unread = await get(client, "/api/query_incoming_sms", port="[1]")
    assert [m["incoming_sms_id"] for m in unread["sms"]] == [1]
    again = await get(client, "/api/query_incoming_sms")
    assert [m["incoming_sms_id"] for m in again["sms"]] == [2]
    assert (await get(client, "/api/query_incoming_sms"))["sms"] == []
    read = await get(client, "/api/query_incoming_sms", flag="read")
    assert (read["read"], read["unread"]) == (2, 0)


async def test_port_info_and_power_cycle(
    sim: DinstarSimulator, client: aiohttp.ClientSession, pushes: Pushes
) -> None:
    info = await get(
        client,
        "/api/get_port_info",
        port="1,2",
        info_type="imei,imsi,iccid,smsc,type,number,reg,slot,callstate,signal,gprs",
    )
    assert [item["port"] for item in info["info"]] == [1, 2]
    port1 = info["info"][0]
    assert port1["reg"] == "REGISTER_OK"
    assert port1["slot"] == 255
    assert port1["imsi"] == sim.ports[1].imsi
    assert 0 < port1["signal"] <= 31

    off = await get(client, "/api/set_port_info", port=1, action="power", param="off")
    assert off == {"error_code": 200, "sn": sim.serial}
    info = await get(client, "/api/get_port_info", port=1, info_type="reg,signal,imsi")
    assert info["info"] == [{"port": 1, "imsi": "", "reg": "POWER_OFF", "signal": 0}]
    await sim.drain()
    down = pushes.get_nowait()["register"][0]
    assert down["status"] == "down"
    assert (down["iccid"], down["imsi"]) == ("<NULL>", "<NULL>")
    assert down["number"] == sim.ports[1].phone_number
    assert "slot" not in down

    on = await post(
        client, "/api/set_port_info", {"port": 1, "action": "power", "param": "on"}
    )
    assert on["error_code"] == 200
    await sim.drain()
    up = pushes.get_nowait()["register"][0]
    assert (up["status"], up["imsi"]) == ("up", sim.ports[1].imsi)
    assert up["sequence"] > down["sequence"]

    reset = await get(client, "/api/set_port_info", port=1, action="reset")
    assert reset["error_code"] == 200
    await sim.drain()
    statuses = [pushes.get_nowait()["register"][0]["status"] for _ in range(2)]
    assert statuses == ["down", "up"]

    bad = await get(client, "/api/set_port_info", port=1, action="slot", param=1)
    assert bad["error_code"] == 400
    assert (await get(client, "/api/get_port_info"))["error_code"] == 400


@pytest.mark.parametrize("sim_options", [{"slots_per_port": 4}])
async def test_multi_sim_slot_switch(
    sim: DinstarSimulator, client: aiohttp.ClientSession, pushes: Pushes
) -> None:
    port = sim.ports[0]
    old_imsi, third = port.imsi, port.sims[2]
    assert port.slot == 0
    assert third is not None
    answer = await post(
        client, "/api/set_port_info", {"port": 0, "action": "slot", "param": "2"}
    )
    assert answer["error_code"] == 200
    info = await get(client, "/api/get_port_info", port=0, info_type="slot,imsi")
    assert info["info"] == [{"port": 0, "imsi": third.imsi, "slot": 2}]
    assert third.imsi != old_imsi

    await sim.drain()
    down, up = (pushes.get_nowait()["register"][0] for _ in range(2))
    assert (down["status"], down["imsi"], down["slot"]) == ("down", "<NULL>", 0)
    assert (up["status"], up["imsi"], up["slot"]) == ("up", third.imsi, 2)
    bad = await get(client, "/api/set_port_info", port=0, action="slot", param=4)
    assert bad["error_code"] == 400


async def test_ussd_reply_after_delay(
    sim: DinstarSimulator, client: aiohttp.ClientSession, pushes: Pushes
) -> None:
    sim.ussd_delay = 0.05
    await sim.set_registration(3, "NO_SIM", push=False)
    answer = await post(
        client, "/api/send_ussd", {"port": [0, 3], "command": "send", "text": "*100#"}
    )
    assert answer == {
        "error_code": 202,
        "sn": sim.serial,
        "result": [{"port": 0, "status": 200}, {"port": 3, "status": 503}],
    }
    waiting = await get(client, "/api/query_ussd_reply", port="0")
    assert waiting["reply"] == [{"port": 0, "text": " "}]
    busy = await post(client, "/api/send_ussd", {"port": [0], "text": "*100#"})
    assert busy["result"] == [{"port": 0, "status": 486}]

    await sim.drain()
    assert pushes.get_nowait() == {
        "sn": sim.serial,
        "ussd": [{"port": 0, "text": sim.ussd_replies["*100#"]}],
    }
    replied = await get(client, "/api/query_ussd_reply", port="0,1")
    assert replied["reply"] == [
        {"port": 0, "text": sim.ussd_replies["*100#"]},
        {"port": 1, "text": ""},
    ]
    too_long = await post(client, "/api/send_ussd", {"port": [0], "text": "*" * 61})
    assert too_long["error_code"] == 400


async def test_stk_menu_navigation(
    sim: DinstarSimulator, client: aiohttp.ClientSession
) -> None:
    root = await get(client, "/GetSTKView", port=0)
    assert "error_code" not in root
    assert root["input_type"] == 1
    assert [item["item_string"] for item in root["item"]] == [
        "Balance",
        "Services",
        "Top up",
    ]

    await post(client, "/STKGo", {"port": 0, "item": 3})
    prompt = await get(client, "/GetSTKView", port=0)
    assert prompt["input_type"] == 8
    assert "item" not in prompt
    assert prompt["frame_id"] == root["frame_id"] + 1

    await post(client, "/STKGo", {"port": 0, "action": "ok", "param": "1234"})
    done = await get(client, "/GetSTKView", port=0)
    assert done["text"] == "Voucher 1234 accepted"

    await post(client, "/STKGo", {"port": 0, "action": "cancle"})
    assert (await get(client, "/GetSTKView", port=0))["input_type"] == 8
    await post(client, "/STKGo", {"port": 0, "action": "home"})
    frame = await get(client, "/GetSTKCurrFrameIndex", port=0)
    assert frame == {"frame_id": root["frame_id"] + 4}


async def test_calls_cdr_and_pushes(
    sim: DinstarSimulator, client: aiohttp.ClientSession, pushes: Pushes
) -> None:
    seeded = (await post(client, "/api/get_cdr", {}))["cdr"]
    assert len(seeded) == 3
    await sim.missed_call(2, "+380931234567")
    missed = pushes.get_nowait()["missed_call"]
    assert missed == {"time": missed["time"], "port": 2, "number": "+380931234567"}
    cdr = await post(
        client, "/api/get_cdr", {"port": [2], "time_after": missed["time"]}
    )
    assert [c["answer_date"] for c in cdr["cdr"]] == [""]
    await sim.answered_call(1, "+380931234567", duration=30)
    pushed = pushes.get_nowait()["cdr"][0]
    assert (pushed["duration"], pushed["source_number"]) == (30, "+380931234567")
    await sim.device_status("power_off")
    device = pushes.get_nowait()["device"]
    assert device["status"] == "power_off"
    assert device["MAC"] == sim.mac
    assert device["port_number"] == 4


async def test_errors_on_demand_and_broken_box(
    sim: DinstarSimulator, client: aiohttp.ClientSession
) -> None:
    sim.fail("query_sms_in_queue", 500, times=2)
    for _ in range(2):
        assert await get(client, "/api/query_sms_in_queue") == {
            "error_code": 500,
            "sn": sim.serial,
        }
    assert (await get(client, "/api/query_sms_in_queue"))["error_code"] == 200

    sim.http_status_override = 500
    async with client.get("/api/query_sms_in_queue") as response:
        assert response.status == 500


async def test_restart_keeps_the_tcp_port(
    sim: DinstarSimulator, client: aiohttp.ClientSession
) -> None:
    url = sim.url
    await get(client, "/api/query_sms_in_queue")
    await sim.stop()
    with pytest.raises(aiohttp.ClientConnectionError):
        await get(client, "/api/query_sms_in_queue")
    await sim.start()
    assert sim.url == url
    # The rebooted box forgot its nonce: the client is challenged again.
    assert (await get(client, "/api/query_sms_in_queue"))["error_code"] == 200


def test_same_seed_same_gateway() -> None:
    one, two = DinstarSimulator(8, seed=7), DinstarSimulator(8, seed=7)
    assert [p.imei for p in one.ports] == [p.imei for p in two.ports]
    assert [p.iccid for p in one.ports] == [p.iccid for p in two.ports]
    assert all(len(p.imei) == 15 and len(p.imsi) == 15 for p in one.ports)
