"""Actions of the integration (SPEC §4), by family.

Every action names its gateway by a device of this integration (a port
device, or the gateway device) or by `config_entry_id`. A port device means
that port; the gateway device or the entry alone lets the gateway pick the
port (`common.pick_ports`, the one place that choice is made).
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback

from . import (
    calls,
    cards,
    contact_lists,
    inbox,
    messages,
    module,
    records,
    ussd_stk,
)
from .common import Target, parse_numbers
from .sending import async_send_sms

__all__ = ["Target", "async_send_sms", "async_setup_services", "parse_numbers"]


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions, once for every entry.

    Actions that change the radio module or the SIM (power, reset, slot, SIM
    Toolkit input) are for administrators.
    """
    messages.async_register(hass)
    ussd_stk.async_register(hass)
    module.async_register(hass)
    calls.async_register(hass)
    cards.async_register(hass)
    records.async_register(hass)
    contact_lists.async_register(hass)
    inbox.async_register(hass)
