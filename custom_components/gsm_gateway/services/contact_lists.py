"""Actions for contact lists kept by a cloud service, and newsletters to them (SPEC §4).

SmsGateway24 keeps lists ("tags") of contacts on its side; a newsletter sends
one text to every contact of some lists from one SIM. These are the service's
lists, not the integration's own contacts (SPEC §12).
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
import probatio

from ..api import Capability
from ..const import DOMAIN
from ..helpers import call_gateway
from .common import (
    ATTR_MESSAGE,
    ATTR_NUMBER,
    ATTR_SEND_AT,
    TARGET_FIELDS,
    async_resolve_targets,
    aware,
    parse_numbers,
    pick_ports,
    single_target,
)

SERVICE_CREATE_CONTACT_LIST = "create_contact_list"
SERVICE_ADD_CONTACT = "add_contact"
SERVICE_SEND_NEWSLETTER = "send_newsletter"

ATTR_NAME = "name"
ATTR_LIST_ID = "list_id"
ATTR_TITLE = "title"

_NAME = probatio.All(cv.string, probatio.Strip, probatio.Length(min=1, max=200))

CREATE_CONTACT_LIST_SCHEMA = probatio.Schema(
    {**TARGET_FIELDS, probatio.Required(ATTR_NAME): _NAME}
)
ADD_CONTACT_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
        probatio.Required(ATTR_LIST_ID): cv.string,
        probatio.Required(ATTR_NUMBER): cv.string,
        probatio.Optional(ATTR_NAME): _NAME,
    }
)
SEND_NEWSLETTER_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
        probatio.Required(ATTR_LIST_ID): probatio.All(cv.ensure_list, [cv.string]),
        probatio.Required(ATTR_MESSAGE): probatio.All(
            cv.string, probatio.Length(min=1)
        ),
        probatio.Required(ATTR_TITLE): _NAME,
        probatio.Optional(ATTR_SEND_AT): cv.datetime,
    }
)


async def _async_create_contact_list(call: ServiceCall) -> ServiceResponse:
    target = single_target(async_resolve_targets(call.hass, call.data))
    target.require(Capability.CONTACT_LISTS)
    list_id = await call_gateway(
        target.client.create_contact_list(call.data[ATTR_NAME])
    )
    return {"list_id": list_id}


async def _async_add_contact(call: ServiceCall) -> ServiceResponse:
    target = single_target(async_resolve_targets(call.hass, call.data))
    target.require(Capability.CONTACT_LISTS)
    numbers = parse_numbers([call.data[ATTR_NUMBER]])
    number = numbers[0] if numbers else ""
    contact_id = await call_gateway(
        target.client.add_contact(
            call.data[ATTR_LIST_ID], number, call.data.get(ATTR_NAME)
        )
    )
    return {"contact_id": contact_id}


async def _async_send_newsletter(call: ServiceCall) -> ServiceResponse:
    target = single_target(async_resolve_targets(call.hass, call.data))
    target.require(Capability.CONTACT_LISTS)
    ports = pick_ports(target, single=False)
    newsletter_id = await call_gateway(
        target.client.send_newsletter(
            call.data[ATTR_LIST_ID],
            call.data[ATTR_MESSAGE],
            title=call.data[ATTR_TITLE],
            send_at=aware(call.data.get(ATTR_SEND_AT)),
            port=ports[0] if ports else None,
        )
    )
    return {"newsletter_id": newsletter_id}


@callback
def async_register(hass: HomeAssistant) -> None:
    """Register the contact-list actions, once for every entry."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_CREATE_CONTACT_LIST,
        _async_create_contact_list,
        schema=CREATE_CONTACT_LIST_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_ADD_CONTACT,
        _async_add_contact,
        schema=ADD_CONTACT_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_SEND_NEWSLETTER,
        _async_send_newsletter,
        schema=SEND_NEWSLETTER_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
