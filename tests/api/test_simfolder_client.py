"""The SimFolder client over real HTTP against the simulated cloud."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime, timedelta
import json
from typing import Any

import aiohttp
import pytest

from custom_components.gsm_gateway.api import (
    CallEvent,
    CallEventState,
    ClientConfig,
    EditTarget,
    ForeignPushError,
    GatewayAuthError,
    GatewayBadRequestError,
    GatewayBusyError,
    GatewayConnectionError,
    GatewayRefusedError,
    GatewayResponseError,
    GatewayStatusChange,
    GatewayType,
    InboundSms,
    PortStatusChange,
    PushError,
    RecordKind,
    Registration,
    SendRequest,
    SmsStatus,
    SmsStatusUpdate,
    UssdReply,
    create_client,
    simfolder_wire as wire,
)
from custom_components.gsm_gateway.api.http import Backoff
from custom_components.gsm_gateway.api.simfolder import SimFolderClient
from custom_components.gsm_gateway.api.simfolder_wire import ErrorKind, Field
from simulator.simfolder import SimFolderSimulator

type Factory = Callable[..., SimFolderClient]


@pytest.fixture
async def cloud(socket_enabled: None) -> AsyncGenerator[SimFolderSimulator]:
    """A SimFolder account with 2 aggregators of 4 modems and 2 bank cards each."""
    sim = SimFolderSimulator(aggregators=2, cards=4, bank_cards=2, seed=3)
    sim.delay = 0.01
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
def make(session: aiohttp.ClientSession, cloud: SimFolderSimulator) -> Factory:
    """Build clients with short pauses."""

    def factory(api_key: str = "demo-api-key", **kwargs: Any) -> SimFolderClient:
        options: dict[str, Any] = {
            "retry_pauses": (0.01, 0.02),
            "reply_poll_interval": 0.02,
        }
        return SimFolderClient(
            session,
            ClientConfig(url=cloud.url, api_key=api_key),
            **(options | kwargs),
        )

    return factory


@pytest.fixture
async def client(make: Factory) -> SimFolderClient:
    """A client that has polled once."""
    client = make()
    await client.get_info()
    await client.poll()
    return client


def notification(kind: str, **fields: Any) -> bytes:
    return json.dumps({"event": kind, **fields}).encode()


# --- identity, errors, budget -----------------------------------------------------


async def test_account_identity_and_bad_key(make: Factory) -> None:
    info = await make().get_info()
    assert info.type is GatewayType.SIMFOLDER
    assert info.unique_id == "10001"
    assert info.firmware == "1.3"
    with pytest.raises(GatewayAuthError):
        await make("wrong").get_info()


async def test_create_client_builds_simfolder(
    session: aiohttp.ClientSession, cloud: SimFolderSimulator
) -> None:
    client = create_client(
        GatewayType.SIMFOLDER, session, ClientConfig(url=cloud.url, api_key="x")
    )
    assert isinstance(client, SimFolderClient)


async def test_unreachable_cloud(session: aiohttp.ClientSession) -> None:
    client = SimFolderClient(
        session, ClientConfig(url="http://127.0.0.1:9/api/", api_key="k", timeout=1)
    )
    with pytest.raises(GatewayConnectionError):
        await client.get_info()


async def test_identity_without_account_in_settings(
    make: Factory, cloud: SimFolderSimulator
) -> None:
    cloud.account = ""
    assert (await make().get_info()).unique_id == "device-1"
    cloud.devices.clear()
    assert (await make().get_info()).unique_id.startswith("key-")


@pytest.mark.parametrize(("aggregators", "cards"), [(1, 4), (20, 32)])
async def test_poll_cycle_costs_the_same_whatever_the_size(
    session: aiohttp.ClientSession, socket_enabled: None, aggregators: int, cards: int
) -> None:
    sim = SimFolderSimulator(aggregators=aggregators, cards=cards, seed=1)
    await sim.start()
    try:
        client = SimFolderClient(
            session, ClientConfig(url=sim.url, api_key=sim.api_key)
        )
        await client.poll()
        await client.fetch_inbox(None)
        await client.poll_events()
        client.requests_made = 0
        state = await client.poll()
        await client.fetch_inbox(0)
        await client.poll_events()
        assert client.requests_made == 5
        assert len(state.ports) == aggregators * cards
        assert len(state.devices) == aggregators
    finally:
        await sim.stop()


async def test_rate_limit_retried_with_growing_pauses(
    client: SimFolderClient, cloud: SimFolderSimulator
) -> None:
    cloud.rate_limit_next = 2
    assert len(await client.card_list()) == 12
    assert client.rate_limited == 2
    cloud.rate_limit_next = 3
    with pytest.raises(GatewayBusyError):
        await client.card_list()


async def test_error_answers_map_to_errors(
    client: SimFolderClient, cloud: SimFolderSimulator
) -> None:
    cloud.fail_next["telegramSend"] = ErrorKind.FAILED
    with pytest.raises(GatewayRefusedError, match="telegramSend"):
        await client.send_telegram("x")
    cloud.fail_next["cardList"] = ErrorKind.AUTH
    with pytest.raises(GatewayAuthError):
        await client.card_list()


async def test_non_json_answer(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    from aiohttp import web

    async def html(_request: web.Request) -> web.Response:
        return web.Response(text="<html>")

    app = web.Application()
    app.router.add_route("*", "/api/", html)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        client = SimFolderClient(
            session, ClientConfig(url=f"http://127.0.0.1:{port}/api/", api_key="k")
        )
        with pytest.raises(GatewayResponseError):
            await client.version()
    finally:
        await runner.cleanup()


# --- devices and cards ----------------------------------------------------------------


async def test_poll_reads_aggregators_and_cards(
    client: SimFolderClient, cloud: SimFolderSimulator
) -> None:
    cloud.cards[101].state = 5
    cloud.cards[102].state = 6
    cloud.devices[2].online = False
    state = await client.poll()
    card = state.ports["card_101"]
    assert card.registration is Registration.ROAMING
    assert card.signal_dbm == -113 + 2 * cloud.cards[101].signal
    assert card.parent_key == "aggregator_1"
    assert card.sim is not None
    assert card.sim.phone_number == cloud.cards[101].number
    assert card.sim.operator in {"Kyivstar", "Vodafone UA", "lifecell"}
    assert state.ports["card_102"].registration is Registration.NO_SIM
    assert state.ports["card_105"].registration is Registration.POWER_OFF  # in the bank
    aggregator = state.devices["aggregator_2"]
    assert aggregator.online is False
    assert aggregator.firmware == "3.4.2"


async def test_every_method_reaches_the_cloud(
    client: SimFolderClient, cloud: SimFolderSimulator
) -> None:
    await cloud.receive_sms(101, "+1", "a")
    await client.version()
    await client.device_state(1)
    await client.device_edit(1, {"device_title": "Office"})
    await client.card_edit(101, {"name": "Work"})
    await client.card_select(105, 1, 0)
    await client.card_direct([101, 102])
    await client.operator_list()
    await client.operator_edit(1, {"title": "KS"})
    await client.settings_get()
    await client.settings_set("https://x", {"smsReceived": True})
    await client.sms_send(102, "+2", "b")
    await client.sms_list()
    await client.sms_outgoing_list()
    await client.sms_delete(["1"])
    await client.sms_outgoing_delete(before=datetime.now(UTC) + timedelta(days=1))
    await client.ussd_send(102, "*100#")
    await client.ussd_list()
    await client.ussd_delete(["999"])
    await cloud.incoming_call(103, "+3")
    await client.call_answer(103)
    await client.call_end(103)
    await client.call_begin(104, "+4")
    await client.call_list()
    await client.call_outgoing_list()
    await client.call_delete(["1"])
    await client.call_outgoing_delete(["1"])
    await client.at_send(102, "AT")
    await client.at_list()
    await client.telegram_send("hi")
    await cloud.settle()
    assert {r.method for r in cloud.requests} == set(wire.METHODS)
    assert cloud.devices[1].title == "Office"
    assert cloud.cards[101].name == "Work"
    assert cloud.cards[105].modem == 0
    assert cloud.cards[101].modem is None
    assert cloud.cards[102].direct
    assert cloud.operators[1] == "KS"
    assert cloud.telegrams == ["hi"]
    assert cloud.records["sms"] == []
    assert cloud.records["smsOut"] == []


async def test_generic_actions(
    client: SimFolderClient, cloud: SimFolderSimulator
) -> None:
    await client.select_card(101, 105)
    assert cloud.cards[105].modem == 0
    await client.direct_cards([102])
    assert cloud.cards[102].direct
    await client.edit_record(EditTarget.PORT, "102", {"name": "Backup"})
    await client.edit_record(EditTarget.DEVICE, "aggregator_2", {"device_title": "Lab"})
    await client.edit_record(EditTarget.OPERATOR, "102", {"title": "Renamed"})
    assert cloud.cards[102].name == "Backup"
    assert cloud.devices[2].title == "Lab"
    assert cloud.operators[cloud.cards[102].operator_id] == "Renamed"
    with pytest.raises(GatewayBadRequestError):
        await client.edit_record(EditTarget.PORT, "999", {"name": "x"})
    with pytest.raises(GatewayBadRequestError):
        await client.edit_record(EditTarget.DEVICE, "nope", {"name": "x"})
    with pytest.raises(GatewayBadRequestError):
        await client.edit_record(EditTarget.PORT, "102", {})
    with pytest.raises(GatewayBadRequestError):
        await client.select_card(999, 105)
    await cloud.receive_sms(103, "+1", "x")
    await cloud.receive_sms(103, "+1", "y")
    assert await client.delete_records(RecordKind.SMS_RECEIVED, ids=["1"]) == 1
    assert (
        await client.delete_records(
            RecordKind.SMS_RECEIVED, before=datetime.now(UTC) + timedelta(hours=1)
        )
        == 1
    )
    with pytest.raises(GatewayBadRequestError):
        await client.delete_records(RecordKind.USSD)
    await client.make_call(103, "+380501234567")
    await client.end_call(103)
    await cloud.incoming_call(102, "+1")
    await client.answer_call(102)
    with pytest.raises(GatewayRefusedError):
        await client.answer_call(103)


# --- messages ----------------------------------------------------------------------------


async def test_inbox_backfill_and_ids_agree_with_notifications(
    client: SimFolderClient, cloud: SimFolderSimulator
) -> None:
    assert await client.fetch_inbox(None) == []
    record = await cloud.receive_sms(103, "+380671112233", "Код 1234")
    [listed] = await client.fetch_inbox(0)
    assert listed.sequence == 1
    assert listed.port == 103
    pushed = client.parse_push(
        notification("smsReceived", **wire.write_record(record))
    ).events[0]
    assert isinstance(pushed, InboundSms)
    assert pushed.message_id == listed.message_id
    assert pushed.text == "Код 1234"
    assert await client.fetch_inbox(1) == []


async def test_send_and_follow_statuses(
    client: SimFolderClient, cloud: SimFolderSimulator
) -> None:
    cloud.auto_complete = False
    result = await client.send_sms(
        SendRequest(numbers=("+380501", "+380502"), text="Привіт 👋", ports=(101,))
    )
    assert [m.status for m in result.messages] == [SmsStatus.SENDING] * 2
    assert [r[Field.TO] for r in cloud.records["smsOut"]] == ["+380501", "+380502"]
    assert client.has_pending_sends()
    cloud.records["smsOut"][0][Field.STATUS] = 1
    [update] = await client.fetch_sms_statuses()
    assert update.status is SmsStatus.SENT
    assert update.number == "+380501"
    # The notification of the same fact is the same fact; then delivery.
    body = notification("smsSended", card_id=101, addressee="+380501", status=2)
    [delivered] = client.parse_push(body).events
    assert isinstance(delivered, SmsStatusUpdate)
    assert delivered.status is SmsStatus.DELIVERED
    assert delivered.message_id == result.messages[0].message_id
    failed = notification("smsSended", card_id=101, addressee="+380502", status=0)
    assert client.parse_push(failed).events[0].status is SmsStatus.FAILED  # type: ignore[union-attr]
    assert not client.has_pending_sends()
    stranger = notification("smsSended", card_id=101, addressee="+999", status=1)
    assert client.parse_push(stranger).events[0].message_id is None  # type: ignore[union-attr]


async def test_send_picks_a_registered_card_and_reports_refusals(
    client: SimFolderClient, cloud: SimFolderSimulator
) -> None:
    result = await client.send_sms(SendRequest(numbers=("+1",), text="x"))
    assert cloud.cards[result.messages[0].port or 0].state == 1
    cloud.cards[101].state = 0
    with pytest.raises(GatewayRefusedError):
        await client.send_sms(SendRequest(numbers=("+1",), text="x", ports=(101,)))
    for card in cloud.cards.values():
        card.state = 0
    await client.poll()
    with pytest.raises(GatewayBusyError):
        await client.send_sms(SendRequest(numbers=("+1",), text="x"))


async def test_state_survives_a_restart(
    client: SimFolderClient, make: Factory, cloud: SimFolderSimulator
) -> None:
    await client.poll_events()
    cloud.auto_complete = False
    await client.send_sms(SendRequest(numbers=("+1",), text="x", ports=(101,)))
    saved = json.loads(json.dumps(client.export_state()))
    await cloud.incoming_call(102, "+380")
    again = make()
    again.restore_state(saved | {"sent": [*saved["sent"], {"bad": 1}]})
    assert again.has_pending_sends()
    [call] = await again.poll_events()
    assert isinstance(call, CallEvent)
    assert call.state is CallEventState.MISSED


# --- USSD, AT ---------------------------------------------------------------------------


async def test_ussd_reply_by_list(client: SimFolderClient) -> None:
    reply = await client.send_ussd(101, "*100#", 5)
    assert reply == UssdReply(port=101, text=cloud_reply())


def cloud_reply() -> str:
    from simulator.simfolder import DEFAULT_USSD_REPLIES

    return DEFAULT_USSD_REPLIES["*100#"]


async def test_ussd_reply_by_notification(
    client: SimFolderClient, cloud: SimFolderSimulator
) -> None:
    cloud.delay = 60
    client.reply_poll_interval = 30
    task = asyncio.create_task(client.send_ussd(102, "*111#", 5))
    while not cloud.calls("ussdSend"):  # noqa: ASYNC110 - the cloud has no hook
        await asyncio.sleep(0.01)
    client.parse_push(notification("ussdReceived", card_id=102, msg="Your number"))
    assert (await task).text == "Your number"


async def test_ussd_timeout(client: SimFolderClient, cloud: SimFolderSimulator) -> None:
    cloud.delay = 60
    with pytest.raises(GatewayRefusedError, match="no reply"):
        await client.send_ussd(101, "*100#", 0.1)


async def test_at_command_reply(
    client: SimFolderClient, cloud: SimFolderSimulator
) -> None:
    reply = await client.send_at_command(101, "AT+CSQ", 5)
    assert reply == f"+CSQ: {cloud.cards[101].signal},99\r\nOK"
    with pytest.raises(GatewayRefusedError):
        await client.send_at_command(101, "hello", 5)


# --- notifications ---------------------------------------------------------------------------


async def test_all_nine_notifications(client: SimFolderClient) -> None:
    now = "2026-12-01 10:00:00"
    base: dict[str, Any] = {
        "device_id": 1,
        "device_title": "A",
        "card_id": 101,
        "number": "+1",
        "name": "S",
    }
    events: dict[str, tuple[Any, ...]] = {
        kind: client.parse_push(notification(kind, **base, **extra)).events
        for kind, extra in dict[str, dict[str, Any]](
            {
                "ussdReceived": {"msg": "Balance"},
                "smsReceived": {"time": now, "sender": "+2", "msg": "Hi"},
                "smsSended": {"addressee": "+3", "status": 1},
                "callIncoming": {"time": now, "incoming": "+4"},
                "callBegin": {"time": now, "incoming": "+4"},
                "callEnd": {"time": now, "incoming": "+4"},
                "callOutgoing": {"time": now, "outgoing": "+5"},
                "simStatus": {"state": -3},
            }
        ).items()
    }
    events["deviceState"] = client.parse_push(
        notification("deviceState", device_id=2, device_title="B", state="offline")
    ).events
    assert events["ussdReceived"] == (UssdReply(port=101, text="Balance"),)
    assert events["smsReceived"][0].timestamp == datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert events["smsSended"][0].status is SmsStatus.SENT
    assert [
        events[k][0].state
        for k in ("callIncoming", "callBegin", "callEnd", "callOutgoing")
    ] == [
        CallEventState.INCOMING,
        CallEventState.ANSWERED,
        CallEventState.ENDED,
        CallEventState.OUTGOING,
    ]
    assert events["callOutgoing"][0].number == "+5"
    assert events["simStatus"] == (
        PortStatusChange(port=101, registration=Registration.POWER_OFF),
    )
    [change] = events["deviceState"]
    assert isinstance(change, GatewayStatusChange)
    assert change.online is False
    assert change.device_key == "aggregator_2"


async def test_aggregator_back_online_reads_its_modems(
    client: SimFolderClient, cloud: SimFolderSimulator
) -> None:
    """After an online notification, the next poll asks deviceState once."""
    client.parse_push(notification("deviceState", device_id=1, state="offline"))
    client.parse_push(notification("deviceState", device_id=1, state="online"))
    cloud.cards[102].state = 5
    before = len(cloud.requests)
    state = await client.poll()
    assert [r.method for r in cloud.requests[before:]] == [
        "deviceList",
        "cardList",
        "deviceState",
    ]
    assert state.ports["card_102"].registration is Registration.ROAMING
    before = len(cloud.requests)
    await client.poll()
    assert "deviceState" not in [r.method for r in cloud.requests[before:]]


async def test_history_is_read_to_its_end(
    client: SimFolderClient, cloud: SimFolderSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More records than a page: the first set-up's mark is the newest of all."""
    from custom_components.gsm_gateway.api.simfolder import methods

    monkeypatch.setattr(methods, "LIST_LIMIT", 3)
    monkeypatch.setattr(
        "custom_components.gsm_gateway.api.simfolder.client.LIST_LIMIT", 3
    )
    for n in range(7):
        await cloud.receive_sms(101, "+1", f"old {n}")
        await cloud.incoming_call(102, "+2")
    history = await client.fetch_inbox(None)
    assert [m.text for m in history] == [f"old {n}" for n in range(7)]
    assert await client.poll_events() == []
    await cloud.incoming_call(103, "+3")
    [call] = await client.poll_events()
    assert isinstance(call, CallEvent)
    assert call.port == 103


async def test_a_status_never_goes_back(
    client: SimFolderClient, cloud: SimFolderSimulator
) -> None:
    """A list that lags behind a notification does not undo it."""
    cloud.auto_complete = False
    await client.send_sms(SendRequest(numbers=("+1",), text="x", ports=(101,)))
    client.parse_push(notification("smsSended", card_id=101, addressee="+1", status=1))
    assert await client.fetch_sms_statuses() == []
    assert client.has_pending_sends()


async def test_pushed_facts_are_not_polled_again(
    client: SimFolderClient, cloud: SimFolderSimulator
) -> None:
    await client.poll_events()
    await cloud.incoming_call(101, "+380")
    call = cloud.records["call"][-1]
    client.parse_push(
        notification(
            "callIncoming",
            card_id=101,
            incoming="+380",
            time=wire.format_value(call[Field.TIME]),
        )
    )
    await client.send_ussd(101, "*100#", 5)
    client.parse_push(notification("ussdReceived", card_id=101, msg=cloud_reply()))
    assert await client.poll_events() == []


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            notification("smsReceived", card_id=999, sender="+1", msg="x"),
            ForeignPushError,
        ),
        (notification("deviceState", device_id=99, state="online"), ForeignPushError),
        (notification("smsReceived", card_id=101, msg="x"), PushError),
        (notification("simStatus"), PushError),
        (notification("deviceState", state="online"), PushError),
        (notification("smsSended", card_id=101, addressee="+1", status=7), PushError),
        (notification("somethingElse", card_id=101), PushError),
        (b"[1, 2]", PushError),
        (b"not json", PushError),
    ],
)
async def test_refused_notifications(
    client: SimFolderClient, body: bytes, error: type[Exception]
) -> None:
    with pytest.raises(error):
        client.parse_push(body, "application/json")


async def test_notification_before_any_poll_is_refused(make: Factory) -> None:
    with pytest.raises(ForeignPushError):
        make().parse_push(notification("smsReceived", card_id=1, sender="+1", msg="x"))


async def test_push_settings_kept_written_and_restored(
    client: SimFolderClient, cloud: SimFolderSimulator
) -> None:
    cloud.settings_url = "https://theirs.example/hook"
    cloud.settings_kinds["smsReceived"] = True
    saved = await client.read_push_settings()
    assert saved is not None
    assert saved["url"] == "https://theirs.example/hook"
    assert await client.configure_push("https://ha.example/api/webhook/x")
    assert cloud.settings_url == "https://ha.example/api/webhook/x"
    assert all(cloud.settings_kinds.values())
    await client.restore_push_settings(saved)
    assert cloud.settings_url == "https://theirs.example/hook"
    assert [k for k, on in cloud.settings_kinds.items() if on] == ["smsReceived"]
    await client.restore_push_settings({})
    assert not cloud.settings_url
    assert not any(cloud.settings_kinds.values())


# --- the wire module's readers -------------------------------------------------------------


def test_wire_reads_what_it_may_meet() -> None:
    form = wire.decode_notification(
        b"event=smsReceived&card_id=5&sender=%2B1&msg=hi",
        "application/x-www-form-urlencoded",
        None,
    )
    assert form.kind == "smsReceived"
    assert form.fields[Field.TEXT] == "hi"
    by_query = wire.decode_notification(b"", None, {"type": "SIMSTATUS"})
    assert by_query.kind == "simStatus"
    with pytest.raises(ValueError, match="JSON"):
        wire.decode_notification(b"plain", "text/plain", None)
    assert wire.parse_time(1764583200) == datetime(2025, 12, 1, 10, tzinfo=UTC)
    assert wire.parse_time("1764583200") == datetime(2025, 12, 1, 10, tzinfo=UTC)
    assert wire.parse_time("2026-12-01T10:00:00+02:00") == datetime(
        2026, 12, 1, 8, tzinfo=UTC
    )
    assert wire.parse_time("soon") is None
    assert wire.parse_time(None) is None
    assert wire.decode_answer([1]) == [1]
    assert wire.decode_answer({"result": 3}) == 3
    assert wire.decode_answer({"status": "ok", "x": 1}) == {"x": 1}
    with pytest.raises(wire.WireError) as failed:
        wire.decode_answer({"error": "Too many requests"})
    assert failed.value.kind is ErrorKind.RATE_LIMIT
    with pytest.raises(wire.WireError) as failed:
        wire.decode_answer("x")
    assert wire.classify_error("403", "") is ErrorKind.AUTH
    assert wire.classify_error(None, "", 404) is ErrorKind.NOT_FOUND
    assert wire.classify_error(None, "", 400) is ErrorKind.BAD_REQUEST
    assert wire.records({"7": {"card_id": 7}}) == [{Field.CARD: 7}]
    assert wire.records(None) == []
    assert wire.deleted_count(4, 1) == 4
    assert wire.deleted_count({}, 2) == 2
    assert wire.record_id(9) == "9"
    assert wire.record_id(None) is None
    assert wire.read_settings([]) == (None, {})
    assert wire.account_of([]) is None


def test_records_read_what_they_may_meet() -> None:
    """Values in the forms a JSON API may send them."""
    from custom_components.gsm_gateway.api.simfolder.records import (
        api_error,
        checked_fields,
        read_aggregator,
        read_card,
        read_dbm,
        read_online,
        same_number,
        to_int,
    )

    assert [
        read_online(v) for v in (True, 1, 0.0, " Online ", "0", "1", "x", None)
    ] == [
        True,
        True,
        False,
        True,
        False,
        True,
        None,
        None,
    ]
    assert [read_dbm(v) for v in (-71, "20", 99, 40, None)] == [
        -71,
        -73,
        None,
        None,
        None,
    ]
    assert [to_int(v) for v in (True, 3.0, 3.5, " -4 ", "x")] == [
        None,
        3,
        None,
        -4,
        None,
    ]
    assert same_number("+380 50 111", "00380-50-111")
    assert read_aggregator({}) is None
    assert read_card({}) is None
    aggregator = read_aggregator({Field.DEVICE: "7", Field.NAME: "Named"})
    assert aggregator is not None
    assert aggregator.title == "Named"
    card = read_card({Field.CARD: 5})
    assert card is not None
    assert card.registration is Registration.UNKNOWN
    busy = api_error(
        "x", wire.WireError(kind=ErrorKind.RATE_LIMIT, code=429, message="")
    )
    assert isinstance(busy, GatewayBusyError)
    with pytest.raises(GatewayBadRequestError):
        checked_fields({"name": [1]})
    with pytest.raises(GatewayBadRequestError):
        checked_fields({" ": "x"})


async def test_failures_pause_every_call(
    make: Factory, cloud: SimFolderSimulator
) -> None:
    """An outage is not retried in a storm: each failure pauses longer (SPEC §8)."""
    now = [1000.0]
    backoff = Backoff(first=30, clock=lambda: now[0])
    client = make(backoff=backoff)
    cloud.rate_limit_next = 3
    with pytest.raises(GatewayBusyError):
        await client.version()
    before = len(cloud.requests)
    with pytest.raises(GatewayConnectionError, match="next try"):
        await client.version()
    assert len(cloud.requests) == before
    now[0] += 31
    assert await client.version() == "1.3"
    assert backoff.failures == 0
    cloud.fail_next["version"] = ErrorKind.FAILED
    with pytest.raises(GatewayRefusedError):
        await client.version()
    assert backoff.failures == 0


async def test_a_refused_number_fails_alone(
    client: SimFolderClient, cloud: SimFolderSimulator
) -> None:
    """The first number refused raises; a later one is reported failed."""
    cloud.blocked_numbers = {"+2"}
    result = await client.send_sms(
        SendRequest(numbers=("+1", "+2"), text="x", ports=(101,))
    )
    assert [m.status for m in result.messages] == [SmsStatus.SENDING, SmsStatus.FAILED]
    with pytest.raises(GatewayRefusedError, match="blocked"):
        await client.send_sms(SendRequest(numbers=("+2",), text="x", ports=(101,)))
