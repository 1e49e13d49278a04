"""Diagnostics: what the gateway reports, how pushes arrive; secrets redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import CONF_API_KEY, CONF_CLOUDHOOK_URL, CONF_WEBHOOK_ID
from .coordinator import GsmGatewayConfigEntry

TO_REDACT = {
    "password",
    "username",
    "email",
    "title",
    CONF_API_KEY,
    CONF_WEBHOOK_ID,
    CONF_CLOUDHOOK_URL,
    "imei",
    "imsi",
    "iccid",
    "phone_number",
    "serial_number",
    "serial",
    "unique_id",
    "mac",
    "url",
    "configuration_url",
    "name",
    "webhook_url",
    "default_recipients",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: GsmGatewayConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for a config entry."""
    coordinator = entry.runtime_data.coordinator
    return async_redact_data(
        {
            "entry": {"data": dict(entry.data), "options": dict(entry.options)},
            "gateway": asdict(coordinator.info),
            "capabilities": sorted(coordinator.client.capabilities),
            "state": asdict(coordinator.data),
            "push": {
                "webhook_url": coordinator.webhook_url,
                "last_push": (
                    coordinator.last_push.isoformat() if coordinator.last_push else None
                ),
                "last_push_kind": coordinator.last_push_kind,
                "pushes_received": coordinator.pushes_received,
                # What the gateway had before the integration set its own
                # push target (put back when the entry is removed).
                "kept_gateway_settings": entry.runtime_data.kept_push_settings,
                "polled_without_push_since": (
                    coordinator.unannounced_since.isoformat()
                    if coordinator.unannounced_since
                    else None
                ),
            },
            "messages": coordinator.tracker.as_diagnostics(),
            "outbox": entry.runtime_data.outbox.as_diagnostics(),
            "counters": entry.runtime_data.counters.as_diagnostics(),
            "balance": entry.runtime_data.balance.as_diagnostics(),
            "requests_made": coordinator.client.requests_made,
            "client": coordinator.client.diagnostics(),
        },
        TO_REDACT,
    )
