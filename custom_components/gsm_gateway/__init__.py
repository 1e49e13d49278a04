"""The GSM Gateway integration: SMS/GSM gateways in Home Assistant."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.storage import Store
from homeassistant.helpers.typing import ConfigType
from homeassistant.util import dt as dt_util

from . import notify
from .api import ClientConfig, GatewayType, create_client
from .balance import BalanceMonitor, balance_store_key
from .blueprint_setup import async_place_blueprints
from .const import (
    CONF_BAUDRATE,
    CONF_DEVICE,
    CONF_GATEWAY_TYPE,
    CONF_PIN,
    CONF_SEND_RETRY_HOURS,
    CONF_WEBHOOK_ID,
    DEFAULT_BAUDRATE,
    DEFAULT_SEND_RETRY_HOURS,
    DOMAIN,
    STORAGE_VERSION,
)
from .contacts import async_get_contacts
from .coordinator import (
    GsmGatewayConfigEntry,
    GsmGatewayCoordinator,
    GsmGatewayRuntimeData,
)
from .counters import async_setup_counters, counters_store_key
from .frontend import async_register_card
from .inbox import async_remove_inbox
from .llm_api import async_register_llm_api
from .outbox import Outbox
from .push_target import async_point_push, async_restore_push
from .services import async_setup_services
from .services.sending import outbox_sender
from .webhook import async_register_webhook
from .websocket_api import async_setup_websocket_api

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.EVENT,
    Platform.NOTIFY,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions, once for all entries; put the blueprints in place."""
    async_setup_services(hass)
    async_register_llm_api(hass)
    await async_place_blueprints(hass)
    async_setup_websocket_api(hass)
    await async_register_card(hass)
    return True


def client_config(entry: GsmGatewayConfigEntry) -> ClientConfig:
    """How to reach the gateway of an entry."""
    return ClientConfig(
        # A modem is reached at its device (a path, or a socket:// URL).
        url=entry.data.get("url") or entry.data[CONF_DEVICE],
        # Accounts log in with their e-mail where devices have a user name.
        username=entry.data.get("username", entry.data.get("email")),
        password=entry.data.get("password"),
        verify_ssl=entry.data.get("verify_ssl", False),
        api_key=entry.data.get("api_key"),
        timezone=dt_util.get_default_time_zone(),
        unique_id=entry.unique_id,
        baudrate=entry.data.get(CONF_BAUDRATE, DEFAULT_BAUDRATE),
        pin=entry.data.get(CONF_PIN),
    )


async def async_setup_entry(hass: HomeAssistant, entry: GsmGatewayConfigEntry) -> bool:
    """Connect to the gateway, then listen for its pushes."""
    # Loaded before anything fires: events carry the sender's contact name.
    await async_get_contacts(hass)
    config = client_config(entry)
    client = create_client(
        GatewayType(entry.data[CONF_GATEWAY_TYPE]),
        async_get_clientsession(hass, verify_ssl=config.verify_ssl),
        config,
    )
    coordinator = GsmGatewayCoordinator(hass, entry, client)
    counters = await async_setup_counters(hass, entry, coordinator)
    await coordinator.async_config_entry_first_refresh()
    balance = BalanceMonitor(hass, entry, coordinator)
    retry_hours = entry.options.get(CONF_SEND_RETRY_HOURS, DEFAULT_SEND_RETRY_HOURS)
    outbox = Outbox(
        hass, entry.entry_id, coordinator.tracker, timedelta(hours=retry_hours)
    )
    await outbox.async_load()
    entry.runtime_data = GsmGatewayRuntimeData(
        client=client,
        coordinator=coordinator,
        counters=counters,
        balance=balance,
        outbox=outbox,
    )
    await balance.async_start()
    outbox.async_start(entry, outbox_sender(hass))

    @callback
    def gateway_answers() -> None:
        """A poll that works, or a push: what waits in the outbox may go now."""
        if coordinator.last_update_success:
            outbox.async_kick()

    entry.async_on_unload(coordinator.async_add_listener(gateway_answers))
    entry.async_on_unload(coordinator.async_add_push_listener(gateway_answers))
    # A modem tells its news on its serial line: it has no webhook (SPEC §2).
    if CONF_WEBHOOK_ID in entry.data:
        async_register_webhook(hass, entry, coordinator)
    entry.runtime_data.kept_push_settings = await async_point_push(hass, entry, client)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    await notify.async_setup_legacy(hass, entry)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: GsmGatewayConfigEntry) -> bool:
    """Stop sending from the outbox and listening; unload the platforms."""
    await entry.runtime_data.outbox.async_stop()
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: GsmGatewayConfigEntry) -> None:
    """Put the gateway's push settings back; forget the entry's stores."""
    config = client_config(entry)
    await async_restore_push(
        hass,
        entry,
        create_client(
            GatewayType(entry.data[CONF_GATEWAY_TYPE]),
            async_get_clientsession(hass, verify_ssl=config.verify_ssl),
            config,
        ),
    )
    for store in ("messages", "outbox"):
        await Store[dict[str, Any]](
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}.{store}"
        ).async_remove()
    for key in (counters_store_key(entry.entry_id), balance_store_key(entry.entry_id)):
        await Store[dict[str, Any]](hass, STORAGE_VERSION, key).async_remove()
    await async_remove_inbox(hass, entry.entry_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: GsmGatewayConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user remove a port or sub-device once the gateway no longer has it."""
    coordinator = entry.runtime_data.coordinator
    if (DOMAIN, coordinator.info.unique_id) in device.identifiers:
        return False
    return (
        coordinator.port_for_device(device.id) is None
        and coordinator.sub_device_for_device(device.id) is None
    )
