"""Errors raised by the gateway clients.

Every client maps its vendor's failures onto these, so the Home Assistant side
handles one set of exceptions whatever the gateway type.
"""

from __future__ import annotations


class GatewayError(Exception):
    """Base class of everything a gateway client raises."""


class GatewayConnectionError(GatewayError):
    """The gateway could not be reached, timed out, or dropped the connection."""


class GatewayAnswerLostError(GatewayConnectionError):
    """The request went out, but no answer came back (timeout, dropped connection).

    Unlike a gateway that could not be reached, this one may have acted on it:
    a send is looked up (`GatewayClient.lookup_send`) before it is sent again.
    """


class GatewayAuthError(GatewayError):
    """The gateway refused the credentials."""


class GatewayResponseError(GatewayError):
    """The gateway answered with something that is not its API's answer."""


class GatewayRefusedError(GatewayError):
    """The gateway understood the request and refused it.

    `code` is the vendor's own code (Dinstar `error_code`, a per-port status),
    `reason` a short English explanation of it.
    """

    def __init__(self, reason: str, code: int | str | None = None) -> None:
        super().__init__(reason if code is None else f"{reason} ({code})")
        self.reason = reason
        self.code = code


class GatewayBusyError(GatewayRefusedError):
    """The gateway cannot take the message now: no free port, busy, queue full.

    Unlike other refusals, the same request may well succeed later.
    """


class GatewayBadRequestError(GatewayError):
    """The request is invalid before it is sent (too long, too many numbers...)."""


class GatewayNotSupportedError(GatewayError):
    """The gateway type cannot do this."""

    def __init__(self, capability: str) -> None:
        super().__init__(f"not supported by this gateway: {capability}")
        self.capability = capability


class PushError(GatewayError):
    """A push body that is malformed, or that does not belong to this gateway."""


class ForeignPushError(PushError):
    """A well-formed push from another gateway (its serial is not ours)."""
