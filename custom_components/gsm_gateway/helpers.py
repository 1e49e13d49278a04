"""Turning gateway errors into translated Home Assistant errors, in one place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Concatenate

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import (
    GatewayAuthError,
    GatewayBadRequestError,
    GatewayConnectionError,
    GatewayError,
    GatewayNotSupportedError,
    GatewayRefusedError,
    GatewayType,
)
from .const import DEFAULT_CLOUD_INTERVAL, DEFAULT_LAN_INTERVAL, DOMAIN


def default_scan_interval(gateway_type: GatewayType) -> int:
    """Poll interval in seconds an entry has until its options say (SPEC §8)."""
    interval = DEFAULT_LAN_INTERVAL if gateway_type.on_lan else DEFAULT_CLOUD_INTERVAL
    return int(interval.total_seconds())


def translate_error(err: GatewayError) -> HomeAssistantError:
    """The translated error a user sees for a gateway error."""
    if isinstance(err, GatewayNotSupportedError):
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_supported",
            translation_placeholders={"capability": err.capability},
        )
    if isinstance(err, GatewayBadRequestError):
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="bad_request",
            translation_placeholders={"error": str(err)},
        )
    if isinstance(err, GatewayRefusedError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="refused",
            translation_placeholders={"reason": str(err)},
        )
    if isinstance(err, GatewayAuthError):
        return HomeAssistantError(
            translation_domain=DOMAIN, translation_key="invalid_auth"
        )
    if isinstance(err, GatewayConnectionError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders={"error": str(err)},
        )
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="gateway_error",
        translation_placeholders={"error": str(err)},
    )


async def call_gateway[T](call: Awaitable[T]) -> T:
    """Await a client call, raising translated errors."""
    try:
        return await call
    except GatewayError as err:
        raise translate_error(err) from err


def gateway_command[EntityT: CoordinatorEntity[Any], **P](
    func: Callable[Concatenate[EntityT, P], Coroutine[Any, Any, None]],
) -> Callable[Concatenate[EntityT, P], Coroutine[Any, Any, None]]:
    """Decorate an entity command: translate errors, then refresh the state."""

    async def handler(entity: EntityT, /, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await func(entity, *args, **kwargs)
        except GatewayError as err:
            raise translate_error(err) from err
        await entity.coordinator.async_request_refresh()

    return handler
