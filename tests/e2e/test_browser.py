"""Home Assistant's own frontend in headless Chromium, driven as a user would.

Log in, Settings → Devices & services → Add integration → GSM Gateway →
Dinstar, fill in the gateway's address and login, see the push URL, finish;
then open the gateway's device page and a port's. The test reads what the
pages show (Playwright's selectors pierce the frontend's open shadow roots)
and saves screenshots; GSM_E2E_UPDATE_SCREENSHOTS=1 also copies them to
docs/screenshots/ for the README.

Chromium is Debian's (CHROMIUM_PATH, else `chromium` on PATH): Playwright's
own browser download is never used.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import os
from pathlib import Path
import re
import shutil

from playwright.async_api import (
    Browser,
    Locator,
    Page,
    ViewportSize,
    async_playwright,
    expect,
)
import pytest

from .conftest import new_simulator
from .harness import (
    ROOT,
    USER,
    HomeAssistantClient,
    HomeAssistantProcess,
    SimulatorProcess,
    gateway_view,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

SERIAL = "dbd2-0325-0044-0200"
PORTS = 4
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
SCREENSHOTS = ROOT / "docs" / "screenshots"
UI_TIMEOUT_MS = 30_000


def chromium_path() -> str:
    """Debian's Chromium: CHROMIUM_PATH, else `chromium` on PATH."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        pytest.fail(
            "Chromium not found: install Debian's package (apt-get install chromium)"
            " or set CHROMIUM_PATH"
        )
    return path


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium with a fresh profile (Playwright makes a temporary one)."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def entry_of_device(client: HomeAssistantClient, serial: str) -> str:
    """The config entry of the gateway device with this serial number."""
    devices = await client.ws("config/device_registry/list")
    (device,) = [d for d in devices if d["identifiers"] == [["gsm_gateway", serial]]]
    return str(device["primary_config_entry"])


def entity_row(page: Page, name: str) -> Locator:
    """The row of an entities card (device page) showing `name` and its state."""
    return page.locator("hui-generic-entity-row").filter(
        has=page.get_by_text(name, exact=True)
    )


class Shots:
    """Screenshots of one test: in its tmp folder, and in docs/ on request."""

    def __init__(self, page: Page, folder: Path) -> None:
        """Nothing taken yet."""
        self.page = page
        self.folder = folder
        self.update_docs = os.environ.get("GSM_E2E_UPDATE_SCREENSHOTS") == "1"

    async def take(self, name: str) -> None:
        """Save the viewport as <name>.png."""
        path = self.folder / f"{name}.png"
        # Finished transitions: no floating label caught halfway.
        await self.page.screenshot(path=path, animations="disabled")
        if self.update_docs:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, SCREENSHOTS / path.name)


async def test_add_gateway_in_the_frontend(
    home_assistant: HomeAssistantProcess,
    browser: Browser,
    sim_factory: list[SimulatorProcess],
    tmp_path: Path,
) -> None:
    """The config flow in the UI, then the gateway's and a port's device pages."""
    sim = await asyncio.to_thread(
        new_simulator, sim_factory, tmp_path, serial=SERIAL, ports=PORTS
    )
    truth = {int(port["port"]): port for port in await sim.port_info()}
    context = await browser.new_context(viewport=VIEWPORT, locale="en-US")
    page = await context.new_page()
    page.set_default_timeout(UI_TIMEOUT_MS)
    expect.set_options(timeout=UI_TIMEOUT_MS)
    shots = Shots(page, tmp_path)
    entry_id = None
    try:
        # Log in.
        await page.goto(f"{home_assistant.url}/")
        await page.get_by_role("textbox", name="Username").fill(USER["username"])
        await page.get_by_role("textbox", name="Password").fill(USER["password"])
        await page.get_by_role("button", name="Log in").click()
        await expect(page.get_by_role("link", name="Settings")).to_be_visible()

        # Settings → Devices & services → Add integration → GSM Gateway → Dinstar.
        await page.get_by_role("link", name="Settings").click()
        await page.get_by_role("link", name="Devices & services").click()
        await page.get_by_role("button", name="Add integration").click()
        await page.get_by_placeholder("Search for a brand name").fill("GSM")
        await page.get_by_text("GSM Gateway", exact=True).click()
        await page.get_by_text("Dinstar GSM/LTE gateway").click()

        # The login form.
        await expect(page.get_by_text("Dinstar gateway", exact=True)).to_be_visible()
        await page.get_by_role("textbox", name="URL").fill(sim.url)
        await page.get_by_role("textbox", name="Username").fill("admin")
        await page.get_by_role("textbox", name="Password").fill("admin")
        await shots.take("config-flow-login")
        await page.get_by_role("button", name="Submit").click()

        # The last step: the URL to paste into the gateway's web UI.
        push_url = page.locator("code", has_text=f"{home_assistant.url}/api/webhook/")
        await expect(push_url).to_be_visible()
        await expect(
            page.get_by_text("Send incoming messages to Home Assistant")
        ).to_be_visible()
        webhook_url = (await push_url.inner_text()).strip()
        await shots.take("config-flow-push-url")
        await page.get_by_role("button", name="Submit").click()

        # Created: the dialog lists the new devices, as the registry has them.
        await expect(page.get_by_text("Name and assign")).to_be_visible()
        async with HomeAssistantClient(home_assistant) as client:
            entry_id = await entry_of_device(client, SERIAL)
            view = await gateway_view(client, entry_id, SERIAL)
        names = page.get_by_role("textbox", name="Device name")
        await expect(names.first).to_have_value(view.hub["name"])
        for number in range(2):
            await expect(names.nth(number + 1)).to_have_value(f"Port {number}")
        await shots.take("config-flow-devices")
        await page.get_by_role("button", name="Skip and finish").click()

        # The user pastes the URL into the gateway, which from then on pushes.
        await asyncio.to_thread(sim.stop)
        sim.push_url = webhook_url
        sim.sms_every = 1
        await asyncio.to_thread(sim.start)
        async with HomeAssistantClient(home_assistant) as client:
            await client.wait_state(
                view.entity(2, "last_sms"),
                lambda s: s["state"] not in ("unknown", "unavailable"),
                60,
                "an SMS on port 2",
            )
        gateway_name = view.hub["name"]

        # Integrations → GSM Gateway → its devices → the gateway.
        await page.get_by_text("GSM Gateway", exact=True).click()
        await page.get_by_role("link", name=f"{PORTS + 1} devices").click()
        await page.get_by_role("row").filter(has_text=view.hub["model"]).click()
        await expect(page.get_by_text("Device info")).to_be_visible()
        await expect(page.get_by_text(gateway_name).first).to_be_visible()
        await expect(page.get_by_text(f"by {view.hub['manufacturer']}")).to_be_visible()
        await expect(page.get_by_text(f"Serial number: {SERIAL}")).to_be_visible()
        await expect(page.get_by_text("Connected devices")).to_be_visible()
        for number in range(PORTS):
            await expect(
                page.get_by_role("link", name=re.compile(rf"^Port {number}\b"))
            ).to_be_visible()
        await expect(entity_row(page, "Online")).to_contain_text("Connected")
        # SPEC §2: the device page shows the URL to paste into the gateway too.
        await expect(entity_row(page, "Push URL")).to_contain_text(webhook_url)
        await shots.take("device-gateway")

        # Connected devices → Port 2: its sensors as the gateway reports them.
        await page.get_by_role("link", name=re.compile(r"^Port 2\b")).click()
        await expect(page.get_by_text(f"Connected via {gateway_name}")).to_be_visible()
        port = truth[2]
        dbm = -113 + 2 * int(port["signal"])
        await expect(entity_row(page, "Signal strength")).to_contain_text(f"{dbm} dBm")
        await expect(entity_row(page, "Registration")).to_contain_text("Registered")
        await expect(entity_row(page, "Phone number")).to_contain_text(port["number"])
        # The logbook (Activity) shows the SMS the port received.
        await expect(page.get_by_text("SMS from").first).to_be_visible()
        # The click on Port 2 came from further down the gateway's page.
        await page.mouse.move(VIEWPORT["width"] / 2, VIEWPORT["height"] / 2)
        await page.mouse.wheel(0, -10 * VIEWPORT["height"])
        await expect(page.get_by_text("Device info")).to_be_in_viewport()
        await shots.take("device-port")
    finally:
        await context.close()
        if entry_id is not None:
            async with HomeAssistantClient(home_assistant) as client:
                status, _ = await client.rest(
                    "DELETE", f"/api/config/config_entries/entry/{entry_id}"
                )
            assert status == 200
