"""Every published or captured Dinstar payload goes through the client.

Responses are served to the client over HTTP exactly as published (invalid
JSON and all) and read through the method that asks for them; pushes go
through `parse_push`; requests are compared with what the client sends.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.gsm_gateway.api import (
    CallEvent,
    CallEventState,
    CallRecord,
    ForeignPushError,
    GatewayBadRequestError,
    GatewayRefusedError,
    GatewayStatusChange,
    InboundSms,
    PortStatusChange,
    Registration,
    SendRequest,
    SmsStatus,
    SmsStatusUpdate,
)

from .conftest import ClientFactory, Stub

CAPTURES = Path(__file__).parents[3] / "shared/api-docs/captures/dinstar.json"
CASES: dict[str, dict[str, Any]] = (
    {case["id"]: case for case in json.loads(CAPTURES.read_text())["cases"]}
    if CAPTURES.exists()
    else {}
)

type Check = Callable[[dict[str, Any], ClientFactory, Stub], Awaitable[None]]
CHECKS: dict[str, Check] = {}


def check(*case_ids: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        for case_id in case_ids:
            CHECKS[case_id] = function
        return function

    return register


def serve(stub: Stub, case: dict[str, Any], path: str | None = None) -> None:
    """Answer the case's endpoint with its body exactly as published."""
    stub.answer(path or case["endpoint"], case["body"])


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


# --- requests ------------------------------------------------------------------


@check(
    "send-sms-req-minimal",
    "send-sms-req-typical-v201910",
    "send-sms-req-with-sn-in-param",
)
async def _send_request(
    case: dict[str, Any], make_client: ClientFactory, stub: Stub
) -> None:
    published = case["body"]
    stub.answer("/api/send_sms", {"error_code": 202, "task_id": 1})
    numbers = tuple(item["number"] for item in published["param"])
    ports = tuple(published["port"]) if "port" in published else None
    await make_client(stub.url).send_sms(
        SendRequest(numbers=numbers, text=published["text"], ports=ports)
    )
    [ours] = stub.bodies("/api/send_sms")
    assert ours["text"] == published["text"]
    assert ours.get("port") == published.get("port")
    assert [p["number"] for p in ours["param"]] == list(numbers)
    for theirs, mine in zip(published["param"], ours["param"], strict=True):
        # Every key the gateway accepted from them, we send in the same type.
        for key in set(theirs) & {"number", "user_id"}:
            assert type(mine[key]) is type(theirs[key])
        assert isinstance(mine["user_id"], int)
    assert isinstance(ours["request_status_report"], bool)
    assert ours["encoding"] == "gsm-7bit"


@check("query-incoming-sms-req-real-client")
async def _inbox_request(
    case: dict[str, Any], make_client: ClientFactory, stub: Stub
) -> None:
    # That client reads with a misspelled flag (read as the default "unread",
    # which marks messages read); we always ask for "all" after an id.
    assert case["query"]["flag"] != "all"
    stub.answer("/api/query_incoming_sms", {"error_code": 200, "sms": []})
    assert await make_client(stub.url).fetch_inbox(41) == []
    [(method, _, query, _, _)] = stub.seen
    assert method == case["method"]
    assert query == {"flag": "all", "incoming_sms_id": "41"}


# --- responses -----------------------------------------------------------------


@check("send-sms-resp-202-real", "send-sms-resp-202-v201910")
async def _send_response(
    case: dict[str, Any], make_client: ClientFactory, stub: Stub
) -> None:
    serve(stub, case)
    client = make_client(stub.url)
    result = await client.send_sms(SendRequest(numbers=("+355694123456",), text="x"))
    assert result.task_ids == (case["body"]["task_id"],)
    [message] = result.messages
    assert message.status is SmsStatus.QUEUED
    assert message.message_id is not None
    assert client.serial == case["body"]["sn"]


@check("send-ussd-resp-202-port-busy", "send-ussd-resp-202-not-registered")
async def _ussd_refused(
    case: dict[str, Any], make_client: ClientFactory, stub: Stub
) -> None:
    serve(stub, case)
    [result] = case["body"]["result"]
    with pytest.raises(GatewayRefusedError) as err:
        await make_client(stub.url).send_ussd(result["port"], "*100#", timeout=5)
    assert err.value.code == result["status"]
    assert not any(s[1] == "/api/query_ussd_reply" for s in stub.seen)


@check(
    "send-ussd-resp-202-sent",
    "send-ussd-resp-202-no-result",
    "send-ussd-resp-with-sn-v2019",
)
async def _ussd_accepted(
    case: dict[str, Any], make_client: ClientFactory, stub: Stub
) -> None:
    serve(stub, case)
    sent = [r["port"] for r in case["body"].get("result", []) if r["status"] == 200]
    port = sent[0] if sent else 0
    stub.answer(
        "/api/query_ussd_reply",
        {"error_code": 200, "reply": [{"port": port, "text": "OK"}]},
    )
    reply = await make_client(stub.url).send_ussd(port, "*100#", timeout=5)
    assert (reply.port, reply.text) == (port, "OK")
    refused = [r for r in case["body"].get("result", []) if r["status"] != 200]
    for result in refused:
        with pytest.raises(GatewayRefusedError) as err:
            await make_client(stub.url).send_ussd(result["port"], "*100#", timeout=5)
        assert err.value.code == result["status"]


@check("send-ussd-resp-400")
async def _ussd_400(
    case: dict[str, Any], make_client: ClientFactory, stub: Stub
) -> None:
    serve(stub, case)
    with pytest.raises(GatewayBadRequestError, match="400"):
        await make_client(stub.url).send_ussd(0, "*100#", timeout=5)


@check("query-ussd-reply-resp-real-text", "query-ussd-reply-resp-v2019")
async def _ussd_reply(
    case: dict[str, Any], make_client: ClientFactory, stub: Stub
) -> None:
    serve(stub, case)
    replies = case["body"]["reply"]
    for reply in replies:
        stub.answer(
            "/api/send_ussd",
            {"error_code": 202, "result": [{"port": reply["port"], "status": 200}]},
        )
        client = make_client(stub.url)
        if reply["text"].strip():
            answer = await client.send_ussd(reply["port"], "*100#", timeout=5)
            assert answer.text == reply["text"]
        else:
            # " " and "" mean no reply yet: waited for until the timeout.
            with pytest.raises(GatewayRefusedError, match="no USSD reply"):
                await client.send_ussd(reply["port"], "*100#", timeout=0.05)
    assert any(r["text"].strip() for r in replies)


@check("query-sms-in-queue-resp", "query-sms-in-queue-resp-v2019")
async def _in_queue(
    case: dict[str, Any], make_client: ClientFactory, stub: Stub
) -> None:
    serve(stub, case)
    client = make_client(stub.url)
    assert await client.query_sms_in_queue() == case["body"]["in_queue"] == 0
    assert client.serial == case["body"]["sn"]


@check("set-port-info-resp-v2019")
async def _set_port(
    case: dict[str, Any], make_client: ClientFactory, stub: Stub
) -> None:
    assert isinstance(case["body"], str)  # invalid JSON as published
    serve(stub, case)
    client = make_client(stub.url)
    await client.set_power(int(case["query"]["port"]), case["query"]["param"] == "on")
    [(method, _, query, _, _)] = stub.seen
    assert (method, query) == (case["method"], case["query"])
    assert client.serial == "xxxx-xxxx-xxxx-xxxx"


@check("query-incoming-sms-resp-v2019")
async def _inbox(case: dict[str, Any], make_client: ClientFactory, stub: Stub) -> None:
    serve(stub, case)
    [sms] = await make_client(stub.url).fetch_inbox(None)
    assert sms == InboundSms(
        message_id="1",
        port=2,
        sender="123456789",
        text="This is a test",
        timestamp=at("2014-12-09 17:11:18"),
        smsc="+8613800123456",
        sequence=1,
    )


@check("getstkview-resp-doc")
async def _stk_view(
    case: dict[str, Any], make_client: ClientFactory, stub: Stub
) -> None:
    serve(stub, case)
    view = await make_client(stub.url).stk_view(int(case["query"]["port"]))
    assert view.title == "神州行天地"
    assert view.input_type == 2
    assert view.frame_id == 750
    assert [(i.id, i.text) for i in view.items] == [
        (1, "item1_text"),
        (2, "itme2_text"),
        (3, "item 3_text"),
    ]
    assert stub.seen[0][2] == case["query"]


# --- pushes --------------------------------------------------------------------


def push(case: dict[str, Any], make_client: ClientFactory, stub: Stub) -> list[Any]:
    body = case["body"]
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    client = make_client(stub.url)
    parsed = client.parse_push(raw, "application/json")
    assert parsed.kind in raw.decode()
    # The same push claimed by another gateway is foreign.
    client.serial = "ffff-0000-ffff-0000"
    with pytest.raises(ForeignPushError):
        client.parse_push(raw, "application/json")
    return list(parsed.events)


@check("push-sms-v2019")
async def _push_sms(
    case: dict[str, Any], make_client: ClientFactory, stub: Stub
) -> None:
    [sms] = push(case, make_client, stub)
    assert isinstance(sms, InboundSms)
    assert (sms.port, sms.sender, sms.text, sms.sequence) == (1, "6717", "test", 1)
    assert sms.timestamp == at("2016-07-12 15:46:18")
    assert sms.smsc == "+8613800757511"


@check("push-sms-result-imsi-v201910", "push-sms-result-imsi-fixture")
async def _push_result(
    case: dict[str, Any], make_client: ClientFactory, stub: Stub
) -> None:
    [update] = push(case, make_client, stub)
    assert isinstance(update, SmsStatusUpdate)
    assert (update.port, update.number, update.status) == (
        1,
        "10086",
        SmsStatus.DELIVERED,
    )
    assert update.timestamp == at("2016-07-12 01:46:02")
    assert update.sequence is not None
    assert "215" in update.sequence


@check("push-sms-deliver-status-imsi-v201910")
async def _push_delivery(
    case: dict[str, Any], make_client: ClientFactory, stub: Stub
) -> None:
    [update] = push(case, make_client, stub)
    assert isinstance(update, SmsStatusUpdate)
    assert (update.port, update.number, update.status) == (
        1,
        "10086",
        SmsStatus.DELIVERED,
    )
    assert update.timestamp == at("2016-07-12 15:46:53")


@check("push-register-up-multisim", "push-register-down-null-strings")
async def _push_register(
    case: dict[str, Any], make_client: ClientFactory, stub: Stub
) -> None:
    [change] = push(case, make_client, stub)
    assert isinstance(change, PortStatusChange)
    assert (change.port, change.slot) == (8, 2)
    assert change.sim is not None
    assert change.sim.phone_number == "13714637674"
    if "up" in case["id"]:
        assert change.registration is Registration.REGISTERED
        assert change.sim.iccid == "89860040191844710023"
        assert change.sim.imsi == "460004642148063"
    else:
        assert change.registration is Registration.NOT_REGISTERED
        assert (change.sim.iccid, change.sim.imsi) == (None, None)


@check("push-cdr-extra-fields")
async def _push_cdr(
    case: dict[str, Any], make_client: ClientFactory, stub: Stub
) -> None:
    record, ended = push(case, make_client, stub)
    assert isinstance(record, CallRecord)
    assert record.port == 2
    assert record.start == at("2015-07-21 16:35:20")
    assert record.answer == at("2015-07-21 16:35:31")
    assert (record.duration, record.source_number, record.destination_number) == (
        3,
        "1010",
        "6717",
    )
    assert (record.direction, record.hangup) == ("ip->gsm", "called")
    assert record.extra == {"ip": "172.16.100.136", "codec": "G.711U", "gsm_code": 16}
    assert isinstance(ended, CallEvent)
    assert (ended.port, ended.number, ended.state) == (2, "6717", CallEventState.ENDED)
    assert ended.timestamp == at("2015-07-21 16:35:34")


@check("push-device-object")
async def _push_device(
    case: dict[str, Any], make_client: ClientFactory, stub: Stub
) -> None:
    [change] = push(case, make_client, stub)
    assert isinstance(change, GatewayStatusChange)
    assert change.online is False
    assert change.details == {
        "status": "power_off",
        "ip": "192.0.2.142",
        "mac": "AA-BB-CC-DD-EE-FF",
        "port_count": 32,
    }


@pytest.mark.skipif(not CASES, reason=f"captures not found at {CAPTURES}")
def test_every_case_has_a_check() -> None:
    assert sorted(CASES) == sorted(CHECKS)


@pytest.mark.parametrize(
    "case_id",
    sorted(CASES)
    or [
        pytest.param(
            "", marks=pytest.mark.skip(reason=f"captures not found at {CAPTURES}")
        )
    ],
)
async def test_capture(case_id: str, make_client: ClientFactory, stub: Stub) -> None:
    case = CASES[case_id]
    assert case["source"]
    await CHECKS[case_id](case, make_client, stub)


async def test_stub_serves_published_strings_verbatim(stub: Stub, session: Any) -> None:
    # The invalid bodies must reach the client as published, not re-encoded.
    stub.answer("/x", '{"a":1,}')
    async with session.get(stub.url + "/x") as response:
        assert await response.text() == '{"a":1,}'
