"""What voice and conversation agents can do: text a contact, read the latest texts.

Shared by the Assist intents (`intent.py`) and the LLM API (`llm_api.py`).
The latest texts come from a source the inbox (SPEC §11) replaces with its own
(`async_set_received_source`); until then, from the `last_sms` event entities:
the newest text of each SIM.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util.hass_dict import HassKey

from .api import Capability
from .const import ATTR_SENDER, ATTR_SENDER_NAME, ATTR_TEXT, ATTR_TIMESTAMP, DOMAIN
from .contacts import async_get_contacts, is_phone_number
from .coordinator import GsmGatewayConfigEntry
from .services import Target, async_send_sms


@dataclass(frozen=True, kw_only=True)
class ReceivedText:
    """A received SMS as an assistant tells it."""

    sender: str
    sender_name: str | None
    text: str
    timestamp: datetime
    gateway: str

    def as_dict(self) -> dict[str, Any]:
        """For an LLM tool's answer."""
        return {
            "from": self.sender,
            "name": self.sender_name,
            "text": self.text,
            "time": self.timestamp.isoformat(),
            "gateway": self.gateway,
        }


type ReceivedSource = Callable[[HomeAssistant, int], list[ReceivedText]]
"""The newest received texts, newest first, at most that many."""

_DATA_SOURCE: HassKey[ReceivedSource] = HassKey(f"{DOMAIN}_received_source")


@callback
def async_set_received_source(hass: HomeAssistant, source: ReceivedSource) -> None:
    """Let the inbox answer "read my last text" from its own log."""
    hass.data[_DATA_SOURCE] = source


@callback
def latest_received(hass: HomeAssistant, limit: int = 1) -> list[ReceivedText]:
    """The newest received texts, newest first."""
    source = hass.data.get(_DATA_SOURCE, _from_last_sms_entities)
    return source(hass, limit)


def _from_last_sms_entities(hass: HomeAssistant, limit: int) -> list[ReceivedText]:
    """The last SMS of each SIM, as its `last_sms` event entity holds it."""
    found: list[tuple[datetime, str, ReceivedText]] = []
    for entry in hass.config_entries.async_entries(DOMAIN):
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        ):
            if entity.domain != "event" or entity.translation_key != "last_sms":
                continue
            state = hass.states.get(entity.entity_id)
            if state is None or not state.attributes.get(ATTR_TEXT):
                continue
            try:
                timestamp = datetime.fromisoformat(state.attributes[ATTR_TIMESTAMP])
            except KeyError, TypeError, ValueError:
                continue
            found.append(
                (
                    timestamp,
                    # When the entity fired: orders texts of the same second.
                    state.state,
                    ReceivedText(
                        sender=str(state.attributes.get(ATTR_SENDER, "")),
                        sender_name=state.attributes.get(ATTR_SENDER_NAME),
                        text=str(state.attributes[ATTR_TEXT]),
                        timestamp=timestamp,
                        gateway=entry.title,
                    ),
                )
            )
    found.sort(key=lambda item: item[:2], reverse=True)
    return [text for _, _, text in found[:limit]]


@dataclass(frozen=True, kw_only=True)
class SentText:
    """What was sent, for the assistant's answer."""

    name: str
    number: str
    gateway: str
    status: str


async def async_send_text(hass: HomeAssistant, contact: str, text: str) -> SentText:
    """Text a contact (by name) or a number, through the first gateway that sends.

    Raises ServiceValidationError (`unknown_contact`, `no_gateway`) or the
    gateway's translated error.
    """
    contacts = await async_get_contacts(hass)
    wanted = contact.strip()
    if (number := contacts.number_for(wanted)) is not None:
        name = next(c.name for c in contacts.contacts if c.number == number)
    elif is_phone_number(wanted):
        number = contacts.normalize_for_saving(wanted)
        name = contacts.name_for(number) or wanted
    else:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_contact",
            translation_placeholders={"contact": wanted},
        )
    entry = _sending_entry(hass)
    sent = await async_send_sms([Target(entry=entry)], [number], text)
    messages = sent.result.messages
    status = messages[0].status.value if messages else "queued"
    return SentText(name=name, number=number, gateway=entry.title, status=status)


def _sending_entry(hass: HomeAssistant) -> GsmGatewayConfigEntry:
    """The first loaded gateway that can send SMS."""
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED:
            loaded: GsmGatewayConfigEntry = entry
            if loaded.runtime_data.client.supports(Capability.SEND_SMS):
                return loaded
    raise ServiceValidationError(
        translation_domain=DOMAIN, translation_key="no_gateway"
    )
