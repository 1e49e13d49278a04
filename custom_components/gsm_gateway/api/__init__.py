"""Clients for SMS/GSM gateways: pure asyncio and aiohttp, no Home Assistant.

`create_client` builds the right client for a gateway type; everything else is
the shared interface (`GatewayClient`), models and errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

import aiohttp

from .base import GatewayClient
from .errors import (
    ForeignPushError,
    GatewayAnswerLostError,
    GatewayAuthError,
    GatewayBadRequestError,
    GatewayBusyError,
    GatewayConnectionError,
    GatewayError,
    GatewayNotSupportedError,
    GatewayRefusedError,
    GatewayResponseError,
    PushError,
)
from .models import (
    REGISTERED_STATES,
    CallEvent,
    CallEventState,
    CallRecord,
    CallState,
    Capability,
    EditTarget,
    Encoding,
    GatewayInfo,
    GatewayState,
    GatewayStatusChange,
    GatewayType,
    InboundSms,
    Port,
    PortStatusChange,
    Push,
    PushEvent,
    RecordKind,
    Registration,
    SendRequest,
    SendResult,
    SentMessage,
    Sim,
    SmsStatus,
    SmsStatusUpdate,
    StkAction,
    StkItem,
    StkView,
    SubDevice,
    UssdReply,
)

SUPPORTED_TYPES: tuple[GatewayType, ...] = (
    GatewayType.DINSTAR,
    GatewayType.OPENVOX,
    GatewayType.SIMFOLDER,
    GatewayType.SMSGATEWAY24,
)
"""The gateway types with a working client; the config flow lists only these."""


@dataclass(frozen=True, kw_only=True)
class ClientConfig:
    """How to reach and log in to a gateway or account."""

    url: str
    username: str | None = None
    password: str | None = None
    verify_ssl: bool = False
    api_key: str | None = None
    timeout: float = 10.0
    timezone: tzinfo | None = None
    """The zone the gateway's clock runs in, for times it sends without one."""
    unique_id: str | None = None
    """The identity known from before (a push of another gateway is refused)."""


def create_client(
    gateway_type: GatewayType, session: aiohttp.ClientSession, config: ClientConfig
) -> GatewayClient:
    """Build the client for `gateway_type`."""
    if gateway_type is GatewayType.DINSTAR:
        from .dinstar import DinstarClient  # noqa: PLC0415

        return DinstarClient(
            session, config, serial=config.unique_id, timezone=config.timezone
        )
    if gateway_type is GatewayType.OPENVOX:
        from .openvox import OpenVoxClient  # noqa: PLC0415

        return OpenVoxClient(session, config, timezone=config.timezone)
    if gateway_type is GatewayType.SMSGATEWAY24:
        from .smsgateway24 import SmsGateway24Client  # noqa: PLC0415

        return SmsGateway24Client(session, config, timezone=config.timezone)
    if gateway_type is GatewayType.SIMFOLDER:
        from .simfolder import SimFolderClient  # noqa: PLC0415

        return SimFolderClient(session, config)
    raise GatewayNotSupportedError(f"gateway type {gateway_type}")


__all__ = [
    "REGISTERED_STATES",
    "SUPPORTED_TYPES",
    "CallEvent",
    "CallEventState",
    "CallRecord",
    "CallState",
    "Capability",
    "ClientConfig",
    "EditTarget",
    "Encoding",
    "ForeignPushError",
    "GatewayAnswerLostError",
    "GatewayAuthError",
    "GatewayBadRequestError",
    "GatewayBusyError",
    "GatewayClient",
    "GatewayConnectionError",
    "GatewayError",
    "GatewayInfo",
    "GatewayNotSupportedError",
    "GatewayRefusedError",
    "GatewayResponseError",
    "GatewayState",
    "GatewayStatusChange",
    "GatewayType",
    "InboundSms",
    "Port",
    "PortStatusChange",
    "Push",
    "PushError",
    "PushEvent",
    "RecordKind",
    "Registration",
    "SendRequest",
    "SendResult",
    "SentMessage",
    "Sim",
    "SmsStatus",
    "SmsStatusUpdate",
    "StkAction",
    "StkItem",
    "StkView",
    "SubDevice",
    "UssdReply",
    "create_client",
]
