"""SimFolder's records as typed models, and how list answers and notifications read.

The vendor values mapped here (SIM states -3..6, send statuses 0/1/2) are
documented; field names come from `simfolder_wire`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
import hashlib
import logging
from typing import Any, Final

from .. import simfolder_wire as wire
from ..errors import (
    GatewayAuthError,
    GatewayBadRequestError,
    GatewayBusyError,
    GatewayError,
    GatewayRefusedError,
)
from ..models import (
    CallEventState,
    InboundSms,
    RecordKind,
    Registration,
    SmsStatus,
    SubDevice,
)
from ..simfolder_wire import Field

_LOGGER = logging.getLogger(__name__)

MANUFACTURER: Final = "SimFolder"
LIST_LIMIT: Final = 500
"""Records asked for per list request; the rest come with the next poll."""
MAX_REMEMBERED: Final = 500
"""Pushed USSD replies and calls remembered until a poll lists them."""

REGISTRATION: Final[Mapping[int, Registration]] = {
    -3: Registration.POWER_OFF,
    -1: Registration.SEARCHING,
    0: Registration.NOT_REGISTERED,
    1: Registration.REGISTERED,
    2: Registration.SEARCHING,
    3: Registration.DENIED,
    4: Registration.DENIED,
    5: Registration.ROAMING,
    6: Registration.NO_SIM,
}
"""Documented simStatus `state` -> registration (SPEC §3); others are unknown."""

SEND_STATUS: Final[Mapping[int, SmsStatus]] = {
    0: SmsStatus.FAILED,
    1: SmsStatus.SENT,
    2: SmsStatus.DELIVERED,
}
"""Documented smsSended `status`; in smsOutgoingList no status yet is `sending`."""

RANK: Final[Mapping[SmsStatus, int]] = {
    SmsStatus.QUEUED: 0,
    SmsStatus.SENDING: 1,
    SmsStatus.SENT: 2,
    SmsStatus.FAILED: 3,
    SmsStatus.DELIVERED: 3,
    SmsStatus.UNDELIVERED: 3,
}

CALL_NOTIFICATIONS: Final[Mapping[str, tuple[CallEventState, Field]]] = {
    "callIncoming": (CallEventState.INCOMING, Field.INCOMING),
    "callBegin": (CallEventState.ANSWERED, Field.INCOMING),
    "callEnd": (CallEventState.ENDED, Field.INCOMING),
    "callOutgoing": (CallEventState.OUTGOING, Field.OUTGOING),
}
"""Documented call notifications -> call event and the field with the other number."""

DELETE_METHODS: Final[Mapping[RecordKind, str]] = {
    RecordKind.SMS_RECEIVED: "smsDelete",
    RecordKind.SMS_SENT: "smsOutgoingDelete",
    RecordKind.USSD: "ussdDelete",
    RecordKind.CALLS_RECEIVED: "callDelete",
    RecordKind.CALLS_MADE: "callOutgoingDelete",
}


def port_key(card_id: int) -> str:
    """The stable key of a SIM card's port."""
    return f"card_{card_id}"


def device_key(device_id: int) -> str:
    """The stable key of an aggregator's sub-device."""
    return f"aggregator_{device_id}"


# --- typed records ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Aggregator:
    """An aggregator (with or without a SIM bank) of the account."""

    device_id: int
    title: str | None
    online: bool | None
    model: str | None = None
    version: str | None = None


@dataclass(frozen=True, kw_only=True)
class SimCard:
    """A SIM card of the account, in a modem or waiting in a SIM bank."""

    card_id: int
    device_id: int | None
    number: str | None
    name: str | None
    state: int | None
    signal_dbm: int | None = None
    operator_id: int | None = None
    imsi: str | None = None
    iccid: str | None = None
    modem: int | None = None

    @property
    def registration(self) -> Registration:
        """The SPEC state of this card's network registration."""
        return (
            REGISTRATION.get(self.state, Registration.UNKNOWN)
            if (self.state is not None)
            else Registration.UNKNOWN
        )


@dataclass(frozen=True, kw_only=True)
class Operator:
    """A mobile operator record."""

    operator_id: int
    title: str | None


@dataclass(frozen=True, kw_only=True)
class Record:
    """One row of the lists: SMS in and out, USSD replies, calls, AT replies."""

    id: int | None
    card_id: int | None
    time: datetime | None
    text: str | None = None
    number: str | None = None
    """The other party: sender, addressee, caller or number called."""
    status: int | None = None
    duration: int | None = None
    command: str | None = None
    raw_time: str | None = None


@dataclass(frozen=True, kw_only=True)
class NotificationSettings:
    """What `settingsGet` says: the URL and which notifications are on."""

    url: str | None
    kinds: dict[str, bool]
    account: str | None = None


@dataclass(kw_only=True)
class Sent:
    """One followed outgoing message."""

    message_id: str
    card_id: int
    to: str
    status: SmsStatus
    created: float
    listed: bool
    """Whether its id is SimFolder's (so smsOutgoingList can name it)."""


# --- reading records -----------------------------------------------------------------


def api_error(method: str, err: wire.WireError) -> GatewayError:
    """Map an error answer onto the shared errors."""
    reason = f"{method}: {err.message}"
    if err.kind is wire.ErrorKind.AUTH:
        return GatewayAuthError("SimFolder refused the API key")
    if err.kind is wire.ErrorKind.RATE_LIMIT:
        return GatewayBusyError("SimFolder's rate limit: try again later", err.code)
    return GatewayRefusedError(reason, err.code)


def checked_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Fields a user edits, checked: names are text, values plain."""
    checked: dict[str, Any] = {}
    for name, value in fields.items():
        if not isinstance(value, str | int | float | bool) or not str(name).strip():
            raise GatewayBadRequestError(f"field {name!r}: {value!r} is not plain")
        checked[str(name).strip()] = value
    if not checked:
        raise GatewayBadRequestError("no field to change")
    return checked


def read_aggregator(record: Mapping[Field, Any]) -> Aggregator | None:
    """An aggregator from a deviceList record."""
    device_id = to_int(record.get(Field.DEVICE))
    if device_id is None:
        return None
    return Aggregator(
        device_id=device_id,
        title=to_text(record.get(Field.DEVICE_TITLE))
        or to_text(record.get(Field.NAME)),
        online=read_online(record.get(Field.STATE)),
        model=to_text(record.get(Field.MODEL)),
        version=to_text(record.get(Field.VERSION)),
    )


def read_card(record: Mapping[Field, Any]) -> SimCard | None:
    """A SIM card from a cardList or deviceState record."""
    card_id = to_int(record.get(Field.CARD))
    if card_id is None:
        return None
    return SimCard(
        card_id=card_id,
        device_id=to_int(record.get(Field.DEVICE)),
        number=to_text(record.get(Field.NUMBER)),
        name=to_text(record.get(Field.NAME)),
        state=to_int(record.get(Field.STATE)),
        signal_dbm=read_dbm(record.get(Field.SIGNAL)),
        operator_id=to_int(record.get(Field.OPERATOR)),
        imsi=to_text(record.get(Field.IMSI)),
        iccid=to_text(record.get(Field.ICCID)),
        modem=to_int(record.get(Field.MODEM)),
    )


def sub_device(aggregator: Aggregator) -> SubDevice:
    """The sub-device an aggregator is in our models."""
    return SubDevice(
        key=device_key(aggregator.device_id),
        name=aggregator.title or f"Aggregator {aggregator.device_id}",
        manufacturer=MANUFACTURER,
        model=aggregator.model or "SIM aggregator",
        firmware=aggregator.version,
        serial_number=str(aggregator.device_id),
        online=aggregator.online,
        extra={"device_id": aggregator.device_id},
    )


def read_record(item: Mapping[Field, Any], other: Field) -> Record:
    """A row of a list; `other` is the field naming the other party."""
    raw_time = to_text(item.get(Field.TIME))
    return Record(
        id=to_int(item.get(Field.ID)),
        card_id=to_int(item.get(Field.CARD)),
        time=wire.parse_time(item.get(Field.TIME)),
        text=None if item.get(Field.TEXT) is None else str(item.get(Field.TEXT)),
        number=to_text(item.get(other)),
        status=to_int(item.get(Field.STATUS)),
        duration=to_int(item.get(Field.DURATION)),
        command=to_text(item.get(Field.COMMAND)),
        raw_time=raw_time,
    )


def inbound(record: Record) -> InboundSms:
    """A received SMS; its id is a digest, so notification and list agree."""
    when = record.time.isoformat() if record.time else (record.raw_time or "")
    digest = hashlib.sha256(
        f"{record.card_id}|{record.number}|{when}|{record.text}".encode()
    ).hexdigest()[:20]
    return InboundSms(
        message_id=digest,
        port=record.card_id,
        sender=record.number or "",
        text=record.text or "",
        timestamp=record.time or datetime.now(UTC),
        sequence=record.id,
    )


def ussd_digest(record: Record) -> str:
    """What recognises a USSD reply seen by notification and by list."""
    return f"ussd|{record.card_id}|{record.text}"


def call_digest(card_id: int | None, number: str | None, when: datetime | None) -> str:
    """What recognises a call seen by notification and by list."""
    return f"call|{card_id}|{number}|{when.isoformat() if when else ''}"


def top_id(records: Sequence[Record], mark: int | None) -> int | None:
    """The highest id of `records` and `mark`."""
    ids = [r.id for r in records if r.id is not None]
    if mark is not None:
        ids.append(mark)
    return max(ids, default=0 if mark is None else mark)


def read_online(value: Any) -> bool | None:
    """Read an online/offline value."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in wire.DEVICE_ONLINE:
            return wire.DEVICE_ONLINE[text]
        if text in ("1", "0"):
            return text == "1"
    return None


def read_dbm(value: Any) -> int | None:
    """Signal as dBm: negative values are dBm, 0..31 CSQ, 99 unknown."""
    level = to_int(value)
    if level is None or level == 99:
        return None
    if level < 0:
        return level
    if level <= 31:
        return -113 + 2 * level
    return None


def same_number(first: str, second: str) -> bool:
    """Tell whether two numbers are the same, formatting aside."""

    def digits(number: str) -> str:
        return "".join(ch for ch in number if ch.isdigit()).removeprefix("00")

    return digits(first) == digits(second)


def to_text(value: Any) -> str | None:
    """A stripped text, None for empty."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def to_int(value: Any) -> int | None:
    """An integer from an int or a string of digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
    return None
