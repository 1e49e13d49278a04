"""Device triggers: "SMS received on port 2", "missed call on port 5", ...

Each is an event trigger on a bus event of SPEC §5. On a port device it
matches the port's `device_id`; on the gateway device it matches every port
of the gateway (`config_entry_id`). Optional fields narrow it to a sender,
caller, or SIM state.
"""

from __future__ import annotations

from typing import Any, Final

from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.components.device_automation.exceptions import (
    InvalidDeviceAutomationConfig,
)
from homeassistant.components.homeassistant.triggers import event as event_trigger
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_EVENT,
    CONF_EVENT_DATA,
    CONF_PLATFORM,
    CONF_TYPE,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType
import probatio

from .api import CallEventState, Capability, Registration
from .const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DEVICE_ID,
    ATTR_NUMBER,
    ATTR_SENDER,
    ATTR_STATE,
    DOMAIN,
    EVENT_CALL,
    EVENT_SIM_STATUS,
    EVENT_SMS_RECEIVED,
)
from .coordinator import GsmGatewayConfigEntry

TRIGGER_SMS_RECEIVED: Final = "sms_received"
TRIGGER_SIM_STATUS_CHANGED: Final = "sim_status_changed"

CALL_TRIGGERS: Final[dict[str, CallEventState]] = {
    "incoming_call": CallEventState.INCOMING,
    "call_answered": CallEventState.ANSWERED,
    "call_ended": CallEventState.ENDED,
    "outgoing_call": CallEventState.OUTGOING,
    "missed_call": CallEventState.MISSED,
}
"""Trigger type → the `state` of `gsm_gateway_call` it fires on."""

TRIGGER_TYPES: Final = frozenset(
    {TRIGGER_SMS_RECEIVED, TRIGGER_SIM_STATUS_CHANGED, *CALL_TRIGGERS}
)

CALL_CAPABILITIES: Final = (Capability.CALLS, Capability.CALL_STATE)
"""A gateway that reports calls by one of these has call triggers."""

CONF_SENDER: Final = ATTR_SENDER
CONF_NUMBER: Final = ATTR_NUMBER
CONF_STATE: Final = ATTR_STATE

TRIGGER_SCHEMA: Final = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {
        probatio.Required(CONF_TYPE): probatio.In(TRIGGER_TYPES),
        probatio.Optional(CONF_SENDER): cv.string,
        probatio.Optional(CONF_NUMBER): cv.string,
        probatio.Optional(CONF_STATE): probatio.In([r.value for r in Registration]),
    }
)


def _entry_id_of_device(hass: HomeAssistant, device_id: str) -> tuple[str, bool]:
    """The entry of one of our devices, and whether it is the gateway device.

    Read from the device registry alone: automations attach their triggers
    at start-up, possibly before the entry is loaded.
    """
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        raise InvalidDeviceAutomationConfig(
            translation_domain=DOMAIN,
            translation_key="device_not_found",
            translation_placeholders={"device": device_id},
        )
    entry = hass.config_entries.async_get_entry(device.config_entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise InvalidDeviceAutomationConfig(
            translation_domain=DOMAIN,
            translation_key="device_not_found",
            translation_placeholders={"device": device_id},
        )
    is_gateway = isinstance(device, dr.DeviceEntry) and device.via_device_id is None
    return entry.entry_id, is_gateway


async def async_validate_trigger_config(
    hass: HomeAssistant, config: ConfigType
) -> ConfigType:
    """Check the trigger's fields."""
    validated: ConfigType = TRIGGER_SCHEMA(config)
    return validated


async def async_get_triggers(
    hass: HomeAssistant, device_id: str
) -> list[dict[str, str]]:
    """The triggers of a port device, or of the gateway device for all its ports."""
    entry_id, _ = _entry_id_of_device(hass, device_id)
    types = [TRIGGER_SMS_RECEIVED]
    entry: GsmGatewayConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if (
        entry is None
        or entry.state is not ConfigEntryState.LOADED
        or any(entry.runtime_data.client.supports(c) for c in CALL_CAPABILITIES)
    ):
        types.extend(CALL_TRIGGERS)
    types.append(TRIGGER_SIM_STATUS_CHANGED)
    return [
        {
            CONF_PLATFORM: "device",
            CONF_DEVICE_ID: device_id,
            CONF_DOMAIN: DOMAIN,
            CONF_TYPE: trigger_type,
        }
        for trigger_type in types
    ]


async def async_get_trigger_capabilities(
    hass: HomeAssistant, config: ConfigType
) -> dict[str, probatio.Schema]:
    """Optional fields: the sender, the other party of a call, the SIM state."""
    trigger_type = config[CONF_TYPE]
    fields: dict[probatio.Optional, Any]
    if trigger_type == TRIGGER_SMS_RECEIVED:
        fields = {probatio.Optional(CONF_SENDER): cv.string}
    elif trigger_type in CALL_TRIGGERS:
        fields = {probatio.Optional(CONF_NUMBER): cv.string}
    else:
        fields = {
            probatio.Optional(CONF_STATE): SelectSelector(
                SelectSelectorConfig(
                    options=[r.value for r in Registration],
                    mode=SelectSelectorMode.DROPDOWN,
                    translation_key="registration",
                )
            )
        }
    return {"extra_fields": probatio.Schema(fields)}


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Listen for the trigger's bus event."""
    entry_id, is_gateway = _entry_id_of_device(hass, config[CONF_DEVICE_ID])
    trigger_type = config[CONF_TYPE]
    event_data: dict[str, str] = (
        {ATTR_CONFIG_ENTRY_ID: entry_id}
        if is_gateway
        else {ATTR_DEVICE_ID: config[CONF_DEVICE_ID]}
    )
    if trigger_type == TRIGGER_SMS_RECEIVED:
        event_type = EVENT_SMS_RECEIVED
        if CONF_SENDER in config:
            event_data[ATTR_SENDER] = config[CONF_SENDER]
    elif trigger_type in CALL_TRIGGERS:
        event_type = EVENT_CALL
        event_data[ATTR_STATE] = CALL_TRIGGERS[trigger_type].value
        if CONF_NUMBER in config:
            event_data[ATTR_NUMBER] = config[CONF_NUMBER]
    else:
        event_type = EVENT_SIM_STATUS
        if CONF_STATE in config:
            event_data[ATTR_STATE] = config[CONF_STATE]
    event_config = event_trigger.TRIGGER_SCHEMA(
        {
            CONF_PLATFORM: CONF_EVENT,
            event_trigger.CONF_EVENT_TYPE: event_type,
            CONF_EVENT_DATA: event_data,
        }
    )
    return await event_trigger.async_attach_trigger(
        hass, event_config, action, trigger_info, platform_type="device"
    )
