"""The LLM API: its tools listed for a conversation agent, and called."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import llm
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gsm_gateway.contacts import async_get_contacts
from simulator.dinstar import DinstarSimulator


@pytest.fixture
def port_count() -> int:
    """Two ports are plenty."""
    return 2


@pytest.fixture
async def api(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> llm.APIInstance:
    """The API as a conversation agent gets it, with one contact."""
    hass.config.country = "DE"
    contacts = await async_get_contacts(hass)
    await contacts.async_add("Mom", "0170 1234567")
    assert "gsm_gateway" in [api.id for api in llm.async_get_apis(hass)]
    return await llm.async_get_api(
        hass,
        "gsm_gateway",
        llm.LLMContext(
            platform="test",
            context=Context(),
            language="en",
            assistant="conversation",
            device_id=None,
        ),
    )


async def test_tools_listed(api: llm.APIInstance) -> None:
    """Two tools, described, and the contact names in the prompt."""
    assert [tool.name for tool in api.tools] == [
        "send_text_message",
        "read_text_messages",
    ]
    assert all(
        tool.description and tool.integration == "gsm_gateway" for tool in api.tools
    )
    assert api.tools[1].annotations.read_only
    assert not api.tools[0].annotations.read_only
    assert api.api_prompt.endswith("Contacts: Mom.")


async def test_send_tool(api: llm.APIInstance, simulator: DinstarSimulator) -> None:
    """The agent texts a contact by name; an unknown name is an error it reads."""
    result = await api.async_call_tool(
        llm.ToolInput(
            tool_name="send_text_message",
            tool_args={"contact": "mom", "message": "Running late"},
        )
    )
    assert not result.error
    assert result.data == {
        "sent_to": "Mom",
        "number": "+491701234567",
        "gateway": "Dinstar dbd2-0325-0044-0088",
        "status": "queued",
    }
    assert [(m["number"], m["text"]) for m in simulator.outbox] == [
        ("+491701234567", "Running late")
    ]

    result = await api.async_call_tool(
        llm.ToolInput(
            tool_name="send_text_message",
            tool_args={"contact": "The Pope", "message": "Hi"},
        )
    )
    assert result.error
    assert "The Pope" in str(result.data["error"])
    assert len(simulator.outbox) == 1


async def test_read_tool(
    hass: HomeAssistant,
    api: llm.APIInstance,
    simulator: DinstarSimulator,
    push_client: TestClient[Any, Any],
) -> None:
    """The newest texts, newest first, with names where known."""
    await simulator.receive_sms(
        0, "+441632960961", "First", timestamp="2026-01-01 10:00:00"
    )
    await simulator.receive_sms(
        1, "+491701234567", "Second", timestamp="2026-01-01 11:00:00"
    )
    await hass.async_block_till_done()

    result = await api.async_call_tool(
        llm.ToolInput(tool_name="read_text_messages", tool_args={"limit": 5})
    )

    messages = result.data["messages"]
    assert isinstance(messages, list)
    assert [(m["from"], m["name"], m["text"]) for m in messages] == [  # type: ignore[index]
        ("+491701234567", "Mom", "Second"),
        ("+441632960961", None, "First"),
    ]
    result = await api.async_call_tool(
        llm.ToolInput(tool_name="read_text_messages", tool_args={})
    )
    assert len(result.data["messages"]) == 2  # type: ignore[arg-type]


async def test_no_gateway_to_send_through(
    hass: HomeAssistant, api: llm.APIInstance, init_integration: MockConfigEntry
) -> None:
    """With the gateway unloaded the tool says there is none."""
    assert await hass.config_entries.async_unload(init_integration.entry_id)

    result = await api.async_call_tool(
        llm.ToolInput(
            tool_name="send_text_message",
            tool_args={"contact": "+441632960961", "message": "Hi"},
        )
    )

    assert result.error
    assert "No GSM gateway" in str(result.data["error"])
