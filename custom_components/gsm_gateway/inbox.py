"""The inbox (SPEC §11): the messages of one entry, received and sent, with their status.

Kept in the entry's own `Store` (`gsm_gateway.<entry_id>.inbox`), apart from
the write-ahead record of `messages.py`: that record decides what fires and
must be on disk first; the inbox is what people read, written shortly after.
A row is added when its fact fires (an SMS received, whatever brought it:
push, poll, backfill) and when Home Assistant sends; status facts fold into
the sent row they belong to, never back from a final status.

Writes are batched: a change schedules one write `WRITE_DELAY` seconds
later and changes meanwhile join it, so a burst of 1,000 messages costs one
or two writes of the whole (bounded) log, not 1,000, and a steady trickle
still reaches the disk within `WRITE_DELAY`. A hard kill in that window
loses those rows from the inbox (never an event: the write-ahead record has
them). The JSON of at most `max_messages` rows is built in the loop (a few
milliseconds for 1,000) and written atomically in the executor.

Rows are kept in the order they reached Home Assistant: a gateway's clock
that is a few minutes off must not put a reply before the message it
answers. Bounds (count, age) drop the oldest rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import re
from typing import Any, NotRequired, TypedDict

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import InboundSms, SendResult, SmsStatus, SmsStatusUpdate
from .const import DOMAIN, LOGGER, STORAGE_VERSION

DEFAULT_MAX_MESSAGES = 1000
DEFAULT_MAX_DAYS = 90
WRITE_DELAY = 1.0
"""Seconds between the first unsaved change and its write."""

SIGNAL_INBOX_UPDATED = f"{DOMAIN}_inbox_updated"
"""Dispatcher signal, with the entry id, once per change (a burst: once)."""

RECEIVED = "received"
SENT = "sent"

_STATUS_RANK = {
    SmsStatus.QUEUED: 0,
    SmsStatus.SENDING: 1,
    SmsStatus.SENT: 2,
    SmsStatus.FAILED: 3,
    SmsStatus.DELIVERED: 3,
    SmsStatus.UNDELIVERED: 3,
}
"""A status only replaces a lower one: a late `sent` never undoes `delivered`."""

_NUMBER_NOISE = re.compile(r"[\s\-().]")


def normalize_number(number: str) -> str:
    """A number in the form conversations are grouped and filtered by.

    Spaces, dashes, dots and brackets go; `00` is `+`. Text senders
    ("Vodafone") are kept as they are, lower-cased.
    """
    compact = _NUMBER_NOISE.sub("", number)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    return compact.lower()


def inbox_store_key(entry_id: str) -> str:
    """The `Store` key of an entry's inbox."""
    return f"{DOMAIN}.{entry_id}.inbox"


class _StoredRow(TypedDict):
    id: int
    direction: str
    number: str
    text: str
    timestamp: str
    added: str
    port: int | None
    status: str | None
    message_id: str | None
    read: bool
    name: NotRequired[str | None]
    outbox_id: NotRequired[str | None]


class _StoredData(TypedDict):
    next_id: int
    messages: list[_StoredRow]


@dataclass(kw_only=True, slots=True)
class InboxMessage:
    """One row of the inbox."""

    id: int
    """The inbox's own id, increasing; unique within the entry."""
    direction: str
    number: str
    text: str
    timestamp: datetime
    """When the gateway received it, or when Home Assistant sent it."""
    added: datetime
    """When it reached the inbox: the order of rows and their age."""
    port: int | None = None
    status: SmsStatus | None = None
    message_id: str | None = None
    read: bool = True
    name: str | None = None
    outbox_id: str | None = None
    """While the entry's outbox holds the message (SPEC §7): its id there."""
    key: str = field(init=False)
    """The number as conversations group it."""

    def __post_init__(self) -> None:
        self.key = normalize_number(self.number)

    def to_store(self) -> _StoredRow:
        """The row as JSON."""
        return {
            "id": self.id,
            "direction": self.direction,
            "number": self.number,
            "name": self.name,
            "text": self.text,
            "timestamp": self.timestamp.isoformat(),
            "added": self.added.isoformat(),
            "port": self.port,
            "status": None if self.status is None else self.status.value,
            "message_id": self.message_id,
            "read": self.read,
            "outbox_id": self.outbox_id,
        }

    @classmethod
    def from_store(cls, row: _StoredRow) -> InboxMessage:
        """Read back what `to_store` wrote."""
        return cls(
            id=row["id"],
            direction=row["direction"],
            number=row["number"],
            name=row.get("name"),
            text=row["text"],
            timestamp=datetime.fromisoformat(row["timestamp"]),
            added=datetime.fromisoformat(row["added"]),
            port=row["port"],
            status=None if row["status"] is None else SmsStatus(row["status"]),
            message_id=row["message_id"],
            read=row["read"],
            outbox_id=row.get("outbox_id"),
        )


@dataclass(kw_only=True, slots=True)
class Conversation:
    """The messages with one number, newest last."""

    key: str
    messages: list[InboxMessage]

    @property
    def last(self) -> InboxMessage:
        """The newest message."""
        return self.messages[-1]


class Inbox:
    """The inbox of one entry: rows in arrival order, bounded, saved in batches."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        *,
        max_messages: int = DEFAULT_MAX_MESSAGES,
        max_days: int = DEFAULT_MAX_DAYS,
        name_for: Callable[[str], str | None] = lambda _number: None,
    ) -> None:
        self._hass = hass
        self._entry_id = entry_id
        self._store: Store[_StoredData] = Store(
            hass, STORAGE_VERSION, inbox_store_key(entry_id), atomic_writes=True
        )
        self.max_messages = max_messages
        self.max_age = timedelta(days=max_days)
        self._name_for = name_for
        """The contact name of a number Home Assistant sends to (SPEC §12)."""
        self._rows: list[InboxMessage] = []
        self._sent: dict[str, InboxMessage] = {}
        """Sent rows by the gateway's message id, for their status facts."""
        self._next_id = 1
        self._save_scheduled = False
        self._notify_scheduled = False
        self._listeners: list[CALLBACK_TYPE] = []
        self.writes = 0
        """Writes scheduled since loading (for the bench and tests)."""

    async def async_load(self) -> None:
        """Read the rows kept before; drop what the bounds no longer allow."""
        data = await self._store.async_load()
        if data is None:
            return
        self._next_id = data["next_id"]
        for index, row in enumerate(data["messages"]):
            try:
                message = InboxMessage.from_store(row)
            except KeyError, TypeError, ValueError:
                # Where it was only: a message's text stays out of the log.
                LOGGER.debug("Inbox row %d not understood, dropped", index)
                continue
            self._append(message)
        if self._prune():
            self._schedule_save()

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` once per change, a burst of changes counting as one."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def unread(self) -> int:
        """Received messages not read yet."""
        return sum(1 for row in self._rows if not row.read)

    @callback
    def async_received(self, message: InboundSms, name: str | None = None) -> None:
        """Add an SMS that fired `sms_received` (fired once: added once)."""
        self._add(
            direction=RECEIVED,
            number=message.sender,
            name=name,
            text=message.text,
            timestamp=message.timestamp,
            port=message.port,
            message_id=message.message_id,
            read=False,
        )

    @callback
    def async_sent(
        self,
        *,
        number: str,
        text: str,
        port: int | None,
        message_id: str | None,
        status: SmsStatus,
        name: str | None = None,
        outbox_id: str | None = None,
    ) -> None:
        """Add a message Home Assistant sent (or queued)."""
        self._add(
            direction=SENT,
            number=number,
            name=name,
            text=text,
            timestamp=dt_util.now(),
            port=port,
            message_id=message_id,
            status=status,
            outbox_id=outbox_id,
        )

    @callback
    def async_send_result(
        self, text: str, result: SendResult, *, outbox_id: str | None = None
    ) -> None:
        """Add the messages of one send, one row per number.

        `outbox_id`: the outbox holds the message (queued, no id yet).
        """
        for message in result.messages:
            self.async_sent(
                number=message.number,
                text=text,
                port=message.port,
                message_id=message.message_id,
                status=message.status,
                name=self._name_for(message.number),
                outbox_id=outbox_id,
            )

    @callback
    def async_take_queued(self, outbox_id: str) -> bool:
        """Drop the rows of a message the outbox held; True if there were any."""
        kept = [row for row in self._rows if row.outbox_id != outbox_id]
        if len(kept) == len(self._rows):
            return False
        self._rows = kept
        self._changed()
        return True

    @callback
    def async_status(self, update: SmsStatusUpdate) -> None:
        """Fold a status fact into the sent row it belongs to."""
        if (row := self._row_of(update)) is None:
            return
        if row.status is not None and (
            _STATUS_RANK[update.status] <= _STATUS_RANK[row.status]
        ):
            return
        row.status = update.status
        if update.port is not None and row.port is None:
            row.port = update.port
        self._changed()

    def _row_of(self, update: SmsStatusUpdate) -> InboxMessage | None:
        """The sent row a status is about: by the gateway's id, or the outbox's.

        The outbox's own facts (a message it gave up on) carry no gateway id
        but the sequence `outbox|<its id>|<number>|<status>` (outbox.py).
        """
        if update.message_id:
            return self._sent.get(update.message_id)
        if update.sequence is None or not update.sequence.startswith("outbox|"):
            return None
        _kind, outbox_id, number, _status = update.sequence.split("|", 3)
        return next(
            (
                row
                for row in self._rows
                if row.outbox_id == outbox_id and row.number == number
            ),
            None,
        )

    @callback
    def async_mark_read(
        self,
        *,
        message_ids: Iterable[str] | None = None,
        numbers: Iterable[str] | None = None,
        ports: Iterable[int] | None = None,
    ) -> int:
        """Mark received messages read (all, or those named); return how many."""
        ids = None if message_ids is None else set(message_ids)
        keys = None if numbers is None else {normalize_number(n) for n in numbers}
        on_ports = None if ports is None else set(ports)
        marked = 0
        for row in self._rows:
            if row.read:
                continue
            if ids is not None and row.message_id not in ids:
                continue
            if keys is not None and row.key not in keys:
                continue
            if on_ports is not None and row.port not in on_ports:
                continue
            row.read = True
            marked += 1
        if marked:
            self._changed()
        return marked

    def select(
        self,
        *,
        direction: str | None = None,
        number: str | None = None,
        since: datetime | None = None,
        ports: Iterable[int] | None = None,
    ) -> Iterator[InboxMessage]:
        """Rows that match, newest first."""
        key = None if number is None else normalize_number(number)
        on_ports = None if ports is None else set(ports)
        for row in reversed(self._rows):
            if since is not None and row.timestamp < since:
                continue
            if direction is not None and row.direction != direction:
                continue
            if key is not None and row.key != key:
                continue
            if on_ports is not None and row.port not in on_ports:
                continue
            yield row

    def conversations(self, ports: Iterable[int] | None = None) -> list[Conversation]:
        """Messages grouped by number, the most recently active first."""
        grouped: dict[str, list[InboxMessage]] = {}
        on_ports = None if ports is None else set(ports)
        for row in self._rows:
            if on_ports is None or row.port in on_ports:
                grouped.setdefault(row.key, []).append(row)
        conversations = [
            Conversation(key=key, messages=rows) for key, rows in grouped.items()
        ]
        conversations.sort(key=lambda c: c.last.id, reverse=True)
        return conversations

    @callback
    def async_prune(self) -> None:
        """Drop what has grown older than the age bound (called on each poll)."""
        if self._prune():
            self._changed()

    def _add(self, **fields: Any) -> InboxMessage:
        row = InboxMessage(id=self._next_id, added=dt_util.utcnow(), **fields)
        self._next_id += 1
        self._append(row)
        self._prune()
        self._changed()
        return row

    def _append(self, row: InboxMessage) -> None:
        self._rows.append(row)
        if row.direction == SENT and row.message_id:
            self._sent[row.message_id] = row

    def _prune(self) -> bool:
        """Drop the oldest rows beyond the count or past the age; True if any."""
        cutoff = dt_util.utcnow() - self.max_age
        drop = 0
        while drop < len(self._rows) and (
            len(self._rows) - drop > self.max_messages
            or self._rows[drop].added < cutoff
        ):
            drop += 1
        if not drop:
            return False
        for row in self._rows[:drop]:
            if row.message_id and self._sent.get(row.message_id) is row:
                del self._sent[row.message_id]
        del self._rows[:drop]
        return True

    def _changed(self) -> None:
        self._schedule_save()
        if not self._notify_scheduled:
            self._notify_scheduled = True
            self._hass.loop.call_soon(self._notify)

    @callback
    def _notify(self) -> None:
        self._notify_scheduled = False
        for listener in list(self._listeners):
            listener()
        async_dispatcher_send(self._hass, SIGNAL_INBOX_UPDATED, self._entry_id)

    def _schedule_save(self) -> None:
        """One write for all changes until it runs; never postponed by more."""
        if self._save_scheduled:
            return
        self._save_scheduled = True
        self.writes += 1
        self._store.async_delay_save(self._data_to_save, WRITE_DELAY)

    @callback
    def _data_to_save(self) -> _StoredData:
        """Called in the loop by `Store` as it writes: the rows as they are now."""
        self._save_scheduled = False
        return {
            "next_id": self._next_id,
            "messages": [row.to_store() for row in self._rows],
        }

    async def async_flush(self) -> None:
        """Write now what waits for its delayed write (unloading)."""
        if self._save_scheduled:
            await self._store.async_save(self._data_to_save())


async def async_remove_inbox(hass: HomeAssistant, entry_id: str) -> None:
    """Delete a removed entry's inbox from disk."""
    await Store[dict[str, Any]](
        hass, STORAGE_VERSION, inbox_store_key(entry_id)
    ).async_remove()


@callback
def async_outbox_sent(
    hass: HomeAssistant,
    outbox_id: str,
    text: str,
    inbox: Inbox,
    result: SendResult,
) -> None:
    """A message the outbox held was taken by a gateway: its rows are now that send.

    The queued rows (in the inbox of the entry that kept it) go; the send's
    rows join the inbox of the gateway that took it, with the gateway's ids,
    so that its reports fold into them.
    """
    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        entry.runtime_data.coordinator.inbox.async_take_queued(outbox_id)
    inbox.async_send_result(text, result)
