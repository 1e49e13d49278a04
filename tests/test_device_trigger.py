"""Device triggers: "SMS received on port 2", "missed call on port 5", ..."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.components import automation
from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.components.device_automation.exceptions import (
    InvalidDeviceAutomationConfig,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_get_device_automation_capabilities,
    async_get_device_automations,
)

from custom_components.gsm_gateway.const import DOMAIN
from custom_components.gsm_gateway.device_trigger import async_get_triggers
from simulator.dinstar import DinstarSimulator

PORT_TRIGGERS = [
    "sms_received",
    "incoming_call",
    "call_answered",
    "call_ended",
    "outgoing_call",
    "missed_call",
    "sim_status_changed",
]


def port_device(entry: MockConfigEntry, number: int) -> str:
    coordinator = entry.runtime_data.coordinator
    device_id = coordinator.device_id_for_port(coordinator.port_by_number(number))
    assert device_id is not None
    return device_id


def trigger(device_id: str, trigger_type: str, **extra: str) -> dict[str, Any]:
    return {
        "platform": "device",
        "domain": DOMAIN,
        "device_id": device_id,
        "type": trigger_type,
        **extra,
    }


async def automate(hass: HomeAssistant, triggers: dict[str, dict[str, Any]]) -> None:
    """One automation per trigger; each fires `triggered` with its name."""
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: [
                {
                    "alias": name,
                    "triggers": [config],
                    "actions": [
                        {
                            "event": "triggered",
                            "event_data": {
                                "name": name,
                                "port": "{{ trigger.event.data.port }}",
                            },
                        }
                    ],
                }
                for name, config in triggers.items()
            ]
        },
    )
    await hass.async_block_till_done()


async def test_triggers_of_a_port_and_of_the_gateway(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A port offers SMS, call and SIM triggers; the gateway the same, for all ports."""
    coordinator = init_integration.runtime_data.coordinator
    for device_id in (port_device(init_integration, 2), coordinator.gateway_device_id):
        triggers = await async_get_device_automations(
            hass, DeviceAutomationType.TRIGGER, device_id
        )
        ours = [t for t in triggers if t["domain"] == DOMAIN]
        assert [t["type"] for t in ours] == PORT_TRIGGERS
        assert all(t["device_id"] == device_id for t in ours)


async def test_trigger_capabilities(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Optional fields: the sender, the other party, the SIM state."""
    device_id = port_device(init_integration, 2)
    names = {}
    for trigger_type in ("sms_received", "missed_call", "sim_status_changed"):
        capabilities = await async_get_device_automation_capabilities(
            hass, DeviceAutomationType.TRIGGER, trigger(device_id, trigger_type)
        )
        names[trigger_type] = [f["name"] for f in capabilities["extra_fields"]]
    assert names == {
        "sms_received": ["sender"],
        "missed_call": ["number"],
        "sim_status_changed": ["state"],
    }


async def test_sms_received_fires_for_its_port_and_the_gateway(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """An SMS on port 2 fires port 2's trigger and the gateway's, not port 3's."""
    gateway = init_integration.runtime_data.coordinator.gateway_device_id
    await automate(
        hass,
        {
            "port 2": trigger(port_device(init_integration, 2), "sms_received"),
            "port 3": trigger(port_device(init_integration, 3), "sms_received"),
            "gateway": trigger(gateway, "sms_received"),
            "from boss": trigger(
                port_device(init_integration, 2), "sms_received", sender="+999"
            ),
        },
    )
    fired = async_capture_events(hass, "triggered")

    await simulator.receive_sms(2, "+380501234567", "Open the gate")
    await hass.async_block_till_done()

    assert sorted((e.data["name"], e.data["port"]) for e in fired) == [
        ("gateway", 2),
        ("port 2", 2),
    ]

    fired.clear()
    await simulator.receive_sms(2, "+999", "From the boss")
    await hass.async_block_till_done()
    assert sorted(e.data["name"] for e in fired) == ["from boss", "gateway", "port 2"]


async def test_missed_call_trigger(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """A missed call fires "missed call", not "call ended"."""
    device_id = port_device(init_integration, 5)
    await automate(
        hass,
        {
            "missed": trigger(device_id, "missed_call"),
            "ended": trigger(device_id, "call_ended"),
            "from home": trigger(device_id, "missed_call", number="+380671112233"),
            "from work": trigger(device_id, "missed_call", number="+380670000000"),
        },
    )
    fired = async_capture_events(hass, "triggered")

    await simulator.missed_call(5, "+380671112233")
    await hass.async_block_till_done()

    assert sorted((e.data["name"], e.data["port"]) for e in fired) == [
        ("from home", 5),
        ("missed", 5),
    ]


async def test_sim_status_trigger(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """A port that drops off fires "SIM status changed", with or without a state.

    Dinstar pushes only "down", which reads as not registered.
    """
    device_id = port_device(init_integration, 4)
    await automate(
        hass,
        {
            "any": trigger(device_id, "sim_status_changed"),
            "lost": trigger(device_id, "sim_status_changed", state="not_registered"),
            "roaming": trigger(device_id, "sim_status_changed", state="roaming"),
        },
    )
    fired = async_capture_events(hass, "triggered")

    await simulator.set_registration(4, "NO_SIM")
    await hass.async_block_till_done()

    assert sorted(e.data["name"] for e in fired) == ["any", "lost"]


async def test_trigger_armed_before_the_gateway_loads(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """Automations arm at start-up, maybe before the entry: the registry suffices."""
    device_id = port_device(init_integration, 2)
    gateway = init_integration.runtime_data.coordinator.gateway_device_id
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await automate(
        hass,
        {
            "port": trigger(device_id, "sms_received"),
            "gateway": trigger(gateway, "missed_call"),
        },
    )
    fired = async_capture_events(hass, "triggered")

    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    await simulator.receive_sms(2, "+100", "Hello")
    await simulator.missed_call(7, "+200")
    await hass.async_block_till_done()

    assert [(e.data["name"], e.data["port"]) for e in fired] == [
        ("port", 2),
        ("gateway", 7),
    ]


async def test_trigger_on_a_device_of_another_integration(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A device that is not ours has no triggers of ours."""
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("other", "1")}
    )
    for device_id in (device.id, "no-such-device"):
        with pytest.raises(InvalidDeviceAutomationConfig) as err:
            await async_get_triggers(hass, device_id)
        assert err.value.translation_key == "device_not_found"
