"""Logbook entries for the bus events, in words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.core import Event, HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.gsm_gateway import logbook
from custom_components.gsm_gateway.const import (
    DOMAIN,
    EVENT_CALL,
    EVENT_SIM_STATUS,
    EVENT_SMS_RECEIVED,
    EVENT_SMS_STATUS,
    EVENT_USSD_RECEIVED,
)
from simulator.dinstar import DinstarSimulator

TITLE = "Dinstar dbd2-0325-0044-0088"


@pytest.fixture
def describe(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> Callable[[Event[Any]], dict[str, Any]]:
    """The description of an event, as the logbook gets it from our platform.

    The logbook integration itself needs the recorder, which has to start
    before `hass`; the fixtures of this suite start `hass` first.
    """
    described: dict[str, tuple[str, Callable[[Event[Any]], dict[str, Any]]]] = {}

    def collect(
        domain: str, event_type: str, describer: Callable[[Event[Any]], dict[str, Any]]
    ) -> None:
        described[event_type] = (domain, describer)

    logbook.async_describe_events(hass, collect)

    def _describe(event: Event[Any]) -> dict[str, Any]:
        domain, describer = described[event.event_type]
        assert domain == DOMAIN
        return describer(event)

    return _describe


async def test_all_events_are_described(
    hass: HomeAssistant, describe: Callable[[Event[Any]], dict[str, Any]]
) -> None:
    """Each bus event of SPEC §5 has a logbook description."""
    for event_type in (
        EVENT_SMS_RECEIVED,
        EVENT_SMS_STATUS,
        EVENT_USSD_RECEIVED,
        EVENT_CALL,
        EVENT_SIM_STATUS,
    ):
        description = describe(Event(event_type, {}))
        assert description["name"] == "GSM Gateway"
        assert "None" not in description["message"]


async def test_sms_received(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    push_client: TestClient,
    describe: Callable[[Event[Any]], dict[str, Any]],
) -> None:
    """Sender and port, never the text (it may hold a one-time code)."""
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)
    await simulator.receive_sms(2, "+123", "Your code is 4711")
    await hass.async_block_till_done()

    assert describe(events[0]) == {"name": TITLE, "message": "SMS from +123 on Port 2"}


async def test_ussd_and_sms_status(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    describe: Callable[[Event[Any]], dict[str, Any]],
) -> None:
    """A USSD reply with its text; an SMS status with its number."""
    init_integration.runtime_data.client._ussd_poll_interval = 0.01
    simulator.ussd_replies["*100#"] = "Balance 12.50"
    ussd = async_capture_events(hass, EVENT_USSD_RECEIVED)
    status = async_capture_events(hass, EVENT_SMS_STATUS)
    coordinator = init_integration.runtime_data.coordinator
    port = coordinator.device_id_for_port(coordinator.port_by_number(1))

    await hass.services.async_call(
        DOMAIN,
        "send_ussd",
        {"device_id": port, "code": "*100#"},
        blocking=True,
    )
    await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"device_id": port, "number": "+456", "message": "Hi"},
        blocking=True,
    )
    await simulator.complete_sends("FAILED")
    await coordinator.async_refresh()
    await hass.async_block_till_done()

    assert describe(ussd[0])["message"] == "USSD reply on Port 1: Balance 12.50"
    assert [describe(event)["message"] for event in status] == [
        "SMS to +456 queued (Port 1)",
        "SMS to +456 failed (Port 1)",
    ]


async def test_calls_and_sim_status(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    push_client: TestClient,
    describe: Callable[[Event[Any]], dict[str, Any]],
) -> None:
    """A missed call, an answered one that ended, a port that lost the network."""
    calls = async_capture_events(hass, EVENT_CALL)
    sim = async_capture_events(hass, EVENT_SIM_STATUS)

    await simulator.missed_call(5, "+789")
    await simulator.answered_call(6, "+321")
    await simulator.set_registration(3, "NO_SIM")
    await hass.async_block_till_done()

    assert [describe(event)["message"] for event in calls] == [
        "missed call from +789 on Port 5",
        "call with +321 ended on Port 6",
    ]
    assert describe(sim[0]) == {"name": TITLE, "message": "Port 3 is not registered"}


async def test_events_without_a_device(
    hass: HomeAssistant, describe: Callable[[Event[Any]], dict[str, Any]]
) -> None:
    """Facts of an unknown port or entry still read well."""
    assert describe(
        Event(EVENT_SMS_RECEIVED, {"device_id": None, "port": 9, "sender": "+1"})
    ) == {"name": "GSM Gateway", "message": "SMS from +1 on port 9"}
    assert describe(Event(EVENT_CALL, {"port": None, "state": "incoming"})) == {
        "name": "GSM Gateway",
        "message": "incoming call from an unknown number on the gateway",
    }
