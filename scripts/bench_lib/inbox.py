"""The inbox's rows of scripts/bench (SPEC §11).

- Writes under a burst: the inbox file of the push gateway is watched (its
  inode changes with every atomic write) while the bursts run, and one write
  of the resulting file is timed here the way the inbox and `Store` make it:
  the rows turned into JSON values and encoded (in Home Assistant's loop),
  written atomically (temporary file, fsync, rename; in its executor).
- Push → message shown in the card: the end-to-end harness's Home Assistant
  (with its frontend) and Dinstar simulator process, a dashboard with the
  card in Debian's headless Chromium; each push's text is looked for in the
  card's shadow DOM on every animation frame, so the figure includes the
  websocket event, the card's request for the conversations and its render.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import shutil
import statistics
import tempfile
import time
from typing import Any

from homeassistant.helpers import json as json_helper
from homeassistant.util.file import write_utf8_file_atomic

CARD = "gsm-gateway-inbox-card"
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


@dataclass
class InboxWrites:
    """Counts the writes of one entry's inbox file while it runs."""

    path: Path
    writes: int = 0
    _last: tuple[int, int] | None = None
    _task: asyncio.Task[None] | None = field(default=None, repr=False)

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return stat.st_ino, stat.st_mtime_ns

    async def _watch(self) -> None:
        while True:
            stamp = self._stamp()
            if stamp is not None and stamp != self._last:
                self.writes += 1
                self._last = stamp
            await asyncio.sleep(0.005)

    def start(self) -> None:
        """Count from now (the file as it is now is no write)."""
        self._last = self._stamp()
        self.writes = 0
        self._task = asyncio.get_running_loop().create_task(self._watch())

    async def stop(self) -> int:
        """Stop counting; the writes seen."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        return self.writes


def write_cost(path: Path, repeat: int = 20) -> dict[str, Any]:
    """One write of this inbox file, as `Store` makes it: encode, then atomic write."""
    from custom_components.gsm_gateway.inbox import InboxMessage  # noqa: PLC0415

    data = json.loads(path.read_text(encoding="utf-8"))
    rows = [InboxMessage.from_store(row) for row in data["data"]["messages"]]
    build, encode, write = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        target = str(Path(folder) / "inbox")
        for _ in range(repeat):
            start = time.perf_counter()
            data["data"]["messages"] = [row.to_store() for row in rows]
            t0 = time.perf_counter()
            mode, text = json_helper.prepare_save_json(data)
            t1 = time.perf_counter()
            write_utf8_file_atomic(target, text, private=True, mode=mode)
            t2 = time.perf_counter()
            build.append((t0 - start) * 1000)
            encode.append((t1 - t0) * 1000)
            write.append((t2 - t1) * 1000)
    return {
        "rows": len(rows),
        "kib": round(path.stat().st_size / 1024, 1),
        "build_ms": round(statistics.median(build), 2),
        "encode_ms": round(statistics.median(encode), 2),
        "write_ms": round(statistics.median(write), 2),
    }


def _sms(sms_id: int, text: str) -> dict[str, Any]:
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    return {
        "incoming_sms_id": sms_id,
        "port": sms_id % 2,
        "number": "+4915112345678",
        "smsc": "+491722270333",
        "timestamp": now,
        "text": text,
        "imsi": "262011234567890",
    }


async def card_latency(count: int, workdir: Path) -> dict[str, Any]:
    """Push → text shown in the card, `count` times; or why it was skipped."""
    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    try:
        from playwright.async_api import async_playwright  # noqa: PLC0415
    except ImportError:
        return {"skipped": "Playwright is not installed (the e2e extra)"}
    if chromium is None:
        return {"skipped": "no Chromium (apt-get install chromium)"}
    # The end-to-end suite's harness: a Home Assistant with its frontend.
    from tests.e2e.conftest import add_gateway, wait_entry_loaded  # noqa: PLC0415
    from tests.e2e.harness import (  # noqa: PLC0415
        USER,
        HomeAssistantClient,
        HomeAssistantProcess,
        SimulatorProcess,
        confirm_http_config,
        post_push,
    )

    ha = HomeAssistantProcess(workdir / "card-ha")
    sim = SimulatorProcess(workdir / "card-sim.log", serial="dbd2-0325-0044-0400")
    latencies: list[float] = []
    try:
        await asyncio.to_thread(ha.prepare)
        await asyncio.to_thread(ha.start)
        await asyncio.to_thread(ha.onboard)
        await asyncio.to_thread(ha.wait_running)
        await confirm_http_config(ha)
        await asyncio.to_thread(sim.start)
        added = await asyncio.to_thread(add_gateway, ha, sim)
        await asyncio.to_thread(wait_entry_loaded, ha, added.entry_id)
        async with HomeAssistantClient(ha) as client:
            await client.ws(
                "lovelace/dashboards/create",
                url_path="bench-inbox",
                title="Inbox",
                mode="storage",
            )
            await client.ws(
                "lovelace/config/save",
                url_path="bench-inbox",
                config={
                    "views": [{"path": "inbox", "cards": [{"type": f"custom:{CARD}"}]}]
                },
            )
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=chromium, headless=True, args=CHROMIUM_FLAGS
            )
            page = await browser.new_page(viewport={"width": 1280, "height": 800})
            await page.goto(f"{ha.url}/")
            await page.get_by_role("textbox", name="Username").fill(USER["username"])
            await page.get_by_role("textbox", name="Password").fill(USER["password"])
            await page.get_by_role("button", name="Log in").click()
            await page.wait_for_function("() => !!localStorage.getItem('hassTokens')")
            await page.goto(f"{ha.url}/bench-inbox/inbox")
            card = await page.locator(CARD).element_handle(timeout=30_000)
            await page.wait_for_function(
                "(card) => card.shadowRoot && card.shadowRoot.querySelector('.body')",
                arg=card,
            )
            for index in range(count):
                text = f"card latency {index}"
                sent = time.time() * 1000
                status, _ = await post_push(
                    added.webhook_url,
                    {"sn": sim.serial, "sms": [_sms(90_000 + index, text)]},
                )
                if status != 200:
                    continue
                shown = await page.wait_for_function(
                    "([card, text]) => card.shadowRoot.textContent.includes(text)"
                    " && Date.now()",
                    arg=[card, text],
                    polling="raf",
                    timeout=10_000,
                )
                latencies.append(float(await shown.json_value()) - sent)
            await browser.close()
    finally:
        await asyncio.to_thread(sim.stop)
        await asyncio.to_thread(ha.stop)
    if not latencies:
        return {"skipped": "no push was shown"}
    ordered = sorted(latencies)
    return {
        "pushes": count,
        "shown": len(latencies),
        "p50_ms": round(statistics.median(ordered), 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
        "max_ms": round(ordered[-1], 1),
    }
