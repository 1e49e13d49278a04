"""Every assumption about SimFolder's wire format, in one place.

SimFolder publishes (`shared/api-docs/simfolder-api.txt`, the same in Chinese
and Russian on simfolder.com/doc/api/): the endpoint `https://simfolder.com/api/`,
that requests are "GET or POST" and answered in JSON, that `api_key` is a
required attribute of every request, the names of its 30 methods, that
notifications are POSTed to the URL set with `settingsSet`, and the names and
fields of its nine notifications. The parameters of each method are shown only
to logged-in customers, and no public client or capture exists (searched
GitHub code and the web in 2026-12: only the method list itself turns up).

So everything below marked ASSUMPTION is our choice, made where nothing is
known, following SimFolder's own naming where it has one (the notifications'
fields `device_id`, `device_title`, `card_id`, `number`, `name`, `sender`,
`msg`, `addressee`, `status`, `state`, `incoming`, `outgoing`, `time`).
The client (`simfolder.py`) and the simulator (`simulator/simfolder.py`) speak
only the *semantic* names of this module (`Param`, `Field`) and call its
encode/decode functions; correcting a choice here corrects both.

A user with an account who finds a difference: the diagnostics show the
answers' keys (`answer_keys`) and the notification settings read back, which
is what a correction here needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
import json
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode

API_URL: Final = "https://simfolder.com/api/"
"""Documented: the one endpoint for every method."""

HTTP_METHOD: Final = "POST"
"""ASSUMPTION: the document allows GET or POST. POST keeps `api_key` and texts
out of URLs (and so out of proxy and server logs), and has no length limit for
long SMS."""

CONTENT_TYPE: Final = "application/x-www-form-urlencoded"
"""ASSUMPTION: a form body, the encoding of an HTML form and of PHP's `$_POST`,
which an endpoint taking "GET or POST" reads alike (`$_REQUEST`)."""

METHOD_PARAM: Final = "method"
"""ASSUMPTION: the method is named by a parameter, since the document gives one
URL for all methods (not `/api/<method>`)."""

API_KEY_PARAM: Final = "api_key"
"""Documented: `api_key` is "a required attribute of the request"."""

LIST_SEPARATOR: Final = ","
"""ASSUMPTION: several ids in one parameter are comma-separated (`1,2,3`)."""

TIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"
"""ASSUMPTION: times as `YYYY-MM-DD HH:MM:SS` in UTC, the MySQL DATETIME form
PHP services print. `parse_time` also reads ISO 8601 with a zone and Unix
seconds, so either of those works as well without a change."""

NOTIFICATION_KIND_KEY: Final = "event"
"""ASSUMPTION: a notification names its kind in a field `event` holding the
documented name (`smsReceived`, ...). `decode_notification` also looks in
`type`, `method`, `notification` and `action`, and in the URL's query."""

NOTIFICATION_KINDS: Final = (
    "deviceState",
    "ussdReceived",
    "smsReceived",
    "smsSended",
    "callIncoming",
    "callBegin",
    "callEnd",
    "callOutgoing",
    "simStatus",
)
"""Documented: the nine notifications, spelled as SimFolder spells them."""

METHODS: Final = (
    "atList",
    "atSend",
    "callAnswer",
    "callBegin",
    "callDelete",
    "callEnd",
    "callList",
    "callOutgoingDelete",
    "callOutgoingList",
    "cardDirect",
    "cardEdit",
    "cardList",
    "cardSelect",
    "deviceEdit",
    "deviceList",
    "deviceState",
    "operatorEdit",
    "operatorList",
    "settingsGet",
    "settingsSet",
    "smsDelete",
    "smsList",
    "smsOutgoingDelete",
    "smsOutgoingList",
    "smsSend",
    "telegramSend",
    "ussdDelete",
    "ussdList",
    "ussdSend",
    "version",
)
"""Documented: the 30 methods."""


class Param(StrEnum):
    """What a request says, by meaning; `PARAM_NAMES` gives the wire name."""

    CARD = "card"
    CARDS = "cards"
    DEVICE = "device"
    OPERATOR = "operator"
    MODEM = "modem"
    TO = "to"
    TEXT = "text"
    DIAL = "dial"
    IDS = "ids"
    AFTER = "after"
    BEFORE = "before"
    LIMIT = "limit"
    URL = "url"


PARAM_NAMES: Final[Mapping[Param, str]] = {
    # Named as the notifications name the same things.
    Param.CARD: "card_id",
    Param.DEVICE: "device_id",
    Param.TO: "addressee",  # smsSended names the recipient `addressee`
    Param.TEXT: "msg",  # SMS text, USSD code, AT command, Telegram text: `msg`
    Param.DIAL: "outgoing",  # callOutgoing names the dialled number `outgoing`
    # ASSUMPTION (nothing names these): plain names in the same style.
    Param.CARDS: "card_id",  # a list of card ids (LIST_SEPARATOR)
    Param.OPERATOR: "operator_id",
    Param.MODEM: "modem",
    Param.IDS: "id",
    Param.AFTER: "id_from",  # records with an id greater than this
    Param.BEFORE: "date_to",  # records older than this time
    Param.LIMIT: "limit",
    Param.URL: "url",
}


class Field(StrEnum):
    """What an answer or notification says, by meaning; wire name in `FIELD_NAMES`."""

    ID = "id"
    TIME = "time"
    DEVICE = "device"
    DEVICE_TITLE = "device_title"
    CARD = "card"
    NUMBER = "number"
    NAME = "name"
    SENDER = "sender"
    TEXT = "text"
    TO = "to"
    STATUS = "status"
    STATE = "state"
    INCOMING = "incoming"
    OUTGOING = "outgoing"
    SIGNAL = "signal"
    OPERATOR = "operator"
    OPERATOR_TITLE = "operator_title"
    IMSI = "imsi"
    ICCID = "iccid"
    MODEM = "modem"
    MODEL = "model"
    VERSION = "version"
    DURATION = "duration"
    COMMAND = "command"
    ACCOUNT = "account"
    URL = "url"


FIELD_NAMES: Final[Mapping[Field, str]] = {
    # Documented (the notifications' fields). ASSUMPTION: `device_id` and
    # `card_id` are integers (database ids, as the `_id` names suggest); the
    # card id is our port number. Digit strings are read as well.
    Field.TIME: "time",
    Field.DEVICE: "device_id",
    Field.DEVICE_TITLE: "device_title",
    Field.CARD: "card_id",
    Field.NUMBER: "number",  # the SIM card's own number
    Field.NAME: "name",  # the SIM card's name
    Field.SENDER: "sender",
    Field.TEXT: "msg",
    Field.TO: "addressee",
    Field.STATUS: "status",
    Field.STATE: "state",
    Field.INCOMING: "incoming",  # the caller's number
    Field.OUTGOING: "outgoing",  # the number called
    # ASSUMPTION: list answers carry the same fields as the notifications
    # plus these, named in the same style.
    Field.ID: "id",  # a record's id; ids grow with time (our polling marks)
    Field.SIGNAL: "signal",  # cardList: dBm (negative) or CSQ 0..31, 99 unknown
    Field.OPERATOR: "operator_id",  # cardList, operatorList
    Field.OPERATOR_TITLE: "title",  # operatorList
    Field.IMSI: "imsi",
    Field.ICCID: "iccid",
    Field.MODEM: "modem",  # cardList: the modem a card is connected to, or null
    Field.MODEL: "model",  # deviceList
    Field.VERSION: "version",  # deviceList: firmware; version: the API's version
    Field.DURATION: "duration",  # callList: seconds talked, 0 = not answered
    Field.COMMAND: "command",  # atList: the command the reply answers
    Field.ACCOUNT: "user_id",  # settingsGet: the account (our unique_id)
    Field.URL: "url",  # settingsGet / settingsSet: the notification URL
}

ACCOUNT_KEYS: Final = ("user_id", "account", "login", "email")
"""ASSUMPTION: where `settingsGet` names the account; the first present wins.
Without any, the client falls back to the lowest aggregator id (see client)."""

DEVICE_ONLINE: Final[Mapping[str, bool]] = {"online": True, "offline": False}
"""Documented: deviceState `state` is online/offline. ASSUMPTION: deviceList's
`state` uses the same words (1/0 and booleans are read too)."""

DELETED_KEYS: Final = ("deleted", "count")
"""ASSUMPTION: delete methods answer how many records went in one of these."""

OK_STATUSES: Final = frozenset({"ok", "success", "1", "true"})
ERROR_STATUSES: Final = frozenset({"error", "fail", "failed", "0", "false"})
PAYLOAD_KEYS: Final = ("data", "result", "response", "items", "list")
"""ASSUMPTION: the answer is `{"status": "ok", "data": <payload>}`; a bare list
or object, or the payload under one of these keys, is read as well."""


class ErrorKind(StrEnum):
    """How an answer can fail, by meaning."""

    AUTH = "auth"
    RATE_LIMIT = "rate_limit"
    NOT_FOUND = "not_found"
    BAD_REQUEST = "bad_request"
    FAILED = "failed"


ERROR_CODES: Final[Mapping[ErrorKind, int]] = {
    ErrorKind.AUTH: 401,
    ErrorKind.RATE_LIMIT: 429,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.BAD_REQUEST: 400,
    ErrorKind.FAILED: 500,
}
"""ASSUMPTION: errors are `{"status": "error", "error": {"code", "message"}}`
with HTTP-like codes, and the same HTTP status. Which of these is which is
also read from the HTTP status and from the message's words (`ERROR_WORDS`)."""

ERROR_WORDS: Final[Mapping[ErrorKind, tuple[str, ...]]] = {
    ErrorKind.AUTH: ("api_key", "api key", "unauthor", "auth", "forbidden"),
    ErrorKind.RATE_LIMIT: ("too many", "rate limit", "limit exceeded", "slow down"),
    ErrorKind.NOT_FOUND: ("not found", "unknown card", "unknown device"),
}


type WireValue = str | int | float | bool | datetime | Iterable[int | str] | None


@dataclass(frozen=True, kw_only=True)
class WireRequest:
    """One HTTP request: its method, query and form body."""

    http_method: str
    query: dict[str, str]
    form: dict[str, str]


class WireError(Exception):
    """An answer that says the call failed."""

    def __init__(
        self, *, kind: ErrorKind, code: int | str | None, message: str
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.code = code
        self.message = message


@dataclass(frozen=True, kw_only=True)
class Notification:
    """A decoded notification: its documented kind and its fields by meaning."""

    kind: str
    fields: dict[Field, Any] = field(default_factory=dict)


# --- requests -------------------------------------------------------------------


def format_value(value: WireValue) -> str | None:
    """Write one parameter value; None leaves the parameter out."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime(TIME_FORMAT)
    if isinstance(value, str | int | float):
        return str(value)
    return LIST_SEPARATOR.join(str(item) for item in value)


def encode_request(
    method: str,
    api_key: str,
    params: Mapping[Param, WireValue] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> WireRequest:
    """Build the request for `method`; `extra` are fields the user names (edits)."""
    form = {METHOD_PARAM: method, API_KEY_PARAM: api_key}
    for param, value in (params or {}).items():
        if (text := format_value(value)) is not None:
            form[PARAM_NAMES[param]] = text
    for name, value in (extra or {}).items():
        if (text := format_value(value)) is not None:
            form.setdefault(str(name), text)
    return WireRequest(http_method=HTTP_METHOD, query={}, form=form)


def decode_request(
    query: Mapping[str, str], form: Mapping[str, str]
) -> tuple[str | None, str | None, dict[Param, str], dict[str, str]]:
    """Read a request as the service would: method, api_key, params and the rest."""
    merged = {**query, **form}
    method = merged.pop(METHOD_PARAM, None)
    api_key = merged.pop(API_KEY_PARAM, None)
    params: dict[Param, str] = {}
    by_name: dict[str, list[Param]] = {}
    for param, name in PARAM_NAMES.items():
        by_name.setdefault(name, []).append(param)
    rest: dict[str, str] = {}
    for name, value in merged.items():
        if name in by_name:
            for param in by_name[name]:
                params[param] = value
        else:
            rest[name] = value
    return method, api_key, params, rest


def split_list(value: str | None) -> list[str]:
    """Read a list parameter."""
    if not value:
        return []
    return [item.strip() for item in value.split(LIST_SEPARATOR) if item.strip()]


# --- answers --------------------------------------------------------------------


def encode_answer(payload: Any) -> dict[str, Any]:
    """Wrap a successful answer's payload (simulator)."""
    return {"status": "ok", "data": payload}


def encode_error(kind: ErrorKind, message: str) -> tuple[int, dict[str, Any]]:
    """An error answer and its HTTP status (simulator)."""
    code = ERROR_CODES[kind]
    return code, {"status": "error", "error": {"code": code, "message": message}}


def classify_error(
    code: int | str | None, message: str, http_status: int | None = None
) -> ErrorKind:
    """Tell what kind of failure an error answer is."""
    numeric = code if isinstance(code, int) else None
    if isinstance(code, str) and code.isdigit():
        numeric = int(code)
    for status in (numeric, http_status):
        if status in (401, 403):
            return ErrorKind.AUTH
        if status == 429:
            return ErrorKind.RATE_LIMIT
    lowered = message.lower()
    for kind, words in ERROR_WORDS.items():
        if any(word in lowered for word in words):
            return kind
    for status in (numeric, http_status):
        if status == 404:
            return ErrorKind.NOT_FOUND
        if status == 400:
            return ErrorKind.BAD_REQUEST
    return ErrorKind.FAILED


def decode_answer(answer: Any, http_status: int = 200) -> Any:
    """Return the payload of an answer, or raise `WireError` for an error answer."""
    if isinstance(answer, list):
        return answer
    if not isinstance(answer, dict):
        raise WireError(
            kind=ErrorKind.FAILED, code=None, message=f"answer is {answer!r}"
        )
    error = answer.get("error")
    status = str(answer.get("status", "")).lower()
    failed = bool(error) or status in ERROR_STATUSES or answer.get("success") is False
    if failed or http_status >= 400:
        code: int | str | None
        if isinstance(error, dict):
            code = error.get("code")
            message = str(error.get("message") or error.get("text") or "")
        else:
            code = answer.get("code")
            message = str(error or answer.get("message") or status)
        return_kind = classify_error(code, message, http_status)
        raise WireError(kind=return_kind, code=code, message=message or "error")
    for key in PAYLOAD_KEYS:
        if key in answer:
            return answer[key]
    return {k: v for k, v in answer.items() if k not in ("status", "success")}


def records(payload: Any) -> list[dict[Field, Any]]:
    """Read a list answer's records by meaning; unknown keys are kept by name."""
    if isinstance(payload, dict):
        # An object of records keyed by id ({"17": {...}}) reads as its values.
        items = [v for v in payload.values() if isinstance(v, dict)]
    elif isinstance(payload, list):
        items = [v for v in payload if isinstance(v, dict)]
    else:
        items = []
    return [read_record(item) for item in items]


_BY_WIRE_NAME: Final[dict[str, list[Field]]] = {}
for _field, _name in FIELD_NAMES.items():
    _BY_WIRE_NAME.setdefault(_name, []).append(_field)


def read_record(item: Mapping[str, Any]) -> dict[Field, Any]:
    """Read one record or notification body by meaning."""
    record: dict[Field, Any] = {}
    for name, value in item.items():
        for meaning in _BY_WIRE_NAME.get(str(name).strip(), ()):
            record[meaning] = value
    return record


def write_record(record: Mapping[Field, Any]) -> dict[str, Any]:
    """Write a record by its wire names (simulator)."""
    out: dict[str, Any] = {}
    for meaning, value in record.items():
        out[FIELD_NAMES[meaning]] = (
            value.astimezone(UTC).strftime(TIME_FORMAT)
            if isinstance(value, datetime)
            else value
        )
    return out


def deleted_count(payload: Any, asked: int) -> int:
    """How many records a delete method removed."""
    if isinstance(payload, dict):
        for key in DELETED_KEYS:
            value = payload.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
    if isinstance(payload, int) and not isinstance(payload, bool):
        return payload
    return asked


def record_id(payload: Any) -> str | None:
    """The id a create method (smsSend, ussdSend, atSend) answers, if any."""
    if isinstance(payload, dict):
        value = payload.get(FIELD_NAMES[Field.ID])
        return None if value is None else str(value)
    if isinstance(payload, int | str) and not isinstance(payload, bool):
        return str(payload)
    return None


def parse_time(value: Any) -> datetime | None:
    """Read a time (see `TIME_FORMAT`)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), UTC)
    for reader in (
        lambda t: datetime.strptime(t, TIME_FORMAT).replace(tzinfo=UTC),
        datetime.fromisoformat,
    ):
        try:
            parsed = reader(text)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


# --- notification settings -------------------------------------------------------


def settings_params(url: str | None, kinds: Mapping[str, bool]) -> dict[str, str]:
    """`settingsSet` fields beyond the Param ones: each kind by name, 1 or 0.

    ASSUMPTION: the settings are the URL plus one on/off flag per notification,
    named as the notification is.
    """
    del url  # carried as Param.URL
    return {kind: "1" if on else "0" for kind, on in kinds.items()}


def read_settings(payload: Any) -> tuple[str | None, dict[str, bool]]:
    """Read `settingsGet`: the notification URL and which kinds are on."""
    if not isinstance(payload, dict):
        return None, {}
    url = payload.get(FIELD_NAMES[Field.URL])
    flags = payload.get("events", payload)
    kinds: dict[str, bool] = {}
    if isinstance(flags, dict):
        for kind in NOTIFICATION_KINDS:
            if kind in flags:
                kinds[kind] = _truthy(flags[kind])
    return (str(url) if url else None), kinds


def encode_settings(url: str | None, kinds: Mapping[str, bool]) -> dict[str, Any]:
    """The `settingsGet` answer's payload (simulator)."""
    return {FIELD_NAMES[Field.URL]: url or "", **{k: int(v) for k, v in kinds.items()}}


def account_of(payload: Any) -> str | None:
    """The account a `settingsGet` answer names, where it names one."""
    if isinstance(payload, dict):
        for key in ACCOUNT_KEYS:
            if payload.get(key) not in (None, ""):
                return str(payload[key])
    return None


# --- notifications -----------------------------------------------------------------


def encode_notification(kind: str, fields: Mapping[Field, Any]) -> tuple[str, bytes]:
    """A notification's content type and body (simulator).

    ASSUMPTION: a JSON object (SPEC §6 calls them JSON notifications; the
    document says "POST request format"), its kind under `event`.
    """
    body = {NOTIFICATION_KIND_KEY: kind, **write_record(fields)}
    return "application/json", json.dumps(body, ensure_ascii=False).encode()


_KIND_KEYS: Final = (NOTIFICATION_KIND_KEY, "type", "method", "notification", "action")
_KINDS_LOWER: Final = {kind.lower(): kind for kind in NOTIFICATION_KINDS}


def decode_notification(
    body: bytes, content_type: str | None, query: Mapping[str, str] | None
) -> Notification:
    """Read a notification; raises ValueError when it is not one.

    Reads a JSON object or a form body (`POST request format` may mean either),
    with its kind in the body or in the URL's query.
    """
    text = body.decode("utf-8", errors="replace").strip()
    data: Any
    if text.startswith("{"):
        data = json.loads(text)
    elif text and "=" in text and (content_type or "").endswith("urlencoded"):
        data = dict(parse_qsl(text, keep_blank_values=True))
    elif text:
        raise ValueError("neither JSON nor a form")
    else:
        data = {}
    if not isinstance(data, dict):
        raise ValueError("not an object")  # noqa: TRY004 - one error for "not one"
    sources = [data, dict(query or {})]
    kind = next(
        (
            _KINDS_LOWER[str(source[key]).lower()]
            for source in sources
            for key in _KIND_KEYS
            if str(source.get(key, "")).lower() in _KINDS_LOWER
        ),
        None,
    )
    if kind is None:
        raise ValueError("names no notification kind")
    return Notification(kind=kind, fields=read_record(data))


def encode_form(form: Mapping[str, str]) -> str:
    """The form body of a request."""
    return urlencode(form)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes")
    return bool(value)
