"""What SmsGateway24's answers and webhooks look like on the wire, read into plain values.

Written against `smsgateway24-api.en.md` (from the vendor's Ukrainian page)
and the vendor's answers pasted from its live service
(`captures/smsgateway24.json`); where the two differ the captures win and the
difference is written next to the code that handles it. Values are read
leniently: the live service sends ints as strings, booleans where the
document has ints, `null` and the string `"null"`, and spaces around numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
import re
from typing import Any, Final
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import GatewayResponseError, PushError
from ..lenient_json import loads
from ..models import SmsStatus

STATUS_INCOMING: Final = 5
"""`status` of a received SMS in `getallsms` (all others are outgoing)."""

STATUSES: Final[Mapping[int, SmsStatus]] = {
    1: SmsStatus.QUEUED,  # waiting on the server
    2: SmsStatus.SENDING,  # taken by the phone
    3: SmsStatus.SENDING,  # queued for sending on the phone (order is 1, 3, 2)
    6: SmsStatus.SENT,
    7: SmsStatus.DELIVERED,
    8: SmsStatus.UNDELIVERED,
    9: SmsStatus.FAILED,  # general error
    10: SmsStatus.FAILED,  # no service
    11: SmsStatus.FAILED,  # null PDU
    12: SmsStatus.FAILED,  # radio off
    100: SmsStatus.FAILED,  # the app may not send SMS
    101: SmsStatus.FAILED,
}
"""The document's status codes -> SPEC statuses; 5 is an incoming SMS, not a status.

Assumption: codes the document does not list are not final and are skipped
(they may be new intermediate states); the message stays followed."""

PORT_FACTOR: Final = 10
"""A phone's SIM is named by the pair (phone id, slot); the shared model wants
one port number, so a SIM's number is `phone id * 10 + slot` (slots are 0/1)."""

_NULL_TEXTS: Final = frozenset({"", "null", "none", "undefined"})
_NUMBER_NOISE = re.compile(r"[\s().\-/]")
_OFFSET = re.compile(r"^([+-])(\d{1,2}):?(\d{2})?$")
_DATE_FORMATS: Final = (
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
)
_ZONE_ABBREVIATIONS: Final[Mapping[str, timedelta]] = {
    "UTC": timedelta(0),
    "GMT": timedelta(0),
    "Z": timedelta(0),
    "CET": timedelta(hours=1),
    "CEST": timedelta(hours=2),
    "EET": timedelta(hours=2),
    "EEST": timedelta(hours=3),
    "MSK": timedelta(hours=3),
    "BST": timedelta(hours=1),
    "EST": timedelta(hours=-5),
    "EDT": timedelta(hours=-4),
    "PST": timedelta(hours=-8),
    "PDT": timedelta(hours=-7),
}
"""PHP's `timezone_type` 2 names a zone by abbreviation; these are the common ones."""


def port_number(device_id: int, slot: int) -> int:
    """The port number of a phone's SIM slot (see `PORT_FACTOR`)."""
    return device_id * PORT_FACTOR + slot


def split_port(number: int) -> tuple[int, int]:
    """The phone id and slot a port number stands for."""
    return divmod(number, PORT_FACTOR)


def text(value: Any) -> str | None:
    """A string value, stripped; None for null, `"null"` and empty strings."""
    if value is None or isinstance(value, bool):
        return None
    result = str(value).strip()
    return None if result.lower() in _NULL_TEXTS else result


def integer(value: Any) -> int | None:
    """An int from an int, a float, a numeric string or a boolean; else None."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raw = text(value)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        try:
            number = float(raw)
        except ValueError:
            return None
        return int(number) if number.is_integer() else None


def boolean(value: Any) -> bool | None:
    """`true`/`false`, 1/0, "1"/"0", "true"/"false"; None when absent."""
    if isinstance(value, bool):
        return value
    raw = text(value)
    if raw is None:
        return None
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    return None


def zone(type_: Any, name: Any) -> tzinfo | None:
    """The zone of a PHP DateTime: type 1 an offset, 2 an abbreviation, 3 a name.

    The document shows type 3 (`Europe/Paris`, `UTC`), the live service type 1
    (`+02:00`). The type is not trusted: each form is tried.
    """
    del type_  # Read from the name's form instead: the type and name disagree at times.
    raw = text(name)
    if raw is None:
        return None
    if match := _OFFSET.match(raw):
        sign, hours, minutes = match.groups()
        offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
        return timezone(-offset if sign == "-" else offset)
    if (abbreviation := _ZONE_ABBREVIATIONS.get(raw.upper())) is not None:
        return timezone(abbreviation) if abbreviation else UTC
    try:
        return ZoneInfo(raw)
    except ZoneInfoNotFoundError, ValueError:
        return None


def date(value: Any, default_zone: tzinfo = UTC) -> datetime | None:
    """Read a date: a PHP DateTime object, a string, or seconds/milliseconds since 1970.

    Objects are `{"date": "2021-07-11 12:59:26.000000", "timezone_type": 1,
    "timezone": "+02:00"}` (`created`, `lastseen`, `timetosend`). Strings
    without a zone and objects whose zone is not understood are read in
    `default_zone`. Webhook `date`s are only typed "datetime" by the vendor:
    Android's message times are milliseconds since 1970, so numbers over
    10^11 are read as milliseconds.
    """
    if isinstance(value, Mapping):
        parsed = date(value.get("date"), default_zone)
        if parsed is None:
            return None
        found = zone(value.get("timezone_type"), value.get("timezone"))
        return parsed if found is None else parsed.replace(tzinfo=found)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except OverflowError, OSError, ValueError:
            return None
    raw = text(value)
    if raw is None:
        return None
    if raw.isdigit():
        return date(int(raw), default_zone)
    for form in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, form).replace(tzinfo=default_zone)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=default_zone)


def format_date(value: datetime) -> str:
    """A time as the API takes it: `YYYY-MM-DD HH:MM:SS` in UTC.

    The live service reads `timetosend` as UTC and answers it shifted into the
    account's zone (captures: "2021-08-01 12:00" came back as 14:00 +02:00).
    Assumption: `begindate`/`enddate` are read the same way; the `timezone`
    parameter is sent as "UTC" besides, for a service that honours it.
    """
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def format_newsletter_date(value: datetime) -> str:
    """A time as `savepaket` takes it: `DD.MM.YYYY H:i:s` (assumed UTC, as above)."""
    moment = value.astimezone(UTC)
    return f"{moment:%d.%m.%Y} {moment.hour}:{moment:%M:%S}"


@dataclass(frozen=True, kw_only=True)
class PhoneSim:
    """One entry of a phone's `siminfo`: a SIM in a slot."""

    slot: int
    iccid: str | None
    number: str | None
    roaming: bool | None
    country: str | None
    carrier: str | None


@dataclass(frozen=True, kw_only=True)
class Phone:
    """One phone of the account, from `getalldevices` (or `getdevicestatus`)."""

    id: int
    title: str | None
    number: str | None
    imei: str | None
    serial_number: str | None
    created: datetime | None
    last_seen: datetime | None
    app_version: str | None
    app_version_current: bool | None
    subscription: bool | None
    request_interval: int | None
    """`delaybetweenrequest`: seconds between the app's calls to the cloud."""
    sims: tuple[PhoneSim, ...]
    online: bool | None = None
    """What `getdevicestatus` says; `getalldevices` says nothing of it."""


@dataclass(frozen=True, kw_only=True)
class Message:
    """One item of `getallsms` (outgoing, or incoming with status 5)."""

    id: int
    number: str
    """`sendto`: the recipient, or the sender of an incoming SMS."""
    body: str
    status_code: int | None
    customer_id: int | None
    device_id: int | None
    sim: int | None
    urgent: bool
    created: datetime | None
    sent_time: datetime | None
    time_to_send: datetime | None

    @property
    def status(self) -> SmsStatus | None:
        """The SPEC status of an outgoing message (None: incoming or unknown)."""
        return None if self.status_code is None else STATUSES.get(self.status_code)

    @property
    def incoming(self) -> bool:
        """Tell whether the phone received this message."""
        return self.status_code == STATUS_INCOMING


def objects(value: Any) -> list[Mapping[str, Any]]:
    """The items of `smss` / `device`: an object keyed by id (or, to be safe, a list)."""
    if isinstance(value, Mapping):
        value = list(value.values())
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _sim(item: Mapping[str, Any]) -> PhoneSim | None:
    # `siminfo` keys are capitalised and every value is a string ("Slot": "0").
    slot = integer(item.get("Slot", item.get("slot")))
    if slot is None or slot < 0:
        return None
    return PhoneSim(
        slot=slot,
        iccid=text(item.get("IccId", item.get("iccid"))),
        # "Number": " 15555215554": the leading space is the service's.
        number=text(item.get("Number", item.get("number"))),
        roaming=boolean(item.get("Roaming", item.get("roaming"))),
        country=text(item.get("CountryIso", item.get("countryiso"))),
        carrier=text(item.get("CarrierName", item.get("carriername"))),
    )


def phone(item: Mapping[str, Any], default_zone: tzinfo = UTC) -> Phone | None:
    """Read one `getalldevices` item; None without an id."""
    phone_id = integer(item.get("id", item.get("device_id")))
    if phone_id is None:
        return None
    raw_sims = item.get("siminfo")
    if isinstance(raw_sims, Mapping):
        raw_sims = list(raw_sims.values())
    sims = sorted(
        (
            sim
            for raw in (raw_sims if isinstance(raw_sims, list) else [])
            if isinstance(raw, Mapping) and (sim := _sim(raw)) is not None
        ),
        key=lambda sim: sim.slot,
    )
    return Phone(
        id=phone_id,
        title=text(item.get("title")),
        number=text(item.get("number")),
        imei=text(item.get("imei")),  # may be the string "null"
        serial_number=text(item.get("serialnumber")),
        created=date(item.get("created"), default_zone),
        last_seen=date(item.get("lastseen"), default_zone),
        app_version=text(item.get("appversion")),
        app_version_current=boolean(item.get("isappversionactual")),
        subscription=boolean(item.get("subscription")),
        request_interval=integer(item.get("delaybetweenrequest")),
        sims=tuple({sim.slot: sim for sim in sims}.values()),
        online=boolean(item.get("online")),
    )


def message(item: Mapping[str, Any], default_zone: tzinfo = UTC) -> Message | None:
    """Read one `getallsms` item; None without an id."""
    message_id = integer(item.get("id"))
    if message_id is None:
        return None
    return Message(
        id=message_id,
        number=text(item.get("sendto")) or "",
        # The body is kept as sent: a trailing space is part of the text.
        body="" if item.get("body") is None else str(item.get("body")),
        status_code=integer(item.get("status")),
        # customerid is an int, null, or 0 when not given (bulk sends).
        customer_id=integer(item.get("customerid")) or None,
        device_id=integer(item.get("deviceid", item.get("device_id"))),
        sim=integer(item.get("sim")),
        # `urgent` is `true` or null on the live service (sent as "1").
        urgent=bool(boolean(item.get("urgent"))),
        created=date(item.get("created"), default_zone),
        sent_time=date(item.get("senttime"), default_zone),
        time_to_send=date(item.get("timetosend"), default_zone),
    )


@dataclass(frozen=True, kw_only=True)
class IncomingHook:
    """The incoming-SMS webhook of a phone."""

    sms_id: int | None
    sender: str
    body: str
    date: datetime | None
    device_id: int | None
    device_name: str | None
    sim: int | None
    internal_id: int | None


@dataclass(frozen=True, kw_only=True)
class DeliveryHook:
    """The delivery-status webhook of a phone."""

    sms_id: int
    status_code: int | None
    status_message: str | None
    number: str | None
    sent_time: datetime | None
    device_id: int | None
    sim: int | None


def _hook_sim(item: Mapping[str, Any]) -> int | None:
    # `channel_id` on the current vendor page, `sim` (0 or 1) on the older one.
    return integer(item.get("channel_id", item.get("sim")))


def webhook(
    item: Mapping[str, Any], default_zone: tzinfo = UTC
) -> IncomingHook | DeliveryHook | None:
    """Read a webhook body; None when it is neither of the two documented kinds.

    Incoming: `{address, date, date_sent, body, internal_id, channel_id (older:
    sim), sms_id, device_id, device_name, type}`; the image variant has
    `body: ""`, `img_url`, `internal_id: null` and no `device_id`; the older
    page types `address` as an int. Delivery: `{sms_id, status_id,
    status_message, sendto, senttime, channel_id, device_id}`.
    """
    if (event := text(item.get("event"))) is not None:
        return _article_webhook(event, item, default_zone)
    if "status_id" in item and (sms_id := integer(item.get("sms_id"))) is not None:
        return DeliveryHook(
            sms_id=sms_id,
            status_code=integer(item.get("status_id")),
            status_message=text(item.get("status_message")),
            number=text(item.get("sendto")),
            sent_time=date(item.get("senttime"), default_zone),
            device_id=integer(item.get("device_id")),
            sim=_hook_sim(item),
        )
    sender = text(item.get("address"))
    if sender is None:
        return None
    body = "" if item.get("body") is None else str(item.get("body"))
    if not body and (image := text(item.get("img_url"))):
        body = image
    return IncomingHook(
        sms_id=integer(item.get("sms_id")),
        sender=sender,
        body=body,
        date=date(item.get("date"), default_zone)
        or date(item.get("date_sent"), default_zone),
        device_id=integer(item.get("device_id")),
        device_name=text(item.get("device_name")),
        sim=_hook_sim(item),
        internal_id=integer(item.get("internal_id")),
    )


ARTICLE_STATUSES: Final[Mapping[str, int]] = {
    "queued": 1,
    "sending": 2,
    "sent": 6,
    "delivered": 7,
    "undelivered": 8,
    "not_delivered": 8,
    "failed": 9,
}
"""Status words of the vendor article's webhook shape -> the document's codes."""


def _article_webhook(
    event: str, item: Mapping[str, Any], default_zone: tzinfo
) -> IncomingHook | DeliveryHook | None:
    """The shape a vendor blog article shows (`{event, phone, message, ...}`).

    It contradicts the webhook pages and may be prose only; it is read
    anyway, as far as it maps: `message_id` must be the numeric SMS id.
    """
    device_id = integer(item.get("device_id"))
    when = date(item.get("timestamp"), default_zone)
    if event == "incoming_sms" and (sender := text(item.get("phone"))):
        return IncomingHook(
            sms_id=integer(item.get("message_id")),
            sender=sender,
            body="" if item.get("message") is None else str(item.get("message")),
            date=when,
            device_id=device_id,
            device_name=None,
            sim=None,
            internal_id=None,
        )
    sms_id = integer(item.get("message_id"))
    if event == "delivery_status" and sms_id is not None:
        status = text(item.get("status"))
        return DeliveryHook(
            sms_id=sms_id,
            status_code=ARTICLE_STATUSES.get((status or "").lower()),
            status_message=status,
            number=text(item.get("phone")),
            sent_time=when,
            device_id=device_id,
            sim=None,
        )
    return None


def slots(phone: Phone) -> tuple[PhoneSim, ...]:
    """The SIM slots in use; a phone that tells none sends from slot 0."""
    return phone.sims or (
        PhoneSim(
            slot=0,
            iccid=None,
            number=phone.number,
            roaming=None,
            country=None,
            carrier=None,
        ),
    )


def form_value(value: Any) -> str:
    """A form field's text: dates as the API takes them, booleans as 1/0."""
    if isinstance(value, datetime):
        return format_date(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def dial_string(number: str) -> str:
    """Digits and a leading "+": what people write around numbers goes."""
    return _NUMBER_NOISE.sub("", number)


def answered_id(
    answer: Mapping[str, Any], key: str, endpoint: str, also: str | None = None
) -> str:
    """The id an answer carries under `key` (or `also`), as text."""
    value = integer(answer.get(key))
    if value is None and also is not None:
        value = integer(answer.get(also))
    if value is None:
        raise GatewayResponseError(f"{endpoint} answered no {key}")
    return str(value)


def push_object(
    body: bytes, content_type: str | None, query: Mapping[str, str] | None
) -> dict[str, Any]:
    """The webhook's fields, from JSON, a form, or the query string."""
    raw = body.decode("utf-8", "replace").strip()
    if raw.startswith(("{", "[")):
        try:
            value = loads(body)
        except ValueError as err:
            raise PushError(f"not JSON: {err}") from err
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if not isinstance(value, dict):
            raise PushError("not a JSON object")
        return value
    if raw and ("form" in (content_type or "") or "=" in raw):
        return dict(parse_qsl(raw))
    if query:
        return dict(query)
    raise PushError("empty push")
