"""The card's websocket API: conversations, pages, live changes, marking read, replies."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.gsm_gateway.const import DOMAIN
from custom_components.gsm_gateway.frontend import CARD_URL
from simulator.dinstar import DinstarSimulator

from .test_services import port_device

ALICE = "+491701234567"
BOB = "+441632960961"


async def _received(
    hass: HomeAssistant, simulator: DinstarSimulator, entry: MockConfigEntry, *sms: Any
) -> None:
    """SMS that reach the inbox by the next poll: (port, sender, text) each."""
    for port, sender, text in sms:
        await simulator.receive_sms(port, sender, text, push=False)
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


async def _command(client: Any, **message: Any) -> Any:
    await client.send_json_auto_id(message)
    answer = await client.receive_json()
    assert answer["success"], answer
    return answer["result"]


async def test_conversations_and_their_pages(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Grouped by number, the most recently active first; messages newest first."""
    await _received(
        hass,
        simulator,
        init_integration,
        (0, ALICE, "a1"),
        (1, BOB, "b1"),
        (0, "0049 170 1234567", "a2"),
    )
    client = await hass_ws_client(hass)

    result = await _command(client, type="gsm_gateway/inbox/conversations")
    assert result["total"] == 2
    assert result["unread"] == 3
    alice, bob = result["conversations"]
    assert (alice["count"], alice["unread"], alice["last"]["text"]) == (2, 2, "a2")
    assert (bob["number"], bob["count"], bob["last"]["text"]) == (BOB, 1, "b1")

    result = await _command(
        client, type="gsm_gateway/inbox/conversations", offset=1, limit=1
    )
    assert [c["number"] for c in result["conversations"]] == [BOB]

    page = await _command(
        client, type="gsm_gateway/inbox/messages", number=ALICE, limit=1
    )
    assert ([m["text"] for m in page["messages"]], page["more"]) == (["a2"], True)
    page = await _command(
        client, type="gsm_gateway/inbox/messages", number=ALICE, offset=1, limit=1
    )
    assert ([m["text"] for m in page["messages"]], page["more"]) == (["a1"], False)

    one_sim = await _command(
        client,
        type="gsm_gateway/inbox/conversations",
        device_id=port_device(init_integration, 1),
    )
    assert [c["number"] for c in one_sim["conversations"]] == [BOB]


async def test_live_changes_and_mark_read(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A subscriber hears of a new message and of a conversation read."""
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "gsm_gateway/inbox/subscribe",
            "config_entry_id": init_integration.entry_id,
        }
    )
    subscribed = await client.receive_json()
    assert subscribed["success"]

    await _received(hass, simulator, init_integration, (0, ALICE, "hi"), (0, BOB, "yo"))
    event = await client.receive_json()
    assert event["id"] == subscribed["id"]
    assert event["event"] == {"config_entry_id": init_integration.entry_id}

    marked = await _command(client, type="gsm_gateway/inbox/mark_read", number=ALICE)
    assert marked == {"marked": 1}
    event = await client.receive_json()
    assert event["event"] == {"config_entry_id": init_integration.entry_id}
    result = await _command(client, type="gsm_gateway/inbox/conversations")
    assert [c["unread"] for c in result["conversations"]] == [1, 0]


async def test_reply_reaches_the_gateway(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A reply goes out through the SIM chosen and is in the conversation."""
    client = await hass_ws_client(hass)
    sims = await _command(client, type="gsm_gateway/inbox/sims")
    (gateway,) = sims["gateways"]
    assert gateway["config_entry_id"] == init_integration.entry_id
    assert [sim["port"] for sim in gateway["sims"]] == list(range(8))
    assert gateway["sims"][3]["device_id"] == port_device(init_integration, 3)
    assert gateway["sims"][3]["name"] == "Port 3"
    one = await _command(
        client,
        type="gsm_gateway/inbox/sims",
        device_id=port_device(init_integration, 3),
    )
    assert [sim["port"] for sim in one["gateways"][0]["sims"]] == [3]

    result = await _command(
        client,
        type="gsm_gateway/inbox/send",
        device_id=port_device(init_integration, 3),
        number=ALICE,
        text="Back at six",
    )
    assert [m["number"] for m in result["messages"]] == [ALICE]
    assert [(m["number"], m["port"], m["text"]) for m in simulator.outbox] == [
        (ALICE, 3, "Back at six")
    ]
    page = await _command(client, type="gsm_gateway/inbox/messages", number=ALICE)
    (sent,) = page["messages"]
    assert (sent["direction"], sent["text"], sent["port"]) == ("sent", "Back at six", 3)


async def test_send_errors_are_translated(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    init_integration: MockConfigEntry,
) -> None:
    """A number that is none is refused with the action's own message."""
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "gsm_gateway/inbox/send",
            "config_entry_id": init_integration.entry_id,
            "number": "mom",
            "text": "hello",
        }
    )
    answer = await client.receive_json()
    assert not answer["success"]
    assert answer["error"]["translation_key"] == "invalid_number"
    assert "mom" in answer["error"]["message"]


async def test_writes_are_for_administrators(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_read_only_access_token: str,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A user who is no administrator reads the inbox, and marks or sends nothing."""
    await _received(hass, simulator, init_integration, (0, ALICE, "hi"))
    client = await hass_ws_client(hass, hass_read_only_access_token)

    result = await _command(client, type="gsm_gateway/inbox/conversations")
    assert result["unread"] == 1
    for command in (
        {"type": "gsm_gateway/inbox/mark_read"},
        {"type": "gsm_gateway/inbox/send", "number": ALICE, "text": "no"},
    ):
        await client.send_json_auto_id(
            {**command, "config_entry_id": init_integration.entry_id}
        )
        answer = await client.receive_json()
        assert answer["error"]["code"] == "unauthorized"
    assert simulator.outbox == []
    assert init_integration.runtime_data.coordinator.inbox.unread == 1


async def test_card_served_and_loaded(
    hass: HomeAssistant, hass_client: Any, config_entry: MockConfigEntry
) -> None:
    """With a frontend, the card is served and on every dashboard's module list."""
    assert await async_setup_component(hass, "frontend", {})
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    client = await hass_client()
    response = await client.get(CARD_URL)
    assert response.status == 200
    body = await response.text()
    assert "customElements.define" in body
    assert "gsm-gateway-inbox-card" in body
    urls = hass.data["frontend_extra_module_url"].urls
    assert any(url.startswith(f"{CARD_URL}?v=") for url in urls)
    assert DOMAIN in hass.config.components


async def test_reply_to_a_contact_by_name(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    hass_ws_client: WebSocketGenerator,
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
) -> None:
    """A new message to a contact's name goes to the contact's number."""
    hass_storage[f"{DOMAIN}.contacts"] = {
        "version": 1,
        "data": {"contacts": [{"id": "a1", "name": "Anna", "number": ALICE}]},
    }
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    client = await hass_ws_client(hass)

    await _command(
        client,
        type="gsm_gateway/inbox/send",
        config_entry_id=config_entry.entry_id,
        number="anna",
        text="Hi Anna",
    )

    assert [(m["number"], m["text"]) for m in simulator.outbox] == [(ALICE, "Hi Anna")]
    result = await _command(client, type="gsm_gateway/inbox/conversations")
    assert [(c["number"], c["name"]) for c in result["conversations"]] == [
        (ALICE, "Anna")
    ]
