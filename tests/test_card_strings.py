"""The inbox card's texts: every key it asks for is in the translations."""

from __future__ import annotations

import json
from pathlib import Path
import re

from custom_components.gsm_gateway.api import SmsStatus

COMPONENT = Path(__file__).parents[1] / "custom_components" / "gsm_gateway"
CARD = (COMPONENT / "frontend" / "gsm-gateway-inbox-card.js").read_text("utf-8")


def test_every_text_of_the_card_is_translated() -> None:
    """Keys written in the card, its statuses and its editor's fields."""
    card = json.loads((COMPONENT / "strings.json").read_text("utf-8"))["card"]
    asked = set(re.findall(r'\bt\("([a-z_.]+)"', CARD))
    assert {"title", "send", "unread", "back"} <= asked
    for key in asked:
        assert key in card, key
    for status in SmsStatus:
        assert status.value in card["status"], status
    fields = set(re.findall(r'name: "([a-z_]+)",\s*selector', CARD))
    assert fields == {"title", "config_entry_id", "device_id", "conversations"}
    assert fields <= set(card["editor"])
    assert "{count}" in card["unread"]
    assert "{error}" in card["error"]
