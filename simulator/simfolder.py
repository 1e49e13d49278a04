"""A fake SimFolder cloud: aggregators, SIM banks, cards, and their notifications.

It serves the API under `/api/` on the wire assumptions of
`custom_components/gsm_gateway/api/simfolder_wire.py` (imported, so a
correction there moves both sides), keeps its state in memory, and POSTs the
nine notifications to whatever URL `settingsSet` gave it. The logic below
speaks only the wire module's semantic names (`Param`, `Field`).

Each aggregator has `cards` modems with a card in each, plus `bank_cards`
cards waiting in its SIM bank (state -3, off) that `cardSelect` puts into a
modem. Scripted facts for tests and the demo: `receive_sms`, `incoming_call`,
`end_incoming_call`, `set_card_state`, `set_device_online`; `notify = False`
loses notifications (polling must then find everything).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
import json
import logging
import random
from typing import Any

import aiohttp
from aiohttp import hdrs, web

from custom_components.gsm_gateway.api import simfolder_wire as wire
from custom_components.gsm_gateway.api.simfolder_wire import ErrorKind, Field, Param

_LOGGER = logging.getLogger(__name__)

OPERATORS = (
    (1, "Kyivstar", "+38067"),
    (2, "Vodafone UA", "+38050"),
    (3, "lifecell", "+38063"),
)
DEFAULT_USSD_REPLIES = {
    "*100#": "Balance 42.17 UAH. Tariff Smart, 15 GB left until 31.12.",
    "*111#": "Your number is {number}.",
}
REGISTERED = frozenset({1, 5})


class SimFolderError(Exception):
    """An error answer (kind and message)."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(kw_only=True)
class SimAggregator:
    """One aggregator."""

    device_id: int
    title: str
    online: bool = True
    model: str = "SimFolder Aggregator 32"
    version: str = "3.4.2"
    modems: int = 4
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(kw_only=True)
class SimCardState:
    """One SIM card."""

    card_id: int
    device_id: int
    number: str
    name: str
    operator_id: int
    imsi: str
    iccid: str
    state: int = 1
    signal: int = 20
    modem: int | None = None
    direct: bool = False
    ringing: str | None = None
    """The caller's number while an incoming call rings or is answered."""
    in_call: bool = False
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(kw_only=True)
class SimRequest:
    """A request as the simulator understood it."""

    method: str | None
    params: dict[Param, str]
    rest: dict[str, str]


class SimFolderSimulator:
    """The SimFolder cloud for one account."""

    def __init__(
        self,
        *,
        api_key: str = "demo-api-key",
        account: str = "10001",
        aggregators: int = 1,
        cards: int = 4,
        bank_cards: int = 0,
        seed: int | None = None,
    ) -> None:
        self.api_key = api_key
        self.account = account
        self._rng = random.Random(seed)
        self.devices: dict[int, SimAggregator] = {}
        self.cards: dict[int, SimCardState] = {}
        self.operators: dict[int, str] = {op_id: title for op_id, title, _ in OPERATORS}
        self.records: dict[str, list[dict[Field, Any]]] = {
            name: [] for name in ("sms", "smsOut", "ussd", "call", "callOut", "at")
        }
        self.telegrams: list[str] = []
        self.settings_url: str | None = None
        self.settings_kinds: dict[str, bool] = dict.fromkeys(
            wire.NOTIFICATION_KINDS, False
        )
        self.notify = True
        self.notifications_sent: list[dict[str, Any]] = []
        self.requests: list[SimRequest] = []
        self.rate_limit_next = 0
        """Answer the next N requests with the rate-limit error."""
        self.fail_next: dict[str, ErrorKind] = {}
        """Method name -> the error its next call gets."""
        self.ussd_replies = dict(DEFAULT_USSD_REPLIES)
        self.blocked_numbers: set[str] = set()
        """Numbers smsSend refuses (as an operator's blacklist would)."""
        self.auto_complete = True
        self.delay = 0.05
        """Seconds before a sent SMS is sent, delivered, a USSD or AT reply comes."""
        self._next_id = 1
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._bound: tuple[str, int] | None = None
        card_id = 100
        for index in range(aggregators):
            device_id = 1 + index
            self.devices[device_id] = SimAggregator(
                device_id=device_id, title=f"Aggregator {device_id}", modems=cards
            )
            for slot in range(cards + bank_cards):
                card_id += 1
                self.cards[card_id] = self._make_card(
                    card_id, device_id, slot if slot < cards else None
                )

    def _make_card(
        self, card_id: int, device_id: int, modem: int | None
    ) -> SimCardState:
        op_id, _title, prefix = self._rng.choice(OPERATORS)
        digits = "".join(self._rng.choice("0123456789") for _ in range(12))
        return SimCardState(
            card_id=card_id,
            device_id=device_id,
            number=prefix + digits[:7],
            name=f"SIM {card_id}",
            operator_id=op_id,
            imsi="25501" + digits[:10],
            iccid="8938001" + digits,
            state=1 if modem is not None else -3,
            signal=self._rng.randint(10, 31),
            modem=modem,
        )

    # --- lifecycle ----------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on host:port (0 picks a free port)."""
        app = web.Application()
        app.router.add_route("*", "/api/", self._handle)
        app.router.add_route("*", "/api", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server  # noqa: SLF001 - the only way to learn port 0's choice
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self._bound = (host, sockets[0].getsockname()[1] if sockets else port)

    async def stop(self) -> None:
        """Stop listening and drop scheduled work."""
        for task in list(self._tasks):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        """The API's base URL (`http://host:port/api/`)."""
        assert self._bound is not None, "start() first"
        return f"http://{self._bound[0]}:{self._bound[1]}/api/"

    async def settle(self) -> None:
        """Wait until scheduled replies and notifications are done."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def calls(self, method: str) -> list[SimRequest]:
        """The requests made of one method."""
        return [r for r in self.requests if r.method == method]

    # --- HTTP -------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        form: dict[str, str] = {}
        if request.method == "POST":
            posted = await request.post()
            form = {k: v for k, v in posted.items() if isinstance(v, str)}
        method, api_key, params, rest = wire.decode_request(dict(request.query), form)
        self.requests.append(SimRequest(method=method, params=params, rest=rest))
        try:
            payload = self._answer(method, api_key, params, rest)
        except SimFolderError as err:
            status, body = wire.encode_error(err.kind, err.message)
            return web.json_response(body, status=status)
        return web.json_response(
            wire.encode_answer(payload),
            dumps=lambda d: json.dumps(d, ensure_ascii=False),
        )

    def _answer(
        self,
        method: str | None,
        api_key: str | None,
        params: dict[Param, str],
        rest: dict[str, str],
    ) -> Any:
        if api_key != self.api_key:
            raise SimFolderError(ErrorKind.AUTH, "wrong api_key")
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            raise SimFolderError(ErrorKind.RATE_LIMIT, "too many requests")
        if method in self.fail_next:
            raise SimFolderError(self.fail_next.pop(method), f"{method} failed")
        handler = self._handlers().get(method or "")
        if handler is None:
            raise SimFolderError(ErrorKind.BAD_REQUEST, f"unknown method {method}")
        return handler(params, rest)

    def _handlers(
        self,
    ) -> Mapping[str, Callable[[dict[Param, str], dict[str, str]], Any]]:
        return {
            "version": lambda _p, _r: wire.write_record({Field.VERSION: "1.3"}),
            "settingsGet": self._settings_get,
            "settingsSet": self._settings_set,
            "deviceList": lambda _p, _r: [
                self._device_record(d) for d in self.devices.values()
            ],
            "deviceState": self._device_state,
            "deviceEdit": self._device_edit,
            "cardList": lambda _p, _r: [
                self._card_record(c) for c in self.cards.values()
            ],
            "cardEdit": self._card_edit,
            "cardSelect": self._card_select,
            "cardDirect": self._card_direct,
            "operatorList": lambda _p, _r: [
                wire.write_record({Field.OPERATOR: op_id, Field.OPERATOR_TITLE: title})
                for op_id, title in self.operators.items()
            ],
            "operatorEdit": self._operator_edit,
            "smsSend": self._sms_send,
            "smsList": lambda p, _r: self._list("sms", p),
            "smsOutgoingList": lambda p, _r: self._list("smsOut", p),
            "smsDelete": lambda p, _r: self._delete("sms", p),
            "smsOutgoingDelete": lambda p, _r: self._delete("smsOut", p),
            "ussdSend": self._ussd_send,
            "ussdList": lambda p, _r: self._list("ussd", p),
            "ussdDelete": lambda p, _r: self._delete("ussd", p),
            "callBegin": self._call_begin,
            "callAnswer": self._call_answer,
            "callEnd": self._call_end,
            "callList": lambda p, _r: self._list("call", p),
            "callOutgoingList": lambda p, _r: self._list("callOut", p),
            "callDelete": lambda p, _r: self._delete("call", p),
            "callOutgoingDelete": lambda p, _r: self._delete("callOut", p),
            "atSend": self._at_send,
            "atList": lambda p, _r: self._list("at", p),
            "telegramSend": self._telegram_send,
        }

    # --- methods -----------------------------------------------------------------------

    def _settings_get(self, _p: dict[Param, str], _r: dict[str, str]) -> Any:
        return {
            **wire.encode_settings(self.settings_url, self.settings_kinds),
            wire.FIELD_NAMES[Field.ACCOUNT]: self.account,
        }

    def _settings_set(self, params: dict[Param, str], rest: dict[str, str]) -> Any:
        if Param.URL in params:
            self.settings_url = params[Param.URL] or None
        for kind in wire.NOTIFICATION_KINDS:
            if kind in rest:
                self.settings_kinds[kind] = rest[kind] == "1"
        return {}

    def _device(self, params: dict[Param, str]) -> SimAggregator:
        device = self.devices.get(_int(params.get(Param.DEVICE)) or -1)
        if device is None:
            raise SimFolderError(ErrorKind.NOT_FOUND, "device not found")
        return device

    def _card(
        self, params: dict[Param, str], param: Param = Param.CARD
    ) -> SimCardState:
        card = self.cards.get(_int(params.get(param)) or -1)
        if card is None:
            raise SimFolderError(ErrorKind.NOT_FOUND, "card not found")
        return card

    def _device_state(self, params: dict[Param, str], _r: dict[str, str]) -> Any:
        device = self._device(params)
        return [
            wire.write_record(
                {
                    Field.MODEM: card.modem,
                    Field.CARD: card.card_id,
                    Field.STATE: card.state,
                    Field.SIGNAL: card.signal,
                }
            )
            for card in self.cards.values()
            if card.device_id == device.device_id and card.modem is not None
        ]

    def _device_edit(self, params: dict[Param, str], rest: dict[str, str]) -> Any:
        device = self._device(params)
        title = rest.pop(wire.FIELD_NAMES[Field.DEVICE_TITLE], None)
        if title:
            device.title = title
        device.extra.update(rest)
        return {}

    def _card_edit(self, params: dict[Param, str], rest: dict[str, str]) -> Any:
        card = self._card(params)
        card.name = rest.pop(wire.FIELD_NAMES[Field.NAME], card.name)
        card.number = rest.pop(wire.FIELD_NAMES[Field.NUMBER], card.number)
        card.extra.update(rest)
        return {}

    def _operator_edit(self, params: dict[Param, str], rest: dict[str, str]) -> Any:
        op_id = _int(params.get(Param.OPERATOR))
        if op_id is None or op_id not in self.operators:
            raise SimFolderError(ErrorKind.NOT_FOUND, "operator not found")
        title = rest.get(wire.FIELD_NAMES[Field.OPERATOR_TITLE])
        if title:
            self.operators[op_id] = title
        return {}

    def _card_select(self, params: dict[Param, str], _r: dict[str, str]) -> Any:
        card = self._card(params)
        modem = _int(params.get(Param.MODEM))
        device = self.devices.get(_int(params.get(Param.DEVICE)) or card.device_id)
        if device is None or card.device_id != device.device_id:
            raise SimFolderError(ErrorKind.BAD_REQUEST, "card is in another device")
        if modem is None or not 0 <= modem < device.modems:
            raise SimFolderError(ErrorKind.BAD_REQUEST, "no such modem")
        for other in self.cards.values():
            if other.device_id == device.device_id and other.modem == modem:
                other.modem = None
                self._set_state(other, -3)
        card.modem = modem
        self._set_state(card, 1)
        return {}

    def _card_direct(self, params: dict[Param, str], _r: dict[str, str]) -> Any:
        ids = [_int(i) for i in wire.split_list(params.get(Param.CARDS))]
        if not ids or any(i not in self.cards for i in ids):
            raise SimFolderError(ErrorKind.NOT_FOUND, "card not found")
        for card in self.cards.values():
            card.direct = card.card_id in ids
        return {}

    def _sms_send(self, params: dict[Param, str], _r: dict[str, str]) -> Any:
        card = self._card(params)
        to, text = params.get(Param.TO), params.get(Param.TEXT)
        if not to or text is None:
            raise SimFolderError(ErrorKind.BAD_REQUEST, "addressee and msg required")
        if card.state not in REGISTERED:
            raise SimFolderError(ErrorKind.FAILED, "card is not registered")
        if to in self.blocked_numbers:
            raise SimFolderError(ErrorKind.FAILED, "number is blocked")
        record = self._add("smsOut", card, {Field.TO: to, Field.TEXT: text})
        if self.auto_complete:
            self._later(self._complete_sms(card, record))
        return wire.write_record({Field.ID: record[Field.ID]})

    async def _complete_sms(self, card: SimCardState, record: dict[Field, Any]) -> None:
        for status in (1, 2):
            await asyncio.sleep(self.delay)
            record[Field.STATUS] = status
            await self.send_notification(
                "smsSended",
                {
                    **self._card_fields(card),
                    Field.TO: record[Field.TO],
                    Field.STATUS: status,
                },
            )

    def _ussd_send(self, params: dict[Param, str], _r: dict[str, str]) -> Any:
        card = self._card(params)
        code = params.get(Param.TEXT) or ""
        if card.state not in REGISTERED:
            raise SimFolderError(ErrorKind.FAILED, "card is not registered")
        reply = self.ussd_replies.get(code, "Unknown request").format(
            number=card.number
        )
        self._later(self._ussd_reply(card, reply))
        return {}

    async def _ussd_reply(self, card: SimCardState, reply: str) -> None:
        await asyncio.sleep(self.delay)
        self._add("ussd", card, {Field.TEXT: reply})
        await self.send_notification(
            "ussdReceived", {**self._card_fields(card), Field.TEXT: reply}
        )

    def _at_send(self, params: dict[Param, str], _r: dict[str, str]) -> Any:
        card = self._card(params)
        command = (params.get(Param.TEXT) or "").strip()
        if not command.upper().startswith("AT"):
            raise SimFolderError(ErrorKind.BAD_REQUEST, "not an AT command")
        reply = f"+CSQ: {card.signal},99\r\nOK" if command.upper() == "AT+CSQ" else "OK"
        self._later(self._at_reply(card, command, reply))
        return {}

    async def _at_reply(self, card: SimCardState, command: str, reply: str) -> None:
        await asyncio.sleep(self.delay)
        self._add("at", card, {Field.COMMAND: command, Field.TEXT: reply})

    def _call_begin(self, params: dict[Param, str], _r: dict[str, str]) -> Any:
        card = self._card(params)
        number = params.get(Param.DIAL)
        if not number:
            raise SimFolderError(ErrorKind.BAD_REQUEST, "outgoing required")
        if card.state not in REGISTERED or card.in_call:
            raise SimFolderError(ErrorKind.FAILED, "card cannot call now")
        card.in_call = True
        self._add("callOut", card, {Field.OUTGOING: number, Field.DURATION: 0})
        self._later(
            self.send_notification(
                "callOutgoing",
                {**self._card_fields(card), Field.OUTGOING: number, Field.TIME: _now()},
            )
        )
        return {}

    def _call_answer(self, params: dict[Param, str], _r: dict[str, str]) -> Any:
        card = self._card(params)
        if card.ringing is None or card.in_call:
            raise SimFolderError(ErrorKind.FAILED, "no call is ringing")
        card.in_call = True
        self._later(
            self.send_notification(
                "callBegin",
                {
                    **self._card_fields(card),
                    Field.INCOMING: card.ringing,
                    Field.TIME: _now(),
                },
            )
        )
        return {}

    def _call_end(self, params: dict[Param, str], _r: dict[str, str]) -> Any:
        card = self._card(params)
        if not card.in_call and card.ringing is None:
            raise SimFolderError(ErrorKind.FAILED, "no call to end")
        if card.ringing is not None:
            self._later(self.end_incoming_call(card.card_id))
        card.in_call = False
        return {}

    def _telegram_send(self, params: dict[Param, str], _r: dict[str, str]) -> Any:
        text = params.get(Param.TEXT)
        if not text:
            raise SimFolderError(ErrorKind.BAD_REQUEST, "msg required")
        self.telegrams.append(text)
        return {}

    def _list(self, name: str, params: dict[Param, str]) -> Any:
        after = _int(params.get(Param.AFTER))
        card = _int(params.get(Param.CARD))
        limit = _int(params.get(Param.LIMIT)) or 100
        rows = [
            r
            for r in self.records[name]
            if (after is None or r[Field.ID] > after)
            and (card is None or r[Field.CARD] == card)
        ]
        return [wire.write_record(r) for r in rows[:limit]]

    def _delete(self, name: str, params: dict[Param, str]) -> Any:
        ids = {_int(i) for i in wire.split_list(params.get(Param.IDS))}
        before = wire.parse_time(params.get(Param.BEFORE))
        if not ids and before is None:
            raise SimFolderError(ErrorKind.BAD_REQUEST, "id or date_to required")
        kept = [
            r
            for r in self.records[name]
            if not (
                r[Field.ID] in ids or (before is not None and r[Field.TIME] < before)
            )
        ]
        deleted = len(self.records[name]) - len(kept)
        self.records[name] = kept
        return {wire.DELETED_KEYS[0]: deleted}

    # --- records and notifications ----------------------------------------------------

    def _device_record(self, device: SimAggregator) -> dict[str, Any]:
        return wire.write_record(
            {
                Field.DEVICE: device.device_id,
                Field.DEVICE_TITLE: device.title,
                Field.STATE: "online" if device.online else "offline",
                Field.MODEL: device.model,
                Field.VERSION: device.version,
            }
        )

    def _card_record(self, card: SimCardState) -> dict[str, Any]:
        return wire.write_record(
            {
                Field.CARD: card.card_id,
                Field.DEVICE: card.device_id,
                Field.NUMBER: card.number,
                Field.NAME: card.name,
                Field.STATE: card.state,
                Field.SIGNAL: card.signal if card.state in REGISTERED else 99,
                Field.OPERATOR: card.operator_id,
                Field.IMSI: card.imsi,
                Field.ICCID: card.iccid,
                Field.MODEM: card.modem,
            }
        )

    def _card_fields(self, card: SimCardState) -> dict[Field, Any]:
        return {
            Field.DEVICE: card.device_id,
            Field.DEVICE_TITLE: self.devices[card.device_id].title,
            Field.CARD: card.card_id,
            Field.NUMBER: card.number,
            Field.NAME: card.name,
        }

    def _add(
        self, name: str, card: SimCardState, values: dict[Field, Any]
    ) -> dict[Field, Any]:
        record = {
            Field.ID: self._next_id,
            Field.TIME: _now(),
            **self._card_fields(card),
            **values,
        }
        self._next_id += 1
        self.records[name].append(record)
        return record

    def _later(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _set_state(self, card: SimCardState, state: int) -> None:
        if card.state != state:
            card.state = state
            self._later(
                self.send_notification(
                    "simStatus", {**self._card_fields(card), Field.STATE: state}
                )
            )

    async def send_notification(
        self, kind: str, fields: Mapping[Field, Any]
    ) -> int | None:
        """POST one notification if its kind is on; return the HTTP status (0: none)."""
        if not self.settings_url or not self.settings_kinds.get(kind):
            return None
        if not self.notify:
            self.notifications_sent.append({"kind": kind, "status": None, "lost": True})
            return None
        content_type, body = wire.encode_notification(kind, fields)
        return await self.post(body, content_type, kind)

    async def post(
        self, body: bytes, content_type: str, kind: str | None = None
    ) -> int:
        """POST a body to the notification URL; return the HTTP status (0: none)."""
        assert self.settings_url is not None
        status = 0
        connector = aiohttp.TCPConnector(resolver=aiohttp.ThreadedResolver())
        try:
            async with (
                aiohttp.ClientSession(
                    connector=connector, timeout=aiohttp.ClientTimeout(total=10)
                ) as session,
                session.post(
                    self.settings_url,
                    data=body,
                    headers={hdrs.CONTENT_TYPE: content_type},
                ) as response,
            ):
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as err:
            _LOGGER.warning("Notification to %s failed: %s", self.settings_url, err)
        _LOGGER.info("Notified %s: HTTP %s", kind, status)
        self.notifications_sent.append({"kind": kind, "status": status})
        return status

    # --- scripted facts ----------------------------------------------------------------

    async def receive_sms(
        self, card_id: int, sender: str, text: str
    ) -> dict[Field, Any]:
        """An SMS reaches a card: stored, then notified."""
        card = self.cards[card_id]
        record = self._add("sms", card, {Field.SENDER: sender, Field.TEXT: text})
        await self.send_notification("smsReceived", record)
        return record

    async def incoming_call(self, card_id: int, number: str) -> None:
        """A call rings on a card."""
        card = self.cards[card_id]
        card.ringing = number
        record = self._add("call", card, {Field.INCOMING: number, Field.DURATION: 0})
        await self.send_notification(
            "callIncoming",
            {
                **self._card_fields(card),
                Field.INCOMING: number,
                Field.TIME: record[Field.TIME],
            },
        )

    async def end_incoming_call(self, card_id: int) -> None:
        """The incoming call on a card ends (answered or not)."""
        card = self.cards[card_id]
        number, card.ringing = card.ringing, None
        answered, card.in_call = card.in_call, False
        for record in reversed(self.records["call"]):
            if record[Field.CARD] == card_id:
                record[Field.DURATION] = 42 if answered else 0
                break
        await self.send_notification(
            "callEnd",
            {**self._card_fields(card), Field.INCOMING: number, Field.TIME: _now()},
        )

    async def set_card_state(self, card_id: int, state: int) -> None:
        """A card's network state changes."""
        card = self.cards[card_id]
        card.state = state
        await self.send_notification(
            "simStatus", {**self._card_fields(card), Field.STATE: state}
        )

    async def set_device_online(self, device_id: int, online: bool) -> None:
        """An aggregator goes offline or comes back."""
        device = self.devices[device_id]
        device.online = online
        await self.send_notification(
            "deviceState",
            {
                Field.DEVICE: device_id,
                Field.DEVICE_TITLE: device.title,
                Field.STATE: "online" if online else "offline",
            },
        )

    def add_card(self, device_id: int, modem: int | None = None) -> SimCardState:
        """A new card appears on an aggregator."""
        card_id = max(self.cards, default=100) + 1
        card = self._make_card(card_id, device_id, modem)
        self.cards[card_id] = card
        return card


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip()
    return int(text) if text.lstrip("-").isdigit() else None
