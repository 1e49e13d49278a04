"""Switches: each port's radio module power."""

from __future__ import annotations

from typing import Any, override

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Capability, Registration
from .coordinator import GsmGatewayConfigEntry
from .entity import GsmPortEntity, async_add_port_entities
from .helpers import gateway_command

PARALLEL_UPDATES = 1

POWER = SwitchEntityDescription(
    key="power",
    translation_key="power",
    entity_category=EntityCategory.CONFIG,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GsmGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a power switch to each port, where the gateway can switch modules."""
    coordinator = entry.runtime_data.coordinator
    if not entry.runtime_data.client.supports(Capability.POWER):
        return
    async_add_port_entities(
        entry,
        async_add_entities,
        lambda port: [GsmPowerSwitch(coordinator, POWER, port.key)],
    )


class GsmPowerSwitch(GsmPortEntity, SwitchEntity):
    """Turns a port's radio module on and off."""

    @property
    @override
    def is_on(self) -> bool:
        if self.port.powered is not None:
            return self.port.powered
        return self.port.registration is not Registration.POWER_OFF

    @override
    @gateway_command
    async def async_turn_on(self, /, **kwargs: Any) -> None:
        await self.coordinator.client.set_power(self.port.number, True)

    @override
    @gateway_command
    async def async_turn_off(self, /, **kwargs: Any) -> None:
        await self.coordinator.client.set_power(self.port.number, False)
