"""The inbox card on a dashboard, in Debian's headless Chromium (SPEC §11).

A gateway of its own (two ports, no SMS of its own accord) pushes to Home
Assistant; a storage dashboard holds the card. The test reads what the card
shows: a pushed SMS appears without a reload, the unread count falls once
the conversation is opened, a reply typed in the card reaches the gateway
and its status turns to delivered; the card picker offers the card. The
README's screenshots of the card (light and dark, desktop and phone width)
come from here.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
import re
from typing import Any
from zoneinfo import ZoneInfo

from playwright.async_api import Browser, BrowserContext, Page, expect
import pytest

from .conftest import add_gateway, new_simulator, wait_entry_loaded
from .harness import (
    TIME_ZONE,
    USER,
    HomeAssistantClient,
    HomeAssistantProcess,
    SimulatorProcess,
    async_wait_until,
    post_push,
)
from .test_browser import UI_TIMEOUT_MS, VIEWPORT, Shots, browser  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

SERIAL = "dbd2-0325-0044-0300"
DASHBOARD = "gsm-inbox-e2e"
CARD = "gsm-gateway-inbox-card"
ALICE = "+380501234567"
BOB = "+4917612345678"
CONTACTS = {"Olena": ALICE, "Max": BOB}
CAROL = "+442079460018"
PHONE = {"width": 390, "height": 844}


def _sms(sms_id: int, port: int, sender: str, text: str) -> dict[str, Any]:
    """One received SMS as a Dinstar box pushes it."""
    now = datetime.now(ZoneInfo(TIME_ZONE)).strftime("%Y-%m-%d %H:%M:%S")
    return {
        "incoming_sms_id": sms_id,
        "port": port,
        "number": sender,
        "smsc": "+380672021111",
        "timestamp": now,
        "text": text,
        "imsi": "255030000000001",
    }


async def _push(url: str, *messages: dict[str, Any]) -> None:
    status, answer = await post_push(url, {"sn": SERIAL, "sms": list(messages)})
    assert status == 200, answer


async def _dashboard(client: HomeAssistantClient, entry_id: str) -> None:
    """A storage dashboard with the card, made as the dashboard editor saves one."""
    dashboards = await client.ws("lovelace/dashboards/list")
    if not any(d["url_path"] == DASHBOARD for d in dashboards):
        await client.ws(
            "lovelace/dashboards/create",
            url_path=DASHBOARD,
            title="Inbox e2e",
            mode="storage",
            require_admin=False,
            show_in_sidebar=True,
        )
    await client.ws(
        "lovelace/config/save",
        url_path=DASHBOARD,
        config={
            "views": [
                {
                    "title": "Inbox",
                    "path": "inbox",
                    "cards": [
                        {
                            "type": f"custom:{CARD}",
                            "config_entry_id": entry_id,
                            "conversations": 5,
                        }
                    ],
                }
            ]
        },
    )


async def _add_contacts(client: HomeAssistantClient, entry_id: str) -> None:
    """The contact list, through the options flow over REST as the dialog uses it."""

    async def step(path: str, body: dict[str, Any]) -> dict[str, Any]:
        status, answer = await client.rest("POST", path, body)
        assert status == 200, (path, status, answer)
        return dict(answer)

    flow = await step("/api/config/config_entries/options/flow", {"handler": entry_id})
    path = f"/api/config/config_entries/options/flow/{flow['flow_id']}"
    await step(path, {"next_step_id": "contacts"})
    for name, number in CONTACTS.items():
        form = await step(path, {"next_step_id": "contact_add"})
        assert form["step_id"] == "contact_add", form
        await step(path, {"name": name, "number": number})
    done = await step(path, {"next_step_id": "contacts_done"})
    assert done["type"] == "create_entry", done


async def _log_in(page: Page, url: str) -> None:
    await page.goto(f"{url}/")
    await page.get_by_role("textbox", name="Username").fill(USER["username"])
    await page.get_by_role("textbox", name="Password").fill(USER["password"])
    await page.get_by_role("button", name="Log in").click()
    # Logged in once the frontend keeps its tokens (any width: no sidebar needed).
    await page.wait_for_function("() => !!localStorage.getItem('hassTokens')")


async def _card_page(
    chromium: Browser, url: str, *, dark: bool = False, phone: bool = False
) -> tuple[BrowserContext, Page]:
    """A logged-in page on the card's dashboard; the theme follows the browser."""
    context = await chromium.new_context(
        viewport=PHONE if phone else VIEWPORT,  # type: ignore[arg-type]
        locale="en-US",
        color_scheme="dark" if dark else "light",
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
    )
    page = await context.new_page()
    page.set_default_timeout(UI_TIMEOUT_MS)
    await _log_in(page, url)
    await page.goto(f"{url}/{DASHBOARD}/inbox")
    await expect(page.locator(CARD)).to_be_visible()
    return context, page


async def test_inbox_card(
    home_assistant: HomeAssistantProcess,
    browser: Browser,  # noqa: F811
    sim_factory: list[SimulatorProcess],
    tmp_path: Path,
) -> None:
    """Live messages, read marks, a reply delivered, the card picker, screenshots."""
    expect.set_options(timeout=UI_TIMEOUT_MS)
    sim = await asyncio.to_thread(
        new_simulator, sim_factory, tmp_path, serial=SERIAL, ports=2
    )
    added = await asyncio.to_thread(add_gateway, home_assistant, sim)
    await asyncio.to_thread(wait_entry_loaded, home_assistant, added.entry_id)
    # The user pastes the push URL into the gateway (which also completes sends).
    await asyncio.to_thread(sim.stop)
    sim.push_url = added.webhook_url
    await asyncio.to_thread(sim.start)

    contexts: list[BrowserContext] = []
    try:
        async with HomeAssistantClient(home_assistant) as client:
            await _dashboard(client, added.entry_id)
            await _add_contacts(client, added.entry_id)
            await asyncio.to_thread(wait_entry_loaded, home_assistant, added.entry_id)
            await _push(
                added.webhook_url,
                _sms(7001, 0, ALICE, "Hi! Did the parcel arrive?"),
                _sms(7002, 1, "Kyivstar", "Your balance: 152.40 UAH."),
            )
            registry = await client.ws("config/entity_registry/list")
            (unread,) = [
                e["entity_id"] for e in registry if e["unique_id"] == f"{SERIAL}_unread"
            ]
            await client.wait_state(unread, lambda s: s["state"] == "2", 30, "2 unread")

            context, page = await _card_page(browser, home_assistant.url)
            contexts.append(context)
            card = page.locator(CARD)
            await expect(card.get_by_text("Hi! Did the parcel arrive?")).to_be_visible()
            await expect(card.locator(".unread-total")).to_have_text("2 unread")

            # A pushed SMS appears without a reload.
            await _push(added.webhook_url, _sms(7003, 1, BOB, "Dinner at 7?"))
            await expect(card.get_by_text("Dinner at 7?")).to_be_visible()
            await expect(card.locator(".unread-total")).to_have_text("3 unread")
            conversations = card.locator(".conversation")
            await expect(conversations.first).to_contain_text("Max")
            shots = Shots(page, tmp_path)
            await shots.take("inbox-card-light")

            # Opening Alice's conversation marks it read: the count falls.
            await conversations.filter(has_text="Olena").click()
            await expect(card.locator(".header .title")).to_have_text("Olena")
            await expect(card.locator(".message.received .bubble")).to_have_text(
                ["Hi! Did the parcel arrive?"]
            )
            await client.wait_state(unread, lambda s: s["state"] == "2", 30, "2 unread")

            # A reply typed in the card reaches the gateway, then is delivered.
            await card.locator("textarea").fill("Yes, it came this morning. Thanks!")
            await card.get_by_role("button", name="Send").click()
            sent = card.locator(".message.sent")
            await expect(sent).to_contain_text("Yes, it came this morning. Thanks!")

            async def on_gateway() -> list[Any] | None:
                result = (await sim.api("POST", "query_sms_result", json={}))["result"]
                return [m for m in result if m["number"] == ALICE] or None

            (outgoing,) = await async_wait_until(on_gateway, 30, "the reply sent")
            assert outgoing["port"] == 0, outgoing  # the SIM Alice wrote to
            await expect(sent.locator(".status")).to_have_text("Delivered")
            await shots.take("inbox-card-conversation-light")

            await card.get_by_role("button", name="Back").click()
            await expect(card.locator(".unread-total")).to_have_text("2 unread")
            await expect(
                conversations.filter(has_text="Olena").locator(".badge")
            ).to_have_count(0)

            # A new message to a new number, through the SIM picked.
            await card.get_by_role("button", name="New message").click()
            await card.get_by_role("textbox", name="Phone number or contact").fill(
                CAROL
            )
            await card.get_by_role("combobox", name="SIM").select_option(label="Port 1")
            await card.get_by_role("textbox", name="Write a message").fill("Hello!")
            await card.get_by_role("button", name="Send").click()
            await expect(card.locator(".header .title")).to_have_text(CAROL)
            await expect(card.locator(".message.sent .bubble")).to_have_text(["Hello!"])

            async def to_carol() -> list[Any] | None:
                result = (await sim.api("POST", "query_sms_result", json={}))["result"]
                return [m for m in result if m["number"] == CAROL] or None

            (outgoing,) = await async_wait_until(to_carol, 30, "the new message sent")
            assert outgoing["port"] == 1, outgoing
            await card.get_by_role("button", name="Back").click()

            # The card picker offers the card, with its preview and visual editor.
            await page.goto(f"{home_assistant.url}/{DASHBOARD}/inbox?edit=1")
            await page.get_by_role("button", name="Add card").click()
            await page.get_by_role("tab", name="By card").click()
            await page.get_by_placeholder(re.compile("^Search", re.I)).last.fill(
                "GSM Gateway"
            )
            offered = page.locator("hui-card-picker .card").filter(
                has_text="GSM Gateway inbox"
            )
            await expect(offered).to_be_visible()
            # Its preview is the card itself, on every gateway's inbox.
            await expect(offered.locator(CARD).locator(".title")).to_have_text(
                "Messages"
            )
            await shots.take("inbox-card-picker")
            await offered.click()
            await expect(page.get_by_text("Conversations shown")).to_be_visible()
            await expect(page.get_by_text("Gateway", exact=True).first).to_be_visible()
            await shots.take("inbox-card-editor")

            # Dark theme, and a phone's width.
            for name, dark, phone in (
                ("inbox-card-dark", True, False),
                ("inbox-card-phone-light", False, True),
                ("inbox-card-phone-dark", True, True),
            ):
                context, page = await _card_page(
                    browser, home_assistant.url, dark=dark, phone=phone
                )
                contexts.append(context)
                card = page.locator(CARD)
                await expect(card.get_by_text("Dinner at 7?")).to_be_visible()
                if phone:
                    await card.locator(".conversation").filter(has_text="Olena").click()
                    await expect(card.locator(".status")).to_have_text("Delivered")
                    box = await card.bounding_box()
                    assert box is not None
                    assert box["width"] <= PHONE["width"], box
                await Shots(page, tmp_path).take(name)
    finally:
        for context in contexts:
            await context.close()
        async with HomeAssistantClient(home_assistant) as client:
            status, _ = await client.rest(
                "DELETE", f"/api/config/config_entries/entry/{added.entry_id}"
            )
        assert status == 200
