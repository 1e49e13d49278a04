"""Selects: the active SIM slot of multi-SIM ports."""

from __future__ import annotations

from typing import override

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Capability, Port
from .coordinator import GsmGatewayConfigEntry, GsmGatewayCoordinator
from .entity import GsmPortEntity, async_add_port_entities
from .helpers import gateway_command
from .sensor import SLOT_OPTIONS

PARALLEL_UPDATES = 1

SLOT = SelectEntityDescription(
    key="slot",
    translation_key="slot",
    entity_category=EntityCategory.CONFIG,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GsmGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a slot select to each port that has more than one SIM slot."""
    coordinator = entry.runtime_data.coordinator
    if not entry.runtime_data.client.supports(Capability.SLOT):
        return
    async_add_port_entities(
        entry,
        async_add_entities,
        lambda port: [GsmSlotSelect(coordinator, port)] if port.slot_count > 1 else [],
    )


class GsmSlotSelect(GsmPortEntity, SelectEntity):
    """Switches a port to another SIM slot; options are the slots "0".."3"."""

    def __init__(self, coordinator: GsmGatewayCoordinator, port: Port) -> None:
        super().__init__(coordinator, SLOT, port.key)
        self._attr_options = SLOT_OPTIONS[: port.slot_count]

    @property
    @override
    def current_option(self) -> str | None:
        return None if self.port.slot is None else str(self.port.slot)

    @override
    @gateway_command
    async def async_select_option(self, option: str) -> None:
        await self.coordinator.client.select_slot(self.port.number, int(option))
