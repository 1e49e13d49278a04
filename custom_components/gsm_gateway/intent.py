"""Assist: "send a text to <contact> saying <message>", "read my last text message".

Two intents of the integration (`GsmGatewaySendText`, `GsmGatewayReadLastText`),
set up by Home Assistant's intent integration through this platform, and
sentences for them in English, Simplified Chinese, Ukrainian and Russian,
given to the conversation integration's default agent as sentence triggers
(`register_trigger`: its API for sentences that are not in its own intent
files). The triggers are the same for every language; the answer is spoken
in the language of the conversation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, override

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_validation as cv, intent
from homeassistant.setup import async_when_setup

from .assistant import async_send_text, latest_received
from .const import DOMAIN

if TYPE_CHECKING:
    from hassil.recognize import RecognizeResult
    from homeassistant.components.conversation import ConversationInput

INTENT_SEND_TEXT = "GsmGatewaySendText"
INTENT_READ_LAST_TEXT = "GsmGatewayReadLastText"

SEND_SENTENCES = [
    # English
    "(send|text) [a] (text|text message|message|sms) to {contact} saying {message}",
    "text {contact} saying {message}",
    "send {contact} a (text|text message|message|sms) saying {message}",
    # 简体中文
    "给{contact}发短信说{message}",
    "发短信给{contact}说{message}",
    "给{contact}发短信内容是{message}",
    # Українська
    "(надішли|відправ|напиши) (смс|повідомлення) {contact} (з текстом|що) {message}",
    # Русский
    "(отправь|пошли|напиши) (смс|сообщение) {contact} (с текстом|что) {message}",
]
READ_SENTENCES = [
    "read [me] [my] (last|latest|newest) (text|text message|message|sms)",
    "what (is|was) my (last|latest) (text|text message|sms)",
    "读[一下][我的]最(后|新)一条短信",
    "我的最新短信是什么",
    "прочитай [моє] останнє (смс|повідомлення)",
    "яке моє останнє (смс|повідомлення)",
    "прочитай [моё|мое] последнее (смс|сообщение)",
    "какое моё последнее (смс|сообщение)",
]

# Answers by language (the intents speak; sentence triggers have no
# translation files of their own).
SPEECH: dict[str, dict[str, str]] = {
    "en": {
        "sent": "Text sent to {name}.",
        "last": "Your last text, from {sender}: {text}",
        "none": "There are no text messages yet.",
    },
    "zh": {
        "sent": "已发短信给{name}。",
        "last": "最新短信来自{sender}：{text}",
        "none": "还没有短信。",
    },
    "uk": {
        "sent": "SMS надіслано: {name}.",
        "last": "Останнє SMS від {sender}: {text}",
        "none": "Поки що немає SMS.",
    },
    "ru": {
        "sent": "SMS отправлено: {name}.",
        "last": "Последнее SMS от {sender}: {text}",
        "none": "Пока нет SMS.",
    },
}


def speech(language: str | None, key: str, **values: str) -> str:
    """An answer in the conversation's language (English where there is none)."""
    texts = SPEECH.get((language or "en").split("-")[0].lower(), SPEECH["en"])
    return texts[key].format(**values)


async def async_setup_intents(hass: HomeAssistant) -> None:
    """Register the intents, and the sentences once conversation is there."""
    intent.async_register(hass, SendTextIntent())
    intent.async_register(hass, ReadLastTextIntent())
    async_when_setup(hass, "conversation", _async_register_sentences)


async def _async_register_sentences(hass: HomeAssistant, _component: str) -> None:
    from homeassistant.components.conversation.agent_manager import (  # noqa: PLC0415
        get_agent_manager,
    )

    manager = get_agent_manager(hass)

    async def send(user_input: ConversationInput, result: RecognizeResult) -> str:
        return await _async_answer(
            hass,
            user_input,
            INTENT_SEND_TEXT,
            {
                name: {"value": result.entities[name].text.strip()}
                for name in ("contact", "message")
            },
        )

    async def read(user_input: ConversationInput, _result: RecognizeResult) -> str:
        return await _async_answer(hass, user_input, INTENT_READ_LAST_TEXT, {})

    manager.register_trigger(SEND_SENTENCES, send)
    manager.register_trigger(READ_SENTENCES, read)


async def _async_answer(
    hass: HomeAssistant,
    user_input: ConversationInput,
    intent_type: str,
    slots: dict[str, Any],
) -> str:
    """Handle the intent a sentence matched; the speech, or the error's message."""
    try:
        response = await intent.async_handle(
            hass,
            DOMAIN,
            intent_type,
            slots,
            text_input=user_input.text,
            context=user_input.context,
            language=user_input.language,
        )
    except intent.IntentHandleError as err:
        return str(err)
    return str(response.speech["plain"]["speech"])


class SendTextIntent(intent.IntentHandler):
    """Texts a contact."""

    intent_type = INTENT_SEND_TEXT
    description = "Sends an SMS to a contact (by name) or a phone number"
    slot_schema = {"contact": cv.string, "message": cv.string}  # noqa: RUF012

    @override
    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        slots = self.async_validate_slots(intent_obj.slots)
        try:
            sent = await async_send_text(
                intent_obj.hass, slots["contact"]["value"], slots["message"]["value"]
            )
        except HomeAssistantError as err:
            # Told to the user as the answer (unknown contact, gateway refused).
            raise intent.IntentHandleError(str(err)) from err
        response = intent_obj.create_response()
        response.async_set_speech(speech(intent_obj.language, "sent", name=sent.name))
        return response


class ReadLastTextIntent(intent.IntentHandler):
    """Reads the newest received SMS."""

    intent_type = INTENT_READ_LAST_TEXT
    description = "Reads the newest received SMS"

    @override
    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        response = intent_obj.create_response()
        if not (texts := latest_received(intent_obj.hass, 1)):
            response.async_set_speech(speech(intent_obj.language, "none"))
            return response
        (last,) = texts
        response.async_set_speech(
            speech(
                intent_obj.language,
                "last",
                sender=last.sender_name or last.sender,
                text=last.text,
            )
        )
        return response
