"""Call actions: dial, answer and hang up, and call detail records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import probatio

from ..api import (
    CallRecord,
    Capability,
)
from ..const import DOMAIN
from ..helpers import call_gateway
from .common import (
    ATTR_END,
    ATTR_NUMBER,
    ATTR_START,
    TARGET_FIELDS,
    TARGET_SCHEMA,
    async_resolve_targets,
    aware,
    one_named_port,
    parse_numbers,
    pick_ports,
    single_target,
)

SERVICE_GET_CDR = "get_cdr"

GET_CDR_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
        probatio.Optional(ATTR_START): cv.datetime,
        probatio.Optional(ATTR_END): cv.datetime,
    }
)


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


async def _async_get_cdr(call: ServiceCall) -> ServiceResponse:
    target = single_target(async_resolve_targets(call.hass, call.data))
    target.require(Capability.CDR)
    records = await call_gateway(
        target.client.get_cdr(
            pick_ports(target, single=False),
            aware(call.data.get(ATTR_START)),
            aware(call.data.get(ATTR_END)),
        )
    )
    return {"records": [_call_record(record) for record in records]}


SERVICE_MAKE_CALL = "make_call"
SERVICE_ANSWER_CALL = "answer_call"
SERVICE_END_CALL = "end_call"

MAKE_CALL_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
        probatio.Required(ATTR_NUMBER): probatio.All(cv.string, probatio.Length(min=1)),
    }
)


async def _async_make_call(call: ServiceCall) -> None:
    target = single_target(async_resolve_targets(call.hass, call.data))
    target.require(Capability.CALLS)
    (port,) = pick_ports(target, single=True)
    numbers = parse_numbers([call.data[ATTR_NUMBER]])
    if len(numbers) != 1:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_number",
            translation_placeholders={"number": call.data[ATTR_NUMBER]},
        )
    (number,) = numbers
    await call_gateway(target.client.make_call(port, number))


async def _async_answer_call(call: ServiceCall) -> None:
    target = single_target(async_resolve_targets(call.hass, call.data))
    target.require(Capability.CALLS)
    await call_gateway(target.client.answer_call(one_named_port(target)))


async def _async_end_call(call: ServiceCall) -> None:
    target = single_target(async_resolve_targets(call.hass, call.data))
    target.require(Capability.CALLS)
    await call_gateway(target.client.end_call(one_named_port(target)))


@callback
def async_register(hass: HomeAssistant) -> None:
    """Register the call actions."""
    hass.services.async_register(
        DOMAIN, SERVICE_MAKE_CALL, _async_make_call, schema=MAKE_CALL_SCHEMA
    )
    hass.services.async_register(
        DOMAIN, SERVICE_ANSWER_CALL, _async_answer_call, schema=TARGET_SCHEMA
    )
    hass.services.async_register(
        DOMAIN, SERVICE_END_CALL, _async_end_call, schema=TARGET_SCHEMA
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_CDR,
        _async_get_cdr,
        schema=GET_CDR_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
