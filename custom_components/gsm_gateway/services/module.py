"""Actions on the radio module and its SIM: power, reset, SIM slot (administrators)."""

from __future__ import annotations

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    callback,
)
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
    ATTR_POWER,
    ATTR_SLOT,
    TARGET_FIELDS,
    TARGET_SCHEMA,
    async_resolve_targets,
    named_ports,
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


@callback
def async_register(hass: HomeAssistant) -> None:
    """Register the module actions, for administrators."""
    async_register_admin_service(
        hass, DOMAIN, SERVICE_SET_POWER, _async_set_power, schema=SET_POWER_SCHEMA
    )
    async_register_admin_service(
        hass, DOMAIN, SERVICE_RESET_MODULE, _async_reset_module, schema=TARGET_SCHEMA
    )
    async_register_admin_service(
        hass, DOMAIN, SERVICE_SELECT_SLOT, _async_select_slot, schema=SELECT_SLOT_SCHEMA
    )
