"""Actions on the gateway's own records: delete them, edit them (SimFolder).

These act on the service's store, never on Home Assistant's inbox; renaming
a device in Home Assistant does not write back, `edit_record` does.
"""

from __future__ import annotations

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

from ..api import Capability, EditTarget, RecordKind
from ..const import DOMAIN
from ..helpers import call_gateway
from .common import (
    ATTR_BEFORE,
    ATTR_FIELDS,
    ATTR_IDS,
    ATTR_KIND,
    ATTR_RECORD,
    TARGET_FIELDS,
    Target,
    async_resolve_targets,
    aware,
    single_target,
)

SERVICE_DELETE_RECORDS = "delete_records"
SERVICE_EDIT_RECORD = "edit_record"

RECORD_DEVICE = "device"
RECORD_OPERATOR = "operator"

_SCALAR = probatio.Any(cv.string, probatio.Coerce(int), probatio.Coerce(float), bool)

DELETE_RECORDS_SCHEMA = probatio.All(
    probatio.Schema(
        {
            **TARGET_FIELDS,
            probatio.Required(ATTR_KIND): probatio.Coerce(RecordKind),
            probatio.Optional(ATTR_IDS): probatio.All(
                cv.ensure_list, [cv.string], probatio.Length(min=1)
            ),
            probatio.Optional(ATTR_BEFORE): cv.datetime,
        }
    ),
    cv.has_at_least_one_key(ATTR_IDS, ATTR_BEFORE),
)
EDIT_RECORD_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
        probatio.Required(ATTR_FIELDS): probatio.All(
            {cv.string: _SCALAR}, probatio.Length(min=1)
        ),
        probatio.Optional(ATTR_RECORD, default=RECORD_DEVICE): probatio.In(
            [RECORD_DEVICE, RECORD_OPERATOR]
        ),
    }
)


async def _async_delete_records(call: ServiceCall) -> ServiceResponse:
    target = single_target(async_resolve_targets(call.hass, call.data))
    target.require(Capability.RECORDS)
    deleted = await call_gateway(
        target.client.delete_records(
            call.data[ATTR_KIND],
            ids=call.data.get(ATTR_IDS),
            before=aware(call.data.get(ATTR_BEFORE)),
        )
    )
    return {"deleted": deleted}


def _edited(target: Target, record: str) -> tuple[EditTarget, str]:
    """What the targeted device stands for: its SIM card, its operator, an aggregator."""
    if target.devices:
        # An aggregator named: its own record (the ports under it come along).
        if len(target.devices) > 1 or record == RECORD_OPERATOR:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key=(
                    "operator_of_sim_only"
                    if record == RECORD_OPERATOR
                    else "one_record_only"
                ),
            )
        return EditTarget.DEVICE, target.devices[0].key
    if len(target.ports) != 1:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="one_record_only"
        )
    port = str(target.ports[0].number)
    return (EditTarget.OPERATOR if record == RECORD_OPERATOR else EditTarget.PORT), port


async def _async_edit_record(call: ServiceCall) -> None:
    target = single_target(async_resolve_targets(call.hass, call.data))
    target.require(Capability.EDIT)
    kind, key = _edited(target, call.data[ATTR_RECORD])
    fields: dict[str, Any] = call.data[ATTR_FIELDS]
    await call_gateway(target.client.edit_record(kind, key, fields))
    await target.coordinator.async_request_refresh()


@callback
def async_register(hass: HomeAssistant) -> None:
    """Register the record actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_DELETE_RECORDS,
        _async_delete_records,
        schema=DELETE_RECORDS_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN, SERVICE_EDIT_RECORD, _async_edit_record, schema=EDIT_RECORD_SCHEMA
    )
