"""Actions on the radio module and its SIM (administrators).

Power, reset, SIM slot, and AT commands sent to the modem.
"""

from __future__ import annotations

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.service import (
    async_register_admin_service,
)
import probatio

from ..api import (
    Capability,
)
from ..const import DOMAIN
from ..helpers import call_gateway
from .common import (
    ATTR_COMMAND,
    ATTR_POWER,
    ATTR_SLOT,
    ATTR_TIMEOUT,
    TARGET_FIELDS,
    TARGET_SCHEMA,
    async_resolve_targets,
    named_ports,
    one_named_port,
    single_target,
)

SERVICE_SET_POWER = "set_power"
SERVICE_RESET_MODULE = "reset_module"
SERVICE_SELECT_SLOT = "select_slot"

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


async def _async_set_power(call: ServiceCall) -> None:
    targets = async_resolve_targets(call.hass, call.data)
    for target in targets:
        target.require(Capability.POWER)
    for target in targets:
        for port in named_ports(target):
            await call_gateway(
                target.client.set_power(port, call.data[ATTR_POWER] == "on")
            )
        await target.coordinator.async_request_refresh()


async def _async_reset_module(call: ServiceCall) -> None:
    targets = async_resolve_targets(call.hass, call.data)
    for target in targets:
        target.require(Capability.RESET)
    for target in targets:
        for port in named_ports(target):
            await call_gateway(target.client.reset_module(port))
        await target.coordinator.async_request_refresh()


async def _async_select_slot(call: ServiceCall) -> None:
    targets = async_resolve_targets(call.hass, call.data)
    for target in targets:
        target.require(Capability.SLOT)
    for target in targets:
        for port in named_ports(target):
            await call_gateway(target.client.select_slot(port, call.data[ATTR_SLOT]))
        await target.coordinator.async_request_refresh()


SERVICE_SEND_AT_COMMAND = "send_at_command"
DEFAULT_AT_TIMEOUT = 10
MAX_AT_TIMEOUT = 120

SEND_AT_COMMAND_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
        probatio.Required(ATTR_COMMAND): probatio.All(
            cv.string, probatio.Length(min=1)
        ),
        probatio.Optional(ATTR_TIMEOUT, default=DEFAULT_AT_TIMEOUT): probatio.All(
            probatio.Coerce(int), probatio.Range(min=1, max=MAX_AT_TIMEOUT)
        ),
    }
)


async def _async_send_at_command(call: ServiceCall) -> ServiceResponse:
    target = single_target(async_resolve_targets(call.hass, call.data))
    target.require(Capability.AT_COMMAND)
    reply = await call_gateway(
        target.client.send_at_command(
            one_named_port(target), call.data[ATTR_COMMAND], call.data[ATTR_TIMEOUT]
        )
    )
    return {"reply": reply}


@callback
def async_register(hass: HomeAssistant) -> None:
    """Register the module actions, for administrators."""
    async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_SEND_AT_COMMAND,
        _async_send_at_command,
        schema=SEND_AT_COMMAND_SCHEMA,
        supports_response=SupportsResponse.ONLY,
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
