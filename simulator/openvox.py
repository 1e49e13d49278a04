"""A fake OpenVox wireless gateway: the POST SMS API, with state and pushes.

Written from the vendor document (`api-docs/openvox-post-api.txt`) and from
the firmware's own source as the captures describe it
(`api-docs/captures/openvox.json` and README), never from our client. Where
both are silent, the choice made here is said where it is made; the main
ones:

- Answers are `{"uri", "code", "msg", "data"}` with HTTP-style codes: 200
  ok, 400 bad request, 401 wrong credentials, 503 no free span.
- Spans are numbered from 2 (Asterisk span 1 being the board's own), named
  `gsm-1.1`, `gsm-1.2`, ... while pushes count ports from 1.
- `/sms/send` answers `data: [{"span", "dest_num", "id", "status"}]`: the
  `id` is the one its result push carries later.
- `/smsoutbox/get` serves 10 records a page, newest first.
- Pushes are GET requests built from the `[sms_to_http]` settings exactly as
  the firmware builds them: incoming values URI-encoded; result and report
  values raw, with `%20` in times; fixed names `id`, `type`, `cause`; a
  trailing `&`. Nothing is pushed until `enable` is set.

Tests run it in-process on 127.0.0.1 (pytest needs `socket_enabled`); the
demo runs it with `python -m simulator --type openvox`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime, tzinfo
import json
import logging
import random
import secrets
from typing import Any, Final
from urllib.parse import quote

import aiohttp
from aiohttp import web
from yarl import URL

_LOGGER = logging.getLogger(__name__)

MAX_PORTS: Final = 32
FIRST_SPAN: Final = 2
PAGE_SIZE: Final = 10
TIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"

FACTORY_PUSH_CONFIG: Final[dict[str, Any]] = {
    "enable": 0,
    "reports_enable": 0,
    "results_enable": 0,
    "url_http": "http",
    "url_host": "",
    "url_port": "80",
    "url_path": "",
    # The factory sms.conf names every parameter `key` (captures).
    "url_from_num": "key",
    "url_to_num": "key",
    "url_portname": "",
    "url_message": "key",
    "url_time": "key",
    "url_imsi": "",
    "url_status": "",
    "url_user_defined": "",
}
CONFIG_KEYS: Final = frozenset(FACTORY_PUSH_CONFIG)

FAILING_SUFFIX: Final = "000"
"""Numbers ending like this fail to send (a module refusing a bad number)."""
UNDELIVERED_SUFFIX: Final = "999"
"""Numbers ending like this are sent but never reach a handset."""


@dataclass(kw_only=True)
class Span:
    """One GSM port of the gateway."""

    number: int
    name: str
    available: bool = True
    imsi: str = ""


@dataclass(kw_only=True)
class OutboxRecord:
    """One sent message, as `/smsoutbox/get` lists it."""

    id: str
    span: int
    number: str
    text: str
    time: str
    status: str = "SENDING"
    """SENDING until the module has sent; then SENT, FAILED or DELIVERD."""


class _ApiError(Exception):
    def __init__(self, code: int, msg: str) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg


class OpenVoxSimulator:
    """A fake OpenVox gateway: its POST API, its state, and the pushes it sends."""

    def __init__(
        self,
        port_count: int = 4,
        *,
        username: str = "admin",
        password: str = "admin",  # noqa: S107 - the factory default
        seed: int | None = None,
        timezone: tzinfo | None = None,
    ) -> None:
        if not 1 <= port_count <= MAX_PORTS:
            raise ValueError(f"port_count must be 1..{MAX_PORTS}")
        self.username = username
        self.password = password
        self.timezone = timezone
        self._rng = random.Random(seed)
        self.spans = [
            Span(
                number=FIRST_SPAN + index,
                name=f"gsm-1.{index + 1}",
                imsi="2550"
                + "".join(self._rng.choice("0123456789") for _ in range(11)),
            )
            for index in range(port_count)
        ]
        self.push_config: dict[str, Any] = dict(FACTORY_PUSH_CONFIG)
        self.outbox: list[OutboxRecord] = []
        self.received: list[dict[str, Any]] = []
        self.pushes_sent: list[dict[str, Any]] = []
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.auto_complete = False
        self.auto_complete_delay = 1.0
        self.drop_pushes = False
        """Lose every push (a firewall between gateway and Home Assistant)."""
        self._failures: dict[str, list[int]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._bound_port: int | None = None

    # Life cycle.

    @property
    def url(self) -> str:
        """The base URL the gateway listens on."""
        if self._bound_port is None:
            raise RuntimeError("the simulator has not been started")
        return f"http://{self._host}:{self._bound_port}"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen; after a stop(), port 0 reuses the TCP port it had (a reboot)."""
        if self._runner is not None:
            raise RuntimeError("the simulator is already running")
        if port == 0 and self._bound_port is not None:
            port = self._bound_port
        app = web.Application()
        for path, handler in {
            "/sms/get_valid_spans": self._get_valid_spans,
            "/sms/send": self._send,
            "/smsoutbox/get": self._outbox_get,
            "/smsoutbox/get_config": self._get_config,
            "/smsoutbox/set_config": self._set_config,
        }.items():
            app.router.add_post(path, self._api(path, handler))
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
        _LOGGER.info("OpenVox simulator listening on %s", self.url)

    async def stop(self) -> None:
        """Go away like a box losing power."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            _LOGGER.info("OpenVox simulator stopped")

    async def drain(self) -> None:
        """Wait until every background completion and push has finished."""
        while pending := [task for task in self._tasks if not task.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    def fail(self, path: str, code: int, times: int = 1) -> None:
        """Make the next `times` calls of `path` answer this code."""
        self._failures[path] = [code, times]

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _now(self) -> str:
        return datetime.now(self.timezone).strftime(TIME_FORMAT)

    def span(self, number: int) -> Span:
        """The span with this API number."""
        for span in self.spans:
            if span.number == number:
                return span
        raise ValueError(f"no span {number}")

    def channel(self, span: Span) -> int:
        """The 1-based port number pushes carry for a span."""
        return self.spans.index(span) + 1

    # The API.

    def _api(self, path: str, handler: Any) -> Any:
        async def route(request: web.Request) -> web.Response:
            try:
                body = await request.json()
            except json.JSONDecodeError, UnicodeDecodeError:
                return self._answer(path, 400, "body is not JSON")
            if not isinstance(body, dict):
                return self._answer(path, 400, "body is not an object")
            self.requests.append((path, body))
            if (failure := self._failures.get(path)) is not None:
                failure[1] -= 1
                if failure[1] <= 0:
                    del self._failures[path]
                return self._answer(path, failure[0], "injected failure")
            if body.get("username") != self.username or (
                body.get("password") != self.password
            ):
                return self._answer(path, 401, "authentication failed")
            try:
                data = handler(body)
            except _ApiError as err:
                return self._answer(path, err.code, err.msg)
            return self._answer(path, 200, "success", data)

        return route

    @staticmethod
    def _answer(path: str, code: int, msg: str, data: Any = None) -> web.Response:
        return web.json_response(
            {
                "uri": path,
                "code": code,
                "msg": msg,
                "data": [] if data is None else data,
            }
        )

    def _get_valid_spans(self, _body: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {"port": span.number, "port_name": span.name, "status": int(span.available)}
            for span in self.spans
        ]

    def _send(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        spans = body.get("spans")
        number = body.get("dest_num")
        text = body.get("msg")
        if (
            not isinstance(spans, list)
            or not spans
            or not all(isinstance(s, int) for s in spans)
        ):
            raise _ApiError(400, "spans must be a list of ports")
        if not isinstance(number, str) or not number.strip():
            raise _ApiError(400, "dest_num is required")
        if not isinstance(text, str) or not text:
            raise _ApiError(400, "msg is required")
        try:
            candidates = [self.span(s) for s in spans]
        except ValueError as err:
            raise _ApiError(400, str(err)) from err
        free = [span for span in candidates if span.available]
        if not free:
            raise _ApiError(503, "no available span")
        span = free[0]
        record = OutboxRecord(
            id=secrets.token_hex(4),
            span=span.number,
            number=number.strip(),
            text=text,
            time=self._now(),
        )
        self.outbox.insert(0, record)
        if body.get("mode") == 1:
            # Synchronous: the answer waits for the module; pushes follow.
            self._complete(record)
            self._spawn(self.push_result(record))
        elif self.auto_complete:
            self._spawn(self._auto_complete(record))
        return [
            {
                "span": span.number,
                "dest_num": record.number,
                "id": record.id,
                "status": record.status,
            }
        ]

    async def _auto_complete(self, record: OutboxRecord) -> None:
        await asyncio.sleep(self.auto_complete_delay)
        await self.complete(record, report=True)

    def _complete(self, record: OutboxRecord) -> None:
        record.status = "FAILED" if record.number.endswith(FAILING_SUFFIX) else "SENT"

    async def complete(
        self, record: OutboxRecord | None = None, *, report: bool = True
    ) -> None:
        """Let the module send (one record, or all still sending).

        Pushes the results, then the delivery reports of those sent.
        """
        records = (
            [record]
            if record is not None
            else [r for r in reversed(self.outbox) if r.status == "SENDING"]
        )
        for item in records:
            if item.status == "SENDING":
                self._complete(item)
            await self.push_result(item)
        if report:
            for item in records:
                if item.status == "SENT":
                    await self.deliver(item)

    async def deliver(self, record: OutboxRecord) -> None:
        """A delivery report arrives for a sent record."""
        reached = not record.number.endswith(UNDELIVERED_SUFFIX)
        if reached:
            record.status = "DELIVERD"  # sic: the document's spelling
        await self.push_report(record, reached=reached)

    def _outbox_get(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        page = body.get("current_page", 1)
        if not isinstance(page, int) or page < 1:
            raise _ApiError(400, "current_page must be 1 or more")
        records = [
            r for r in self.outbox if r.status != "SENDING" and self._matches(r, body)
        ]
        chosen = records[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        return [
            {
                "port_name": self.span(r.span).name,
                "phonenumber": r.number,
                "time": r.time,
                "message": r.text,
                "status": r.status,
            }
            for r in chosen
        ]

    @staticmethod
    def _matches(record: OutboxRecord, body: dict[str, Any]) -> bool:
        number = body.get("phone_number_filter")
        if number and number not in record.number:
            return False
        start = body.get("start_datetime_filter")
        end = body.get("end_datetime_filter")
        # Same format on both sides: the strings compare as times.
        if start and record.time < start:
            return False
        return not (end and record.time > end)

    def _get_config(self, _body: dict[str, Any]) -> dict[str, Any]:
        return dict(self.push_config)

    def _set_config(self, body: dict[str, Any]) -> list[Any]:
        for key, value in body.items():
            if key in CONFIG_KEYS:
                self.push_config[key] = value
        return []

    # What happens on the radio side.

    async def receive_sms(
        self, span_number: int, sender: str, text: str, *, when: str | None = None
    ) -> int | None:
        """An SMS arrives on a span; pushed if pushes are on. Returns the HTTP status."""
        span = self.span(span_number)
        stamp = when or self._now().replace("-", "/")
        self.received.append(
            {"span": span.number, "sender": sender, "text": text, "time": stamp}
        )
        # URIENCODE()d values, time with slashes (the firmware's dialplan).
        return await self._push(
            [
                ("url_from_num", _encode(sender)),
                ("url_to_num", str(self.channel(span))),
                ("url_portname", _encode(span.name)),
                ("url_message", _encode(text)),
                ("url_time", _encode(stamp)),
                ("url_imsi", span.imsi),
            ],
            fixed=[],
            kind="sms",
        )

    async def push_result(self, record: OutboxRecord) -> int | None:
        """The result push of a send (if results are on): raw values."""
        if not self.push_config.get("results_enable"):
            return None
        span = self.span(record.span)
        return await self._push(
            [
                ("url_from_num", record.number),
                ("url_to_num", str(self.channel(span))),
            ],
            fixed=[("id", record.id)],
            rest=[
                ("url_imsi", span.imsi),
                ("url_message", ""),
                ("url_time", record.time.replace(" ", "%20")),
            ],
            tail=[
                ("type", "SMS-Status-Result"),
                ("url_status", "Sent" if record.status != "FAILED" else "Fail"),
            ],
            kind="result",
        )

    async def push_report(self, record: OutboxRecord, *, reached: bool) -> int | None:
        """The delivery report push of a send (if reports are on): raw values."""
        if not self.push_config.get("reports_enable"):
            return None
        span = self.span(record.span)
        status = (
            "Message received on handset"
            if reached
            else ("Message not received on handset")
        )
        return await self._push(
            [
                ("url_from_num", record.number),
                ("url_to_num", str(self.channel(span))),
            ],
            fixed=[],
            rest=[
                ("url_imsi", span.imsi),
                ("url_message", ""),
                ("url_time", self._now().replace("-", "/").replace(" ", "%20")),
            ],
            tail=[
                ("type", "SMS-Status-Report"),
                ("url_status", status.replace(" ", "%20")),
                ("cause", "0" if reached else "34"),
            ],
            kind="report",
        )

    def push_url(
        self,
        named: list[tuple[str, str]],
        *,
        fixed: list[tuple[str, str]] | None = None,
        rest: list[tuple[str, str]] | None = None,
        tail: list[tuple[str, str]] | None = None,
    ) -> str:
        """Build a push URL the way the firmware does, from the settings.

        `named` and `rest` hold `url_*` settings with their values, `fixed`
        and `tail` the firmware's own names (and `url_status`). A setting the
        user left empty is left out.
        """
        config = self.push_config
        parts: list[str] = []
        for key, value in [*named, *(fixed or []), *(rest or []), *(tail or [])]:
            name = config.get(key, "") if key.startswith("url_") else key
            if name:
                parts.append(f"{name}={value}")
        if config.get("url_user_defined"):
            parts.append(str(config["url_user_defined"]))
        path = str(config.get("url_path") or "")
        return (
            f"{config['url_http']}://{config['url_host']}:{config['url_port']}{path}?"
            + "&".join(parts)
            + "&"
        )

    async def _push(
        self,
        named: list[tuple[str, str]],
        *,
        fixed: list[tuple[str, str]],
        rest: list[tuple[str, str]] | None = None,
        tail: list[tuple[str, str]] | None = None,
        kind: str,
    ) -> int | None:
        if not self.push_config.get("enable") or not self.push_config.get("url_host"):
            return None
        url = self.push_url(named, fixed=fixed, rest=rest, tail=tail)
        if self.drop_pushes:
            self.pushes_sent.append({"kind": kind, "url": url, "status": None})
            return None
        return await self.get(url, kind=kind)

    async def get(self, url: str, *, kind: str = "raw") -> int:
        """GET `url` as wget would (certificate not checked); return the status."""
        status = 0
        connector = aiohttp.TCPConnector(resolver=aiohttp.ThreadedResolver(), ssl=False)
        try:
            async with (
                aiohttp.ClientSession(
                    connector=connector, timeout=aiohttp.ClientTimeout(total=10)
                ) as session,
                session.get(URL(url, encoded=True)) as response,
            ):
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as err:
            _LOGGER.warning("Push to %s failed: %s", url, err)
        _LOGGER.info("Pushed %s: HTTP %s", kind, status)
        self.pushes_sent.append({"kind": kind, "url": url, "status": status})
        return status


def _encode(value: str) -> str:
    """Asterisk's URIENCODE(): everything but unreserved characters escaped."""
    return quote(value, safe="-_.~")
