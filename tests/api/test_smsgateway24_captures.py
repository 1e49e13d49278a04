"""Every published SmsGateway24 payload goes through the client.

Answers are served over HTTP exactly as the vendor pasted them from its live
service and read by the method that asks for them; webhook sketches (type
placeholders, not JSON) are filled with sample values of their types and
parsed, and refused cleanly as they stand; requests are compared with the
form the client sends.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
import json
from pathlib import Path
import re
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
import pytest

from custom_components.gsm_gateway.api import (
    ClientConfig,
    GatewayAuthError,
    InboundSms,
    PushError,
    SendRequest,
    SmsStatus,
    SmsStatusUpdate,
)
from custom_components.gsm_gateway.api.smsgateway24 import SmsGateway24Client, wire
from custom_components.gsm_gateway.api.smsgateway24.sends import Sent

from .conftest import Stub

CAPTURES = Path(__file__).parents[3] / "shared/api-docs/captures/smsgateway24.json"
CASES: dict[str, dict[str, Any]] = (
    {case["id"]: case for case in json.loads(CAPTURES.read_text())["cases"]}
    if CAPTURES.exists()
    else {}
)
PLUS_TWO = timezone(timedelta(hours=2))

type Check = Callable[[dict[str, Any], SmsGateway24Client, Stub], Awaitable[None]]
CHECKS: dict[str, Check] = {}


def check(*case_ids: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        for case_id in case_ids:
            CHECKS[case_id] = function
        return function

    return register


def serve(stub: Stub, case: dict[str, Any]) -> None:
    stub.answer(case["endpoint"], case["body"])


def logged_in(stub: Stub) -> None:
    stub.answer("/getdata/gettoken", {"error": 0, "token": "t0k", "message": "OK"})


def forms(stub: Stub, endpoint: str) -> list[dict[str, str]]:
    return [
        dict(parse_qsl(body.decode()))
        for _, path, _, body, _ in stub.seen
        if path == f"/getdata/{endpoint}"
    ]


@pytest.fixture
def client(session: aiohttp.ClientSession, stub: Stub) -> SmsGateway24Client:
    return SmsGateway24Client(
        session,
        ClientConfig(
            url=f"{stub.url}/getdata/",
            username="support@smsgateway24.com",
            password="secret",
        ),
    )


# --- gettoken ------------------------------------------------------------------


@check("gettoken-req", "gettoken-resp-ok")
async def _token(case: dict[str, Any], client: SmsGateway24Client, stub: Stub) -> None:
    serve(stub, {**case, "endpoint": "/getdata/gettoken"})
    if case["kind"] == "request":
        logged_in(stub)
    stub.answer("/getdata/getalldevices", {"count": 0, "device": []})
    info = await client.get_info()
    assert info.unique_id == "support@smsgateway24.com"
    [sent] = forms(stub, "gettoken")
    # Same fields as the vendor's example; POSTed as it does.
    assert sorted(sent) == sorted(CASES["gettoken-req"]["body"])
    assert stub.seen[0][0] == "POST"
    [devices] = forms(stub, "getalldevices")
    assert devices["token"] in ("t0k", CASES["gettoken-resp-ok"]["body"]["token"])


@check("gettoken-resp-error")
async def _token_refused(
    case: dict[str, Any], client: SmsGateway24Client, stub: Stub
) -> None:
    serve(stub, case)
    with pytest.raises(GatewayAuthError, match="Login or password incorrect"):
        await client.get_info()


# --- sending -------------------------------------------------------------------


@check("addsms-req", "addsms-resp")
async def _addsms(case: dict[str, Any], client: SmsGateway24Client, stub: Stub) -> None:
    logged_in(stub)
    stub.answer("/getdata/addsms", CASES["addsms-resp"]["body"])
    published = CASES["addsms-req"]["body"]
    device_id, sim = int(published["device_id"]), int(published["sim"])
    result = await client.send_sms(
        SendRequest(
            numbers=(published["sendto"],),
            text=published["body"],
            ports=(device_id * 10 + sim,),
            send_at=datetime(2021, 8, 1, 12, 0, tzinfo=UTC),
            urgent=True,
        )
    )
    [ours] = forms(stub, "addsms")
    assert sorted(ours) == sorted(published)
    assert ours["sendto"] == "+4915752982212"
    assert ours["body"] == published["body"]
    assert (ours["device_id"], ours["sim"], ours["urgent"]) == ("260", "0", "1")
    assert ours["timetosend"] == "2021-08-01 12:00:00"
    assert int(ours["customerid"]) > 0
    [message] = result.messages
    assert message.message_id == ours["customerid"]
    assert (message.port, message.status) == (2600, SmsStatus.QUEUED)
    # The sms_id answered is what a single followed message is asked by.
    stub.answer("/getdata/getsmsstatus", CASES["getsmsstatus-resp"]["body"])
    assert await client.fetch_sms_statuses() == []
    [asked] = forms(stub, "getsmsstatus")
    assert asked["sms_id"] == str(CASES["addsms-resp"]["body"]["sms_id"])


@check("addalotofsms-req", "addalotofsms-resp")
async def _bulk(case: dict[str, Any], client: SmsGateway24Client, stub: Stub) -> None:
    logged_in(stub)
    stub.answer("/getdata/addalotofsms", CASES["addalotofsms-resp"]["body"])
    published = json.loads(CASES["addalotofsms-req"]["body"]["datajson"])
    theirs = published["smsdata"]
    result = await client.send_sms(
        SendRequest(
            numbers=(*(item["sendto"] for item in theirs), "+380 50 123 45 67"),
            text=theirs[0]["body"],
            ports=(2600,),
            send_at=datetime(2019, 7, 1, 23, 50, tzinfo=UTC),
            urgent=True,
        )
    )
    assert result.requests == 2  # the login, and one request for all numbers
    [form] = forms(stub, "addalotofsms")
    assert list(form) == ["datajson"]
    ours = json.loads(form["datajson"])
    assert sorted(ours) == sorted(published)
    assert ours["token"] == "t0k"
    assert len(ours["smsdata"]) == 3
    for mine in ours["smsdata"]:
        assert set(theirs[0]) <= set(mine)
        assert mine["timetosend"] == theirs[0]["timetosend"]
        assert (mine["device_id"], mine["sim"], mine["urgent"]) == (260, 0, 1)
    assert ours["smsdata"][2]["sendto"] == "+380501234567"
    # No ids come back: our customerid is the message id.
    assert [m.message_id for m in result.messages] == [
        str(item["customerid"]) for item in ours["smsdata"]
    ]


# --- reading messages ------------------------------------------------------------


@check("getallsms-req", "getallsms-resp")
async def _getallsms(
    case: dict[str, Any], client: SmsGateway24Client, stub: Stub
) -> None:
    logged_in(stub)
    answer = CASES["getallsms-resp"]["body"]
    stub.answer("/getdata/getallsms", answer)
    items = list(answer["smss"].values())
    client._clock = lambda: datetime(2021, 7, 11, 12, tzinfo=UTC).timestamp()
    # A message followed without its sms_id: found by its customerid.
    client.restore_state(
        {
            "pending": [
                Sent(
                    customer_id=19921,
                    number="+4915752982212",
                    port=2600,
                    delivery_report=True,
                    created=datetime(2021, 7, 11, 11, 4, tzinfo=UTC).timestamp(),
                ).as_dict()
            ]
        }
    )
    assert client.has_pending_sends()
    assert await client.fetch_sms_statuses() == []  # status 1 is still "queued"
    [form] = forms(stub, "getallsms")
    assert set(form) <= set(CASES["getallsms-req"]["body"]) | {"timezone", "token"}
    assert form["device_id"] == "260"
    assert form["begindate"] == "2021-07-10 11:04:00"
    # None of them is incoming: the inbox finds nothing, and asks for status 5.
    assert await client.fetch_inbox(0) == []
    assert forms(stub, "getallsms")[1]["status"] == "5"
    # Reading the items themselves: zones, shifted times, booleans, nulls.
    messages = {m.id: m for m in map(wire.message, items) if m is not None}
    assert len(messages) == answer["count"] == 6
    urgent = messages[22074938]
    assert urgent.urgent is True
    assert urgent.customer_id == 19921
    assert urgent.time_to_send == datetime(2021, 8, 1, 14, tzinfo=PLUS_TWO)
    assert urgent.time_to_send == datetime(2021, 8, 1, 12, tzinfo=UTC)
    assert urgent.created == datetime(2021, 7, 11, 13, 4, 46, tzinfo=PLUS_TWO)
    assert messages[22078325].customer_id is None  # 0: none given
    assert messages[22074698].urgent is False  # null
    assert messages[22078326].body == "test message 2 "
    assert {m.status for m in messages.values()} == {SmsStatus.QUEUED}


@check("getsmsstatus-req", "getsmsstatus-resp")
async def _getsmsstatus(
    case: dict[str, Any], client: SmsGateway24Client, stub: Stub
) -> None:
    logged_in(stub)
    answer = {**CASES["getsmsstatus-resp"]["body"], "status": 7}
    stub.answer("/getdata/getsmsstatus", answer)
    sms_id = int(CASES["getsmsstatus-req"]["body"]["sms_id"])
    sent = Sent(
        customer_id=5,
        number="+4915752982212",
        port=2600,
        delivery_report=True,
        created=datetime.now(UTC).timestamp(),
        sms_id=sms_id,
    )
    client.restore_state({"pending": [sent.as_dict()]})
    [update] = await client.fetch_sms_statuses()
    assert update == SmsStatusUpdate(
        message_id="5",
        number="+4915752982212",
        port=2600,
        status=SmsStatus.DELIVERED,
        sequence="5|delivered",
    )
    [form] = forms(stub, "getsmsstatus")
    assert sorted(form) == sorted(CASES["getsmsstatus-req"]["body"])
    assert not client.has_pending_sends()


# --- phones --------------------------------------------------------------------


@check("getalldevices-resp")
async def _devices(
    case: dict[str, Any], client: SmsGateway24Client, stub: Stub
) -> None:
    logged_in(stub)
    serve(stub, case)
    client._clock = lambda: datetime(2020, 4, 23, 17, 5, tzinfo=UTC).timestamp()
    state = await client.poll()
    assert sorted(state.devices) == ["1297", "1576"]
    emulator = state.devices["1576"]
    assert emulator.name == "AOSP_on_IA_Emulator"
    assert emulator.firmware == "12.1.21"
    assert emulator.serial_number == "EMULATOR30X0X5X0"
    assert emulator.last_seen == datetime(2020, 4, 23, 17, 2, 21, tzinfo=UTC)
    assert emulator.online is True  # seen 3 minutes ago
    assert emulator.extra["imei"] == "358240051111110"
    sdk = state.devices["1297"]
    assert sdk.online is False  # seen 3 days ago
    assert sdk.extra["imei"] is None  # the string "null"
    assert sdk.serial_number is None  # "unknown"
    assert sorted(state.ports) == ["1297_0", "1576_0"]
    sim = state.ports["1576_0"]
    assert (sim.number, sim.slot, sim.parent_key, sim.roaming) == (
        15760,
        None,  # each slot is a port of its own
        "1576",
        False,
    )
    assert sim.sim is not None
    assert sim.sim.phone_number == "15555215554"  # leading space gone
    assert sim.sim.operator == "Android (T-Mobile)"
    assert sim.sim.iccid == "89014103211118510720"
    roaming = state.ports["1297_0"]
    assert roaming.roaming is True
    assert roaming.sim is not None
    assert roaming.sim.iccid == "8949226172233934327"  # 19 digits


@check("getdevicestatus-req", "getdevicestatus-resp")
async def _device_status(
    case: dict[str, Any], client: SmsGateway24Client, stub: Stub
) -> None:
    logged_in(stub)
    serve(stub, CASES["getdevicestatus-resp"])
    phone = await client.get_device_status(260)
    assert phone.online is False
    assert phone.title == "SM-F NIK!"
    assert phone.last_seen == datetime(2020, 8, 11, 14, 9, 53, tzinfo=UTC)
    [form] = forms(stub, "getdevicestatus")
    assert sorted(form) == sorted(CASES["getdevicestatus-req"]["body"])


# --- contact lists and newsletters -------------------------------------------------


@check("savetag-resp")
async def _savetag(
    case: dict[str, Any], client: SmsGateway24Client, stub: Stub
) -> None:
    logged_in(stub)
    serve(stub, case)
    assert await client.create_contact_list("Colleagues") == "1009"
    assert forms(stub, "savetag")[0]["title"] == "Colleagues"


@check("savecontact-req", "savecontact-resp")
async def _savecontact(
    case: dict[str, Any], client: SmsGateway24Client, stub: Stub
) -> None:
    logged_in(stub)
    serve(stub, CASES["savecontact-resp"])
    published = CASES["savecontact-req"]["body"]
    contact = await client.add_contact(
        published["tag_id"], published["phone"], published["fullname"]
    )
    assert contact == "566706"
    [form] = forms(stub, "savecontact")
    assert set(published) <= set(form)
    assert form["tag_id"] == form["ctag_id"] == "1009"
    assert form["phone"] == "+4915752982212"


@check("savepaket-resp")
async def _savepaket(
    case: dict[str, Any], client: SmsGateway24Client, stub: Stub
) -> None:
    logged_in(stub)
    serve(stub, case)
    newsletter = await client.send_newsletter(
        ["1009", "1010"], "Hello", title="News", port=2601
    )
    assert newsletter == "1011"  # answered as tag_id
    [form] = forms(stub, "savepaket")
    assert (form["tags"], form["device_id"], form["sim"]) == ("1009,1010", "260", "1")
    assert "time_to_send" not in form  # as the vendor's example


# --- webhooks ------------------------------------------------------------------

_BY_TYPE = {
    "int (0 or 1)": "1",
    "devicename": '"Pixel 7"',
    "datetime": '"2026-01-15 10:30:00"',
    "string": '"x"',
    "int": "5",
}
_BY_KEY = {
    "sms_id": "22074698",
    "status_id": "7",
    "device_id": "260",
    "channel_id": "1",
    "sim": "1",
    "body": '"Hello"',
    "sendto": '"+4915752982212"',
}


def filled(sketch: str) -> bytes:
    """A vendor type sketch with a sample value of each field's type."""
    types = "|".join(re.escape(name) for name in _BY_TYPE)

    def sample(match: re.Match[str]) -> str:
        key, kind = match.group(1), match.group(2)
        if key == "address":  # typed int on the older page, string on the current
            value = "4915752982212" if kind == "int" else '"+4915752982212"'
        else:
            value = _BY_KEY.get(key, _BY_TYPE[kind])
        return f'"{key}": {value}'

    return re.sub(rf'"(\w+)": ({types})(?=\s*[,\n}}])', sample, sketch).encode()


@check("webhook-delivery-schema-current", "webhook-delivery-schema-older")
async def _delivery_hook(
    case: dict[str, Any], client: SmsGateway24Client, stub: Stub
) -> None:
    with pytest.raises(PushError):
        client.parse_push(case["body"].encode(), "application/json")
    followed = Sent(
        customer_id=7,
        number="+4915752982212",
        port=2601,
        delivery_report=True,
        created=datetime.now(UTC).timestamp(),
        sms_id=22074698,
    )
    client.restore_state({"pending": [followed.as_dict()]})
    body = filled(case["body"])
    push = client.parse_push(body, "application/json")
    assert push.kind == "delivery"
    [update] = push.events
    assert isinstance(update, SmsStatusUpdate)
    assert (update.message_id, update.status) == ("7", SmsStatus.DELIVERED)
    # The same report again changes nothing.
    assert client.parse_push(body, "application/json").events == ()


@check(
    "webhook-incoming-schema-current",
    "webhook-incoming-schema-older",
)
async def _incoming_hook(
    case: dict[str, Any], client: SmsGateway24Client, stub: Stub
) -> None:
    with pytest.raises(PushError):
        client.parse_push(case["body"].encode(), "application/json")
    push = client.parse_push(filled(case["body"]), "application/json")
    [message] = push.events
    assert isinstance(message, InboundSms)
    assert (message.message_id, message.sequence) == ("22074698", 22074698)
    # The older page types the sender as an int: read as text all the same.
    sender = "4915752982212" if case["id"].endswith("older") else "+4915752982212"
    assert (message.sender, message.text) == (sender, "Hello")
    assert message.timestamp == datetime(2026, 1, 15, 10, 30, tzinfo=UTC)
    assert message.port == 2601  # device 260, SIM 1 (channel_id or sim)


@check("webhook-article-examples-contradict")
async def _article(
    case: dict[str, Any], client: SmsGateway24Client, stub: Stub
) -> None:
    delivery, incoming = (
        "{" + part if not part.startswith("{") else part
        for part in case["body"].split("}\n{")
    )
    delivery += "}"
    # Ids that are not the numeric SMS id cannot be matched: refused cleanly.
    with pytest.raises(PushError):
        client.parse_push(delivery.encode(), "application/json")
    push = client.parse_push(incoming.encode(), "application/json")
    [message] = push.events
    assert isinstance(message, InboundSms)
    assert (message.sender, message.port) == ("+1234567890", None)
    assert message.text == "Hello, I need help with my order"
    assert message.timestamp == datetime(2026, 1, 15, 10, 31, tzinfo=UTC)


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
async def test_capture(case_id: str, client: SmsGateway24Client, stub: Stub) -> None:
    case = CASES[case_id]
    assert case["source"]
    await CHECKS[case_id](case, client, stub)
