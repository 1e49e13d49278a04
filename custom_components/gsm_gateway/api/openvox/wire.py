"""What the OpenVox POST API and its pushes look like on the wire.

The tables map the vendor's codes and words onto ours (assumptions where the
document is silent, see the package docstring); the readers take the loose
values the firmware sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ..errors import (
    GatewayAuthError,
    GatewayBadRequestError,
    GatewayBusyError,
    GatewayError,
    GatewayRefusedError,
)
from ..models import SmsStatus

SUCCESS_CODES: Final = frozenset({0, 200})

ERRORS: Final[Mapping[int, tuple[type[GatewayError], str]]] = {
    400: (GatewayBadRequestError, "the gateway says the request is not valid"),
    401: (GatewayAuthError, "wrong username or password"),
    403: (GatewayRefusedError, "the gateway refuses the API (is it enabled?)"),
    503: (GatewayBusyError, "no span is free to send SMS"),
}
"""`code` -> error and reason (assumed, see the module docstring)."""

OUTBOX_STATUSES: Final[Mapping[str, SmsStatus]] = {
    "FAILED": SmsStatus.FAILED,
    "SENT": SmsStatus.SENT,
    "DELIVERD": SmsStatus.DELIVERED,  # sic: the document's spelling
    "DELIVERED": SmsStatus.DELIVERED,
}
"""`/smsoutbox/get` `status` -> message status."""

PUSH_STATUSES: Final[Mapping[str, SmsStatus]] = {
    "sent": SmsStatus.SENT,
    "fail": SmsStatus.FAILED,
    "message received on handset": SmsStatus.DELIVERED,
    "message not received on handset": SmsStatus.UNDELIVERED,
}
"""Result and report push `status` (lower case) -> message status."""

PUSH_RESULT: Final = "SMS-Status-Result"
PUSH_REPORT: Final = "SMS-Status-Report"

PUSH_NAMES: Final[Mapping[str, str]] = {
    "url_from_num": "phonenumber",
    "url_to_num": "port",
    "url_portname": "portname",
    "url_message": "message",
    "url_time": "time",
    "url_imsi": "imsi",
    "url_status": "status",
}
"""The query parameter names we ask the gateway to push with: those of the
vendor's own demo receiver, none of them the firmware's fixed `id`, `type`,
`cause`."""

USER_DEFINED: Final = "via=gsm_gateway"
"""Appended raw to every push; tells our pushes from a hand-made setting."""

TIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"


def read_items(value: Any) -> list[dict[str, Any]]:
    """The objects of a `data` list (or a lone object)."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def read_text(value: Any) -> str | None:
    """A value as stripped text; None for nothing or blanks."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def read_int(value: Any) -> int | None:
    """A number the firmware may send as text; None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def read_number(value: str | None) -> str | None:
    """A phone number from a push.

    Values of result and report pushes are not URL-encoded, so a `+` that
    began the number arrives as a space after query decoding.
    """
    if value is None:
        return None
    if value[:1] == " " and value.strip().isdigit():
        return "+" + value.strip()
    return read_text(value)


def same_number(ours: str, theirs: str) -> bool:
    """Compare numbers as the gateway may rewrite them (spaces, a `+`)."""

    def digits(number: str) -> str:
        return "".join(char for char in number if char.isdigit())

    return digits(ours) == digits(theirs)
