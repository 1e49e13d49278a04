"""What every action shares: naming its gateway and ports, numbers, times."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
import re
from typing import Any, Literal, overload

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, ATTR_DEVICE_ID
from homeassistant.core import (
    HomeAssistant,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.service import (
    async_get_config_entry,
)
from homeassistant.util import dt as dt_util
import probatio

from ..api import (
    Capability,
    GatewayClient,
    GatewayNotSupportedError,
    Port,
    SubDevice,
)
from ..const import DOMAIN
from ..coordinator import (
    GsmGatewayConfigEntry,
    GsmGatewayCoordinator,
    port_can_send,
)
from ..flow_forms import parse_recipients
from ..helpers import translate_error

ATTR_NUMBER = "number"
ATTR_MESSAGE = "message"
ATTR_ENCODING = "encoding"
ATTR_DELIVERY_REPORT = "delivery_report"
ATTR_SEND_AT = "send_at"
ATTR_URGENT = "urgent"
ATTR_CODE = "code"
ATTR_TIMEOUT = "timeout"
ATTR_ITEM = "item"
ATTR_ACTION = "action"
ATTR_TEXT = "text"
ATTR_POWER = "power"
ATTR_SLOT = "slot"
ATTR_START = "start"
ATTR_END = "end"
ATTR_TASK_ID = "task_id"
ATTR_COMMAND = "command"
ATTR_CARD = "card"
ATTR_CARDS = "cards"
ATTR_KIND = "kind"
ATTR_IDS = "ids"
ATTR_BEFORE = "before"
ATTR_FIELDS = "fields"
ATTR_RECORD = "record"
ATTR_QUEUE = "queue"
DEFAULT_USSD_TIMEOUT = 30
MAX_USSD_TIMEOUT = 180

_NUMBER_LIST_SEPARATORS = re.compile(r"[;,]")

TARGET_FIELDS: dict[Any, Any] = {
    probatio.Optional(ATTR_DEVICE_ID): probatio.All(cv.ensure_list, [cv.string]),
    probatio.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
}
TARGET_SCHEMA = probatio.Schema(TARGET_FIELDS)


@dataclass(frozen=True, kw_only=True)
class Target:
    """A loaded gateway, and the ports of it an action names (none: it picks)."""

    entry: GsmGatewayConfigEntry
    ports: tuple[Port, ...] = ()
    devices: tuple[SubDevice, ...] = ()
    """Sub-devices (aggregators, phones) the action names, for actions on them."""

    @property
    def coordinator(self) -> GsmGatewayCoordinator:
        """The gateway's coordinator."""
        return self.entry.runtime_data.coordinator

    @property
    def client(self) -> GatewayClient:
        """The gateway's client."""
        return self.entry.runtime_data.client

    def require(self, capability: Capability) -> None:
        """Refuse, before anything is sent, what this gateway type cannot do."""
        if not self.client.supports(capability):
            raise translate_error(GatewayNotSupportedError(capability.value))


@overload
def pick_ports(target: Target, *, single: Literal[True]) -> tuple[int]: ...
@overload
def pick_ports(target: Target, *, single: Literal[False]) -> tuple[int, ...] | None: ...
def pick_ports(target: Target, *, single: bool) -> tuple[int, ...] | None:
    """The vendor port numbers an action runs on: the named ones, or the gateway's pick.

    With no port named, sends (and CDR queries) name no port (`None`): the
    gateway spreads sends over its registered ports itself, as a Dinstar does.
    An action on one port (USSD, SIM Toolkit) takes the registered port with
    the best signal. A sub-device (an aggregator, a phone) stands for its
    ports: those that can send now first, best signal first.
    """
    if target.devices:
        ports = sorted(
            target.ports,
            key=lambda port: (not port_can_send(port), -(port.signal_dbm or -200)),
        )
        if not ports or (single and not port_can_send(ports[0])):
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="no_port_available",
                translation_placeholders={"gateway": target.entry.title},
            )
        return (ports[0].number,) if single else tuple(p.number for p in ports)
    if target.ports:
        if not single:
            return tuple(port.number for port in target.ports)
        if len(target.ports) > 1:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="one_port_only"
            )
        return (target.ports[0].number,)
    if not single:
        return None
    if not (available := target.coordinator.available_ports):
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="no_port_available",
            translation_placeholders={"gateway": target.entry.title},
        )
    return (available[0].number,)


def named_ports(target: Target) -> tuple[int, ...]:
    """The ports a module action (power, reset, slot) runs on: never a guess.

    A gateway that is its one port (a modem) needs none named.
    """
    if not target.ports and target.coordinator.info.single_port:
        return tuple(port.number for port in target.coordinator.data.ports.values())
    if not target.ports:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="port_required"
        )
    return tuple(port.number for port in target.ports)


def _device_label(device: dr.BaseDeviceEntry) -> str:
    return device.name_by_user or device.name or device.id


@callback
def async_resolve_targets(hass: HomeAssistant, data: dict[str, Any]) -> list[Target]:
    """The gateways (and their ports) an action call names, loaded ones only."""
    device_ids: list[str] = data.get(ATTR_DEVICE_ID, [])
    entry_ids: list[str] = cv.ensure_list(data.get(ATTR_CONFIG_ENTRY_ID))
    if not device_ids and not entry_ids:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="no_target"
        )
    ports: dict[str, list[Port]] = {}
    sub_devices: dict[str, list[SubDevice]] = {}
    entries: dict[str, GsmGatewayConfigEntry] = {}
    for entry_id in entry_ids:
        if len(entry_ids) > 1 and not _loaded(hass, entry_id):
            continue  # A fallback not set up (its gateway away at start-up).
        entry: GsmGatewayConfigEntry = async_get_config_entry(hass, DOMAIN, entry_id)
        entries[entry.entry_id] = entry
        ports[entry.entry_id] = []
    if entry_ids and not entries:
        async_get_config_entry(hass, DOMAIN, entry_ids[0])  # Raises why not.
    registry = dr.async_get(hass)
    for device_id in device_ids:
        if (device := registry.async_get(device_id)) is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_device",
                translation_placeholders={"device": device_id},
            )
        entry = _entry_of_device(hass, device)
        if entry_ids and entry.entry_id not in entry_ids:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="device_of_other_gateway",
                translation_placeholders={"device": _device_label(device)},
            )
        entries[entry.entry_id] = entry
        named = ports.setdefault(entry.entry_id, [])
        coordinator = entry.runtime_data.coordinator
        if device.id == coordinator.gateway_device_id:
            if coordinator.info.single_port:
                # A modem's one device is the gateway and its port at once.
                named.extend(
                    port
                    for port in coordinator.data.ports.values()
                    if port not in named
                )
            continue
        if (sub := coordinator.sub_device_for_device(device.id)) is not None:
            subs = sub_devices.setdefault(entry.entry_id, [])
            if sub not in subs:
                subs.append(sub)
            # A phone or aggregator: the ports (SIMs) under it.
            named.extend(
                port
                for port in coordinator.data.ports.values()
                if port.parent_key == sub.key and port not in named
            )
            continue
        if (port := coordinator.port_for_device(device.id)) is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="port_unknown",
                translation_placeholders={"device": _device_label(device)},
            )
        if port not in named:
            named.append(port)
    return [
        Target(
            entry=entries[key],
            ports=tuple(named),
            devices=tuple(sub_devices.get(key, ())),
        )
        for key, named in ports.items()
    ]


def _loaded(hass: HomeAssistant, entry_id: str) -> bool:
    entry = hass.config_entries.async_get_entry(entry_id)
    return entry is not None and entry.state is ConfigEntryState.LOADED


def _entry_of_device(
    hass: HomeAssistant, device: dr.BaseDeviceEntry
) -> GsmGatewayConfigEntry:
    """The loaded entry of one of this integration's devices."""
    entry = hass.config_entries.async_get_entry(device.config_entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_device",
            translation_placeholders={"device": _device_label(device)},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"gateway": entry.title},
        )
    loaded: GsmGatewayConfigEntry = entry
    return loaded


def one_named_port(target: Target) -> int:
    """The one port an action on a port (a call, an AT command) names."""
    ports = named_ports(target)
    if len(ports) > 1:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="one_port_only"
        )
    return ports[0]


def ports_of_devices(
    hass: HomeAssistant, target: Target, device_ids: Iterable[str]
) -> tuple[Port, ...]:
    """The ports of `target`'s gateway that devices named in a field stand for."""
    registry = dr.async_get(hass)
    found: list[Port] = []
    for device_id in device_ids:
        device = registry.async_get(device_id)
        if device is not None and device.config_entry_id != target.entry.entry_id:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="device_of_other_gateway",
                translation_placeholders={"device": _device_label(device)},
            )
        port = None if device is None else target.coordinator.port_for_device(device.id)
        if device is None or port is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="port_unknown",
                translation_placeholders={
                    "device": device_id if device is None else _device_label(device)
                },
            )
        found.append(port)
    return tuple(found)


def single_target(targets: list[Target]) -> Target:
    """The one gateway an action for one gateway names."""
    if len(targets) > 1:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="one_gateway_only"
        )
    return targets[0]


def parse_numbers(values: Iterable[str]) -> list[str]:
    """Phone numbers from a list whose items may each hold several, split by , or ;.

    Same rules as the default recipients of the options: spaces, dots, dashes
    and brackets are dropped, duplicates go.
    """
    try:
        return parse_recipients(
            ",".join(_NUMBER_LIST_SEPARATORS.sub(",", value) for value in values)
        )
    except ValueError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_number",
            translation_placeholders={"number": str(err)},
        ) from err


def aware(value: datetime | None) -> datetime | None:
    """A datetime the user gave without a zone is in Home Assistant's zone."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt_util.get_default_time_zone())
