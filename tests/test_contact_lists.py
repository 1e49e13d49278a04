"""Contact-list actions on a gateway type without service-side lists (Dinstar)."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gsm_gateway.const import DOMAIN
from simulator.dinstar import DinstarSimulator


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("create_contact_list", {"name": "Neighbours"}),
        ("add_contact", {"list_id": "1", "number": "+491", "name": "Ann"}),
        ("send_newsletter", {"list_id": ["1"], "title": "t", "message": "m"}),
    ],
)
async def test_not_supported_before_anything_is_sent(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    action: str,
    data: dict[str, Any],
) -> None:
    before = len(simulator.requests)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            action,
            {"config_entry_id": init_integration.entry_id, **data},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "not_supported"
    assert len(simulator.requests) == before
