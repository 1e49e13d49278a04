"""Sensors: what each port's module and SIM report; the gateway's queue and inbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .api import (
    REGISTERED_STATES,
    CallState,
    Capability,
    GatewayClient,
    Port,
    Registration,
    Sim,
    SubDevice,
)
from .balance import async_add_balance_sensors
from .coordinator import GsmGatewayConfigEntry, GsmGatewayCoordinator
from .counters import counter_sensors
from .entity import (
    GsmGatewayEntity,
    GsmPortEntity,
    GsmSubDeviceEntity,
    async_add_port_entities,
    async_add_sub_device_entities,
)

PARALLEL_UPDATES = 0

SLOT_OPTIONS = ["0", "1", "2", "3"]
"""SIM slots as the `active_slot` sensor and the `slot` select name them."""

NO_SIM = Sim()


def _sim(port: Port) -> Sim:
    return port.sim or NO_SIM


def _signal(port: Port) -> int | None:
    """A module that is not registered has no signal worth showing."""
    return port.signal_dbm if port.registration in REGISTERED_STATES else None


def _reports_port_status(client: GatewayClient, _port: Port) -> bool:
    return client.supports(Capability.PORT_STATUS)


def _reports(
    value_fn: Callable[[Port], StateType],
) -> Callable[[GatewayClient, Port], bool]:
    """Gate a module fact not every type knows: it appears once reported.

    A cloud service has no IMEI or network type to tell; a LAN gateway does.
    """
    return lambda client, port: (
        client.supports(Capability.PORT_STATUS) and value_fn(port) is not None
    )


def _sim_fact(
    value_fn: Callable[[Port], StateType],
) -> Callable[[GatewayClient, Port], bool]:
    """Whether a port has a SIM fact: where ports report their SIM, or once told.

    A phone's SIM tells its number and ICCID but no registration or signal.
    """
    return lambda client, port: (
        _reports_port_status(client, port) or value_fn(port) is not None
    )


@dataclass(frozen=True, kw_only=True)
class GsmPortSensorDescription(SensorEntityDescription):
    """A sensor of a port / SIM device."""

    has_fn: Callable[[GatewayClient, Port], bool] = lambda _client, _port: True
    """Checked on every update: the sensor appears once it holds, without a reload."""
    value_fn: Callable[[Port], StateType]


@dataclass(frozen=True, kw_only=True)
class GsmGatewaySensorDescription(SensorEntityDescription):
    """A sensor of the gateway device."""

    has_fn: Callable[[GatewayClient], bool] = lambda _client: True
    value_fn: Callable[[GsmGatewayCoordinator], StateType | datetime]
    push_driven: bool = False
    """Changed by pushes alone: updated after each push, not on each poll only."""
    outbox_driven: bool = False
    """Changed by the outbox: updated whenever a message comes or goes."""
    inbox_driven: bool = False
    """Changed by the inbox: updated when it changes (a burst: once)."""


@dataclass(frozen=True, kw_only=True)
class GsmSubDeviceSensorDescription(SensorEntityDescription):
    """A sensor of a sub-device (aggregator, phone)."""

    has_fn: Callable[[SubDevice], bool] = lambda _sub: True
    """Checked when the sub-device appears: whether its gateway type reports it."""
    value_fn: Callable[[SubDevice], StateType | datetime]


PORT_SENSORS: tuple[GsmPortSensorDescription, ...] = (
    GsmPortSensorDescription(
        key="signal_strength",
        translation_key="signal_strength",
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        state_class=SensorStateClass.MEASUREMENT,
        has_fn=_reports_port_status,
        value_fn=_signal,
    ),
    GsmPortSensorDescription(
        key="registration",
        translation_key="registration",
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in Registration],
        has_fn=_reports_port_status,
        value_fn=lambda port: port.registration.value,
    ),
    GsmPortSensorDescription(
        key="call_state",
        translation_key="call_state",
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in CallState],
        has_fn=lambda client, _port: client.supports(Capability.CALL_STATE),
        value_fn=lambda port: port.call_state.value if port.call_state else None,
    ),
    GsmPortSensorDescription(
        key="phone_number",
        translation_key="phone_number",
        has_fn=_sim_fact(lambda port: _sim(port).phone_number),
        value_fn=lambda port: _sim(port).phone_number,
    ),
    GsmPortSensorDescription(
        key="operator",
        translation_key="operator",
        has_fn=lambda _client, port: _sim(port).operator is not None,
        value_fn=lambda port: _sim(port).operator,
    ),
    GsmPortSensorDescription(
        key="network_type",
        translation_key="network_type",
        has_fn=_reports(lambda port: port.network_type),
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda port: port.network_type,
    ),
    GsmPortSensorDescription(
        key="imei",
        translation_key="imei",
        has_fn=_reports(lambda port: port.imei),
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda port: port.imei,
    ),
    GsmPortSensorDescription(
        key="imsi",
        translation_key="imsi",
        has_fn=_reports_port_status,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda port: _sim(port).imsi,
    ),
    GsmPortSensorDescription(
        key="iccid",
        translation_key="iccid",
        has_fn=_sim_fact(lambda port: _sim(port).iccid),
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda port: _sim(port).iccid,
    ),
    GsmPortSensorDescription(
        key="smsc",
        translation_key="smsc",
        has_fn=_reports_port_status,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda port: _sim(port).smsc,
    ),
    GsmPortSensorDescription(
        key="active_slot",
        translation_key="active_slot",
        device_class=SensorDeviceClass.ENUM,
        options=SLOT_OPTIONS,
        entity_category=EntityCategory.DIAGNOSTIC,
        has_fn=lambda _client, port: port.slot_count > 1,
        value_fn=lambda port: None if port.slot is None else str(port.slot),
    ),
)

SUB_DEVICE_SENSORS: tuple[GsmSubDeviceSensorDescription, ...] = (
    GsmSubDeviceSensorDescription(
        key="last_seen",
        translation_key="last_seen",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        has_fn=lambda sub: sub.last_seen is not None,
        value_fn=lambda sub: sub.last_seen,
    ),
    GsmSubDeviceSensorDescription(
        key="battery",
        translation_key="battery",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        has_fn=lambda sub: sub.battery is not None,
        value_fn=lambda sub: sub.battery,
    ),
    GsmSubDeviceSensorDescription(
        key="app_version",
        translation_key="app_version",
        entity_category=EntityCategory.DIAGNOSTIC,
        has_fn=lambda sub: sub.firmware is not None,
        value_fn=lambda sub: sub.firmware,
    ),
)

GATEWAY_SENSORS: tuple[GsmGatewaySensorDescription, ...] = (
    GsmGatewaySensorDescription(
        key="outbox",
        translation_key="outbox",
        state_class=SensorStateClass.MEASUREMENT,
        has_fn=lambda client: client.supports(Capability.SEND_SMS),
        value_fn=lambda coordinator: (
            coordinator.config_entry.runtime_data.outbox.waiting
        ),
        outbox_driven=True,
    ),
    GsmGatewaySensorDescription(
        key="sms_queue",
        translation_key="sms_queue",
        state_class=SensorStateClass.MEASUREMENT,
        has_fn=lambda client: client.supports(Capability.SMS_QUEUE),
        value_fn=lambda coordinator: coordinator.data.sms_queue,
    ),
    GsmGatewaySensorDescription(
        key="last_push",
        translation_key="last_push",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        has_fn=lambda client: client.supports(Capability.PUSH),
        value_fn=lambda coordinator: coordinator.last_push,
        push_driven=True,
        # Changes with every push: kept out of the logbook and history unless
        # wanted (diagnostics show the last push too).
        entity_registry_enabled_default=False,
    ),
    GsmGatewaySensorDescription(
        key="push_url",
        translation_key="push_url",
        entity_category=EntityCategory.DIAGNOSTIC,
        # Shown on the device page for gateways whose push target is set by
        # hand in their web UI (SPEC §2).
        has_fn=lambda client: client.supports(Capability.PUSH),
        value_fn=lambda coordinator: coordinator.webhook_url,
    ),
    GsmGatewaySensorDescription(
        key="unread",
        translation_key="unread",
        value_fn=lambda coordinator: coordinator.inbox.unread,
        inbox_driven=True,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GsmGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the gateway's sensors, and each port's as soon as it has them."""
    coordinator = entry.runtime_data.coordinator
    client = entry.runtime_data.client
    async_add_entities(
        GsmGatewaySensor(coordinator, description)
        for description in GATEWAY_SENSORS
        if description.has_fn(client)
    )

    known: set[tuple[str, str]] = set()

    @callback
    def add_new_sensors() -> None:
        """Ports that appear later, and values a SIM starts reporting (operator)."""
        new: list[GsmPortSensor] = []
        for port in coordinator.data.ports.values():
            for description in PORT_SENSORS:
                if (port.key, description.key) in known or not description.has_fn(
                    client, port
                ):
                    continue
                known.add((port.key, description.key))
                new.append(GsmPortSensor(coordinator, description, port.key))
        if new:
            async_add_entities(new)

    add_new_sensors()
    entry.async_on_unload(coordinator.async_add_listener(add_new_sensors))
    async_add_port_entities(
        entry,
        async_add_entities,
        lambda port: counter_sensors(coordinator, entry.runtime_data.counters, port),
    )
    async_add_balance_sensors(entry, async_add_entities)
    async_add_sub_device_entities(
        entry,
        async_add_entities,
        lambda sub: (
            GsmSubDeviceSensor(coordinator, description, sub.key)
            for description in SUB_DEVICE_SENSORS
            if description.has_fn(sub)
        ),
    )


class GsmPortSensor(GsmPortEntity, SensorEntity):
    """A sensor of a port / SIM device."""

    entity_description: GsmPortSensorDescription

    @property
    @override
    def native_value(self) -> StateType:
        return self.entity_description.value_fn(self.port)


class GsmGatewaySensor(GsmGatewayEntity, SensorEntity):
    """A sensor of the gateway device."""

    entity_description: GsmGatewaySensorDescription

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        if self.entity_description.push_driven:
            self.async_on_remove(
                self.coordinator.async_add_push_listener(self.async_write_ha_state)
            )
        if self.entity_description.outbox_driven:
            outbox = self.coordinator.config_entry.runtime_data.outbox
            self.async_on_remove(outbox.async_add_listener(self.async_write_ha_state))
        if self.entity_description.inbox_driven:
            self.async_on_remove(
                self.coordinator.inbox.async_add_listener(self.async_write_ha_state)
            )

    @property
    @override
    def available(self) -> bool:
        """The outbox is there whether the gateway answers or not."""
        return self.entity_description.outbox_driven or super().available

    @property
    @override
    def native_value(self) -> StateType | datetime:
        return self.entity_description.value_fn(self.coordinator)


class GsmSubDeviceSensor(GsmSubDeviceEntity, SensorEntity):
    """A sensor of a sub-device (aggregator, phone)."""

    entity_description: GsmSubDeviceSensorDescription

    @property
    @override
    def native_value(self) -> StateType | datetime:
        return self.entity_description.value_fn(self.sub_device)
