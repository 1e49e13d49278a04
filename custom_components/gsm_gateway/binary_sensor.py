"""Binary sensors: whether the gateway answers, and each port's data link."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Port
from .coordinator import GsmGatewayConfigEntry
from .entity import GsmGatewayEntity, GsmPortEntity, async_add_port_entities

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class GsmPortBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of a port / SIM device."""

    is_on_fn: Callable[[Port], bool | None]


PORT_BINARY_SENSORS: tuple[GsmPortBinarySensorDescription, ...] = (
    GsmPortBinarySensorDescription(
        key="gprs",
        translation_key="gprs",
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on_fn=lambda port: port.gprs_attached,
    ),
)

ONLINE = BinarySensorEntityDescription(
    key="online",
    translation_key="online",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GsmGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the gateway's `online` sensor and each port's binary sensors."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities([GsmGatewayOnlineSensor(coordinator, ONLINE)])
    async_add_port_entities(
        entry,
        async_add_entities,
        lambda port: (
            GsmPortBinarySensor(coordinator, description, port.key)
            for description in PORT_BINARY_SENSORS
        ),
    )


class GsmPortBinarySensor(GsmPortEntity, BinarySensorEntity):
    """A binary sensor of a port / SIM device."""

    entity_description: GsmPortBinarySensorDescription

    @property
    @override
    def is_on(self) -> bool | None:
        return self.entity_description.is_on_fn(self.port)


class GsmGatewayOnlineSensor(GsmGatewayEntity, BinarySensorEntity):
    """On while the gateway answers and says it is up; off, never unavailable, otherwise."""

    @property
    @override
    def available(self) -> bool:
        return True

    @property
    @override
    def is_on(self) -> bool:
        return self.coordinator.last_update_success and self.coordinator.data.online
