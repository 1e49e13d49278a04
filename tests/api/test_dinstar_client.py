"""The Dinstar client over real HTTP against the simulated gateway.

The simulator is a second, independent reading of the vendor's API; a scripted
stub stands in only for answers no simulated box gives on cue.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
import json
from typing import Any

import pytest

from custom_components.gsm_gateway.api import (
    CallEvent,
    CallEventState,
    CallRecord,
    CallState,
    Capability,
    ClientConfig,
    Encoding,
    ForeignPushError,
    GatewayAnswerLostError,
    GatewayAuthError,
    GatewayBadRequestError,
    GatewayConnectionError,
    GatewayNotSupportedError,
    GatewayRefusedError,
    GatewayResponseError,
    GatewayStatusChange,
    GatewayType,
    InboundSms,
    PortStatusChange,
    PushError,
    Registration,
    SendRequest,
    SmsStatus,
    SmsStatusUpdate,
    StkAction,
    UssdReply,
    create_client,
)
from custom_components.gsm_gateway.api.dinstar import DinstarClient
from simulator.dinstar import DinstarSimulator

from .conftest import SERIAL, ClientFactory, PushSink, Stub


def send(
    numbers: list[str] | tuple[str, ...], text: str = "Hello", **kw: Any
) -> SendRequest:
    return SendRequest(numbers=tuple(numbers), text=text, **kw)


def numbers(count: int) -> list[str]:
    return [f"+3805000{index:05d}" for index in range(count)]


# --- identity, auth and the polling budget ------------------------------------


async def test_get_info_identifies_the_gateway_by_its_serial(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    info = await client.get_info()
    assert info.type is GatewayType.DINSTAR
    assert info.unique_id == SERIAL
    assert info.port_count == 8
    assert info.manufacturer == "Dinstar"
    assert info.model == "8-port GSM gateway"
    assert info.configuration_url == sim.url
    assert client.serial == SERIAL
    assert await client.configure_push("http://ha/api/webhook/x") is False
    # The Digest challenge, then one request each.
    assert client.requests_made == sim.request_count == 3


async def test_create_client_builds_a_dinstar_client(
    session: Any, sim: DinstarSimulator
) -> None:
    client = create_client(
        GatewayType.DINSTAR,
        session,
        ClientConfig(url=sim.url, username="admin", password="admin"),
    )
    assert isinstance(client, DinstarClient)
    assert (await client.get_info()).unique_id == SERIAL


@pytest.mark.parametrize("port_count", [8, 32])
async def test_poll_costs_two_requests_whatever_the_port_count(
    make_client: ClientFactory,
    port_count: int,
    socket_enabled: None,
) -> None:
    sim = DinstarSimulator(port_count, serial=SERIAL, seed=3)
    await sim.start(host="127.0.0.1", port=0)
    try:
        client = make_client(sim.url)
        await client.poll()  # learns the Digest nonce
        before = sim.request_count
        state = await client.poll()
        assert sim.request_count - before == 2
        assert len(state.ports) == port_count
        assert state.sms_queue == 0
        assert [r.path for r in sim.requests[-2:]] == [
            "/api/get_port_info",
            "/api/query_sms_in_queue",
        ]
        info_types = sim.requests[-2].query["info_type"].split(",")
        assert set(info_types) >= {"reg", "signal", "slot", "callstate", "smsc", "gprs"}
        assert "port" not in sim.requests[-2].query
    finally:
        await sim.stop()


async def test_port_states_map_to_the_models(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    sim.ports[1].signal = 20
    await sim.set_registration(2, "NO_SIM", push=False)
    await sim.set_registration(3, "POWER_OFF", push=False)
    await sim.set_registration(4, "SEARCHING_NETWORK", push=False)
    await sim.set_registration(5, "PIN_REQUIRE", push=False)
    sim.ports[6].callstate = "Call Waiting"
    sim.ports[7].callstate = "Ringing"
    ports = (await client.poll()).ports
    assert list(ports) == [str(n) for n in range(8)]

    one = ports["1"]
    assert one.number == 1
    assert one.registration is Registration.REGISTERED
    assert one.signal_dbm == -113 + 2 * 20
    assert one.call_state is CallState.IDLE
    assert one.gprs_attached is True
    assert one.powered is True
    assert (one.slot, one.slot_count) == (None, 1)
    assert one.imei == sim.ports[1].imei
    assert one.network_type == "GSM"
    assert one.sim is not None
    assert one.sim.imsi == sim.ports[1].imsi
    assert one.sim.iccid == sim.ports[1].iccid
    assert one.sim.phone_number == sim.ports[1].phone_number
    assert one.sim.smsc == sim.ports[1].smsc

    assert ports["2"].registration is Registration.NO_SIM
    assert ports["2"].sim is None
    assert ports["2"].signal_dbm is None
    assert ports["3"].registration is Registration.POWER_OFF
    assert ports["3"].powered is False
    assert ports["4"].registration is Registration.SEARCHING
    assert ports["4"].signal_dbm is None
    assert ports["5"].registration is Registration.PIN_REQUIRED
    assert ports["6"].call_state is CallState.WAITING
    assert ports["7"].call_state is CallState.RINGING


@pytest.mark.parametrize("sim_options", [{"slots_per_port": 4}])
async def test_multi_sim_ports_report_their_slot(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    await client.select_slot(2, 3)
    ports = (await client.poll()).ports
    assert (ports["0"].slot, ports["0"].slot_count) == (0, 4)
    assert (ports["2"].slot, ports["2"].slot_count) == (3, 4)
    assert sim.ports[2].slot == 3
    assert ports["2"].sim is not None
    assert ports["2"].sim.imsi == sim.ports[2].imsi


@pytest.mark.parametrize(
    "sim_options", [{"auth": "basic"}, {"auth": "digest_or_basic"}]
)
async def test_basic_and_mixed_auth(
    client: DinstarClient, sim: DinstarSimulator, sim_options: dict[str, Any]
) -> None:
    await client.poll()
    before = sim.request_count
    await client.poll()
    assert sim.request_count - before == 2
    expected = "basic" if sim_options["auth"] == "basic" else "digest"
    assert client._http._scheme == expected


async def test_wrong_password_costs_one_try_per_call(
    make_client: ClientFactory, sim: DinstarSimulator
) -> None:
    client = make_client(sim.url, password="wrong")
    with pytest.raises(GatewayAuthError):
        await client.get_info()
    assert sim.request_count == 2
    with pytest.raises(GatewayAuthError):
        await client.poll()
    assert sim.request_count == 3
    assert sim.requests == []


async def test_rebooted_gateway_forgot_the_nonce(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    await client.poll()
    await sim.stop()
    await sim.start(host="127.0.0.1", port=0)
    before = sim.request_count
    await client.poll()
    # The stale nonce is answered with a fresh one, retried once.
    assert sim.request_count - before == 3


async def test_unreachable_and_broken_gateways(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    sim.http_status_override = 500
    with pytest.raises(GatewayResponseError, match="HTTP 500"):
        await client.poll()
    sim.http_status_override = 404
    with pytest.raises(GatewayResponseError, match="API enabled"):
        await client.poll()
    sim.http_status_override = 200
    with pytest.raises(GatewayResponseError, match="not JSON"):
        await client.poll()
    sim.http_status_override = None
    await sim.stop()
    with pytest.raises(GatewayConnectionError):
        await client.poll()


async def test_error_code_in_the_body_is_mapped(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    sim.fail("get_port_info", 500)
    with pytest.raises(GatewayRefusedError) as err:
        await client.poll()
    assert err.value.code == 500
    sim.fail("get_port_info", 400)
    with pytest.raises(GatewayBadRequestError, match="400"):
        await client.poll()
    sim.fail("get_port_info", 999)
    with pytest.raises(GatewayRefusedError) as err:
        await client.poll()
    assert err.value.code == 999


# --- sending SMS -----------------------------------------------------------------


async def test_send_to_300_numbers_takes_three_requests(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    await client.poll()
    before = sim.request_count
    result = await client.send_sms(send(numbers(300), "Gate opens at 8"))
    assert sim.request_count - before == 3
    assert result.requests == 3
    assert len(result.task_ids) == 3
    bodies = [r.body for r in sim.requests if r.path == "/api/send_sms"]
    assert [len(body["param"]) for body in bodies] == [128, 128, 44]
    assert all(body["encoding"] == "gsm-7bit" for body in bodies)
    assert all(body["request_status_report"] is True for body in bodies)
    assert all("port" not in body for body in bodies)

    assert [m.number for m in result.messages] == numbers(300)
    assert {m.status for m in result.messages} == {SmsStatus.QUEUED}
    ids = [m.message_id for m in result.messages]
    assert len(set(ids)) == 300
    user_ids = [str(p["user_id"]) for body in bodies for p in body["param"]]
    assert user_ids == ids
    assert all(0 <= int(u) < 2**31 for u in user_ids)
    assert [str(m["user_id"]) for m in sim.outbox] == ids


async def test_encoding_port_and_report_flag(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    result = await client.send_sms(
        send(["+380501112233"], "Привіт 👋", ports=(3,), delivery_report=False)
    )
    body = sim.requests[-1].body
    assert body["encoding"] == "unicode"
    assert body["port"] == [3]
    assert body["request_status_report"] is False
    assert body["text"] == "Привіт 👋"
    assert result.messages[0].port == 3
    assert sim.outbox[0]["port"] == 3

    await client.send_sms(send(["1"], "plain", encoding=Encoding.UCS2))
    assert sim.requests[-1].body["encoding"] == "unicode"


async def test_user_ids_differ_between_clients(
    make_client: ClientFactory, sim: DinstarSimulator
) -> None:
    first = await make_client(sim.url).send_sms(send(["1", "2"]))
    second = await make_client(sim.url).send_sms(send(["1", "2"]))
    assert {m.message_id for m in first.messages}.isdisjoint(
        m.message_id for m in second.messages
    )


async def test_a_lost_answer_is_looked_up_by_the_reference(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    """The gateway took the send but hung up: the reference finds it, every number."""
    request = send(numbers(130), "Alarm", reference="outbox-1")
    assert client.supports(Capability.SEND_LOOKUP)
    assert await client.lookup_send(request) is None

    sim.lose_answers("send_sms")
    with pytest.raises(GatewayAnswerLostError):
        await client.send_sms(request)
    assert len(sim.outbox) == 128, "the first batch was taken, the second not sent"

    found = await client.lookup_send(request)
    assert found is not None
    taken = [m for m in found.messages if m.status is SmsStatus.QUEUED]
    assert [m.number for m in taken] == numbers(128)
    assert [m.message_id for m in taken] == [str(m["user_id"]) for m in sim.outbox]
    assert [m.status for m in found.messages[128:]] == [SmsStatus.FAILED] * 2
    assert client.has_pending_sends(), "what it took is followed from now on"

    # Sent again with the same reference, the numbers keep their user_ids.
    again = await client.send_sms(send(numbers(2), "Alarm", reference="outbox-1"))
    assert [m.message_id for m in again.messages] == [
        m.message_id for m in found.messages[:2]
    ]


async def test_lookup_needs_a_reference(client: DinstarClient) -> None:
    with pytest.raises(GatewayBadRequestError, match="reference"):
        await client.lookup_send(send(["1"]))


@pytest.mark.parametrize(
    ("request_", "match"),
    [
        (send(["1"], "x" * 1501), "1500 bytes"),
        (send(["1"], "Я" * 751), "1500 bytes"),
        (send([" ", ""]), "no number"),
        (send(["1" * 25]), "24 bytes"),
        (send(["1"], ""), "empty"),
        (send(["1"], "Привет", encoding=Encoding.GSM7), "GSM-7"),
        (send(["1"], ports=(32,)), "0..31"),
    ],
)
async def test_invalid_sends_are_refused_before_sending(
    client: DinstarClient, sim: DinstarSimulator, request_: SendRequest, match: str
) -> None:
    with pytest.raises(GatewayBadRequestError, match=match):
        await client.send_sms(request_)
    assert sim.request_count == 0


async def test_scheduled_send_is_not_supported(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    with pytest.raises(GatewayNotSupportedError):
        await client.send_sms(send(["1"], send_at=datetime.now(UTC)))
    assert sim.request_count == 0


@pytest.mark.parametrize(
    ("code", "error", "reason"),
    [
        (550, GatewayRefusedError, "no port is available"),
        (500, GatewayRefusedError, "reports an error"),
        (413, GatewayBadRequestError, "more than 128"),
        (400, GatewayBadRequestError, "not valid"),
    ],
)
async def test_send_refusals(
    client: DinstarClient,
    sim: DinstarSimulator,
    code: int,
    error: type[Exception],
    reason: str,
) -> None:
    sim.fail("send_sms", code)
    with pytest.raises(error, match=reason):
        await client.send_sms(send(["+100"]))
    assert sim.outbox == []
    assert not client.has_pending_sends()


async def test_no_registered_port_is_550(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    for port in range(8):
        await sim.set_registration(port, "UNREGISTER", push=False)
    with pytest.raises(GatewayRefusedError) as err:
        await client.send_sms(send(["+100"]))
    assert err.value.code == 550


async def test_refused_later_batch_marks_the_rest_failed(
    make_client: ClientFactory, stub: Stub
) -> None:
    answers = iter(
        [
            {"error_code": 202, "sn": SERIAL, "task_id": 7},
            {"error_code": 202, "sn": SERIAL, "result": [{"port": 0, "status": 486}]},
        ]
    )

    async def handler(request: Any) -> Any:
        from aiohttp import web

        return web.json_response(next(answers))

    stub.routes["/api/send_sms"] = handler
    client = make_client(stub.url)
    result = await client.send_sms(send(numbers(300)))
    assert len(stub.bodies("/api/send_sms")) == 2  # the third is not tried
    statuses = [m.status for m in result.messages]
    assert statuses == [SmsStatus.QUEUED] * 128 + [SmsStatus.FAILED] * 172
    assert result.messages[200].message_id is None
    assert result.task_ids == (7,)


async def test_per_port_refusal_of_the_only_batch_raises(
    make_client: ClientFactory, stub: Stub
) -> None:
    stub.answer(
        "/api/send_sms",
        {
            "error_code": 202,
            "result": [{"port": 0, "status": 503}, {"port": 1, "status": 486}],
        },
    )
    with pytest.raises(GatewayRefusedError, match="not registered") as err:
        await make_client(stub.url).send_sms(send(["1"]))
    assert err.value.code == 503
    stub.answer(
        "/api/send_sms",
        {
            "error_code": 202,
            "result": [{"port": 0, "status": 503}, {"port": 1, "status": 200}],
        },
    )
    result = await make_client(stub.url).send_sms(send(["1"]))
    assert result.messages[0].status is SmsStatus.QUEUED


# --- following sent SMS ------------------------------------------------------------


async def test_results_and_delivery_by_polling(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    assert not client.has_pending_sends()
    assert await client.fetch_sms_statuses() == []
    result = await client.send_sms(send(["+100", "+200"]))
    ids = [m.message_id for m in result.messages]
    assert client.has_pending_sends()

    before = sim.request_count
    sending = await client.fetch_sms_statuses()
    assert sim.request_count - before == 1  # nothing sent OK yet: no report query
    assert [(u.message_id, u.status) for u in sending] == [
        (ids[0], SmsStatus.SENDING),
        (ids[1], SmsStatus.SENDING),
    ]
    assert sim.requests[-1].body == {"user_id": [int(i) for i in ids if i]}
    assert await client.fetch_sms_statuses() == []  # nothing new, nothing told

    await sim.complete_sends("SENT_OK", push=False)
    before = sim.request_count
    sent = await client.fetch_sms_statuses()
    assert sim.request_count - before == 2
    assert [(u.message_id, u.status, u.number) for u in sent] == [
        (ids[0], SmsStatus.SENT, "+100"),
        (ids[1], SmsStatus.SENT, "+200"),
    ]
    assert {u.port for u in sent} <= set(range(8))
    report_query = sim.requests[-1].body
    assert report_query["number"] == ["+100", "+200"]
    assert "time_after" in report_query
    assert client.has_pending_sends()  # delivery reports were asked for

    outbox = {m["number"]: m for m in sim.outbox}
    for number, code in (("+100", 0), ("+200", 70)):
        message = outbox[number]
        sim.deliver_reports.append(
            {
                "port": message["port"],
                "number": number,
                "time": message["time"],
                "ref_id": message["ref_id"],
                "status_code": code,
            }
        )
    before = sim.request_count
    reports = await client.fetch_sms_statuses()
    assert sim.request_count - before == 1
    assert {(u.message_id, u.status) for u in reports} == {
        (ids[0], SmsStatus.DELIVERED),
        (ids[1], SmsStatus.UNDELIVERED),
    }
    assert len({u.sequence for u in sending + sent + reports}) == 6
    assert not client.has_pending_sends()


async def test_temporary_delivery_error_keeps_waiting(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    result = await client.send_sms(send(["+100"]))
    await sim.complete_sends("SENT_OK", push=False)
    await client.fetch_sms_statuses()
    message = sim.outbox[0]
    report = {
        "port": message["port"],
        "number": "+100",
        "time": message["time"],
        "ref_id": message["ref_id"],
        "status_code": 48,
    }
    sim.deliver_reports.append(report)
    assert await client.fetch_sms_statuses() == []
    assert client.has_pending_sends()
    sim.deliver_reports.append(report | {"status_code": 0})
    [update] = await client.fetch_sms_statuses()
    assert (update.message_id, update.status) == (
        result.messages[0].message_id,
        SmsStatus.DELIVERED,
    )


async def test_failed_and_no_report_wanted_finish_at_the_result(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    await client.send_sms(send(["+100"], delivery_report=False))
    await sim.complete_sends("SENT_OK", push=False)
    [sent] = await client.fetch_sms_statuses()
    assert sent.status is SmsStatus.SENT
    assert not client.has_pending_sends()

    await client.send_sms(send(["+200"]))
    await sim.complete_sends("FAILED", push=False)
    [failed] = await client.fetch_sms_statuses()
    assert failed.status is SmsStatus.FAILED
    assert not client.has_pending_sends()


async def test_at_most_two_requests_per_status_fetch_for_many_messages(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    await client.send_sms(send(numbers(200)))
    await sim.complete_sends("SENT_OK", push=False)
    before = sim.request_count
    first = await client.fetch_sms_statuses()
    assert sim.request_count - before == 2
    assert len(first) == 128  # the oldest 128 results first
    assert len(sim.requests[-1].body["number"]) == 32  # the document's limit
    second = await client.fetch_sms_statuses()
    assert len(second) == 72
    assert sim.request_count - before == 4


async def test_tracking_ends_after_the_timeout(
    make_client: ClientFactory, sim: DinstarSimulator
) -> None:
    client = make_client(sim.url, status_tracking_timeout=0)
    await client.send_sms(send(["+100"]))
    assert not client.has_pending_sends()


async def test_tracking_is_bounded(
    client: DinstarClient, sim: DinstarSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("custom_components.gsm_gateway.api.dinstar.MAX_TRACKED", 3)
    result = await client.send_sms(send(numbers(5)))
    await client.fetch_sms_statuses()
    asked = sim.requests[-1].body["user_id"]
    assert asked == [int(m.message_id or "") for m in result.messages[2:]]


async def test_push_and_poll_tell_each_fact_once(
    client: DinstarClient, sim: DinstarSimulator, push_sink: PushSink
) -> None:
    sim.push_url = push_sink.url
    result = await client.send_sms(send(["+100"]))
    [message_id] = [m.message_id for m in result.messages]
    await sim.complete_sends("DELIVERED")
    assert len(push_sink.bodies) == 2  # sms_result, then sms_deliver_status
    pushed = [e for body in push_sink.bodies for e in client.parse_push(body).events]
    assert [
        (e.message_id, e.status) for e in pushed if isinstance(e, SmsStatusUpdate)
    ] == [(message_id, SmsStatus.DELIVERED)]
    assert not client.has_pending_sends()
    # A repeated push names the same message and is not told again.
    assert client.parse_push(push_sink.bodies[0]).events == ()


async def test_push_of_a_message_sent_by_someone_else(client: DinstarClient) -> None:
    body = {
        "sn": SERIAL,
        "sms_result": [
            {
                "port": 1,
                "number": "10086",
                "time": "2016-07-12 01:46:02",
                "status": "SENT_OK",
                "ref_id": 5,
            }
        ],
    }
    [update] = client.parse_push(json.dumps(body).encode()).events
    assert isinstance(update, SmsStatusUpdate)
    assert update.message_id is None
    assert update.status is SmsStatus.SENT
    assert update.sequence == "ref:1:5:10086:2016-07-1201:46:02:sent"
    again = client.parse_push(json.dumps(body).encode()).events
    assert again == (update,)  # same fact, same sequence: the caller fires it once


async def test_stop_sms(client: DinstarClient, sim: DinstarSimulator) -> None:
    result = await client.send_sms(send(["+100", "+200"]))
    await client.stop_sms(result.task_ids[0])
    assert sim.requests[-1].query == {"task_id": str(result.task_ids[0])}
    assert {m["status"] for m in sim.outbox} == {"STOPPED"}
    assert not client.has_pending_sends()  # never sent: nothing more to learn
    with pytest.raises(GatewayRefusedError, match="no such send task") as err:
        await client.stop_sms(result.task_ids[0])
    assert err.value.code == 404


# --- receiving SMS -----------------------------------------------------------------


async def test_inbox_never_marks_messages_read(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    first = await sim.receive_sms(1, "+380501234567", "Open the gate", push=False)
    await sim.receive_sms(2, "Bank", "Код: 1234\nне повідомляйте", push=False)
    await sim.receive_sms(
        0, "+4915100000", "late", timestamp="2024-01-02 03:04:05", push=False
    )
    messages = await client.fetch_inbox(None)
    assert [m.sequence for m in messages] == [1, 2, 3]
    assert [m.message_id for m in messages] == ["1", "2", "3"]
    assert messages[0].sender == "+380501234567"
    assert messages[0].port == 1
    assert messages[0].imsi == sim.ports[1].imsi
    assert messages[0].smsc == sim.ports[1].smsc
    assert messages[1].text == "Код: 1234\nне повідомляйте"
    assert messages[2].timestamp == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert sim.requests[-1].query == {"flag": "all", "incoming_sms_id": "0"}
    assert not any(m["read"] for m in sim.inbox)

    newer = await client.fetch_inbox(first)
    assert [m.sequence for m in newer] == [2, 3]
    assert sim.requests[-1].query["incoming_sms_id"] == "1"
    assert await client.fetch_inbox(3) == []


async def test_gateway_times_are_read_in_the_given_zone(
    make_client: ClientFactory, sim: DinstarSimulator
) -> None:
    kyiv = timezone(timedelta(hours=3))
    client = make_client(sim.url, timezone=kyiv)
    await sim.receive_sms(0, "1", "x", timestamp="2025-06-01 12:00:00", push=False)
    [message] = await client.fetch_inbox(None)
    assert message.timestamp == datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    assert (
        client.format_time(datetime(2025, 6, 1, 9, 0, tzinfo=UTC))
        == "2025-06-01 12:00:00"
    )
    # Without a zone: this machine's, as an aware time.
    local = make_client(sim.url, timezone=None)
    parsed = local.parse_time("2025-06-01 12:00:00")
    assert parsed is not None
    assert parsed.tzinfo is not None
    assert parsed.replace(tzinfo=None) == datetime(2025, 6, 1, 12, 0)  # noqa: DTZ001


# --- USSD --------------------------------------------------------------------------


async def test_ussd_reply_is_waited_for(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    sim.ussd_replies["*100#"] = "Balance: 3.20"
    sim.ussd_delay = 0.05
    client.ussd_poll_interval = 0.005
    assert client.ussd_poll_interval == 0.005
    reply = await client.send_ussd(2, " *100# ", timeout=5)
    assert reply == UssdReply(port=2, text="Balance: 3.20")
    sent = [r for r in sim.requests if r.path == "/api/send_ussd"]
    assert [r.body for r in sent] == [{"port": [2], "command": "send", "text": "*100#"}]
    polls = [r for r in sim.requests if r.path == "/api/query_ussd_reply"]
    assert len(polls) >= 2  # " " (no reply yet) was read at least once
    assert polls[0].query == {"port": "2"}


async def test_ussd_without_a_port_uses_the_first_registered(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    await sim.set_registration(0, "NO_SIM", push=False)
    reply = await client.send_ussd(None, "*101#", timeout=5)
    assert reply.port == 1
    assert reply.text.startswith("Your tariff")
    for port in range(8):
        await sim.set_registration(port, "UNREGISTER", push=False)
    client._ports.clear()
    with pytest.raises(GatewayRefusedError, match="no port is registered"):
        await client.send_ussd(None, "*101#", timeout=5)


async def test_ussd_refusals(client: DinstarClient, sim: DinstarSimulator) -> None:
    sim.ports[0].busy = True
    with pytest.raises(GatewayRefusedError, match="busy") as err:
        await client.send_ussd(0, "*100#", timeout=5)
    assert err.value.code == 486
    await sim.set_registration(1, "UNREGISTER", push=False)
    with pytest.raises(GatewayRefusedError, match="not registered") as err:
        await client.send_ussd(1, "*100#", timeout=5)
    assert err.value.code == 503
    before = sim.request_count
    with pytest.raises(GatewayBadRequestError, match="60 bytes"):
        await client.send_ussd(2, "*" * 61, timeout=5)
    with pytest.raises(GatewayBadRequestError, match="empty"):
        await client.send_ussd(2, "  ", timeout=5)
    assert sim.request_count == before


async def test_ussd_timeout_cancels_the_session(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    sim.ussd_delay = 60
    with pytest.raises(GatewayRefusedError, match=r"no USSD reply within 0\.1 s"):
        await client.send_ussd(3, "*100#", timeout=0.1)
    assert sim.requests[-1].body == {"port": [3], "command": "cancel", "text": ""}


async def test_ussd_202_without_result_keeps_polling(
    make_client: ClientFactory, stub: Stub
) -> None:
    stub.answer("/api/send_ussd", {"error_code": 202, "sn": "x"})
    replies = iter([" ", "", "Solde: 12.5 DH"])

    async def reply(request: Any) -> Any:
        from aiohttp import web

        return web.json_response(
            {"error_code": 200, "reply": [{"port": 0, "text": next(replies)}]}
        )

    stub.routes["/api/query_ussd_reply"] = reply
    answer = await make_client(stub.url).send_ussd(0, "*580#", timeout=5)
    assert answer.text == "Solde: 12.5 DH"
    assert len([s for s in stub.seen if s[1] == "/api/query_ussd_reply"]) == 3


async def test_ussd_timeout_even_if_the_cancel_fails(
    make_client: ClientFactory, stub: Stub
) -> None:
    calls = 0

    async def send_ussd(request: Any) -> Any:
        from aiohttp import web

        nonlocal calls
        calls += 1
        if calls == 1:
            return web.json_response({"error_code": 202})
        return web.Response(status=500, text="busy")

    stub.routes["/api/send_ussd"] = send_ussd
    stub.answer(
        "/api/query_ussd_reply",
        {"error_code": 200, "reply": [{"port": 0, "text": " "}]},
    )
    with pytest.raises(GatewayRefusedError, match="no USSD reply"):
        await make_client(stub.url).send_ussd(0, "*1#", timeout=0.05)
    assert calls == 2


# --- port settings -----------------------------------------------------------------


async def test_power_reset_and_slot(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    await client.set_power(1, False)
    assert sim.ports[1].reported_reg == "POWER_OFF"
    request = sim.requests[-1]
    assert (request.method, request.query) == (
        "GET",
        {"port": "1", "action": "power", "param": "off"},
    )
    await client.set_power(1, True)
    assert sim.ports[1].reported_reg == "REGISTER_OK"
    await client.reset_module(4)
    assert sim.requests[-1].query == {"port": "4", "action": "reset"}
    # A single-SIM box refuses a slot (400) by GET and again by POST.
    with pytest.raises(GatewayBadRequestError):
        await client.select_slot(0, 1)
    assert [r.method for r in sim.requests[-2:]] == ["GET", "POST"]
    assert sim.requests[-1].body == {"port": 0, "action": "slot", "param": "1"}
    before = sim.request_count
    with pytest.raises(GatewayBadRequestError, match=r"0\.\.3"):
        await client.select_slot(0, 4)
    with pytest.raises(GatewayBadRequestError, match=r"0\.\.31"):
        await client.set_power(32, True)
    assert sim.request_count == before


async def test_set_port_falls_back_to_post_when_get_is_refused(
    make_client: ClientFactory, stub: Stub
) -> None:
    async def set_port(request: Any) -> Any:
        from aiohttp import web

        if request.method == "GET":
            return web.Response(status=405, text="Method Not Allowed")
        return web.json_response({"error_code": 200})

    stub.routes["/api/set_port_info"] = set_port
    client = make_client(stub.url)
    await client.reset_module(2)
    await client.set_power(2, False)
    methods = [s[0] for s in stub.seen if s[1] == "/api/set_port_info"]
    assert methods == ["GET", "POST", "POST"]  # POST is remembered
    assert stub.bodies("/api/set_port_info") == [
        {"port": 2, "action": "reset"},
        {"port": 2, "action": "power", "param": "off"},
    ]


async def test_set_port_get_failure_that_is_not_a_refusal(
    make_client: ClientFactory, stub: Stub
) -> None:
    stub.answer("/api/set_port_info", "oops", status=500)
    with pytest.raises(GatewayResponseError, match="HTTP 500"):
        await make_client(stub.url).reset_module(0)
    assert len(stub.seen) == 1


# --- call records ------------------------------------------------------------------


async def test_get_cdr(client: DinstarClient, sim: DinstarSimulator) -> None:
    records = await client.get_cdr()
    assert len(records) == len(sim.cdrs) == 3
    assert sim.requests[-1].body == {"port": list(range(8))}
    answered = [r for r in records if r.answer is not None]
    assert {r.direction for r in answered} == {"gsm->ip", "ip->gsm"}
    assert all(r.start is not None and r.start.tzinfo is UTC for r in records)
    assert all(r.hangup in {"called", "calling"} for r in records)
    assert answered[0].extra["codec"] == "G.711U"

    after = datetime.now(UTC) - timedelta(hours=2)
    recent = await client.get_cdr(
        [sim.cdrs[-1]["port"]], after=after, before=datetime.now(UTC)
    )
    assert len(recent) == 1
    assert sim.requests[-1].body["time_after"] == client.format_time(after)


# --- SIM Toolkit ---------------------------------------------------------------------


async def test_stk_menu_navigation(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    view = await client.stk_view(0)
    assert view.title == "SIM Services"
    assert view.input_type == 1
    assert [(i.id, i.text) for i in view.items] == [
        (1, "Balance"),
        (2, "Services"),
        (3, "Top up"),
    ]
    assert view.frame_id == sim.stk[0].frame_id
    assert sim.requests[-1].path == "/GetSTKView"

    services = await client.stk_action(0, item=2)
    assert services.title == "Services"
    assert [i.text for i in services.items] == ["News", "Weather"]
    assert services.frame_id == view.frame_id + 1

    back = await client.stk_action(0, action=StkAction.CANCEL)
    assert back.title == "SIM Services"
    assert {"port": 0, "action": "cancle"} in [r.body for r in sim.requests]

    await client.stk_action(0, item=3)
    done = await client.stk_action(0, text="12345")
    assert done.text == "Voucher 12345 accepted"
    go = [r.body for r in sim.requests if r.path == "/STKGo"]
    assert go[-1] == {"port": 0, "param": "12345", "action": "ok"}

    home = await client.stk_action(0, action=StkAction.HOME)
    assert home.title == "SIM Services"


async def test_stk_action_that_changes_nothing_returns_the_same_view(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    view = await client.stk_view(1)
    same = await client.stk_action(1, item=99)
    assert same == view
    frame_polls = [r for r in sim.requests if r.path == "/GetSTKCurrFrameIndex"]
    assert len(frame_polls) >= 2
    with pytest.raises(GatewayBadRequestError):
        await client.stk_action(1)


async def test_stk_go_error_code_is_a_refusal(
    make_client: ClientFactory, stub: Stub
) -> None:
    stub.answer("/GetSTKCurrFrameIndex", {"frame_id": 1})
    stub.answer("/STKGo", {"error_code": 500})
    with pytest.raises(GatewayRefusedError):
        await make_client(stub.url).stk_action(0, action=StkAction.OK)
    stub.answer("/STKGo", "")  # no body at all is fine
    stub.answer("/GetSTKView", {"title": "T", "input_type": "0", "frame_id": 1})
    view = await make_client(stub.url, stk_wait=0.02).stk_action(0, action=StkAction.OK)
    assert (view.title, view.input_type, view.items) == ("T", 0, ())


# --- pushes ------------------------------------------------------------------------


async def test_pushes_the_simulator_sends(
    client: DinstarClient, sim: DinstarSimulator, push_sink: PushSink
) -> None:
    sim.push_url = push_sink.url
    await client.get_info()
    await sim.receive_sms(3, "+380671112233", "Hi")
    await sim.set_registration(4, "NO_SIM")
    await sim.missed_call(5, "+380501234567")
    await sim.answered_call(6, "+380509876543", duration=30)
    await sim.answered_call(6, "+380500000000", direction="ip->gsm")
    await sim.device_status("power_off")
    await client.send_ussd(7, "*100#", timeout=5)
    await sim.drain()
    pushes = [client.parse_push(body) for body in push_sink.bodies]
    kinds = [p.kind for p in pushes]
    assert kinds == ["sms", "register", "missed_call", "cdr", "cdr", "device", "ussd"]

    [sms] = pushes[0].events
    assert isinstance(sms, InboundSms)
    assert (sms.port, sms.sender, sms.text, sms.message_id) == (
        3,
        "+380671112233",
        "Hi",
        "1",
    )
    assert sms.imsi == sim.ports[3].imsi

    [down] = pushes[1].events
    assert isinstance(down, PortStatusChange)
    assert (down.port, down.registration, down.slot) == (
        4,
        Registration.NOT_REGISTERED,
        None,
    )
    assert down.sim is not None
    assert down.sim.phone_number == sim.ports[4].phone_number
    assert (down.sim.imsi, down.sim.iccid) == (None, None)

    [missed] = pushes[2].events
    assert isinstance(missed, CallEvent)
    assert (missed.port, missed.number, missed.state) == (
        5,
        "+380501234567",
        CallEventState.MISSED,
    )
    assert missed.timestamp is not None

    record, ended = pushes[3].events
    assert isinstance(record, CallRecord)
    assert (record.port, record.duration, record.direction) == (6, 30, "gsm->ip")
    assert isinstance(ended, CallEvent)
    assert (ended.number, ended.state) == ("+380509876543", CallEventState.ENDED)
    assert record.answer is not None
    assert ended.timestamp == record.answer + timedelta(seconds=30)
    _, outgoing = pushes[4].events
    assert isinstance(outgoing, CallEvent)
    assert outgoing.number == "+380500000000"

    [device] = pushes[5].events
    assert isinstance(device, GatewayStatusChange)
    assert device.online is False
    assert device.details["ip"] == "127.0.0.1"
    assert device.details["mac"] == sim.mac
    assert device.details["port_count"] == 8

    [ussd] = pushes[6].events
    assert isinstance(ussd, UssdReply)
    assert ussd.port == 7


async def test_foreign_and_malformed_pushes(client: DinstarClient) -> None:
    client.serial = SERIAL
    sms = {
        "incoming_sms_id": 1,
        "port": 1,
        "number": "1",
        "timestamp": "2016-07-12 15:46:18",
        "text": "x",
    }
    with pytest.raises(ForeignPushError):
        client.parse_push(
            json.dumps({"sn": "da00-0030-1901-2817", "sms": [sms]}).encode()
        )
    # Without sn there is nothing to compare: accepted.
    assert len(client.parse_push(json.dumps({"sms": [sms]}).encode()).events) == 1
    # An IMEI standing in for the serial cannot be compared with an sn.
    client.serial = "863070017005173"
    assert (
        client.parse_push(json.dumps({"sn": "other", "sms": sms}).encode()).kind
        == "sms"
    )
    client.serial = SERIAL
    for body in (
        b"",
        b"not json",
        b"[1, 2]",
        b'{"sn": "' + SERIAL.encode() + b'"}',
        b'{"sn": "' + SERIAL.encode() + b'", "unknown": []}',
        b'{"sms": [1, 2]}',
        b'{"sms": "text"}',
        b'{"register": [{"status": "up"}]}',
        b"\xff\xfe\x00",
    ):
        with pytest.raises(PushError) as err:
            client.parse_push(body)
        assert not isinstance(err.value, ForeignPushError)


async def test_push_sms_without_id_or_time(client: DinstarClient) -> None:
    body = {
        "sn": SERIAL,
        "sms": {"port": " 2 ", "number": " 123 ", "text": "x", "timestamp": "bad"},
    }
    [sms] = client.parse_push(json.dumps(body).encode()).events
    assert isinstance(sms, InboundSms)
    assert sms.sequence is None
    assert sms.message_id.startswith("sha:")
    assert (sms.port, sms.sender) == (2, "123")
    assert abs(sms.timestamp - datetime.now(UTC)) < timedelta(minutes=1)
    again = client.parse_push(json.dumps(body).encode()).events[0]
    assert isinstance(again, InboundSms)
    assert again.message_id == sms.message_id


async def test_exception_and_blank_pushes(client: DinstarClient) -> None:
    push = client.parse_push(
        b'{"sn":"x","exception_info":{"port":3,"type":"call_fail","action":"reset"}}'
    )
    [change] = push.events
    assert isinstance(change, GatewayStatusChange)
    assert change.details == {"exception": "call_fail", "action": "reset", "port": 3}
    assert client.parse_push(b'{"ussd":[{"port":1,"text":" "}]}').events == ()
    assert (
        client.parse_push(
            b'{"sms_deliver_status":[{"port":1,"number":"1","ref_id":1,"status_code":40}]}'
        ).events
        == ()
    )
    assert (
        client.parse_push(b'{"sms_result":[{"port":1,"status":"WEIRD"}]}').events == ()
    )


async def test_get_info_without_serial_falls_back_to_the_imei(
    make_client: ClientFactory, stub: Stub
) -> None:
    stub.answer("/api/query_sms_in_queue", {"error_code": 200, "in_queue": 0})
    stub.answer(
        "/api/get_port_info",
        {
            "error_code": 200,
            "info": [
                {
                    "port": 0,
                    "type": "WCDMA",
                    "imei": "863070017005173",
                    "reg": "NO_SIM",
                },
                {
                    "port": 1,
                    "type": "LTE",
                    "imei": "863070017005181",
                    "reg": "REGISTER_OK",
                },
            ],
        },
    )
    client = make_client(stub.url)
    info = await client.get_info()
    assert info.unique_id == "863070017005173"
    assert info.model == "2-port LTE/WCDMA gateway"
    assert client.serial is None
    stub.answer("/api/get_port_info", {"error_code": 200, "info": [{"port": 0}]})
    with pytest.raises(GatewayResponseError, match="no serial and no IMEI"):
        await client.get_info()


async def test_answers_that_are_not_objects(
    make_client: ClientFactory, stub: Stub
) -> None:
    stub.answer("/api/query_sms_in_queue", [1, 2])
    with pytest.raises(GatewayResponseError, match="not an object"):
        await make_client(stub.url).query_sms_in_queue()
    stub.answer("/api/query_sms_in_queue", {"in_queue": 1})
    with pytest.raises(GatewayResponseError, match="no error_code"):
        await make_client(stub.url).query_sms_in_queue()
    # One object where a list is documented is read as a list of one.
    stub.answer(
        "/api/query_incoming_sms",
        {"error_code": 200, "sms": {"incoming_sms_id": 9, "number": "1", "text": "t"}},
    )
    [sms] = await make_client(stub.url).fetch_inbox(3)
    assert sms.sequence == 9
    # An error status whose body is the API's answer: the body decides.
    stub.answer("/api/query_sms_in_queue", {"error_code": 500}, status=500)
    with pytest.raises(GatewayRefusedError):
        await make_client(stub.url).query_sms_in_queue()


# --- tolerance of odd values --------------------------------------------------------


async def test_odd_port_values_are_read_defensively(
    make_client: ClientFactory, stub: Stub
) -> None:
    stub.answer(
        "/api/get_port_info",
        {
            "error_code": "200",
            "info": [
                {
                    "port": "3",
                    "type": "UNKNOWN",
                    "imei": " 86307 0017005173 ",
                    "imsi": "<NULL>",
                    "iccid": "",
                    "number": 13714637674,
                    "reg": "register_ok",
                    "slot": "255",
                    "callstate": "Dialing",
                    "signal": "17",
                    "gprs": "suspended",
                    "remain_credit": " 12.50 ",
                },
                {
                    "port": 5.0,
                    "reg": "REGISTER_OK",
                    "signal": 99,
                    "slot": 7,
                    "imsi": True,
                },
                {"port": "n/a", "reg": "REGISTER_OK"},
                {"reg": "NO_SIM"},
                "garbage",
            ],
        },
    )
    stub.answer("/api/query_sms_in_queue", {"error_code": 200, "in_queue": "4"})
    client = make_client(stub.url, include_remain_credit=True)
    state = await client.poll()
    assert stub.seen[0][2]["info_type"].endswith(",remain_credit")
    assert list(state.ports) == ["3", "5"]
    three = state.ports["3"]
    assert three.network_type is None
    assert three.imei == "863070017005173"
    assert three.registration is Registration.REGISTERED
    assert three.signal_dbm == -79
    assert (three.slot, three.slot_count) == (None, 1)
    assert three.call_state is CallState.UNKNOWN
    assert three.gprs_attached is None
    assert three.sim is not None
    assert (three.sim.imsi, three.sim.iccid) == (None, None)
    assert three.sim.phone_number == "13714637674"
    assert three.sim.balance == "12.50"
    five = state.ports["5"]
    assert five.signal_dbm is None  # 99: not known
    assert (five.slot, five.slot_count) == (None, 1)
    assert five.sim is None
    assert five.powered is True
    assert five.call_state is None
    assert state.sms_queue == 4
    client.requests_made = 0
    assert client.requests_made == 0


async def test_poll_knowledge_saves_requests(
    client: DinstarClient, sim: DinstarSimulator
) -> None:
    await client.poll()
    before = sim.request_count
    await client.get_cdr()
    await client.send_ussd(None, "*100#", timeout=5)
    paths = [r.path for r in sim.requests[-3:]]
    assert "/api/get_port_info" not in paths
    assert sim.request_count - before == 3  # get_cdr, send_ussd, one reply poll


async def test_results_without_port_time_or_ref(
    make_client: ClientFactory, stub: Stub
) -> None:
    stub.answer("/api/send_sms", {"error_code": 202, "task_id": 1})
    client = make_client(stub.url)
    result = await client.send_sms(send(["+380 (50) 1-1.1"]))
    assert result.messages[0].number == "+38050111"
    user_id = int(result.messages[0].message_id or "")
    stub.answer(
        "/api/query_sms_result",
        {
            "error_code": 200,
            "result": [
                {"user_id": user_id, "number": "+38050111", "status": "SENT_OK"},
                {"user_id": user_id + 1000, "number": "9", "status": "SENT_OK"},
            ],
        },
    )
    stub.answer(
        "/api/query_sms_deliver_status",
        {
            "error_code": 200,
            "result": [{"port": 4, "number": "38050111", "status_code": 0}],
        },
    )
    updates = await client.fetch_sms_statuses()
    assert [(u.message_id, u.status) for u in updates] == [
        (str(user_id), SmsStatus.SENT),
        (str(user_id), SmsStatus.DELIVERED),
    ]
    # Nothing about the port or the time was known: not asked for either.
    assert stub.bodies("/api/query_sms_deliver_status") == [{"number": ["+38050111"]}]


async def test_odd_push_values(client: DinstarClient) -> None:
    push = client.parse_push(
        b'{"missed_call":[{"port":"1","number":6717,"time":20160712}],'
        b'"cdr":{"port":2,"start_date":"0000-00-00 00:00:00","answer_date":"",'
        b'"direction":"gsm->ip","source_number":["x"]}}'
    )
    assert push.kind == "missed_call,cdr"
    missed, record, ended = push.events
    assert isinstance(missed, CallEvent)
    assert (missed.port, missed.number, missed.timestamp) == (1, "6717", None)
    assert isinstance(record, CallRecord)
    assert (record.start, record.answer, record.source_number) == (None, None, None)
    assert isinstance(ended, CallEvent)
    assert (ended.number, ended.timestamp) == ("", None)
    with_start = client.parse_push(
        b'{"cdr":[{"port":2,"start_date":"2015-07-21 16:35:20","direction":"ip->gsm",'
        b'"destination_number":"6717"}]}'
    ).events[1]
    assert isinstance(with_start, CallEvent)
    assert with_start.timestamp == datetime(2015, 7, 21, 16, 35, 20, tzinfo=UTC)
    assert (
        client.format_time(datetime(2015, 7, 21, 16, 35, 20))  # noqa: DTZ001
        == "2015-07-21 16:35:20"
    )
    flag = client.parse_push(
        b'{"sms":[{"port":true,"number":"1","text":null}]}'
    ).events[0]
    assert isinstance(flag, InboundSms)
    assert (flag.port, flag.text) == (None, "")
