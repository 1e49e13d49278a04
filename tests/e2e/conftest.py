"""Fixtures of the end-to-end tests: a real Home Assistant process and gateways.

One Home Assistant server serves the whole package (it starts once, about
ten seconds); each gateway is a `python -m simulator` process. Sockets are
allowed to 127.0.0.1 only, as in the other tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .harness import (
    SIM_PASSWORD,
    SIM_USERNAME,
    HomeAssistantProcess,
    SimulatorProcess,
    _http,
    _tail,
    confirm_http_config,
    ha_python,
    ha_version,
    sockets_allowed,
)

GATEWAY_SERIAL = "dbd2-0325-0044-0088"
GATEWAY_PORTS = 8
SMS_EVERY = 1.5
"""Seconds between the SMS the gateway receives on its own (random port, sender)."""


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker (run only these: `pytest -m e2e`)."""
    config.addinivalue_line(
        "markers", "e2e: end-to-end test against a real Home Assistant process"
    )


def pytest_report_header(config: pytest.Config) -> str:
    """Say which Home Assistant the end-to-end tests run against."""
    python = ha_python()
    try:
        version = ha_version(python)
    except Exception as err:  # noqa: BLE001 - a header must not break the run
        version = f"unknown ({err})"
    return f"e2e: Home Assistant {version} ({python})"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add the end of Home Assistant's log to a failed end-to-end test's report."""
    report = yield
    funcargs = getattr(item, "funcargs", {})
    ha = funcargs.get("home_assistant")
    if report.failed and isinstance(ha, HomeAssistantProcess):
        report.sections.append((f"Home Assistant log ({ha.log})", _tail(ha.log, 80)))
    return report


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """No in-process Home Assistant here (overrides tests/conftest.py)."""


@pytest.fixture(autouse=True)
def _sockets(socket_enabled: None) -> None:
    """Every end-to-end test talks to processes on 127.0.0.1."""


@pytest.fixture(scope="package")
def home_assistant(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[HomeAssistantProcess]:
    """A Home Assistant server, started and onboarded over HTTP."""
    with sockets_allowed():
        ha = HomeAssistantProcess(tmp_path_factory.mktemp("ha-config"))
        ha.prepare()
        try:
            ha.start()
            ha.onboard()
            ha.wait_running()
            asyncio.run(confirm_http_config(ha))
        except BaseException:
            ha.stop()
            raise
    yield ha
    ha.stop()


@dataclass
class Gateway:
    """A simulated gateway added to Home Assistant through the config flow."""

    sim: SimulatorProcess
    entry_id: str
    title: str
    webhook_url: str
    flow: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """Each request of the config flow and Home Assistant's answer to it."""


class ConfigFlow:
    """The REST config-flow API, as the frontend's dialog uses it."""

    def __init__(self, ha: HomeAssistantProcess) -> None:
        """Start nothing yet."""
        self.ha = ha
        self.token = ha.access_token()
        self.steps: list[tuple[str, dict[str, Any]]] = []
        self.flow_id = ""

    def _post(self, path: str, body: dict[str, Any], what: str) -> dict[str, Any]:
        status, answer = _http(
            "POST", f"{self.ha.url}{path}", json_body=body, token=self.token
        )
        assert status == 200, (what, status, answer)
        self.steps.append((what, answer))
        return dict(answer)

    def start(self, handler: str = "gsm_gateway") -> dict[str, Any]:
        """POST /api/config/config_entries/flow: the first step."""
        answer = self._post(
            "/api/config/config_entries/flow",
            {"handler": handler, "show_advanced_options": False},
            "start",
        )
        self.flow_id = answer["flow_id"]
        return answer

    def step(self, what: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST to the flow: a menu choice or a form's values."""
        return self._post(f"/api/config/config_entries/flow/{self.flow_id}", body, what)


def add_gateway(ha: HomeAssistantProcess, sim: SimulatorProcess) -> Gateway:
    """Walk the config flow for `sim` over REST and return the new entry.

    Wrong credentials first (the form comes back with an error), then the
    right ones; the last step shows the push URL; finishing creates the entry.
    """
    flow = ConfigFlow(ha)
    menu = flow.start()
    assert menu["type"] == "menu", menu
    form = flow.step("menu", {"next_step_id": "dinstar"})
    assert form["type"] == "form", form
    login = {"url": sim.url, "username": SIM_USERNAME, "verify_ssl": False}
    wrong = flow.step("wrong password", {**login, "password": "not-the-password"})
    assert wrong["type"] == "form", wrong
    push = flow.step("login", {**login, "password": SIM_PASSWORD})
    assert push["type"] == "form", push
    assert push["step_id"] == "push", push
    done = flow.step("finish", {})
    assert done["type"] == "create_entry", done
    return Gateway(
        sim=sim,
        entry_id=done["result"]["entry_id"],
        title=done["title"],
        webhook_url=push["description_placeholders"]["url"],
        flow=flow.steps,
    )


def wait_entry_loaded(ha: HomeAssistantProcess, entry_id: str) -> dict[str, Any]:
    """Poll the config entries until this one is set up."""
    from .harness import wait_until

    token = ha.access_token()

    def loaded() -> dict[str, Any] | None:
        status, entries = _http(
            "GET", f"{ha.url}/api/config/config_entries/entry", token=token
        )
        assert status == 200, entries
        entry = next((e for e in entries if e["entry_id"] == entry_id), None)
        assert entry is not None, f"entry {entry_id} is gone: {entries}"
        assert entry["state"] not in ("setup_error", "migration_error"), entry
        return dict(entry) if entry["state"] == "loaded" else None

    return wait_until(loaded, 60, f"entry {entry_id} to be loaded", 0.1)


@pytest.fixture(scope="package")
def gateway(
    home_assistant: HomeAssistantProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    """An 8-port gateway added over REST, pushing to its webhook, receiving SMS.

    The user adds the gateway, then pastes the push URL the last step shows
    into the gateway's web UI; the simulator takes it on its command line, so
    it restarts with it (before any SMS, so its message ids stay consistent).
    From then on it receives an SMS every SMS_EVERY seconds and pushes it.
    """
    logs = tmp_path_factory.mktemp("gateway")
    with sockets_allowed():
        sim = SimulatorProcess(
            logs / "simulator.log", serial=GATEWAY_SERIAL, ports=GATEWAY_PORTS
        )
        sim.start()
        try:
            added = add_gateway(home_assistant, sim)
            wait_entry_loaded(home_assistant, added.entry_id)
            sim.stop()
            sim.push_url = added.webhook_url
            sim.sms_every = SMS_EVERY
            sim.start()
        except BaseException:
            sim.stop()
            raise
    yield added
    sim.stop()


@pytest.fixture
def sim_factory() -> Iterator[list[SimulatorProcess]]:
    """Simulators a test starts itself; all stopped after it."""
    started: list[SimulatorProcess] = []
    yield started
    for sim in started:
        sim.stop()


def new_simulator(
    started: list[SimulatorProcess], log_dir: Path, **kwargs: Any
) -> SimulatorProcess:
    """Start a simulator that the sim_factory fixture stops after the test."""
    sim = SimulatorProcess(log_dir / f"simulator-{kwargs['serial']}.log", **kwargs)
    started.append(sim)
    sim.start()
    return sim
