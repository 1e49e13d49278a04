"""Exactly-once delivery of incoming SMS and send statuses (SPEC §7).

Messages reach Home Assistant twice at times: by push and by the next poll,
or again after a restart. This keeps, per config entry and in its own
`Store`, a high-water mark of the gateway's message sequence and the ids seen
above it, plus the status facts already fired, so each fact fires once.

Facts found before Home Assistant has started are held back and fired once it
has (`async_at_started`): automations arm their triggers at the very end of
start-up, and a fact fired earlier would reach no one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, NotRequired, TypedDict

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.storage import Store

from .api import InboundSms, SmsStatusUpdate
from .const import DOMAIN, LOGGER, STORAGE_VERSION

MAX_REMEMBERED = 2000
"""Ids kept to recognise a fact seen again; far more than a poll can return."""


class _StoredData(TypedDict):
    high_water_mark: int | None
    seen_messages: list[str]
    fired_statuses: list[str]
    client_state: NotRequired[dict[str, Any]]
    pending_sends: NotRequired[list[dict[str, Any]]]
    """Before `client_state`: the sends a Dinstar client followed."""


class MessageTracker:
    """Decides which incoming messages and statuses are new, and fires them."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        on_sms: Callable[[InboundSms], None],
        on_status: Callable[[SmsStatusUpdate], None],
        client_state: Callable[[], dict[str, Any]] = dict,
    ) -> None:
        self._hass = hass
        self._store: Store[_StoredData] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.messages"
        )
        self._on_sms = on_sms
        self._on_status = on_status
        self._client_state = client_state
        self.restored_client_state: dict[str, Any] = {}
        """What the client kept when the entry last saved, to hand back to it."""
        self.high_water_mark: int | None = None
        self._seen: dict[str, None] = {}
        self._fired_statuses: dict[str, None] = {}
        self._held: list[Callable[[], None]] | None = None
        self._unsub_started: CALLBACK_TYPE | None = None
        self._waiting_for: set[str] = set()
        """Facts are held until Home Assistant has started and the ports are known."""
        self.initialized = False
        """False until a high-water mark exists: the entry's very first set-up."""
        self.received = 0
        self.duplicates = 0
        self.statuses = 0

    async def async_load(self) -> None:
        """Read what was seen before, and hold facts until Home Assistant runs."""
        if (data := await self._store.async_load()) is not None:
            self.high_water_mark = data["high_water_mark"]
            self._seen = dict.fromkeys(data["seen_messages"])
            self._fired_statuses = dict.fromkeys(data["fired_statuses"])
            self.restored_client_state = data.get("client_state") or {
                "pending": data.get("pending_sends", [])
            }
            self.initialized = True
        self._held = []
        self._waiting_for = {"started", "ready"}
        self._unsub_started = async_at_started(self._hass, self._started)

    @callback
    def _started(self, _hass: HomeAssistant) -> None:
        self._unsub_started = None
        self._open("started")

    @callback
    def async_ready(self) -> None:
        """Fire from now on as far as the entry goes: its ports are known."""
        self._open("ready")

    def _open(self, gate: str) -> None:
        self._waiting_for.discard(gate)
        if self._waiting_for:
            return
        held, self._held = self._held or [], None
        for fire in held:
            fire()

    @callback
    def async_shutdown(self) -> None:
        """Stop waiting for start-up (the entry is unloading)."""
        if self._unsub_started is not None:
            self._unsub_started()
            self._unsub_started = None

    @callback
    def _fire(self, fire: Callable[[], None]) -> None:
        if self._held is None:
            fire()
        else:
            self._held.append(fire)

    @callback
    def async_hold(self, fire: Callable[[], None]) -> None:
        """Run `fire` now, or once Home Assistant has started and ports are known."""
        self._fire(fire)

    @callback
    def async_save(self) -> None:
        """Save soon (the client's state changed, e.g. by a push)."""
        self._save()

    @callback
    def async_start_history(self, messages: Iterable[InboundSms]) -> None:
        """Take what is on the gateway at the first set-up as history: fire nothing."""
        sequences = [m.sequence for m in messages if m.sequence is not None]
        self.high_water_mark = max(sequences, default=0)
        self._seen.clear()
        self.initialized = True
        self._save()

    @callback
    def async_polled(self, messages: Iterable[InboundSms]) -> int:
        """Fire what a poll found that was not fired before; return how many.

        A poll lists every message above the mark, so afterwards everything
        up to the highest sequence it returned has been seen.
        """
        fired = 0
        top = self.high_water_mark
        for message in messages:
            fired += self._accept(message)
            if message.sequence is not None and (top is None or message.sequence > top):
                top = message.sequence
        if top != self.high_water_mark:
            self.high_water_mark = top
            self._prune()
        self._save()
        return fired

    @callback
    def async_pushed(self, messages: Iterable[InboundSms]) -> int:
        """Fire pushed messages not fired before; the mark stays for the poll."""
        fired = sum(self._accept(message) for message in messages)
        if fired:
            self._save()
        return fired

    def _accept(self, message: InboundSms) -> bool:
        if message.message_id in self._seen or (
            message.sequence is not None
            and self.high_water_mark is not None
            and message.sequence <= self.high_water_mark
        ):
            self.duplicates += 1
            return False
        self._seen[message.message_id] = None
        self.received += 1
        self._fire(partial(self._on_sms, message))
        return True

    @callback
    def async_statuses(self, updates: Iterable[SmsStatusUpdate]) -> int:
        """Fire status facts not fired before; return how many."""
        fired = 0
        for update in updates:
            key = (
                update.sequence
                or f"{update.message_id}|{update.number}|{update.status}"
            )
            if key in self._fired_statuses:
                continue
            self._fired_statuses[key] = None
            fired += 1
            self.statuses += 1
            self._fire(partial(self._on_status, update))
        if fired:
            while len(self._fired_statuses) > MAX_REMEMBERED:
                del self._fired_statuses[next(iter(self._fired_statuses))]
            self._save()
        return fired

    def _prune(self) -> None:
        """Forget ids at or below the mark once there are many."""
        if len(self._seen) <= MAX_REMEMBERED:
            return
        for key in list(self._seen)[: len(self._seen) - MAX_REMEMBERED]:
            del self._seen[key]

    def _save(self) -> None:
        self._store.async_delay_save(self._data, 0)
        LOGGER.debug("High-water mark now %s", self.high_water_mark)

    def _data(self) -> _StoredData:
        return {
            "high_water_mark": self.high_water_mark,
            "seen_messages": list(self._seen),
            "fired_statuses": list(self._fired_statuses),
            "client_state": self._client_state(),
        }

    def as_diagnostics(self) -> dict[str, Any]:
        """Counters and mark, no message content."""
        return {
            "high_water_mark": self.high_water_mark,
            "remembered_ids": len(self._seen),
            "received": self.received,
            "duplicates": self.duplicates,
            "statuses": self.statuses,
            "held_until_started": len(self._held or []),
        }
