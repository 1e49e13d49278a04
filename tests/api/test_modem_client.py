"""The modem client against the simulated modem: the serial line and its corners.

Most of it over TCP (`socket://`), one test over a real pseudo-terminal so
the serial path of serialx is walked too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custom_components.gsm_gateway.api import (
    CallEvent,
    ClientConfig,
    Encoding,
    GatewayAnswerLostError,
    GatewayBadRequestError,
    GatewayBusyError,
    GatewayConnectionError,
    GatewayRefusedError,
    GatewayStatusChange,
    InboundSms,
    PortStatusChange,
    Push,
    PushError,
    Registration,
    SendRequest,
    SimLockedError,
    SmsStatus,
    SmsStatusUpdate,
    UssdReply,
    create_client,
)
from custom_components.gsm_gateway.api.modem import ModemClient, parse
from custom_components.gsm_gateway.api.modem.line import AtCommandError, answer_prefix
from simulator.modem import ModemSimulator
from simulator.modem.wire import deliver_pdus, status_report_pdu


@pytest.fixture
async def modem(socket_enabled: None) -> AsyncGenerator[ModemSimulator]:
    sim = ModemSimulator()
    await sim.start_tcp("127.0.0.1", 0)
    yield sim
    await sim.stop()


@pytest.fixture
async def client(modem: ModemSimulator) -> AsyncGenerator[ModemClient]:
    made = create_client(
        ModemClient.type,
        None,
        ClientConfig(url=modem.url),  # type: ignore[arg-type]
    )
    assert isinstance(made, ModemClient)
    yield made
    await made.close()


class Pushes:
    """What the client tells its subscribers, awaited."""

    def __init__(self, client: ModemClient) -> None:
        self.items: list[Push] = []
        self._changed = asyncio.Event()
        self.unsubscribe = client.subscribe(self._take)

    def _take(self, push: Push) -> None:
        self.items.append(push)
        self._changed.set()

    async def of(self, kind: type, count: int = 1) -> list[Any]:
        async with asyncio.timeout(5):
            while len(found := self.events(kind)) < count:
                self._changed.clear()
                await self._changed.wait()
        return found

    def events(self, kind: type) -> list[Any]:
        return [e for push in self.items for e in push.events if isinstance(e, kind)]


async def test_pseudo_terminal_line(socket_enabled: None) -> None:
    sim = ModemSimulator()
    path = sim.start_pty()
    client = ModemClient(ClientConfig(url=path, baudrate=115200))
    try:
        info = await client.get_info()
        assert info.unique_id == sim.imei
        state = await client.poll()
        assert state.ports["sim"].registration is Registration.REGISTERED
        pushes = Pushes(client)
        sim.receive_sms("+380671112233", "Over a real tty")
        (message,) = await pushes.of(InboundSms)
        assert message.text == "Over a real tty"
    finally:
        await client.close()
        await sim.stop()


async def test_echo_is_told_apart_and_turned_off(
    client: ModemClient, modem: ModemSimulator
) -> None:
    info = await client.get_info()
    assert info.firmware == "EC25EFAR06A08M4G"  # "Revision: " taken off
    assert info.name == "Quectel EC25"
    assert modem.commands[:2] == ["AT", "ATE0"]
    assert modem.echo is False
    assert client.requests_made == len(modem.commands)


async def test_poll_reads_sim_once_then_signal_each_time(
    client: ModemClient, modem: ModemSimulator
) -> None:
    state = await client.poll()
    port = state.ports["sim"]
    assert port.sim is not None
    assert port.sim.iccid == modem.iccid
    assert port.sim.imsi == modem.imsi
    assert port.sim.phone_number == "+380501234567"
    assert port.sim.operator == "Kyivstar"
    assert port.sim.smsc == "+380672021111"
    assert port.gprs_attached is True
    assert port.network_type == "LTE"
    assert port.signal_dbm == -113 + 2 * modem.rssi
    before = len(modem.commands)
    modem.operator = "lifecell"
    state = await client.poll()
    # The poll's budget: constant, and no SIM identity re-read (SPEC §8).
    assert len(modem.commands) - before == 7
    assert state.ports["sim"].sim is not None
    assert state.ports["sim"].sim.operator == "lifecell"


async def test_2g_module_without_cereg(socket_enabled: None) -> None:
    sim = ModemSimulator(lte=False, registration=5)
    await sim.start_tcp()
    client = ModemClient(ClientConfig(url=sim.url))
    try:
        port = (await client.poll()).ports["sim"]
        assert port.registration is Registration.ROAMING
        assert port.roaming is True
        assert port.network_type == "GSM"
    finally:
        await client.close()
        await sim.stop()


async def test_not_registered_shows_no_signal(
    client: ModemClient, modem: ModemSimulator
) -> None:
    modem.registration = 2
    port = (await client.poll()).ports["sim"]
    assert port.registration is Registration.SEARCHING
    assert port.signal_dbm is None


async def test_no_sim_and_locked_sim_states(
    client: ModemClient, modem: ModemSimulator
) -> None:
    modem.sim_inserted = False
    assert (await client.poll()).ports["sim"].registration is Registration.NO_SIM
    assert await client.fetch_inbox(None) == []
    modem.sim_inserted = True
    modem.pin, modem.unlocked = "1234", False
    assert (await client.poll()).ports["sim"].registration is Registration.PIN_REQUIRED
    modem.puk_locked = True
    assert (await client.poll()).ports["sim"].registration is Registration.PUK_REQUIRED
    with pytest.raises(SimLockedError) as err:
        await client.get_info()
    assert err.value.state == "puk_required"


async def test_sim_unlocked_later_sets_messages_up(
    client: ModemClient, modem: ModemSimulator
) -> None:
    modem.pin, modem.unlocked = "1234", False
    with pytest.raises(SimLockedError):
        await client.get_info()
    modem.unlocked = True  # someone entered it (AT command, another tool)
    await client.poll()
    assert modem.cmgf == 0
    assert modem.cnmi[:2] == (2, 1)


async def test_cnmi_falls_back_to_what_the_modem_takes(socket_enabled: None) -> None:
    sim = ModemSimulator(cnmi_mt_allowed=(1,))
    await sim.start_tcp()
    client = ModemClient(ClientConfig(url=sim.url))
    try:
        await client.get_info()
        assert sim.cnmi[:2] == (1, 1)
        assert "AT+CNMI=2,1,0,1,0" in sim.commands
    finally:
        await client.close()
        await sim.stop()


async def test_status_report_in_the_middle_of_an_answer(
    client: ModemClient, modem: ModemSimulator
) -> None:
    """`+CDS` and its PDU land between a poll's lines: both still its own."""
    await client.get_info()
    pushes = Pushes(client)
    result = await client.send_sms(
        SendRequest(numbers=("+4917612345678",), text="hi", delivery_report=True)
    )
    (sent,) = result.messages
    # The first report comes with no command running.
    (update,) = await pushes.of(SmsStatusUpdate)
    assert update.message_id == sent.message_id
    assert update.status is SmsStatus.DELIVERED
    # The next one lands inside the first answer of a poll.
    client.sends.follow("88", "+1", [99])
    modem.urc_mid_answer = True
    modem.urc(f"+CDS: 26\r\n{status_report_pdu(99, '+1', _now(), _now(), 0)}")
    state = await client.poll()
    assert state.ports["sim"].signal_dbm == -113 + 2 * modem.rssi
    _, second = await pushes.of(SmsStatusUpdate, 2)
    assert second.message_id == "88"


async def test_stored_status_report_and_unreadable_message(
    client: ModemClient, modem: ModemSimulator
) -> None:
    await client.get_info()
    pushes = Pushes(client)
    result = await client.send_sms(
        SendRequest(numbers=("+4917612345678",), text="x", delivery_report=False)
    )
    assert result.messages[0].status is SmsStatus.SENT
    # Following a send by hand: this modem stores its reports (CNMI ds=2).
    client.sends.follow("77", "+4917612345678", [200])
    modem.store[1] = (0, status_report_pdu(200, "+4917612345678", _now(), _now(), 0x46))
    modem.store[2] = (0, "07FF00")  # cut short
    modem.store[3] = (0, deliver_pdus("+1", "fine", _now(), 1)[0])
    messages = await client.fetch_inbox(None)
    assert [m.text for m in messages] == ["fine"]
    (update,) = pushes.events(SmsStatusUpdate)
    assert update.status is SmsStatus.UNDELIVERED
    assert 1 not in modem.store  # a report needs no confirmation
    await client.confirm_inbox([messages[0].message_id])
    assert modem.store == {}  # the unreadable one went with it


async def test_direct_delivery_cmt(client: ModemClient, modem: ModemSimulator) -> None:
    await client.get_info()
    pushes = Pushes(client)
    pdu = deliver_pdus("+380671112233", "Straight to you", _now(), 3)[0]
    modem.urc(f"+CMT: ,{len(pdu) // 2 - 8}\r\n{pdu}")
    (message,) = await pushes.of(InboundSms)
    assert message.text == "Straight to you"
    assert client.inbox.locations == {}  # nothing stored, nothing to delete


async def test_send_refusals(client: ModemClient, modem: ModemSimulator) -> None:
    await client.get_info()
    with pytest.raises(GatewayBadRequestError):
        await client.send_sms(SendRequest(numbers=("ALARM",), text="x"))
    modem.registration = 0
    with pytest.raises(GatewayBusyError):
        await client.send_sms(SendRequest(numbers=("+1",), text="x"))
    modem.registration = 1
    result = await client.send_sms(
        SendRequest(numbers=("+1",), text="Ünïcödé?", encoding=Encoding.UCS2)
    )
    assert result.requests == 1
    assert modem.sent[-1].submitted.ucs2


async def test_answer_lost_after_the_pdu(
    client: ModemClient, modem: ModemSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No answer once the PDU went: it may be on the air, never sent again blindly."""
    monkeypatch.setattr(
        "custom_components.gsm_gateway.api.modem.client.SEND_TIMEOUT", 0.1
    )
    await client.get_info()
    original = modem._take_pdu

    def swallow(pdu: str, length: int) -> list[str]:
        modem.mute = True  # the modem hangs right after taking it
        return original(pdu, length)

    modem._take_pdu = swallow  # type: ignore[method-assign]
    with pytest.raises(GatewayAnswerLostError):
        await client.send_sms(SendRequest(numbers=("+1",), text="maybe sent"))
    assert modem.sent_texts() == [("+1", "maybe sent")]
    modem._take_pdu = original  # type: ignore[method-assign]
    modem.mute = False
    # No prompt yet when the wait ends: nothing went, safe to send later.
    modem.answer_delay = 0.5
    with pytest.raises(GatewayConnectionError) as err:
        await client.send_sms(SendRequest(numbers=("+1",), text="not sent"))
    assert not isinstance(err.value, GatewayAnswerLostError)
    assert len(modem.sent) == 1


async def test_ussd_variants(client: ModemClient, modem: ModemSimulator) -> None:
    pushes = Pushes(client)
    modem.ussd_replies["*5#"] = "ok"
    modem.ussd_form = "text"
    assert (await client.send_ussd(1, "*5#", 5)).text == "ok"
    with pytest.raises(GatewayRefusedError):
        await client.send_ussd(1, "*0#", 5)  # the network knows no such code
    modem.urc("+CUSD: 5")
    modem.urc('+CUSD: 2,"Session ended",15')
    (reply,) = await pushes.of(UssdReply)
    assert reply.text == "Session ended"
    modem.ussd_delay = 10
    with pytest.raises(GatewayConnectionError):
        await client.send_ussd(1, "*5#", 0.05)


async def test_ussd_packed_code_for_modems_that_want_it(
    client: ModemClient, modem: ModemSimulator
) -> None:
    """A modem refusing the plain code gets it as packed GSM-7 hex."""
    modem.ussd_replies["AA180C3602"] = "packed ok"
    modem.ussd_form = "text"
    original = modem._ussd

    def strict(value: str) -> list[str]:
        return (
            ["ERROR"] if "*" in value else original(value.replace("AA180C3602", "*5#"))
        )

    modem._ussd = strict  # type: ignore[method-assign]
    modem.ussd_replies["*5#"] = "packed ok"
    assert (await client.send_ussd(1, "*100#", 5)).text == "packed ok"


async def test_ussd_menu_session_is_ended(
    client: ModemClient, modem: ModemSimulator
) -> None:
    modem.ussd_status = 1
    modem.ussd_replies["*111#"] = "1 Balance 2 Tariffs"
    assert (await client.send_ussd(1, "*111#", 5)).text == "1 Balance 2 Tariffs"
    assert modem.commands[-1] == "AT+CUSD=2"
    with pytest.raises(GatewayBadRequestError):
        await client.send_ussd(1, '*1#",15\rAT+CFUN=0', 5)


async def test_network_timeout_ussd(client: ModemClient, modem: ModemSimulator) -> None:
    await client.get_info()
    waiting = asyncio.ensure_future(client.send_ussd(1, "*9#", 5))
    await asyncio.sleep(0.01)
    modem.urc("+CUSD: 5")
    with pytest.raises(GatewayBusyError):
        await waiting


async def test_calls_from_the_line(
    client: ModemClient, modem: ModemSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("custom_components.gsm_gateway.api.modem.client.RING_GAP", 0.1)
    await client.get_info()
    pushes = Pushes(client)
    monkeypatch.setattr(
        "custom_components.gsm_gateway.api.modem.client.CLIP_WAIT", 0.02
    )
    # A modem without +CLIP: RING alone, a withheld caller, told at once.
    modem.clip = False
    modem.urc("RING")
    (incoming,) = await pushes.of(CallEvent)
    assert (incoming.state.value, incoming.number) == ("incoming", "")
    _, missed = await pushes.of(CallEvent, 2)
    assert missed.state.value == "missed"
    # SIM800's own notice; NO CARRIER while ringing: the caller gave up.
    modem.urc("RING")
    modem.urc('+CLIP: "+380671112233",145,"",0,"",0')
    modem.urc("NO CARRIER")
    events = await pushes.of(CallEvent, 4)
    assert [(e.state.value, e.number) for e in events[2:]] == [
        ("incoming", "+380671112233"),
        ("missed", "+380671112233"),
    ]
    modem.urc("MISSED_CALL: 10:23AM +380671112233")  # not ringing: nothing
    modem.urc("NO CARRIER")  # no call: nothing
    await client.poll()
    assert len(pushes.events(CallEvent)) == 4


async def test_registration_urcs(client: ModemClient, modem: ModemSimulator) -> None:
    await client.poll()
    pushes = Pushes(client)
    modem.urc("+CREG: 2")
    modem.urc("+CEREG: 2")
    (change,) = await pushes.of(PortStatusChange)
    assert change.registration is Registration.SEARCHING
    modem.urc("+CREG: x")  # unreadable: ignored
    modem.urc("+CPIN: NOT READY")
    modem.urc("^RSSI: 12")  # a Huawei extra, not ours
    await client.poll()
    assert len(pushes.events(PortStatusChange)) == 1


async def test_lost_line_reconnects_and_sweeps(
    client: ModemClient, modem: ModemSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "custom_components.gsm_gateway.api.modem.client.RECONNECT_PAUSES", (0.01,)
    )
    await client.get_info()
    pushes = Pushes(client)
    modem.unplug()
    (lost,) = await pushes.of(GatewayStatusChange)
    assert lost.online is False
    with pytest.raises(GatewayConnectionError):
        await client.poll()
    modem.store_message("+1", "came while out")
    modem.plug()
    _, back = await pushes.of(GatewayStatusChange, 2)
    assert back.online is True
    (message,) = await pushes.of(InboundSms)
    assert message.text == "came while out"


async def test_at_commands_and_controls(
    client: ModemClient, modem: ModemSimulator
) -> None:
    assert (
        await client.send_at_command(1, "ATI", 5)
        == "Quectel\nEC25\nRevision: EC25EFAR06A08M4G\nOK"
    )
    with pytest.raises(GatewayBadRequestError):
        await client.send_at_command(1, "reboot", 5)
    with pytest.raises(GatewayBadRequestError):
        await client.make_call(1, "+1;H")
    await client.set_power(1, False)
    assert (await client.poll()).ports["sim"].registration is Registration.POWER_OFF
    await client.set_power(1, True)
    await client.reset_module(1)
    assert "AT+CFUN=1,1" in modem.commands
    with pytest.raises(PushError):
        client.parse_push(b"{}")


async def test_state_kept_across_restarts(
    client: ModemClient, modem: ModemSimulator
) -> None:
    await client.get_info()
    await client.send_sms(SendRequest(numbers=("+1",), text="a" * 200))
    modem.receive_sms("+2", "b" * 200, drop={2})
    await client.fetch_inbox(None)
    state = client.export_state()
    again = ModemClient(ClientConfig(url=modem.url))
    again.restore_state(state)
    assert again.export_state() == state
    again.restore_state(
        {
            "inbox": {"waiting_since": {"x": "never"}},
            "sent": {"1": "bad"},
            "next_message": "x",
        }
    )
    assert again.export_state()["next_message"] == state["next_message"]


async def test_part_delivered_alone_after_giving_up(
    client: ModemClient, modem: ModemSimulator
) -> None:
    await client.get_info()
    modem.receive_sms("+2", "c" * 200, drop={1})
    client.inbox.part_timeout = timedelta(0)
    (partial,) = await client.fetch_inbox(None)
    await client.confirm_inbox([partial.message_id])
    modem.deliver_held_back()
    (late,) = await client.fetch_inbox(None)
    assert late.text.startswith("c" * 153)
    assert late.text.endswith("[…]")


async def test_line_timeout_closes_it(socket_enabled: None) -> None:
    sim = ModemSimulator()
    await sim.start_tcp()
    client = ModemClient(ClientConfig(url=sim.url))
    try:
        await client.get_info()
        sim.mute = True
        with pytest.raises(GatewayConnectionError):
            await client.send_at_command(1, "AT", 0.05)
        sim.mute = False
        assert (await client.poll()).online
    finally:
        await client.close()
        await sim.stop()


def test_answer_parsing() -> None:
    assert answer_prefix("AT+CSQ") == "+CSQ:"
    assert answer_prefix('AT+CUSD=1,"*100#",15') is None
    assert answer_prefix("ATI") is None
    assert parse.signal_dbm(["+CSQ: 99,99"]) is None
    assert parse.signal_dbm(["+CSQ: x"]) is None
    assert parse.signal_dbm([]) is None
    assert parse.registration(["+CREG: 0,5"], "+CREG:") is Registration.ROAMING
    assert parse.registration(["+CREG: 9"], "+CREG:") is Registration.UNKNOWN
    assert parse.registration(["+CREG: a,b"], "+CREG:") is None
    assert parse.registration([], "+CREG:") is None
    assert parse.operator(["+COPS: 0"]) is None
    assert parse.network_type(['+COPS: 0,0,"X",2']) == "UMTS"
    assert parse.network_type(['+COPS: 0,0,"X"']) is None
    assert parse.own_number(['+CNUM: "","380501234567",145']) == "+380501234567"
    assert parse.own_number(['+CNUM: "Me",""']) is None
    assert parse.iccid(["+ICCID: 8938006230012345678F"]) == "8938006230012345678"
    assert parse.iccid(["^ICCID: nope"]) is None
    assert parse.power(["+CFUN: 4"]) == 4
    assert parse.attached(["+CGATT: 0"]) is False
    assert parse.attached([]) is None
    assert parse.service_centre(['+CSCA: "380672021111",145']) == "+380672021111"
    assert parse.service_centre(['+CSCA: "",129']) is None
    assert parse.service_centre([]) is None
    assert parse.power(["+CFUN: x"]) is None
    assert parse.listing(["+CMGL: x,y", "00", "+CMGL: 1,0,,2", "0011"]) == [
        parse.StoredPdu(index=1, status=0, pdu="0011")
    ]
    assert parse.message_index('+CMTI: "SM",x') is None
    assert parse.message_reference(["+CMGS: 12"]) == 12
    assert parse.ussd("+CUSD: x") is None
    assert parse.caller('+CLIP: "0501234567",129') == "0501234567"
    assert parse.first_value([], None) is None
    err = AtCommandError("AT+CMGS=20", "+CMS ERROR: 42")
    assert err.cms
    assert err.code == 42
    assert not AtCommandError("AT", "ERROR").cme


def _now() -> datetime:
    return datetime.now(UTC)


async def test_replugged_stick_gets_its_pin_again(
    socket_enabled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stick powers up afresh when plugged back: the SIM asks its PIN again."""
    monkeypatch.setattr(
        "custom_components.gsm_gateway.api.modem.client.RECONNECT_PAUSES", (0.01,)
    )
    sim = ModemSimulator(pin="2468")
    await sim.start_tcp()
    client = ModemClient(ClientConfig(url=sim.url, pin="2468"))
    pushes = Pushes(client)
    try:
        await client.get_info()
        sim.unplug()
        await pushes.of(GatewayStatusChange)
        sim.plug()
        assert not sim.unlocked
        _, back = await pushes.of(GatewayStatusChange, 2)
        assert back.online is True
        assert sim.unlocked
        assert sim.commands.count('AT+CPIN="2468"') == 2
        assert (await client.poll()).ports[
            "sim"
        ].registration is Registration.REGISTERED
    finally:
        await client.close()
        await sim.stop()
