"""The OpenVox client against the simulated gateway, and every OpenVox capture."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import pytest
from yarl import URL

from custom_components.gsm_gateway.api import (
    ClientConfig,
    ForeignPushError,
    GatewayAuthError,
    GatewayBadRequestError,
    GatewayBusyError,
    GatewayConnectionError,
    GatewayRefusedError,
    GatewayResponseError,
    InboundSms,
    PushError,
    SendRequest,
    SmsStatus,
    SmsStatusUpdate,
)
from custom_components.gsm_gateway.api.openvox import OpenVoxClient
from simulator.openvox import OpenVoxSimulator

CAPTURES = Path(__file__).parents[3] / "shared/api-docs/captures/openvox.json"
CASES: dict[str, dict[str, Any]] = (
    {case["id"]: case for case in json.loads(CAPTURES.read_text())["cases"]}
    if CAPTURES.exists()
    else {}
)
needs_captures = pytest.mark.skipif(not CASES, reason="shared/ captures not present")


@pytest.fixture
def span_count() -> int:
    """Spans of the simulated gateway; 8 where a capture names port 5."""
    return 4


@pytest.fixture
async def gateway(
    socket_enabled: None, span_count: int
) -> AsyncGenerator[OpenVoxSimulator]:
    """An OpenVox gateway with 4 spans (numbered from 2), admin/admin."""
    sim = OpenVoxSimulator(span_count, seed=3, timezone=UTC)
    await sim.start(host="127.0.0.1", port=0)
    yield sim
    await sim.stop()


def _client(
    session: aiohttp.ClientSession,
    sim: OpenVoxSimulator,
    *,
    password: str = "admin",
    **options: Any,
) -> OpenVoxClient:
    return OpenVoxClient(
        session,
        ClientConfig(url=sim.url, username="admin", password=password),
        timezone=UTC,
        **options,
    )


def _query(url: str) -> dict[str, str]:
    """What Home Assistant's webhook hands the client: the decoded query."""
    return dict(URL(url, encoded=True).query)


async def test_info_and_spans(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> None:
    gateway.spans[1].available = False
    client = _client(session, gateway)

    info = await client.get_info()
    state = await client.poll()

    assert info.unique_id == f"openvox-127.0.0.1:{URL(gateway.url).port}"
    assert info.identity_is_address
    assert info.port_count == 4
    assert [(p.number, p.name, p.available) for p in state.ports.values()] == [
        (2, "gsm-1.1", True),
        (3, "gsm-1.2", False),
        (4, "gsm-1.3", True),
        (5, "gsm-1.4", True),
    ]
    assert client.requests_made == 2
    assert gateway.requests[0][1] == {"username": "admin", "password": "admin"}


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (400, GatewayBadRequestError),
        (401, GatewayAuthError),
        (403, GatewayRefusedError),
        (503, GatewayBusyError),
        (599, GatewayRefusedError),
    ],
)
async def test_codes_map_to_errors(
    session: aiohttp.ClientSession,
    gateway: OpenVoxSimulator,
    code: int,
    error: type[Exception],
) -> None:
    gateway.fail("/sms/get_valid_spans", code)

    with pytest.raises(error, match="injected failure"):
        await _client(session, gateway).poll()


async def test_wrong_password(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> None:
    with pytest.raises(GatewayAuthError):
        await _client(session, gateway, password="nope").get_info()


async def test_not_the_api(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> None:
    """A URL that is not the gateway's API says so."""
    client = OpenVoxClient(
        session, ClientConfig(url=f"{gateway.url}/elsewhere", username="admin")
    )
    with pytest.raises(GatewayResponseError, match="HTTP 404"):
        await client.get_info()


async def test_unreachable(session: aiohttp.ClientSession) -> None:
    client = OpenVoxClient(
        session, ClientConfig(url="http://127.0.0.1:9", username="a", timeout=2)
    )
    with pytest.raises(GatewayConnectionError):
        await client.get_info()


async def test_send_spreads_numbers_over_free_spans(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> None:
    gateway.spans[0].available = False
    client = _client(session, gateway)
    await client.poll()

    result = await client.send_sms(
        SendRequest(numbers=("+1001", "+1002", "+1003", "+1004"), text="Привіт")
    )

    assert [m.port for m in result.messages] == [3, 4, 5, 3]
    assert {m.status for m in result.messages} == {SmsStatus.QUEUED}
    assert result.requests == 4
    sends = [body for path, body in gateway.requests if path == "/sms/send"]
    assert [body["spans"] for body in sends] == [[3], [4], [5], [3]]
    assert {body["mode"] for body in sends} == {0}
    assert client.has_pending_sends()


async def test_send_through_named_spans(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> None:
    client = _client(session, gateway)
    result = await client.send_sms(SendRequest(numbers=("+1",), text="x", ports=(4,)))
    assert result.messages[0].port == 4


async def test_synchronous_send_tells_the_outcome(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> None:
    client = _client(session, gateway, synchronous_send=True)

    result = await client.send_sms(SendRequest(numbers=("+1001", "+7000"), text="x"))

    assert [m.status for m in result.messages] == [SmsStatus.SENT, SmsStatus.FAILED]
    assert {body.get("mode") for _p, body in gateway.requests if _p == "/sms/send"} == {
        1
    }


async def test_no_free_span(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> None:
    for span in gateway.spans:
        span.available = False
    client = _client(session, gateway)

    with pytest.raises(GatewayBusyError):
        await client.send_sms(SendRequest(numbers=("+1",), text="x"))
    # A span named by the caller is asked anyway: the gateway answers 503.
    with pytest.raises(GatewayBusyError):
        await client.send_sms(SendRequest(numbers=("+1",), text="x", ports=(2,)))


async def test_partial_refusal_names_each_number(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> None:
    client = _client(session, gateway)
    await client.poll()
    gateway.fail("/sms/send", 500)

    result = await client.send_sms(SendRequest(numbers=("+1", "+2"), text="x"))

    assert [(m.number, m.status) for m in result.messages] == [
        ("+1", SmsStatus.FAILED),
        ("+2", SmsStatus.QUEUED),
    ]
    gateway.fail("/sms/send", 500, times=2)
    with pytest.raises(GatewayRefusedError):
        await client.send_sms(SendRequest(numbers=("+1", "+2"), text="x"))


async def test_too_long_is_refused_before_sending(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> None:
    client = _client(session, gateway)
    with pytest.raises(GatewayBadRequestError):
        await client.send_sms(SendRequest(numbers=("+1",), text="Ж" * 700))
    with pytest.raises(GatewayBadRequestError):
        await client.send_sms(SendRequest(numbers=(), text="x"))
    assert client.requests_made == 0


async def test_outbox_fills_what_pushes_missed(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> None:
    """Results and reports read from the outbox name our message, once each."""
    client = _client(session, gateway)
    await client.poll()
    result = await client.send_sms(
        SendRequest(numbers=("+1001", "+2000", "+3999"), text="hello")
    )
    ids = {m.number: m.message_id for m in result.messages}
    await gateway.complete(report=False)

    first = await client.fetch_sms_statuses()
    for record in gateway.outbox:
        if record.status == "SENT":
            await gateway.deliver(record)
    second = await client.fetch_sms_statuses()
    third = await client.fetch_sms_statuses()

    assert sorted((u.number, u.status, u.message_id) for u in first) == [
        ("+1001", SmsStatus.SENT, ids["+1001"]),
        ("+2000", SmsStatus.FAILED, ids["+2000"]),
        ("+3999", SmsStatus.SENT, ids["+3999"]),
    ]
    assert [(u.number, u.status) for u in second] == [("+1001", SmsStatus.DELIVERED)]
    assert third == []
    # The undelivered number stays followed until its report wait ends.
    assert client.has_pending_sends()


async def test_outbox_pages(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> None:
    client = _client(session, gateway)
    await client.poll()
    await client.send_sms(
        SendRequest(numbers=tuple(f"+1{n:03}" for n in range(25)), text="x")
    )
    await gateway.complete(report=False)
    before = client.requests_made

    updates = await client.fetch_sms_statuses()

    assert len(updates) == 25
    pages = [b["current_page"] for p, b in gateway.requests if p == "/smsoutbox/get"]
    assert pages == [1, 2, 3]  # 10, 10, 5: the short page is the last
    assert client.requests_made - before == 3
    assert "start_datetime_filter" in gateway.requests[-1][1]
    records = await client.get_outbox(
        number="+1001", until=datetime.now(UTC).replace(year=2099)
    )
    assert [r["phonenumber"] for r in records] == ["+1001"]


async def test_followed_sends_survive_a_restart(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> None:
    old = _client(session, gateway)
    result = await old.send_sms(SendRequest(numbers=("+1001",), text="x"))
    state = old.export_state()

    new = _client(session, gateway)
    new.restore_state({"pending": [*state["pending"], {"message_id": "broken"}]})
    new.restore_state({"pending": "not a list"})
    await gateway.complete(report=False)
    updates = await new.fetch_sms_statuses()

    assert [(u.message_id, u.status) for u in updates] == [
        (result.messages[0].message_id, SmsStatus.SENT)
    ]
    assert new.export_state()["pending"][0]["status"] == "sent"


async def test_push_settings(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> None:
    client = _client(session, gateway)
    own = await client.read_push_settings()

    assert await client.configure_push("http://192.168.1.10:8123/api/webhook/abc")
    assert (
        gateway.push_config
        | {
            "enable": 1,
            "url_host": "192.168.1.10",
            "url_port": "8123",
            "url_path": "/api/webhook/abc",
            "url_from_num": "phonenumber",
            "url_to_num": "port",
            "url_status": "status",
        }
        == gateway.push_config
    )
    await client.restore_push_settings(own)
    assert gateway.push_config == own


# --- pushes ----------------------------------------------------------------------


async def _pointed(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> OpenVoxClient:
    client = _client(session, gateway)
    await client.poll()
    await client.configure_push("http://192.168.1.10:8123/api/webhook/abc")
    gateway.drop_pushes = True  # the URLs are kept, not sent
    return client


async def test_incoming_push_as_the_firmware_builds_it(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> None:
    client = await _pointed(session, gateway)
    await gateway.receive_sms(4, "+380501234567", "Код 1234 & більше: 100%")
    url = gateway.pushes_sent[-1]["url"]

    push = client.parse_push(b"", None, _query(url))

    assert url.startswith("http://192.168.1.10:8123/api/webhook/abc?phonenumber=%2B380")
    assert url.endswith("&via=gsm_gateway&")
    (message,) = push.events
    assert isinstance(message, InboundSms)
    assert push.kind == "sms"
    assert (message.port, message.sender, message.text) == (
        4,
        "+380501234567",
        "Код 1234 & більше: 100%",
    )
    assert message.imsi == gateway.spans[2].imsi
    # The same push again is the same message.
    assert client.parse_push(b"", None, _query(url)).events == push.events


async def test_result_and_report_pushes_name_our_message(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> None:
    client = await _pointed(session, gateway)
    result = await client.send_sms(SendRequest(numbers=("+4917012345",), text="x"))
    await gateway.complete()
    result_url, report_url = (p["url"] for p in gateway.pushes_sent)

    sent = client.parse_push(b"", None, _query(result_url))
    delivered = client.parse_push(b"", None, _query(report_url))

    assert "&type=SMS-Status-Result&status=Sent&" in result_url
    assert "status=Message%20received%20on%20handset&cause=0&" in report_url
    assert (sent.kind, delivered.kind) == ("sms_result", "sms_report")
    message_id = result.messages[0].message_id
    assert [(u.message_id, u.number, u.status) for u in sent.events] == [  # type: ignore[union-attr]
        (message_id, "+4917012345", SmsStatus.SENT)
    ]
    assert [(u.message_id, u.status) for u in delivered.events] == [  # type: ignore[union-attr]
        (message_id, SmsStatus.DELIVERED)
    ]
    # Told again (a repeated push): nothing new.
    assert client.parse_push(b"", None, _query(report_url)).events == ()


async def test_status_of_a_message_sent_elsewhere(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> None:
    client = await _pointed(session, gateway)
    query = {
        "phonenumber": "10086",
        "port": "1",
        "type": "SMS-Status-Report",
        "status": "Message not received on handset",
        "time": "2018/12/29 17:47:34",
    }

    (update,) = client.parse_push(b"", None, query).events

    assert isinstance(update, SmsStatusUpdate)
    assert (update.message_id, update.port, update.status) == (
        None,
        2,
        SmsStatus.UNDELIVERED,
    )
    assert update.timestamp == datetime(2018, 12, 29, 17, 47, 34, tzinfo=UTC)
    assert update.sequence is not None


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"phonenumber": "1"},
        {"port": "1"},
        {"phonenumber": "1", "port": "1", "type": "SMS-Other"},
        {"phonenumber": "1", "port": "1", "type": "SMS-Status-Result", "status": "?"},
    ],
)
async def test_malformed_pushes(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator, query: dict[str, str]
) -> None:
    client = await _pointed(session, gateway)
    with pytest.raises(PushError):
        client.parse_push(b"", None, query)


async def test_foreign_push(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> None:
    """A port this gateway does not have is another gateway's push."""
    client = await _pointed(session, gateway)
    with pytest.raises(ForeignPushError):
        client.parse_push(b"", None, {"phonenumber": "1", "port": "9", "message": "x"})


async def test_form_post_push(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> None:
    client = await _pointed(session, gateway)
    push = client.parse_push(
        b"phonenumber=%2B1&port=2&message=hi&time=2026-01-02+03%3A04%3A05",
        "application/x-www-form-urlencoded",
    )
    (message,) = push.events
    assert isinstance(message, InboundSms)
    assert (message.port, message.text) == (3, "hi")
    assert message.timestamp == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with pytest.raises(PushError):
        client.parse_push(b"\xff\xfe", None)


async def test_plus_lost_in_a_raw_value(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> None:
    """Result pushes are not URL-encoded: `+49...` arrives as ` 49...`."""
    client = await _pointed(session, gateway)
    result = await client.send_sms(SendRequest(numbers=("+4917012345",), text="x"))
    query = _query(
        "http://h/?phonenumber=+4917012345&port=1&id=1&type=SMS-Status-Result&status=Fail&"
    )
    (update,) = client.parse_push(b"", None, query).events
    assert isinstance(update, SmsStatusUpdate)
    assert update.number == "+4917012345"
    assert (update.message_id, update.status) == (
        result.messages[0].message_id,
        SmsStatus.FAILED,
    )


# --- the captures ----------------------------------------------------------------


@needs_captures
async def test_capture_vendor_sample(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> None:
    """The firmware developer's test URL, broken escape and slashes in the time."""
    case = CASES["push-incoming-vendor-sample"]
    client = await _pointed(session, gateway)

    (message,) = client.parse_push(b"", None, _query(case["body"])).events

    assert isinstance(message, InboundSms)
    assert message.sender == "10086"
    assert message.port == 4  # channel 3 is the third span
    assert message.text.startswith("Just20%Do")
    assert message.timestamp == datetime(2017, 8, 22, 16, 23, 26, tzinfo=UTC)


@needs_captures
async def test_capture_factory_default_is_not_ours(
    session: aiohttp.ClientSession, gateway: OpenVoxSimulator
) -> None:
    """A gateway left at its factory names (`key=...`) is refused, not guessed."""
    case = CASES["push-incoming-url-default"]
    client = await _pointed(session, gateway)
    url = case["body"].replace("${from}", "10086").replace("${to}", "1")
    with pytest.raises(PushError):
        client.parse_push(b"", None, dict(parse_qsl(urlsplit(url).query)))


@needs_captures
async def test_capture_template_is_what_the_simulator_builds(
    gateway: OpenVoxSimulator,
) -> None:
    """The incoming URL template of the firmware, filled in by the simulator."""
    template = CASES["push-incoming-url-template"]["body"]
    gateway.push_config.update(
        url_http="http",
        url_host="h",
        url_port="80",
        url_path="/p",
        url_from_num="f",
        url_to_num="t",
        url_portname="pn",
        url_message="m",
        url_time="tm",
        url_imsi="i",
        url_user_defined="u=1",
    )
    expected = (
        template.replace("{url_http}", "http")
        .replace("{url_host}", "h")
        .replace("{url_port}", "80")
        .replace("/{url_path}", "/p")
        .replace("{url_from_num}", "f")
        .replace("{url_to_num}", "t")
        .replace("{url_portname}", "pn")
        .replace("{url_message}", "m")
        .replace("{url_time}", "tm")
        .replace("{url_imsi}", "i")
        .replace("{url_user_defined}", "u=1")
    )
    built = gateway.push_url(
        [
            ("url_from_num", "${phonenumber}"),
            ("url_to_num", "${port}"),
            ("url_portname", "${portname}"),
            ("url_message", "${message}"),
            ("url_time", "${time}"),
            ("url_imsi", "${imsi}"),
        ]
    )
    assert built == expected + "&"


@needs_captures
@pytest.mark.parametrize("span_count", [8])
@pytest.mark.parametrize(
    ("case_id", "status"),
    [
        ("push-result-usage-example", SmsStatus.SENT),
        ("push-report-usage-example", SmsStatus.DELIVERED),
    ],
)
async def test_capture_result_and_report(
    session: aiohttp.ClientSession,
    gateway: OpenVoxSimulator,
    case_id: str,
    status: SmsStatus,
) -> None:
    """The firmware's field lists, put on the wire as its Lua scripts do."""
    fields = dict(
        line.split(": ", 1)
        for line in CASES[case_id]["body"].split(" \n")
        if ": " in line
    )
    client = await _pointed(session, gateway)
    raw = (
        f"http://h/p?phonenumber={fields['Number']}&port={fields['Port'].strip()}"
        + (f"&id={fields['ID']}" if fields.get("ID", "").strip() else "")
        + f"&imsi=&message=&time={fields['Time'].strip().replace(' ', '%20')}"
        + f"&type={fields['Type'].strip()}&status={fields['Status'].replace(' ', '%20')}"
        + ("&cause=0" if "Report" in fields["Type"] else "")
        + "&"
    )
    (update,) = client.parse_push(b"", None, _query(raw)).events
    assert isinstance(update, SmsStatusUpdate)
    assert update.status is status
    assert update.number == fields["Number"].strip()


@needs_captures
def test_capture_legacy_report_is_not_the_post_api() -> None:
    """The older GET API's report: our client never asks for it (and it is broken JSON)."""
    with pytest.raises(json.JSONDecodeError):
        json.loads(CASES["legacy-sendsms-json-report"]["body"])
