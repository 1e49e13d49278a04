"""Exactly-once delivery of incoming SMS and send statuses (SPEC §7).

Messages reach Home Assistant twice at times: by push and by the next poll,
or again after a restart. This keeps, per config entry and in its own
`Store`, a high-water mark of the gateway's message sequence and the ids seen
above it, plus the status facts already fired, so each fact fires once.

Facts found before Home Assistant has started are held back and fired once it
has (`async_at_started`): automations arm their triggers at the very end of
start-up, and a fact fired earlier would reach no one.

Write-ahead: what is about to fire is on disk first. The facts of one push,
poll or send are recorded with one atomic write (temporary file, fsync,
rename, fsync of the folder: `Store(atomic_writes=True)`; its JSON, ids only
but for unfired facts, is encoded in the loop and written in the executor)
and fire when that write has finished. Facts that come while a write is in flight go
into the next one (group commit), so a burst of pushes costs a few writes,
not one per message; a push is answered once its facts are on disk.

A fact fires at most once, and a recorded fact is fired or kept to fire:
- A fact that can fire now is written as fired (its id among the seen ones)
  and fires right after the write. Being on disk as fired, it can never fire
  again. A kill in the instant between the end of the write and the event
  (the loop's next turn) loses that one event: replaying it instead is what
  SPEC §7 forbids, an SMS that opens a gate must not open it twice.
- A fact that cannot fire yet (Home Assistant starting, or stopping) is
  written whole, as unfired (`unfired`). After a restart it is loaded and
  fires once Home Assistant has started; before it fires, a write records it
  as fired, as above.
- A write that fails (Home Assistant logs it) does not hold events back: a
  disk that cannot be written must not silence SMS.

Each unfired fact is stored as a row of the inbox of SPEC §11 would be
(`direction`, `number`, `text`, `timestamp`, `port`, `status`,
`message_id`): the inbox, once there, takes this record over, its messages
carrying the seen ids and a flag for the unfired ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, NotRequired, TypedDict

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.storage import Store

from .api import InboundSms, SmsStatus, SmsStatusUpdate
from .const import DOMAIN, LOGGER, STORAGE_VERSION

MAX_REMEMBERED = 2000
"""Ids kept to recognise a fact seen again; far more than a poll can return."""

type Fact = InboundSms | SmsStatusUpdate


class _StoredData(TypedDict):
    high_water_mark: int | None
    seen_messages: list[str]
    fired_statuses: list[str]
    unfired: NotRequired[list[dict[str, Any]]]
    """Recorded facts that have not fired yet, oldest first."""
    client_state: NotRequired[dict[str, Any]]
    pending_sends: NotRequired[list[dict[str, Any]]]
    """Before `client_state`: the sends a Dinstar client followed."""


def fact_to_record(fact: Fact) -> dict[str, Any]:
    """A fact as JSON, in the shape of an inbox row (SPEC §11)."""
    timestamp = None if fact.timestamp is None else fact.timestamp.isoformat()
    if isinstance(fact, InboundSms):
        return {
            "direction": "received",
            "message_id": fact.message_id,
            "number": fact.sender,
            "text": fact.text,
            "timestamp": timestamp,
            "port": fact.port,
            "imsi": fact.imsi,
            "smsc": fact.smsc,
            "sequence": fact.sequence,
        }
    return {
        "direction": "sent",
        "message_id": fact.message_id,
        "number": fact.number,
        "timestamp": timestamp,
        "port": fact.port,
        "status": fact.status.value,
        "sequence": fact.sequence,
        "parts": fact.parts,
    }


def fact_from_record(record: Mapping[str, Any]) -> Fact:
    """Read back what `fact_to_record` wrote; raises on anything else."""
    timestamp = record["timestamp"]
    if record["direction"] == "received":
        return InboundSms(
            message_id=record["message_id"],
            port=record["port"],
            sender=record["number"],
            text=record["text"],
            timestamp=datetime.fromisoformat(timestamp),
            imsi=record["imsi"],
            smsc=record["smsc"],
            sequence=record["sequence"],
        )
    return SmsStatusUpdate(
        message_id=record["message_id"],
        number=record["number"],
        port=record["port"],
        status=SmsStatus(record["status"]),
        timestamp=None if timestamp is None else datetime.fromisoformat(timestamp),
        sequence=record["sequence"],
        parts=record.get("parts"),
    )


def _status_key(update: SmsStatusUpdate) -> str:
    return update.sequence or f"{update.message_id}|{update.number}|{update.status}"


class MessageTracker:
    """Decides which incoming messages and statuses are new, records and fires them.

    `async_pushed`, `async_polled` and `async_statuses` take facts and return
    how many were new; `async_commit` returns once those are on disk and fired.
    """

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
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.messages", atomic_writes=True
        )
        self._on_sms = on_sms
        self._on_status = on_status
        self._client_state = client_state
        self.restored_client_state: dict[str, Any] = {}
        """What the client kept when the entry last saved, to hand back to it."""
        self.high_water_mark: int | None = None
        self._seen: dict[str, None] = {}
        self._fired_statuses: dict[str, None] = {}
        self._unfired: list[Fact] = []
        """Recorded, waiting for Home Assistant to have started (kept on disk)."""
        self._held: list[Callable[[], None]] = []
        """USSD replies and calls found before facts may fire (held in memory)."""
        self._to_fire: list[Fact] = []
        """Recorded as fired by the next write, and fired right after it."""
        self._next_write: asyncio.Future[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._written: _StoredData | None = None
        self._unsub_started: CALLBACK_TYPE | None = None
        self._waiting_for: set[str] = set()
        """Facts are held until Home Assistant has started and the ports are known."""
        self.initialized = False
        """False until a high-water mark exists: the entry's very first set-up."""
        self.received = 0
        self.duplicates = 0
        self.statuses = 0
        self.writes = 0

    async def async_load(self) -> None:
        """Read what was seen before, and hold facts until Home Assistant runs."""
        if (data := await self._store.async_load()) is not None:
            self.high_water_mark = data["high_water_mark"]
            self._seen = dict.fromkeys(data["seen_messages"])
            self._fired_statuses = dict.fromkeys(data["fired_statuses"])
            self._unfired = [fact_from_record(r) for r in data.get("unfired", [])]
            self.restored_client_state = data.get("client_state") or {
                "pending": data.get("pending_sends", [])
            }
            self.initialized = True
            self._written = data
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
        held, self._held = self._held, []
        for fire in held:
            fire()
        if not self._unfired:
            return
        self._to_fire.extend(self._unfired)
        self._unfired.clear()
        self._request_write()

    async def async_shutdown(self) -> None:
        """Stop waiting for start-up, and finish the write in flight (unloading)."""
        if self._unsub_started is not None:
            self._unsub_started()
            self._unsub_started = None
        await self.async_commit()

    def _take(self, fact: Fact) -> None:
        """Fire after the next write, or keep on disk until facts may fire."""
        if self._waiting_for:
            self._unfired.append(fact)
        else:
            self._to_fire.append(fact)
        self._request_write()

    @callback
    def async_hold(self, fire: Callable[[], None]) -> None:
        """Run `fire` now, or once Home Assistant has started and ports are known.

        For facts without an id to record (USSD replies, calls found by polling):
        the client's marks, written with the next commit, keep them from
        repeating.
        """
        if self._waiting_for:
            self._held.append(fire)
        else:
            fire()

    @callback
    def async_start_history(self, messages: Iterable[InboundSms]) -> None:
        """Take what is on the gateway at the first set-up as history: fire nothing."""
        sequences = [m.sequence for m in messages if m.sequence is not None]
        self.high_water_mark = max(sequences, default=0)
        self._seen.clear()
        self.initialized = True

    @callback
    def async_polled(self, messages: Iterable[InboundSms]) -> int:
        """Take what a poll found that was not fired before; return how many.

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
        return fired

    @callback
    def async_pushed(self, messages: Iterable[InboundSms]) -> int:
        """Take pushed messages not fired before; the mark stays for the poll."""
        return sum(self._accept(message) for message in messages)

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
        self._take(message)
        return True

    @callback
    def async_statuses(self, updates: Iterable[SmsStatusUpdate]) -> int:
        """Take status facts not fired before; return how many."""
        fired = 0
        for update in updates:
            key = _status_key(update)
            if key in self._fired_statuses:
                continue
            self._fired_statuses[key] = None
            fired += 1
            self.statuses += 1
            self._take(update)
        if fired:
            while len(self._fired_statuses) > MAX_REMEMBERED:
                del self._fired_statuses[next(iter(self._fired_statuses))]
        return fired

    def _prune(self) -> None:
        """Forget ids at or below the mark once there are many."""
        if len(self._seen) <= MAX_REMEMBERED:
            return
        for key in list(self._seen)[: len(self._seen) - MAX_REMEMBERED]:
            del self._seen[key]

    async def async_commit(self) -> None:
        """Return once everything taken so far is on disk, and fired where it may.

        The client's state is written with it: it changes as sends are followed.
        """
        await asyncio.shield(self._request_write())

    def _request_write(self) -> asyncio.Future[None]:
        """The write that will record what was taken so far; started if none runs.

        It starts on the loop's next turn, so that the facts of one push or
        poll share it; facts taken while a write runs go into the next one.
        """
        if self._next_write is None:
            self._next_write = self._hass.loop.create_future()
        if self._writer is None:
            self._writer = self._hass.async_create_task(
                self._write_loop(), f"{DOMAIN} write-ahead", eager_start=False
            )
        return self._next_write

    async def _write_loop(self) -> None:
        """Write, then fire what that write recorded; again while more came."""
        try:
            while (written := self._next_write) is not None:
                self._next_write = None
                facts, self._to_fire = self._to_fire, []
                if self._hass.is_stopping:
                    # `Store` writes only at its final write now: what fired
                    # meanwhile would not be on disk first. Kept for the next start.
                    self._unfired.extend(facts)
                    facts = []
                try:
                    data = self._data()
                    if data != self._written:
                        await self._store.async_save(data)
                        self._written = data
                        self.writes += 1
                        LOGGER.debug(
                            "Recorded; high-water mark %s", data["high_water_mark"]
                        )
                finally:
                    for fact in facts:
                        self._fire(fact)
                    written.set_result(None)
        finally:
            self._writer = None

    def _fire(self, fact: Fact) -> None:
        if isinstance(fact, InboundSms):
            self._on_sms(fact)
        else:
            self._on_status(fact)

    def _data(self) -> _StoredData:
        return {
            "high_water_mark": self.high_water_mark,
            "seen_messages": list(self._seen),
            "fired_statuses": list(self._fired_statuses),
            "unfired": [fact_to_record(fact) for fact in self._unfired],
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
            "held_until_started": len(self._unfired),
            "writes": self.writes,
        }
