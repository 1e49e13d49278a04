"""Client for Dinstar GSM/LTE gateways (UC2000, DWG): the "new API" of firmware 1102+.

Written against "Instructions for Using New API" v1.0 and what real boxes are
known to do where they differ (`shared/api-docs/captures/README.md`). Every
assumption made where the document is silent is written next to its code.

Wire facts the whole module relies on:
- Ports are numbered from 0 (0..31), on the wire and in our models.
- Every answer is a JSON object; those under `/api/` carry `error_code`, and
  on real boxes `sn`, the gateway's serial number. The HTTP status is 200 even
  when `error_code` is not (a real box answers `200 Data follows` with 202).
- Published examples are not always valid JSON; answers and pushes are read
  with `lenient_json`, and keys are read with their whitespace removed (PDF
  artifacts such as `"seq uence"`; no Dinstar key contains whitespace).
- Times (`"YYYY-MM-DD HH:MM:SS"`) are the gateway's local time without a zone.
  They are read in `timezone` (default: this machine's local zone; the
  gateway's own zone is not available through the API).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
import hashlib
import logging
import re
import secrets
import time
from typing import Any, Final, override

import aiohttp

from . import ClientConfig, lenient_json
from .base import GatewayClient
from .encoding import is_gsm7, plan_text
from .errors import (
    ForeignPushError,
    GatewayBadRequestError,
    GatewayBusyError,
    GatewayError,
    GatewayNotSupportedError,
    GatewayRefusedError,
    GatewayResponseError,
    PushError,
)
from .http import HttpClient, HttpStatusError
from .models import (
    REGISTERED_STATES,
    CallEvent,
    CallEventState,
    CallRecord,
    CallState,
    Capability,
    Encoding,
    GatewayInfo,
    GatewayState,
    GatewayStatusChange,
    GatewayType,
    InboundSms,
    Port,
    PortStatusChange,
    Push,
    PushEvent,
    Registration,
    SendRequest,
    SendResult,
    SentMessage,
    Sim,
    SmsStatus,
    SmsStatusUpdate,
    StkAction,
    StkItem,
    StkView,
    UssdReply,
)

_LOGGER = logging.getLogger(__name__)

MAX_PORTS: Final = 32
MAX_NUMBERS_PER_SEND: Final = 128
"""The API's batch limit: more numbers in one `send_sms` is error 413."""
MAX_TEXT_BYTES: Final = 1500
MAX_NUMBER_BYTES: Final = 24
MAX_NUMBERS_PER_QUERY: Final = 32
"""`query_sms_result` / `query_sms_deliver_status` take at most 32 numbers."""
MAX_USER_IDS_PER_QUERY: Final = 128
"""Assumption: the document sets no limit on `user_id` in `query_sms_result`;
we ask about at most as many messages as one send request may carry, and about
the rest in the next cycle, to keep answers small."""
MAX_USSD_BYTES: Final = 60
MAX_TRACKED: Final = 10_000
"""Sent messages followed at most; beyond, the oldest are forgotten."""
USER_ID_LIMIT: Final = 2**31
"""`user_id` is an integer >= 0; we keep it within 31 bits (a C `int`)."""
TIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"

PORT_INFO_TYPES: Final = (
    "type",
    "imei",
    "imsi",
    "iccid",
    "smsc",
    "number",
    "reg",
    "slot",
    "callstate",
    "signal",
    "gprs",
)

REGISTRATION: Final[Mapping[str, Registration]] = {
    "REGISTER_OK": Registration.REGISTERED,
    "SEARCHING_NETWORK": Registration.SEARCHING,
    "UNREGISTER": Registration.NOT_REGISTERED,
    "NO_SIM": Registration.NO_SIM,
    "PIN_REQUIRE": Registration.PIN_REQUIRED,
    "PUK_REQUIRE": Registration.PUK_REQUIRED,
    "POWER_OFF": Registration.POWER_OFF,
}
"""`get_port_info` `reg` (upper case) -> registration; anything else is unknown."""

REGISTER_PUSH: Final[Mapping[str, Registration]] = {
    "up": Registration.REGISTERED,
    # Assumption: "down" says only that the SIM left the network (also when it
    # was removed); the next poll tells which of the finer states it is.
    "down": Registration.NOT_REGISTERED,
}

CALL_STATES: Final[Mapping[str, CallState]] = {
    "idle": CallState.IDLE,
    "processing": CallState.PROCESSING,
    "ringing": CallState.RINGING,
    "active": CallState.ACTIVE,
    "alerting": CallState.ALERTING,
    "call waiting": CallState.WAITING,
    "call holding": CallState.HOLDING,
    "unknown": CallState.UNKNOWN,
}
"""`callstate` (lower case) -> call state."""

SEND_STATUSES: Final[Mapping[str, SmsStatus]] = {
    "FAILED": SmsStatus.FAILED,
    "SENDING": SmsStatus.SENDING,
    "SENT_OK": SmsStatus.SENT,
    "DELIVERED": SmsStatus.DELIVERED,
}
"""`query_sms_result` / `sms_result` push `status` -> message status."""

PORT_REFUSALS: Final[Mapping[int, str]] = {
    486: "the port is busy",
    503: "the port is not registered",
}
"""Per-port `result[].status` of `send_sms` / `send_ussd` that mean "not sent"."""

ERRORS: Final[Mapping[int, tuple[type[GatewayError], str]]] = {
    400: (GatewayBadRequestError, "the gateway says the request is not valid"),
    404: (GatewayRefusedError, "not found on the gateway"),
    413: (GatewayBadRequestError, "more than 128 numbers or text over 1500 bytes"),
    500: (GatewayRefusedError, "the gateway reports an error"),
    550: (GatewayBusyError, "no port is available to send SMS"),
}
"""`error_code` -> error and reason; endpoints override reasons where theirs differ."""

STK_ACTIONS: Final[Mapping[StkAction, str]] = {
    StkAction.OK: "ok",
    StkAction.CANCEL: "cancle",  # sic: the firmware's spelling
    StkAction.HOME: "home",
}

DEVICE_POWER: Final[Mapping[str, bool]] = {"power_on": True, "power_off": False}
GPRS: Final[Mapping[str, bool]] = {"attached": True, "detached": False}

PUSH_KINDS: Final = (
    "sms",
    "sms_result",
    "sms_deliver_status",
    "ussd",
    "register",
    "missed_call",
    "cdr",
    "device",
    "exception",
    "exception_info",
)
"""Top-level keys of a push; `exception_info` is how one client names `exception`."""

_STATUS_RANK: Final[Mapping[SmsStatus, int]] = {
    SmsStatus.QUEUED: 0,
    SmsStatus.SENDING: 1,
    SmsStatus.SENT: 2,
    SmsStatus.FAILED: 3,
    SmsStatus.DELIVERED: 3,
    SmsStatus.UNDELIVERED: 3,
}
"""A message's status only moves forward; reports that arrive late are ignored."""

_WHITESPACE = re.compile(r"\s+")
_NULL_STRINGS: Final = frozenset({"", "<NULL>"})


@dataclass(kw_only=True)
class _SentMessage:
    """What this client remembers of one number of a send, to follow its status."""

    user_id: int
    number: str
    port: int | None
    delivery_report: bool
    created: float
    """`time.time()` when sent, to stop following it some day (survives restarts)."""
    task_id: int | None = None
    status: SmsStatus = SmsStatus.QUEUED
    ref_id: int | None = None
    sent_time: datetime | None = None
    """When the gateway sent it, by the gateway's clock."""

    def as_dict(self) -> dict[str, Any]:
        """What `export_state` keeps of it: plain JSON values."""
        return {
            "user_id": self.user_id,
            "number": self.number,
            "port": self.port,
            "delivery_report": self.delivery_report,
            "created": self.created,
            "task_id": self.task_id,
            "status": self.status.value,
            "ref_id": self.ref_id,
            "sent_time": self.sent_time.isoformat() if self.sent_time else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> _SentMessage:
        """Read what `as_dict` wrote; raises KeyError/ValueError/TypeError if off."""
        sent_time = data.get("sent_time")
        return cls(
            user_id=int(data["user_id"]),
            number=str(data["number"]),
            port=None if data.get("port") is None else int(data["port"]),
            delivery_report=bool(data["delivery_report"]),
            created=float(data["created"]),
            task_id=None if data.get("task_id") is None else int(data["task_id"]),
            status=SmsStatus(data["status"]),
            ref_id=None if data.get("ref_id") is None else int(data["ref_id"]),
            sent_time=datetime.fromisoformat(sent_time) if sent_time else None,
        )

    @property
    def done(self) -> bool:
        """Tell whether nothing more is to be learned about this message."""
        if self.status is SmsStatus.SENT:
            return not self.delivery_report
        return _STATUS_RANK[self.status] == 3


class DinstarClient(GatewayClient):
    """One Dinstar gateway on the LAN.

    Besides `GatewayClient`: `serial` is the gateway's `sn` (learned from its
    answers, or set by the caller from its records) and decides which pushes
    are foreign; `timezone` is the zone the gateway's clock runs in.
    """

    type = GatewayType.DINSTAR
    capabilities = frozenset(
        {
            Capability.SEND_SMS,
            Capability.INBOX,
            Capability.SMS_STATUS,
            Capability.SMS_QUEUE,
            Capability.STOP_SMS,
            Capability.USSD,
            Capability.STK,
            Capability.POWER,
            Capability.RESET,
            Capability.SLOT,
            Capability.CDR,
            Capability.CALL_STATE,
            Capability.PUSH,
            Capability.PORT_STATUS,
            Capability.SEND_LOOKUP,
        }
    )
    max_numbers_per_request = MAX_NUMBERS_PER_SEND

    def __init__(
        self,
        session: aiohttp.ClientSession,
        config: ClientConfig,
        *,
        serial: str | None = None,
        timezone: tzinfo | None = None,
        ussd_poll_interval: float = 1.0,
        stk_poll_interval: float = 0.25,
        stk_wait: float = 3.0,
        include_remain_credit: bool = False,
        status_tracking_timeout: float = 2 * 86400,
    ) -> None:
        """Talk to the gateway at `config.url` through `session` (not owned).

        `include_remain_credit` asks `get_port_info` for the SIM balance, which
        only some firmware knows (others may refuse the whole request).
        `status_tracking_timeout` is how long (s) a sent message is followed.
        """
        self._http = HttpClient(
            session,
            config.url,
            username=config.username,
            password=config.password,
            verify_ssl=config.verify_ssl,
            timeout=config.timeout,
        )
        self.serial = serial
        self.timezone = timezone
        self._ussd_poll_interval = ussd_poll_interval
        self._stk_poll_interval = stk_poll_interval
        self._stk_wait = stk_wait
        self._info_types = PORT_INFO_TYPES + (
            ("remain_credit",) if include_remain_credit else ()
        )
        self._tracking_timeout = status_tracking_timeout
        # A random start keeps ids apart across restarts: two runs that used
        # n ids each overlap with a chance of about 2n / 2^31.
        self._next_user_id = secrets.randbelow(USER_ID_LIMIT)
        self._sent: dict[int, _SentMessage] = {}
        self._ports: dict[int, Port] = {}
        self._set_port_post = False

    @property
    def ussd_poll_interval(self) -> float:
        """Seconds between two reads of a USSD reply while one is awaited."""
        return self._ussd_poll_interval

    @ussd_poll_interval.setter
    def ussd_poll_interval(self, value: float) -> None:
        self._ussd_poll_interval = value

    @property
    def requests_made(self) -> int:
        """HTTP requests sent so far, challenges included (SPEC §8)."""
        return self._http.requests_made

    @requests_made.setter
    def requests_made(self, value: int) -> None:
        """Reset the counter (e.g. to measure one cycle)."""
        self._http.requests_made = value

    # --- identity and polling -------------------------------------------------

    @override
    async def get_info(self) -> GatewayInfo:
        """Identify the gateway by its serial number (IMEI of port 0 without one)."""
        queue = await self._call("GET", "/api/query_sms_in_queue")
        _check(queue)
        ports = await self.get_ports()
        serial = _text(queue.get("sn"))
        if serial is not None:
            self.serial = serial
            unique_id = serial
        else:
            # Firmware before the `sn` key: the first module's IMEI is as
            # stable (modules are soldered in) and printed on the box.
            imeis = [port.imei for port in ports.values() if port.imei]
            if not imeis:
                raise GatewayResponseError("the gateway reports no serial and no IMEI")
            unique_id = imeis[0]
        types = sorted(
            {port.network_type for port in ports.values() if port.network_type}
        )
        # The API does not name the model; say what it is instead.
        model = f"{len(ports)}-port {'/'.join(types) or 'GSM'} gateway"
        return GatewayInfo(
            type=GatewayType.DINSTAR,
            unique_id=unique_id,
            name=f"Dinstar {len(ports)}-port gateway",
            manufacturer="Dinstar",
            model=model,
            port_count=len(ports),
            configuration_url=str(self._http.base_url),
        )

    @override
    async def poll(self) -> GatewayState:
        """Read all ports and the send queue: two requests whatever the port count."""
        ports = await self.get_ports()
        queue = await self.query_sms_in_queue()
        return GatewayState(
            online=True,
            ports=ports,
            sms_queue=queue,
            extra={"serial": self.serial} if self.serial else {},
        )

    async def get_ports(self) -> dict[str, Port]:
        """Read every port in one `get_port_info` request."""
        # Assumption: without `port` the gateway answers for all its ports
        # (the parameter is optional); this keeps polling at one request.
        answer = await self._call(
            "GET",
            "/api/get_port_info",
            params={"info_type": ",".join(self._info_types)},
        )
        _check(answer)
        ports = [port for item in _items(answer.get("info")) if (port := _port(item))]
        self._ports = {
            port.number: port for port in sorted(ports, key=lambda p: p.number)
        }
        return {port.key: port for port in self._ports.values()}

    async def query_sms_in_queue(self) -> int | None:
        """Count the SMS waiting in the gateway's send queue."""
        answer = await self._call("GET", "/api/query_sms_in_queue")
        _check(answer)
        return _int(answer.get("in_queue"))

    # --- sending and following SMS ----------------------------------------------

    @override
    async def send_sms(self, request: SendRequest) -> SendResult:
        """Send in ceil(N / 128) requests; each number gets its own `user_id`.

        Refusal of the first request raises; once part of a send is accepted,
        a later refusal marks that part and the rest failed instead, so the
        caller learns what did go out.
        """
        # Users write "+1 (555) 123-45 67"; the modem wants digits (and "+").
        numbers = [n for n in map(_dial_string, request.numbers) if n]
        if not numbers:
            raise GatewayBadRequestError("no number to send to")
        if too_long := [n for n in numbers if len(n.encode()) > MAX_NUMBER_BYTES]:
            raise GatewayBadRequestError(f"number longer than 24 bytes: {too_long[0]}")
        if not request.text:
            raise GatewayBadRequestError("the text is empty")
        # Assumption: the 1500-byte limit counts the text as UTF-8, as it
        # travels in the JSON body.
        if len(request.text.encode()) > MAX_TEXT_BYTES:
            raise GatewayBadRequestError("the text is longer than 1500 bytes")
        if request.send_at is not None:
            raise GatewayNotSupportedError(Capability.SCHEDULED_SEND.value)
        ports = list(request.ports or ())
        _check_ports(ports)
        if request.encoding is Encoding.GSM7 and not is_gsm7(request.text):
            raise GatewayBadRequestError("the text has characters GSM-7 cannot carry")
        encoding = plan_text(request.text, request.encoding).encoding
        # `urgent` has no Dinstar equivalent and is ignored. The text is sent
        # as is: we never send `text_param`, so "#param#" is not expected in it.
        body: dict[str, Any] = {
            "text": request.text,
            "encoding": "gsm-7bit" if encoding is Encoding.GSM7 else "unicode",
            "request_status_report": request.delivery_report,
        }
        if ports:
            body["port"] = ports
        # Without `port` the gateway chooses among its registered ports (the
        # parameter is optional); which one is learned from the send result.
        port = ports[0] if len(ports) == 1 else None
        start = self.requests_made
        messages: list[SentMessage] = []
        task_ids: list[int] = []
        batches = [
            numbers[index : index + MAX_NUMBERS_PER_SEND]
            for index in range(0, len(numbers), MAX_NUMBERS_PER_SEND)
        ]
        for position, batch in enumerate(batches):
            start_index = position * MAX_NUMBERS_PER_SEND
            user_ids = [
                self._new_user_id()
                if request.reference is None
                else _reference_user_id(request.reference, start_index + index)
                for index in range(len(batch))
            ]
            body["param"] = [
                {"number": number, "user_id": user_id}
                for number, user_id in zip(batch, user_ids, strict=True)
            ]
            try:
                answer = await self._call("POST", "/api/send_sms", json_body=body)
                _check(answer, ok=(200, 202))
                _check_port_results(answer)
            except GatewayError as err:
                if not messages:
                    raise
                _LOGGER.warning("Send stopped after %d numbers: %s", len(messages), err)
                messages += [
                    SentMessage(
                        number=n, message_id=None, port=port, status=SmsStatus.FAILED
                    )
                    for rest in batches[position:]
                    for n in rest
                ]
                break
            task_id = _int(answer.get("task_id"))
            if task_id is not None:
                task_ids.append(task_id)
            now = time.time()
            for number, user_id in zip(batch, user_ids, strict=True):
                self._sent[user_id] = _SentMessage(
                    user_id=user_id,
                    number=number,
                    port=port,
                    delivery_report=request.delivery_report,
                    created=now,
                    task_id=task_id,
                )
                messages.append(
                    SentMessage(
                        number=number,
                        message_id=str(user_id),
                        port=port,
                        status=SmsStatus.QUEUED,
                    )
                )
        return SendResult(
            messages=tuple(messages),
            task_ids=tuple(task_ids),
            requests=self.requests_made - start,
        )

    @override
    async def lookup_send(self, request: SendRequest) -> SendResult | None:
        """Ask `query_sms_result` for the `user_id`s the reference gave the send.

        Assumption: the gateway lists a message it took from the moment it
        queues it (status SENDING, one of the document's result statuses),
        not only once sent. Numbers of the send it does not list (a later
        batch that failed) are answered failed, as `send_sms` answers them.
        """
        if request.reference is None:
            raise GatewayBadRequestError("a send is looked up by its reference")
        numbers = [n for n in map(_dial_string, request.numbers) if n]
        user_ids = [
            _reference_user_id(request.reference, index)
            for index in range(len(numbers))
        ]
        found: set[int] = set()
        start = self.requests_made
        for index in range(0, len(user_ids), MAX_USER_IDS_PER_QUERY):
            answer = await self._call(
                "POST",
                "/api/query_sms_result",
                json_body={"user_id": user_ids[index : index + MAX_USER_IDS_PER_QUERY]},
            )
            _check(answer, reasons={413: "more than 32 numbers in one query"})
            found |= {
                user_id
                for item in _items(answer.get("result"))
                if (user_id := _int(item.get("user_id"))) is not None
            }
        if not found & set(user_ids):
            return None
        port = request.ports[0] if request.ports and len(request.ports) == 1 else None
        now = time.time()
        messages: list[SentMessage] = []
        for number, user_id in zip(numbers, user_ids, strict=True):
            if user_id not in found:
                messages.append(
                    SentMessage(
                        number=number,
                        message_id=None,
                        port=port,
                        status=SmsStatus.FAILED,
                    )
                )
                continue
            self._sent.setdefault(
                user_id,
                _SentMessage(
                    user_id=user_id,
                    number=number,
                    port=port,
                    delivery_report=request.delivery_report,
                    created=now,
                ),
            )
            messages.append(
                SentMessage(
                    number=number,
                    message_id=str(user_id),
                    port=port,
                    status=SmsStatus.QUEUED,
                )
            )
        return SendResult(messages=tuple(messages), requests=self.requests_made - start)

    @override
    def export_state(self) -> dict[str, Any]:
        """The messages still followed, to be handed back after a restart."""
        self._forget_old()
        return {"pending": [message.as_dict() for message in self._sent.values()]}

    @override
    def restore_state(self, state: Mapping[str, Any]) -> None:
        """Follow again what an earlier instance sent; unreadable items are skipped."""
        pending = state.get("pending")
        for item in pending if isinstance(pending, list) else ():
            try:
                message = _SentMessage.from_dict(item)
            except KeyError, ValueError, TypeError:
                continue
            self._sent.setdefault(message.user_id, message)
        self._forget_old()

    @override
    def has_pending_sends(self) -> bool:
        """Tell whether a message sent by this client still awaits news."""
        self._forget_old()
        return any(not message.done for message in self._sent.values())

    @override
    async def fetch_sms_statuses(self) -> list[SmsStatusUpdate]:
        """Ask about pending messages only: at most two requests per call.

        Results are asked by `user_id` (oldest 128 first); delivery reports,
        which the API lists by number only, for the messages of the oldest 32
        numbers sent OK, from shortly before the first of them was sent.
        """
        self._forget_old()
        updates: list[SmsStatusUpdate] = []
        awaiting_result = sorted(
            (m for m in self._sent.values() if _STATUS_RANK[m.status] < 2),
            key=lambda m: m.created,
        )[:MAX_USER_IDS_PER_QUERY]
        if awaiting_result:
            answer = await self._call(
                "POST",
                "/api/query_sms_result",
                json_body={"user_id": [m.user_id for m in awaiting_result]},
            )
            _check(answer, reasons={413: "more than 32 numbers in one query"})
            updates += [
                update
                for item in _items(answer.get("result"))
                if (update := self._apply_result(item, push=False))
            ]
        awaiting_report = sorted(
            (
                m
                for m in self._sent.values()
                if m.status is SmsStatus.SENT and not m.done
            ),
            key=lambda m: m.created,
        )
        numbers = list(dict.fromkeys(m.number for m in awaiting_report))[
            :MAX_NUMBERS_PER_QUERY
        ]
        if numbers:
            asked = [m for m in awaiting_report if m.number in numbers]
            query: dict[str, Any] = {"number": numbers}
            ports = {m.port for m in asked}
            if None not in ports:
                query["port"] = sorted(p for p in ports if p is not None)
            times = [m.sent_time for m in asked if m.sent_time is not None]
            if len(times) == len(asked):
                # The gateway's own clock (from the send result), so a wrong
                # clock on either side does not hide reports.
                query["time_after"] = self.format_time(
                    min(times) - timedelta(minutes=1)
                )
            answer = await self._call(
                "POST", "/api/query_sms_deliver_status", json_body=query
            )
            _check(answer, reasons={413: "more than 32 numbers in one query"})
            updates += [
                update
                for item in _items(answer.get("result"))
                if (update := self._apply_delivery(item))
            ]
        return updates

    @override
    async def stop_sms(self, task_id: int) -> None:
        """Cancel a send task still in the gateway's queue."""
        answer = await self._call(
            "GET", "/api/stop_sms", params={"task_id": str(task_id)}
        )
        _check(answer, reasons={404: "no such send task (already sent?)"})
        # Assumption: what had no result yet was never sent, and the gateway
        # will report nothing more about it: stop following it.
        for user_id in [
            u
            for u, m in self._sent.items()
            if m.task_id == task_id and _STATUS_RANK[m.status] < 2
        ]:
            del self._sent[user_id]

    # --- receiving SMS --------------------------------------------------------

    @override
    async def fetch_inbox(self, after: int | None) -> list[InboundSms]:
        """List messages newer than `after`, without marking anything read.

        Always `flag=all`: the default `unread` marks what it returns as read
        on the gateway. Assumption: the gateway reassembles long messages (the
        API carries no concatenation data) and may cap how many it returns;
        the caller asks again from the new high-water mark on its next cycle.
        """
        after = max(after or 0, 0)
        answer = await self._call(
            "GET",
            "/api/query_incoming_sms",
            params={"flag": "all", "incoming_sms_id": str(after)},
        )
        _check(answer)
        messages = [self._inbound(item) for item in _items(answer.get("sms"))]
        # The filter is the gateway's; we do not rely on it.
        newer = [m for m in messages if m.sequence is None or m.sequence > after]
        return sorted(newer, key=lambda m: (m.sequence is None, m.sequence or 0))

    # --- USSD -----------------------------------------------------------------

    @override
    async def send_ussd(self, port: int | None, code: str, timeout: float) -> UssdReply:
        """Send a USSD code, then poll for the reply until it comes or `timeout`.

        Assumption: the gateway blanks a port's reply when a new code is sent
        (the document's `" "` = "no reply yet"), so a reply read after sending
        answers this code. On timeout the USSD session is cancelled.
        """
        code = code.strip()
        if not code:
            raise GatewayBadRequestError("the USSD code is empty")
        if len(code.encode()) > MAX_USSD_BYTES:
            raise GatewayBadRequestError("the USSD code is longer than 60 bytes")
        if port is None:
            port = await self._pick_port()
        _check_ports([port])
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        answer = await self._call(
            "POST",
            "/api/send_ussd",
            json_body={"port": [port], "command": "send", "text": code},
        )
        _check(answer, ok=(200, 202))
        # 202 without `result` is no proof it was sent: the reply decides.
        _check_port_results(answer, port)
        while (remaining := deadline - loop.time()) > 0:
            await asyncio.sleep(min(self._ussd_poll_interval, remaining))
            reply = await self._call(
                "GET", "/api/query_ussd_reply", params={"port": str(port)}
            )
            _check(reply)
            for item in _items(reply.get("reply")):
                text = _text(item.get("text"))
                if text is not None and _int(item.get("port")) in (port, None):
                    return UssdReply(port=port, text=text)
        try:
            await self._call(
                "POST",
                "/api/send_ussd",
                json_body={"port": [port], "command": "cancel", "text": ""},
            )
        except GatewayError as err:
            _LOGGER.debug("Cancelling the USSD session failed: %s", err)
        raise GatewayRefusedError(f"no USSD reply within {timeout:g} s")

    # --- SIM Toolkit ----------------------------------------------------------

    @override
    async def stk_view(self, port: int) -> StkView:
        """Read what the SIM Toolkit shows on `port` (`GetSTKView`, at the root)."""
        _check_ports([port])
        answer = await self._call("GET", "/GetSTKView", params={"port": str(port)})
        return _stk_view(answer)

    async def stk_frame_id(self, port: int) -> int | None:
        """Read the id of the SIM Toolkit frame shown on `port`."""
        _check_ports([port])
        answer = await self._call(
            "GET", "/GetSTKCurrFrameIndex", params={"port": str(port)}
        )
        return _int(answer.get("frame_id"))

    @override
    async def stk_action(
        self,
        port: int,
        *,
        item: int | None = None,
        action: StkAction | None = None,
        text: str | None = None,
    ) -> StkView:
        """Pick an item, send input or a key, then return the frame that follows.

        The gateway answers `STKGo` before the SIM does; the frame id tells
        when the next view is there. If it does not change within `stk_wait`
        seconds (the SIM may keep the frame), the current view is returned.
        """
        if item is None and action is None and text is None:
            raise GatewayBadRequestError("give an item, an action or a text")
        before = await self.stk_frame_id(port)
        body: dict[str, Any] = {"port": port}
        if item is not None:
            body["item"] = item
        if text is not None:
            body["param"] = text
        if action is not None:
            body["action"] = STK_ACTIONS[action]
        elif item is None:
            # Input without a key: the document's only way to submit is "ok".
            body["action"] = STK_ACTIONS[StkAction.OK]
        response = await self._http.request("POST", "/STKGo", json_body=body)
        # Assumption: STKGo's answer is not documented; a JSON error_code other
        # than 200 is read as a refusal, anything else as done.
        try:
            answer = response.json()
        except GatewayResponseError:
            answer = None
        if isinstance(answer, dict) and "error_code" in answer:
            _check(_normalize(answer))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._stk_wait
        while (remaining := deadline - loop.time()) > 0:
            if await self.stk_frame_id(port) != before:
                break
            await asyncio.sleep(min(self._stk_poll_interval, remaining))
        return await self.stk_view(port)

    # --- port settings and call records ---------------------------------------

    @override
    async def set_power(self, port: int, on: bool) -> None:
        """Turn a port's module on or off."""
        await self._set_port(port, "power", "on" if on else "off")

    @override
    async def reset_module(self, port: int) -> None:
        """Restart a port's module."""
        await self._set_port(port, "reset", None)

    @override
    async def select_slot(self, port: int, slot: int) -> None:
        """Switch a multi-SIM port to SIM slot 0..3."""
        if not 0 <= slot <= 3:
            raise GatewayBadRequestError(f"slot {slot} is not 0..3")
        await self._set_port(port, "slot", str(slot))

    @override
    async def get_cdr(
        self,
        ports: Sequence[int] | None = None,
        after: datetime | None = None,
        before: datetime | None = None,
    ) -> list[CallRecord]:
        """Read call records; all ports when `ports` is None."""
        if ports is None:
            # Assumption: `port` is required (the document lists it so); the
            # port numbers come from the last poll, or one is made.
            if not self._ports:
                await self.get_ports()
            ports = list(self._ports)
        _check_ports(ports)
        body: dict[str, Any] = {"port": list(ports)}
        if after is not None:
            body["time_after"] = self.format_time(after)
        if before is not None:
            body["time_before"] = self.format_time(before)
        answer = await self._call("POST", "/api/get_cdr", json_body=body)
        _check(answer)
        return [self._call_record(item) for item in _items(answer.get("cdr"))]

    # --- pushes ---------------------------------------------------------------

    @override
    def parse_push(
        self,
        body: bytes,
        content_type: str | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Push:
        """Read a push; `content_type` and `query` carry nothing for Dinstar.

        Raises `ForeignPushError` when its `sn` is not this gateway's, and
        `PushError` for anything that is not a Dinstar push. A push without
        `sn` is accepted: every known firmware sends it, none is known to
        leave it out, and there is nothing else to check.
        """
        try:
            document = lenient_json.loads(body)
        except ValueError as err:
            raise PushError(f"push is not JSON: {err}") from err
        if not isinstance(document, dict):
            raise PushError("push is not a JSON object")
        document = _normalize(document)
        sn = _text(document.get("sn"))
        known = self._comparable_serial()
        if sn is not None and known is not None and sn != known:
            raise ForeignPushError(f"push from gateway {sn}, not {known}")
        kinds = [kind for kind in PUSH_KINDS if kind in document]
        if not kinds:
            raise PushError(f"unknown push kind: {sorted(document)}")
        events: list[PushEvent] = []
        for kind in kinds:
            for item in _push_items(document[kind], kind):
                events.extend(self._push_events(kind, item))
        return Push(kind=",".join(kinds), events=tuple(events))

    def _push_events(self, kind: str, item: dict[str, Any]) -> list[PushEvent]:
        """Turn one item of a push into the facts it tells."""
        match kind:
            case "sms":
                return [self._inbound(item)]
            case "sms_result":
                update = self._apply_result(item, push=True)
                return [update] if update else []
            case "sms_deliver_status":
                update = self._apply_delivery(item)
                return [update] if update else []
            case "ussd":
                text = _text(item.get("text"))
                return (
                    [UssdReply(port=_int(item.get("port")), text=text)] if text else []
                )
            case "register":
                return [_port_status_change(item)]
            case "missed_call":
                return [
                    CallEvent(
                        port=_int(item.get("port")),
                        number=_text(item.get("number")) or "",
                        state=CallEventState.MISSED,
                        timestamp=self.parse_time(item.get("time")),
                    )
                ]
            case "cdr":
                record = self._call_record(item)
                return [record, _call_ended(record)]
            case "device":
                return [_device_change(item)]
            case _:  # exception, exception_info
                details = {
                    "exception": _text(item.get("type")),
                    "action": _text(item.get("action")),
                    "port": _int(item.get("port")),
                }
                return [GatewayStatusChange(online=None, details=details)]

    # --- times ----------------------------------------------------------------

    def parse_time(self, value: Any) -> datetime | None:
        """Read a gateway time ("YYYY-MM-DD HH:MM:SS", its local time) as aware.

        Whitespace is ignored wherever it is: the published examples break
        times across lines and inside the year (`"201 5-07-21"`).
        """
        if not isinstance(value, str):
            return None
        compact = _WHITESPACE.sub("", value)
        try:
            if self.timezone is not None:
                return datetime.strptime(compact, "%Y-%m-%d%H:%M:%S").replace(
                    tzinfo=self.timezone
                )
            # This machine's zone, with the offset right for that date.
            return datetime.strptime(compact, "%Y-%m-%d%H:%M:%S").astimezone()
        except ValueError:
            # "0000-00-00 00:00:00" (no answer time) and other non-times.
            return None

    def format_time(self, value: datetime) -> str:
        """Write a time the way the gateway reads it, in its zone."""
        if value.tzinfo is not None:
            value = value.astimezone(self.timezone)
        return value.strftime(TIME_FORMAT)

    # --- internals ------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
    ) -> dict[str, Any]:
        """Make one API call and return its JSON object, keys normalized."""
        try:
            answer = await self._http.request_json(
                method, path, params=params, json_body=json_body
            )
        except HttpStatusError as err:
            # Assumption: firmware that puts its error_code in the HTTP status
            # still sends the JSON body; that body says more than the status.
            answer = _json_object(err.body)
            if answer is None or "error_code" not in answer:
                raise GatewayResponseError(
                    f"{path} answered HTTP {err.status}"
                    + (
                        " (is the API enabled on the gateway?)"
                        if err.status == 404
                        else ""
                    )
                ) from err
        if not isinstance(answer, dict):
            raise GatewayResponseError(
                f"{path} answered {type(answer).__name__}, not an object"
            )
        normalized: dict[str, Any] = _normalize(answer)
        if self.serial is None and (sn := _text(normalized.get("sn"))):
            self.serial = sn
        return normalized

    async def _set_port(self, port: int, action: str, param: str | None) -> None:
        """Call `set_port_info`: GET as the newer manual says, else POST JSON.

        v1.0 says POST but its example is a GET query; the newer manual says
        GET. Firmware that refuses the GET (HTTP 404/405/501, or error 400
        because it reads only a JSON body) is asked once more by POST, which
        is then used first for this gateway.
        """
        _check_ports([port])
        params = {"port": str(port), "action": action}
        if param is not None:
            params["param"] = param
        answer: dict[str, Any] | None = None
        if not self._set_port_post:
            try:
                answer = await self._call("GET", "/api/set_port_info", params=params)
            except GatewayResponseError as err:
                cause = err.__cause__
                if not (
                    isinstance(cause, HttpStatusError)
                    and cause.status in (404, 405, 501)
                ):
                    raise
            if answer is not None and _int(answer.get("error_code")) != 400:
                _check(answer)
                return
        body: dict[str, Any] = {"port": port, "action": action}
        if param is not None:
            body["param"] = param
        answer = await self._call("POST", "/api/set_port_info", json_body=body)
        _check(answer)
        self._set_port_post = True

    async def _pick_port(self) -> int:
        """Choose the port for a request that names none: the first registered."""
        if not any(p.registration in REGISTERED_STATES for p in self._ports.values()):
            await self.get_ports()
        for port in self._ports.values():
            if port.registration in REGISTERED_STATES:
                return port.number
        raise GatewayRefusedError("no port is registered to the network")

    def _new_user_id(self) -> int:
        """Hand out the next `user_id` (wrapping within 31 bits)."""
        user_id = self._next_user_id
        self._next_user_id = (user_id + 1) % USER_ID_LIMIT
        return user_id

    def _comparable_serial(self) -> str | None:
        """Return the serial pushes must carry, if it can be compared.

        A serial of digits only is the IMEI that `get_info` used for firmware
        without `sn`; a push's `sn` cannot be compared with it.
        """
        if self.serial and not self.serial.isdigit():
            return self.serial
        return None

    def _forget_old(self) -> None:
        """Stop following messages older than `status_tracking_timeout`.

        Finished ones are kept as long, so a late or repeated push about them
        still names the same message (and is recognized as already told).
        """
        limit = time.time() - self._tracking_timeout
        for user_id in [u for u, m in self._sent.items() if m.created < limit]:
            del self._sent[user_id]
        # Bound the memory of bulk senders: the oldest go first (dicts keep
        # insertion order, which is sending order).
        for user_id in list(self._sent)[: max(len(self._sent) - MAX_TRACKED, 0)]:
            del self._sent[user_id]

    def _find_sent(
        self, port: int | None, number: str, ref_id: int | None
    ) -> _SentMessage | None:
        """Find the message a push or report without `user_id` is about.

        Same number (ignoring "+" and spaces) and port; the same `ref_id`
        first, else the oldest one whose `ref_id` is not known yet. Ref ids
        repeat every 256 messages per port, so the newest of equal ones wins.
        """
        key = _number_key(number)
        candidates = [
            m
            for m in self._sent.values()
            if _number_key(m.number) == key and (port is None or m.port in (None, port))
        ]
        same = [m for m in candidates if ref_id is not None and m.ref_id == ref_id]
        if same:
            return max(same, key=lambda m: m.created)
        unknown = [m for m in candidates if m.ref_id is None]
        return min(unknown, key=lambda m: m.created) if unknown else None

    def _apply_result(
        self, item: dict[str, Any], *, push: bool
    ) -> SmsStatusUpdate | None:
        """Read one send result (query answer or push); None if nothing new."""
        status = SEND_STATUSES.get((_text(item.get("status")) or "").upper())
        if status is None:
            return None
        port = _int(item.get("port"))
        number = _text(item.get("number")) or ""
        ref_id = _int(item.get("ref_id"))
        user_id = _int(item.get("user_id"))
        when = self.parse_time(item.get("time"))
        if user_id is not None:
            message = self._sent.get(user_id)
            if message is None and not push:
                return None  # not ours: another client's send
        else:
            message = self._find_sent(port, number, ref_id)
        if message is not None:
            message.port = port if port is not None else message.port
            message.ref_id = ref_id if ref_id is not None else message.ref_id
            message.sent_time = when or message.sent_time
        return self._update(
            message,
            item=item,
            status=status,
            when=when,
            port=port,
            number=number,
            ref_id=ref_id,
        )

    def _apply_delivery(self, item: dict[str, Any]) -> SmsStatusUpdate | None:
        """Read one delivery report; None if it tells nothing final yet.

        `status_code` is TP-Status (3GPP TS 23.040 §9.2.3.15): 0..31 the
        message was delivered (0 received; 1, 2 and the SC-specific rest of the
        range also complete the transaction), 32..63 the SMSC still tries, 64
        and above it gave up.
        """
        code = _int(item.get("status_code"))
        if code is None or 32 <= code <= 63:
            return None
        status = SmsStatus.DELIVERED if 0 <= code <= 31 else SmsStatus.UNDELIVERED
        port = _int(item.get("port"))
        number = _text(item.get("number")) or ""
        ref_id = _int(item.get("ref_id"))
        message = self._find_sent(port, number, ref_id)
        when = self.parse_time(item.get("time"))
        return self._update(
            message,
            item=item,
            status=status,
            when=when,
            port=port,
            number=number,
            ref_id=ref_id,
        )

    def _update(
        self,
        message: _SentMessage | None,
        *,
        item: dict[str, Any],
        status: SmsStatus,
        when: datetime | None,
        port: int | None,
        number: str,
        ref_id: int | None,
    ) -> SmsStatusUpdate | None:
        """Build the update for a fact, once per message and status.

        `sequence` is "uid:<user_id>:<status>" for our own messages, whether
        the fact came by push or poll, else built from what the gateway
        identifies a message by (port, ref_id, number, time).
        """
        if message is None:
            raw_time = _WHITESPACE.sub("", str(item.get("time", "")))
            return SmsStatusUpdate(
                message_id=None,
                number=number,
                port=port,
                status=status,
                timestamp=when,
                sequence=f"ref:{port}:{ref_id}:{_number_key(number)}:{raw_time}:{status}",
            )
        if _STATUS_RANK[status] <= _STATUS_RANK[message.status]:
            return None
        message.status = status
        return SmsStatusUpdate(
            message_id=str(message.user_id),
            number=message.number,
            port=message.port,
            status=status,
            timestamp=when,
            sequence=f"uid:{message.user_id}:{status}",
            # sms_result: `count` segments, `succ_count` of them sent (API
            # document, "Query Send SMS Result"); delivery reports carry neither.
            parts=_int(item.get("succ_count")) or _int(item.get("count")),
        )

    def _inbound(self, item: dict[str, Any]) -> InboundSms:
        """Read one received SMS (query answer or push)."""
        sms_id = _int(item.get("incoming_sms_id"))
        text = item.get("text")
        text = text if isinstance(text, str) else ""
        sender = _text(item.get("number")) or ""
        raw_time = item.get("timestamp")
        timestamp = self.parse_time(raw_time)
        if timestamp is None:
            # Assumption: a message without a readable time arrived now.
            timestamp = datetime.now(UTC).astimezone(self.timezone)
        port = _int(item.get("port"))
        if sms_id is not None:
            message_id = str(sms_id)
        else:
            # No id on the wire: the content identifies the message, so push
            # and poll of the same message still agree.
            digest = hashlib.sha256(
                f"{port}|{sender}|{raw_time}|{text}".encode()
            ).hexdigest()[:16]
            message_id = f"sha:{digest}"
        return InboundSms(
            message_id=message_id,
            port=port,
            sender=sender,
            text=text,
            timestamp=timestamp,
            imsi=_digits(item.get("imsi")),
            smsc=_text(item.get("smsc")),
            sequence=sms_id,
        )

    def _call_record(self, item: dict[str, Any]) -> CallRecord:
        """Read one call record (`get_cdr` answer or `cdr` push)."""
        known = {
            "port",
            "start_date",
            "answer_date",
            "direction",
            "duration",
            "source_number",
            "destination_number",
            "hangup",
        }
        extra = {
            key: value.strip() if isinstance(value, str) else value
            for key, value in item.items()
            if key not in known and value not in ("", None)
        }
        return CallRecord(
            port=_int(item.get("port")),
            start=self.parse_time(item.get("start_date")),
            answer=self.parse_time(item.get("answer_date")),
            direction=_text(item.get("direction")),
            duration=_int(item.get("duration")),
            source_number=_text(item.get("source_number")),
            destination_number=_text(item.get("destination_number")),
            hangup=_text(item.get("hangup")),
            extra=extra,
        )


# --- reading answers (pure functions) -------------------------------------------


def _normalize(value: Any) -> Any:
    """Remove whitespace from every key, recursively (PDF artifacts)."""
    if isinstance(value, dict):
        return {
            _WHITESPACE.sub("", str(key)): _normalize(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_normalize(item) for item in value]
    return value


def _json_object(body: bytes) -> dict[str, Any] | None:
    """Decode `body` if it is a JSON object, else None."""
    try:
        value = lenient_json.loads(body)
    except ValueError:
        return None
    return _normalize(value) if isinstance(value, dict) else None


def _items(value: Any) -> list[dict[str, Any]]:
    """Read an answer's list, which may also be one object or missing."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def _push_items(value: Any, kind: str) -> list[dict[str, Any]]:
    """Read a push's list (or single object); anything else is malformed."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return value
    raise PushError(f"{kind} push is neither an object nor a list of objects")


def _text(value: Any) -> str | None:
    """Read a string field: trimmed, with "" and "<NULL>" meaning absent."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return None if value.upper() in _NULL_STRINGS else value


def _digits(value: Any) -> str | None:
    """Read an IMEI/IMSI/ICCID: digits, so any whitespace in it is an artifact."""
    text = _text(value)
    return _WHITESPACE.sub("", text) if text else None


def _int(value: Any) -> int | None:
    """Read an integer field sent as a number or a string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        value = value.strip().rstrip(",").strip()
        if re.fullmatch(r"-?\d+", value):
            return int(value)
    return None


def _reference_user_id(reference: str, index: int) -> int:
    """The `user_id` of the `index`-th number of the send with this reference.

    The same on every attempt, so a send whose answer was lost can be looked
    up (`lookup_send`). A digest, not a counter: after a restart nothing has to
    be remembered; within 31 bits two sends meet by chance once in a billion.
    """
    digest = hashlib.sha256(f"{reference}|{index}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % USER_ID_LIMIT


def _dial_string(number: str) -> str:
    """Remove what people write into numbers for reading: spaces, -, (, ), ."""
    return re.sub(r"[\s\-().]", "", number)


def _number_key(number: str) -> str:
    """Compare phone numbers without "+" and spaces."""
    return _WHITESPACE.sub("", number).removeprefix("+")


def _check(
    answer: Mapping[str, Any],
    *,
    ok: Iterable[int] = (200,),
    reasons: Mapping[int, str] | None = None,
) -> None:
    """Raise the error an `error_code` other than `ok` stands for."""
    code = _int(answer.get("error_code"))
    if code is None:
        raise GatewayResponseError("the answer has no error_code")
    if code in ok:
        return
    error, reason = ERRORS.get(code, (GatewayRefusedError, "the gateway refused"))
    reason = (reasons or {}).get(code, reason)
    if issubclass(error, GatewayRefusedError):
        raise error(reason, code)
    raise error(f"{reason} ({code})")


def _check_port_results(answer: Mapping[str, Any], port: int | None = None) -> None:
    """Refuse when every port the gateway tried (or `port`) said busy/unregistered.

    `send_sms` and `send_ussd` answer 202 for the request; where firmware adds
    `result[]`, a port's 486/503 means it did not send.
    """
    results = [
        r
        for r in _items(answer.get("result"))
        if port is None or _int(r.get("port")) == port
    ]
    statuses = [_int(result.get("status")) for result in results]
    if statuses and all(status in PORT_REFUSALS for status in statuses):
        code = statuses[0]
        assert code is not None
        # Busy or unregistered ports may well take the message later.
        raise GatewayBusyError(PORT_REFUSALS[code], code)


def _check_ports(ports: Iterable[int]) -> None:
    """Refuse port numbers the API cannot carry before sending anything."""
    for port in ports:
        if not 0 <= port < MAX_PORTS:
            raise GatewayBadRequestError(f"port {port} is not 0..31")


def _port(item: dict[str, Any]) -> Port | None:
    """Read one port of `get_port_info`."""
    number = _int(item.get("port"))
    if number is None:
        return None
    reg = _text(item.get("reg"))
    registration = (
        REGISTRATION.get(reg.upper(), Registration.UNKNOWN)
        if reg
        else Registration.UNKNOWN
    )
    signal = _int(item.get("signal"))
    if registration not in REGISTERED_STATES or signal is None or not 0 <= signal <= 31:
        # 99 is the modem's "not known"; 0 while searching means nothing.
        signal_dbm = None
    else:
        signal_dbm = -113 + 2 * signal
    slot = _int(item.get("slot"))
    # 255 = not a multi-SIM gateway; 0..3 = active slot of four.
    multi_sim = slot is not None and 0 <= slot <= 3
    call_state = _text(item.get("callstate"))
    gprs = _text(item.get("gprs"))
    sim = Sim(
        imsi=_digits(item.get("imsi")),
        iccid=_digits(item.get("iccid")),
        phone_number=_text(item.get("number")),
        smsc=_text(item.get("smsc")),
        balance=_text(item.get("remain_credit")),
    )
    network_type = _text(item.get("type"))
    return Port(
        key=str(number),
        number=number,
        imei=_digits(item.get("imei")),
        network_type=None if network_type in (None, "UNKNOWN") else network_type,
        registration=registration,
        signal_dbm=signal_dbm,
        call_state=CALL_STATES.get(call_state.lower(), CallState.UNKNOWN)
        if call_state
        else None,
        gprs_attached=GPRS.get(gprs.lower()) if gprs else None,
        powered=None if reg is None else registration is not Registration.POWER_OFF,
        slot=slot if multi_sim else None,
        slot_count=4 if multi_sim else 1,
        sim=None if registration is Registration.NO_SIM or sim == Sim() else sim,
    )


def _port_status_change(item: dict[str, Any]) -> PortStatusChange:
    """Read one `register` push item."""
    port = _int(item.get("port"))
    if port is None:
        raise PushError("register push without a port")
    sim = Sim(
        imsi=_digits(item.get("imsi")),
        iccid=_digits(item.get("iccid")),
        phone_number=_text(item.get("number")),
    )
    slot = _int(item.get("slot"))
    return PortStatusChange(
        port=port,
        registration=REGISTER_PUSH.get(
            (_text(item.get("status")) or "").lower(), Registration.UNKNOWN
        ),
        sim=None if sim == Sim() else sim,
        slot=slot if slot is not None and 0 <= slot <= 3 else None,
    )


def _call_ended(record: CallRecord) -> CallEvent:
    """The `ended` call event a pushed call record stands for.

    Only answered calls are pushed as CDR. The other party is the caller of a
    call from the GSM side, else the called number.
    """
    incoming = (record.direction or "").startswith("gsm")
    number = record.source_number if incoming else record.destination_number
    end = record.answer or record.start
    if end is not None and record.duration is not None:
        end += timedelta(seconds=record.duration)
    return CallEvent(
        port=record.port, number=number or "", state=CallEventState.ENDED, timestamp=end
    )


def _device_change(item: dict[str, Any]) -> GatewayStatusChange:
    """Read a `device` push: the gateway powered on/off, with its IP and MAC."""
    status = (_text(item.get("status")) or "").lower()
    details = {
        "status": status or None,
        "ip": _text(item.get("IP")) or _text(item.get("ip")),
        "mac": _text(item.get("MAC")) or _text(item.get("mac")),
        "port_count": _int(item.get("port_number")),
    }
    return GatewayStatusChange(online=DEVICE_POWER.get(status), details=details)


def _stk_view(answer: Mapping[str, Any]) -> StkView:
    """Read `GetSTKView`: `item` is a list in practice, an object in the table."""
    items = tuple(
        StkItem(id=item_id, text=_text(item.get("item_string")) or "")
        for item in _items(answer.get("item"))
        if (item_id := _int(item.get("item_id"))) is not None
    )
    text = answer.get("text")
    return StkView(
        title=_text(answer.get("title")) or "",
        text=text.strip() if isinstance(text, str) else "",
        input_type=_int(answer.get("input_type")),
        items=items,
        frame_id=_int(answer.get("frame_id")),
    )
