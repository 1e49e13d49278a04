"""Actions of the integration (SPEC §4).

Every action names its gateway by a device of this integration (a port
device, or the gateway device) or by `config_entry_id`. A port device means
that port; the gateway device or the entry alone lets the gateway pick the
port (`pick_ports`, the one place that choice is made).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
import re
from typing import Any, Literal, overload
import uuid

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, ATTR_DEVICE_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.service import (
    async_get_config_entry,
    async_register_admin_service,
)
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType
import probatio

from .api import (
    CallRecord,
    Capability,
    Encoding,
    GatewayClient,
    GatewayNotSupportedError,
    Port,
    SendRequest,
    SendResult,
    SmsStatusUpdate,
    StkAction,
    StkView,
)
from .config_flow import parse_recipients
from .const import DOMAIN
from .coordinator import GsmGatewayConfigEntry, GsmGatewayCoordinator
from .helpers import call_gateway, translate_error

SERVICE_SEND_SMS = "send_sms"
SERVICE_SEND_USSD = "send_ussd"
SERVICE_STK_VIEW = "stk_view"
SERVICE_STK_ACTION = "stk_action"
SERVICE_SET_POWER = "set_power"
SERVICE_RESET_MODULE = "reset_module"
SERVICE_SELECT_SLOT = "select_slot"
SERVICE_SEND_TELEGRAM = "send_telegram"
SERVICE_GET_CDR = "get_cdr"
SERVICE_STOP_SMS = "stop_sms"

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

DEFAULT_USSD_TIMEOUT = 30
MAX_USSD_TIMEOUT = 180

_NUMBER_LIST_SEPARATORS = re.compile(r"[;,]")

TARGET_FIELDS: dict[Any, Any] = {
    probatio.Optional(ATTR_DEVICE_ID): probatio.All(cv.ensure_list, [cv.string]),
    probatio.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
}

SEND_SMS_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
        probatio.Required(ATTR_NUMBER): probatio.All(cv.ensure_list, [cv.string]),
        probatio.Required(ATTR_MESSAGE): probatio.All(
            cv.string, probatio.Length(min=1)
        ),
        probatio.Optional(ATTR_ENCODING, default=Encoding.AUTO): probatio.Coerce(
            Encoding
        ),
        probatio.Optional(ATTR_DELIVERY_REPORT, default=True): cv.boolean,
        probatio.Optional(ATTR_SEND_AT): cv.datetime,
        probatio.Optional(ATTR_URGENT, default=False): cv.boolean,
    }
)
SEND_USSD_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
        probatio.Required(ATTR_CODE): probatio.All(cv.string, probatio.Length(min=1)),
        probatio.Optional(ATTR_TIMEOUT, default=DEFAULT_USSD_TIMEOUT): probatio.All(
            probatio.Coerce(int), probatio.Range(min=1, max=MAX_USSD_TIMEOUT)
        ),
    }
)
TARGET_SCHEMA = probatio.Schema(TARGET_FIELDS)
STK_ACTION_SCHEMA = probatio.All(
    probatio.Schema(
        {
            **TARGET_FIELDS,
            probatio.Exclusive(ATTR_ITEM, "stk"): probatio.All(
                probatio.Coerce(int), probatio.Range(min=0)
            ),
            probatio.Exclusive(ATTR_ACTION, "stk"): probatio.Coerce(StkAction),
            probatio.Optional(ATTR_TEXT): cv.string,
        }
    ),
    cv.has_at_least_one_key(ATTR_ITEM, ATTR_ACTION),
)
SET_POWER_SCHEMA = probatio.Schema(
    {**TARGET_FIELDS, probatio.Required(ATTR_POWER): probatio.In(["on", "off"])}
)
SELECT_SLOT_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
        probatio.Required(ATTR_SLOT): probatio.All(
            probatio.Coerce(int), probatio.Range(min=0, max=3)
        ),
    }
)
SEND_TELEGRAM_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
        probatio.Required(ATTR_MESSAGE): probatio.All(
            cv.string, probatio.Length(min=1)
        ),
    }
)
GET_CDR_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
        probatio.Optional(ATTR_START): cv.datetime,
        probatio.Optional(ATTR_END): cv.datetime,
    }
)
STOP_SMS_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
        probatio.Required(ATTR_TASK_ID): probatio.All(
            probatio.Coerce(int), probatio.Range(min=0)
        ),
    }
)


@dataclass(frozen=True, kw_only=True)
class Target:
    """A loaded gateway, and the ports of it an action names (none: it picks)."""

    entry: GsmGatewayConfigEntry
    ports: tuple[Port, ...] = ()

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
    the best signal.
    """
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


def _named_ports(target: Target) -> tuple[int, ...]:
    """The ports a module action (power, reset, slot) runs on: never a guess."""
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
    entry_id: str | None = data.get(ATTR_CONFIG_ENTRY_ID)
    if not device_ids and entry_id is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="no_target"
        )
    ports: dict[str, list[Port]] = {}
    entries: dict[str, GsmGatewayConfigEntry] = {}
    if entry_id is not None:
        entry: GsmGatewayConfigEntry = async_get_config_entry(hass, DOMAIN, entry_id)
        entries[entry.entry_id] = entry
        ports[entry.entry_id] = []
    registry = dr.async_get(hass)
    for device_id in device_ids:
        if (device := registry.async_get(device_id)) is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_device",
                translation_placeholders={"device": device_id},
            )
        entry = _entry_of_device(hass, device)
        if entry_id is not None and entry.entry_id != entry_id:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="device_of_other_gateway",
                translation_placeholders={"device": _device_label(device)},
            )
        entries[entry.entry_id] = entry
        named = ports.setdefault(entry.entry_id, [])
        coordinator = entry.runtime_data.coordinator
        if device.id == coordinator.gateway_device_id:
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
        Target(entry=entries[key], ports=tuple(named)) for key, named in ports.items()
    ]


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


def _single_target(targets: list[Target]) -> Target:
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


def _aware(value: datetime | None) -> datetime | None:
    """A datetime the user gave without a zone is in Home Assistant's zone."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt_util.get_default_time_zone())


async def async_send_sms(
    target: Target,
    numbers: Sequence[str],
    text: str,
    *,
    encoding: Encoding = Encoding.AUTO,
    delivery_report: bool = True,
    send_at: datetime | None = None,
    urgent: bool = False,
) -> SendResult:
    """Send one text to `numbers`, and fire `queued` for each message.

    Shared by the action and both kinds of notify.
    """
    target.require(Capability.SEND_SMS)
    if (send_at is not None or urgent) and not target.client.supports(
        Capability.SCHEDULED_SEND
    ):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="scheduled_not_supported",
            translation_placeholders={"gateway": target.entry.title},
        )
    if not numbers:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="no_recipients"
        )
    request = SendRequest(
        numbers=tuple(numbers),
        text=text,
        ports=pick_ports(target, single=False),
        encoding=encoding,
        delivery_report=delivery_report,
        send_at=_aware(send_at),
        urgent=urgent,
    )
    result = await call_gateway(target.client.send_sms(request))
    target.coordinator.inbox.async_send_result(text, result)
    target.coordinator.tracker.async_statuses(
        SmsStatusUpdate(
            message_id=message.message_id,
            number=message.number,
            port=message.port,
            status=message.status,
            # Without an id, nothing tells two sends to one number apart.
            sequence=None if message.message_id else f"sent|{uuid.uuid4().hex}",
        )
        for message in result.messages
    )
    await target.coordinator.tracker.async_commit()
    return result


def _stk_response(view: StkView) -> dict[str, Any]:
    return {
        "title": view.title,
        "text": view.text,
        "input_type": view.input_type,
        "items": [{"id": item.id, "text": item.text} for item in view.items],
        "frame_id": view.frame_id,
    }


def _isoformat(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _call_record(record: CallRecord) -> dict[str, Any]:
    return {
        "port": record.port,
        "start": _isoformat(record.start),
        "answer": _isoformat(record.answer),
        "direction": record.direction,
        "duration": record.duration,
        "source_number": record.source_number,
        "destination_number": record.destination_number,
        "hangup": record.hangup,
    }


async def _async_send_sms(call: ServiceCall) -> ServiceResponse:
    targets = async_resolve_targets(call.hass, call.data)
    numbers = parse_numbers(call.data[ATTR_NUMBER])
    messages: list[JsonValueType] = []
    task_ids: list[JsonValueType] = []
    for target in targets:
        result = await async_send_sms(
            target,
            numbers,
            call.data[ATTR_MESSAGE],
            encoding=call.data[ATTR_ENCODING],
            delivery_report=call.data[ATTR_DELIVERY_REPORT],
            send_at=call.data.get(ATTR_SEND_AT),
            urgent=call.data[ATTR_URGENT],
        )
        messages.extend(
            {
                "number": message.number,
                "message_id": message.message_id,
                "port": message.port,
                "status": message.status.value,
            }
            for message in result.messages
        )
        task_ids.extend(result.task_ids)
    return {"messages": messages, "task_ids": task_ids}


async def _async_send_ussd(call: ServiceCall) -> ServiceResponse:
    target = _single_target(async_resolve_targets(call.hass, call.data))
    target.require(Capability.USSD)
    (port,) = pick_ports(target, single=True)
    reply = await call_gateway(
        target.client.send_ussd(port, call.data[ATTR_CODE], call.data[ATTR_TIMEOUT])
    )
    target.coordinator.fire_ussd(reply)
    return {"reply": reply.text}


def _stk_port(call: ServiceCall) -> tuple[Target, int]:
    target = _single_target(async_resolve_targets(call.hass, call.data))
    target.require(Capability.STK)
    (port,) = pick_ports(target, single=True)
    return target, port


async def _async_stk_view(call: ServiceCall) -> ServiceResponse:
    target, port = _stk_port(call)
    return _stk_response(await call_gateway(target.client.stk_view(port)))


async def _async_stk_action(call: ServiceCall) -> ServiceResponse:
    target, port = _stk_port(call)
    view = await call_gateway(
        target.client.stk_action(
            port,
            item=call.data.get(ATTR_ITEM),
            action=call.data.get(ATTR_ACTION),
            text=call.data.get(ATTR_TEXT),
        )
    )
    return _stk_response(view)


async def _async_set_power(call: ServiceCall) -> None:
    targets = async_resolve_targets(call.hass, call.data)
    for target in targets:
        target.require(Capability.POWER)
    for target in targets:
        for port in _named_ports(target):
            await call_gateway(
                target.client.set_power(port, call.data[ATTR_POWER] == "on")
            )
        await target.coordinator.async_request_refresh()


async def _async_reset_module(call: ServiceCall) -> None:
    targets = async_resolve_targets(call.hass, call.data)
    for target in targets:
        target.require(Capability.RESET)
    for target in targets:
        for port in _named_ports(target):
            await call_gateway(target.client.reset_module(port))
        await target.coordinator.async_request_refresh()


async def _async_select_slot(call: ServiceCall) -> None:
    targets = async_resolve_targets(call.hass, call.data)
    for target in targets:
        target.require(Capability.SLOT)
    for target in targets:
        for port in _named_ports(target):
            await call_gateway(target.client.select_slot(port, call.data[ATTR_SLOT]))
        await target.coordinator.async_request_refresh()


async def _async_send_telegram(call: ServiceCall) -> None:
    target = _single_target(async_resolve_targets(call.hass, call.data))
    target.require(Capability.TELEGRAM)
    await call_gateway(target.client.send_telegram(call.data[ATTR_MESSAGE]))


async def _async_get_cdr(call: ServiceCall) -> ServiceResponse:
    target = _single_target(async_resolve_targets(call.hass, call.data))
    target.require(Capability.CDR)
    records = await call_gateway(
        target.client.get_cdr(
            pick_ports(target, single=False),
            _aware(call.data.get(ATTR_START)),
            _aware(call.data.get(ATTR_END)),
        )
    )
    return {"records": [_call_record(record) for record in records]}


async def _async_stop_sms(call: ServiceCall) -> None:
    target = _single_target(async_resolve_targets(call.hass, call.data))
    target.require(Capability.STOP_SMS)
    await call_gateway(target.client.stop_sms(call.data[ATTR_TASK_ID]))
    await target.coordinator.async_request_refresh()


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions, once for every entry.

    Actions that change the radio module or the SIM (power, reset, slot, SIM
    Toolkit input) are for administrators.
    """
    hass.services.async_register(
        DOMAIN,
        SERVICE_SEND_SMS,
        _async_send_sms,
        schema=SEND_SMS_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_SEND_USSD,
        _async_send_ussd,
        schema=SEND_USSD_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_STK_VIEW,
        _async_stk_view,
        schema=TARGET_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_STK_ACTION,
        _async_stk_action,
        schema=STK_ACTION_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    async_register_admin_service(
        hass, DOMAIN, SERVICE_SET_POWER, _async_set_power, schema=SET_POWER_SCHEMA
    )
    async_register_admin_service(
        hass, DOMAIN, SERVICE_RESET_MODULE, _async_reset_module, schema=TARGET_SCHEMA
    )
    async_register_admin_service(
        hass, DOMAIN, SERVICE_SELECT_SLOT, _async_select_slot, schema=SELECT_SLOT_SCHEMA
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_SEND_TELEGRAM,
        _async_send_telegram,
        schema=SEND_TELEGRAM_SCHEMA,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_CDR,
        _async_get_cdr,
        schema=GET_CDR_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN, SERVICE_STOP_SMS, _async_stop_sms, schema=STOP_SMS_SCHEMA
    )
