"""A Home Assistant process, and its HTTP and websocket APIs, for the benchmark."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import ctypes
from dataclasses import dataclass
from datetime import UTC, datetime
import itertools
import json
import os
from pathlib import Path
import secrets
import signal
import subprocess
import sys
import time
from typing import Any

from _demo_setup import local_time_zone  # the demo's: same zone rules
import aiohttp

CLIENT_ID_PATH = "/"
USERNAME = "bench"
PASSWORD = "bench-password"
START_TIMEOUT = 180.0
STOP_TIMEOUT = 30.0

CONFIGURATION_YAML = """\
# Written by scripts/bench: a throwaway Home Assistant on 127.0.0.1.
homeassistant:
  name: GSM Gateway benchmark
  latitude: 52.3731
  longitude: 4.8922
  elevation: 0
  unit_system: metric
  currency: EUR
  country: NL
  time_zone: {time_zone}
  internal_url: http://127.0.0.1:{port}

http:
  server_host: 127.0.0.1
  server_port: {port}

api:
config:
webhook:

logger:
  default: warning

# The `rest` comparison writes its resource here and calls rest.reload.
rest: !include bench_rest.yaml
"""

_PR_SET_PDEATHSIG = 1
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Linux's clockid of a process's CPU clock: MAKE_PROCESS_CPUCLOCK(pid, SCHED).
_CPUCLOCK_SCHED = 2


class BenchError(Exception):
    """Something the benchmark needs did not happen."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now."""
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the benchmark dies, even by SIGKILL."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def read_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads, dead ones included.

    The same count as utime + stime in /proc/<pid>/stat, read through the
    process's CPU-time clock (clock_gettime), which has nanoseconds where
    /proc has 10 ms ticks; /proc where that clock cannot be read.
    """
    try:
        return time.clock_gettime((~pid << 3) | _CPUCLOCK_SCHED)
    except OSError:
        return read_stat_cpu_seconds(pid)


def read_stat_cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/<pid>/stat (10 ms resolution)."""
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    fields = stat[stat.rindex(")") + 2 :].split()
    # Fields 14 and 15 of proc(5); fields[0] here is field 3 (state).
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def read_rss_mib(pid: int) -> float:
    """Resident memory of a process in MiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"no VmRSS for process {pid}")


def write_store(path: Path, key: str, version: int, minor: int, data: Any) -> None:
    """Write a file in Home Assistant's `.storage` format."""
    content = {"version": version, "minor_version": minor, "key": key, "data": data}
    path.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")


@dataclass
class SeededEntry:
    """A gsm_gateway config entry written into `.storage` while HA is stopped."""

    title: str
    unique_id: str
    url: str
    webhook_id: str
    scan_interval: int
    disable_polling: bool
    entry_id: str = ""


class HassProcess:
    """One configuration folder, and Home Assistant started on it as a process."""

    def __init__(self, config_dir: Path, repo_root: Path) -> None:
        self.config_dir = config_dir
        self.repo_root = repo_root
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = config_dir / "home-assistant.log"
        self._output_path = config_dir / "hass-output.log"

    def write_config(self) -> None:
        """Configuration, `custom_components` link, empty `rest` include."""
        storage = self.config_dir / ".storage"
        storage.mkdir(parents=True, exist_ok=True)
        (self.config_dir / "configuration.yaml").write_text(
            CONFIGURATION_YAML.format(time_zone=local_time_zone(), port=self.port),
            encoding="utf-8",
        )
        self.write_rest_yaml("[]\n")
        link = self.config_dir / "custom_components"
        if not link.exists():
            link.symlink_to(
                self.repo_root / "custom_components", target_is_directory=True
            )

    def write_rest_yaml(self, text: str) -> None:
        """What `rest:` holds at the next start or `rest.reload`."""
        (self.config_dir / "bench_rest.yaml").write_text(text, encoding="utf-8")

    def seed_entries(self, entries: list[SeededEntry]) -> None:
        """Add gsm_gateway entries to `.storage/core.config_entries` (HA stopped)."""
        from homeassistant import config_entries  # noqa: PLC0415
        from homeassistant.util.ulid import ulid_now  # noqa: PLC0415

        if self.running:
            raise BenchError("entries are seeded only while Home Assistant is stopped")
        path = self.config_dir / ".storage" / config_entries.STORAGE_KEY
        store = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
        stored: list[dict[str, Any]] = store["data"]["entries"] if store else []
        now = datetime.now(UTC).isoformat()
        for entry in entries:
            entry.entry_id = ulid_now()
            stored.append(
                {
                    "created_at": now,
                    "data": {
                        "gateway_type": "dinstar",
                        "url": entry.url,
                        "username": "admin",
                        "password": "admin",
                        "verify_ssl": False,
                        "webhook_id": entry.webhook_id,
                    },
                    "discovery_keys": {},
                    "disabled_by": None,
                    "domain": "gsm_gateway",
                    "entry_id": entry.entry_id,
                    "minor_version": 1,
                    "modified_at": now,
                    # Below the options form's minimum of 10 s, so that a
                    # measurement sees enough cycles in a few seconds.
                    "options": {
                        "scan_interval": entry.scan_interval,
                        "default_recipients": [],
                    },
                    "pref_disable_new_entities": False,
                    "pref_disable_polling": entry.disable_polling,
                    "source": "user",
                    "subentries": [],
                    "title": entry.title,
                    "unique_id": entry.unique_id,
                    "version": 1,
                }
            )
        write_store(
            path,
            config_entries.STORAGE_KEY,
            store["version"] if store else config_entries.STORAGE_VERSION,
            store["minor_version"] if store else config_entries.STORAGE_VERSION_MINOR,
            {"entries": stored},
        )

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int:
        """The process id (the process must be running)."""
        if self.process is None:
            raise BenchError("Home Assistant is not running")
        return self.process.pid

    def spawn(self) -> float:
        """Start `python -m homeassistant`; return the monotonic start time."""
        if self.running:
            raise BenchError("Home Assistant is already running")
        output = self._output_path.open("ab")
        started = time.monotonic()
        # Its own session: Ctrl+C reaches only the benchmark, which stops it.
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "homeassistant",
                "-c",
                str(self.config_dir),
                # Everything is installed by scripts/bench beforehand; the
                # network is loopback only.
                "--skip-pip",
                "--log-file",
                str(self.log_path),
            ],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads yet
            cwd=self.config_dir,
        )
        output.close()
        return started

    def stop(self) -> float | None:
        """Stop Home Assistant (SIGTERM, then SIGKILL); return its exit code."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return None if process is None else process.returncode
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait(STOP_TIMEOUT)

    def log_tail(self, lines: int = 40) -> str:
        """The end of Home Assistant's log and console output."""
        parts = []
        for path in (self.log_path, self._output_path):
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace")
                parts.append(
                    f"--- {path.name}\n" + "\n".join(text.splitlines()[-lines:])
                )
        return "\n".join(parts)

    def cpu_seconds(self) -> float:
        """Home Assistant's CPU time so far."""
        return read_cpu_seconds(self.pid)

    def rss_mib(self) -> float:
        """Home Assistant's resident memory now."""
        return read_rss_mib(self.pid)


class HassApi:
    """HTTP and websocket client of one Home Assistant instance."""

    def __init__(self, hass: HassProcess, session: aiohttp.ClientSession) -> None:
        self.hass = hass
        self.session = session
        self.token: str | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._listeners: dict[int, Callable[[dict[str, Any]], None]] = {}

    @property
    def headers(self) -> dict[str, str]:
        """Authorization header for the REST API."""
        if self.token is None:
            raise BenchError("no access token yet")
        return {"Authorization": f"Bearer {self.token}"}

    def url(self, path: str) -> str:
        """Absolute URL of a path on this instance."""
        return self.hass.base_url + path

    # --- start-up -----------------------------------------------------------

    async def _get_json(self, path: str, *, auth: bool) -> Any | None:
        """GET a path; None while the server is not answering it yet."""
        try:
            async with self.session.get(
                self.url(path),
                headers=self.headers if auth else None,
                timeout=aiohttp.ClientTimeout(total=5),
            ) as response:
                if response.status != 200:
                    return None
                return await response.json()
        except aiohttp.ClientError, TimeoutError, ValueError:
            return None

    async def wait_until(
        self, path: str, ready: Callable[[Any], bool], *, auth: bool
    ) -> None:
        """Poll a path every 20 ms until `ready(answer)`; fail if HA exits."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if not self.hass.running:
                raise BenchError(
                    "Home Assistant exited while starting:\n" + self.hass.log_tail()
                )
            answer = await self._get_json(path, auth=auth)
            if answer is not None and ready(answer):
                return
            await asyncio.sleep(0.02)
        raise BenchError(
            f"Home Assistant did not answer {path} in {START_TIMEOUT:.0f} s:\n"
            + self.hass.log_tail()
        )

    async def wait_running(self) -> None:
        """Until `/api/config` says the core state is RUNNING."""
        await self.wait_until(
            "/api/config",
            lambda config: (
                isinstance(config, dict) and config.get("state") == "RUNNING"
            ),
            auth=True,
        )

    async def onboard(self) -> None:
        """Create the owner over the onboarding API, log in, get a long-lived token."""
        await self.wait_until(
            "/api/onboarding", lambda steps: isinstance(steps, list), auth=False
        )
        client_id = self.url(CLIENT_ID_PATH)
        answer = await self._post_json(
            "/api/onboarding/users",
            {
                "client_id": client_id,
                "name": "Benchmark",
                "username": USERNAME,
                "password": PASSWORD,
                "language": "en",
            },
            auth=False,
        )
        async with self.session.post(
            self.url("/auth/token"),
            data={
                "grant_type": "authorization_code",
                "code": answer["auth_code"],
                "client_id": client_id,
            },
        ) as response:
            if response.status != 200:
                raise BenchError(f"/auth/token: HTTP {response.status}")
            self.token = (await response.json())["access_token"]
        # The rest of onboarding as the frontend finishes it, but core_config,
        # which adds entries of its own (Met, Google Translate, ...) that would
        # poll the internet and cost CPU in every measurement.
        await self._post_json("/api/onboarding/analytics", {})
        await self._post_json(
            "/api/onboarding/integration",
            {"client_id": client_id, "redirect_uri": client_id + "?auth_callback=1"},
        )
        await self.connect()
        self.token = await self.ws_command(
            "auth/long_lived_access_token", client_name="scripts/bench", lifespan=30
        )

    async def confirm_http_config(self) -> bool:
        """Keep the `http:` settings of configuration.yaml (127.0.0.1, our port).

        Since 2026.10 Home Assistant takes `http:` from YAML as a pending
        trial and, unless it is confirmed (the frontend's dialog) within five
        minutes, restarts on the previous settings: port 8123 on every
        interface. Returns whether something was pending.
        """
        try:
            config = await self.ws_command("http/config")
        except BenchError as err:
            if "unknown_command" in str(err):
                return False
            raise
        pending = config.get("pending")
        if pending is None or pending.get("error") is not None:
            return False
        await self.ws_command("http/config/promote")
        after = await self.ws_command("http/config")
        if after.get("pending") is not None or after.get("revert_at") is not None:
            raise BenchError(f"the HTTP settings stayed pending: {after}")
        return True

    # --- REST ---------------------------------------------------------------

    async def _post_json(
        self, path: str, body: Any, *, auth: bool = True, ok: tuple[int, ...] = (200,)
    ) -> Any:
        async with self.session.post(
            self.url(path), json=body, headers=self.headers if auth else None
        ) as response:
            text = await response.text()
            if response.status not in ok:
                raise BenchError(f"POST {path}: HTTP {response.status}: {text[:500]}")
            return json.loads(text) if text else None

    async def post(self, path: str, body: Any) -> Any:
        """POST JSON with the token; the decoded answer."""
        return await self._post_json(path, body)

    async def delete(self, path: str) -> Any:
        """DELETE with the token; the decoded answer."""
        async with self.session.delete(
            self.url(path), headers=self.headers
        ) as response:
            if response.status != 200:
                raise BenchError(f"DELETE {path}: HTTP {response.status}")
            return await response.json()

    async def call_service(
        self, domain: str, service: str, data: dict[str, Any], *, response: bool = False
    ) -> Any:
        """Call an action over REST; with `response`, return its response."""
        path = f"/api/services/{domain}/{service}"
        answer = await self.post(path + ("?return_response" if response else ""), data)
        return answer.get("service_response") if response else answer

    async def states(self) -> dict[str, dict[str, Any]]:
        """Every state, by entity id."""
        async with self.session.get(
            self.url("/api/states"), headers=self.headers
        ) as response:
            return {state["entity_id"]: state for state in await response.json()}

    async def add_dinstar(self, url: str) -> dict[str, Any]:
        """Add a Dinstar gateway through the config-flow REST API, as the UI does."""
        base = "/api/config/config_entries/flow"
        result = await self.post(base, {"handler": "gsm_gateway"})
        for _ in range(6):
            flow = f"{base}/{result['flow_id']}"
            kind = result["type"]
            if kind == "create_entry":
                entry: dict[str, Any] = result["result"]
                return entry
            if kind == "menu":
                result = await self.post(flow, {"next_step_id": "dinstar"})
            elif kind == "form" and not result.get("errors"):
                step = result["step_id"]
                data = (
                    {
                        "url": url,
                        "username": "admin",
                        "password": "admin",
                        "verify_ssl": False,
                    }
                    if step == "dinstar"
                    else {}
                )
                result = await self.post(flow, data)
            else:
                raise BenchError(f"config flow stopped: {result}")
        raise BenchError(f"config flow did not finish: {result}")

    # --- websocket ----------------------------------------------------------

    async def connect(self) -> None:
        """Open and authenticate the websocket; messages coalesced."""
        await self.close_ws()
        ws = await self.session.ws_connect(
            self.url("/api/websocket"), max_msg_size=0, heartbeat=None
        )
        hello = await ws.receive_json()
        if hello.get("type") != "auth_required":
            raise BenchError(f"websocket: {hello}")
        await ws.send_json({"type": "auth", "access_token": self.token})
        answer = await ws.receive_json()
        if answer.get("type") != "auth_ok":
            raise BenchError(f"websocket auth: {answer}")
        self._ws = ws
        self._reader = asyncio.create_task(self._read())
        await self.ws_command("supported_features", features={"coalesce_messages": 1})

    async def close_ws(self) -> None:
        """Close the websocket, if open."""
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        if self._ws is not None:
            await self._ws.close()
            self._ws = None
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
        self._listeners.clear()

    async def _read(self) -> None:
        assert self._ws is not None
        async for frame in self._ws:
            if frame.type is not aiohttp.WSMsgType.TEXT:
                break
            data = json.loads(frame.data)
            for message in data if isinstance(data, list) else [data]:
                self._dispatch(message)
        for future in self._pending.values():
            if not future.done():
                future.set_exception(BenchError("websocket closed"))

    def _dispatch(self, message: dict[str, Any]) -> None:
        if message.get("type") == "event":
            listener = self._listeners.get(message["id"])
            if listener is not None:
                listener(message["event"])
            return
        future = self._pending.pop(message.get("id", -1), None)
        if future is None or future.done():
            return
        if message.get("success"):
            future.set_result(message.get("result"))
        else:
            future.set_exception(BenchError(f"websocket: {message.get('error')}"))

    async def ws_command(self, kind: str, **fields: Any) -> Any:
        """Send one command; its result."""
        if self._ws is None:
            raise BenchError("websocket not connected")
        message_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = future
        await self._ws.send_json({"id": message_id, "type": kind, **fields})
        return await asyncio.wait_for(future, 120)

    async def subscribe_events(
        self, event_type: str, listener: Callable[[dict[str, Any]], None]
    ) -> None:
        """Call `listener(event)` for each bus event of this type."""
        if self._ws is None:
            raise BenchError("websocket not connected")
        message_id = next(self._ids)
        self._listeners[message_id] = listener
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = future
        await self._ws.send_json(
            {"id": message_id, "type": "subscribe_events", "event_type": event_type}
        )
        await asyncio.wait_for(future, 30)

    async def entities_of(self, entry_id: str) -> list[dict[str, Any]]:
        """Entity registry entries of a config entry."""
        entities = await self.ws_command("config/entity_registry/list")
        return [e for e in entities if e.get("config_entry_id") == entry_id]

    async def devices_of(self, entry_id: str) -> list[dict[str, Any]]:
        """Device registry entries of a config entry."""
        devices = await self.ws_command("config/device_registry/list")
        return [d for d in devices if entry_id in d.get("config_entries", [])]

    async def entry_state(self, entry_id: str) -> str | None:
        """A config entry's state (`loaded`, ...), None when there is no such entry."""
        entries = await self.ws_command("config_entries/get", domain="gsm_gateway")
        return next((e["state"] for e in entries if e["entry_id"] == entry_id), None)

    async def set_polling(self, entry_id: str, *, enabled: bool) -> None:
        """Turn an entry's polling on or off (Home Assistant reloads the entry)."""
        await self.ws_command(
            "config_entries/update", entry_id=entry_id, pref_disable_polling=not enabled
        )


def new_webhook_id() -> str:
    """A webhook id like Home Assistant's own."""
    return secrets.token_hex(32)
