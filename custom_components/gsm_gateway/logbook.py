"""Logbook entries for the bus events of SPEC §5, in words.

The text of a received SMS is left out: SMS carry one-time codes, and the
logbook is shown to every user.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from .api import CallEventState, SmsStatus
from .const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DEVICE_ID,
    ATTR_NUMBER,
    ATTR_PORT,
    ATTR_SENDER,
    ATTR_STATE,
    ATTR_STATUS,
    ATTR_TEXT,
    DOMAIN,
    EVENT_CALL,
    EVENT_SIM_STATUS,
    EVENT_SMS_RECEIVED,
    EVENT_SMS_STATUS,
    EVENT_USSD_RECEIVED,
)

CALL_PHRASES: dict[str, str] = {
    CallEventState.INCOMING: "incoming call from {number}",
    CallEventState.ANSWERED: "call with {number} answered",
    CallEventState.ENDED: "call with {number} ended",
    CallEventState.OUTGOING: "outgoing call to {number}",
    CallEventState.MISSED: "missed call from {number}",
}

STATUS_PHRASES: dict[str, str] = {
    SmsStatus.QUEUED: "queued",
    SmsStatus.SENDING: "being sent",
    SmsStatus.SENT: "sent",
    SmsStatus.FAILED: "failed",
    SmsStatus.DELIVERED: "delivered",
    SmsStatus.UNDELIVERED: "not delivered",
}

SIM_PHRASES: dict[str, str] = {
    "registered": "registered on the network",
    "roaming": "roaming",
    "searching": "searching for a network",
    "not_registered": "not registered",
    "denied": "refused by the network",
    "no_sim": "without a SIM card",
    "pin_required": "waiting for the PIN",
    "puk_required": "waiting for the PUK",
    "power_off": "powered off",
    "unknown": "in an unknown state",
}

DescribeEvent = Callable[[str, str, Callable[[Event], dict[str, str]]], None]


@callback
def async_describe_events(
    hass: HomeAssistant, async_describe_event: DescribeEvent
) -> None:
    """Describe the integration's bus events."""

    def gateway_name(data: Mapping[str, Any]) -> str:
        entry = hass.config_entries.async_get_entry(data.get(ATTR_CONFIG_ENTRY_ID, ""))
        return entry.title if entry is not None else "GSM Gateway"

    def port_name(data: Mapping[str, Any]) -> str:
        if (
            (device_id := data.get(ATTR_DEVICE_ID))
            and (device := dr.async_get(hass).async_get(device_id))
            and (name := device.name_by_user or device.name)
        ):
            return name
        port = data.get(ATTR_PORT)
        return "the gateway" if port is None else f"port {port}"

    def entry(data: Mapping[str, Any], message: str) -> dict[str, str]:
        return {LOGBOOK_ENTRY_NAME: gateway_name(data), LOGBOOK_ENTRY_MESSAGE: message}

    @callback
    def sms_received(event: Event) -> dict[str, str]:
        data = event.data
        sender = data.get(ATTR_SENDER) or "an unknown sender"
        return entry(data, f"SMS from {sender} on {port_name(data)}")

    @callback
    def sms_status(event: Event) -> dict[str, str]:
        data = event.data
        status = data.get(ATTR_STATUS, "")
        phrase = STATUS_PHRASES.get(status, status)
        number = data.get(ATTR_NUMBER) or "an unknown number"
        return entry(data, f"SMS to {number} {phrase} ({port_name(data)})")

    @callback
    def ussd_received(event: Event) -> dict[str, str]:
        data = event.data
        return entry(
            data, f"USSD reply on {port_name(data)}: {data.get(ATTR_TEXT, '')}"
        )

    @callback
    def call(event: Event) -> dict[str, str]:
        data = event.data
        state = data.get(ATTR_STATE, "")
        number = data.get(ATTR_NUMBER) or "an unknown number"
        phrase = CALL_PHRASES.get(state, f"call {state} with {{number}}")
        return entry(data, f"{phrase.format(number=number)} on {port_name(data)}")

    @callback
    def sim_status(event: Event) -> dict[str, str]:
        data = event.data
        state = data.get(ATTR_STATE, "")
        return entry(data, f"{port_name(data)} is {SIM_PHRASES.get(state, state)}")

    async_describe_event(DOMAIN, EVENT_SMS_RECEIVED, sms_received)
    async_describe_event(DOMAIN, EVENT_SMS_STATUS, sms_status)
    async_describe_event(DOMAIN, EVENT_USSD_RECEIVED, ussd_received)
    async_describe_event(DOMAIN, EVENT_CALL, call)
    async_describe_event(DOMAIN, EVENT_SIM_STATUS, sim_status)
