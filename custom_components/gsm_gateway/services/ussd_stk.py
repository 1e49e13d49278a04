"""USSD and the SIM Toolkit: actions that wait for the network's answer."""

from __future__ import annotations

from typing import Any

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
    StkAction,
    StkView,
)
from ..balance import ussd_lock
from ..const import DOMAIN
from ..helpers import call_gateway
from .common import (
    ATTR_ACTION,
    ATTR_CODE,
    ATTR_ITEM,
    ATTR_TEXT,
    ATTR_TIMEOUT,
    DEFAULT_USSD_TIMEOUT,
    MAX_USSD_TIMEOUT,
    TARGET_FIELDS,
    TARGET_SCHEMA,
    Target,
    async_resolve_targets,
    pick_ports,
    single_target,
)

SERVICE_SEND_USSD = "send_ussd"
SERVICE_STK_VIEW = "stk_view"
SERVICE_STK_ACTION = "stk_action"

SEND_USSD_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
        probatio.Required(ATTR_CODE): probatio.All(cv.string, probatio.Length(min=1)),
        probatio.Optional(ATTR_TIMEOUT, default=DEFAULT_USSD_TIMEOUT): probatio.All(
            probatio.Coerce(int), probatio.Range(min=1, max=MAX_USSD_TIMEOUT)
        ),
    }
)


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


def _stk_response(view: StkView) -> dict[str, Any]:
    return {
        "title": view.title,
        "text": view.text,
        "input_type": view.input_type,
        "items": [{"id": item.id, "text": item.text} for item in view.items],
        "frame_id": view.frame_id,
    }


async def _async_send_ussd(call: ServiceCall) -> ServiceResponse:
    target = single_target(async_resolve_targets(call.hass, call.data))
    target.require(Capability.USSD)
    (port,) = pick_ports(target, single=True)
    # Never at once with a balance check on the same port.
    async with ussd_lock(call.hass, target.entry.entry_id, port):
        reply = await call_gateway(
            target.client.send_ussd(port, call.data[ATTR_CODE], call.data[ATTR_TIMEOUT])
        )
    target.coordinator.fire_ussd(reply)
    return {"reply": reply.text}


def _stk_port(call: ServiceCall) -> tuple[Target, int]:
    target = single_target(async_resolve_targets(call.hass, call.data))
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


@callback
def async_register(hass: HomeAssistant) -> None:
    """Register the USSD and SIM Toolkit actions (STK input for administrators)."""
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
