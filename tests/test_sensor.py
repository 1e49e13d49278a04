"""Sensors of a 32-port gateway whose SIMs are in every state a Dinstar reports."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from datetime import datetime
from typing import Any
from unittest.mock import PropertyMock, patch

from aiohttp.test_utils import TestClient
from homeassistant.const import (
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    EntityCategory,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.gsm_gateway.api import Capability, Sim
from custom_components.gsm_gateway.api.dinstar import DinstarClient
from simulator.dinstar import DinstarSimulator

from .conftest import SERIAL

GATEWAY = "sensor.dinstar_32_port_gateway"

# port: (Dinstar reg, Dinstar callstate) -> (SPEC registration, SPEC call_state)
MIXED_PORTS: dict[int, tuple[tuple[str, str], tuple[str, str]]] = {
    0: (("REGISTER_OK", "Active"), ("registered", "active")),
    1: (("SEARCHING_NETWORK", "Idle"), ("searching", "idle")),
    2: (("NO_SIM", "Idle"), ("no_sim", "idle")),
    3: (("PIN_REQUIRE", "Idle"), ("pin_required", "idle")),
    4: (("PUK_REQUIRE", "Idle"), ("puk_required", "idle")),
    5: (("POWER_OFF", "Idle"), ("power_off", "idle")),
    6: (("UNREGISTER", "Idle"), ("not_registered", "idle")),
    7: (("UNKNOWN", "Unknown"), ("unknown", "unknown")),
    8: (("REGISTER_OK", "Ringing"), ("registered", "ringing")),
    9: (("REGISTER_OK", "Call Waiting"), ("registered", "waiting")),
    10: (("REGISTER_OK", "Call holding"), ("registered", "holding")),
    11: (("REGISTER_OK", "Alerting"), ("registered", "alerting")),
    12: (("REGISTER_OK", "Processing"), ("registered", "processing")),
}


@pytest.fixture
def port_count() -> int:
    """The largest Dinstar: 32 ports."""
    return 32


@pytest.fixture(autouse=True)
def only_sensors() -> Generator[None]:
    """Load the sensor platform alone, as snapshot_platform wants."""
    with patch("custom_components.gsm_gateway.PLATFORMS", [Platform.SENSOR]):
        yield


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Enable the sensors that are disabled by default (imsi, iccid, smsc)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


async def _mix(simulator: DinstarSimulator) -> None:
    """Put the gateway's SIMs into every state of MIXED_PORTS."""
    simulator.ports[0].signal = 21
    for number, ((reg, callstate), _) in MIXED_PORTS.items():
        await simulator.set_registration(number, reg, push=False)
        simulator.ports[number].callstate = callstate


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def _refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_entities(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Every sensor of the 32 ports and of the gateway."""
    await _mix(simulator)
    await _setup(hass, config_entry)
    await snapshot_platform(hass, entity_registry, snapshot, config_entry.entry_id)


async def test_states_are_the_spec_values(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """Registration and call state read exactly as SPEC §3 names them."""
    await _mix(simulator)
    await _setup(hass, config_entry)

    for number, (_, (registration, call_state)) in MIXED_PORTS.items():
        assert _state(hass, f"sensor.port_{number}_registration") == registration
        assert _state(hass, f"sensor.port_{number}_call_state") == call_state
    assert _state(hass, "sensor.port_31_registration") == "registered"
    assert _state(hass, "sensor.port_31_call_state") == "idle"


async def test_signal_only_while_registered(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """Signal is in dBm (-113 + 2 * value), and unknown off the network."""
    await _mix(simulator)
    simulator.ports[3].signal = 25  # a module waiting for its PIN still hears
    await _setup(hass, config_entry)

    state = hass.states.get("sensor.port_0_signal_strength")
    assert state is not None
    assert state.state == "-71"
    assert state.attributes["unit_of_measurement"] == "dBm"
    for number in range(1, 8):
        assert _state(hass, f"sensor.port_{number}_signal_strength") == STATE_UNKNOWN

    await simulator.set_registration(3, "REGISTER_OK", push=False)
    simulator.ports[3].signal = 10
    await _refresh(hass, config_entry)
    assert _state(hass, "sensor.port_3_signal_strength") == "-93"


async def test_sim_details(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """The dashboard shows the number; IMSI, ICCID and SMSC wait to be enabled."""
    await _setup(hass, config_entry)
    port = simulator.ports[4]

    assert _state(hass, "sensor.port_4_phone_number") == port.phone_number
    assert _state(hass, "sensor.port_4_imei") == port.imei
    assert _state(hass, "sensor.port_4_network_type") == "GSM"
    entity_registry = er.async_get(hass)
    for key in ("imsi", "iccid", "sms_center"):
        entry = entity_registry.async_get(f"sensor.port_4_{key}")
        assert entry is not None
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    for key in ("imei", "network_type"):
        entry = entity_registry.async_get(f"sensor.port_4_{key}")
        assert entry is not None
        assert entry.entity_category is EntityCategory.DIAGNOSTIC
    # A Dinstar reports neither operator nor balance, and has one slot a port.
    for key in ("operator", "balance", "active_slot"):
        assert entity_registry.async_get(f"sensor.port_4_{key}") is None


async def test_balance_appears_when_reported(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """A sensor for a value the SIM starts to report appears without a reload."""
    await _setup(hass, config_entry)
    coordinator = config_entry.runtime_data.coordinator
    assert hass.states.get("sensor.port_2_balance") is None

    ports = dict(coordinator.data.ports)
    key = next(key for key, port in ports.items() if port.number == 2)
    ports[key] = replace(
        ports[key], sim=replace(ports[key].sim or Sim(), balance="12.50 EUR")
    )
    coordinator.async_set_updated_data(replace(coordinator.data, ports=ports))
    await hass.async_block_till_done()

    assert _state(hass, "sensor.port_2_balance") == "12.5"
    state = hass.states.get("sensor.port_2_balance")
    assert state is not None
    assert state.attributes["reply"] == "12.50 EUR"
    assert hass.states.get("sensor.port_3_balance") is None


async def test_sms_queue(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """The gateway's queue counts the messages it has not sent yet."""
    await _setup(hass, config_entry)
    assert _state(hass, f"{GATEWAY}_sms_queue") == "0"

    for number in ("+100", "+200", "+300"):
        simulator.outbox.append(
            {
                "user_id": None,
                "number": number,
                "port": 0,
                "text": "queued",
                "encoding": "unicode",
                "request_status_report": False,
                "status": "SENDING",
                "ref_id": None,
                "task_id": 1,
                "time": "2026-01-01 00:00:00",
                "count": 1,
                "succ_count": 0,
            }
        )
    await _refresh(hass, config_entry)

    state = hass.states.get(f"{GATEWAY}_sms_queue")
    assert state is not None
    assert state.state == "3"
    assert state.attributes["unit_of_measurement"] == "messages"


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_last_push(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
    push_client: TestClient[Any, Any],
) -> None:
    """The diagnostic timestamp of the last push moves when one arrives."""
    await _setup(hass, config_entry)
    assert _state(hass, f"{GATEWAY}_last_push") == STATE_UNKNOWN

    before = dt_util.utcnow().replace(microsecond=0)
    await simulator.receive_sms(1, "+100", "hello")
    await hass.async_block_till_done()

    shown = datetime.fromisoformat(_state(hass, f"{GATEWAY}_last_push"))
    assert before <= shown <= dt_util.utcnow()
    assert config_entry.runtime_data.coordinator.last_push is not None


async def test_gateway_goes_away_and_comes_back(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """A gateway that stops answering makes every sensor unavailable, until it returns."""
    await _setup(hass, config_entry)
    assert _state(hass, "sensor.port_0_registration") == "registered"

    await simulator.stop()
    await _refresh(hass, config_entry)
    for entity_id in (
        "sensor.port_0_registration",
        "sensor.port_31_signal_strength",
        f"{GATEWAY}_sms_queue",
    ):
        assert _state(hass, entity_id) == STATE_UNAVAILABLE

    await simulator.set_registration(0, "SEARCHING_NETWORK", push=False)
    await simulator.start()
    await _refresh(hass, config_entry)
    assert _state(hass, "sensor.port_0_registration") == "searching"
    assert _state(hass, "sensor.port_31_registration") == "registered"
    assert _state(hass, f"{GATEWAY}_sms_queue") == "0"


async def test_port_that_appears_later(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A port the gateway starts reporting gets its sensors without a reload."""
    late = simulator.ports.pop()
    await _setup(hass, config_entry)
    assert hass.states.get("sensor.port_31_registration") is None
    assert hass.states.get("sensor.port_30_registration") is not None

    simulator.ports.append(late)
    await _refresh(hass, config_entry)

    assert _state(hass, "sensor.port_31_registration") == "registered"
    assert _state(hass, "sensor.port_31_phone_number") == late.phone_number
    entry = entity_registry.async_get("sensor.port_31_registration")
    assert entry is not None
    assert entry.unique_id.startswith(SERIAL)


async def test_only_what_the_gateway_type_reports(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """Without call state, queue or push, those sensors are not created."""
    reduced = DinstarClient.capabilities - {
        Capability.CALL_STATE,
        Capability.SMS_QUEUE,
        Capability.PUSH,
    }
    with patch.object(DinstarClient, "capabilities", reduced):
        await _setup(hass, config_entry)

    assert _state(hass, "sensor.port_0_registration") == "registered"
    assert hass.states.get("sensor.port_0_call_state") is None
    assert hass.states.get(f"{GATEWAY}_sms_queue") is None
    assert hass.states.get(f"{GATEWAY}_last_push") is None
