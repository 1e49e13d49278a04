"""The messages an OpenVox client sent, followed until their fate is known.

Neither the outbox nor a delivery report names the message it is about as
we know it: outbox records carry span name, number, text and time; result
pushes the firmware's `id`; reports only number and port. This log matches
each of them to one of our sends and tells each status of it once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
import time
from typing import Any, Final

from ..models import FINAL_SMS_STATUSES, SmsStatus, SmsStatusUpdate
from .wire import same_number

REPORT_WAIT: Final = 3600.0
"""How long (s) a sent message waits for its delivery report."""
TRACKING_TIMEOUT: Final = 2 * 86400.0
MAX_TRACKED: Final = 10_000

_RANK: Final[Mapping[SmsStatus, int]] = {
    SmsStatus.QUEUED: 0,
    SmsStatus.SENDING: 1,
    SmsStatus.SENT: 2,
    SmsStatus.FAILED: 3,
    SmsStatus.DELIVERED: 3,
    SmsStatus.UNDELIVERED: 3,
}


@dataclass(kw_only=True)
class FollowedSend:
    """One number of a send request."""

    message_id: str
    number: str
    span: int
    text: str
    created: float
    """Wall clock (epoch seconds) when it was sent."""
    delivery_report: bool
    gateway_id: str | None = None
    status: SmsStatus = SmsStatus.QUEUED
    status_time: float = 0.0
    outbox_time: str | None = None
    """The outbox record found for it, once matched (its `time`)."""

    @property
    def done(self) -> bool:
        """Nothing more to learn: final, reported, or waited for long enough."""
        if self.status in FINAL_SMS_STATUSES:
            return True
        if self.status is SmsStatus.SENT:
            return (
                not self.delivery_report or time.time() - self.status_time > REPORT_WAIT
            )
        return time.time() - self.created > TRACKING_TIMEOUT

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON values, to keep across restarts."""
        return {
            "message_id": self.message_id,
            "number": self.number,
            "span": self.span,
            "text": self.text,
            "created": self.created,
            "delivery_report": self.delivery_report,
            "gateway_id": self.gateway_id,
            "status": self.status.value,
            "status_time": self.status_time,
            "outbox_time": self.outbox_time,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FollowedSend:
        """Read what `as_dict` wrote; raises on anything else."""
        return cls(
            message_id=str(data["message_id"]),
            number=str(data["number"]),
            span=int(data["span"]),
            text=str(data["text"]),
            created=float(data["created"]),
            delivery_report=bool(data["delivery_report"]),
            gateway_id=data.get("gateway_id"),
            status=SmsStatus(data["status"]),
            status_time=float(data.get("status_time", 0.0)),
            outbox_time=data.get("outbox_time"),
        )


class SendLog:
    """Our sends by message id, oldest first."""

    def __init__(self) -> None:
        self._sends: dict[str, FollowedSend] = {}

    def add(self, send: FollowedSend) -> None:
        """Follow a new send."""
        self.forget_old()
        self._sends[send.message_id] = send

    def waiting(self) -> list[FollowedSend]:
        """The sends that may still learn something."""
        self.forget_old()
        return [send for send in self._sends.values() if not send.done]

    def export(self) -> list[dict[str, Any]]:
        """Every send still kept, as JSON values."""
        self.forget_old()
        return [send.as_dict() for send in self._sends.values()]

    def restore(self, items: Iterable[Any]) -> None:
        """Follow again what an earlier client exported; unreadable items are skipped."""
        for item in items:
            try:
                send = FollowedSend.from_dict(item)
            except KeyError, ValueError, TypeError:
                continue
            self._sends.setdefault(send.message_id, send)
        self.forget_old()

    def forget_old(self) -> None:
        """Drop sends that are done and old, and the oldest beyond the limit."""
        now = time.time()
        for key in [
            key
            for key, send in self._sends.items()
            if send.done and now - send.created > TRACKING_TIMEOUT
        ]:
            del self._sends[key]
        while len(self._sends) > MAX_TRACKED:
            del self._sends[next(iter(self._sends))]

    def match_record(
        self, span: int, number: str, text: Any, record_time: str | None
    ) -> FollowedSend | None:
        """The send an outbox record is about.

        The one matched to this record before, else the oldest unmatched send
        of that span, number and text.
        """
        candidates = [
            send
            for send in self._sends.values()
            if send.span == span
            and same_number(send.number, number)
            and (not isinstance(text, str) or text == send.text)
        ]
        for send in candidates:
            if record_time is not None and send.outbox_time == record_time:
                return send
        for send in sorted(candidates, key=lambda s: s.created):
            if send.outbox_time is None:
                send.outbox_time = record_time
                return send
        return None

    def apply_push(
        self,
        *,
        span: int,
        number: str,
        status: SmsStatus,
        gateway_id: str | None,
        timestamp: datetime | None,
        raw_time: str | None,
    ) -> list[SmsStatusUpdate]:
        """The facts a result or report push tells; a stranger's is told as is.

        Matched by the firmware's id where the push has one, else to the
        oldest send of that span and number awaiting this kind of news.
        """
        candidates = [
            send
            for send in self._sends.values()
            if send.span == span and same_number(send.number, number)
        ]
        send = next(
            (s for s in candidates if gateway_id and s.gateway_id == gateway_id), None
        )
        if send is None:
            wanted = (
                (SmsStatus.SENT,)
                if status in (SmsStatus.DELIVERED, SmsStatus.UNDELIVERED)
                else (SmsStatus.QUEUED, SmsStatus.SENDING)
            )
            send = next(
                (
                    s
                    for s in sorted(candidates, key=lambda s: s.created)
                    if s.status in wanted
                ),
                None,
            )
        if send is None and any(s.status is status for s in candidates):
            # A push the gateway repeated, for a send of ours already told.
            return []
        if send is None:
            # Sent from the web UI or another program: still a fact worth an
            # event, with the gateway's id where it has one.
            return [
                SmsStatusUpdate(
                    message_id=gateway_id,
                    number=number,
                    port=span,
                    status=status,
                    timestamp=timestamp,
                    sequence=f"push|{gateway_id}|{number}|{span}|{status}|{raw_time}",
                )
            ]
        if gateway_id and send.gateway_id is None:
            send.gateway_id = gateway_id
        return update(send, status)


def update(send: FollowedSend, status: SmsStatus) -> list[SmsStatusUpdate]:
    """Apply a status; return the facts it tells that were not told yet.

    A report found for a message whose result was missed tells both: a
    message delivered (or not) to a handset was sent.
    """
    if _RANK[status] <= _RANK[send.status]:
        return []
    steps = [status]
    if (
        status in (SmsStatus.DELIVERED, SmsStatus.UNDELIVERED)
        and _RANK[send.status] < _RANK[SmsStatus.SENT]
    ):
        steps.insert(0, SmsStatus.SENT)
    send.status = status
    send.status_time = time.time()
    return [
        SmsStatusUpdate(
            message_id=send.message_id,
            number=send.number,
            port=send.span,
            status=step,
            timestamp=datetime.now(UTC),
            sequence=f"{send.message_id}|{step.value}",
        )
        for step in steps
    ]
