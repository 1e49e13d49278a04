"""A GSM/LTE modem behind AT commands (3GPP TS 27.007 and TS 27.005).

One serial line (`AtLine`), commands one at a time. What the modem tells
unasked arrives as unsolicited result codes and is handed to subscribers as
pushes (`subscribe`): a new message (`+CMTI`, then the store is read whole),
a delivery report (`+CDS`), a USSD reply (`+CUSD`), a call (`RING`, `+CLIP`)
and registration changes. The poll reads signal and registration and sweeps
the store (SPEC §8): a constant eight commands.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime, timedelta
import hashlib
import itertools
import logging
import time
from typing import TYPE_CHECKING, Any, override

from ..base import GatewayClient
from ..errors import (
    GatewayBadRequestError,
    GatewayBusyError,
    GatewayConnectionError,
    GatewayError,
    GatewayRefusedError,
    GatewayResponseError,
    PushError,
    SimLockedError,
)
from ..models import (
    REGISTERED_STATES,
    CallEvent,
    CallEventState,
    Capability,
    GatewayInfo,
    GatewayState,
    GatewayStatusChange,
    GatewayType,
    InboundSms,
    Port,
    PortStatusChange,
    Push,
    Registration,
    SendRequest,
    SendResult,
    SentMessage,
    Sim,
    SmsStatus,
    UssdReply,
)
from ..pdu import (
    PduError,
    SmsDeliver,
    StatusReport,
    decode_pdu,
    encode_submit,
    ussd_decode,
    ussd_encode,
)
from . import parse
from .inbox import Inbox
from .line import AtCommandError, AtLine, Opener
from .sends import Sends

if TYPE_CHECKING:
    from .. import ClientConfig

_LOGGER = logging.getLogger(__name__)

PORT_NUMBER = 1
"""A modem has one SIM: events name it port 1."""
PORT_KEY = "sim"

DEFAULT_PART_TIMEOUT = timedelta(hours=1)
PROBE_TIMEOUT = 2.0
"""Seconds the first `AT` may take: a port that says nothing is the wrong one."""
CLIP_WAIT = 1.0
"""Seconds a first `RING` waits for its `+CLIP` (the caller's number, which
follows it at once where caller id is on) before the call is told without."""
RING_GAP = 8.0
"""Seconds without `RING` after which an unanswered call was missed (a
network repeats `RING` every 5 s or so: TS 27.007 §6.2 leaves it to them)."""
SEND_TIMEOUT = 60.0
"""`+CMGS` waits for the network; TS 27.005 gives no bound, modems take seconds."""
RECONNECT_PAUSES = (1.0, 2.0, 5.0, 10.0, 30.0)
NEW_MESSAGE_INDICATIONS = ("AT+CNMI=2,1,0,1,0", "AT+CNMI=1,1,0,1,0", "AT+CNMI=2,1")
"""Store and announce (`+CMTI`), reports straight (`+CDS`); some modems only
take another <mode> (api-docs/README.md, "Modems"), so these are tried in turn."""

_REJECTED_PINS: set[tuple[str, str]] = set()
"""(device, PIN digest) the SIM refused, for this process: never tried again
(the flow's next attempt and the entry's set-up use new clients)."""


def _pin_digest(pin: str) -> str:
    return hashlib.sha256(pin.encode()).hexdigest()[:16]


async def _open_serial(
    url: str, baudrate: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    import serialx  # noqa: PLC0415 - only modem entries need it

    return await serialx.open_serial_connection(url, baudrate=baudrate)


class ModemClient(GatewayClient):
    """A modem on a serial line (or `socket://`, `rfc2217://`)."""

    type = GatewayType.MODEM
    confirms_inbox = True
    push_optional = True
    """Its news come on its line at once; the poll's sweep of the store alone
    misses nothing, so a missed announcement is no lost push."""
    capabilities = frozenset(
        {
            Capability.SEND_SMS,
            Capability.INBOX,
            Capability.USSD,
            Capability.POWER,
            Capability.RESET,
            Capability.AT_COMMAND,
            Capability.CALLS,
            Capability.PORT_STATUS,
        }
    )

    def __init__(self, config: ClientConfig, *, opener: Opener | None = None) -> None:
        self.device: str = config.url
        self.baudrate: int = config.baudrate
        self._pin: str | None = config.pin or None
        self._line = AtLine(
            opener or (lambda: _open_serial(self.device, self.baudrate)),
            self._on_urc,
            self._on_lost,
        )
        self.inbox = Inbox(PORT_NUMBER, DEFAULT_PART_TIMEOUT)
        self._listeners: list[Callable[[Push], None]] = []
        self._ready = False
        self._ready_lock = asyncio.Lock()
        self._sweep_lock = asyncio.Lock()
        self._sweep_waiting = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False
        self._reconnecting: asyncio.Task[None] | None = None
        self._info: GatewayInfo | None = None
        self._sim: Sim | None = None
        self._sim_state: str | None = None
        self._pin_refused: str | None = None
        """Digest of the PIN the SIM refused (kept across restarts)."""
        self._registration: dict[str, Registration] = {}
        self._ussd: asyncio.Future[UssdReply] | None = None
        self._ussd_open = False
        self._caller: str | None = None
        self._ringing_since: float | None = None
        self._ring_timer: asyncio.TimerHandle | None = None
        self._clip_timer: asyncio.TimerHandle | None = None
        self._in_call = False
        self.sends = Sends(PORT_NUMBER)
        self._junk: list[int] = []
        self._active_number = ""

    # --- Connection -------------------------------------------------------

    @property
    def requests_made(self) -> int:  # type: ignore[override]
        """AT commands sent so far (the modem's polling budget, SPEC §8)."""
        return self._line.commands_sent

    async def _ensure_ready(self) -> None:
        """Open the line and set the modem up, once per connection."""
        async with self._ready_lock:
            if self._ready and self._line.connected:
                return
            await self._line.open()
            try:
                await self._initialize()
            except GatewayError:
                await self._line.close()
                raise
            reopened = self._info is not None
            self._ready = True
        if reopened:
            # Messages that came while the line was down announced
            # themselves to no one: read the store now.
            self._emit(
                Push(kind="reconnected", events=(GatewayStatusChange(online=True),))
            )
            self._spawn(self._sweep_and_emit())

    async def _initialize(self) -> None:
        # SIM800/900 modules learn the baud rate from the first "AT"s.
        for attempt in range(3):
            try:
                await self._line.command("AT", PROBE_TIMEOUT)
                break
            except GatewayConnectionError:
                if attempt == 2:
                    raise
                await self._line.open()
        await self._line.command("ATE0")
        await self._optional("AT+CMEE=1")  # numeric +CME ERROR codes
        await self._unlock()
        if self._sim_state == "READY":
            await self._set_up_messages()
        await self._optional("AT+CLIP=1")
        await self._optional("AT+CREG=1")
        await self._optional("AT+CEREG=1")
        await self._optional("AT+COPS=3,0")  # long alphanumeric operator names

    async def _set_up_messages(self) -> None:
        await self._line.command("AT+CMGF=0")
        for command in NEW_MESSAGE_INDICATIONS:
            if await self._optional(command):
                break

    async def _optional(self, command: str) -> bool:
        """Run a setting not every modem has; False where it refuses it."""
        try:
            await self._line.command(command)
        except AtCommandError as err:
            _LOGGER.debug("Modem refused %s: %s", command, err.final)
            return False
        return True

    async def _unlock(self) -> None:
        """Enter the PIN once; a PIN the SIM refused is never sent again."""
        self._sim_state = await self._read_sim_state()
        if self._sim_state != "SIM PIN" or not self._pin:
            return
        digest = _pin_digest(self._pin)
        if self._pin_refused == digest or (self.device, digest) in _REJECTED_PINS:
            self._pin_refused = digest
            return
        try:
            await self._line.command(f'AT+CPIN="{self._pin}"', 20.0)
        except AtCommandError as err:
            _LOGGER.warning(
                "The SIM refused the PIN (%s): it is not tried again", err.final
            )
            self._pin_refused = digest
            _REJECTED_PINS.add((self.device, digest))
            self._sim_state = await self._read_sim_state()
            return
        self._pin_refused = None
        self._sim_state = await self._read_sim_state()

    async def _read_sim_state(self) -> str:
        try:
            return parse.pin_state(await self._line.command("AT+CPIN?")) or "UNKNOWN"
        except AtCommandError as err:
            if err.cme and err.code == parse.CME_SIM_NOT_INSERTED:
                return "NO SIM"
            if err.cme and err.code == parse.CME_SIM_PUK_REQUIRED:
                return "SIM PUK"
            if err.cme and err.code in (parse.CME_SIM_BUSY, parse.CME_SIM_FAILURE):
                return "NOT READY"
            raise

    def _on_lost(self) -> None:
        was_ready, self._ready = self._ready, False
        # A reconnection attempt that drops at once is no news.
        if self._closed or not was_ready:
            return
        _LOGGER.warning("The modem's line %s was lost; reconnecting", self.device)
        self._emit(Push(kind="lost", events=(GatewayStatusChange(online=False),)))
        if self._reconnecting is None:
            self._reconnecting = self._spawn(self._reconnect())

    async def _reconnect(self) -> None:
        try:
            for attempt in itertools.count():
                await asyncio.sleep(
                    RECONNECT_PAUSES[min(attempt, len(RECONNECT_PAUSES) - 1)]
                )
                if self._closed:
                    return
                try:
                    await self._ensure_ready()
                except GatewayError as err:
                    _LOGGER.debug("Modem %s not back yet: %s", self.device, err)
                    continue
                _LOGGER.info("The modem's line %s is back", self.device)
                return
        finally:
            self._reconnecting = None

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @override
    async def close(self) -> None:
        self._closed = True
        self._cancel_clip_wait()
        if self._ring_timer is not None:
            self._ring_timer.cancel()
        for task in list(self._tasks):
            task.cancel()
        await self._line.close()

    async def _command(self, command: str, timeout: float = 10.0) -> list[str]:  # noqa: ASYNC109
        await self._ensure_ready()
        return await self._line.command(command, timeout)

    # --- Identity and state -----------------------------------------------

    @override
    async def get_info(self) -> GatewayInfo:
        await self._ensure_ready()
        manufacturer = parse.strip_label(
            parse.first_value(await self._line.command("AT+CGMI"))
        )
        model = parse.strip_label(
            parse.first_value(await self._line.command("AT+CGMM"))
        )
        firmware = parse.strip_label(
            parse.first_value(await self._line.command("AT+CGMR"))
        )
        imei = parse.strip_label(parse.first_value(await self._line.command("AT+CGSN")))
        if not imei or not imei.isdigit():
            raise GatewayResponseError(f"no IMEI from the modem at {self.device}")
        self._info = GatewayInfo(
            type=GatewayType.MODEM,
            unique_id=imei,
            name=" ".join(part for part in (manufacturer, model) if part) or "Modem",
            manufacturer=manufacturer or "Modem",
            model=model,
            firmware=firmware,
            port_count=1,
            single_port=True,
        )
        if self._sim_state == "SIM PIN":
            raise SimLockedError(
                "pin_wrong" if self._pin and self._pin_refused else "pin_required"
            )
        if self._sim_state == "SIM PUK":
            raise SimLockedError("puk_required")
        return self._info

    @override
    async def poll(self) -> GatewayState:
        await self._ensure_ready()
        previous = self._sim_state
        self._sim_state = await self._read_sim_state()
        if previous != "READY" and self._sim_state == "READY":
            await self._set_up_messages()
            self._sim = None
        cfun = parse.power(await self._line.command("AT+CFUN?"))
        signal = parse.signal_dbm(await self._line.command("AT+CSQ"))
        for name in ("+CREG:", "+CEREG:"):
            try:
                lines = await self._line.command(f"AT{name[:-1]}?")
            except AtCommandError:
                continue  # a 2G module has no +CEREG
            if (value := parse.registration(lines, name)) is not None:
                self._registration[name] = value
        cops = await self._line.command("AT+COPS?")
        try:
            attached = parse.attached(await self._line.command("AT+CGATT?"))
        except AtCommandError:
            attached = None  # a module without packet data
        if self._sim is None and self._sim_state == "READY":
            self._sim = await self._read_sim(cops)
        elif self._sim is not None:
            self._sim = Sim(
                imsi=self._sim.imsi,
                iccid=self._sim.iccid,
                phone_number=self._sim.phone_number,
                operator=parse.operator(cops) or self._sim.operator,
                smsc=self._sim.smsc,
            )
        registration = self._current_registration(cfun)
        info = self._info
        port = Port(
            key=PORT_KEY,
            number=PORT_NUMBER,
            imei=info.unique_id if info else None,
            network_type=parse.network_type(cops),
            registration=registration,
            signal_dbm=signal if registration in REGISTERED_STATES else None,
            powered=None if cfun is None else cfun == 1,
            gprs_attached=attached,
            roaming=registration is Registration.ROAMING,
            sim=self._sim if self._sim_state == "READY" else None,
        )
        return GatewayState(online=True, ports={PORT_KEY: port})

    def _current_registration(self, cfun: int | None) -> Registration:
        if cfun in (0, 4):
            return Registration.POWER_OFF
        locked = {
            "NO SIM": Registration.NO_SIM,
            "SIM PIN": Registration.PIN_REQUIRED,
            "SIM PUK": Registration.PUK_REQUIRED,
        }.get(self._sim_state or "")
        if locked is not None:
            return locked
        if self._sim_state != "READY":
            return Registration.UNKNOWN
        return parse.best_registration(self._registration.values())

    async def _read_sim(self, cops: list[str]) -> Sim:
        async def value(
            command: str, read: Callable[[list[str]], str | None]
        ) -> str | None:
            try:
                return read(await self._line.command(command))
            except AtCommandError:
                return None

        imsi = await value(
            "AT+CIMI", lambda lines: parse.strip_label(parse.first_value(lines))
        )
        iccid = await value("AT+CCID", parse.iccid) or await value(
            "AT+ICCID", parse.iccid
        )
        number = await value("AT+CNUM", parse.own_number)
        smsc = await value("AT+CSCA?", parse.service_centre)
        return Sim(
            imsi=imsi,
            iccid=iccid,
            phone_number=number,
            operator=parse.operator(cops),
            smsc=smsc,
        )

    # --- Receiving --------------------------------------------------------

    @override
    def subscribe(self, listener: Callable[[Push], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _emit(self, push: Push) -> None:
        for listener in list(self._listeners):
            listener(push)

    @override
    async def fetch_inbox(self, after: int | None) -> list[InboundSms]:
        """Read the whole store: every message on it, joined; nothing deleted."""
        del after  # a modem's store has no sequence: every message, every time
        async with self._sweep_lock:
            self._sweep_waiting = False  # this read covers what was announced
            await self._ensure_ready()
            if self._sim_state != "READY":
                return []
            lines = await self._line.command("AT+CMGL=4", 30.0)
            sweep = self.inbox.read(parse.listing(lines), datetime.now(UTC))
            self._junk = sweep.junk
            updates = [self.sends.report(report) for _, report in sweep.reports]
            if reported := tuple(update for update in updates if update):
                self._emit(Push(kind="status_report", events=reported))
            for index, _ in sweep.reports:
                await self._delete(index)
            return sweep.messages

    async def _sweep_and_emit(self) -> None:
        """Read the store after `+CMTI` and hand what is new to subscribers.

        Announcements that come while a read waits for its turn are covered
        by that read: at most one waits, none is lost.
        """
        if self._sweep_waiting:
            return
        self._sweep_waiting = True
        try:
            messages = await self.fetch_inbox(None)
        except GatewayError as err:
            _LOGGER.debug("Reading the modem's store failed: %s", err)
            return
        if messages:
            self._emit(Push(kind="sms", events=tuple(messages)))

    @override
    async def confirm_inbox(self, message_ids: Collection[str]) -> None:
        # Under the read's lock: a read between looking an index up and
        # deleting it could hand the index out again, and a second delete
        # would then hit the message stored there since.
        async with self._sweep_lock:
            indexes = self.inbox.take(set(message_ids)) + self._junk
            self._junk = []
            for index in indexes:
                await self._delete(index)

    async def _delete(self, index: int) -> None:
        try:
            await self._command(f"AT+CMGD={index}")
        except AtCommandError as err:
            _LOGGER.debug("Deleting message %s failed: %s", index, err.final)

    # --- Unsolicited result codes -------------------------------------------

    def _on_urc(self, line: str, pdu: str | None) -> None:
        _LOGGER.debug("Modem says %s", line)
        if line.startswith(("+CMTI:", "+CDSI:")):
            self._spawn(self._sweep_and_emit())
        elif line.startswith("+CDS:") and pdu is not None:
            self._on_report_pdu(pdu)
        elif line.startswith("+CMT:") and pdu is not None:
            self._on_direct_sms(pdu)
        elif line.startswith("+CUSD:"):
            self._on_ussd(line)
        elif line.startswith(("RING", "+CRING:")):
            self._on_ring(None)
        elif line.startswith("+CLIP:"):
            self._on_ring(parse.caller(line))
        elif line.startswith("NO CARRIER"):
            self._on_call_ended()
        elif line.startswith("MISSED_CALL:"):
            self._call_stopped(missed=True)
        elif line.startswith(("+CREG:", "+CEREG:")):
            self._on_registration(line)
        elif line.startswith("+CPIN:"):
            self._sim_state = parse.pin_state([line])

    def _on_report_pdu(self, pdu: str) -> None:
        try:
            report = decode_pdu(pdu)
        except PduError as err:
            _LOGGER.debug("Unreadable status report %s: %s", pdu, err)
            return
        if isinstance(report, StatusReport) and (update := self.sends.report(report)):
            self._emit(Push(kind="status_report", events=(update,)))

    def _on_direct_sms(self, pdu: str) -> None:
        """A message routed straight to us (`+CMT`), never stored."""
        try:
            message = decode_pdu(pdu)
        except PduError:
            return
        if isinstance(message, SmsDeliver):
            stored = self.inbox.read(
                [parse.StoredPdu(index=-1, pdu=pdu, status=0)], datetime.now(UTC)
            )
            for sms in stored.messages:
                self.inbox.locations.pop(sms.message_id, None)
            self._emit(Push(kind="sms", events=tuple(stored.messages)))

    def _on_ussd(self, line: str) -> None:
        answer = parse.ussd(line)
        if answer is None:
            return
        text = ussd_decode(answer.text or "", answer.dcs)
        waiting = self._ussd
        if waiting is not None and not waiting.done():
            if answer.status in (4,):
                waiting.set_exception(
                    GatewayRefusedError(
                        "USSD not supported by the network", answer.status
                    )
                )
            elif answer.status == 5:
                waiting.set_exception(
                    GatewayBusyError("USSD timed out in the network", answer.status)
                )
            else:
                self._ussd_open = answer.status == 1
                waiting.set_result(UssdReply(port=PORT_NUMBER, text=text))
            return
        if text:
            self._emit(
                Push(kind="ussd", events=(UssdReply(port=PORT_NUMBER, text=text),))
            )

    def _on_registration(self, line: str) -> None:
        name = line.split(":", 1)[0] + ":"
        value = parse.unsolicited_registration(line)
        if value is None:
            return
        before = parse.best_registration(self._registration.values())
        self._registration[name] = value
        after = parse.best_registration(self._registration.values())
        if after is not before and self._sim_state == "READY":
            self._emit(
                Push(
                    kind="registration",
                    events=(PortStatusChange(port=PORT_NUMBER, registration=after),),
                )
            )

    def _on_ring(self, number: str | None) -> None:
        loop = asyncio.get_running_loop()
        if self._ring_timer is not None:
            self._ring_timer.cancel()
        self._ring_timer = loop.call_later(RING_GAP, self._call_stopped, True)
        if self._ringing_since is None:
            self._ringing_since = time.monotonic()
            self._caller = number
            if number is not None:
                self._call_event(CallEventState.INCOMING)
            else:
                self._clip_timer = loop.call_later(CLIP_WAIT, self._no_caller_id)
            return
        if number is not None and self._caller is None:
            # RING first, +CLIP right after it: the call is announced with its number.
            self._cancel_clip_wait()
            self._caller = number
            self._call_event(CallEventState.INCOMING)

    def _no_caller_id(self) -> None:
        """No `+CLIP` came: the call rings from a withheld number."""
        self._clip_timer = None
        if self._ringing_since is not None and self._caller is None:
            self._caller = ""
            self._call_event(CallEventState.INCOMING)

    def _cancel_clip_wait(self) -> None:
        if self._clip_timer is not None:
            self._clip_timer.cancel()
            self._clip_timer = None

    def _call_stopped(self, missed: bool) -> None:
        self._cancel_clip_wait()
        if self._ring_timer is not None:
            self._ring_timer.cancel()
            self._ring_timer = None
        if self._ringing_since is None:
            return
        if self._caller is None:
            self._caller = ""
            self._call_event(CallEventState.INCOMING)
        if missed:
            self._call_event(CallEventState.MISSED)
        self._ringing_since = None
        self._caller = None

    def _on_call_ended(self) -> None:
        if self._ringing_since is not None:
            self._call_stopped(missed=True)
        elif self._in_call:
            self._in_call = False
            self._call_event(CallEventState.ENDED, self._active_number)

    def _call_event(self, state: CallEventState, number: str | None = None) -> None:
        self._emit(
            Push(
                kind="call",
                events=(
                    CallEvent(
                        port=PORT_NUMBER,
                        number=number if number is not None else (self._caller or ""),
                        state=state,
                        timestamp=datetime.now(UTC),
                    ),
                ),
            )
        )

    # --- Sending ----------------------------------------------------------

    @override
    async def send_sms(self, request: SendRequest) -> SendResult:
        messages: list[SentMessage] = []
        commands = 0
        for number in request.numbers:
            try:
                pdus = encode_submit(
                    number,
                    request.text,
                    request.encoding,
                    reference=self.sends.take_reference(),
                    status_report=request.delivery_report,
                )
            except PduError as err:
                raise GatewayBadRequestError(str(err)) from err
            references: list[int] = []
            for pdu in pdus:
                await self._ensure_ready()
                try:
                    lines = await self._line.exchange(
                        f"AT+CMGS={pdu.length}", SEND_TIMEOUT, pdu=pdu.hex
                    )
                except GatewayConnectionError:
                    if references:
                        break  # the parts already sent are sent: report them
                    raise
                commands += 1
                answer, final = lines
                if final != "OK":
                    error = AtCommandError(f"AT+CMGS={pdu.length}", final)
                    if references:
                        break
                    if error.cms and error.code in parse.CMS_TEMPORARY:
                        raise GatewayBusyError(error.reason, error.code)
                    raise error
                if (reference := parse.message_reference(answer)) is not None:
                    references.append(reference)
            message_id = self.sends.take_message_id()
            complete = len(references) == len(pdus)
            if request.delivery_report and complete:
                self.sends.follow(message_id, number, references)
            messages.append(
                SentMessage(
                    number=number,
                    message_id=message_id,
                    port=PORT_NUMBER,
                    status=SmsStatus.SENT if complete else SmsStatus.FAILED,
                )
            )
        return SendResult(messages=tuple(messages), requests=commands)

    # --- USSD, calls, control -----------------------------------------------

    @override
    async def send_ussd(self, port: int | None, code: str, timeout: float) -> UssdReply:
        if not code or any(char not in "+0123456789*#" for char in code):
            raise GatewayBadRequestError(f"not a USSD code: {code!r}")
        await self._ensure_ready()
        self._ussd = asyncio.get_running_loop().create_future()
        try:
            try:
                await self._line.command(f'AT+CUSD=1,"{code}",15', 15.0)
            except AtCommandError:
                # Some (Huawei) take the code only as packed GSM-7 hex.
                await self._line.command(f'AT+CUSD=1,"{ussd_encode(code)}",15', 15.0)
            async with asyncio.timeout(timeout):
                reply = await self._ussd
        except TimeoutError as err:
            raise GatewayConnectionError(
                f"no USSD reply to {code} in {timeout} s"
            ) from err
        finally:
            self._ussd = None
        if self._ussd_open:
            # The network waits for an answer (a menu): end the session, or
            # the next code finds it still open.
            await self._optional("AT+CUSD=2")
        return reply

    @override
    async def make_call(self, port: int, number: str) -> None:
        if not number or any(char not in "+0123456789*#" for char in number):
            raise GatewayBadRequestError(f"not a number to dial: {number!r}")
        await self._command(f"ATD{number};", 30.0)
        self._in_call = True
        self._active_number = number
        self._call_event(CallEventState.OUTGOING, number)

    @override
    async def answer_call(self, port: int) -> None:
        await self._command("ATA", 30.0)
        number = self._caller or ""
        self._cancel_clip_wait()
        if self._ring_timer is not None:
            self._ring_timer.cancel()
            self._ring_timer = None
        self._ringing_since = None
        self._caller = None
        self._in_call = True
        self._active_number = number
        self._call_event(CallEventState.ANSWERED, number)

    @override
    async def end_call(self, port: int) -> None:
        await self._command("ATH")
        if self._ringing_since is not None:
            # Refused while ringing: not missed, it was seen.
            number = self._caller or ""
            self._call_stopped(missed=False)
            self._call_event(CallEventState.ENDED, number)
        elif self._in_call:
            self._in_call = False
            self._call_event(CallEventState.ENDED, self._active_number)

    @override
    async def send_at_command(self, port: int, command: str, timeout: float) -> str:
        command = command.strip()
        if not command.upper().startswith("AT") or any(
            c in command for c in "\r\n\x1a"
        ):
            raise GatewayBadRequestError(f"not one AT command: {command!r}")
        await self._ensure_ready()
        lines, final = await self._line.exchange(command, timeout)
        return "\n".join([*lines, final])

    @override
    async def set_power(self, port: int, on: bool) -> None:
        await self._command("AT+CFUN=1" if on else "AT+CFUN=0", 30.0)

    @override
    async def reset_module(self, port: int) -> None:
        """`AT+CFUN=1,1`: the module restarts (a USB stick drops off the bus a moment)."""
        await self._command("AT+CFUN=1,1", 30.0)
        self._sim = None

    # --- State kept across restarts ---------------------------------------

    @override
    def export_state(self) -> dict[str, Any]:
        return {
            "inbox": self.inbox.export(),
            **self.sends.export(),
            "pin_refused": self._pin_refused,
        }

    @override
    def restore_state(self, state: Mapping[str, Any]) -> None:
        inbox = state.get("inbox")
        if isinstance(inbox, Mapping):
            self.inbox.restore(inbox)
        self.sends.restore(state)
        if isinstance(refused := state.get("pin_refused"), str):
            self._pin_refused = refused

    @override
    def parse_push(
        self,
        body: bytes,
        content_type: str | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Push:
        raise PushError("a modem pushes nothing to a webhook")
