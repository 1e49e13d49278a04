"""Pointing a gateway's pushes at its entry's webhook, where its API can (SPEC §2).

At every set-up the integration writes its own push target (the URL may
have changed since), having kept, once, the settings the gateway had
before; removing the entry puts those back. The URL must be one the
gateway can reach: for a gateway on the LAN, Home Assistant's internal
address; for a cloud service, an address on the internet. When Home
Assistant knows none, a repair issue says what to set, and the entry goes
on by polling where the gateway type can.
"""

from __future__ import annotations

from ipaddress import ip_address
from typing import Any

from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.helpers.storage import Store
from yarl import URL

from .api import Capability, GatewayClient, GatewayError, GatewayType
from .const import (
    CONF_CLOUDHOOK_URL,
    CONF_GATEWAY_TYPE,
    CONF_WEBHOOK_ID,
    DOMAIN,
    LOGGER,
    STORAGE_VERSION,
)

ISSUE_URL_MISSING = "push_url_missing"
ISSUE_CONFIG_FAILED = "push_config_failed"


def _store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.push_settings")


def _is_loopback(host: str | None) -> bool:
    if host is None or host == "localhost":
        return host is not None
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


@callback
def async_reachable_webhook_url(hass: HomeAssistant, entry: ConfigEntry) -> str | None:
    """The entry's webhook URL as the gateway can reach it, or None if unknown.

    A LAN gateway gets the internal URL (an IP address is fine); a loopback
    address only serves a gateway on this very machine. A cloud service gets
    the external URL.
    """
    return reachable_webhook_url(
        hass,
        entry.data[CONF_WEBHOOK_ID],
        GatewayType(entry.data[CONF_GATEWAY_TYPE]),
        entry.data["url"],
    )


@callback
def reachable_webhook_url(
    hass: HomeAssistant, webhook_id: str, gateway_type: GatewayType, gateway_url: str
) -> str | None:
    """As `async_reachable_webhook_url`, before the entry exists (config flow)."""
    try:
        if gateway_type.on_lan:
            url = webhook.async_generate_url(
                hass, webhook_id, allow_external=False, allow_ip=True
            )
            if _is_loopback(URL(url).host) and not _is_loopback(URL(gateway_url).host):
                return None
            return url
        return webhook.async_generate_url(
            hass, webhook_id, allow_internal=False, prefer_external=True
        )
    except NoURLAvailableError:
        return None


def _has_cloud(hass: HomeAssistant) -> bool:
    """Tell whether Home Assistant Cloud is loaded and subscribed."""
    if "cloud" not in hass.config.components:
        return False
    from homeassistant.components import cloud  # noqa: PLC0415 - only with cloud

    return cloud.async_active_subscription(hass)


async def async_push_url(hass: HomeAssistant, entry: ConfigEntry) -> str | None:
    """The URL the gateway pushes to, or None if Home Assistant knows none.

    A cloud service reaches Home Assistant through Home Assistant Cloud's
    cloudhook where the user has it (made once, kept in the entry), else
    through the external URL.
    """
    if GatewayType(entry.data[CONF_GATEWAY_TYPE]).on_lan:
        return async_reachable_webhook_url(hass, entry)
    if CONF_CLOUDHOOK_URL in entry.data:
        return str(entry.data[CONF_CLOUDHOOK_URL])
    if _has_cloud(hass):
        from homeassistant.components import cloud  # noqa: PLC0415 - only with cloud

        try:
            url = await cloud.async_create_cloudhook(hass, entry.data[CONF_WEBHOOK_ID])
        except cloud.CloudNotAvailable:
            LOGGER.debug("Home Assistant Cloud is not connected: no cloudhook")
        else:
            hass.config_entries.async_update_entry(
                entry, data={**entry.data, CONF_CLOUDHOOK_URL: url}
            )
            return url
    return async_reachable_webhook_url(hass, entry)


async def async_remove_cloudhook(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Drop the entry's cloudhook with the entry."""
    if CONF_CLOUDHOOK_URL not in entry.data or not _has_cloud(hass):
        return
    from homeassistant.components import cloud  # noqa: PLC0415 - only with cloud

    try:
        await cloud.async_delete_cloudhook(hass, entry.data[CONF_WEBHOOK_ID])
    except cloud.CloudNotAvailable, ValueError:
        LOGGER.debug("Cloudhook of %s already gone", entry.title)


def _issue_id(kind: str, entry: ConfigEntry) -> str:
    return f"{kind}_{entry.entry_id}"


def _mentions_webhook(settings: Any, webhook_id: str) -> bool:
    """Tell whether settings already point at this entry's webhook."""
    if isinstance(settings, dict):
        return any(_mentions_webhook(value, webhook_id) for value in settings.values())
    if isinstance(settings, list):
        return any(_mentions_webhook(value, webhook_id) for value in settings)
    return isinstance(settings, str) and webhook_id in settings


async def async_point_push(
    hass: HomeAssistant, entry: ConfigEntry, client: GatewayClient
) -> dict[str, Any] | None:
    """Keep the gateway's own push settings once, then write ours.

    Returns the kept settings (for diagnostics), None if none were kept.
    Failing to write them does not fail the set-up: a repair issue tells.
    """
    if not client.supports(Capability.PUSH_CONFIG):
        return None
    store = _store(hass, entry.entry_id)
    kept = await store.async_load()
    url = await async_push_url(hass, entry)
    if url is None:
        ir.async_create_issue(
            hass,
            DOMAIN,
            _issue_id(ISSUE_URL_MISSING, entry),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=(
                "push_url_missing_lan"
                if client.type.on_lan
                else "push_url_missing_cloud"
            ),
            translation_placeholders={"name": entry.title},
        )
        return None if kept is None else kept["settings"]
    ir.async_delete_issue(hass, DOMAIN, _issue_id(ISSUE_URL_MISSING, entry))
    try:
        if kept is None:
            settings = await client.read_push_settings()
            # After a lost store the gateway may already point here: that is
            # not the gateway's own setting, and must not be put back later.
            if settings is not None and not _mentions_webhook(
                settings, entry.data[CONF_WEBHOOK_ID]
            ):
                kept = {"settings": settings}
                await store.async_save(kept)
        await client.configure_push(url)
    except GatewayError as err:
        LOGGER.warning(
            "Could not point %s's pushes at Home Assistant: %s", entry.title, err
        )
        ir.async_create_issue(
            hass,
            DOMAIN,
            _issue_id(ISSUE_CONFIG_FAILED, entry),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_CONFIG_FAILED,
            translation_placeholders={"name": entry.title, "error": str(err)},
        )
    else:
        ir.async_delete_issue(hass, DOMAIN, _issue_id(ISSUE_CONFIG_FAILED, entry))
    return None if kept is None else kept["settings"]


async def async_restore_push(
    hass: HomeAssistant, entry: ConfigEntry, client: GatewayClient
) -> None:
    """Put back the gateway's own push settings, and forget them."""
    store = _store(hass, entry.entry_id)
    kept = await store.async_load()
    if kept is not None:
        try:
            await client.restore_push_settings(kept["settings"])
        except GatewayError as err:
            LOGGER.warning(
                "Could not put back the push settings of %s: %s", entry.title, err
            )
    await store.async_remove()
    await async_remove_cloudhook(hass, entry)
    for kind in (ISSUE_URL_MISSING, ISSUE_CONFIG_FAILED):
        ir.async_delete_issue(hass, DOMAIN, _issue_id(kind, entry))
