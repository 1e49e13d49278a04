"""Actions that send: SMS (also for notify), Telegram, and stopping a send."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
import uuid

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util.json import JsonValueType
import probatio

from ..api import (
    Capability,
    Encoding,
    SendRequest,
    SendResult,
    SmsStatusUpdate,
)
from ..const import DOMAIN
from ..contacts import async_get_contacts
from ..helpers import call_gateway
from .common import (
    ATTR_DELIVERY_REPORT,
    ATTR_ENCODING,
    ATTR_MESSAGE,
    ATTR_NUMBER,
    ATTR_SEND_AT,
    ATTR_TASK_ID,
    ATTR_URGENT,
    TARGET_FIELDS,
    Target,
    async_resolve_targets,
    aware,
    parse_numbers,
    pick_ports,
    single_target,
)

SERVICE_SEND_SMS = "send_sms"
SERVICE_SEND_TELEGRAM = "send_telegram"
SERVICE_STOP_SMS = "stop_sms"

SEND_SMS_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
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


async def async_send_sms(
    target: Target,
    numbers: Sequence[str],
    text: str,
    *,
    encoding: Encoding = Encoding.AUTO,
    delivery_report: bool = True,
    send_at: datetime | None = None,
    urgent: bool = False,
) -> SendResult:
    """Send one text to `numbers`, and fire `queued` for each message.

    Shared by the action and both kinds of notify.
    """
    target.require(Capability.SEND_SMS)
    if (send_at is not None or urgent) and not target.client.supports(
        Capability.SCHEDULED_SEND
    ):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="scheduled_not_supported",
            translation_placeholders={"gateway": target.entry.title},
        )
    if not numbers:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="no_recipients"
        )
    request = SendRequest(
        numbers=tuple(numbers),
        text=text,
        ports=pick_ports(target, single=False),
        encoding=encoding,
        delivery_report=delivery_report,
        send_at=aware(send_at),
        urgent=urgent,
    )
    result = await call_gateway(target.client.send_sms(request))
    target.coordinator.inbox.async_send_result(text, result)
    target.coordinator.tracker.async_statuses(
        SmsStatusUpdate(
            message_id=message.message_id,
            number=message.number,
            port=message.port,
            status=message.status,
            # Without an id, nothing tells two sends to one number apart.
            sequence=None if message.message_id else f"sent|{uuid.uuid4().hex}",
        )
        for message in result.messages
    )
    await target.coordinator.tracker.async_commit()
    return result


async def _async_send_sms(call: ServiceCall) -> ServiceResponse:
    targets = async_resolve_targets(call.hass, call.data)
    contacts = await async_get_contacts(call.hass)
    numbers = parse_numbers(contacts.resolve(call.data[ATTR_NUMBER]))
    messages: list[JsonValueType] = []
    task_ids: list[JsonValueType] = []
    for target in targets:
        result = await async_send_sms(
            target,
            numbers,
            call.data[ATTR_MESSAGE],
            encoding=call.data[ATTR_ENCODING],
            delivery_report=call.data[ATTR_DELIVERY_REPORT],
            send_at=call.data.get(ATTR_SEND_AT),
            urgent=call.data[ATTR_URGENT],
        )
        messages.extend(
            {
                "number": message.number,
                "message_id": message.message_id,
                "port": message.port,
                "status": message.status.value,
            }
            for message in result.messages
        )
        task_ids.extend(result.task_ids)
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
