"""The webhook gateways push to (SPEC §6)."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.network import NoURLAvailableError

from .api import ForeignPushError, GatewayType, PushError
from .const import (
    CONF_CLOUDHOOK_URL,
    CONF_GATEWAY_TYPE,
    CONF_WEBHOOK_ID,
    DOMAIN,
    LOGGER,
    MAX_PUSH_BYTES,
)

if TYPE_CHECKING:
    from .coordinator import GsmGatewayCoordinator


def async_webhook_url(hass: HomeAssistant, entry: ConfigEntry) -> str:
    """The URL to set as the gateway's push target, or its path if none is known.

    A LAN gateway gets Home Assistant's internal address; a cloud service,
    which calls from the internet, the external one.
    """
    webhook_id = entry.data[CONF_WEBHOOK_ID]
    if CONF_CLOUDHOOK_URL in entry.data:
        # Home Assistant Cloud's URL for it, where the entry has one.
        return str(entry.data[CONF_CLOUDHOOK_URL])
    on_lan = GatewayType(entry.data[CONF_GATEWAY_TYPE]).on_lan
    try:
        if on_lan:
            return webhook.async_generate_url(
                hass, webhook_id, allow_external=False, allow_ip=True
            )
        return webhook.async_generate_url(
            hass, webhook_id, allow_internal=False, prefer_external=True
        )
    except NoURLAvailableError:
        return webhook.async_generate_path(webhook_id)


async def _read_body(request: web.Request) -> bytes | None:
    """Read the body, or None once it is over the limit (never all of it)."""
    if (request.content_length or 0) > MAX_PUSH_BYTES:
        return None
    body = bytearray()
    while chunk := await request.content.read(MAX_PUSH_BYTES + 1 - len(body)):
        body += chunk
        if len(body) > MAX_PUSH_BYTES:
            return None
    return bytes(body)


def async_register_webhook(
    hass: HomeAssistant, entry: ConfigEntry, coordinator: GsmGatewayCoordinator
) -> None:
    """Listen for pushes until the entry unloads."""
    webhook_id: str = entry.data[CONF_WEBHOOK_ID]

    async def handle(
        hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        body = await _read_body(request)
        if body is None:
            LOGGER.debug("Push of more than %s bytes refused", MAX_PUSH_BYTES)
            return web.Response(status=HTTPStatus.BAD_REQUEST, text="push too large")
        try:
            push = coordinator.client.parse_push(
                body, request.content_type, dict(request.query)
            )
        except ForeignPushError as err:
            LOGGER.debug("Push of another gateway refused: %s", err)
            return web.Response(status=HTTPStatus.BAD_REQUEST, text="foreign push")
        except PushError as err:
            LOGGER.debug("Malformed push refused: %s (%r)", err, body[:200])
            return web.Response(status=HTTPStatus.BAD_REQUEST, text="malformed push")
        LOGGER.debug("Push %s with %s facts", push.kind, len(push.events))
        await coordinator.async_handle_push(push)
        return web.Response(status=HTTPStatus.OK, text="ok")

    webhook.async_register(
        hass,
        DOMAIN,
        entry.title,
        webhook_id,
        handle,
        # Gateways on the LAN push from the LAN: their webhook is local only.
        local_only=GatewayType(entry.data[CONF_GATEWAY_TYPE]).on_lan,
        allowed_methods=("POST", "GET", "PUT"),
    )
    entry.async_on_unload(lambda: webhook.async_unregister(hass, webhook_id))
