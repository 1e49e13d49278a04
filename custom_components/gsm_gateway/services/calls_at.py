"""Voice calls and raw AT commands (SPEC §4).

`make_call`, `answer_call`, `end_call`, `send_at_command`. Kept apart from `calls.py` while the SimFolder work adds the same actions
on its own branch; both follow SPEC §4's names and fields. They
target a port/SIM device (or the gateway, which then picks its registered
port), like `send_ussd`.
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
from homeassistant.helpers.service import async_register_admin_service
import probatio

from ..api import Capability
from ..const import DOMAIN
from ..helpers import call_gateway
from .common import (
    ATTR_NUMBER,
    ATTR_TIMEOUT,
    TARGET_FIELDS,
    TARGET_SCHEMA,
    Target,
    async_resolve_targets,
    pick_ports,
    single_target,
)

SERVICE_MAKE_CALL = "make_call"
SERVICE_ANSWER_CALL = "answer_call"
SERVICE_END_CALL = "end_call"
SERVICE_SEND_AT_COMMAND = "send_at_command"

ATTR_COMMAND = "command"
DEFAULT_AT_TIMEOUT = 10
MAX_AT_TIMEOUT = 300

MAKE_CALL_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
        probatio.Required(ATTR_NUMBER): probatio.All(
            cv.string, probatio.Match(r"^\+?[0-9*#]{1,32}$")
        ),
    }
)
SEND_AT_COMMAND_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
        probatio.Required(ATTR_COMMAND): probatio.All(
            cv.string, probatio.Length(min=2, max=512)
        ),
        probatio.Optional(ATTR_TIMEOUT, default=DEFAULT_AT_TIMEOUT): probatio.All(
            probatio.Coerce(float), probatio.Range(min=1, max=MAX_AT_TIMEOUT)
        ),
    }
)


def _port(call: ServiceCall, capability: Capability) -> tuple[Target, int]:
    target = single_target(async_resolve_targets(call.hass, call.data))
    target.require(capability)
    (port,) = pick_ports(target, single=True)
    return target, port


def _any_port(call: ServiceCall, capability: Capability) -> tuple[Target, int]:
    """A port for what needs no network (answering, hanging up, AT commands)."""
    target = single_target(async_resolve_targets(call.hass, call.data))
    target.require(capability)
    if target.ports:
        return _port(call, capability)
    ports = target.coordinator.available_ports or list(
        target.coordinator.data.ports.values()
    )
    if not ports:
        return _port(call, capability)  # raises no_port_available
    return target, ports[0].number


async def _async_make_call(call: ServiceCall) -> None:
    target, port = _port(call, Capability.CALLS)
    await call_gateway(target.client.make_call(port, call.data[ATTR_NUMBER]))


async def _async_answer_call(call: ServiceCall) -> None:
    target, port = _any_port(call, Capability.CALLS)
    await call_gateway(target.client.answer_call(port))


async def _async_end_call(call: ServiceCall) -> None:
    target, port = _any_port(call, Capability.CALLS)
    await call_gateway(target.client.end_call(port))


async def _async_send_at_command(call: ServiceCall) -> ServiceResponse:
    target, port = _any_port(call, Capability.AT_COMMAND)
    reply = await call_gateway(
        target.client.send_at_command(
            port, call.data[ATTR_COMMAND], call.data[ATTR_TIMEOUT]
        )
    )
    return {"reply": reply}


@callback
def async_register(hass: HomeAssistant) -> None:
    """Register the call and AT command actions, once for every entry.

    An AT command can change anything on the module (even its PIN): only
    administrators may send one.
    """
    hass.services.async_register(
        DOMAIN, SERVICE_MAKE_CALL, _async_make_call, schema=MAKE_CALL_SCHEMA
    )
    hass.services.async_register(
        DOMAIN, SERVICE_ANSWER_CALL, _async_answer_call, schema=TARGET_SCHEMA
    )
    hass.services.async_register(
        DOMAIN, SERVICE_END_CALL, _async_end_call, schema=TARGET_SCHEMA
    )
    async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_SEND_AT_COMMAND,
        _async_send_at_command,
        schema=SEND_AT_COMMAND_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
