"""Client for the SimFolder cloud: SIM aggregators and SIM banks behind one API key.

Built from SimFolder's public method list (`simfolder-api.txt`): every
assumption about the wire (how a request names its method, parameter names,
answer shapes, error signals, how a notification names its kind) lives in
`simfolder_wire`, and this module speaks only its semantic names. What is
documented and used here directly: the 30 method names, the nine
notifications and their fields, the SIM states -3..6 and the send statuses
0/1/2.

Identities: an aggregator is `device_id`, a SIM card `card_id`; our `Port.number`
is the card id (events carry it as `port`), the card's port key `card_<id>`,
its aggregator's sub-device key `aggregator_<id>`.

Polling (SPEC §8) costs the same whatever the numbers of aggregators and
cards: `deviceList` and `cardList` (all of them, one request each), `smsList`,
`ussdList` and `callList` above their marks; `smsOutgoingList` only while sends
are followed, `operatorList` only when a card names an operator not yet known,
`deviceState` only after a notification says an aggregator came online.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
import hashlib
import logging
import time
from typing import Any, override

import aiohttp

from .. import ClientConfig, simfolder_wire as wire
from ..base import GatewayClient
from ..errors import (
    ForeignPushError,
    GatewayBadRequestError,
    GatewayBusyError,
    GatewayRefusedError,
    PushError,
)
from ..http import Backoff
from ..models import (
    REGISTERED_STATES,
    CallEvent,
    CallEventState,
    Capability,
    EditTarget,
    GatewayInfo,
    GatewayState,
    GatewayStatusChange,
    GatewayType,
    InboundSms,
    Port,
    PortStatusChange,
    Push,
    PushEvent,
    RecordKind,
    Registration,
    SendRequest,
    SendResult,
    SentMessage,
    Sim,
    SmsStatus,
    SmsStatusUpdate,
    UssdReply,
)
from ..simfolder_wire import Field
from .methods import SimFolderApi
from .records import (
    CALL_NOTIFICATIONS,
    DELETE_METHODS,
    LIST_LIMIT,
    MANUFACTURER,
    MAX_REMEMBERED,
    RANK,
    REGISTRATION,
    SEND_STATUS,
    Record,
    Sent,
    SimCard,
    call_digest,
    device_key,
    inbound,
    port_key,
    read_online,
    same_number,
    sub_device,
    to_int,
    to_text,
    top_id,
    ussd_digest,
)

_LOGGER = logging.getLogger(__name__)


class SimFolderClient(SimFolderApi, GatewayClient):
    """One SimFolder account."""

    type = GatewayType.SIMFOLDER
    capabilities = frozenset(
        {
            Capability.SEND_SMS,
            Capability.INBOX,
            Capability.SMS_STATUS,
            Capability.USSD,
            Capability.PUSH,
            Capability.PUSH_CONFIG,
            Capability.TELEGRAM,
            Capability.AT_COMMAND,
            Capability.CALLS,
            Capability.PORT_STATUS,
            Capability.CARD_SELECT,
            Capability.RECORDS,
            Capability.EDIT,
        }
    )
    max_numbers_per_request = 1

    def __init__(
        self,
        session: aiohttp.ClientSession,
        config: ClientConfig,
        *,
        retry_pauses: Sequence[float] = (1.0, 2.0, 4.0, 8.0),
        backoff: Backoff | None = None,
        reply_poll_interval: float = 2.0,
        status_tracking_timeout: float = 6 * 3600,
    ) -> None:
        """`reply_poll_interval`: seconds between list reads while a reply is awaited."""
        super().__init__(session, config, retry_pauses=retry_pauses, backoff=backoff)
        self.reply_poll_interval = reply_poll_interval
        self._tracking_timeout = status_tracking_timeout
        self.account = config.unique_id
        self._polled = False
        self._marks: dict[str, int | None] = {"ussd": None, "call": None}
        self._pushed: dict[str, None] = {}
        """Digests of USSD replies and calls that came by notification."""
        self._sent: dict[str, Sent] = {}
        self._local_ids = 0
        self._ussd_waiters: dict[int, asyncio.Future[str]] = {}
        self._devices_to_read: set[int] = set()
        self._at_mark: int | None = None
        """The newest AT reply seen (atList is read only for our own commands)."""

    # --- the shared interface -------------------------------------------------------

    @override
    async def get_info(self) -> GatewayInfo:
        """Check the key and name the account (see `simfolder_wire.ACCOUNT_KEYS`)."""
        settings = await self.settings_get()
        api_version = await self.version()
        account = settings.account
        if account is None:
            # Fallback where settingsGet names no account: the oldest
            # aggregator outlives key changes; without one, the key's digest.
            devices = await self.device_list()
            account = (
                f"device-{min(d.device_id for d in devices)}"
                if devices
                else "key-" + hashlib.sha256(self._api_key.encode()).hexdigest()[:12]
            )
        self.account = account
        return GatewayInfo(
            type=GatewayType.SIMFOLDER,
            unique_id=account,
            name=f"SimFolder {account}",
            manufacturer=MANUFACTURER,
            model="SimFolder account",
            firmware=api_version,
            configuration_url=str(self._http.base_url.with_path("/")),
        )

    @override
    async def poll(self) -> GatewayState:
        """Aggregators and cards in two requests.

        Plus `operatorList` when a card names an operator not yet known, and
        `deviceState` of an aggregator a notification said came back online
        (its modems' states are fresher than the card records).
        """
        aggregators = await self.device_list()
        cards = await self.card_list()
        for device_id in sorted(self._devices_to_read):
            for modem in await self.device_state(device_id):
                if (card := self._cards.get(modem.card_id)) is not None:
                    self._cards[card.card_id] = replace(
                        card,
                        state=card.state if modem.state is None else modem.state,
                        signal_dbm=modem.signal_dbm or card.signal_dbm,
                        modem=card.modem if modem.modem is None else modem.modem,
                    )
        self._devices_to_read.clear()
        cards = list(self._cards.values())
        wanted = {c.operator_id for c in cards if c.operator_id is not None}
        if not wanted <= self._operators.keys():
            await self.operator_list()
        self._polled = True
        return GatewayState(
            online=True,
            ports={port_key(c.card_id): self._port(c) for c in cards},
            devices={device_key(a.device_id): sub_device(a) for a in aggregators},
            extra={"aggregators": len(aggregators), "cards": len(cards)},
        )

    @override
    async def fetch_inbox(self, after: int | None) -> list[InboundSms]:
        """Received SMS above the mark, in one `smsList` (all pages for history)."""
        if after is None:
            records = await self._all_pages(self.sms_list, None)
        else:
            records = await self.sms_list(after)
        return [inbound(record) for record in records]

    @override
    async def poll_events(self) -> list[PushEvent]:
        """USSD replies and incoming calls above their marks (two requests).

        The first time (no mark yet) what is listed is history: it sets the
        marks and tells nothing.
        """
        history = {name: mark is None for name, mark in self._marks.items()}
        # History is read to its end, so that its top is the mark.
        ussd = (
            await self._all_pages(self.ussd_list, None)
            if history["ussd"]
            else await self.ussd_list(self._marks["ussd"])
        )
        calls = (
            await self._all_pages(self.call_list, None)
            if history["call"]
            else await self.call_list(self._marks["call"])
        )
        events: list[PushEvent] = [
            UssdReply(port=record.card_id, text=record.text or "")
            for record in ussd
            if not history["ussd"] and self._not_pushed(ussd_digest(record))
        ]
        events += [
            CallEvent(
                port=record.card_id,
                number=record.number or "",
                state=CallEventState.ENDED
                if record.duration
                else CallEventState.MISSED,
                timestamp=record.time,
            )
            for record in calls
            if not history["call"]
            and self._not_pushed(
                call_digest(record.card_id, record.number, record.time)
            )
        ]
        self._marks["ussd"] = top_id(ussd, self._marks["ussd"])
        self._marks["call"] = top_id(calls, self._marks["call"])
        return events

    @override
    async def send_sms(self, request: SendRequest) -> SendResult:
        """One `smsSend` per number, from the given card or the best one."""
        card_id = request.ports[0] if request.ports else self._pick_card()
        messages: list[SentMessage] = []
        for index, number in enumerate(request.numbers):
            try:
                sms_id = await self.sms_send(card_id, number, request.text)
            except GatewayRefusedError:
                if index == 0:
                    raise
                messages.append(
                    SentMessage(
                        number=number,
                        message_id=None,
                        port=card_id,
                        status=SmsStatus.FAILED,
                    )
                )
                continue
            listed = sms_id is not None
            if sms_id is None:
                self._local_ids += 1
                sms_id = f"local-{int(time.time())}-{self._local_ids}"
            self._sent[sms_id] = Sent(
                message_id=sms_id,
                card_id=card_id,
                to=number,
                status=SmsStatus.SENDING,
                created=time.time(),
                listed=listed,
            )
            messages.append(
                SentMessage(
                    number=number,
                    message_id=sms_id,
                    port=card_id,
                    status=SmsStatus.SENDING,
                )
            )
        self._forget_old()
        return SendResult(messages=tuple(messages), requests=len(request.numbers))

    @override
    def has_pending_sends(self) -> bool:
        return any(s.listed and RANK[s.status] < 3 for s in self._sent.values())

    @override
    async def fetch_sms_statuses(self) -> list[SmsStatusUpdate]:
        """Statuses of followed sends, in one `smsOutgoingList`."""
        listed = [int(s.message_id) for s in self._sent.values() if s.listed]
        if not listed:
            return []
        updates: list[SmsStatusUpdate] = []
        for record in await self.sms_outgoing_list(min(listed) - 1):
            sent = self._sent.get(str(record.id))
            status = (
                SmsStatus.SENDING
                if record.status is None
                else SEND_STATUS.get(record.status)
            )
            if sent is not None and status is not None:
                update = self._advance(sent, status, record.time)
                if update is not None:
                    updates.append(update)
        self._forget_old()
        return updates

    @override
    def export_state(self) -> dict[str, Any]:
        return {
            "marks": dict(self._marks),
            "pushed": list(self._pushed),
            "sent": [
                {
                    "message_id": s.message_id,
                    "card_id": s.card_id,
                    "to": s.to,
                    "status": s.status.value,
                    "created": s.created,
                    "listed": s.listed,
                }
                for s in self._sent.values()
            ],
        }

    @override
    def restore_state(self, state: Mapping[str, Any]) -> None:
        marks = state.get("marks")
        if isinstance(marks, dict):
            for name in self._marks:
                value = marks.get(name)
                self._marks[name] = value if isinstance(value, int) else None
        pushed = state.get("pushed")
        if isinstance(pushed, list):
            self._pushed = dict.fromkeys(str(p) for p in pushed)
        for item in state.get("sent") or []:
            try:
                sent = Sent(
                    message_id=str(item["message_id"]),
                    card_id=int(item["card_id"]),
                    to=str(item["to"]),
                    status=SmsStatus(item["status"]),
                    created=float(item["created"]),
                    listed=bool(item["listed"]),
                )
            except KeyError, TypeError, ValueError:
                _LOGGER.debug("Skipping a followed send that cannot be read: %s", item)
                continue
            self._sent[sent.message_id] = sent

    @override
    async def send_ussd(self, port: int | None, code: str, timeout: float) -> UssdReply:
        """`ussdSend`, then the reply by notification or `ussdList`, whichever is first."""
        card_id = self._pick_card() if port is None else port
        mark = await self._top_id(self.ussd_list, card_id, self._marks["ussd"])
        waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._ussd_waiters[card_id] = waiter
        try:
            await self.ussd_send(card_id, code)
            text = await self._await_reply(
                waiter, lambda: self.ussd_list(mark, card_id), timeout
            )
        finally:
            if self._ussd_waiters.get(card_id) is waiter:
                del self._ussd_waiters[card_id]
        return UssdReply(port=card_id, text=text)

    @override
    async def send_at_command(self, port: int, command: str, timeout: float) -> str:
        """`atSend`, then the modem's reply from `atList`."""
        mark = await self._top_id(self.at_list, port, self._at_mark)
        await self.at_send(port, command)
        never: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        reply = await self._await_reply(
            never, lambda: self.at_list(mark, port), timeout
        )
        self._at_mark = max(self._at_mark or 0, mark or 0)
        return reply

    @override
    async def send_telegram(self, text: str) -> None:
        await self.telegram_send(text)

    @override
    async def make_call(self, port: int, number: str) -> None:
        await self.call_begin(port, number)

    @override
    async def answer_call(self, port: int) -> None:
        await self.call_answer(port)

    @override
    async def end_call(self, port: int) -> None:
        await self.call_end(port)

    @override
    async def select_card(self, port: int, card: int) -> None:
        """Put `card` into the modem that card `port` occupies."""
        current = self._cards.get(port)
        if current is None:
            raise GatewayBadRequestError(f"unknown SIM card {port}")
        await self.card_select(card, current.device_id, current.modem)

    @override
    async def direct_cards(self, ports: Sequence[int]) -> None:
        await self.card_direct(ports)

    @override
    async def delete_records(
        self,
        kind: RecordKind,
        ids: Sequence[str] | None = None,
        before: datetime | None = None,
    ) -> int:
        if not ids and before is None:
            raise GatewayBadRequestError("name the records: ids or a time")
        return await self._delete(DELETE_METHODS[kind], ids, before)

    @override
    async def edit_record(
        self, target: EditTarget, key: str, fields: Mapping[str, Any]
    ) -> None:
        if target is EditTarget.DEVICE:
            device_id = to_int(key.removeprefix("aggregator_"))
            if device_id is None:
                raise GatewayBadRequestError(f"not an aggregator: {key}")
            await self.device_edit(device_id, fields)
            return
        card = self._cards.get(to_int(key) or -1)
        if card is None:
            raise GatewayBadRequestError(f"unknown SIM card {key}")
        if target is EditTarget.PORT:
            await self.card_edit(card.card_id, fields)
        elif card.operator_id is None:
            raise GatewayBadRequestError(f"SIM card {key} names no operator")
        else:
            await self.operator_edit(card.operator_id, fields)

    @override
    def diagnostics(self) -> dict[str, Any]:
        """The keys of each method's last answer, and what the wire assumes."""
        return {
            "answer_keys": dict(sorted(self.answer_keys.items())),
            "rate_limited": self.rate_limited,
            "polling_marks": dict(self._marks),
            "followed_sends": len(self._sent),
            "wire": {
                "http_method": wire.HTTP_METHOD,
                "content_type": wire.CONTENT_TYPE,
                "method_param": wire.METHOD_PARAM,
                "notification_kind_key": wire.NOTIFICATION_KIND_KEY,
                "params": {p.value: n for p, n in wire.PARAM_NAMES.items()},
            },
        }

    @override
    async def read_push_settings(self) -> dict[str, Any] | None:
        settings = await self.settings_get()
        return {"url": settings.url, "kinds": settings.kinds}

    @override
    async def configure_push(self, url: str) -> bool:
        """All nine notifications to `url`."""
        await self.settings_set(url, dict.fromkeys(wire.NOTIFICATION_KINDS, True))
        return True

    @override
    async def restore_push_settings(self, saved: Mapping[str, Any]) -> None:
        kinds = saved.get("kinds")
        url = saved.get("url")
        await self.settings_set(
            url if isinstance(url, str) else None,
            {
                kind: bool(on)
                for kind, on in (kinds.items() if isinstance(kinds, dict) else ())
                if kind in wire.NOTIFICATION_KINDS
            }
            or dict.fromkeys(wire.NOTIFICATION_KINDS, False),
        )

    @override
    def parse_push(
        self,
        body: bytes,
        content_type: str | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Push:
        """Read one notification; one naming a device or card not ours is foreign."""
        try:
            notification = wire.decode_notification(body, content_type, query)
        except ValueError as err:
            raise PushError(f"not a SimFolder notification: {err}") from err
        fields = notification.fields
        device_id = to_int(fields.get(Field.DEVICE))
        card_id = to_int(fields.get(Field.CARD))
        if not self._polled:
            raise ForeignPushError("no list of devices and cards yet to check it")
        if device_id is not None and device_id not in self._devices:
            raise ForeignPushError(f"aggregator {device_id} is not this account's")
        if card_id is not None and card_id not in self._cards:
            raise ForeignPushError(f"SIM card {card_id} is not this account's")
        kind = notification.kind
        if kind == "deviceState":
            if device_id is None:
                raise PushError("deviceState names no device")
            return Push(kind=kind, events=(self._device_change(device_id, fields),))
        if card_id is None:
            raise PushError(f"{kind} names no SIM card")
        return Push(kind=kind, events=self._card_events(kind, card_id, fields))

    # --- notifications ------------------------------------------------------------

    def _device_change(
        self, device_id: int, fields: Mapping[Field, Any]
    ) -> GatewayStatusChange:
        online = read_online(fields.get(Field.STATE))
        if online and not (self._devices[device_id].online or False):
            # Back online: read its modems once (cards may have changed).
            self._devices_to_read.add(device_id)
        self._devices[device_id] = replace(self._devices[device_id], online=online)
        return GatewayStatusChange(
            online=online,
            device_key=device_key(device_id),
            details={"device_id": device_id},
        )

    def _card_events(
        self, kind: str, card_id: int, fields: Mapping[Field, Any]
    ) -> tuple[PushEvent, ...]:
        timestamp = wire.parse_time(fields.get(Field.TIME))
        if kind == "smsReceived":
            sender, text = to_text(fields.get(Field.SENDER)), fields.get(Field.TEXT)
            if sender is None or not isinstance(text, str):
                raise PushError("smsReceived without sender or msg")
            record = Record(
                id=None,
                card_id=card_id,
                time=timestamp,
                text=text,
                number=sender,
                raw_time=to_text(fields.get(Field.TIME)),
            )
            return (inbound(record),)
        if kind == "ussdReceived":
            text = str(fields.get(Field.TEXT) or "")
            self._remember(
                ussd_digest(Record(id=None, card_id=card_id, time=None, text=text))
            )
            waiter = self._ussd_waiters.get(card_id)
            if waiter is not None and not waiter.done():
                waiter.set_result(text)
            return (UssdReply(port=card_id, text=text),)
        if kind == "smsSended":
            return self._sended(card_id, fields)
        if kind in CALL_NOTIFICATIONS:
            state, number_field = CALL_NOTIFICATIONS[kind]
            number = to_text(fields.get(number_field)) or ""
            if kind == "callIncoming":
                self._remember(call_digest(card_id, number, timestamp))
            return (
                CallEvent(
                    port=card_id, number=number, state=state, timestamp=timestamp
                ),
            )
        # simStatus (the only kind left).
        state_code = to_int(fields.get(Field.STATE))
        registration = (
            Registration.UNKNOWN
            if state_code is None
            else REGISTRATION.get(state_code, Registration.UNKNOWN)
        )
        self._cards[card_id] = replace(self._cards[card_id], state=state_code)
        return (PortStatusChange(port=card_id, registration=registration),)

    def _sended(
        self, card_id: int, fields: Mapping[Field, Any]
    ) -> tuple[PushEvent, ...]:
        to = to_text(fields.get(Field.TO)) or ""
        code = to_int(fields.get(Field.STATUS))
        status = None if code is None else SEND_STATUS.get(code)
        if status is None:
            raise PushError(f"smsSended with status {fields.get(Field.STATUS)!r}")
        # The notification carries no message id: it is the oldest followed
        # message from this card to this number that has not got this far.
        for sent in self._sent.values():
            if (
                sent.card_id == card_id
                and same_number(sent.to, to)
                and RANK[sent.status] < RANK[status]
            ):
                update = self._advance(sent, status, None)
                return () if update is None else (update,)
        return (
            SmsStatusUpdate(message_id=None, number=to, port=card_id, status=status),
        )

    def _advance(
        self, sent: Sent, status: SmsStatus, timestamp: datetime | None
    ) -> SmsStatusUpdate | None:
        if RANK[status] <= RANK[sent.status]:
            return None
        sent.status = status
        return SmsStatusUpdate(
            message_id=sent.message_id,
            number=sent.to,
            port=sent.card_id,
            status=status,
            timestamp=timestamp,
            sequence=f"simfolder:{sent.message_id}:{status.value}",
        )

    async def _top_id(self, lister: Any, card_id: int, start: int | None) -> int | None:
        """The newest record id of a card's list, read from `start` on."""
        return top_id(await self._all_pages(lister, start, card_id), start)

    async def _all_pages(
        self, lister: Any, after: int | None, card_id: int | None = None
    ) -> list[Record]:
        """Every record above `after`, page after page."""
        found: list[Record] = []
        while True:
            page: list[Record] = await lister(after, card_id)
            found += page
            if len(page) < LIST_LIMIT or (top := top_id(page, after)) == after:
                return found
            after = top

    async def _await_reply(
        self,
        waiter: asyncio.Future[str],
        lister: Any,
        timeout: float,  # noqa: ASYNC109
    ) -> str:
        """Wait for a pushed reply, reading the list every `reply_poll_interval`."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise GatewayRefusedError(f"no reply within {timeout:g} s")
            try:
                return await asyncio.wait_for(
                    asyncio.shield(waiter), min(self.reply_poll_interval, remaining)
                )
            except TimeoutError:
                rows: list[Record] = await lister()
                if rows:
                    return rows[-1].text or ""

    def _remember(self, digest: str) -> None:
        self._pushed[digest] = None
        while len(self._pushed) > MAX_REMEMBERED:
            del self._pushed[next(iter(self._pushed))]

    def _not_pushed(self, digest: str) -> bool:
        """Tell whether a listed fact did not come by notification (and forget it)."""
        if digest in self._pushed:
            del self._pushed[digest]
            return False
        return True

    def _pick_card(self) -> int:
        """The card for a request that names none: registered, best signal."""
        cards = sorted(
            (c for c in self._cards.values() if c.registration in REGISTERED_STATES),
            key=lambda c: -(c.signal_dbm or -200),
        )
        if not cards:
            raise GatewayBusyError("no SIM card is registered to the network")
        return cards[0].card_id

    def _port(self, card: SimCard) -> Port:
        operator = self._operators.get(card.operator_id or -1)
        registration = card.registration
        return Port(
            key=port_key(card.card_id),
            number=card.card_id,
            name=card.name,
            registration=registration,
            signal_dbm=card.signal_dbm if registration in REGISTERED_STATES else None,
            slot=card.modem,
            sim=Sim(
                phone_number=card.number,
                operator=operator.title if operator else None,
                imsi=card.imsi,
                iccid=card.iccid,
            ),
            parent_key=None if card.device_id is None else device_key(card.device_id),
        )

    def _forget_old(self) -> None:
        limit = time.time() - self._tracking_timeout
        for message_id in [k for k, s in self._sent.items() if s.created < limit]:
            del self._sent[message_id]
        for message_id in list(self._sent)[: max(len(self._sent) - 5000, 0)]:
            del self._sent[message_id]
