"""Event entities: the last SMS each port received.

They listen to `gsm_gateway_sms_received` on the bus rather than to pushes, so
a message reaches them once whether it came by push, by poll or by backfill.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Port
from .const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_PORT,
    ATTR_SENDER,
    ATTR_SENDER_NAME,
    ATTR_TEXT,
    ATTR_TIMESTAMP,
    EVENT_SMS_RECEIVED,
)
from .coordinator import GsmGatewayConfigEntry, GsmGatewayCoordinator
from .entity import GsmPortEntity, async_add_port_entities

PARALLEL_UPDATES = 0

EVENT_RECEIVED = "received"

LAST_SMS = EventEntityDescription(
    key="last_sms",
    translation_key="last_sms",
    event_types=[EVENT_RECEIVED],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GsmGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a `last_sms` event entity to each port."""
    coordinator = entry.runtime_data.coordinator
    async_add_port_entities(
        entry,
        async_add_entities,
        lambda port: [GsmLastSmsEvent(coordinator, port)],
    )


class GsmLastSmsEvent(GsmPortEntity, EventEntity):
    """Fires `received` with sender, its name, text and timestamp for each SMS of its port."""

    def __init__(self, coordinator: GsmGatewayCoordinator, port: Port) -> None:
        super().__init__(coordinator, LAST_SMS, port.key)
        self._port_number = port.number

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(
            self.hass.bus.async_listen(
                EVENT_SMS_RECEIVED, self._received, event_filter=self._is_mine
            )
        )

    @callback
    def _is_mine(self, event_data: Mapping[str, Any]) -> bool:
        return (
            event_data.get(ATTR_CONFIG_ENTRY_ID)
            == self.coordinator.config_entry.entry_id
            and event_data.get(ATTR_PORT) == self._port_number
        )

    @callback
    def _received(self, event: Event[Mapping[str, Any]]) -> None:
        self._trigger_event(
            EVENT_RECEIVED,
            {
                ATTR_SENDER: event.data[ATTR_SENDER],
                ATTR_SENDER_NAME: event.data.get(ATTR_SENDER_NAME),
                ATTR_TEXT: event.data[ATTR_TEXT],
                ATTR_TIMESTAMP: event.data[ATTR_TIMESTAMP],
            },
        )
        self.async_write_ha_state()
