"""Everyday features on a gateway type without USSD (SmsGateway24)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry


async def test_no_balance_fields_without_ussd(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The settings offer no balance check where the gateway cannot send USSD."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )

    fields = {str(key) for key in result["data_schema"].schema}
    assert "scan_interval" in fields
    assert not fields & {"balance_code", "balance_interval", "balance_pattern"}
    assert not [
        state.entity_id
        for state in hass.states.async_all()
        if state.entity_id.endswith(("_balance", "_check_balance"))
    ]
