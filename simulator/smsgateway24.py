"""A fake SmsGateway24 cloud: its `getdata` API, Android phones with 1-2 SIMs, webhooks.

Written from the vendor's document (`api-docs/smsgateway24-api.en.md`, from
the Ukrainian original) and from its live answers (`captures/smsgateway24.json`
and its README), never from our client. Where both are silent, the choice
made here is said where it is made. Like the live service it answers:
- dates as PHP DateTime objects in the account's zone (`timezone_type` 1,
  `"+02:00"`), times given to it (`timetosend`, `begindate`) read as UTC
  unless the call names a `timezone`;
- `smss` and `device` as objects keyed by id, an empty `smss` as `[]` (what
  PHP's `json_encode` makes of an empty array); no `error` in `getalldevices`;
- `urgent` as `true`/null, `customerid` 0 when a bulk send gave none,
  `siminfo` values as strings, a phone number with a leading space.

The phones do their work when `tick()` runs (the demo calls it every few
seconds, tests call it or `complete_sends()` when they want): an online phone
reports in (`lastseen`), takes the messages due (`timetosend` passed, urgent
first), and moves each one step: 1 waiting -> 2 taken -> 3 queued -> 6 sent
-> 7 delivered, calling its delivery webhook where one is set.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
import json
import logging
import random
import secrets
import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiohttp
from aiohttp import web

_LOGGER = logging.getLogger(__name__)

STATUS_TITLES = {
    1: "New",
    2: "sending",
    3: "queued",
    5: "incoming",
    6: "sent",
    7: "delivered",
    8: "not delivered",
    9: "general error",
    10: "no service",
    11: "null pdu",
    12: "radio off",
    100: "not allowed",
    101: "not allowed",
}
NEXT_STATUS = {1: 2, 2: 3, 3: 6, 6: 7}
"""One tick of a phone moves a message one step (order 1, 2, 3 as the document says)."""
CARRIERS = (
    ("ua", "Kyivstar", "+38067"),
    ("de", "Telekom.de", "+49151"),
    ("de", "Drillisch (o2)", "+49157"),
    ("us", "T-Mobile", "+1555"),
)
MODELS = ("Pixel 7", "Galaxy A54", "Redmi Note 12", "moto g54")
TOKEN_ERROR = "Token not found or expired"  # noqa: S105 - a message, not a secret
"""The document names no error for a bad token; this wording is ours."""


@dataclass
class SimSlot:
    """A SIM in one of a phone's slots."""

    slot: int
    iccid: str
    number: str
    country: str
    carrier: str
    roaming: bool = False


@dataclass
class SimPhone:
    """An Android phone running the SmsGateway24 app."""

    id: int
    title: str
    imei: str | None
    serial: str
    app_version: str
    sims: list[SimSlot]
    created: datetime
    last_seen: datetime
    online: bool = True
    """Whether the app is running and calling the cloud."""
    delay_between_request: int = 10
    incoming_webhook: str | None = None
    delivery_webhook: str | None = None
    webhook_style: str = "current"
    """`current` (`channel_id`) or `older` (`sim`), the two published shapes."""


@dataclass
class SimMessage:
    """A message on the service: outgoing, or incoming (status 5)."""

    id: int
    sendto: str
    body: str
    device_id: int
    sim: int
    status: int
    created: datetime
    customerid: int | None = None
    urgent: bool = False
    timetosend: datetime | None = None
    senttime: datetime | None = None
    paket_id: int | None = None
    final_status: int = 7
    """Where this message's journey ends (7 delivered, 8, 9...)."""


@dataclass
class SimRequest:
    """One call the service received."""

    endpoint: str
    method: str
    fields: dict[str, str]


@dataclass
class _Failure:
    times: int
    status: int | None = None
    drop: bool = False


class _ApiError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _parse_time(value: str | None, zone: tzinfo) -> datetime | None:
    """A date as the service takes it: `YYYY-MM-DD[ HH:MM[:SS]]`, in `zone`."""
    if not value:
        return None
    for form in (
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d",
        "%d.%m.%Y %H:%M:%S",
    ):
        try:
            return datetime.strptime(value.strip(), form).replace(tzinfo=zone)
        except ValueError:
            continue
    raise _ApiError(f"Wrong date format: {value}")


def _int_field(
    fields: Mapping[str, Any], name: str, *, required: bool = False
) -> int | None:
    raw = fields.get(name)
    if raw is None or str(raw).strip() == "":
        if required:
            raise _ApiError(f"{name} is required")
        return None
    try:
        return int(str(raw).strip())
    except ValueError as err:
        raise _ApiError(f"{name} must be a number") from err


class SmsGateway24Simulator:
    """The cloud service and the phones of one account."""

    def __init__(
        self,
        *,
        email: str = "demo@example.com",
        password: str = "demo",  # noqa: S107 - a demo account
        phones: int = 1,
        seed: int | None = None,
        zone: tzinfo | None = None,
        token_lifetime: float | None = None,
    ) -> None:
        self.email = email
        self.password = password
        self.zone = zone or timezone(timedelta(hours=2))
        """The account's zone: answers show times in it."""
        self.token_lifetime = token_lifetime
        self.token_error = TOKEN_ERROR
        """What a call with a bad token is answered (`message`)."""
        self._rng = random.Random(seed)
        self._tokens: dict[str, float] = {}
        self.phones: dict[int, SimPhone] = {}
        self.messages: dict[int, SimMessage] = {}
        self.tags: dict[int, str] = {}
        self.contacts: dict[int, tuple[int, str, str | None]] = {}
        self.pakets: dict[int, dict[str, str]] = {}
        self.requests: list[SimRequest] = []
        self.webhooks_sent: list[tuple[str, dict[str, Any]]] = []
        self._failures: dict[str, _Failure] = {}
        self._next_message_id = 22_074_698 + self._rng.randrange(1000)
        self._next_tag_id = 1009
        self._next_contact_id = 566_706
        self._next_phone_id = 260
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._bound_port: int | None = None
        self._session: aiohttp.ClientSession | None = None
        for _ in range(phones):
            self.add_phone(sims=1 + self._rng.randrange(2))

    # --- the account's phones -----------------------------------------------------

    def _digits(self, count: int) -> str:
        return "".join(self._rng.choice("0123456789") for _ in range(count))

    def add_phone(self, *, sims: int = 1, title: str | None = None) -> SimPhone:
        """A phone joins the account (the app logged in on it)."""
        phone_id = self._next_phone_id
        self._next_phone_id += 1 + self._rng.randrange(900)
        now = self.now()
        slots = []
        for slot in range(sims):
            country, carrier, prefix = self._rng.choice(CARRIERS)
            slots.append(
                SimSlot(
                    slot=slot,
                    iccid="89" + self._digits(18 if slot else 17),
                    number=prefix + self._digits(12 - len(prefix) + 1),
                    country=country,
                    carrier=carrier,
                )
            )
        phone = SimPhone(
            id=phone_id,
            title=title or self._rng.choice(MODELS),
            imei="35" + self._digits(13) if self._rng.random() < 0.8 else None,
            serial=self._digits(10) if self._rng.random() < 0.8 else "unknown",
            app_version="12.1.21",
            sims=slots,
            created=now - timedelta(days=self._rng.randint(10, 900)),
            last_seen=now,
        )
        self.phones[phone_id] = phone
        return phone

    def remove_phone(self, phone_id: int) -> None:
        """A phone leaves the account."""
        del self.phones[phone_id]

    def now(self) -> datetime:
        """The service's clock (UTC)."""
        return datetime.now(UTC).replace(microsecond=0)

    # --- life cycle -------------------------------------------------------------

    @property
    def url(self) -> str:
        """The API's base URL (`.../getdata`)."""
        if self._bound_port is None:
            raise RuntimeError("the simulator has not been started")
        return f"http://{self._host}:{self._bound_port}/getdata"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen; after stop(), port 0 reuses the TCP port it had."""
        if port == 0 and self._bound_port is not None:
            port = self._bound_port
        app = web.Application()
        app.router.add_route("*", "/getdata/{endpoint}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self._host = host
        self._bound_port = runner.addresses[0][1]
        _LOGGER.info("SmsGateway24 simulator listening on %s", self.url)

    async def stop(self) -> None:
        """Stop listening (the service is down); background webhooks are dropped."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def drain(self) -> None:
        """Wait for every webhook call under way (tests await this, never sleep)."""
        while pending := [task for task in self._tasks if not task.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    def fail(
        self,
        endpoint: str,
        *,
        times: int = 1,
        status: int | None = 500,
        drop: bool = False,
    ) -> None:
        """Make the next `times` calls of `endpoint` fail.

        With `status` the call answers that HTTP status and does nothing;
        with `drop` it does its work and the connection closes before the
        answer (an answer lost on the way).
        """
        self._failures[endpoint] = _Failure(times=times, status=status, drop=drop)

    def expire_tokens(self) -> None:
        """Every token handed out stops working (what a lifetime would do)."""
        self._tokens.clear()

    def calls(self, endpoint: str | None = None) -> list[SimRequest]:
        """The calls received, of one endpoint or all."""
        return [r for r in self.requests if endpoint is None or r.endpoint == endpoint]

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- HTTP ---------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        endpoint = request.match_info["endpoint"]
        # GET and POST both work; a POST may be urlencoded or multipart.
        fields: dict[str, str] = dict(request.query)
        if request.method == "POST":
            form = await request.post()
            fields.update({key: str(value) for key, value in form.items()})
        self.requests.append(SimRequest(endpoint, request.method, fields))
        failure = self._failures.get(endpoint)
        if failure is not None:
            failure.times -= 1
            if failure.times <= 0:
                del self._failures[endpoint]
            if not failure.drop:
                return web.Response(status=failure.status or 500, text="Server Error")
        handler = getattr(self, f"_api_{endpoint}", None)
        if handler is None:
            return web.Response(status=404, text="Not Found")
        try:
            answer: dict[str, Any] = handler(fields)
        except _ApiError as err:
            answer = {"error": 1, "message": err.message}
        if failure is not None and failure.drop and request.transport is not None:
            request.transport.close()
        return web.json_response(answer)

    def _account(self, fields: Mapping[str, str]) -> None:
        token = fields.get("token", "")
        issued = self._tokens.get(token)
        if issued is None or (
            self.token_lifetime is not None
            and time.monotonic() - issued > self.token_lifetime
        ):
            self._tokens.pop(token, None)
            raise _ApiError(self.token_error)

    def _login(self, fields: Mapping[str, str]) -> None:
        if (
            fields.get("email", "").strip().lower() != self.email.lower()
            or fields.get("pass") != self.password
        ):
            raise _ApiError("Login or password incorrect")

    def _phone(self, fields: Mapping[str, Any]) -> SimPhone:
        device_id = _int_field(fields, "device_id", required=True)
        phone = self.phones.get(device_id or 0)
        if phone is None:
            raise _ApiError("Device not found")
        return phone

    def _date(self, value: datetime | None, zone: tzinfo | None = None) -> Any:
        """A PHP DateTime as `json_encode` writes it."""
        if value is None:
            return None
        shown = value.astimezone(zone or self.zone)
        if isinstance(zone, ZoneInfo):
            zone_type, name = 3, zone.key
        else:
            offset = shown.utcoffset() or timedelta(0)
            minutes = int(offset.total_seconds() // 60)
            sign = "-" if minutes < 0 else "+"
            zone_type = 1
            name = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        return {
            "date": shown.strftime("%Y-%m-%d %H:%M:%S.000000"),
            "timezone_type": zone_type,
            "timezone": name,
        }

    # --- the API ------------------------------------------------------------------

    def _api_gettoken(self, fields: Mapping[str, str]) -> dict[str, Any]:
        self._login(fields)
        token = secrets.token_hex(16)
        self._tokens[token] = time.monotonic()
        # Key order as the live service answers (error, token, message).
        return {"error": 0, "token": token, "message": "OK"}

    def _add(self, item: Mapping[str, Any]) -> list[SimMessage]:
        phone = self._phone(item)
        numbers = [n.replace(" ", "") for n in str(item.get("sendto", "")).split(",")]
        numbers = [n for n in numbers if n]
        body = item.get("body")
        if not numbers:
            raise _ApiError("sendto is required")
        if not body:
            raise _ApiError("body is required")
        sim = _int_field(item, "sim") or 0
        if sim not in (0, 1):
            raise _ApiError("sim must be 0 or 1")
        # Live: "timetosend" is read as UTC, with or without seconds.
        due = _parse_time(item.get("timetosend"), UTC)
        added = []
        for number in numbers:
            message = SimMessage(
                id=self._next_message_id,
                sendto=number,
                body=str(body),
                device_id=phone.id,
                sim=sim,
                status=1,
                created=self.now(),
                customerid=_int_field(item, "customerid"),
                urgent=bool(_int_field(item, "urgent")),
                timetosend=due,
            )
            self._next_message_id += 1
            self.messages[message.id] = message
            added.append(message)
        return added

    def _api_addsms(self, fields: Mapping[str, str]) -> dict[str, Any]:
        self._account(fields)
        added = self._add(fields)
        return {
            "error": 0,
            "sms_id": added[0].id,
            "message": "Sms has been saved successfully",
        }

    def _api_smstosend(self, fields: Mapping[str, str]) -> dict[str, Any]:
        self._login(fields)
        added = self._add(fields)
        return {
            "error": 0,
            "sms_id": added[0].id,
            "message": "Sms has been saved successfully",
        }

    def _api_addalotofsms(self, fields: Mapping[str, str]) -> dict[str, Any]:
        try:
            data = json.loads(fields.get("datajson", ""))
        except ValueError as err:
            raise _ApiError("datajson is not valid JSON") from err
        if not isinstance(data, dict) or not isinstance(data.get("smsdata"), list):
            raise _ApiError("datajson needs token and smsdata")
        self._account({"token": str(data.get("token", ""))})
        items = [item for item in data["smsdata"] if isinstance(item, dict)]
        for item in items:  # all or nothing
            self._phone(item)
        for item in items:
            # Live: a bulk message without customerid shows 0.
            self._add({"customerid": "0"} | {k: str(v) for k, v in item.items()})
        # Live: no ids come back for a bulk send.
        return {"error": 0, "message": "Sms has been saved successfully"}

    def _api_getallsms(self, fields: Mapping[str, str]) -> dict[str, Any]:
        self._account(fields)
        zone: tzinfo = UTC
        if name := fields.get("timezone"):
            try:
                zone = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError) as err:
                raise _ApiError(f"Unknown timezone {name}") from err
        begin = _parse_time(fields.get("begindate"), zone)
        end = _parse_time(fields.get("enddate"), zone)
        if end is not None and len(fields.get("enddate", "").strip()) == 10:
            end += timedelta(days=1)  # a day given as the end includes it
        wanted = {
            "deviceid": _int_field(fields, "device_id"),
            "status": _int_field(fields, "status"),
            "sim": _int_field(fields, "sim"),
            "customerid": _int_field(fields, "customerid"),
        }
        phone_filter = (fields.get("phone") or "").replace(" ", "")
        found = [
            m
            for m in self.messages.values()
            if (wanted["deviceid"] is None or m.device_id == wanted["deviceid"])
            and (wanted["status"] is None or m.status == wanted["status"])
            and (wanted["sim"] is None or m.sim == wanted["sim"])
            and (wanted["customerid"] is None or m.customerid == wanted["customerid"])
            and (not phone_filter or phone_filter in m.sendto)
            and (begin is None or m.created >= begin)
            and (end is None or m.created < end)
        ]
        found.sort(key=lambda m: m.id, reverse=fields.get("orderbydesc") == "1")
        if fields.get("onlycount") == "1":
            return {"error": 0, "count": len(found), "message": "Ok"}
        shown = zone if fields.get("timezone") else None
        smss: Any = {str(m.id): self._message_item(m, shown) for m in found} or []
        return {"error": 0, "smss": smss, "count": len(found), "message": "Ok"}

    def _message_item(self, m: SimMessage, zone: tzinfo | None) -> dict[str, Any]:
        return {
            "id": m.id,
            "sendto": m.sendto,
            "body": m.body,
            "customerid": m.customerid,
            "status": m.status,
            "statustitle": STATUS_TITLES.get(m.status, "unknown"),
            "deviceid": m.device_id,
            "urgent": True if m.urgent else None,
            "created": self._date(m.created, zone),
            "senttime": self._date(m.senttime, zone),
            # Live: timetosend equals created when none was given.
            "timetosend": self._date(m.timetosend or m.created, zone),
            "sim": m.sim,
            "paketid": m.paket_id,
            "pakettitle": self.pakets.get(m.paket_id or 0, {}).get("title"),
            "paketbody": self.pakets.get(m.paket_id or 0, {}).get("body"),
        }

    def _api_getsmsstatus(self, fields: Mapping[str, str]) -> dict[str, Any]:
        self._account(fields)
        message = self.messages.get(_int_field(fields, "sms_id", required=True) or 0)
        if message is None:
            raise _ApiError("Sms not found")
        return {
            "error": 0,
            "sms_id": message.id,
            "status": message.status,
            "status_description": STATUS_TITLES.get(message.status, "unknown"),
            "message": "Ok",
        }

    def _phone_item(self, phone: SimPhone) -> dict[str, Any]:
        def human(value: datetime) -> str:
            return value.astimezone(UTC).strftime("%d.%m.%Y %H:%M:%S")

        return {
            "id": phone.id,
            "title": phone.title,
            "number": None,
            "imei": phone.imei or "null",  # live: the string "null"
            "created": self._date(phone.created, ZoneInfo("UTC")),
            "createdhumanformat": human(phone.created),
            "lastseen": self._date(phone.last_seen, ZoneInfo("UTC")),
            "lastseenhumanformat": human(phone.last_seen),
            "serialnumber": phone.serial,
            "siminfo": [
                {
                    "Slot": str(sim.slot),
                    "IccId": sim.iccid,
                    # Live: numbers may carry a leading space (no "+").
                    "Number": " " + sim.number.lstrip("+") if sim.slot else sim.number,
                    "Roaming": "1" if sim.roaming else "0",
                    "CountryIso": sim.country,
                    "CarrierName": sim.carrier,
                }
                for sim in phone.sims
            ],
            "appversion": phone.app_version,
            "isappversionactual": phone.app_version >= "12.1.21",
            "delaybetweeneachsms": None,
            "delaybetweenrequest": phone.delay_between_request,
            "subscription": True,
        }

    def _api_getalldevices(self, fields: Mapping[str, str]) -> dict[str, Any]:
        self._account(fields)
        # Live: no error/message keys here.
        return {
            "count": len(self.phones),
            "device": {str(p.id): self._phone_item(p) for p in self.phones.values()},
        }

    def _api_getdevicestatus(self, fields: Mapping[str, str]) -> dict[str, Any]:
        self._account(fields)
        phone = self._phone(fields)
        diff = int((self.now() - phone.last_seen).total_seconds())
        return {
            "online": diff < 120,
            "error": 0,
            "message": "OK",
            "device_id": phone.id,
            "lastseen": self._date(phone.last_seen),
            "diffseconds": diff,
            "title": phone.title,
        }

    def _api_savetag(self, fields: Mapping[str, str]) -> dict[str, Any]:
        self._account(fields)
        if not (title := fields.get("title", "").strip()):
            raise _ApiError("title is required")
        tag_id = self._next_tag_id
        self._next_tag_id += 1
        self.tags[tag_id] = title
        return {"error": 0, "message": "Ok", "tag_id": tag_id}

    def _api_savecontact(self, fields: Mapping[str, str]) -> dict[str, Any]:
        self._account(fields)
        # Live reads `tag_id`; the document says `ctag_id`: either works here.
        tag_id = _int_field(fields, "tag_id") or _int_field(fields, "ctag_id")
        if tag_id not in self.tags:
            raise _ApiError("Tag not found")
        if not (phone := fields.get("phone", "").replace(" ", "")):
            raise _ApiError("phone is required")
        contact_id = self._next_contact_id
        self._next_contact_id += 1
        self.contacts[contact_id] = (tag_id, phone, fields.get("fullname"))
        return {"error": 0, "message": "Ok", "contact_id": contact_id}

    def _api_savepaket(self, fields: Mapping[str, str]) -> dict[str, Any]:
        self._account(fields)
        phone = self._phone(fields)
        tags = [
            int(t) for t in fields.get("tags", "").split(",") if t.strip().isdigit()
        ]
        if not tags or any(tag not in self.tags for tag in tags):
            raise _ApiError("Tag not found")
        if not fields.get("body") or not fields.get("title"):
            raise _ApiError("title and body are required")
        due = _parse_time(fields.get("time_to_send"), UTC)
        paket_id = max(self.pakets, default=1010) + 1
        self.pakets[paket_id] = dict(fields)
        # The phone starts the newsletter when "start" is tapped on it; the
        # simulator takes that as done: one message per contact of the tags.
        for _, (tag, number, _name) in sorted(self.contacts.items()):
            if tag in tags:
                message = SimMessage(
                    id=self._next_message_id,
                    sendto=number,
                    body=fields["body"],
                    device_id=phone.id,
                    sim=_int_field(fields, "sim") or 0,
                    status=1,
                    created=self.now(),
                    timetosend=due,
                    paket_id=paket_id,
                )
                self._next_message_id += 1
                self.messages[message.id] = message
        # Live example: the id comes back as `tag_id`.
        return {"error": 0, "message": "Ok", "tag_id": paket_id}

    # --- what the phones do ---------------------------------------------------------

    def _due(self, phone: SimPhone) -> list[SimMessage]:
        now = self.now()
        due = [
            m
            for m in self.messages.values()
            if m.device_id == phone.id
            and m.status in NEXT_STATUS
            and (m.timetosend is None or m.timetosend <= now)
        ]
        return sorted(due, key=lambda m: (not m.urgent, m.id))

    async def tick(self) -> None:
        """Each online phone reports in and moves each message due one step."""
        for phone in self.phones.values():
            if not phone.online:
                continue
            phone.last_seen = self.now()
            for message in self._due(phone):
                self._step(phone, message)

    async def complete_sends(self, final: int | None = None) -> list[SimMessage]:
        """Each online phone finishes every message due (to `final`, else its own end)."""
        finished = []
        for phone in self.phones.values():
            if not phone.online:
                continue
            phone.last_seen = self.now()
            for message in self._due(phone):
                if final is not None:
                    message.final_status = final
                while (
                    message.status in NEXT_STATUS
                    and message.status != message.final_status
                ):
                    self._step(phone, message)
                finished.append(message)
        return finished

    def _step(self, phone: SimPhone, message: SimMessage) -> None:
        if message.status == 3 and message.final_status not in (6, 7, 8):
            message.status = message.final_status  # never sent
        elif message.status == 6 and message.final_status == 8:
            message.status = 8
        else:
            message.status = NEXT_STATUS[message.status]
        if message.status == 6:
            message.senttime = self.now()
        if message.status >= 6 and phone.delivery_webhook:
            self._spawn(
                self._call_webhook(
                    phone.delivery_webhook, self._delivery_hook(phone, message)
                )
            )

    def _local(self, value: datetime | None) -> str | None:
        # Assumption: webhook times are 'Y-m-d H:i:s' in UTC, the zone the
        # service reads times in (the vendor types them only "datetime").
        return (
            None
            if value is None
            else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        )

    def _delivery_hook(self, phone: SimPhone, message: SimMessage) -> dict[str, Any]:
        hook: dict[str, Any] = {
            "sms_id": message.id,
            "status_id": message.status,
            "status_message": STATUS_TITLES.get(message.status, "unknown"),
            "sendto": message.sendto,
            "senttime": self._local(message.senttime),
        }
        hook["sim" if phone.webhook_style == "older" else "channel_id"] = message.sim
        hook["device_id"] = phone.id
        return hook

    async def receive_sms(
        self, device_id: int, sender: str, text: str, *, sim: int = 0, push: bool = True
    ) -> SimMessage:
        """A phone receives an SMS: it is stored (status 5), and its webhook called."""
        phone = self.phones[device_id]
        message = SimMessage(
            id=self._next_message_id,
            sendto=sender,
            body=text,
            device_id=device_id,
            sim=sim,
            status=5,
            created=self.now(),
        )
        self._next_message_id += 1
        self.messages[message.id] = message
        phone.last_seen = self.now()
        if push and phone.incoming_webhook:
            hook: dict[str, Any] = {
                "address": sender,
                "date": self._local(message.created),
                "date_sent": self._local(message.created - timedelta(seconds=3)),
                "body": text,
                "internal_id": self._rng.randint(1, 99999),
            }
            hook["sim" if phone.webhook_style == "older" else "channel_id"] = sim
            hook |= {
                "sms_id": message.id,
                "device_id": device_id,
                "device_name": phone.title,
            }
            if phone.webhook_style != "older":
                hook["type"] = "text"
            await self._call_webhook(phone.incoming_webhook, hook)
        return message

    def set_webhooks(self, url: str | None, *, style: str = "current") -> None:
        """Set (or clear) both webhooks of every phone to `url`."""
        for phone in self.phones.values():
            phone.incoming_webhook = phone.delivery_webhook = url
            phone.webhook_style = style

    async def _call_webhook(self, url: str, body: dict[str, Any]) -> None:
        self.webhooks_sent.append((url, body))
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.post(
                url, json=body, timeout=aiohttp.ClientTimeout(total=10)
            ) as response:
                await response.read()
                _LOGGER.debug("Webhook to %s answered %s", url, response.status)
        except (aiohttp.ClientError, TimeoutError) as err:
            _LOGGER.warning("Webhook to %s failed: %s", url, err)
