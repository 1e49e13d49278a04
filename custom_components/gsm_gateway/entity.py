"""Base entities: of the gateway device, of a port device, of a sub-device."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import override

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import Port, SubDevice
from .const import DOMAIN
from .coordinator import (
    GsmGatewayConfigEntry,
    GsmGatewayCoordinator,
    port_identifier,
    sub_device_identifier,
)


class GsmGatewayEntity(CoordinatorEntity[GsmGatewayCoordinator]):
    """An entity of the gateway (or account) device."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: GsmGatewayCoordinator, description: EntityDescription
    ) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{coordinator.info.unique_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, coordinator.info.unique_id)}
        )


class GsmPortEntity(CoordinatorEntity[GsmGatewayCoordinator]):
    """An entity of a port / SIM device."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: GsmGatewayCoordinator,
        description: EntityDescription,
        port_key: str,
    ) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        self.port_key = port_key
        self._attr_unique_id = (
            f"{coordinator.info.unique_id}_{port_key}_{description.key}"
        )
        self._attr_device_info = DeviceInfo(
            identifiers={port_identifier(coordinator.info, port_key)}
        )

    @property
    def port(self) -> Port:
        """The port as last seen (only read while available)."""
        return self.coordinator.data.ports[self.port_key]

    @property
    @override
    def available(self) -> bool:
        return (
            super().available
            and self.coordinator.data.online
            and self.port_key in self.coordinator.data.ports
        )


def _async_add_as_they_appear[ItemT](
    entry: GsmGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    current: Callable[[], Mapping[str, ItemT]],
    build: Callable[[ItemT], Iterable[Entity]],
) -> None:
    """Add the entities of each item `current` lists now, and of those that appear later."""
    known: set[str] = set()

    @callback
    def add_new() -> None:
        new = {key: item for key, item in current().items() if key not in known}
        if not new:
            return
        known.update(new)
        async_add_entities(entity for item in new.values() for entity in build(item))

    add_new()
    entry.async_on_unload(entry.runtime_data.coordinator.async_add_listener(add_new))


def async_add_port_entities(
    entry: GsmGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: Callable[[Port], Iterable[GsmPortEntity]],
) -> None:
    """Add a port's entities now, and those of ports that appear later."""
    coordinator = entry.runtime_data.coordinator
    _async_add_as_they_appear(
        entry, async_add_entities, lambda: coordinator.data.ports, build
    )


class GsmSubDeviceEntity(CoordinatorEntity[GsmGatewayCoordinator]):
    """An entity of a sub-device: an aggregator, a SIM bank, a phone."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: GsmGatewayCoordinator,
        description: EntityDescription,
        device_key: str,
    ) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        self.device_key = device_key
        self._attr_unique_id = (
            f"{coordinator.info.unique_id}_device_{device_key}_{description.key}"
        )
        self._attr_device_info = DeviceInfo(
            identifiers={sub_device_identifier(coordinator.info, device_key)}
        )

    @property
    def sub_device(self) -> SubDevice:
        """The sub-device as last seen (only read while available)."""
        return self.coordinator.data.devices[self.device_key]

    @property
    @override
    def available(self) -> bool:
        return (
            super().available
            and self.coordinator.data.online
            and self.device_key in self.coordinator.data.devices
        )


def async_add_sub_device_entities(
    entry: GsmGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: Callable[[SubDevice], Iterable[GsmSubDeviceEntity]],
) -> None:
    """Add a sub-device's entities now, and those of sub-devices that appear later."""
    coordinator = entry.runtime_data.coordinator
    _async_add_as_they_appear(
        entry, async_add_entities, lambda: coordinator.data.devices, build
    )
