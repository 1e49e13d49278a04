"""Buttons: restart a port's radio module, check a SIM's balance."""

from __future__ import annotations

from typing import override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.button.const import ButtonDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Capability
from .balance import async_add_balance_buttons
from .coordinator import GsmGatewayConfigEntry
from .entity import GsmPortEntity, async_add_port_entities
from .helpers import gateway_command

PARALLEL_UPDATES = 1

RESET = ButtonEntityDescription(
    key="reset",
    translation_key="reset",
    device_class=ButtonDeviceClass.RESTART,
    entity_category=EntityCategory.CONFIG,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GsmGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a reset button to each port, where the gateway can reset modules.

    And a `check_balance` button where the entry checks balances by USSD.
    """
    async_add_balance_buttons(entry, async_add_entities)
    coordinator = entry.runtime_data.coordinator
    if not entry.runtime_data.client.supports(Capability.RESET):
        return
    async_add_port_entities(
        entry,
        async_add_entities,
        lambda port: [GsmResetButton(coordinator, RESET, port.key)],
    )


class GsmResetButton(GsmPortEntity, ButtonEntity):
    """Restarts a stuck radio module."""

    @override
    @gateway_command
    async def async_press(self) -> None:
        await self.coordinator.client.reset_module(self.port.number)
