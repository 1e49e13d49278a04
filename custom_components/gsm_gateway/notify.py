"""Notify: the legacy `notify.<entry slug>` service, and an entity per port.

The legacy service is what existing automations call with recipients
(`target`); the entities serve `notify.send_message` and send to the default
recipients of the entry's options. Both send through `async_send_sms`, so a
notification is an SMS like any other: one `queued` status event per message.
"""

from __future__ import annotations

from typing import Any, override

from homeassistant.components.notify import NotifyEntity, NotifyEntityDescription
from homeassistant.components.notify.const import (
    ATTR_DATA,
    ATTR_TARGET,
    ATTR_TITLE,
    DOMAIN as NOTIFY_DOMAIN,
    NotifyEntityFeature,
)
from homeassistant.components.notify.legacy import (
    NOTIFY_SERVICES,
    BaseNotificationService,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_NAME, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, discovery
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType
from homeassistant.util import slugify
import probatio

from .api import Capability, Encoding, Port
from .const import CONF_DEFAULT_RECIPIENTS, DOMAIN
from .contacts import async_get_contacts
from .coordinator import GsmGatewayConfigEntry
from .entity import GsmPortEntity, async_add_port_entities
from .services import Target, async_send_sms, parse_numbers

PARALLEL_UPDATES = 1

ATTR_ENTRY_ID = "entry_id"
ATTR_PORT = "port"
ATTR_ENCODING = "encoding"
ATTR_DELIVERY_REPORT = "delivery_report"

NOTIFY_DATA_SCHEMA = probatio.Schema(
    {
        probatio.Optional(ATTR_PORT): probatio.All(
            cv.ensure_list, [probatio.Coerce(int)]
        ),
        probatio.Optional(ATTR_ENCODING, default=Encoding.AUTO): probatio.Coerce(
            Encoding
        ),
        probatio.Optional(ATTR_DELIVERY_REPORT, default=True): cv.boolean,
    }
)

SMS_DESCRIPTION = NotifyEntityDescription(key="sms", translation_key="sms")


def sms_text(message: str, title: str | None) -> str:
    """An SMS has no title: it goes on the first line."""
    return f"{title}\n{message}" if title else message


def default_recipients(entry: GsmGatewayConfigEntry) -> list[str]:
    """The numbers of the entry's options (a list, or text with commas)."""
    value: str | list[str] = entry.options.get(CONF_DEFAULT_RECIPIENTS) or []
    return parse_numbers([value] if isinstance(value, str) else value)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GsmGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a notify entity for each port, now and as ports appear."""
    coordinator = entry.runtime_data.coordinator
    if not coordinator.client.supports(Capability.SEND_SMS):
        return
    async_add_port_entities(
        entry,
        async_add_entities,
        lambda port: [GsmGatewayNotifyEntity(coordinator, SMS_DESCRIPTION, port.key)],
    )


class GsmGatewayNotifyEntity(GsmPortEntity, NotifyEntity):
    """Sends an SMS from its port to the entry's default recipients."""

    _attr_supported_features = NotifyEntityFeature.TITLE

    @override
    async def async_send_message(self, message: str, title: str | None = None) -> None:
        entry = self.coordinator.config_entry
        if not (numbers := default_recipients(entry)):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="no_default_recipients",
                translation_placeholders={"gateway": entry.title},
            )
        if (port := self.coordinator.data.ports.get(self.port_key)) is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="port_unknown",
                translation_placeholders={"device": self.entity_id},
            )
        await async_send_sms(
            [Target(entry=entry, ports=(port,))], numbers, sms_text(message, title)
        )


async def async_setup_legacy(hass: HomeAssistant, entry: GsmGatewayConfigEntry) -> None:
    """Offer `notify.<entry slug>` for the entry; it goes when the entry unloads.

    Call after the entry's platforms are forwarded: the notify integration is
    set up by then, so the empty configuration passed here is never used to
    set it up.
    """
    await discovery.async_load_platform(
        hass,
        Platform.NOTIFY,
        DOMAIN,
        {CONF_NAME: entry.title, ATTR_ENTRY_ID: entry.entry_id},
        {},
    )


async def async_get_service(
    hass: HomeAssistant,
    config: ConfigType,
    discovery_info: DiscoveryInfoType | None = None,
) -> GsmGatewayNotificationService | None:
    """The legacy notify service of one entry (only ever set up by discovery)."""
    if discovery_info is None:
        return None
    entry: GsmGatewayConfigEntry | None = hass.config_entries.async_get_entry(
        discovery_info[ATTR_ENTRY_ID]
    )
    # Discovery runs while the entry is still being set up.
    if entry is None or entry.state not in (
        ConfigEntryState.SETUP_IN_PROGRESS,
        ConfigEntryState.LOADED,
    ):
        return None
    service = GsmGatewayNotificationService(
        entry.entry_id, slugify(discovery_info[CONF_NAME])
    )
    entry.async_on_unload(service.async_remove)
    return service


class GsmGatewayNotificationService(BaseNotificationService):
    """`notify.<entry slug>`: an SMS to the `target` numbers.

    `data` may name the sending `port` (the vendor's number, or a list),
    `encoding` and `delivery_report`. Without `target` it sends to the default
    recipients.
    """

    def __init__(self, entry_id: str, service_name: str) -> None:
        self.entry_id = entry_id
        self.service_name = service_name
        self._set_up = False
        self._removed = False
        self._owns_service = False

    @override
    async def async_setup(
        self, hass: HomeAssistant, service_name: str, target_service_name_prefix: str
    ) -> None:
        await super().async_setup(hass, service_name, target_service_name_prefix)
        self._set_up = True

    @override
    async def async_register_services(self) -> None:
        if self._removed:
            return
        if not self.hass.services.has_service(NOTIFY_DOMAIN, self.service_name):
            self._owns_service = True
        await super().async_register_services()

    async def async_remove(self) -> None:
        """Take the service away with the entry, so no dead service stays."""
        self._removed = True
        if not self._set_up:
            return
        if self._owns_service:
            await self.async_unregister_services()
        if (services := self.hass.data.get(NOTIFY_SERVICES, {}).get(DOMAIN)) and (
            self in services
        ):
            services.remove(self)

    @override
    async def async_send_message(self, message: str = "", **kwargs: Any) -> None:
        entry: GsmGatewayConfigEntry | None = self.hass.config_entries.async_get_entry(
            self.entry_id
        )
        if entry is None or entry.state is not ConfigEntryState.LOADED:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="entry_not_loaded",
                translation_placeholders={
                    "gateway": entry.title if entry else self.service_name
                },
            )
        try:
            data = NOTIFY_DATA_SCHEMA(kwargs.get(ATTR_DATA) or {})
        except probatio.Invalid as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_notify_data",
                translation_placeholders={"error": str(err)},
            ) from err
        if targets := kwargs.get(ATTR_TARGET):
            contacts = await async_get_contacts(self.hass)
            numbers = parse_numbers(contacts.resolve(cv.ensure_list(targets)))
        elif not (numbers := default_recipients(entry)):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="no_recipients",
            )
        await async_send_sms(
            [Target(entry=entry, ports=_ports(entry, data.get(ATTR_PORT, [])))],
            numbers,
            sms_text(message, kwargs.get(ATTR_TITLE)),
            encoding=data[ATTR_ENCODING],
            delivery_report=data[ATTR_DELIVERY_REPORT],
        )


def _ports(entry: GsmGatewayConfigEntry, numbers: list[int]) -> tuple[Port, ...]:
    coordinator = entry.runtime_data.coordinator
    ports: list[Port] = []
    for number in numbers:
        if (port := coordinator.port_by_number(number)) is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unknown_port",
                translation_placeholders={"port": str(number), "gateway": entry.title},
            )
        ports.append(port)
    return tuple(ports)
