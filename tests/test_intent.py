"""Assist: texting a contact and reading the last text, through the conversation agent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gsm_gateway.assistant import (
    ReceivedText,
    async_set_received_source,
)
from custom_components.gsm_gateway.contacts import async_get_contacts
from custom_components.gsm_gateway.intent import speech
from simulator.dinstar import DinstarSimulator


@pytest.fixture
def port_count() -> int:
    """Two ports are plenty."""
    return 2


@pytest.fixture
async def assist(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """Assist set up beside the gateway, with a contact."""
    hass.config.country = "DE"
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    await hass.async_block_till_done()
    contacts = await async_get_contacts(hass)
    await contacts.async_add("Mom", "0170 1234567")


async def say(hass: HomeAssistant, text: str, language: str = "en") -> str:
    result = await conversation.async_converse(
        hass, text, None, Context(), language=language
    )
    return str(result.response.speech["plain"]["speech"])


@pytest.mark.usefixtures("assist")
async def test_send_a_text_by_voice(
    hass: HomeAssistant, simulator: DinstarSimulator
) -> None:
    """ "Send a text to Mom saying ..." sends it to Mom's number."""
    answer = await say(hass, "Send a text to mom saying dinner is ready at 7")

    assert answer == "Text sent to Mom."
    assert [(m["number"], m["text"]) for m in simulator.outbox] == [
        ("+491701234567", "dinner is ready at 7")
    ]


@pytest.mark.usefixtures("assist")
async def test_send_to_a_number_and_to_no_one(
    hass: HomeAssistant, simulator: DinstarSimulator
) -> None:
    """A number works as it is; a name no contact has is said so."""
    assert await say(hass, "text +44 1632 960961 saying on my way") == (
        "Text sent to +44 1632 960961."
    )
    assert await say(hass, "send a text to Aunt Mary saying hello") == (
        'There is no contact named "Aunt Mary", and it is not a phone number'
    )
    assert [m["number"] for m in simulator.outbox] == ["+441632960961"]


@pytest.mark.usefixtures("assist")
async def test_read_my_last_text(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    push_client: TestClient[Any, Any],
) -> None:
    """The newest text of all SIMs, with the sender's contact name."""
    assert await say(hass, "read my last text message") == (
        "There are no text messages yet."
    )

    await simulator.receive_sms(0, "+441632960961", "Older one")
    await simulator.receive_sms(1, "01701234567", "Call me back")
    await hass.async_block_till_done()

    assert await say(hass, "read my last text message") == (
        "Your last text, from Mom: Call me back"
    )


@pytest.mark.usefixtures("assist")
async def test_other_languages(
    hass: HomeAssistant, simulator: DinstarSimulator
) -> None:
    """The sentences of the other languages reach the same intents."""
    assert await say(hass, "надішли смс Mom з текстом привіт", "uk") == (
        "SMS надіслано: Mom."
    )
    assert await say(hass, "отправь смс Mom с текстом привет", "ru") == (
        "SMS отправлено: Mom."
    )
    assert await say(hass, "给Mom发短信说你好", "zh-Hans") == "已发短信给Mom。"
    assert [m["text"] for m in simulator.outbox] == ["привіт", "привет", "你好"]
    assert await say(hass, "прочитай последнее смс", "ru") == "Пока нет SMS."


@pytest.mark.usefixtures("assist")
async def test_the_inbox_can_answer(hass: HomeAssistant) -> None:
    """A source set by the inbox replaces the event entities."""
    async_set_received_source(
        hass,
        lambda _hass, limit: [
            ReceivedText(
                sender="+491701234567",
                sender_name=None,
                text="From the inbox",
                timestamp=datetime(2026, 1, 1, 12, tzinfo=UTC),
                gateway="Dinstar",
            )
        ][:limit],
    )
    assert await say(hass, "read my last text") == (
        "Your last text, from +491701234567: From the inbox"
    )


def test_speech_falls_back_to_english() -> None:
    """A language without answers of its own hears English."""
    assert speech("de-DE", "none") == "There are no text messages yet."
    assert speech("zh-Hans", "sent", name="妈妈") == "已发短信给妈妈。"
