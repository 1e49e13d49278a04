"""A real Home Assistant and the simulator as processes, and clients for both.

Nothing here imports Home Assistant: the server under test may come from
another virtual environment (GSM_E2E_HA_VENV) than the one pytest runs in.
Every wait polls a real condition with a deadline; nothing sleeps blindly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
import contextlib
import ctypes
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = Path(
    os.environ.get("GSM_E2E_INTEGRATION", ROOT / "custom_components" / "gsm_gateway")
)
"""What the server loads as custom_components/gsm_gateway (a symlink to it)."""
LOCAL = "127.0.0.1"
TIME_ZONE = "Europe/Kyiv"
"""Home Assistant's and the simulated gateway's zone: both on local time, as
a gateway and the Home Assistant next to it are."""
USER = {"name": "E2E Tester", "username": "e2e", "password": "e2e-secret-pass"}

START_TIMEOUT = 120.0
STOP_TIMEOUT = 60.0
SIM_USERNAME = "admin"
SIM_PASSWORD = "admin"

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Make a child process end when pytest does, even if pytest is killed."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def ha_python() -> Path:
    """The Python whose Home Assistant is tested: GSM_E2E_HA_VENV, else pytest's."""
    venv = os.environ.get("GSM_E2E_HA_VENV")
    return Path(venv) / "bin" / "python" if venv else Path(sys.executable)


def ha_version(python: Path) -> str:
    """The version of Home Assistant installed for `python`."""
    return subprocess.run(
        [
            str(python),
            "-c",
            "from homeassistant.const import __version__; print(__version__)",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((LOCAL, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until[T](
    probe: Callable[[], T | None], timeout: float, what: str, interval: float = 0.1
) -> T:
    """Poll `probe` until it returns something not None; fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


async def async_wait_until[T](
    probe: Callable[[], Awaitable[T | None]],
    within: float,
    what: str,
    interval: float = 0.2,
) -> T:
    """Async `wait_until`: poll for at most `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = await probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {within:.0f} s waiting for {what}")
        await asyncio.sleep(interval)


def _http(
    method: str,
    url: str,
    *,
    json_body: Any = None,
    form: dict[str, str] | None = None,
    token: str | None = None,
    timeout: float = 30,
) -> tuple[int, Any]:
    """One blocking HTTP request (fixtures run outside any event loop)."""
    headers: dict[str, str] = {}
    data: bytes | None = None
    if json_body is not None:
        data = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as err:
        status, body = err.code, err.read()
    try:
        return status, json.loads(body) if body else None
    except ValueError:
        return status, body.decode(errors="replace")


def _popen(
    args: list[str], log: Path, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            args,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - prctl only
        )


def _tail(path: Path, lines: int = 40) -> str:
    if not path.is_file():
        return f"({path} does not exist)"
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:])


def _stop(process: subprocess.Popen[bytes] | None, timeout: float) -> int | None:
    """SIGTERM, wait; SIGKILL if it does not end. Return its exit code."""
    if process is None:
        return None
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
            raise
    return process.returncode


CONFIGURATION_YAML = """\
# Written by tests/e2e: a small, fast set of what a user's server runs.
homeassistant:
  name: GSM Gateway e2e
  latitude: 50.4501
  longitude: 30.5234
  elevation: 179
  unit_system: metric
  currency: UAH
  country: UA
  time_zone: {time_zone}
  internal_url: {url}

http:
  server_host: {host}
  server_port: {port}

# The web UI with what it depends on (auth, onboarding, config, websocket_api).
frontend:
config:
recorder:
  commit_interval: 1
logbook:

# Counts what automations see of the integration's SMS events: an event fired
# before automations are armed (during start-up) would not be counted.
counter:
  e2e_sms_seen:
    name: SMS seen by automations
    initial: 0
    restore: false

automation:
  - id: e2e_count_sms
    alias: Count received SMS
    mode: queued
    max: 10000
    triggers:
      - trigger: event
        event_type: gsm_gateway_sms_received
    actions:
      - action: counter.increment
        target:
          entity_id: counter.e2e_sms_seen

logger:
  default: warning
  logs:
    custom_components.gsm_gateway: debug
    homeassistant.bootstrap: info
"""


@dataclass
class HomeAssistantProcess:
    """`python -m homeassistant -c <config>` on 127.0.0.1, onboarded over HTTP."""

    config_dir: Path
    python: Path = field(default_factory=ha_python)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    refresh_token: str | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        """Where the server answers."""
        return f"http://{LOCAL}:{self.port}"

    @property
    def client_id(self) -> str:
        """The OAuth client id the frontend uses: its own origin."""
        return f"{self.url}/"

    @property
    def log(self) -> Path:
        """Home Assistant's console output, all runs appended."""
        return self.config_dir / "console.log"

    def prepare(self) -> None:
        """A fresh configuration folder with the integration linked in."""
        self.config_dir.mkdir(parents=True, exist_ok=True)
        (self.config_dir / "configuration.yaml").write_text(
            CONFIGURATION_YAML.format(
                time_zone=TIME_ZONE, url=self.url, host=LOCAL, port=self.port
            ),
            encoding="utf-8",
        )
        custom = self.config_dir / "custom_components"
        custom.mkdir(exist_ok=True)
        link = custom / "gsm_gateway"
        if not link.exists():
            link.symlink_to(INTEGRATION, target_is_directory=True)

    def start(self) -> None:
        """Start the server and wait until its HTTP API answers."""
        self.spawn()
        self.wait_http()

    def spawn(self) -> None:
        """Start the server, without waiting for it.

        From the main thread: the server ends with the thread that started it
        (PR_SET_PDEATHSIG), so not from a worker thread (`asyncio.to_thread`).
        """
        assert self.process is None or self.process.poll() is not None, "running"
        self.starts += 1
        with self.log.open("a", encoding="utf-8") as out:
            out.write(f"\n===== e2e: start #{self.starts} =====\n")
        # --skip-pip: nothing is installed at run time (the environment has it
        # all, or the test must fail, not download).
        # Started in its configuration folder: from the repository's root,
        # `python -m` would import custom_components/ from there, not the link.
        self.process = _popen(
            [
                str(self.python),
                "-m",
                "homeassistant",
                "-c",
                str(self.config_dir),
                "--skip-pip",
            ],
            self.log,
            self.config_dir,
        )

    def wait_http(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until the HTTP server answers (it starts early in start-up)."""

        def answers() -> bool | None:
            self.assert_alive()
            try:
                # Any answer will do: before onboarding this one is a 400.
                _http("GET", f"{self.url}/auth/providers", timeout=5)
            except OSError:
                return None
            return True

        wait_until(
            answers, timeout, f"Home Assistant's HTTP server on {self.url}", 0.05
        )

    def assert_alive(self) -> None:
        """Fail with the server's log if the process has ended."""
        if self.process is None or self.process.poll() is not None:
            code = None if self.process is None else self.process.returncode
            raise RuntimeError(
                f"Home Assistant is not running (exit code {code}); its log:\n"
                + _tail(self.log)
            )

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM and wait for the process to end; return its exit code."""
        code = _stop(self.process, timeout)
        self.process = None
        return code

    def onboard(self) -> None:
        """Onboard as the frontend does; keep the refresh token."""
        status, steps = _http("GET", f"{self.url}/api/onboarding")
        assert status == 200, steps
        assert {step["step"]: step["done"] for step in steps} == {
            "user": False,
            "core_config": False,
            "analytics": False,
            "integration": False,
        }, steps
        status, answer = _http(
            "POST",
            f"{self.url}/api/onboarding/users",
            json_body={**USER, "client_id": self.client_id, "language": "en"},
        )
        assert status == 200, answer
        tokens = self.token_from_code(answer["auth_code"])
        access = tokens["access_token"]
        for step in ("core_config", "analytics"):
            status, answer = _http(
                "POST", f"{self.url}/api/onboarding/{step}", json_body={}, token=access
            )
            assert status == 200, (step, answer)
        status, answer = _http(
            "POST",
            f"{self.url}/api/onboarding/integration",
            json_body={
                "client_id": self.client_id,
                "redirect_uri": f"{self.url}/?auth_callback=1",
            },
            token=access,
        )
        assert status == 200, answer
        # The frontend is redirected with this code and trades it for its tokens.
        self.refresh_token = self.token_from_code(answer["auth_code"])["refresh_token"]
        status, steps = _http("GET", f"{self.url}/api/onboarding")
        assert status == 200
        assert all(step["done"] for step in steps), steps

    def token_from_code(self, code: str) -> dict[str, Any]:
        """Trade an authorization code for tokens (grant_type=authorization_code)."""
        status, tokens = _http(
            "POST",
            f"{self.url}/auth/token",
            form={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
            },
        )
        assert status == 200, tokens
        assert tokens["token_type"] == "Bearer"
        return dict(tokens)

    def access_token(self) -> str:
        """A fresh access token from the refresh token (valid across restarts)."""
        assert self.refresh_token, "not onboarded"
        status, tokens = _http(
            "POST",
            f"{self.url}/auth/token",
            form={
                "grant_type": "refresh_token",
                "refresh_token": self.refresh_token,
                "client_id": self.client_id,
            },
        )
        assert status == 200, tokens
        return str(tokens["access_token"])

    def wait_running(self, timeout: float = START_TIMEOUT) -> dict[str, Any]:
        """Wait until Home Assistant has started (state RUNNING); return its config."""
        token = self.access_token()

        def running() -> dict[str, Any] | None:
            self.assert_alive()
            status, config = _http("GET", f"{self.url}/api/config", token=token)
            if status == 200 and config.get("state") == "RUNNING":
                return dict(config)
            return None

        return wait_until(running, timeout, "Home Assistant to finish starting", 0.1)

    def log_text(self) -> str:
        """Everything the server printed so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")


@dataclass
class SimulatorProcess:
    """`python -m simulator --type dinstar ...`: a fake gateway in its own process."""

    log: Path
    serial: str
    ports: int = 8
    port: int = field(default_factory=free_port)
    host: str = LOCAL
    push_url: str | None = None
    sms_every: float = 0
    ussd_delay: float = 0.2
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The gateway's base URL."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Start it (in the gateway's own time zone) and wait until it answers."""
        args = [
            sys.executable,
            "-m",
            "simulator",
            "--type",
            "dinstar",
            "--ports",
            str(self.ports),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--username",
            SIM_USERNAME,
            "--password",
            SIM_PASSWORD,
            "--serial",
            self.serial,
            "--sms-every",
            str(self.sms_every),
            "--ussd-delay",
            str(self.ussd_delay),
            "--seed",
            "1",
        ]
        if self.push_url:
            args += ["--push-url", self.push_url]
        self.process = _popen(args, self.log, ROOT, {"TZ": TIME_ZONE})

        def answers() -> bool | None:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError("the simulator ended:\n" + _tail(self.log))
            try:
                status, _ = _http("GET", f"{self.url}/api/get_port_info", timeout=5)
            except OSError:
                return None
            return True if status == 401 else None  # asks for a login: it is up

        wait_until(answers, 30, f"the simulator on {self.url}", 0.05)

    def stop(self) -> None:
        """End the process (SIGTERM)."""
        _stop(self.process, 15)
        self.process = None

    def session(self) -> aiohttp.ClientSession:
        """A client session that logs in to the gateway with Digest auth."""
        return aiohttp.ClientSession(
            middlewares=(aiohttp.DigestAuthMiddleware(SIM_USERNAME, SIM_PASSWORD),),
            timeout=aiohttp.ClientTimeout(total=15),
        )

    async def api(self, method: str, name: str, **kwargs: Any) -> dict[str, Any]:
        """Call the gateway's own HTTP API (the ground truth of the tests)."""
        async with (
            self.session() as session,
            session.request(method, f"{self.url}/api/{name}", **kwargs) as response,
        ):
            response.raise_for_status()
            data: dict[str, Any] = await response.json(content_type=None)
        assert data.get("error_code") in (None, 200), data
        return data

    async def inbox(self) -> list[dict[str, Any]]:
        """Every SMS the gateway holds, oldest first, read without marking it read."""
        data = await self.api(
            "GET", "query_incoming_sms", params={"flag": "all", "incoming_sms_id": "0"}
        )
        return sorted(data["sms"], key=lambda sms: int(sms["incoming_sms_id"]))

    async def port_info(self) -> list[dict[str, Any]]:
        """get_port_info for every port."""
        data = await self.api(
            "GET",
            "get_port_info",
            params={"info_type": "imei,imsi,number,reg,signal,type"},
        )
        return list(data["info"])


class WebSocketError(Exception):
    """Home Assistant answered a websocket command with success: false."""


@dataclass
class EventLog:
    """The events of one subscription, in the order Home Assistant fired them."""

    events: list[dict[str, Any]] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def add(self, event: dict[str, Any], sequence: int) -> None:
        """Take one event; `sequence` orders it among all the connection's events."""
        event["sequence"] = sequence
        self.events.append(event)
        self._changed.set()

    def matching(self, **data: Any) -> list[dict[str, Any]]:
        """The events whose data has these values."""
        return [
            event
            for event in self.events
            if all(event["data"].get(key) == value for key, value in data.items())
        ]

    async def wait_for(
        self,
        predicate: Callable[[list[dict[str, Any]]], bool],
        within: float,
        what: str,
    ) -> list[dict[str, Any]]:
        """Wait at most `within` seconds until `predicate(events)` holds."""
        try:
            async with asyncio.timeout(within):
                while not predicate(self.events):
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(
                f"gave up after {within:.0f} s waiting for {what}; got {self.events}"
            ) from None
        return self.events


class HomeAssistantClient:
    """REST and websocket client of a running server, as the frontend talks to it."""

    def __init__(self, ha: HomeAssistantProcess) -> None:
        """Not connected yet: use `async with HomeAssistantClient(ha) as client`."""
        self.ha = ha
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        self.token = ""
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._next_id = 1
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._subscriptions: dict[int, EventLog] = {}
        self._received = 0
        self.closed = asyncio.Event()

    async def __aenter__(self) -> HomeAssistantClient:
        """Log in and open the websocket."""
        try:
            await self.connect()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Close everything."""
        await self.close()

    async def connect(self) -> None:
        """Get an access token and authenticate the websocket."""
        async with self.session.post(
            f"{self.ha.url}/auth/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": self.ha.refresh_token,
                "client_id": self.ha.client_id,
            },
        ) as response:
            assert response.status == 200, await response.text()
            self.token = (await response.json())["access_token"]
        ws = await self.session.ws_connect(f"{self.ha.url}/api/websocket")
        self._ws = ws
        assert (await ws.receive_json())["type"] == "auth_required"
        await ws.send_json({"type": "auth", "access_token": self.token})
        answer = await ws.receive_json()
        assert answer["type"] == "auth_ok", answer
        self._reader = asyncio.create_task(self._read(ws))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        try:
            async for message in ws:
                if message.type is not aiohttp.WSMsgType.TEXT:
                    break
                payload = json.loads(message.data)
                for item in payload if isinstance(payload, list) else [payload]:
                    self._dispatch(item)
        finally:
            self.closed.set()
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ConnectionError("websocket closed"))

    def _dispatch(self, item: dict[str, Any]) -> None:
        if item["type"] == "event" and item["id"] in self._subscriptions:
            self._received += 1
            self._subscriptions[item["id"]].add(item["event"], self._received)
        elif item["type"] == "result" and (
            future := self._pending.pop(item["id"], None)
        ):
            if item["success"]:
                future.set_result(item.get("result"))
            else:
                future.set_exception(WebSocketError(item["error"]))

    async def close(self) -> None:
        """Close the websocket and the session."""
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self.session.close()

    async def ws(self, command: str, **fields: Any) -> Any:
        """Send one websocket command; return its result or raise WebSocketError."""
        assert self._ws is not None, "not connected"
        message_id = self._next_id
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = future
        await self._ws.send_json({"id": message_id, "type": command, **fields})
        async with asyncio.timeout(90):
            return await future

    async def subscribe(self, event_type: str) -> EventLog:
        """Subscribe to one event type; events collect in the returned log."""
        assert self._ws is not None, "not connected"
        log = EventLog()
        message_id = self._next_id
        # Registered before the request goes out: no event can slip past.
        self._subscriptions[message_id] = log
        await self.ws("subscribe_events", event_type=event_type)
        return log

    async def call_service(
        self,
        domain: str,
        service: str,
        data: dict[str, Any] | None = None,
        *,
        target: dict[str, Any] | None = None,
        return_response: bool = False,
    ) -> Any:
        """call_service over the websocket; the action's response if asked for."""
        fields: dict[str, Any] = {
            "domain": domain,
            "service": service,
            "service_data": data or {},
        }
        if target is not None:
            fields["target"] = target
        if return_response:
            fields["return_response"] = True
        result = await self.ws("call_service", **fields)
        return result.get("response") if return_response else result

    async def rest(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """An authenticated REST request; (status, decoded JSON or text)."""
        async with self.session.request(
            method,
            f"{self.ha.url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.token}"},
        ) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text) if text else None
            except ValueError:
                return response.status, text

    async def states(self) -> dict[str, dict[str, Any]]:
        """All states by entity id."""
        return {state["entity_id"]: state for state in await self.ws("get_states")}

    async def wait_state(
        self,
        entity_id: str,
        predicate: Callable[[dict[str, Any]], bool],
        within: float,
        what: str,
    ) -> dict[str, Any]:
        """Poll the state machine until the entity's state satisfies predicate."""

        async def probe() -> dict[str, Any] | None:
            state = (await self.states()).get(entity_id)
            return state if state is not None and predicate(state) else None

        return await async_wait_until(probe, within, f"{entity_id}: {what}")


async def confirm_http_config(ha: HomeAssistantProcess) -> dict[str, Any] | None:
    """Keep the HTTP settings of configuration.yaml, as the frontend's dialog does.

    Since 2026.10 Home Assistant moves `http:` from YAML to its storage as a
    pending trial and, unless a user confirms it within five minutes,
    restarts on the previous settings (port 8123, all interfaces). Returns
    what was pending (None on releases without this, or when none was).
    """
    async with HomeAssistantClient(ha) as client:
        try:
            config = await client.ws("http/config")
        except WebSocketError as err:
            if err.args[0].get("code") == "unknown_command":
                return None
            raise
        pending = config.get("pending")
        if pending is None or pending.get("error") is not None:
            return None
        await client.ws("http/config/promote")
        after = await client.ws("http/config")
        assert after["pending"] is None, after
        assert after["revert_at"] is None, after
        return dict(pending)


async def post_push(url: str, body: bytes | str | dict[str, Any]) -> tuple[int, str]:
    """POST a push to the webhook exactly as a Dinstar box does: JSON, no auth."""
    if isinstance(body, dict):
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    else:
        data = body.encode() if isinstance(body, str) else body
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
        session.post(
            url, data=data, headers={"Content-Type": "application/json"}
        ) as response,
    ):
        return response.status, await response.text()


@contextlib.contextmanager
def sockets_allowed() -> Iterator[None]:
    """Let fixtures outside a test's own set-up open sockets to 127.0.0.1.

    pytest-homeassistant-custom-component blocks sockets before every test
    (its pytest_runtest_setup); tests ask for `socket_enabled`, but fixtures
    wider than a test set up before that fixture runs.
    """
    import pytest_socket

    pytest_socket.enable_socket()
    try:
        yield
    finally:
        pytest_socket.socket_allow_hosts([LOCAL])
        pytest_socket.disable_socket(allow_unix_socket=True)


@dataclass
class GatewayView:
    """A gateway as Home Assistant's registries show it."""

    hub: dict[str, Any]
    ports: dict[int, dict[str, Any]]
    """Port devices by the vendor's port number."""
    entities: dict[tuple[str, str], str]
    """Entity ids by (device id, translation key)."""

    def entity(self, port: int | None, key: str) -> str:
        """The entity id of `key` on a port (or, for None, on the gateway)."""
        device = self.hub if port is None else self.ports[port]
        return self.entities[device["id"], key]


async def gateway_view(
    client: HomeAssistantClient, entry_id: str, serial: str
) -> GatewayView:
    """Read the device and entity registries over the websocket."""
    devices = [
        device
        for device in await client.ws("config/device_registry/list")
        if entry_id in device["config_entries"]
    ]
    hubs = [device for device in devices if device["via_device_id"] is None]
    assert len(hubs) == 1, devices
    hub = hubs[0]
    assert hub["identifiers"] == [["gsm_gateway", serial]], hub
    ports: dict[int, dict[str, Any]] = {}
    for device in devices:
        if device is hub:
            continue
        assert device["via_device_id"] == hub["id"], device
        ((domain, identifier),) = device["identifiers"]
        assert domain == "gsm_gateway"
        prefix, _, number = identifier.rpartition("_")
        assert prefix == serial, device
        ports[int(number)] = device
    entities = {
        (entity["device_id"], entity["translation_key"]): entity["entity_id"]
        for entity in await client.ws("config/entity_registry/list")
        if entity["config_entry_id"] == entry_id
    }
    return GatewayView(hub=hub, ports=ports, entities=entities)
