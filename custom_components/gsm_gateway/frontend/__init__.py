"""The inbox card (SPEC §11), served by Home Assistant and loaded on every dashboard.

`gsm-gateway-inbox-card.js` is plain JavaScript (a web component, no build
step, nothing fetched from the network): it is served from a static path
and added to the frontend's extra modules, so users add no resource by hand.
Its URL carries a digest of the file, so a browser takes a new version at
once instead of an old one from its cache.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from homeassistant.components import frontend
from homeassistant.components.http.server import StaticPathConfig
from homeassistant.core import HomeAssistant

from ..const import DOMAIN

CARD_FILE = Path(__file__).parent / "gsm-gateway-inbox-card.js"
CARD_URL = f"/{DOMAIN}/gsm-gateway-inbox-card.js"


def _digest() -> str:
    return hashlib.sha256(CARD_FILE.read_bytes()).hexdigest()[:12]


async def async_register_card(hass: HomeAssistant) -> None:
    """Serve the card and have every dashboard load it (where there is a frontend)."""
    if "frontend" not in hass.config.components or hass.http is None:
        return
    await hass.http.async_register_static_paths(
        [StaticPathConfig(CARD_URL, str(CARD_FILE), cache_headers=True)]
    )
    frontend.add_extra_js_url(
        hass, f"{CARD_URL}?v={await hass.async_add_executor_job(_digest)}"
    )
