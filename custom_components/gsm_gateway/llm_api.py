"""An LLM API for conversation agents: text a contact, read the latest texts.

Registered once with Home Assistant (`homeassistant.helpers.llm`), so that a
conversation agent (OpenAI, Anthropic, Ollama, ...) given "GSM Gateway"
among its APIs can send SMS and read what came in. The same two things as
the Assist sentences, through the same functions (`assistant.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import override

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_validation as cv, llm
import probatio

from .assistant import async_send_text, latest_received
from .const import DOMAIN
from .contacts import async_get_contacts

LLM_API_ID = DOMAIN
LLM_API_NAME = "GSM Gateway"
MAX_TEXTS = 20
API_PROMPT = (
    "Tools to send SMS text messages through the user's GSM gateway and to "
    "read the SMS it received. A recipient is a contact's name from the "
    "user's contact list or a phone number with its country code. Send only "
    "what the user asked to send; texts cost money."
)


class SendTextTool(llm.Tool):
    """Sends an SMS."""

    name = "send_text_message"
    title = "Send a text message"
    description = (
        "Send an SMS to one recipient: a contact's name or a phone number. "
        "Answers who it went to and the send status."
    )
    parameters = probatio.Schema(
        {
            probatio.Required(
                "contact", description="A contact's name, or a phone number."
            ): cv.string,
            probatio.Required("message", description="The text to send."): cv.string,
        }
    )
    annotations = llm.ToolAnnotations(
        read_only=False, destructive=False, idempotent=False, open_world=True
    )
    integration = DOMAIN

    @override
    async def async_call(
        self,
        hass: HomeAssistant,
        tool_input: llm.ToolInput,
        llm_context: llm.LLMContext,
    ) -> llm.ToolResult:
        args = self.parameters(tool_input.tool_args)
        try:
            sent = await async_send_text(hass, args["contact"], args["message"])
        except HomeAssistantError as err:
            return llm.ToolResult(data={"error": str(err)}, error=True)
        return llm.ToolResult(
            data={
                "sent_to": sent.name,
                "number": sent.number,
                "gateway": sent.gateway,
                "status": sent.status,
            }
        )


class ReadTextsTool(llm.Tool):
    """Reads the newest received SMS."""

    name = "read_text_messages"
    title = "Read the latest text messages"
    description = (
        "The newest SMS received, newest first: sender's number, contact name "
        "where known, text, time and gateway."
    )
    parameters = probatio.Schema(
        {
            probatio.Optional(
                "limit", description="How many messages, 1 to 20.", default=5
            ): probatio.All(probatio.Coerce(int), probatio.Range(min=1, max=MAX_TEXTS)),
        }
    )
    annotations = llm.ToolAnnotations(
        read_only=True, destructive=False, idempotent=True, open_world=False
    )
    integration = DOMAIN

    @override
    async def async_call(
        self,
        hass: HomeAssistant,
        tool_input: llm.ToolInput,
        llm_context: llm.LLMContext,
    ) -> llm.ToolResult:
        args = self.parameters(tool_input.tool_args)
        texts = latest_received(hass, args["limit"])
        return llm.ToolResult(data={"messages": [text.as_dict() for text in texts]})


@dataclass(slots=True, kw_only=True)
class GsmGatewayLLMAPI(llm.API):
    """The SMS tools, and the contact names an agent may use."""

    @override
    async def async_get_api_instance(
        self, llm_context: llm.LLMContext
    ) -> llm.APIInstance:
        contacts = await async_get_contacts(self.hass)
        names = ", ".join(contact.name for contact in contacts.contacts)
        prompt = f"{API_PROMPT} Contacts: {names}." if names else API_PROMPT
        return llm.APIInstance(
            api=self,
            api_prompt=prompt,
            llm_context=llm_context,
            tools=[SendTextTool(), ReadTextsTool()],
        )


@callback
def async_register_llm_api(hass: HomeAssistant) -> CALLBACK_TYPE:
    """Offer the API to conversation agents."""
    return llm.async_register_api(
        hass, GsmGatewayLLMAPI(hass=hass, id=LLM_API_ID, name=LLM_API_NAME)
    )
