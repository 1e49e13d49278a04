"""What the client remembers of the messages it sends, and how they go out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ..models import FINAL_SMS_STATUSES, SmsStatus, SmsStatusUpdate
from . import wire

TRACKING_TIMEOUT: Final = 2 * 86400.0
"""Seconds a sent message is followed (after its send time, if scheduled)."""
MAX_TRACKED: Final = 10_000
CUSTOMER_ID_LIMIT: Final = 2**31
"""`customerid` is an int: ours stay within 31 bits."""
STATUS_RANK: Final[Mapping[SmsStatus, int]] = {
    SmsStatus.QUEUED: 0,
    SmsStatus.SENDING: 1,
    SmsStatus.SENT: 2,
    SmsStatus.FAILED: 3,
    SmsStatus.DELIVERED: 3,
    SmsStatus.UNDELIVERED: 3,
}
"""A message's status only moves forward; reports that arrive late are ignored."""


@dataclass(kw_only=True)
class Sent:
    """One message sent by this client, followed until its status is final."""

    customer_id: int
    """Our reference (`customerid`): the message id Home Assistant sees."""
    number: str
    port: int
    delivery_report: bool
    created: float
    """`time.time()` when sent: the service stores it about then."""
    due: float | None = None
    """`time.time()` it is to be sent at, if scheduled later."""
    sms_id: int | None = None
    status: SmsStatus = SmsStatus.QUEUED

    @property
    def done(self) -> bool:
        """Tell whether nothing more is to be learned about it."""
        if self.status is SmsStatus.SENT:
            return not self.delivery_report
        return self.status in FINAL_SMS_STATUSES

    @property
    def follow_from(self) -> float:
        """When following it starts to count: its send time."""
        return max(self.created, self.due or 0.0)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON values for `export_state`."""
        return {
            "customer_id": self.customer_id,
            "number": self.number,
            "port": self.port,
            "delivery_report": self.delivery_report,
            "created": self.created,
            "due": self.due,
            "sms_id": self.sms_id,
            "status": self.status.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Sent:
        """Read what `as_dict` wrote; raises KeyError/ValueError/TypeError if off."""
        return cls(
            customer_id=int(data["customer_id"]),
            number=str(data["number"]),
            port=int(data["port"]),
            delivery_report=bool(data["delivery_report"]),
            created=float(data["created"]),
            due=None if data.get("due") is None else float(data["due"]),
            sms_id=None if data.get("sms_id") is None else int(data["sms_id"]),
            status=SmsStatus(data["status"]),
        )


@dataclass(frozen=True, kw_only=True)
class Outgoing:
    """One message of a send request, as it goes to the service."""

    number: str
    text: str
    port: int
    customer_id: int
    send_at: str | None
    urgent: bool

    def fields(self) -> dict[str, Any]:
        """Its fields in `addsms` and in `addalotofsms`' `smsdata` items."""
        device_id, slot = wire.split_port(self.port)
        fields: dict[str, Any] = {
            "sendto": self.number,
            "body": self.text,
            "device_id": device_id,
            "sim": slot,
            "customerid": self.customer_id,
        }
        if self.send_at is not None:
            fields["timetosend"] = self.send_at
        if self.urgent:
            fields["urgent"] = 1
        return fields


def apply_status(sent: Sent, code: int | None) -> SmsStatusUpdate | None:
    """Move a message's status forward by a status code; the update to fire, if any."""
    status = None if code is None else wire.STATUSES.get(code)
    if status is None or STATUS_RANK[status] <= STATUS_RANK[sent.status]:
        return None
    sent.status = status
    return SmsStatusUpdate(
        message_id=str(sent.customer_id),
        number=sent.number,
        port=sent.port,
        status=status,
        sequence=f"{sent.customer_id}|{status.value}",
    )


def forget_old(sent: dict[int, Sent], now: float) -> None:
    """Stop following what is final or too old, and the oldest beyond `MAX_TRACKED`."""
    for key in [
        key
        for key, message in sent.items()
        if message.done or now - message.follow_from > TRACKING_TIMEOUT
    ]:
        del sent[key]
    while len(sent) > MAX_TRACKED:
        del sent[next(iter(sent))]
