"""Client for OpenVox wireless gateways (SWG, VS-GW): the "POST API for send and receive sms".

Written against `openvox-post-api.txt` and what the firmware is known to do
(`shared/api-docs/captures/README.md`, taken from the firmware's source).
The document gives field lists only, no example bodies and no codes, so
what it leaves open is decided here, each choice next to its code:

- Every call is a POST of a JSON object carrying `username` and `password`
  (no HTTP authentication), to the path the document names under the URL
  the user gave (`http://gateway/sms/send`). The answer is
  `{uri, code, msg, data}`.
- `code` (assumption, HTTP-style as on the vendor's other web APIs): 200 is
  success (0 is read as success too, as much Chinese firmware answers);
  400 a bad request, 401 wrong credentials, 403 a refusal (API disabled),
  503 no span free to send. Any other code is a refusal carrying `msg`.
- Spans: `/sms/get_valid_spans` counts ports its own way (Asterisk span
  numbers, which need not start at 1), while pushes carry the 1-based
  channel number. A push's port is matched to a span by the port name where
  the push has one, else by position: channel N is the N-th span in
  ascending order. Events and actions use the span number, the API's port.
- Pushes come as GET requests made with wget; their parameter names are the
  ones this client writes with `/smsoutbox/set_config` (`PUSH_NAMES`), plus
  the firmware's fixed `id`, `type` and `cause` on result and report pushes.
- `/sms/send` takes one `dest_num`: sending to N numbers is N requests, each
  through one span chosen here, so that its result names a known port. Its
  answer's `data` is undocumented: an `id` found there is kept to match the
  result push (which carries the firmware's `id`); without one, results
  and reports are matched by number and span, oldest send first.
- `/smsoutbox/get` lists sent messages without any id, newest or oldest
  first, a page at a time (`current_page` from 1; a page past the end is
  empty). Its records are matched to our sends by span name, number and text.
- Times have no zone: the gateway's clock is read in `timezone`. Pushes may
  write dates with slashes (`2017/08/22 16:23:26`).
- Text goes as it is: the gateway chooses GSM-7 or UCS-2 and splits long
  text itself (the API has no encoding field).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
import hashlib
import json
import secrets
import time
from typing import Any, Final, override
from urllib.parse import parse_qsl

import aiohttp
from yarl import URL

from .. import ClientConfig
from ..base import GatewayClient
from ..encoding import plan_text
from ..errors import (
    ForeignPushError,
    GatewayAuthError,
    GatewayBadRequestError,
    GatewayBusyError,
    GatewayError,
    GatewayRefusedError,
    GatewayResponseError,
    PushError,
)
from ..http import HttpClient, HttpStatusError
from ..models import (
    Capability,
    GatewayInfo,
    GatewayState,
    GatewayType,
    InboundSms,
    Port,
    Push,
    SendRequest,
    SendResult,
    SentMessage,
    SmsStatus,
    SmsStatusUpdate,
)
from .sends import FollowedSend, SendLog, update
from .wire import (
    ERRORS,
    OUTBOX_STATUSES,
    PUSH_NAMES,
    PUSH_REPORT,
    PUSH_RESULT,
    PUSH_STATUSES,
    SUCCESS_CODES,
    TIME_FORMAT,
    USER_DEFINED,
    read_int,
    read_items,
    read_number,
    read_text,
)

MAX_SEGMENTS: Final = 10
"""Assumption: the longest text sent whole; longer ones are refused before sending."""
MAX_OUTBOX_PAGES: Final = 10
"""Outbox pages read per poll at most; the filter keeps it to recent ones."""
OUTBOX_MARGIN: Final = timedelta(minutes=5)
"""The outbox is read from this long before the oldest send still followed
(the gateway's clock may differ from ours)."""


class OpenVoxClient(GatewayClient):
    """One OpenVox wireless gateway on the LAN."""

    type = GatewayType.OPENVOX
    capabilities = frozenset(
        {
            Capability.SEND_SMS,
            Capability.SMS_STATUS,
            Capability.PUSH,
            Capability.PUSH_CONFIG,
        }
    )
    max_numbers_per_request = 1

    def __init__(
        self,
        session: aiohttp.ClientSession,
        config: ClientConfig,
        *,
        timezone: tzinfo | None = None,
        synchronous_send: bool = False,
    ) -> None:
        """Talk to the gateway at `config.url` through `session` (not owned).

        `synchronous_send` asks `/sms/send` to answer once the module has
        sent (mode 1) rather than at once (mode 0): slower, but the answer
        says whether it went.
        """
        self._http = HttpClient(
            session,
            config.url,
            verify_ssl=config.verify_ssl,
            timeout=config.timeout if not synchronous_send else config.timeout * 6,
        )
        self._username = config.username or ""
        self._password = config.password or ""
        self.timezone = timezone
        self.synchronous_send = synchronous_send
        self._spans: list[Port] = []
        self._sends = SendLog()
        self._next_span = 0

    @property
    def requests_made(self) -> int:
        """HTTP requests sent so far (SPEC §8)."""
        return self._http.requests_made

    @requests_made.setter
    def requests_made(self, value: int) -> None:
        """Reset the counter (e.g. to measure one cycle)."""
        self._http.requests_made = value

    # --- the gateway and its spans --------------------------------------------

    @override
    async def get_info(self) -> GatewayInfo:
        """Log in by listing the spans (the API tells no serial or MAC).

        The identity is the gateway's address: the only stable thing the API
        offers, so a new address is carried over by reconfiguring.
        """
        spans = await self.get_spans()
        base = self._http.base_url
        address = (
            f"{base.host}:{base.explicit_port}" if base.explicit_port else base.host
        )
        return GatewayInfo(
            type=self.type,
            unique_id=f"openvox-{address}",
            identity_is_address=True,
            name=f"OpenVox {len(spans)}-port gateway",
            manufacturer="OpenVox",
            port_count=len(spans),
            configuration_url=str(base),
        )

    @override
    async def poll(self) -> GatewayState:
        """One request: the spans and whether each can send now."""
        spans = await self.get_spans()
        return GatewayState(ports={port.key: port for port in spans})

    async def get_spans(self) -> list[Port]:
        """`/sms/get_valid_spans`, in ascending span order."""
        data = await self._call("/sms/get_valid_spans")
        spans: list[Port] = []
        for item in read_items(data):
            number = read_int(item.get("port"))
            if number is None:
                continue
            spans.append(
                Port(
                    key=f"span{number}",
                    number=number,
                    name=read_text(item.get("port_name")),
                    available=read_int(item.get("status")) == 1,
                )
            )
        spans.sort(key=lambda port: port.number)
        self._spans = spans
        return spans

    # --- sending --------------------------------------------------------------

    @override
    async def send_sms(self, request: SendRequest) -> SendResult:
        """One `/sms/send` per number, the spans taken in turn."""
        if not request.numbers:
            raise GatewayBadRequestError("no number to send to")
        if plan_text(request.text).segments > MAX_SEGMENTS:
            raise GatewayBadRequestError(
                f"text longer than {MAX_SEGMENTS} SMS segments"
            )
        if not self._spans and request.ports is None:
            await self.get_spans()
        if request.ports is not None:
            spans = list(request.ports)
        else:
            spans = [port.number for port in self._spans if port.available]
        if not spans:
            raise GatewayBusyError("no span is free to send SMS")
        start = self.requests_made
        messages: list[SentMessage] = []
        first_error: GatewayError | None = None
        for number in request.numbers:
            span = spans[self._next_span % len(spans)]
            self._next_span += 1
            try:
                messages.append(await self._send_one(request, number, span))
            except (GatewayBusyError, GatewayAuthError) as err:
                # Every later request would meet the same: stop here.
                if not messages:
                    raise
                first_error = err
                break
            except GatewayError as err:
                if len(request.numbers) == 1:
                    raise
                first_error = first_error or err
                messages.append(
                    SentMessage(
                        number=number,
                        message_id=None,
                        port=span,
                        status=SmsStatus.FAILED,
                    )
                )
        if first_error is not None and not any(
            message.status is not SmsStatus.FAILED for message in messages
        ):
            raise first_error
        return SendResult(messages=tuple(messages), requests=self.requests_made - start)

    async def _send_one(
        self, request: SendRequest, number: str, span: int
    ) -> SentMessage:
        data = await self._call(
            "/sms/send",
            {
                "spans": [span],
                "dest_num": number,
                "msg": request.text,
                "mode": 1 if self.synchronous_send else 0,
            },
        )
        item = next(iter(read_items(data)), data if isinstance(data, dict) else {})
        gateway_id = read_text(item.get("id"))
        status = SmsStatus.QUEUED
        if self.synchronous_send:
            word = (
                read_text(item.get("status")) or read_text(item.get("result")) or ""
            ).lower()
            status = SmsStatus.FAILED if word in ("fail", "failed") else SmsStatus.SENT
        sent = FollowedSend(
            message_id=f"ov-{secrets.token_hex(6)}",
            number=number,
            span=span,
            text=request.text,
            created=time.time(),
            delivery_report=request.delivery_report,
            gateway_id=gateway_id,
            status=status,
            status_time=time.time(),
        )
        self._sends.add(sent)
        return SentMessage(
            number=number, message_id=sent.message_id, port=span, status=status
        )

    @override
    def export_state(self) -> dict[str, Any]:
        """The sends still followed, to be handed back after a restart."""
        return {"pending": self._sends.export()}

    @override
    def restore_state(self, state: Mapping[str, Any]) -> None:
        pending = state.get("pending")
        self._sends.restore(pending if isinstance(pending, list) else ())

    @override
    def has_pending_sends(self) -> bool:
        return bool(self._sends.waiting())

    @override
    async def fetch_sms_statuses(self) -> list[SmsStatusUpdate]:
        """Read the outbox from shortly before the oldest send still followed.

        Fills what pushes missed (SPEC §7). Records are matched to sends by
        span name, number and text; each record keeps the send it was matched
        to, so a later status of the same record names the same message.
        """
        waiting = self._sends.waiting()
        if not waiting:
            return []
        since = (
            datetime.fromtimestamp(
                min(sent.created for sent in waiting), UTC
            ).astimezone(self.timezone)
            - OUTBOX_MARGIN
        )
        if not self._spans:
            await self.get_spans()
        names = {port.name: port.number for port in self._spans if port.name}
        updates: list[SmsStatusUpdate] = []
        for record in await self.get_outbox(since=since):
            span = names.get(read_text(record.get("port_name")) or "")
            status = OUTBOX_STATUSES.get(
                (read_text(record.get("status")) or "").upper()
            )
            number = read_text(record.get("phonenumber"))
            if span is None or status is None or number is None:
                continue
            sent = self._sends.match_record(
                span, number, record.get("message"), read_text(record.get("time"))
            )
            if sent is not None:
                updates.extend(update(sent, status))
        return updates

    async def get_outbox(
        self,
        *,
        number: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """`/smsoutbox/get`, every page (at most `MAX_OUTBOX_PAGES`)."""
        query: dict[str, Any] = {}
        if number is not None:
            query["phone_number_filter"] = number
        if since is not None:
            query["start_datetime_filter"] = self._format_time(since)
        if until is not None:
            query["end_datetime_filter"] = self._format_time(until)
        records: list[dict[str, Any]] = []
        page_size = 0
        for page in range(1, MAX_OUTBOX_PAGES + 1):
            items = read_items(
                await self._call("/smsoutbox/get", {"current_page": page, **query})
            )
            records.extend(items)
            # The page size is not documented: the first page shows it, and
            # a shorter page is the last one.
            page_size = page_size or len(items)
            if not items or len(items) < page_size:
                break
        return records

    # --- push settings --------------------------------------------------------

    @override
    async def read_push_settings(self) -> dict[str, Any]:
        """`/smsoutbox/get_config`, as the gateway has it."""
        data = await self._call("/smsoutbox/get_config")
        item = data if isinstance(data, dict) else next(iter(read_items(data)), {})
        return dict(item)

    @override
    async def configure_push(self, url: str) -> bool:
        """Push incoming SMS, results and reports to `url`, with our names."""
        target = URL(url)
        await self._call(
            "/smsoutbox/set_config",
            {
                "enable": 1,
                "reports_enable": 1,
                "results_enable": 1,
                "url_http": target.scheme,
                "url_host": target.host,
                "url_port": str(target.port),
                # The firmware puts the path right after the port.
                "url_path": target.raw_path,
                **PUSH_NAMES,
                "url_user_defined": USER_DEFINED,
            },
        )
        return True

    @override
    async def restore_push_settings(self, saved: Mapping[str, Any]) -> None:
        await self._call("/smsoutbox/set_config", dict(saved))

    # --- pushes ---------------------------------------------------------------

    @override
    def parse_push(
        self,
        body: bytes,
        content_type: str | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Push:
        """Read a GET push (or a form POST of the same names)."""
        values = dict(query or {})
        if not values and body:
            try:
                values = dict(parse_qsl(body.decode(), keep_blank_values=True))
            except UnicodeDecodeError as err:
                raise PushError("push body is not text") from err
        values.pop("via", None)
        port_number = read_int(values.get(PUSH_NAMES["url_to_num"]))
        number = read_number(values.get(PUSH_NAMES["url_from_num"]))
        if port_number is None or number is None:
            raise PushError("not an OpenVox push: no port or number")
        span = self._span_of(
            port_number, read_text(values.get(PUSH_NAMES["url_portname"]))
        )
        kind = read_text(values.get("type"))
        raw_time = values.get(PUSH_NAMES["url_time"])
        if kind is None:
            return Push(
                kind="sms", events=(self._inbound(span, number, values, raw_time),)
            )
        if kind not in (PUSH_RESULT, PUSH_REPORT):
            raise PushError(f"unknown push type {kind!r}")
        status = PUSH_STATUSES.get(
            (read_text(values.get(PUSH_NAMES["url_status"])) or "").lower()
        )
        if status is None:
            raise PushError(f"unknown status in {kind} push")
        events = self._sends.apply_push(
            span=span,
            number=number,
            status=status,
            gateway_id=read_text(values.get("id")) if kind == PUSH_RESULT else None,
            timestamp=self.parse_time(raw_time),
            raw_time=raw_time,
        )
        return Push(
            kind="sms_result" if kind == PUSH_RESULT else "sms_report",
            events=tuple(events),
        )

    def _span_of(self, channel: int, port_name: str | None) -> int:
        """The API's span for a push's 1-based channel (see the module docstring)."""
        if not self._spans:
            # Before the first poll: the channel is all we know.
            return channel
        if port_name is not None:
            for port in self._spans:
                if port.name == port_name:
                    return port.number
        if not 1 <= channel <= len(self._spans):
            raise ForeignPushError(f"this gateway has no port {channel}")
        return self._spans[channel - 1].number

    def _inbound(
        self, span: int, sender: str, values: Mapping[str, str], raw_time: str | None
    ) -> InboundSms:
        text = values.get(PUSH_NAMES["url_message"], "")
        timestamp = self.parse_time(raw_time) or datetime.now(UTC).astimezone(
            self.timezone
        )
        # No id on the wire: the content identifies the message, so the
        # gateway's retry of the same push is recognised.
        digest = hashlib.sha256(
            json.dumps([span, sender, raw_time, text]).encode()
        ).hexdigest()[:16]
        return InboundSms(
            message_id=f"sha:{digest}",
            port=span,
            sender=sender,
            text=text,
            timestamp=timestamp,
            imsi=read_text(values.get(PUSH_NAMES["url_imsi"])),
        )

    # --- internals ------------------------------------------------------------

    def parse_time(self, value: str | None) -> datetime | None:
        """Read a gateway time (dashes or slashes) in the gateway's zone."""
        if not value:
            return None
        text = value.strip().replace("/", "-").replace("%20", " ")
        try:
            parsed = datetime.strptime(text, TIME_FORMAT)  # noqa: DTZ007 - zone below
        except ValueError:
            return None
        if self.timezone is None:
            return parsed.astimezone()
        return parsed.replace(tzinfo=self.timezone)

    def _format_time(self, value: datetime) -> str:
        return value.astimezone(self.timezone).strftime(TIME_FORMAT)

    async def _call(self, path: str, fields: Mapping[str, Any] | None = None) -> Any:
        """POST one API call; return its `data`, or raise what its `code` means."""
        body = {
            "username": self._username,
            "password": self._password,
            **(fields or {}),
        }
        try:
            answer = await self._http.request_json("POST", path, json_body=body)
        except HttpStatusError as err:
            raise GatewayResponseError(
                f"{path} answered HTTP {err.status}"
                + (" (is the SMS API enabled?)" if err.status == 404 else "")
            ) from err
        if not isinstance(answer, dict) or "code" not in answer:
            raise GatewayResponseError(
                f"{path} did not answer {{uri, code, msg, data}}"
            )
        code = read_int(answer.get("code"))
        if code in SUCCESS_CODES:
            return answer.get("data")
        message = read_text(answer.get("msg"))
        error, reason = ERRORS.get(
            code or -1, (GatewayRefusedError, "the gateway refused")
        )
        if message:
            reason = f"{reason}: {message}"
        if issubclass(error, GatewayRefusedError):
            raise error(reason, code)
        raise error(f"{reason} ({code})")
