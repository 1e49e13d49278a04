"""Actions that send: SMS (also for notify), Telegram, and stopping a send."""

from __future__ import annotations

from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.helpers import config_validation as cv
from homeassistant.util.json import JsonValueType
import probatio

from ..api import (
    Capability,
    Encoding,
)
from ..const import DOMAIN
from ..contacts import async_get_contacts
from ..helpers import call_gateway
from .common import (
    ATTR_DELIVERY_REPORT,
    ATTR_ENCODING,
    ATTR_MESSAGE,
    ATTR_NUMBER,
    ATTR_QUEUE,
    ATTR_SEND_AT,
    ATTR_TASK_ID,
    ATTR_URGENT,
    TARGET_FIELDS,
    async_resolve_targets,
    parse_numbers,
    single_target,
)
from .sending import async_send_sms

SERVICE_SEND_SMS = "send_sms"
SERVICE_SEND_TELEGRAM = "send_telegram"
SERVICE_STOP_SMS = "stop_sms"

SEND_SMS_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
        # Several gateways: the first that can take the message sends it.
        probatio.Optional(ATTR_CONFIG_ENTRY_ID): probatio.All(
            cv.ensure_list, [cv.string]
        ),
        probatio.Required(ATTR_NUMBER): probatio.All(cv.ensure_list, [cv.string]),
        probatio.Required(ATTR_MESSAGE): probatio.All(
            cv.string, probatio.Length(min=1)
        ),
        probatio.Optional(ATTR_ENCODING, default=Encoding.AUTO): probatio.Coerce(
            Encoding
        ),
        probatio.Optional(ATTR_DELIVERY_REPORT, default=True): cv.boolean,
        probatio.Optional(ATTR_SEND_AT): cv.datetime,
        probatio.Optional(ATTR_URGENT, default=False): cv.boolean,
        probatio.Optional(ATTR_QUEUE, default=True): cv.boolean,
    }
)


SEND_TELEGRAM_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
        probatio.Required(ATTR_MESSAGE): probatio.All(
            cv.string, probatio.Length(min=1)
        ),
    }
)


STOP_SMS_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
        probatio.Required(ATTR_TASK_ID): probatio.All(
            probatio.Coerce(int), probatio.Range(min=0)
        ),
    }
)


async def _async_send_sms(call: ServiceCall) -> ServiceResponse:
    """Send through the gateways named.

    Several entries named are fallbacks, in order; the ports of several
    gateways named by their devices each send.
    """
    targets = async_resolve_targets(call.hass, call.data)
    contacts = await async_get_contacts(call.hass)
    numbers = parse_numbers(contacts.resolve(call.data[ATTR_NUMBER]))
    fallbacks = len(call.data.get(ATTR_CONFIG_ENTRY_ID, [])) > 1
    messages: list[JsonValueType] = []
    task_ids: list[JsonValueType] = []
    for chain in [targets] if fallbacks else [[target] for target in targets]:
        sent = await async_send_sms(
            chain,
            numbers,
            call.data[ATTR_MESSAGE],
            encoding=call.data[ATTR_ENCODING],
            delivery_report=call.data[ATTR_DELIVERY_REPORT],
            send_at=call.data.get(ATTR_SEND_AT),
            urgent=call.data[ATTR_URGENT],
            queue=call.data[ATTR_QUEUE],
        )
        messages.extend(
            {
                "number": message.number,
                "message_id": message.message_id,
                "port": message.port,
                "status": message.status.value,
                "config_entry_id": sent.entry_id,
            }
            for message in sent.result.messages
        )
        task_ids.extend(sent.result.task_ids)
    return {"messages": messages, "task_ids": task_ids}


async def _async_send_telegram(call: ServiceCall) -> None:
    target = single_target(async_resolve_targets(call.hass, call.data))
    target.require(Capability.TELEGRAM)
    await call_gateway(target.client.send_telegram(call.data[ATTR_MESSAGE]))


async def _async_stop_sms(call: ServiceCall) -> None:
    target = single_target(async_resolve_targets(call.hass, call.data))
    target.require(Capability.STOP_SMS)
    await call_gateway(target.client.stop_sms(call.data[ATTR_TASK_ID]))
    await target.coordinator.async_request_refresh()


@callback
def async_register(hass: HomeAssistant) -> None:
    """Register the message actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_SEND_SMS,
        _async_send_sms,
        schema=SEND_SMS_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_SEND_TELEGRAM,
        _async_send_telegram,
        schema=SEND_TELEGRAM_SCHEMA,
    )
    hass.services.async_register(
        DOMAIN, SERVICE_STOP_SMS, _async_stop_sms, schema=STOP_SMS_SCHEMA
    )
