"""Call actions: call detail records."""

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
    ATTR_START,
    TARGET_FIELDS,
    async_resolve_targets,
    aware,
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


@callback
def async_register(hass: HomeAssistant) -> None:
    """Register the call actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_CDR,
        _async_get_cdr,
        schema=GET_CDR_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
