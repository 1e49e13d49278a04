"""Messages a modem sent, followed until their delivery reports tell.

`+CMGS` answers each part with its message reference (TP-MR, 0..255, the
modem's counter); a status report (`+CDS`, TS 23.040 §9.2.2.3) names the
reference it is about. A long message is delivered once every part is, and
undelivered as soon as one part failed for good. Kept across restarts in the
client's state: reports may come hours later.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..models import SmsStatus, SmsStatusUpdate
from ..pdu import StatusReport

FOLLOWED_SENDS = 200
"""Sent messages whose delivery reports are still matched (the references
wrap at 256, so older ones could not be told apart anyway)."""


class Sends:
    """The ids of sent messages, their numbers and their parts' references."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.next_reference = 0
        """The concatenation reference (0..255) of the next long message."""
        self.next_message = 1
        self._sent: dict[str, dict[str, Any]] = {}
        self._by_reference: dict[int, str] = {}

    def take_reference(self) -> int:
        """A new concatenation reference for the parts of one message."""
        reference = self.next_reference
        self.next_reference = (reference + 1) % 256
        return reference

    def take_message_id(self) -> str:
        """The id `send_sms` answers for one number's message."""
        message_id = str(self.next_message)
        self.next_message += 1
        return message_id

    def follow(self, message_id: str, number: str, references: list[int]) -> None:
        """Wait for the reports of the parts sent with these references."""
        self._sent[message_id] = {
            "number": number,
            "parts": {str(reference): None for reference in references},
        }
        for reference in references:
            self._by_reference[reference] = message_id
        while len(self._sent) > FOLLOWED_SENDS:
            self._forget(next(iter(self._sent)))

    def report(self, report: StatusReport) -> SmsStatusUpdate | None:
        """The status of the message a report is about, once all its parts tell."""
        message_id = self._by_reference.get(report.reference)
        sent = self._sent.get(message_id or "")
        if message_id is None or sent is None or not report.final:
            return None
        parts: dict[str, bool | None] = sent["parts"]
        parts[str(report.reference)] = report.delivered
        if any(value is False for value in parts.values()):
            status = SmsStatus.UNDELIVERED
        elif all(value is True for value in parts.values()):
            status = SmsStatus.DELIVERED
        else:
            return None
        self._forget(message_id)
        return SmsStatusUpdate(
            message_id=message_id,
            number=sent["number"],
            port=self.port,
            status=status,
            timestamp=report.discharged,
            sequence=f"modem|{message_id}|{status.value}",
        )

    def _forget(self, message_id: str) -> None:
        self._sent.pop(message_id, None)
        for reference in [r for r, m in self._by_reference.items() if m == message_id]:
            del self._by_reference[reference]

    def export(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "sent": self._sent,
            "next_reference": self.next_reference,
            "next_message": self.next_message,
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Take back what `export` gave; unreadable entries are skipped."""
        sent = state.get("sent")
        if isinstance(sent, Mapping):
            for message_id, value in sent.items():
                if not (
                    isinstance(value, Mapping)
                    and isinstance(value.get("parts"), Mapping)
                ):
                    continue
                self._sent[str(message_id)] = {
                    "number": str(value.get("number", "")),
                    "parts": dict(value["parts"]),
                }
                for reference in value["parts"]:
                    if str(reference).isdigit():
                        self._by_reference[int(reference)] = str(message_id)
        if isinstance(value := state.get("next_reference"), int):
            self.next_reference = value % 256
        if isinstance(value := state.get("next_message"), int):
            self.next_message = value
