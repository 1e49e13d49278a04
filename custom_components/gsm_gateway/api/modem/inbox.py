"""The modem's store, read whole: messages joined, parts waiting, what to delete.

Every sweep reads all stored messages (`AT+CMGL=4`, TS 27.005 §3.4.2) and
turns them into whole messages. Nothing is deleted here: a message leaves
the modem only once the Home Assistant side has recorded it
(`ModemClient.confirm_inbox`), so a crash between the steps leaves it on the
modem, where the next sweep finds it again under the same id, which the
tracker recognises.

The parts of a long message stay on the modem until their message is
whole, so they survive a restart of Home Assistant where they are, in any
order. Only when their wait is recorded is it kept in the client's state
(`export_state`): a part that waits longer than `part_timeout` for its
siblings is delivered with `MISSING_PART_MARKER` where the others would be,
once; a sibling arriving after that comes on its own, marked likewise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import hashlib
import logging
from typing import Any

from ..models import InboundSms
from ..pdu import (
    MISSING_PART_MARKER,
    PduError,
    SmsDeliver,
    StatusReport,
    decode_pdu,
)
from .parse import StoredPdu

_LOGGER = logging.getLogger(__name__)

GIVEN_UP_KEPT = timedelta(days=7)
"""How long the ids of long messages delivered incomplete are remembered."""


@dataclass(kw_only=True)
class Sweep:
    """What one read of the store found."""

    messages: list[InboundSms] = field(default_factory=list)
    reports: list[tuple[int, StatusReport]] = field(default_factory=list)
    """Status reports the modem stored (some do), with their index."""
    junk: list[int] = field(default_factory=list)
    """Indexes of what cannot be read: deleted with the next confirmation."""


@dataclass(kw_only=True)
class _Part:
    index: int
    pdu: str
    message: SmsDeliver


def _digest(*pdus: str) -> str:
    return hashlib.sha256("|".join(pdus).upper().encode()).hexdigest()[:20]


class Inbox:
    """Joins stored parts into messages and remembers where each message lies."""

    def __init__(self, port: int, part_timeout: timedelta) -> None:
        self.port = port
        self.part_timeout = part_timeout
        self.locations: dict[str, tuple[int, ...]] = {}
        """Store indexes of each message handed out, until it is confirmed."""
        self.waiting_since: dict[str, datetime] = {}
        """Long messages with parts missing: since when their parts wait."""
        self.given_up: dict[str, datetime] = {}
        """Long messages delivered incomplete, to hand later parts on alone."""

    def read(self, stored: list[StoredPdu], now: datetime) -> Sweep:
        """Whole messages (and ones given up on), oldest first."""
        sweep = Sweep()
        groups: dict[str, dict[int, _Part]] = {}
        totals: dict[str, int] = {}
        for item in stored:
            try:
                decoded = decode_pdu(item.pdu)
            except PduError as err:
                _LOGGER.warning(
                    "Unreadable message %s in the modem's store (%s): %s",
                    item.index,
                    err,
                    item.pdu,
                )
                sweep.junk.append(item.index)
                continue
            if isinstance(decoded, StatusReport):
                sweep.reports.append((item.index, decoded))
                continue
            concat = decoded.concatenation
            if concat is None or concat.total <= 1:
                self._hand_out(
                    sweep, [_Part(index=item.index, pdu=item.pdu, message=decoded)]
                )
                continue
            key = f"{decoded.sender}|{concat.reference}|{concat.total}"
            groups.setdefault(key, {})[concat.index] = _Part(
                index=item.index, pdu=item.pdu, message=decoded
            )
            totals[key] = concat.total
        for key, parts in groups.items():
            total = totals[key]
            if len(parts) >= total or key in self.given_up:
                self.waiting_since.pop(key, None)
                self._hand_out(sweep, [parts[n] for n in sorted(parts)], total)
                continue
            since = self.waiting_since.setdefault(key, now)
            if now - since >= self.part_timeout:
                _LOGGER.info(
                    "Long message from %s still misses %s of %s parts: delivered as is",
                    parts[min(parts)].message.sender,
                    total - len(parts),
                    total,
                )
                del self.waiting_since[key]
                self.given_up[key] = now
                self._hand_out(sweep, [parts[n] for n in sorted(parts)], total)
        # A wait whose parts are gone (deleted elsewhere) is over.
        for key in [k for k in self.waiting_since if k not in groups]:
            del self.waiting_since[key]
        for key in [k for k, at in self.given_up.items() if now - at > GIVEN_UP_KEPT]:
            del self.given_up[key]
        sweep.messages.sort(key=lambda message: message.timestamp)
        return sweep

    def _hand_out(self, sweep: Sweep, parts: list[_Part], total: int = 1) -> None:
        first = parts[0].message
        if total > 1:
            by_number = {
                part.message.concatenation.index: part.message.text
                for part in parts
                if part.message.concatenation is not None
            }
            text = "".join(
                by_number.get(number, MISSING_PART_MARKER)
                for number in range(1, total + 1)
            )
        else:
            text = first.text
        message_id = _digest(*(part.pdu for part in parts))
        self.locations[message_id] = tuple(part.index for part in parts)
        sweep.messages.append(
            InboundSms(
                message_id=message_id,
                port=self.port,
                sender=first.sender,
                text=text,
                timestamp=min(part.message.timestamp for part in parts),
                smsc=first.smsc,
            )
        )

    def take(self, message_ids: list[str] | tuple[str, ...] | set[str]) -> list[int]:
        """Store indexes of confirmed messages, forgotten here from now on."""
        indexes: list[int] = []
        for message_id in message_ids:
            indexes.extend(self.locations.pop(message_id, ()))
        return indexes

    def export(self) -> dict[str, Any]:
        """The waits and give-ups, as JSON."""
        return {
            "waiting_since": {k: v.isoformat() for k, v in self.waiting_since.items()},
            "given_up": {k: v.isoformat() for k, v in self.given_up.items()},
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Take back what `export` gave; unreadable entries are skipped."""
        for name, target in (
            ("waiting_since", self.waiting_since),
            ("given_up", self.given_up),
        ):
            values = state.get(name)
            if not isinstance(values, Mapping):
                continue
            for key, value in values.items():
                try:
                    target[str(key)] = datetime.fromisoformat(str(value))
                except ValueError:
                    continue
