"""The outbox: messages no gateway could take yet, kept until one can (SPEC §7).

A message lands here when every gateway it names answered "not now"
(unreachable, no free port, busy). It stays in the entry's own `Store`
(written atomically and flushed before anything is answered), is tried again
with growing pauses, and at once when the gateway shows it is back (a
successful poll, a push), until `send_retry_hours` have passed: then it fails.

Never twice: before a request goes out, the message is written with the
gateway it goes to (`unsure`). If the answer is lost, or Home Assistant dies
meanwhile, that gateway is asked about it (`lookup_send`) before anything is
sent again, and no other gateway is tried until it has answered.

What a gateway does with a message it took (sent, delivered...) is the
gateway's tracker's business; this fires only the outbox's own facts:
`queued` when a message lands here, `failed` when its time is up, and
`sending` when a gateway that cannot be asked may have taken it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import (
    CALLBACK_TYPE,
    CoreState,
    HassJob,
    HomeAssistant,
    callback,
)
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import Encoding, SendRequest, SmsStatus, SmsStatusUpdate
from .const import DOMAIN, LOGGER, STORAGE_VERSION
from .messages import MessageTracker

FIRST_PAUSE = timedelta(seconds=15)
LONGEST_PAUSE = timedelta(minutes=15)
"""Pauses between tries double from the first to the longest."""
KICK_GAP = timedelta(seconds=10)
"""A gateway that shows it is back is tried again at most this often."""


@dataclass(frozen=True, kw_only=True)
class Route:
    """One gateway a message may go through: an entry, and the ports it names."""

    entry_id: str
    ports: tuple[int, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class QueuedSms:
    """A message waiting for a gateway; `id` is its reference on every try."""

    id: str
    numbers: tuple[str, ...]
    text: str
    routes: tuple[Route, ...]
    """The gateways to try, in order (fallbacks after the first)."""
    encoding: Encoding = Encoding.AUTO
    delivery_report: bool = True
    send_at: datetime | None = None
    urgent: bool = False
    created: datetime = field(default_factory=dt_util.utcnow)
    tries: int = 0
    next_try: datetime = field(default_factory=dt_util.utcnow)
    unsure: str | None = None
    """The entry whose gateway may have taken it: asked before any other try."""

    def request(self, ports: tuple[int, ...] | None) -> SendRequest:
        """The send request of one try, with the ports of the route taken."""
        return SendRequest(
            numbers=self.numbers,
            text=self.text,
            ports=ports,
            encoding=self.encoding,
            delivery_report=self.delivery_report,
            send_at=self.send_at,
            urgent=self.urgent,
            reference=self.id,
        )

    def as_dict(self) -> dict[str, Any]:
        """As JSON, for the outbox's `Store`."""
        return {
            "id": self.id,
            "numbers": list(self.numbers),
            "text": self.text,
            "routes": [
                {
                    "entry_id": route.entry_id,
                    "ports": None if route.ports is None else list(route.ports),
                }
                for route in self.routes
            ],
            "encoding": self.encoding.value,
            "delivery_report": self.delivery_report,
            "send_at": None if self.send_at is None else self.send_at.isoformat(),
            "urgent": self.urgent,
            "created": self.created.isoformat(),
            "tries": self.tries,
            "next_try": self.next_try.isoformat(),
            "unsure": self.unsure,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QueuedSms:
        """Read what `as_dict` wrote; raises KeyError/ValueError/TypeError if off."""
        send_at = data["send_at"]
        return cls(
            id=str(data["id"]),
            numbers=tuple(str(n) for n in data["numbers"]),
            text=str(data["text"]),
            routes=tuple(
                Route(
                    entry_id=str(route["entry_id"]),
                    ports=None
                    if route["ports"] is None
                    else tuple(int(p) for p in route["ports"]),
                )
                for route in data["routes"]
            ),
            encoding=Encoding(data["encoding"]),
            delivery_report=bool(data["delivery_report"]),
            send_at=None if send_at is None else datetime.fromisoformat(send_at),
            urgent=bool(data["urgent"]),
            created=datetime.fromisoformat(data["created"]),
            tries=int(data["tries"]),
            next_try=datetime.fromisoformat(data["next_try"]),
            unsure=None if data["unsure"] is None else str(data["unsure"]),
        )


class Fate(StrEnum):
    """How one try of a queued message ended."""

    TAKEN = "taken"
    """A gateway took it (or had taken it): it leaves the outbox."""
    LATER = "later"
    """No gateway can take it now."""
    FAILED = "failed"
    """A gateway refused it for good."""
    UNKNOWN = "unknown"
    """A gateway that cannot be asked may have taken it: not sent again."""


@dataclass(frozen=True, kw_only=True)
class Try:
    """The outcome of one try; `unsure` names a gateway that may have it."""

    fate: Fate
    unsure: str | None = None


type Sender = Callable[[QueuedSms, Callable[[str], Awaitable[None]]], Awaitable[Try]]
"""Tries a message through its routes; awaits the callback with an entry id
before a request goes out to that entry's gateway."""


class Outbox:
    """The messages of one entry waiting to be sent, and their next tries."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        tracker: MessageTracker,
        retry_for: timedelta,
    ) -> None:
        self._hass = hass
        self.entry_id = entry_id
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.outbox", atomic_writes=True
        )
        self._tracker = tracker
        self._retry_for = retry_for
        self._send: Sender | None = None
        self.messages: dict[str, QueuedSms] = {}
        self._listeners: list[CALLBACK_TYPE] = []
        self._unsub_timer: CALLBACK_TYPE | None = None
        self._unsub_started: CALLBACK_TYPE | None = None
        self._unsub_state: CALLBACK_TYPE | None = None
        self._entry: ConfigEntry | None = None
        self._running: asyncio.Task[None] | None = None
        self._last_run = datetime.min.replace(tzinfo=dt_util.UTC)
        self.sent = 0
        self.failed = 0

    async def async_load(self) -> None:
        """Read the messages kept when the entry last ran; unreadable ones are dropped."""
        data = await self._store.async_load() or {}
        for item in data.get("messages", []):
            try:
                message = QueuedSms.from_dict(item)
            except KeyError, ValueError, TypeError:
                LOGGER.warning("Dropped an unreadable message of the outbox: %s", item)
                continue
            self.messages[message.id] = message

    @callback
    def async_start(self, entry: ConfigEntry, send: Sender) -> None:
        """Send from now on.

        What waits is tried once Home Assistant has started and `entry` is
        loaded: before, neither automations nor its gateway are ready.
        """
        self._send = send
        self._entry = entry
        self._unsub_state = entry.async_on_state_change(self._first_try)
        self._unsub_started = async_at_started(self._hass, self._started)

    @callback
    def _started(self, _hass: HomeAssistant) -> None:
        self._unsub_started = None
        self._first_try()

    @callback
    def _first_try(self) -> None:
        if (
            self._unsub_state is None
            or self._entry is None
            or self._entry.state is not ConfigEntryState.LOADED
            or self._hass.state is not CoreState.running
        ):
            return
        self._unsub_state()
        self._unsub_state = None
        self.async_kick(force=True)

    async def async_stop(self) -> None:
        """Stop trying (the entry unloads); a try under way finishes first."""
        self._send = None
        for unsub in (self._unsub_timer, self._unsub_started, self._unsub_state):
            if unsub is not None:
                unsub()
        self._unsub_timer = self._unsub_started = self._unsub_state = None
        if self._running is not None:
            await asyncio.shield(self._running)

    @property
    def waiting(self) -> int:
        """How many messages wait (the `outbox` sensor)."""
        return len(self.messages)

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` whenever a message comes or goes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def async_add(self, message: QueuedSms) -> None:
        """Keep `message` (on disk before this returns) and fire `queued` for it."""
        first_try = dt_util.utcnow() + FIRST_PAUSE
        message = replace(message, tries=max(message.tries, 1), next_try=first_try)
        self.messages[message.id] = message
        await self._save()
        await self._report(message, SmsStatus.QUEUED)
        self._schedule()

    @callback
    def async_kick(self, *, force: bool = False) -> None:
        """Try every waiting message now: its gateway seems to be back."""
        if not self.messages or self._send is None or self._running is not None:
            return
        if not force and dt_util.utcnow() - self._last_run < KICK_GAP:
            return
        self._run(due_only=False)

    def _run(self, *, due_only: bool) -> None:
        self._running = self._hass.async_create_task(
            self._async_run(due_only=due_only), f"{DOMAIN} outbox", eager_start=False
        )

    async def _async_run(self, *, due_only: bool) -> None:
        try:
            self._last_run = now = dt_util.utcnow()
            for message in list(self.messages.values()):
                if self._send is None:
                    break
                if now - message.created >= self._retry_for:
                    LOGGER.info("Outbox: %s not sent in time, failed", message.id)
                    await self._finish(message, SmsStatus.FAILED)
                elif not due_only or message.next_try <= now:
                    await self._try(message)
        finally:
            self._running = None
            self._schedule()

    async def _try(self, message: QueuedSms) -> None:
        assert self._send is not None

        async def before_request(entry_id: str) -> None:
            if self.messages[message.id].unsure != entry_id:
                self.messages[message.id] = replace(message, unsure=entry_id)
                await self._save()

        outcome = await self._send(message, before_request)
        if outcome.fate is Fate.TAKEN:
            self.sent += 1
            await self._finish(message, None)
        elif outcome.fate is Fate.FAILED:
            await self._finish(message, SmsStatus.FAILED)
        elif outcome.fate is Fate.UNKNOWN:
            await self._finish(message, SmsStatus.SENDING)
        else:
            pause = min(FIRST_PAUSE * 2**message.tries, LONGEST_PAUSE)
            self.messages[message.id] = replace(
                message,
                tries=message.tries + 1,
                next_try=dt_util.utcnow() + pause,
                unsure=outcome.unsure,
            )
            await self._save()

    async def _finish(self, message: QueuedSms, status: SmsStatus | None) -> None:
        """The message leaves the outbox; `status` is fired for it, if any."""
        del self.messages[message.id]
        await self._save()
        if status is SmsStatus.FAILED:
            self.failed += 1
        if status is not None:
            await self._report(message, status)

    async def _report(self, message: QueuedSms, status: SmsStatus) -> None:
        """Fire a fact of the outbox itself: no gateway has an id for it."""
        self._tracker.async_statuses(
            SmsStatusUpdate(
                message_id=None,
                number=number,
                port=None,
                status=status,
                sequence=f"outbox|{message.id}|{number}|{status}",
            )
            for number in message.numbers
        )
        await self._tracker.async_commit()

    async def _save(self) -> None:
        await self._store.async_save(
            {"messages": [message.as_dict() for message in self.messages.values()]}
        )
        for listener in list(self._listeners):
            listener()

    def _schedule(self) -> None:
        """Wake up for the next try or the next message whose time is up."""
        if self._unsub_timer is not None:
            self._unsub_timer()
            self._unsub_timer = None
        if not self.messages or self._send is None:
            return
        wake = min(
            min(m.next_try, m.created + self._retry_for) for m in self.messages.values()
        )
        self._unsub_timer = async_track_point_in_utc_time(
            self._hass, HassJob(self._wake, cancel_on_shutdown=True), wake
        )

    @callback
    def _wake(self, _now: datetime) -> None:
        self._unsub_timer = None
        if self._running is None:
            self._run(due_only=True)

    def as_diagnostics(self) -> dict[str, Any]:
        """What waits, without numbers or text."""
        return {
            "waiting": self.waiting,
            "sent_from_outbox": self.sent,
            "failed": self.failed,
            "messages": [
                {
                    "created": message.created.isoformat(),
                    "tries": message.tries,
                    "next_try": message.next_try.isoformat(),
                    "recipients": len(message.numbers),
                    "gateways": len(message.routes),
                    "unsure": message.unsure is not None,
                }
                for message in self.messages.values()
            ],
        }
