"""scripts/demo's Home Assistant, as a newcomer opens it (SPEC §11).

The configuration folder is the one `scripts/_demo_setup.py` writes in a
fresh clone; only its ports differ (tests take free ports, never 8123 and
8081/8082), so Home Assistant gets an `http:` section and the entries the
simulators' addresses. Home Assistant must open on the dashboard "GSM
Gateway" with the inbox card (the seeded messages in it) and each SIM's
signal and registration, and must have raised no notification.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import subprocess
import sys
from typing import Any

from playwright.async_api import Browser, expect
import pytest

from .conftest import new_simulator
from .harness import (
    LOCAL,
    ROOT,
    HomeAssistantProcess,
    SimulatorProcess,
    _popen,
    _stop,
    free_port,
    ha_python,
)
from .test_browser import UI_TIMEOUT_MS, VIEWPORT, Shots, browser  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

DEMO_URL = "http://127.0.0.1:8123"
DEMO_PORTS = {
    "dinstar": 8081,
    "openvox": 8082,
    "simfolder": 8083,
    "smsgateway24": 8084,
    "modem": 8085,
}
"""The simulators' ports in scripts/demo and _demo_setup's entries."""


def _prepare(config: Path, ha_port: int, ports: dict[str, int]) -> dict[str, str]:
    """The demo's folder, moved to free ports; the webhook id of each entry type."""
    done = subprocess.run(
        [str(ha_python()), "scripts/_demo_setup.py", str(config)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    webhooks = dict(line.split() for line in done.stdout.splitlines())
    url = f"http://{LOCAL}:{ha_port}"
    yaml = config / "configuration.yaml"
    text = yaml.read_text(encoding="utf-8").replace(DEMO_URL, url)
    text += f"\nhttp:\n  server_host: {LOCAL}\n  server_port: {ha_port}\n"
    yaml.write_text(text, encoding="utf-8")
    entries = config / ".storage" / "core.config_entries"
    stored = entries.read_text(encoding="utf-8")
    for kind, port in ports.items():
        stored = stored.replace(f"{LOCAL}:{DEMO_PORTS[kind]}", f"{LOCAL}:{port}")
    entries.write_text(stored, encoding="utf-8")
    return webhooks


async def _ws(page: Any, message: dict[str, Any]) -> Any:
    """A websocket command through the frontend's own connection."""
    return await page.evaluate(
        "(message) => document.querySelector('home-assistant')"
        ".hass.connection.sendMessagePromise(message)",
        message,
    )


async def test_demo_opens_on_its_dashboard(
    browser: Browser,  # noqa: F811
    sim_factory: list[SimulatorProcess],
    tmp_path: Path,
) -> None:
    """Log in as demo/demo: the GSM Gateway dashboard, messages, SIMs, no notice."""
    config = tmp_path / "demo"
    ha_port = free_port()
    ports = {kind: free_port() for kind in DEMO_PORTS}
    webhooks = _prepare(config, ha_port, ports)
    hooks = {
        kind: f"http://{LOCAL}:{ha_port}/api/webhook/{w}"
        for kind, w in webhooks.items()
    }
    await asyncio.to_thread(
        new_simulator,
        sim_factory,
        tmp_path,
        serial="dbd2-0325-0044-0088",
        ports=8,
        port=ports["dinstar"],
        push_url=hooks["dinstar"],
    )
    # As scripts/demo starts them, but without SMS of their own accord.
    extra = {
        "openvox": ["--ports", "4"],
        "simfolder": [
            *("--api-key", "demo-api-key", "--aggregators", "2"),
            *("--cards", "4", "--bank-cards", "2"),
        ],
        "smsgateway24": [
            *("--password", "demo", "--phones", "2"),
            *("--push-url", hooks["smsgateway24"]),
        ],
        "modem": [],
    }
    others = [
        _popen(
            [
                sys.executable,
                "-m",
                "simulator",
                "--type",
                kind,
                "--host",
                LOCAL,
                "--port",
                str(ports[kind]),
                "--sms-every",
                "0",
                *arguments,
            ],
            tmp_path / f"{kind}.log",
            ROOT,
        )
        for kind, arguments in extra.items()
    ]
    ha = HomeAssistantProcess(config, port=ha_port)
    context = None
    try:
        await asyncio.to_thread(ha.start)
        context = await browser.new_context(viewport=VIEWPORT, locale="en-US")
        page = await context.new_page()
        page.set_default_timeout(UI_TIMEOUT_MS)
        expect.set_options(timeout=UI_TIMEOUT_MS)
        await page.goto(f"{ha.url}/")
        await page.get_by_role("textbox", name="Username").fill("demo")
        await page.get_by_role("textbox", name="Password").fill("demo")
        await page.get_by_role("button", name="Log in").click()

        # It opens on the dashboard made for the demo.
        await page.wait_for_url(f"{ha.url}/gsm-gateway/home")
        # Only the test's own `http:` section asks for a confirmation.
        await page.wait_for_function(
            "() => document.querySelector('home-assistant').hass"
        )
        if (await _ws(page, {"type": "http/config"})).get("pending"):
            await _ws(page, {"type": "http/config/promote"})
            await page.reload()
        card = page.locator("gsm-gateway-inbox-card")
        await expect(card.get_by_text("Yes! See you at 7.")).to_be_visible()
        await expect(card.locator(".unread-total")).to_have_text("2 unread")
        sims = page.locator("hui-markdown-card")
        await expect(sims).to_contain_text("Port 7")
        await expect(sims.locator("tr").filter(has_text="Port 1")).to_contain_text(
            "Registered"
        )
        await expect(sims).to_contain_text("dBm")
        await Shots(page, tmp_path).take("demo-dashboard")

        notifications = await _ws(page, {"type": "persistent_notification/get"})
        assert notifications == [], json.dumps(notifications, indent=1)
    finally:
        if context is not None:
            await context.close()
        ha.stop()
        for process in others:
            _stop(process, 15)
