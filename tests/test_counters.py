"""Message counters per port: sms_received and sms_sent (SPEC §3, §12)."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.components.sensor import ATTR_STATE_CLASS, SensorStateClass
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gsm_gateway.const import DOMAIN
from simulator.dinstar import DinstarSimulator

LONG_TEXT = "Your parcel is waiting at the post office on Main Street. " * 5


@pytest.fixture
def port_count() -> int:
    """Two ports: one busy, one quiet."""
    return 2


def count(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


async def test_counters_count_each_message_once_and_survive_a_restart(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient[Any, Any],
) -> None:
    """A long SMS counts one received; a long send as many SMS as the gateway says."""
    state = hass.states.get("sensor.port_1_sms_received")
    assert state is not None
    assert state.state == "0"
    assert state.attributes[ATTR_STATE_CLASS] is SensorStateClass.TOTAL_INCREASING
    assert state.attributes[ATTR_UNIT_OF_MEASUREMENT] == "messages"

    await simulator.receive_sms(1, "+491701234567", LONG_TEXT)
    await simulator.receive_sms(1, "+491701234567", "Short one")
    # The poll finds both again: they were counted already.
    await init_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert count(hass, "sensor.port_1_sms_received") == "2"
    assert count(hass, "sensor.port_0_sms_received") == "0"

    await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {
            "config_entry_id": init_integration.entry_id,
            "number": "+491701234567",
            "message": LONG_TEXT,
        },
        blocking=True,
    )
    (sent,) = simulator.outbox
    assert sent["count"] == 2
    assert count(hass, f"sensor.port_{sent['port']}_sms_sent") == "0"

    # Sent, then delivered: counted at the first, as its two parts.
    await simulator.complete_sends("DELIVERED")
    await init_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert count(hass, f"sensor.port_{sent['port']}_sms_sent") == "2"

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()

    assert count(hass, "sensor.port_1_sms_received") == "2"
    assert count(hass, f"sensor.port_{sent['port']}_sms_sent") == "2"
    await simulator.receive_sms(1, "+491701234567", "After the restart")
    await hass.async_block_till_done()
    assert count(hass, "sensor.port_1_sms_received") == "3"


async def test_failed_sends_and_foreign_messages_do_not_count(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient[Any, Any],
) -> None:
    """A send that failed went nowhere; a result of a send not ours is not ours."""
    await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {
            "device_id": init_integration.runtime_data.coordinator.device_id_for_port(
                init_integration.runtime_data.coordinator.port_by_number(0)
            ),
            "number": "+491701234567",
            "message": "Will fail",
        },
        blocking=True,
    )
    await simulator.complete_sends("FAILED")
    await simulator.push(
        {
            "sn": simulator.serial,
            "sms_result": [
                {
                    "port": 0,
                    "number": "+441632960961",
                    "time": "2026-01-01 10:00:00",
                    "status": "SENT_OK",
                    "count": 1,
                    "succ_count": 1,
                    "ref_id": 99,
                }
            ],
        }
    )
    await hass.async_block_till_done()

    assert count(hass, "sensor.port_0_sms_sent") == "0"


async def test_counters_removed_with_the_entry(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient[Any, Any],
) -> None:
    """The counters' store goes when the entry is deleted."""
    await simulator.receive_sms(0, "+491701234567", "Hi")
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    key = f"{DOMAIN}.{init_integration.entry_id}.counters"
    assert hass_storage[key]["data"]["sms_received"] == {"0": 1}

    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage
