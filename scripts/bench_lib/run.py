"""The measurements, in the order one run makes them.

1. A fresh configuration folder; Home Assistant's first boot, onboarded over
   HTTP (owner, login, long-lived token); stopped.
2. Start-up without the integration's entries; memory; a 32-port, 4-SIM-slot
   gateway added through the config-flow REST API (time until every enabled
   entity has a state, memory before/after), then reloaded.
3. Start-ups with that gateway and, its entry disabled, without it,
   alternately (medians); then it is deleted through the API.
4. Four gateways seeded (1, 8 and 32 ports for polling, one for pushes and
   sending), polling off, at a 1 s interval. A second Home Assistant, same
   configuration, for `rest`. Idle CPU of both. Per port count: polling on,
   N cycles counted at the simulator with Home Assistant's CPU time,
   polling off; our 32 ports (all entities, then only the 96 sensors `rest`
   makes) measured over the same seconds as one `rest:` resource feeding 96
   sensors in the second Home Assistant (loaded with `rest.reload`). Idle
   CPU again. Then pushes: sequential, 1,000 concurrent, one push of 1,000;
   one poll that lists all of them again; one SMS to 1,000 numbers.
"""

from __future__ import annotations

import asyncio
from collections import Counter
import contextlib
from dataclasses import dataclass, field
import json
import logging
import math
import os
from pathlib import Path
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
from typing import Any

import aiohttp

from simulator.dinstar import DinstarSimulator

from . import inbox, vendors
from .hass import BenchError, HassApi, HassProcess, SeededEntry, new_webhook_id

EVENT_SMS_RECEIVED = "gsm_gateway_sms_received"
SAME_AS_REST = frozenset({"signal_strength", "registration", "call_state"})
"""The per-port sensors the `rest` comparison makes, by translation key."""
REG_MAP = {
    "REGISTER_OK": "registered",
    "SEARCHING_NETWORK": "searching",
    "UNREGISTER": "not_registered",
    "NO_SIM": "no_sim",
    "PIN_REQUIRE": "pin_required",
    "PUK_REQUIRE": "puk_required",
    "POWER_OFF": "power_off",
}


@dataclass
class Options:
    """What one run does; the defaults keep it under about five minutes."""

    interval: int = 1
    cycles: int = 15
    pushes: int = 200
    burst: int = 1000
    send_numbers: int = 1000
    card_pushes: int = 100
    startups: int = 3
    keep: bool = False
    progress: bool = True


@dataclass
class Gateway:
    """A simulated gateway and the config entry that talks to it."""

    sim: DinstarSimulator
    entry_id: str = ""
    webhook_id: str = ""

    def cycles(self) -> int:
        """Poll cycles seen: each begins with one `get_port_info`."""
        return sum(1 for r in self.sim.requests if r.path == "/api/get_port_info")


@dataclass
class EventLog:
    """`gsm_gateway_sms_received` events seen on the websocket, by text."""

    counts: Counter[str] = field(default_factory=Counter)
    first_seen: dict[str, float] = field(default_factory=dict)
    waiters: dict[str, asyncio.Future[float]] = field(default_factory=dict)
    last_seen: float = 0.0

    def __call__(self, event: dict[str, Any]) -> None:
        now = time.perf_counter()
        text = event.get("data", {}).get("text", "")
        self.counts[text] += 1
        self.first_seen.setdefault(text, now)
        self.last_seen = now
        waiter = self.waiters.pop(text, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(now)

    def seen(self, texts: list[str]) -> int:
        """How many of these texts fired at least once."""
        return sum(1 for text in texts if self.counts[text] > 0)


def _say(options: Options, text: str) -> None:
    if options.progress:
        print(f"bench: {text}", file=sys.stderr, flush=True)


def machine_info() -> dict[str, Any]:
    """CPU model, cores, memory, Python and Home Assistant versions."""
    from homeassistant.const import __version__ as ha_version  # noqa: PLC0415

    model = "unknown"
    with Path("/proc/cpuinfo").open(encoding="ascii", errors="replace") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "homeassistant": ha_version,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def rest_yaml(sim_url: str, ports: int, interval: int) -> str:
    """The best `rest:` a user would write for the ports' signal, registration
    and call state: one resource, one request a cycle, a sensor per value.
    """
    reg_map = json.dumps(REG_MAP).replace('"', "'")
    resource_conf: dict[str, Any] = {
        "resource": f"{sim_url}/api/get_port_info?info_type=reg,signal,callstate",
        "authentication": "digest",
        "username": "admin",
        "password": "admin",
        "scan_interval": interval,
        "timeout": 10,
        "sensor": [],
    }
    for port in range(ports):
        info = f"value_json.info[{port}]"
        resource_conf["sensor"] += [
            {
                "name": f"REST port {port} signal",
                "unique_id": f"bench_rest_{port}_signal",
                "device_class": "signal_strength",
                "unit_of_measurement": "dBm",
                "state_class": "measurement",
                "value_template": (
                    f"{{{{ (-113 + 2 * ({info}.signal | int)) "
                    f"if {info}.reg == 'REGISTER_OK' else none }}}}"
                ),
            },
            {
                "name": f"REST port {port} registration",
                "unique_id": f"bench_rest_{port}_registration",
                "value_template": (f"{{{{ {reg_map}.get({info}.reg, 'unknown') }}}}"),
            },
            {
                "name": f"REST port {port} call state",
                "unique_id": f"bench_rest_{port}_call_state",
                "value_template": f"{{{{ {info}.callstate | lower }}}}",
            },
        ]
    # JSON is YAML; templates stay quoted strings.
    return json.dumps([resource_conf], indent=1) + "\n"


def _number(value: float) -> float | int:
    """A whole number as an int, else rounded to 2 places."""
    return int(value) if value == int(value) else round(value, 2)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]


class Bench:
    """One benchmark run: owns the simulators, Home Assistant and the results."""

    def __init__(self, options: Options, repo_root: Path) -> None:
        self.options = options
        self.repo_root = repo_root
        self.session: aiohttp.ClientSession | None = None
        self.api: HassApi | None = None
        self.results: dict[str, Any] = {}
        self.events = EventLog()
        self.startups: dict[str, list[float]] = {"without": [], "with": []}
        ports = (1, 8, 32)
        self.pollers = {
            n: Gateway(DinstarSimulator(n, serial=f"bench-poll-{n}", seed=n))
            for n in ports
        }
        self.setup_gw = Gateway(
            DinstarSimulator(32, serial="bench-32x4", slots_per_port=4, seed=4)
        )
        self.rest_gw = Gateway(DinstarSimulator(32, serial="bench-rest-32", seed=5))
        self.io = Gateway(DinstarSimulator(8, serial="bench-io-8", seed=6))
        self.sims = [g.sim for g in (*self.pollers.values(), self.setup_gw)] + [
            self.rest_gw.sim,
            self.io.sim,
        ]
        # Last: nothing after it can fail before run() takes care of cleanup.
        self.tmp = Path(tempfile.mkdtemp(prefix="gsm-gateway-bench-"))
        self.hass = HassProcess(self.tmp / "config", repo_root)
        self.rest_hass = HassProcess(self.tmp / "rest-config", repo_root)
        self._rest_api: HassApi | None = None

    def say(self, text: str) -> None:
        """Progress on stderr."""
        _say(self.options, text)

    # --- life cycle ---------------------------------------------------------

    async def run(self) -> dict[str, Any]:
        """Every measurement; the results as one flat dict."""
        wall = time.monotonic()
        self.results["machine"] = machine_info()
        logging.getLogger("simulator").setLevel(logging.WARNING)
        _raise_fd_limit()
        # No pool limit: the concurrent burst opens one connection a push.
        connector = aiohttp.TCPConnector(limit=0)
        self.session = aiohttp.ClientSession(connector=connector)
        self.api = HassApi(self.hass, self.session)
        self._rest_api = HassApi(self.rest_hass, self.session)
        failed = False
        try:
            for sim in self.sims:
                await sim.start("127.0.0.1", 0)
            await self.first_boot()
            await self.startup_and_setup()
            await self.startup_with_gateway()
            await self.seed_and_start()
            await self.polling()
            await self.push_latency()
            await self.bursts()
            await self.send_many()
            self.say(f"inbox card: {self.options.card_pushes} pushes until shown")
            self.results["inbox_card"] = await inbox.card_latency(
                self.options.card_pushes, self.tmp
            )
            self.say("other gateway types: client against simulator")
            self.results["vendors"] = await vendors.measure(self.session)
        except BenchError:
            failed = True
            raise
        finally:
            # Home Assistant's logs are in there: kept when something failed.
            await self.close(keep=self.options.keep or failed)
        self.results["bench_wall_seconds"] = round(time.monotonic() - wall, 1)
        self.results["machine"]["load_average_at_end"] = [
            round(x, 2) for x in os.getloadavg()
        ]
        return self.results

    async def close(self, *, keep: bool) -> None:
        """Stop Home Assistant and the simulators; remove the temporary folder."""
        for api in (self.api, self._rest_api):
            if api is not None:
                with contextlib.suppress(Exception):
                    await api.close_ws()
        for hass in (self.hass, self.rest_hass):
            if hass.running:
                await asyncio.to_thread(hass.stop)
        if self.session is not None:
            await self.session.close()
        for sim in self.sims:
            with contextlib.suppress(Exception):
                await sim.stop()
        if keep:
            print(f"bench: kept {self.tmp}", file=sys.stderr)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    async def start_hass(self) -> float:
        """Start Home Assistant; seconds from process start to state RUNNING."""
        started = self.hass.spawn()
        await self.api_required.wait_running()
        seconds = time.monotonic() - started
        await self.api_required.connect()
        return seconds

    async def stop_hass(self) -> None:
        """Stop Home Assistant and wait for it to exit."""
        await self.api_required.close_ws()
        await asyncio.to_thread(self.hass.stop)

    @staticmethod
    async def idle_cpu_rate(hass: HassProcess, seconds: float) -> float:
        """A Home Assistant's CPU seconds per second while nothing is asked of it."""
        cpu0, t0 = hass.cpu_seconds(), time.monotonic()
        await asyncio.sleep(seconds)
        return (hass.cpu_seconds() - cpu0) / (time.monotonic() - t0)

    # --- 1. first boot ------------------------------------------------------

    async def first_boot(self) -> None:
        """Fresh folder, first start, onboarding over HTTP; then stop."""
        self.say(f"Home Assistant first boot in {self.hass.config_dir}")
        self.hass.write_config()
        started = self.hass.spawn()
        await self.api_required.onboard()
        await self.api_required.wait_running()
        self.results["startup_seconds_first_boot"] = round(
            time.monotonic() - started, 2
        )
        await self.api_required.confirm_http_config()
        await self.stop_hass()

    # --- 2. start-up without, set-up of 32 x 4 --------------------------------

    async def startup_and_setup(self) -> None:
        """Start-up without entries; add the 32-port 4-slot gateway and time it."""
        api = self.api_required
        self.say("start-up without the integration's entries")
        self.startups["without"].append(await self.start_hass())
        await asyncio.sleep(2)
        rss_before = self.hass.rss_mib()
        self.results["ha_rss_mib_without"] = round(rss_before, 1)

        self.say("adding a 32-port, 4-SIM-slot gateway through the config flow")
        t0 = time.monotonic()
        entry = await api.add_dinstar(self.setup_gw.sim.url)
        entry_id = entry["entry_id"]
        entities, seconds = await self._wait_entities(entry_id, t0)
        self.setup_gw.entry_id = entry_id
        self.results["setup_seconds_32x4"] = round(seconds, 3)
        await asyncio.sleep(2)
        rss_after = self.hass.rss_mib()
        self.results["setup_memory_mib"] = round(rss_after - rss_before, 1)
        self.results["ha_rss_mib_with_32x4"] = round(rss_after, 1)
        devices = await api.devices_of(entry_id)
        self.results["setup_entities_32x4"] = len(entities)
        self.results["setup_entities_enabled_32x4"] = sum(
            1 for e in entities if not e.get("disabled_by")
        )
        self.results["setup_devices_32x4"] = len(devices)

        self.say("reloading it")
        t0 = time.monotonic()
        await api.post(f"/api/config/config_entries/entry/{entry_id}/reload", None)
        _, seconds = await self._wait_entities(entry_id, t0)
        self.results["setup_reload_seconds_32x4"] = round(seconds, 3)
        await self.stop_hass()

    # --- 3. start-up with and without it, alternately ----------------------

    async def startup_with_gateway(self) -> None:
        """Start-ups with the 32 x 4 gateway and (entry disabled) without it."""
        api = self.api_required
        entry_id = self.setup_gw.entry_id
        for round_ in range(self.options.startups):
            self.say(f"start-up with the 32 x 4 gateway ({round_ + 1})")
            self.startups["with"].append(await self.start_hass())
            if await api.entry_state(entry_id) != "loaded":
                raise BenchError("the 32 x 4 gateway did not load at start-up")
            if round_ == self.options.startups - 1:
                break
            # A disabled entry is not set up: the integration is not loaded.
            await api.ws_command(
                "config_entries/disable", entry_id=entry_id, disabled_by="user"
            )
            await self.stop_hass()
            self.say(f"start-up without it ({round_ + 2})")
            self.startups["without"].append(await self.start_hass())
            await api.ws_command(
                "config_entries/disable", entry_id=entry_id, disabled_by=None
            )
            await self.stop_hass()
        await api.delete(f"/api/config/config_entries/entry/{entry_id}")
        await self.stop_hass()
        for kind, runs in self.startups.items():
            key = "with_32x4" if kind == "with" else kind
            self.results[f"startup_seconds_{key}"] = round(statistics.median(runs), 2)
            self.results[f"startup_seconds_{key}_runs"] = [round(x, 2) for x in runs]

    async def _wait_entities(
        self, entry_id: str, t0: float
    ) -> tuple[list[dict[str, Any]], float]:
        """Until the entry is loaded and each enabled entity has a state."""
        deadline = t0 + 120
        while time.monotonic() < deadline:
            if await self.api_required.entry_state(entry_id) == "loaded":
                entities = await self.api_required.entities_of(entry_id)
                states = await self.api_required.states()
                enabled = [e for e in entities if not e.get("disabled_by")]
                if enabled and all(e["entity_id"] in states for e in enabled):
                    return entities, time.monotonic() - t0
            await asyncio.sleep(0.02)
        raise BenchError(f"entry {entry_id} did not set up:\n" + self.hass.log_tail())

    # --- 4. polling, pushes, sending ----------------------------------------

    async def seed_and_start(self) -> None:
        """Seed the polling and push/send gateways, polling off; start."""
        seeded = {}
        for gateway, title in [
            *((g, f"Bench poll {n} ports") for n, g in self.pollers.items()),
            (self.io, "Bench push and send"),
        ]:
            gateway.webhook_id = new_webhook_id()
            seeded[id(gateway)] = SeededEntry(
                title=title,
                unique_id=gateway.sim.serial,
                url=gateway.sim.url,
                webhook_id=gateway.webhook_id,
                scan_interval=self.options.interval,
                disable_polling=True,
            )
        self.hass.seed_entries(list(seeded.values()))
        for gateway in (*self.pollers.values(), self.io):
            gateway.entry_id = seeded[id(gateway)].entry_id
        self.say("start-up with four small gateways for polling, pushes and sending")
        self.results["startup_seconds_with_4_small"] = round(await self.start_hass(), 2)
        for gateway in (*self.pollers.values(), self.io):
            if await self.api_required.entry_state(gateway.entry_id) != "loaded":
                raise BenchError(f"{gateway.sim.serial} did not load")
        await self.api_required.subscribe_events(EVENT_SMS_RECEIVED, self.events)
        await asyncio.sleep(2)

    async def _wait_cycles(self, count: Any, target: int, within: float) -> None:
        deadline = time.monotonic() + within
        while count() < target:
            if time.monotonic() > deadline:
                raise BenchError(
                    f"expected {target} poll cycles, saw {count()}:\n"
                    + self.hass.log_tail()
                )
            await asyncio.sleep(0.01)

    async def _measure_cycles(
        self, gateway: Gateway, hass: HassProcess
    ) -> dict[str, float]:
        """CPU and requests over N cycles of a gateway already polling.

        The window opens half an interval after a cycle began and closes
        half an interval after the N-th cycle after it began: N whole cycles.
        """
        n, interval = self.options.cycles, self.options.interval
        timeout = interval * 3 + 10
        await self._wait_cycles(gateway.cycles, gateway.cycles() + 1, timeout)
        await asyncio.sleep(interval / 2)
        first = gateway.cycles()
        requests0 = gateway.sim.request_count
        cpu0, t0 = hass.cpu_seconds(), time.monotonic()
        await self._wait_cycles(gateway.cycles, first + n, timeout * n)
        await asyncio.sleep(interval / 2)
        cpu1, t1 = hass.cpu_seconds(), time.monotonic()
        cycles = gateway.cycles() - first
        return {
            "cycles": cycles,
            "seconds": t1 - t0,
            "cpu": cpu1 - cpu0,
            "requests": (gateway.sim.request_count - requests0) / cycles,
        }

    async def start_rest_hass(self) -> None:
        """The second Home Assistant, for `rest`: same configuration, own folder."""
        self.say("a second Home Assistant for the rest + template comparison")
        self.rest_hass.write_config()
        self.rest_hass.spawn()
        await self.rest_api.onboard()
        await self.rest_api.wait_running()
        await self.rest_api.confirm_http_config()
        await asyncio.sleep(2)

    async def _rest(self, *, enabled: bool) -> None:
        """Load (or unload) the rest resource and its 96 sensors in the second HA."""
        self.rest_hass.write_rest_yaml(
            rest_yaml(self.rest_gw.sim.url, 32, self.options.interval)
            if enabled
            else "[]\n"
        )
        await self.rest_api.call_service("rest", "reload", {})

    async def _ours_and_rest(self, gateway: Gateway) -> tuple[dict[str, float], ...]:
        """Our 32 ports in one HA and rest in the other, measured at the same time."""
        api = self.api_required
        await api.set_polling(gateway.entry_id, enabled=True)
        try:
            return await asyncio.gather(
                self._measure_cycles(gateway, self.hass),
                self._measure_cycles(self.rest_gw, self.rest_hass),
            )
        finally:
            await api.set_polling(gateway.entry_id, enabled=False)

    async def polling(self) -> None:
        """Ours at 1, 8, 32 ports; rest at 32 ports alongside, same interval.

        `rest` runs in a second, identical Home Assistant process, measured
        over the same seconds as our 32 ports, so both see the same load of
        the machine; each process's own idle CPU is subtracted.
        """
        api = self.api_required
        window = self.options.cycles * self.options.interval
        await self.start_rest_hass()
        self.say(f"idle CPU over {window} s")
        idle_before = await asyncio.gather(
            self.idle_cpu_rate(self.hass, window),
            self.idle_cpu_rate(self.rest_hass, window),
        )
        measured: dict[int, dict[str, float]] = {}
        for ports in (1, 8):
            gateway = self.pollers[ports]
            self.say(f"polling {ports} port(s): {self.options.cycles} cycles")
            await api.set_polling(gateway.entry_id, enabled=True)
            measured[ports] = await self._measure_cycles(gateway, self.hass)
            await api.set_polling(gateway.entry_id, enabled=False)

        gateway = self.pollers[32]
        await self._rest(enabled=True)
        self.say(
            f"polling 32 ports, and rest + 96 sensors alongside: "
            f"{self.options.cycles} cycles"
        )
        measured[32], rest_all = await self._ours_and_rest(gateway)
        self.results["poll_entities"] = {
            str(ports): sum(
                1 for e in await api.entities_of(g.entry_id) if not e.get("disabled_by")
            )
            for ports, g in self.pollers.items()
        }
        # Like for like: only what the rest configuration offers enabled.
        same = await self._only_entities(gateway.entry_id, SAME_AS_REST)
        self.say(
            f"polling 32 ports with only the {same} sensors rest has, "
            "and rest alongside"
        )
        same_measured, rest_same = await self._ours_and_rest(gateway)
        self.results["rest_entities"] = sum(
            1
            for entity_id in await self.rest_api.states()
            if entity_id.startswith("sensor.rest_port_")
        )
        await self._rest(enabled=False)
        await asyncio.sleep(1)
        self.say(f"idle CPU over {window} s")
        idle_after = await asyncio.gather(
            self.idle_cpu_rate(self.hass, window),
            self.idle_cpu_rate(self.rest_hass, window),
        )
        self.results["rest_ha_rss_mib"] = round(self.rest_hass.rss_mib(), 1)
        await self.rest_api.close_ws()
        await asyncio.to_thread(self.rest_hass.stop)
        idle = (idle_before[0] + idle_after[0]) / 2
        idle_rest = (idle_before[1] + idle_after[1]) / 2

        def per_cycle_ms(m: dict[str, float], idle: float) -> float:
            return max(0.0, (m["cpu"] - idle * m["seconds"]) / m["cycles"] * 1000)

        def ratio(a: float, b: float) -> float | None:
            return round(a / b, 2) if b > 0 else None

        ours = {str(p): per_cycle_ms(m, idle) for p, m in measured.items()}
        same_ms = per_cycle_ms(same_measured, idle)
        rest_ms = per_cycle_ms(rest_all, idle_rest)
        rest_same_ms = per_cycle_ms(rest_same, idle_rest)
        self.results |= {
            "poll_interval_seconds": self.options.interval,
            "poll_cycles_measured": self.options.cycles,
            "idle_cpu_ms_per_s": round(idle * 1000, 2),
            "rest_idle_cpu_ms_per_s": round(idle_rest * 1000, 2),
            "poll_requests_per_cycle": {
                str(p): _number(m["requests"]) for p, m in sorted(measured.items())
            },
            "poll_cpu_ms_per_cycle": {
                p: round(v, 2) for p, v in sorted(ours.items(), key=lambda i: int(i[0]))
            },
            "rest_requests_per_cycle": _number(rest_all["requests"]),
            "rest_cpu_ms_per_cycle": round(rest_ms, 2),
            "poll_cpu_ratio_rest_over_ours": ratio(rest_ms, ours["32"]),
            "poll_same_entities": same,
            "poll_cpu_ms_per_cycle_32_same_entities": round(same_ms, 2),
            "rest_cpu_ms_per_cycle_second_window": round(rest_same_ms, 2),
            "poll_cpu_ratio_rest_over_ours_same_entities": ratio(rest_same_ms, same_ms),
        }

    # --- pushes -------------------------------------------------------------

    async def _inbox_message(self, text: str, port: int) -> dict[str, Any]:
        """Put an SMS in the gateway's inbox (as it stores what it then pushes)."""
        sim = self.io.sim
        await sim.receive_sms(port, "+4915112345678", text, push=False)
        message = dict(sim.inbox[-1])
        message.pop("read", None)
        return message

    async def _push(self, messages: list[dict[str, Any]]) -> int:
        assert self.session is not None
        async with self.session.post(
            self.hass.base_url + f"/api/webhook/{self.io.webhook_id}",
            json={"sn": self.io.sim.serial, "sms": messages},
        ) as response:
            await response.read()
            return response.status

    async def push_latency(self) -> None:
        """Sequential pushes: POST to the webhook until the event on the websocket."""
        self.say(f"{self.options.pushes} sequential pushes")
        loop = asyncio.get_running_loop()
        latencies, answers = [], []
        failed = 0
        ports = len(self.io.sim.ports)
        for index in range(self.options.pushes):
            text = f"bench push {index}"
            message = await self._inbox_message(text, index % ports)
            waiter: asyncio.Future[float] = loop.create_future()
            self.events.waiters[text] = waiter
            t0 = time.perf_counter()
            status = await self._push([message])
            answered = time.perf_counter()
            try:
                seen = await asyncio.wait_for(waiter, 10)
            except TimeoutError:
                failed += 1
                continue
            if status != 200:
                failed += 1
            latencies.append((seen - t0) * 1000)
            answers.append((answered - t0) * 1000)
        if not latencies:
            raise BenchError("no push reached the bus:\n" + self.hass.log_tail())
        self.results |= {
            "push_count": self.options.pushes,
            "push_failed": failed,
            "push_p50_ms": round(statistics.median(latencies), 2),
            "push_p99_ms": round(_percentile(latencies, 0.99), 2),
            "push_max_ms": round(max(latencies), 2),
            "push_http_answer_p50_ms": round(statistics.median(answers), 2),
        }

    async def _await_texts(self, texts: list[str], t0: float) -> float:
        """Until every text fired or nothing came for 5 s (at most 120 s).

        Returns the seconds from t0 to the last of these texts' events.
        """
        deadline = time.perf_counter() + 120
        while time.perf_counter() < deadline:
            if self.events.seen(texts) == len(texts):
                break
            quiet = time.perf_counter() - max(self.events.last_seen, t0)
            if quiet > 5:
                break
            await asyncio.sleep(0.01)
        seen = [self.events.first_seen[t] for t in texts if t in self.events.first_seen]
        return max(seen, default=t0) - t0

    async def bursts(self) -> None:
        """1,000 concurrent pushes; one push of 1,000; then a poll sees them all."""
        count, ports = self.options.burst, len(self.io.sim.ports)
        self.say(f"burst: {count} concurrent pushes")
        texts_a = [f"bench burst-a {i}" for i in range(count)]
        messages = [
            await self._inbox_message(t, i % ports) for i, t in enumerate(texts_a)
        ]
        inbox_file = (
            self.hass.config_dir / ".storage" / f"gsm_gateway.{self.io.entry_id}.inbox"
        )
        writes = inbox.InboxWrites(inbox_file)
        writes.start()
        cpu0 = self.hass.cpu_seconds()
        t0 = time.perf_counter()
        statuses = await asyncio.gather(
            *(self._push([m]) for m in messages), return_exceptions=True
        )
        posted = time.perf_counter() - t0
        seconds_a = await self._await_texts(texts_a, t0)
        cpu_a = self.hass.cpu_seconds() - cpu0
        refused_a = sum(1 for s in statuses if s != 200)
        await asyncio.sleep(1.5)  # the inbox's batched write: within a second
        writes_a = await writes.stop()

        self.say(f"burst: one push carrying {count} messages")
        texts_b = [f"bench burst-b {i}" for i in range(count)]
        messages = [
            await self._inbox_message(t, i % ports) for i, t in enumerate(texts_b)
        ]
        body_kib = len(json.dumps({"sn": self.io.sim.serial, "sms": messages})) / 1024
        cpu0 = self.hass.cpu_seconds()
        t0 = time.perf_counter()
        writes.start()
        status_b = await self._push(messages)
        seconds_b = await self._await_texts(texts_b, t0)
        cpu_b = self.hass.cpu_seconds() - cpu0
        await asyncio.sleep(1.5)
        writes_b = await writes.stop()

        seen_a, seen_b = self.events.seen(texts_a), self.events.seen(texts_b)
        # The gateway's inbox holds every pushed message: the next poll lists
        # them all again (above the high-water mark) and must fire none twice,
        # and any the pushes lost.
        self.say("one poll of the push gateway (it lists every pushed message)")
        before = sum(self.events.counts.values())
        polls = self._inbox_queries()
        entity_id = await self._an_entity(self.io.entry_id)
        await self.api_required.call_service(
            "homeassistant", "update_entity", {"entity_id": entity_id}
        )
        await self._wait_cycles(self._inbox_queries, polls + 1, 30)
        await asyncio.sleep(3)
        fired_by_poll = sum(self.events.counts.values()) - before

        pushed = [f"bench push {i}" for i in range(self.options.pushes)]
        every = pushed + texts_a + texts_b
        lost = sum(1 for t in texts_a + texts_b if self.events.counts[t] == 0)
        self.results |= {
            "burst_events": seen_a + seen_b,
            "burst_lost": lost,
            "burst_duplicated": sum(
                self.events.counts[t] - 1
                for t in texts_a + texts_b
                if self.events.counts[t] > 1
            ),
            "burst_seconds": round(seconds_a + seconds_b, 2),
            "burst_concurrent": {
                "pushes": count,
                "events": seen_a,
                "lost_before_poll": count - seen_a,
                "http_not_200": refused_a,
                "seconds": round(seconds_a, 2),
                "seconds_to_post_all": round(posted, 2),
                "ha_cpu_seconds": round(cpu_a, 2),
            },
            "burst_one_push": {
                "messages": count,
                "body_kib": round(body_kib, 1),
                "http_status": status_b,
                "events": seen_b,
                "lost_before_poll": count - seen_b,
                "seconds": round(seconds_b, 2),
                "ha_cpu_seconds": round(cpu_b, 2),
            },
            "poll_after_pushes": {
                "messages_listed": len(every),
                "events_fired": fired_by_poll,
            },
            "inbox_writes": {
                "concurrent": writes_a,
                "one_push": writes_b,
                **inbox.write_cost(inbox_file),
            },
            "all_pushed_duplicated": sum(
                self.events.counts[t] - 1 for t in every if self.events.counts[t] > 1
            ),
        }

    async def _only_entities(self, entry_id: str, keys: frozenset[str]) -> int:
        """Disable an entry's entities but those with these translation keys."""
        kept = 0
        for entity in await self.api_required.entities_of(entry_id):
            keep = entity.get("translation_key") in keys
            kept += keep
            if not keep and not entity.get("disabled_by"):
                await self.api_required.ws_command(
                    "config/entity_registry/update",
                    entity_id=entity["entity_id"],
                    disabled_by="user",
                )
        return kept

    def _inbox_queries(self) -> int:
        return sum(
            1 for r in self.io.sim.requests if r.path == "/api/query_incoming_sms"
        )

    @property
    def rest_api(self) -> HassApi:
        """The API client of the second Home Assistant (the `rest` one)."""
        if self._rest_api is None:
            raise BenchError("not started")
        return self._rest_api

    @property
    def api_required(self) -> HassApi:
        """The API client (set once the run started)."""
        if self.api is None:
            raise BenchError("not started")
        return self.api

    async def _an_entity(self, entry_id: str) -> str:
        entities = await self.api_required.entities_of(entry_id)
        states = await self.api_required.states()
        for entity in entities:
            if entity["entity_id"] in states:
                return str(entity["entity_id"])
        raise BenchError(f"entry {entry_id} has no entity with a state")

    # --- sending ------------------------------------------------------------

    async def send_many(self) -> None:
        """`gsm_gateway.send_sms` to N numbers with its response."""
        count = self.options.send_numbers
        self.say(f"sending one SMS to {count} numbers")
        numbers = [f"+49151{index:08d}" for index in range(count)]
        requests0 = self.io.sim.request_count
        sends0 = sum(1 for r in self.io.sim.requests if r.path == "/api/send_sms")
        cpu0 = self.hass.cpu_seconds()
        t0 = time.perf_counter()
        response = await self.api_required.call_service(
            "gsm_gateway",
            "send_sms",
            {
                "config_entry_id": self.io.entry_id,
                "number": numbers,
                "message": "Benchmark: one text to many numbers.",
            },
            response=True,
        )
        seconds = time.perf_counter() - t0
        cpu = self.hass.cpu_seconds() - cpu0
        messages = (response or {}).get("messages", [])
        self.results |= {
            "send_numbers": count,
            "send_1000_requests": self.io.sim.request_count - requests0,
            "send_1000_send_sms_requests": sum(
                1 for r in self.io.sim.requests if r.path == "/api/send_sms"
            )
            - sends0,
            "send_1000_seconds": round(seconds, 3),
            "send_1000_ha_cpu_seconds": round(cpu, 3),
            "send_1000_messages_in_response": len(messages),
            "send_1000_expected_requests": math.ceil(count / 128),
        }


def _raise_fd_limit() -> None:
    """1,000 concurrent pushes need more than the usual 1,024 descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 8192 if hard == resource.RLIM_INFINITY else min(hard, 8192)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
