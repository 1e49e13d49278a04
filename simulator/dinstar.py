"""A fake Dinstar GSM gateway: the vendor's HTTP API, with state and pushes.

Written from the vendor document (`api-docs/dinstar-http-api.txt`, v1.0) and
from what real boxes are known to do (`api-docs/captures/README.md`), never
from our own client: a second, independent reading of the protocol is what
makes it a useful partner for the client's tests. Where both sources are
silent, the choice made here is said in a comment at the place it is made.

Tests run it in-process on 127.0.0.1; under pytest-homeassistant-custom-component
a test needs the `socket_enabled` fixture to open it. The demo runs it with
`python -m simulator`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
import functools
import hashlib
import hmac
import json
import logging
import math
import random
import re
import secrets
from typing import Any
from urllib.parse import unquote

import aiohttp
from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

_LOGGER = logging.getLogger(__name__)

REG_STATES = frozenset(
    [
        "REGISTER_OK",
        "SEARCHING_NETWORK",
        "UNREGISTER",
        "NO_SIM",
        "PIN_REQUIRE",
        "PUK_REQUIRE",
        "POWER_OFF",
        "UNKNOWN",
    ]
)
PUSH_KINDS = frozenset(
    [
        "sms",
        "sms_result",
        "sms_deliver_status",
        "ussd",
        "register",
        "missed_call",
        "cdr",
        "device",
    ]
)
AUTH_MODES = frozenset({"digest", "basic", "digest_or_basic"})
SEND_RESULTS = frozenset({"DELIVERED", "SENT_OK", "FAILED"})
INFO_TYPES = (
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
MAX_PORTS = 32
MAX_SEND_NUMBERS = 128
MAX_SEND_TEXT_BYTES = 1500
MAX_QUERY_NUMBERS = 32
MAX_NUMBER_BYTES = 24
MAX_USSD_BYTES = 60
SINGLE_SIM_SLOT = 255
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DEFAULT_USSD_REPLY = "Unknown application"
DEFAULT_USSD_REPLIES = {
    "*100#": "Balance: 12.50 EUR. Bonus: 100 MB until 31.12.",
    "*101#": "Your tariff: Smart M. Next payment: 15.00 EUR on the 1st.",
    "*111#": "1. Balance\n2. Internet packs\n3. Tariffs\n0. Exit",
    "*121#": "Internet: 14.2 GB of 20 GB left, valid 12 days.",
    # Balance replies as operators word them, for the balance sensor's parser:
    # decimal comma or point, amount before or after the currency.
    "*102#": "Ваш баланс: 12,50 грн. Дякуємо, що ви з нами!",
    "*103#": "尊敬的客户，您的余额为45.60元。",  # noqa: RUF001
    "*104#": "Баланс: 1 234,56 руб. Тариф «Мой онлайн».",  # noqa: RUF001
    "*105#": "Balance: 3.20 EUR",
    "*106#": "Service temporarily unavailable. Try again later.",
}

_RESULT_KEYS = ("port", "number", "time", "status", "count", "succ_count", "ref_id")
_REPORT_KEYS = ("port", "number", "time", "ref_id")
_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_INT_RE = re.compile(r"\s*\d+\s*")
_DIGEST_PARAM_RE = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))')
_NO_SIM_DATA = frozenset({"POWER_OFF", "NO_SIM"})
_KEPT_OVER_POWER_CYCLE = frozenset({"NO_SIM", "PIN_REQUIRE", "PUK_REQUIRE"})
_GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
_STK_MENU_TYPES = frozenset({1, 2})
_STK_INPUT_TYPES = frozenset({3, 4, 5, 8, 9, 10, 11})
_MAX_NONCES = 1024

# (IMSI prefix MCC+MNC, ICCID prefix, number prefix, subscriber digits, SMSC)
_OPERATORS = (
    ("25501", "8938003", "+38067", 7, "+380672021111"),
    ("26201", "8949011", "+49151", 8, "+491710760000"),
    ("46000", "8986002", "+86138", 8, "+8613800100500"),
)
_IMEI_TAC = "86307001"  # the module of the document's get_port_info example


def gateway_time(when: datetime | None = None, zone: tzinfo | None = None) -> str:
    """Format a time as the gateway writes it: its local time, no zone.

    Real boxes use the clock and zone set on their web UI; the simulator uses
    `zone`, by default the machine's local zone, which is what a box on the
    same LAN would show.
    """
    moment = (when or datetime.now(UTC)).astimezone(zone)
    return moment.strftime(TIME_FORMAT)


@dataclass
class SimCard:
    """The SIM card in one slot; a multi-SIM port switches between several."""

    imsi: str
    iccid: str
    phone_number: str
    smsc: str


@dataclass
class SimPort:
    """One GSM module of the gateway, as `get_port_info` reports it.

    The fields are the active SIM's; `sims` holds every slot's card (None for
    an empty slot), so that selecting another slot changes imsi/iccid/number.
    """

    number: int
    imei: str
    imsi: str = ""
    iccid: str = ""
    phone_number: str = ""
    smsc: str = ""
    reg: str = "REGISTER_OK"
    signal: int = 20
    callstate: str = "Idle"
    gprs: str = "attached"
    type: str = "GSM"
    slot: int = SINGLE_SIM_SLOT
    powered: bool = True
    busy: bool = False
    """Set by tests to make USSD answer 486 (port busy) on this port."""
    sims: list[SimCard | None] = field(default_factory=list)

    @property
    def registered(self) -> bool:
        """Tell whether the module can send: powered and on the network."""
        return self.powered and self.reg == "REGISTER_OK"

    @property
    def reported_reg(self) -> str:
        """Registration as the API reports it: a powered-off module says so."""
        return self.reg if self.powered else "POWER_OFF"

    @property
    def slot_index(self) -> int:
        """Index into `sims` of the active slot."""
        return 0 if self.slot == SINGLE_SIM_SLOT else self.slot

    @property
    def has_card(self) -> bool:
        """Tell whether the active slot holds a SIM card."""
        return bool(self.sims) and self.sims[self.slot_index] is not None

    def save_card(self) -> None:
        """Keep the active SIM's data (tests may have changed it) in its slot."""
        if self.sims and self.sims[self.slot_index] is not None:
            self.sims[self.slot_index] = SimCard(
                self.imsi, self.iccid, self.phone_number, self.smsc
            )

    def load_card(self) -> bool:
        """Make the active slot's SIM the port's; False when the slot is empty."""
        card = self.sims[self.slot_index] if self.sims else None
        self.imsi = card.imsi if card else ""
        self.iccid = card.iccid if card else ""
        self.phone_number = card.phone_number if card else ""
        self.smsc = card.smsc if card else ""
        return card is not None


@dataclass(frozen=True, slots=True)
class SimRequest:
    """One authenticated request as the gateway saw it, for assertions.

    `body` is the parsed JSON, the raw text when it was not JSON, or None.
    """

    method: str
    path: str
    query: dict[str, str]
    body: Any


@dataclass(eq=False)
class StkItem:
    """One entry of a SIM Toolkit menu and the screen it opens."""

    item_id: int
    text: str
    screen: StkScreen


@dataclass(eq=False)
class StkScreen:
    """One SIM Toolkit screen; `input_type` as in the document (§13.3).

    `then` is where OK leads from an input screen; "{input}" in its text is
    replaced by what was typed, so a test can see the input arrived.
    """

    title: str
    text: str = ""
    input_type: int = 0
    items: list[StkItem] = field(default_factory=list)
    then: StkScreen | None = None


def default_stk_menu() -> StkScreen:
    """Build the menu a typical operator SIM shows: a menu, a submenu, an input."""
    balance = StkScreen("Balance", "Your balance is 12.50 EUR")
    services = StkScreen(
        "Services",
        input_type=2,
        items=[
            StkItem(1, "News", StkScreen("News", "No news today")),
            StkItem(2, "Weather", StkScreen("Weather", "Sunny, 21 C")),
        ],
    )
    top_up = StkScreen(
        "Top up",
        "Enter the voucher code",
        input_type=8,
        then=StkScreen("Top up", "Voucher {input} accepted"),
    )
    # Real titles come padded with spaces (the document's " 神州行天地 ").
    return StkScreen(
        " SIM Services ",
        input_type=1,
        items=[
            StkItem(1, "Balance", balance),
            StkItem(2, "Services", services),
            StkItem(3, "Top up", top_up),
        ],
    )


@dataclass
class StkSession:
    """Where one port's SIM Toolkit is: the screens from the root down."""

    root: StkScreen
    frame_id: int
    path: list[StkScreen] = field(default_factory=list)
    last_input: str = ""

    @property
    def current(self) -> StkScreen:
        """The screen shown now."""
        return self.path[-1] if self.path else self.root

    def view(self) -> dict[str, Any]:
        """Answer GetSTKView: `item` only on menus, as the document says."""
        screen = self.current
        view: dict[str, Any] = {
            "title": screen.title,
            "text": screen.text.replace("{input}", self.last_input),
        }
        if screen.input_type in _STK_MENU_TYPES:
            view["item"] = [
                {"item_id": item.item_id, "item_string": item.text}
                for item in screen.items
            ]
        view["input_type"] = screen.input_type
        view["frame_id"] = self.frame_id
        return view

    def go(self, item: int | None, action: str | None, param: str | None) -> None:
        """Apply one STKGo; a key that means nothing on this screen is ignored.

        Only the vendor's spelling "cancle" cancels, as on real boxes.
        """
        screen = self.current
        if item is not None:
            chosen = [i for i in screen.items if i.item_id == item]
            if screen.input_type in _STK_MENU_TYPES and chosen:
                self._show([*self.path, chosen[0].screen])
        elif action == "ok":
            if screen.input_type in _STK_INPUT_TYPES:
                if param:
                    self.last_input = param
                    if screen.then is not None:
                        self._show([*self.path, screen.then])
            elif screen.input_type == 0:
                self._show(self.path[:-1])
        elif action == "cancle":
            self._show(self.path[:-1])
        elif action == "home":
            self._show([])

    def _show(self, path: list[StkScreen]) -> None:
        # Screens compare by identity: two alike screens are still two frames.
        if path != self.path:
            self.path = path
            self.frame_id += 1


class _ApiError(Exception):
    """Answer with this body `error_code`; the HTTP status stays 200."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _as_list(value: Any) -> list[Any] | None:
    """Read a list sent as a JSON array or in a query string.

    Query strings carry "1,2,3"; clients in the wild also send "[3]" and the
    gateway takes it (captures).
    """
    if value is None:
        return None
    if isinstance(value, list):
        return value or None
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        parts = [part.strip().strip('"').strip() for part in text.split(",")]
        return [part for part in parts if part] or None
    return [value]


def _as_int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INT_RE.fullmatch(value):
        return int(value)
    raise _ApiError(400)


def _as_ports(value: Any) -> list[int] | None:
    items = _as_list(value)
    if items is None:
        return None
    ports = [_as_int(item) for item in items]
    if any(not 0 <= port < MAX_PORTS for port in ports):
        raise _ApiError(400)
    return ports


def _as_numbers(value: Any) -> list[str] | None:
    items = _as_list(value)
    if items is None:
        return None
    if len(items) > MAX_QUERY_NUMBERS:
        raise _ApiError(413)
    if any(not isinstance(item, str | int) or isinstance(item, bool) for item in items):
        raise _ApiError(400)
    numbers = [str(item) for item in items]
    if any(len(number.encode()) > MAX_NUMBER_BYTES for number in numbers):
        raise _ApiError(400)
    return numbers


def _as_time(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and _TIME_RE.fullmatch(value.strip()):
        return value.strip()
    raise _ApiError(400)


def _window(params: dict[str, Any]) -> tuple[str | None, str | None]:
    """Read time_after/time_before ("YYYY-MM-DD HH:MM:SS", which sorts as text)."""
    return _as_time(params.get("time_after")), _as_time(params.get("time_before"))


def _in_window(when: str, window: tuple[str | None, str | None]) -> bool:
    # Both ends inclusive: the document does not say, and inclusive loses
    # nothing sent within the same second.
    after, before = window
    return (after is None or when >= after) and (before is None or when <= before)


def _fill_params(text: str, values: list[str]) -> str:
    """Replace each `#param#` with the next text_param; extra ones stay as typed."""
    parts = text.split("#param#")
    filled = parts[0]
    for index, part in enumerate(parts[1:]):
        filled += (values[index] if index < len(values) else "#param#") + part
    return filled


def _segments(text: str, encoding: str) -> int:
    """Count the SMS a text takes (the gateway splits long text itself)."""
    if encoding == "gsm-7bit":
        units = sum(2 if char in _GSM7_EXTENSION else 1 for char in text)
        single, part = 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part = 70, 67
    return 1 if units <= single else math.ceil(units / part)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _json_response(data: Any, status: int = 200) -> web.Response:
    # A real box answers "HTTP/1.1 200 Data follows" (captures).
    return web.Response(
        status=status,
        reason="Data follows" if status == 200 else None,
        text=json.dumps(data, ensure_ascii=False, separators=(",", ":")),
        content_type="application/json",
    )


type _ApiHandler = Callable[[dict[str, Any]], dict[str, Any]]


class DinstarSimulator:
    """A fake Dinstar gateway: its HTTP API, its state, and the pushes it sends."""

    def __init__(
        self,
        port_count: int = 8,
        *,
        serial: str = "dbd2-0325-0044-0088",
        username: str = "admin",
        password: str = "admin",  # noqa: S107 - the factory default
        auth: str = "digest",
        slots_per_port: int = 1,
        seed: int | None = None,
        timezone: tzinfo | None = None,
    ) -> None:
        if not 1 <= port_count <= MAX_PORTS:
            raise ValueError(f"port_count must be 1..{MAX_PORTS}")
        if auth not in AUTH_MODES:
            raise ValueError(f"auth must be one of {sorted(AUTH_MODES)}")
        if not 1 <= slots_per_port <= 4:
            raise ValueError("slots_per_port must be 1..4")
        self.serial = serial
        self.timezone = timezone
        """The zone of the gateway's clock; None is the machine's local zone."""
        self.username = username
        self.password = password
        self.auth = auth
        self.slots_per_port = slots_per_port
        # The vendor's realm is not published; any fixed string does.
        self.realm = "Dinstar Gateway"
        self._rng = random.Random(seed)
        self.mac = "F8-A0-3D-" + "-".join(
            f"{self._rng.randrange(256):02X}" for _ in range(3)
        )
        self.ports = [self._make_port(number) for number in range(port_count)]
        self.stk = [
            StkSession(default_stk_menu(), self._rng.randint(1, 900))
            for _ in self.ports
        ]
        self.push_url: str | None = None
        self.push_kinds: set[str] = set(PUSH_KINDS)
        self.requests: list[SimRequest] = []
        self.request_count = 0
        self.inbox: list[dict[str, Any]] = []
        self.outbox: list[dict[str, Any]] = []
        self.deliver_reports: list[dict[str, Any]] = []
        self.cdrs: list[dict[str, Any]] = []
        self.pushes_sent: list[dict[str, Any]] = []
        self.auto_complete = False
        self.auto_complete_delay = 1.0
        self.ussd_replies: dict[str, str] = dict(DEFAULT_USSD_REPLIES)
        self.ussd_delay = 0.0
        self.http_status_override: int | None = None
        self._failures: dict[str, list[int]] = {}
        self._lost_answers: dict[str, int] = {}
        self._nonces: dict[str, set[int]] = {}
        self._opaque = secrets.token_hex(8)
        self._next_sms_id = 1
        self._next_task_id = 1
        self._next_ref_id = 0
        self._round_robin = 0
        self._register_sequence = [0 for _ in self.ports]
        self._reg_before_power_off: dict[int, str] = {}
        self._ussd_reply = ["" for _ in self.ports]
        self._ussd_pending: dict[int, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._bound_port: int | None = None
        self._seed_cdrs()

    # Fake identities, all from the seed.

    def _digits(self, count: int) -> str:
        return "".join(self._rng.choice("0123456789") for _ in range(count))

    @staticmethod
    def _luhn(payload: str) -> str:
        total = 0
        for index, char in enumerate(reversed(payload)):
            digit = int(char) * (2 if index % 2 == 0 else 1)
            total += digit - 9 if digit > 9 else digit
        return payload + str(-total % 10)

    def _make_card(self) -> SimCard:
        mccmnc, iccid_prefix, number_prefix, digits, smsc = self._rng.choice(_OPERATORS)
        return SimCard(
            imsi=mccmnc + self._digits(15 - len(mccmnc)),
            iccid=self._luhn(iccid_prefix + self._digits(19 - len(iccid_prefix))),
            phone_number=number_prefix + self._digits(digits),
            smsc=smsc,
        )

    def _make_port(self, number: int) -> SimPort:
        cards: list[SimCard | None] = [
            self._make_card() for _ in range(self.slots_per_port)
        ]
        port = SimPort(
            number=number,
            imei=self._luhn(_IMEI_TAC + self._digits(6)),
            signal=self._rng.randint(12, 31),
            slot=0 if self.slots_per_port > 1 else SINGLE_SIM_SLOT,
            sims=cards,
        )
        port.load_card()
        return port

    def _now(self) -> datetime:
        """The gateway clock's time, in its zone."""
        return datetime.now(UTC).astimezone(self.timezone)

    def _seed_cdrs(self) -> None:
        """Give get_cdr some history: an incoming, an outgoing, a missed call."""
        now = self._now()
        for hours, direction, duration in ((5, "gsm->ip", 74), (3, "ip->gsm", 12)):
            port = self.ports[self._rng.randrange(len(self.ports))]
            start = now - timedelta(hours=hours)
            caller = "+38050" + self._digits(7)
            self.cdrs.append(
                self._cdr(
                    port,
                    start,
                    start + timedelta(seconds=9),
                    direction=direction,
                    duration=duration,
                    source=caller if direction == "gsm->ip" else "1010",
                    destination=port.phone_number if direction == "gsm->ip" else caller,
                )
            )
        port = self.ports[-1]
        self.cdrs.append(
            self._cdr(
                port,
                now - timedelta(hours=1),
                None,
                direction="gsm->ip",
                duration=0,
                source="+38050" + self._digits(7),
                destination=port.phone_number,
            )
        )

    def _cdr(
        self,
        port: SimPort,
        start: datetime,
        answer: datetime | None,
        *,
        direction: str,
        duration: int,
        source: str,
        destination: str,
    ) -> dict[str, Any]:
        # A missed call has no answer time; the document does not show one, so
        # answer_date is "" and the caller is the one who hung up.
        return {
            "port": port.number,
            "start_date": gateway_time(start, self.timezone),
            "answer_date": gateway_time(answer, self.timezone) if answer else "",
            "direction": direction,
            "ip": "172.16.100.136" if direction == "ip->gsm" else "",
            "codec": "G.711U" if answer else "",
            "hangup": "called" if answer else "calling",
            "gsm_code": 16,
            "bcch": "",
            "duration": duration,
            "source_number": source,
            "destination_number": destination,
        }

    # Life cycle.

    @property
    def url(self) -> str:
        """The base URL the gateway listens on."""
        if self._bound_port is None:
            raise RuntimeError("the simulator has not been started")
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._bound_port}"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen; after a stop(), port 0 reuses the TCP port it had (a reboot)."""
        if self._runner is not None:
            raise RuntimeError("the simulator is already running")
        if port == 0 and self._bound_port is not None:
            port = self._bound_port
        runner = web.AppRunner(self._make_app(), access_log=None, shutdown_timeout=1)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self._host = host
        self._bound_port = runner.addresses[0][1]
        # A rebooted box has forgotten the nonces it handed out.
        self._nonces.clear()
        _LOGGER.info("Dinstar simulator %s listening on %s", self.serial, self.url)

    async def stop(self) -> None:
        """Go away like a box losing power: stop listening, drop pending work."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._ussd_pending.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            _LOGGER.info("Dinstar simulator %s stopped", self.serial)

    async def drain(self) -> None:
        """Wait until every background push, reply and completion has finished.

        Pushes caused by API requests (a register push after power off, a USSD
        reply, auto-completed sends) run after the answer, as on a real box;
        tests await this instead of sleeping.
        """
        while pending := [task for task in self._tasks if not task.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    def fail(self, path: str, error_code: int, times: int = 1) -> None:
        """Make the next `times` calls of /api/<path> answer this error_code."""
        self._failures[path.strip("/").removeprefix("api/")] = [error_code, times]

    def lose_answers(self, path: str, times: int = 1) -> None:
        """Carry out the next `times` calls of /api/<path>, then hang up unanswered.

        What a lost answer looks like to the client (a timeout, a dropped line):
        the gateway did act on the request.
        """
        self._lost_answers[path.strip("/").removeprefix("api/")] = times

    def _take_lost_answer(self, name: str) -> bool:
        left = self._lost_answers.get(name, 0)
        if left <= 0:
            return False
        self._lost_answers[name] = left - 1
        return True

    def _take_failure(self, name: str) -> int | None:
        failure = self._failures.get(name)
        if failure is None:
            return None
        failure[1] -= 1
        if failure[1] <= 0:
            del self._failures[name]
        return failure[0]

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            _LOGGER.error("Simulator background task failed", exc_info=error)

    def _port(self, number: int) -> SimPort:
        if not 0 <= number < len(self.ports):
            raise ValueError(f"no port {number} on this gateway")
        return self.ports[number]

    # HTTP plumbing: auth, logging, error injection.

    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        api: dict[str, tuple[tuple[str, ...], _ApiHandler]] = {
            "send_sms": (("POST",), self._send_sms),
            "query_sms_result": (("POST",), self._query_sms_result),
            "query_sms_deliver_status": (("POST",), self._query_sms_deliver_status),
            "query_sms_in_queue": (("GET",), self._query_sms_in_queue),
            "query_incoming_sms": (("GET",), self._query_incoming_sms),
            "send_ussd": (("POST",), self._send_ussd),
            "query_ussd_reply": (("GET",), self._query_ussd_reply),
            "stop_sms": (("GET",), self._stop_sms),
            "get_port_info": (("GET",), self._get_port_info),
            # v1.0 says POST yet its example is a GET query; the newer manual says GET.
            "set_port_info": (("GET", "POST"), self._set_port_info),
            "get_cdr": (("POST",), self._get_cdr),
        }
        for name, (methods, handler) in api.items():
            route = functools.partial(self._api_request, name, handler)
            for method in methods:
                app.router.add_route(method, f"/api/{name}", route)
        # The STK pages sit at the root, not under /api/ (document §13-15).
        app.router.add_get("/GetSTKView", self._stk_view)
        app.router.add_post("/STKGo", self._stk_go)
        app.router.add_get("/GetSTKCurrFrameIndex", self._stk_frame)
        return app

    @web.middleware
    async def _middleware(
        self,
        request: web.Request,
        handler: Handler,
    ) -> web.StreamResponse:
        self.request_count += 1
        if self.http_status_override is not None:
            return web.Response(status=self.http_status_override, text="Broken box")
        verdict = self._check_auth(request)
        if verdict != "ok":
            _LOGGER.debug("401 for %s %s", request.method, request.path_qs)
            return self._challenge(stale=verdict == "stale")
        return await handler(request)

    def _challenge(self, *, stale: bool) -> web.Response:
        response = web.Response(status=401, text="401 Unauthorized")
        if self.auth in {"digest", "digest_or_basic"}:
            nonce = secrets.token_hex(16)
            self._nonces[nonce] = set()
            while len(self._nonces) > _MAX_NONCES:
                del self._nonces[next(iter(self._nonces))]
            challenge = (
                f'Digest realm="{self.realm}", qop="auth", nonce="{nonce}", '
                f'opaque="{self._opaque}", algorithm=MD5'
            )
            if stale:
                challenge += ", stale=TRUE"
            response.headers.add(hdrs.WWW_AUTHENTICATE, challenge)
        if self.auth in {"basic", "digest_or_basic"}:
            response.headers.add(hdrs.WWW_AUTHENTICATE, f'Basic realm="{self.realm}"')
        return response

    def _check_auth(self, request: web.Request) -> str:
        """Tell "ok", "stale" (right password, forgotten nonce) or "denied"."""
        scheme, _, credentials = request.headers.get(hdrs.AUTHORIZATION, "").partition(
            " "
        )
        scheme = scheme.lower()
        if scheme == "basic" and self.auth in {"basic", "digest_or_basic"}:
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True).decode()
            except binascii.Error, UnicodeDecodeError:
                return "denied"
            expected = f"{self.username}:{self.password}"
            return "ok" if hmac.compare_digest(decoded, expected) else "denied"
        if scheme == "digest" and self.auth in {"digest", "digest_or_basic"}:
            return self._check_digest(request, credentials)
        return "denied"

    def _check_digest(self, request: web.Request, credentials: str) -> str:
        """Verify an RFC 2617/7616 MD5 Digest response, qop=auth or none."""
        fields = {
            match.group(1).lower(): (
                re.sub(r"\\(.)", r"\1", match.group(2))
                if match.group(2) is not None
                else match.group(3)
            )
            for match in _DIGEST_PARAM_RE.finditer(credentials)
        }
        nonce, uri = fields.get("nonce", ""), fields.get("uri", "")
        algorithm = fields.get("algorithm", "MD5").upper()
        qop, nc, cnonce = fields.get("qop"), fields.get("nc", ""), fields.get("cnonce")
        if (
            fields.get("username") != self.username
            or fields.get("realm") != self.realm
            or algorithm not in {"MD5", "MD5-SESS"}
            or unquote(uri) != unquote(request.raw_path)
            or (qop is not None and (qop != "auth" or not nc or cnonce is None))
        ):
            return "denied"
        ha1 = _md5(f"{self.username}:{self.realm}:{self.password}")
        if algorithm == "MD5-SESS":
            ha1 = _md5(f"{ha1}:{nonce}:{cnonce}")
        ha2 = _md5(f"{request.method}:{uri}")
        expected = (
            _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
            if qop
            else _md5(f"{ha1}:{nonce}:{ha2}")
        )
        if not hmac.compare_digest(expected, fields.get("response", "").lower()):
            return "denied"
        seen = self._nonces.get(nonce)
        if seen is None:
            return "stale"
        if qop:
            # A nonce may be reused with a new nc; the same nc twice is a replay.
            # Concurrent requests may arrive out of order, so any unseen nc does.
            try:
                count = int(nc, 16)
            except ValueError:
                return "denied"
            if count in seen:
                return "denied"
            seen.add(count)
        return "ok"

    async def _log_request(self, request: web.Request) -> Any:
        raw = await request.read()
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode(errors="replace")
        self.requests.append(
            SimRequest(request.method, request.path, dict(request.query), body)
        )
        _LOGGER.debug("%s %s %s", request.method, request.path_qs, raw[:500])
        return body

    async def _api_request(
        self, name: str, handler: _ApiHandler, request: web.Request
    ) -> web.Response:
        body = await self._log_request(request)
        failure = self._take_failure(name)
        try:
            if failure is not None:
                raise _ApiError(failure)  # noqa: TRY301
            answer = handler(self._params(name, request, body))
        except _ApiError as err:
            answer = {"error_code": err.code}
        if self._take_lost_answer(name) and request.transport is not None:
            _LOGGER.info("Answer to %s lost (connection closed)", name)
            request.transport.close()
        # Every answer carries "sn" on real boxes, though the v1.0 examples don't.
        return _json_response(
            {"error_code": answer.pop("error_code", 200), "sn": self.serial, **answer}
        )

    @staticmethod
    def _params(name: str, request: web.Request, body: Any) -> dict[str, Any]:
        """Take parameters from the query (GET) or the JSON object body (POST)."""
        if request.method == "GET":
            return dict(request.query)
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise _ApiError(400)
        if name == "set_port_info":
            return {**request.query, **body}
        return body

    # SMS out.

    def _usable_ports(self, allowed: list[int] | None) -> list[int]:
        return [
            port.number
            for port in self.ports
            if port.registered and (allowed is None or port.number in allowed)
        ]

    def _pick_port(self, candidates: list[int]) -> int:
        """Choose the next of the usable ports, round robin like the gateway."""
        chosen = candidates[self._round_robin % len(candidates)]
        self._round_robin += 1
        return chosen

    def _send_sms(self, params: dict[str, Any]) -> dict[str, Any]:
        text, items = params.get("text"), params.get("param")
        if not isinstance(text, str) or not isinstance(items, list) or not items:
            raise _ApiError(400)
        if len(items) > MAX_SEND_NUMBERS or len(text.encode()) > MAX_SEND_TEXT_BYTES:
            raise _ApiError(413)
        encoding = params.get("encoding", "unicode")
        report = params.get("request_status_report", True)
        ports = _as_ports(params.get("port"))
        if (
            encoding not in {"unicode", "gsm-7bit"}
            or not isinstance(report, bool)
            or any(port >= len(self.ports) for port in ports or [])
        ):
            raise _ApiError(400)
        messages: list[tuple[str, int | None, str]] = []
        for item in items:
            if not isinstance(item, dict):
                raise _ApiError(400)
            number, user_id = item.get("number"), item.get("user_id")
            values = item.get("text_param", [])
            if (
                not isinstance(number, str)
                or not number
                or len(number.encode()) > MAX_NUMBER_BYTES
                or (user_id is not None and (_as_int(user_id) < 0))
                or not isinstance(values, list)
                or not all(isinstance(value, str) for value in values)
            ):
                raise _ApiError(400)
            user = None if user_id is None else _as_int(user_id)
            messages.append((number, user, _fill_params(text, values)))
        candidates = self._usable_ports(ports)
        if not candidates:
            # 550 "No available port for sending sms" (newer manual).
            raise _ApiError(550)
        task_id = self._next_task_id
        self._next_task_id += 1
        now = gateway_time(zone=self.timezone)
        for number, user_id, body in messages:
            port = self._pick_port(candidates)
            self.outbox.append(
                {
                    "user_id": user_id,
                    "number": number,
                    "port": port,
                    "text": body,
                    "encoding": encoding,
                    "request_status_report": report,
                    "status": "SENDING",
                    "ref_id": None,
                    "task_id": task_id,
                    "time": now,
                    "count": _segments(body, encoding),
                    "succ_count": 0,
                }
            )
        _LOGGER.info("Queued task %d: %d SMS", task_id, len(messages))
        if self.auto_complete:
            self._spawn(self._auto_complete())
        return {
            "error_code": 202,
            "sms_in_queue": self._in_queue(),
            "task_id": task_id,
        }

    def _in_queue(self) -> int:
        return sum(1 for message in self.outbox if message["status"] == "SENDING")

    async def _auto_complete(self) -> None:
        await asyncio.sleep(self.auto_complete_delay)
        await self.complete_sends("DELIVERED")

    def _query_sms_in_queue(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"in_queue": self._in_queue()}

    def _stop_sms(self, params: dict[str, Any]) -> dict[str, Any]:
        # Stopped messages were never sent: they leave the gateway's records
        # (status "STOPPED" in `outbox`, never reported). The document is silent.
        task_id = _as_int(params.get("task_id"))
        queued = [
            message
            for message in self.outbox
            if message["task_id"] == task_id and message["status"] == "SENDING"
        ]
        if not queued:
            return {"error_code": 404}
        for message in queued:
            message["status"] = "STOPPED"
        _LOGGER.info("Stopped task %d: %d SMS dropped", task_id, len(queued))
        return {"error_code": 200}

    def _query_sms_result(self, params: dict[str, Any]) -> dict[str, Any]:
        numbers = _as_numbers(params.get("number"))
        ports = _as_ports(params.get("port"))
        user_ids = _as_list(params.get("user_id"))
        wanted_users = None if user_ids is None else {_as_int(u) for u in user_ids}
        window = _window(params)
        result = []
        for message in self.outbox:
            if (
                message["status"] == "STOPPED"
                or (numbers is not None and message["number"] not in numbers)
                or (ports is not None and message["port"] not in ports)
                or (wanted_users is not None and message["user_id"] not in wanted_users)
                or not _in_window(message["time"], window)
            ):
                continue
            item: dict[str, Any] = {"port": message["port"]}
            # Without a user_id in the request there is none to give back.
            if message["user_id"] is not None:
                item["user_id"] = message["user_id"]
            item |= {
                key: message[key]
                for key in ("number", "time", "status", "count", "succ_count")
            }
            if message["ref_id"] is not None:
                item["ref_id"] = message["ref_id"]
            result.append(item)
        return {"result": result}

    def _query_sms_deliver_status(self, params: dict[str, Any]) -> dict[str, Any]:
        numbers = _as_numbers(params.get("number"))
        ports = _as_ports(params.get("port"))
        window = _window(params)
        result = [
            {key: value for key, value in report.items() if key != "imsi"}
            for report in self.deliver_reports
            if (numbers is None or report["number"] in numbers)
            and (ports is None or report["port"] in ports)
            and _in_window(report["time"], window)
        ]
        return {"result": result}

    async def complete_sends(
        self, status: str = "DELIVERED", *, push: bool = True
    ) -> list[dict[str, Any]]:
        """Finish every queued message with `status`; return what was finished.

        Pushes an sms_result per message (with imsi, without user_id, as real
        boxes do) and, for DELIVERED with a status report asked for, an
        sms_deliver_status with status_code 0.
        """
        if status not in SEND_RESULTS:
            raise ValueError(f"status must be one of {sorted(SEND_RESULTS)}")
        finished = [m for m in self.outbox if m["status"] == "SENDING"]
        # All state changes first, so a concurrent call finds nothing to redo.
        pushes: list[tuple[str, dict[str, Any]]] = []
        for message in finished:
            imsi = self.ports[message["port"]].imsi
            message["status"] = status
            message["time"] = gateway_time(zone=self.timezone)
            message["succ_count"] = 0 if status == "FAILED" else message["count"]
            # ref_id is the first TP-MR of the message; each part takes one.
            message["ref_id"] = self._next_ref_id
            self._next_ref_id = (self._next_ref_id + message["count"]) % 256
            result = {key: message[key] for key in _RESULT_KEYS}
            pushes.append(("sms_result", result | {"imsi": imsi}))
            if status == "DELIVERED" and message["request_status_report"]:
                report = {key: message[key] for key in _REPORT_KEYS}
                report |= {"status_code": 0, "imsi": imsi}
                self.deliver_reports.append(report)
                pushes.append(("sms_deliver_status", report))
            _LOGGER.info("SMS to %s: %s", message["number"], status)
        if push:
            for kind, item in pushes:
                await self._push_kind(kind, [item])
        return finished

    # SMS in.

    async def receive_sms(
        self,
        port: int,
        sender: str,
        text: str,
        *,
        timestamp: str | datetime | None = None,
        push: bool = True,
    ) -> int:
        """Store an incoming SMS, push it, and return its id once pushed.

        The whole text is one message: the gateway joins concatenated parts.
        """
        sim_port = self._port(port)
        sms_id = self._next_sms_id
        self._next_sms_id += 1
        when = (
            timestamp
            if isinstance(timestamp, str)
            else gateway_time(timestamp, self.timezone)
        )
        message = {
            "incoming_sms_id": sms_id,
            "port": port,
            "number": sender,
            "smsc": sim_port.smsc,
            "timestamp": when,
            "text": text,
            "imsi": sim_port.imsi,
            "read": False,
        }
        self.inbox.append(message)
        _LOGGER.info("SMS %d from %s on port %d: %r", sms_id, sender, port, text)
        if push:
            await self._push_kind("sms", [self._public_sms(message)])
        return sms_id

    @staticmethod
    def _public_sms(message: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in message.items() if key != "read"}

    def _query_incoming_sms(self, params: dict[str, Any]) -> dict[str, Any]:
        after = _as_int(params.get("incoming_sms_id", 0))
        ports = _as_ports(params.get("port"))
        flag = params.get("flag", "unread")
        # Anything but "read" and "all" reads unread messages: real boxes take
        # misspellings like "unreat" (captures) and fall back to the default.
        unread_mode = flag not in {"read", "all"}
        selected = [
            message
            for message in self.inbox
            if message["incoming_sms_id"] > after
            and (ports is None or message["port"] in ports)
            and (flag == "all" or message["read"] != unread_mode)
        ]
        # read/unread count the messages returned, as they were before this call.
        read = sum(1 for message in selected if message["read"])
        answer = {
            "sms": [self._public_sms(message) for message in selected],
            "read": read,
            "unread": len(selected) - read,
        }
        if unread_mode:
            # The default flag changes the gateway's state (document §6.2).
            for message in selected:
                message["read"] = True
        return answer

    # USSD.

    def _send_ussd(self, params: dict[str, Any]) -> dict[str, Any]:
        command = params.get("command", "send")
        text = params.get("text", "")
        ports = _as_ports(params.get("port"))
        # Over 60 bytes answers 400: the document lists no 413 for send_ussd.
        if (
            command not in {"send", "cancel"}
            or not isinstance(text, str)
            or (command == "send" and not text.strip())
            or len(text.encode()) > MAX_USSD_BYTES
            or not ports
            or any(port >= len(self.ports) for port in ports)
        ):
            raise _ApiError(400)
        result = []
        for number in ports:
            port = self.ports[number]
            if not port.registered:
                status = 503
            elif command == "cancel":
                if pending := self._ussd_pending.pop(number, None):
                    pending.cancel()
                self._ussd_reply[number] = ""
                status = 200
            elif port.busy or port.callstate != "Idle" or number in self._ussd_pending:
                status = 486
            else:
                status = 200
                self._ussd_reply[number] = " "
                reply = self.ussd_replies.get(text.strip(), DEFAULT_USSD_REPLY)
                task = self._spawn(self._deliver_ussd(number, reply))
                if self.ussd_delay > 0:
                    self._ussd_pending[number] = task
                else:
                    self._ussd_reply[number] = reply
            result.append({"port": number, "status": status})
        # No request_id: real boxes have none, though v1.0 shows one.
        return {"error_code": 202, "result": result}

    async def _deliver_ussd(self, port: int, reply: str) -> None:
        if self.ussd_delay > 0:
            await asyncio.sleep(self.ussd_delay)
            self._ussd_reply[port] = reply
            self._ussd_pending.pop(port, None)
        _LOGGER.info("USSD reply on port %d: %r", port, reply)
        await self._push_kind("ussd", [{"port": port, "text": reply}])

    def _query_ussd_reply(self, params: dict[str, Any]) -> dict[str, Any]:
        # A reply stays readable until the next send or cancel (document silent).
        ports = _as_ports(params.get("port"))
        if not ports:
            raise _ApiError(400)
        return {
            "reply": [
                {"port": number, "text": self._ussd_reply[number]}
                for number in ports
                if number < len(self.ports)
            ]
        }

    # Ports.

    def _get_port_info(self, params: dict[str, Any]) -> dict[str, Any]:
        # info_type is required by the document: without it, 400.
        types = _as_list(params.get("info_type"))
        if types is None:
            raise _ApiError(400)
        asked = {str(kind).strip() for kind in types}
        wanted = [kind for kind in INFO_TYPES if kind in asked]
        ports = _as_ports(params.get("port"))
        numbers = range(len(self.ports)) if ports is None else ports
        return {
            "info": [
                self._port_info(self.ports[number], wanted)
                for number in numbers
                if number < len(self.ports)
            ]
        }

    @staticmethod
    def _port_info(port: SimPort, wanted: list[str]) -> dict[str, Any]:
        reg = port.reported_reg
        sim = reg not in _NO_SIM_DATA
        values: dict[str, Any] = {
            "type": port.type,
            "imei": port.imei,
            "imsi": port.imsi if sim else "",
            "iccid": port.iccid if sim else "",
            "smsc": port.smsc if sim else "",
            "number": port.phone_number if sim else "",
            "reg": reg,
            "slot": port.slot,
            "callstate": port.callstate,
            "signal": port.signal if sim else 0,
            "gprs": port.gprs if reg == "REGISTER_OK" else "detached",
        }
        return {"port": port.number} | {kind: values[kind] for kind in wanted}

    def _set_port_info(self, params: dict[str, Any]) -> dict[str, Any]:
        action = params.get("action")
        param = params.get("param")
        ports = _as_ports(params.get("port"))
        if not ports or any(port >= len(self.ports) for port in ports):
            raise _ApiError(400)
        changes: list[dict[str, Any]] = []
        if action == "power":
            # The newer manual's example sends "off " with a trailing space.
            state = param.strip().lower() if isinstance(param, str) else None
            if state not in {"on", "off"}:
                raise _ApiError(400)
            for number in ports:
                changes += self._power(self.ports[number], on=state == "on")
        elif action == "reset":
            for number in ports:
                changes += self._reset(self.ports[number])
        elif action == "slot":
            # A single-SIM box has no slot to choose: 400 (request not valid).
            slot = _as_int(param)
            if self.slots_per_port == 1 or not 0 <= slot < self.slots_per_port:
                raise _ApiError(400)
            for number in ports:
                changes += self._switch_slot(self.ports[number], slot)
        else:
            raise _ApiError(400)
        if changes:
            self._spawn(self._push_registers(changes))
        return {"error_code": 200}

    def _set_reg(self, port: SimPort, reg: str) -> list[dict[str, Any]]:
        """Change registration; return the register push it causes, if any."""
        was_up = port.registered
        port.reg = reg
        if reg == "POWER_OFF":
            port.powered = False
        if reg in _NO_SIM_DATA:
            port.signal = 0
        elif reg == "REGISTER_OK" and port.signal == 0:
            port.signal = self._rng.randint(12, 31)
        port.gprs = "attached" if port.registered else "detached"
        if was_up == port.registered:
            return []
        return [self._register_item(port, up=port.registered)]

    def _register_item(self, port: SimPort, *, up: bool) -> dict[str, Any]:
        """Build a register push item the way real boxes do.

        On "down" iccid/imsi are the string "<NULL>" and number stays; slot
        appears only on multi-SIM units; sequence counts per port (its meaning
        is not documented).
        """
        self._register_sequence[port.number] += 1
        item: dict[str, Any] = {
            "port": port.number,
            "iccid": port.iccid if up else "<NULL>",
            "imsi": port.imsi if up else "<NULL>",
            "number": port.phone_number,
            "status": "up" if up else "down",
            "sequence": self._register_sequence[port.number],
        }
        if self.slots_per_port > 1:
            item["slot"] = port.slot
        return item

    def _power(self, port: SimPort, *, on: bool) -> list[dict[str, Any]]:
        """Power a module; back on, it registers at once (a SIM problem stays)."""
        _LOGGER.info("Port %d power %s", port.number, "on" if on else "off")
        if not on:
            if port.powered:
                self._reg_before_power_off[port.number] = port.reg
            return self._set_reg(port, "POWER_OFF")
        if port.powered:
            return []
        port.powered = True
        before = self._reg_before_power_off.pop(port.number, "REGISTER_OK")
        if not port.has_card:
            return self._set_reg(port, "NO_SIM")
        return self._set_reg(
            port, before if before in _KEPT_OVER_POWER_CYCLE else "REGISTER_OK"
        )

    def _reset(self, port: SimPort) -> list[dict[str, Any]]:
        """Restart a module: it searches, then registers again at once."""
        _LOGGER.info("Port %d reset", port.number)
        if not port.powered or port.reg in _KEPT_OVER_POWER_CYCLE:
            return []
        return self._set_reg(port, "SEARCHING_NETWORK") + self._set_reg(
            port, "REGISTER_OK"
        )

    def _switch_slot(self, port: SimPort, slot: int) -> list[dict[str, Any]]:
        """Select another SIM: the old one goes down, the new one comes up."""
        if slot == port.slot:
            return []
        _LOGGER.info("Port %d switches to slot %d", port.number, slot)
        port.save_card()
        if not port.powered:
            port.slot = slot
            port.load_card()
            return []
        changes = self._set_reg(port, "SEARCHING_NETWORK")
        port.slot = slot
        has_card = port.load_card()
        return changes + self._set_reg(port, "REGISTER_OK" if has_card else "NO_SIM")

    async def _push_registers(self, items: list[dict[str, Any]]) -> None:
        for item in items:
            await self._push_kind("register", [item])

    async def set_registration(self, port: int, reg: str, *, push: bool = True) -> None:
        """Change a port's registration (and power, for POWER_OFF) and push up/down."""
        if reg not in REG_STATES:
            raise ValueError(f"reg must be one of {sorted(REG_STATES)}")
        sim_port = self._port(port)
        sim_port.powered = reg != "POWER_OFF"
        changes = self._set_reg(sim_port, reg)
        if push:
            await self._push_registers(changes)

    # Calls.

    def _get_cdr(self, params: dict[str, Any]) -> dict[str, Any]:
        ports = _as_ports(params.get("port"))
        window = _window(params)
        # duration and the numbers come only in the pushed CDR (document §12.4).
        pushed_only = {"duration", "source_number", "destination_number"}
        return {
            "cdr": [
                {key: value for key, value in cdr.items() if key not in pushed_only}
                for cdr in self.cdrs
                if (ports is None or cdr["port"] in ports)
                and _in_window(cdr["start_date"], window)
            ]
        }

    async def missed_call(self, port: int, number: str, *, push: bool = True) -> None:
        """Ring a port and hang up: a CDR, and the missed_call push (an object)."""
        sim_port = self._port(port)
        now = self._now()
        self.cdrs.append(
            self._cdr(
                sim_port,
                now,
                None,
                direction="gsm->ip",
                duration=0,
                source=number,
                destination=sim_port.phone_number,
            )
        )
        _LOGGER.info("Missed call from %s on port %d", number, port)
        if push:
            await self._push_kind(
                "missed_call",
                {
                    "time": gateway_time(now, self.timezone),
                    "port": port,
                    "number": number,
                },
            )

    async def answered_call(
        self,
        port: int,
        number: str,
        *,
        duration: int = 42,
        direction: str = "gsm->ip",
        push: bool = True,
    ) -> None:
        """Record an answered call and push its CDR (only answered calls are pushed)."""
        sim_port = self._port(port)
        end = self._now()
        answer = end - timedelta(seconds=duration)
        incoming = direction == "gsm->ip"
        cdr = self._cdr(
            sim_port,
            answer - timedelta(seconds=8),
            answer,
            direction=direction,
            duration=duration,
            source=number if incoming else "1010",
            destination=sim_port.phone_number if incoming else number,
        )
        self.cdrs.append(cdr)
        if push:
            await self._push_kind("cdr", [cdr])

    async def device_status(
        self, status: str = "power_on", *, push: bool = True
    ) -> None:
        """Push the gateway's own power state (an object, uppercase IP/MAC)."""
        if status not in {"power_on", "power_off"}:
            raise ValueError("status must be power_on or power_off")
        if push:
            ip = self._host if self._host not in {"", "0.0.0.0", "::"} else "127.0.0.1"
            await self._push_kind(
                "device",
                {
                    "port_number": len(self.ports),
                    "IP": ip,
                    "MAC": self.mac,
                    "status": status,
                },
            )

    # SIM Toolkit.

    def _stk_session(self, value: Any) -> tuple[SimPort, StkSession] | None:
        try:
            number = _as_int(value)
        except _ApiError:
            return None
        if not 0 <= number < len(self.ports):
            return None
        return self.ports[number], self.stk[number]

    async def _stk_view(self, request: web.Request) -> web.Response:
        await self._log_request(request)
        found = self._stk_session(request.query.get("port"))
        if found is None:
            return web.Response(status=400, text="Bad Request")
        port, session = found
        if not port.registered:
            # No SIM application to show; the document does not say what then.
            return _json_response(
                {"title": "", "text": "", "input_type": 0, "frame_id": session.frame_id}
            )
        return _json_response(session.view())

    async def _stk_go(self, request: web.Request) -> web.Response:
        body = await self._log_request(request)
        params = body if isinstance(body, dict) else dict(request.query)
        found = self._stk_session(params.get("port"))
        item, action, param = (params.get(k) for k in ("item", "action", "param"))
        try:
            item_id = None if item is None else _as_int(item)
        except _ApiError:
            found = None
        if (
            found is None
            or not isinstance(action, str | None)
            or not isinstance(param, str | None)
        ):
            return web.Response(status=400, text="Bad Request")
        port, session = found
        if port.registered:
            session.go(item_id, action, param)
        # The document gives STKGo no answer body; an empty object is sent, and
        # clients read the new screen with GetSTKView.
        return _json_response({})

    async def _stk_frame(self, request: web.Request) -> web.Response:
        await self._log_request(request)
        found = self._stk_session(request.query.get("port"))
        if found is None:
            return web.Response(status=400, text="Bad Request")
        return _json_response({"frame_id": found[1].frame_id})

    # Pushes.

    async def _push_kind(self, kind: str, payload: Any) -> int | None:
        if self.push_url is None or kind not in self.push_kinds:
            return None
        return await self.push({"sn": self.serial, kind: payload})

    async def push(self, body: dict[str, Any] | str | bytes) -> int:
        """POST anything to push_url as JSON; return the HTTP status (0: no answer).

        Real boxes send no authentication with a push.
        """
        if self.push_url is None:
            raise RuntimeError("push_url is not set")
        if isinstance(body, dict):
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
            kind = next((key for key in body if key != "sn"), None)
        else:
            data = body.encode() if isinstance(body, str) else body
            kind = None
        status = 0
        # The system resolver, as on a box; unlike aiodns it leaves no thread.
        connector = aiohttp.TCPConnector(resolver=aiohttp.ThreadedResolver())
        try:
            async with (
                aiohttp.ClientSession(
                    connector=connector, timeout=aiohttp.ClientTimeout(total=10)
                ) as session,
                session.post(
                    self.push_url,
                    data=data,
                    headers={hdrs.CONTENT_TYPE: "application/json"},
                ) as response,
            ):
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as err:
            _LOGGER.warning("Push to %s failed: %s", self.push_url, err)
        _LOGGER.info("Pushed %s: HTTP %s", kind or "raw body", status)
        self.pushes_sent.append({"kind": kind, "body": body, "status": status})
        return status
