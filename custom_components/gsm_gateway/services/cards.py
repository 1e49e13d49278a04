"""Actions on the SIM cards of SIM banks: which card sits in which modem (SimFolder)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import probatio

from ..api import Capability
from ..const import DOMAIN
from ..helpers import call_gateway
from .common import (
    ATTR_CARD,
    ATTR_CARDS,
    TARGET_FIELDS,
    async_resolve_targets,
    one_named_port,
    ports_of_devices,
    single_target,
)

SERVICE_SELECT_CARD = "select_card"
SERVICE_DIRECT_CARDS = "direct_cards"

SELECT_CARD_SCHEMA = probatio.Schema(
    {**TARGET_FIELDS, probatio.Required(ATTR_CARD): cv.string}
)
DIRECT_CARDS_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
        probatio.Required(ATTR_CARDS): probatio.All(
            cv.ensure_list, [cv.string], probatio.Length(min=1)
        ),
    }
)


async def _async_select_card(call: ServiceCall) -> None:
    """Put the card `card` into the modem the targeted card occupies now."""
    target = single_target(async_resolve_targets(call.hass, call.data))
    target.require(Capability.CARD_SELECT)
    port = one_named_port(target)
    (card,) = ports_of_devices(call.hass, target, [call.data[ATTR_CARD]])
    if card.number == port:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="same_card"
        )
    await call_gateway(target.client.select_card(port, card.number))
    await target.coordinator.async_request_refresh()


async def _async_direct_cards(call: ServiceCall) -> None:
    """Connect these cards for direct interaction (incoming calls)."""
    data = dict(call.data)
    if "device_id" not in data and "config_entry_id" not in data:
        # The cards name their gateway.
        data["device_id"] = data[ATTR_CARDS][:1]
    target = single_target(async_resolve_targets(call.hass, data))
    target.require(Capability.CARD_SELECT)
    cards = ports_of_devices(call.hass, target, call.data[ATTR_CARDS])
    await call_gateway(target.client.direct_cards([card.number for card in cards]))
    await target.coordinator.async_request_refresh()


@callback
def async_register(hass: HomeAssistant) -> None:
    """Register the SIM bank actions."""
    hass.services.async_register(
        DOMAIN, SERVICE_SELECT_CARD, _async_select_card, schema=SELECT_CARD_SCHEMA
    )
    hass.services.async_register(
        DOMAIN, SERVICE_DIRECT_CARDS, _async_direct_cards, schema=DIRECT_CARDS_SCHEMA
    )
