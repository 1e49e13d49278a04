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

from .api import Capability, GatewayClient, Port, SubDevice
from .coordinator import GsmGatewayConfigEntry
from .entity import (
    GsmGatewayEntity,
    GsmPortEntity,
    GsmSubDeviceEntity,
    async_add_port_entities,
    async_add_sub_device_entities,
)

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class GsmPortBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of a port / SIM device."""

    is_on_fn: Callable[[Port], bool | None]
    has_fn: Callable[[GatewayClient, Port], bool] = lambda _client, _port: True
    """Checked when the port appears: whether the gateway type reports it."""


@dataclass(frozen=True, kw_only=True)
class GsmSubDeviceBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of a sub-device (aggregator, phone)."""

    is_on_fn: Callable[[SubDevice], bool | None]


PORT_BINARY_SENSORS: tuple[GsmPortBinarySensorDescription, ...] = (
    GsmPortBinarySensorDescription(
        key="gprs",
        translation_key="gprs",
        entity_category=EntityCategory.DIAGNOSTIC,
        # Where the type tells GPRS at all (a cloud service does not).
        has_fn=lambda client, port: (
            client.supports(Capability.PORT_STATUS) and port.gprs_attached is not None
        ),
        is_on_fn=lambda port: port.gprs_attached,
    ),
    GsmPortBinarySensorDescription(
        key="roaming",
        translation_key="roaming",
        entity_category=EntityCategory.DIAGNOSTIC,
        # Where the gateway tells roaming apart from its registration.
        has_fn=lambda _client, port: port.roaming is not None,
        is_on_fn=lambda port: port.roaming,
    ),
    GsmPortBinarySensorDescription(
        key="available",
        translation_key="available",
        # Where the gateway says whether it offers the port for sending.
        has_fn=lambda _client, port: port.available is not None,
        is_on_fn=lambda port: port.available,
    ),
)

SUB_DEVICE_BINARY_SENSORS: tuple[GsmSubDeviceBinarySensorDescription, ...] = (
    GsmSubDeviceBinarySensorDescription(
        key="online",
        translation_key="online",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        is_on_fn=lambda sub: sub.online,
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
            if description.has_fn(entry.runtime_data.client, port)
        ),
    )
    async_add_sub_device_entities(
        entry,
        async_add_entities,
        lambda sub: (
            GsmSubDeviceBinarySensor(coordinator, description, sub.key)
            for description in SUB_DEVICE_BINARY_SENSORS
        ),
    )


class GsmPortBinarySensor(GsmPortEntity, BinarySensorEntity):
    """A binary sensor of a port / SIM device."""

    entity_description: GsmPortBinarySensorDescription

    @property
    @override
    def is_on(self) -> bool | None:
        return self.entity_description.is_on_fn(self.port)


class GsmSubDeviceBinarySensor(GsmSubDeviceEntity, BinarySensorEntity):
    """A binary sensor of a sub-device (aggregator, phone)."""

    entity_description: GsmSubDeviceBinarySensorDescription

    @property
    @override
    def is_on(self) -> bool | None:
        return self.entity_description.is_on_fn(self.sub_device)


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
