"""Sending when the gateway cannot (SPEC §7): the outbox, lost answers, fallbacks."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import CoreState, Event, HomeAssistant, ServiceResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.gsm_gateway.api import Capability
from custom_components.gsm_gateway.const import DOMAIN, EVENT_SMS_STATUS
from simulator.dinstar import DinstarSimulator

from .conftest import SERIAL

NUMBER = "+491701234567"
SENSOR = "sensor.dinstar_8_port_gateway_outbox"


@pytest.fixture
def config_entry(entry_data: dict[str, Any]) -> MockConfigEntry:
    """The entry without polls of its own: the tests say when polls run."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"Dinstar {SERIAL}",
        unique_id=SERIAL,
        data=entry_data,
        options={},
        pref_disable_polling=True,
    )


async def send(
    hass: HomeAssistant, entry_id: str | list[str], **extra: Any
) -> dict[str, Any]:
    """Call send_sms with a response."""
    response: ServiceResponse = await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"config_entry_id": entry_id, "number": NUMBER, "message": "Alarm"} | extra,
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return dict(response)


def statuses(events: list[Event[Any]]) -> list[tuple[str | None, str]]:
    return [(event.data["message_id"], event.data["status"]) for event in events]


async def power_off(hass: HomeAssistant, sim: DinstarSimulator) -> None:
    """The gateway goes away; Home Assistant's side sees its connections close."""
    await sim.stop()
    await hass.async_block_till_done()


def sent_to(sim: DinstarSimulator) -> list[str]:
    return [message["number"] for message in sim.outbox]


async def next_try(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the outbox's next pause pass."""
    freezer.tick(timedelta(minutes=16))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def test_a_send_while_the_gateway_is_away_waits_and_goes_once(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Queued at once, kept on disk, sent when the gateway is back, once."""
    events = async_capture_events(hass, EVENT_SMS_STATUS)
    await power_off(hass, simulator)

    response = await send(hass, init_integration.entry_id)

    assert response["messages"] == [
        {
            "number": NUMBER,
            "message_id": None,
            "port": None,
            "status": "queued",
            "config_entry_id": init_integration.entry_id,
        }
    ]
    assert statuses(events) == [(None, "queued")]
    assert hass.states.get(SENSOR).state == "1"
    (kept,) = hass_storage[f"{DOMAIN}.{init_integration.entry_id}.outbox"]["data"][
        "messages"
    ]
    assert kept["numbers"] == [NUMBER]
    assert kept["text"] == "Alarm"

    await next_try(hass, freezer)
    assert hass.states.get(SENSOR).state == "1", "still away: still waiting"

    await simulator.start()
    await next_try(hass, freezer)
    await next_try(hass, freezer)

    assert sent_to(simulator) == [NUMBER]
    assert hass.states.get(SENSOR).state == "0"
    user_id = str(simulator.outbox[0]["user_id"])
    await simulator.complete_sends("SENT_OK", push=False)
    await init_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert statuses(events) == [
        (None, "queued"),
        (user_id, "queued"),
        (user_id, "sent"),
    ]


async def test_a_poll_that_works_again_sends_at_once(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """No need to wait for the pause: the gateway answering a poll is enough."""
    coordinator = init_integration.runtime_data.coordinator
    await power_off(hass, simulator)
    await send(hass, init_integration.entry_id)
    await coordinator.async_refresh()
    assert not coordinator.last_update_success

    await simulator.start()
    await coordinator.async_refresh()
    await hass.async_block_till_done()

    assert sent_to(simulator) == [NUMBER]
    assert init_integration.runtime_data.outbox.waiting == 0


async def test_the_outbox_survives_a_restart(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Queued, Home Assistant restarts, the gateway is back: sent once it started."""
    await power_off(hass, simulator)
    await send(hass, init_integration.entry_id)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    await simulator.start()

    hass.set_state(CoreState.not_running)
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert sent_to(simulator) == [], "nothing goes before Home Assistant has started"
    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()

    assert sent_to(simulator) == [NUMBER]
    assert init_integration.runtime_data.outbox.waiting == 0


async def test_a_lost_answer_is_looked_up_not_sent_again(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The gateway took it and hung up: the next try finds it there."""
    events = async_capture_events(hass, EVENT_SMS_STATUS)
    simulator.lose_answers("send_sms")

    response = await send(hass, init_integration.entry_id)
    assert response["messages"][0]["status"] == "queued"
    assert sent_to(simulator) == [NUMBER]

    await next_try(hass, freezer)
    await next_try(hass, freezer)

    assert sent_to(simulator) == [NUMBER], "looked up, not sent twice"
    assert init_integration.runtime_data.outbox.waiting == 0
    user_id = str(simulator.outbox[0]["user_id"])
    assert statuses(events) == [(None, "queued"), (user_id, "queued")]


async def test_a_lost_answer_on_a_retry_is_looked_up_too(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Queued while away; back, it takes the retry and hangs up: still once."""
    await power_off(hass, simulator)
    await send(hass, init_integration.entry_id)
    await simulator.start()
    simulator.lose_answers("send_sms")

    await next_try(hass, freezer)
    assert sent_to(simulator) == [NUMBER]
    assert init_integration.runtime_data.outbox.waiting == 1
    await next_try(hass, freezer)

    assert sent_to(simulator) == [NUMBER]
    assert init_integration.runtime_data.outbox.waiting == 0


async def test_a_gateway_that_cannot_be_asked_does_not_send_twice(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Without a way to look a send up, a lost answer ends at `sending`.

    No other type is here yet: this Dinstar client is told it cannot look up.
    """
    client = init_integration.runtime_data.client
    client.capabilities = client.capabilities - {Capability.SEND_LOOKUP}
    events = async_capture_events(hass, EVENT_SMS_STATUS)
    simulator.lose_answers("send_sms")

    await send(hass, init_integration.entry_id)
    await next_try(hass, freezer)

    assert sent_to(simulator) == [NUMBER]
    assert init_integration.runtime_data.outbox.waiting == 0
    assert statuses(events) == [(None, "queued"), (None, "sending")]


async def test_busy_is_queued_and_a_refusal_on_a_retry_fails(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """550 (no free port) waits; what the gateway then refuses for good fails."""
    events = async_capture_events(hass, EVENT_SMS_STATUS)
    simulator.fail("send_sms", 550)
    assert (await send(hass, init_integration.entry_id))["messages"][0][
        "status"
    ] == "queued"

    simulator.fail("send_sms", 500)
    await next_try(hass, freezer)

    assert init_integration.runtime_data.outbox.waiting == 0
    assert statuses(events) == [(None, "queued"), (None, "failed")]


async def test_the_time_is_up(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After `send_retry_hours` the message fails; nothing is sent later."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, options={"send_retry_hours": 1}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    events = async_capture_events(hass, EVENT_SMS_STATUS)
    await power_off(hass, simulator)
    await send(hass, config_entry.entry_id)

    for _ in range(5):
        await next_try(hass, freezer)
    await simulator.start()
    await next_try(hass, freezer)

    assert statuses(events) == [(None, "queued"), (None, "failed")]
    assert sent_to(simulator) == []
    assert config_entry.runtime_data.outbox.waiting == 0


async def test_queue_off_fails_at_once(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """A caller who wants the error gets it; nothing waits."""
    await power_off(hass, simulator)

    with pytest.raises(HomeAssistantError) as err:
        await send(hass, init_integration.entry_id, queue=False)

    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_key == "cannot_connect"
    assert init_integration.runtime_data.outbox.waiting == 0


async def test_validation_fails_at_once_even_when_away(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """Only "not now" is queued: a text no gateway could send is refused."""
    await power_off(hass, simulator)

    with pytest.raises(ServiceValidationError) as err:
        await send(hass, init_integration.entry_id, message="x" * 1501)

    assert err.value.translation_key == "bad_request"
    assert init_integration.runtime_data.outbox.waiting == 0


@pytest.fixture
async def second_gateway(
    hass: HomeAssistant, entry_data: dict[str, Any], socket_enabled: None
) -> AsyncGenerator[tuple[DinstarSimulator, MockConfigEntry]]:
    """Another Dinstar, set up as its own entry."""
    sim = DinstarSimulator(4, serial="second-gateway", seed=2)
    await sim.start(host="127.0.0.1", port=0)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Second",
        unique_id="second-gateway",
        data=entry_data
        | {"url": sim.url, "webhook_id": "fedcba9876543210fedcba9876543210"},
        pref_disable_polling=True,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield sim, entry
    await sim.stop()


async def test_fallback_to_a_second_gateway(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    second_gateway: tuple[DinstarSimulator, MockConfigEntry],
) -> None:
    """The first gateway is away: the second sends, and the response says so."""
    second_sim, second = second_gateway
    chain = [init_integration.entry_id, second.entry_id]

    response = await send(hass, chain)

    assert response["messages"][0]["config_entry_id"] == init_integration.entry_id
    assert sent_to(simulator) == [NUMBER]
    assert sent_to(second_sim) == []

    await power_off(hass, simulator)
    response = await send(hass, chain)

    (message,) = response["messages"]
    assert message["config_entry_id"] == second.entry_id
    assert message["status"] == "queued"
    assert message["message_id"] == str(second_sim.outbox[0]["user_id"])
    assert sent_to(second_sim) == [NUMBER]
    assert init_integration.runtime_data.outbox.waiting == 0


async def test_all_gateways_away_keeps_it_for_the_first_and_tries_all(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    second_gateway: tuple[DinstarSimulator, MockConfigEntry],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Kept in the first one's outbox; the second one, back first, sends it."""
    second_sim, second = second_gateway
    await power_off(hass, simulator)
    await power_off(hass, second_sim)

    response = await send(hass, [init_integration.entry_id, second.entry_id])
    assert response["messages"][0]["config_entry_id"] == init_integration.entry_id
    assert init_integration.runtime_data.outbox.waiting == 1

    await second_sim.start()
    await next_try(hass, freezer)

    assert sent_to(second_sim) == [NUMBER]
    assert init_integration.runtime_data.outbox.waiting == 0


async def test_a_lost_answer_holds_the_fallbacks_back(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    second_gateway: tuple[DinstarSimulator, MockConfigEntry],
    freezer: FrozenDateTimeFactory,
) -> None:
    """The first may have it: the second is not used until the first has told."""
    second_sim, second = second_gateway
    simulator.lose_answers("send_sms")

    await send(hass, [init_integration.entry_id, second.entry_id])
    await power_off(hass, simulator)
    await next_try(hass, freezer)
    assert sent_to(second_sim) == []
    assert init_integration.runtime_data.outbox.waiting == 1

    await simulator.start()
    await next_try(hass, freezer)

    assert sent_to(simulator) == [NUMBER]
    assert sent_to(second_sim) == []
    assert init_integration.runtime_data.outbox.waiting == 0


async def test_notify_queues_too(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """The legacy notify service shares send_sms: away, it queues without error."""
    await power_off(hass, simulator)

    await hass.services.async_call(
        "notify",
        "dinstar_dbd2_0325_0044_0088",
        {"message": "Alarm", "target": [NUMBER]},
        blocking=True,
    )

    assert init_integration.runtime_data.outbox.waiting == 1


async def test_diagnostics_count_without_content(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """The outbox's diagnostics say what waits, not to whom or what."""
    await power_off(hass, simulator)
    await send(hass, init_integration.entry_id)

    diagnostics = init_integration.runtime_data.outbox.as_diagnostics()

    assert diagnostics["waiting"] == 1
    (waiting,) = diagnostics["messages"]
    assert waiting["recipients"] == 1
    assert NUMBER not in str(diagnostics)
    assert "Alarm" not in str(diagnostics)
    assert dt_util.parse_datetime(waiting["next_try"]) is not None


async def test_a_fallback_that_may_have_it_is_waited_for(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    second_gateway: tuple[DinstarSimulator, MockConfigEntry],
    freezer: FrozenDateTimeFactory,
) -> None:
    """The second took it unanswered, then went (unloaded): the first does not send."""
    second_sim, second = second_gateway
    await power_off(hass, simulator)
    second_sim.lose_answers("send_sms")
    await send(hass, [init_integration.entry_id, second.entry_id])
    assert sent_to(second_sim) == [NUMBER]
    assert await hass.config_entries.async_unload(second.entry_id)
    await simulator.start()

    await next_try(hass, freezer)
    assert sent_to(simulator) == []
    assert init_integration.runtime_data.outbox.waiting == 1

    assert await hass.config_entries.async_setup(second.entry_id)
    await next_try(hass, freezer)

    assert sent_to(simulator) == []
    assert sent_to(second_sim) == [NUMBER]
    assert init_integration.runtime_data.outbox.waiting == 0


async def test_an_unreadable_message_on_disk_is_dropped(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """What cannot be read back is dropped with a warning; the rest is kept."""
    good = {
        "id": "kept",
        "numbers": [NUMBER],
        "text": "Alarm",
        "routes": [{"entry_id": config_entry.entry_id, "ports": [1]}],
        "encoding": "auto",
        "delivery_report": True,
        "send_at": None,
        "urgent": False,
        "created": dt_util.utcnow().isoformat(),
        "tries": 1,
        "next_try": dt_util.utcnow().isoformat(),
        "unsure": None,
    }
    hass_storage[f"{DOMAIN}.{config_entry.entry_id}.outbox"] = {
        "version": 1,
        "data": {"messages": [{"id": "broken"}, good]},
    }
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert [m["number"] for m in simulator.outbox] == [NUMBER]
    assert simulator.outbox[0]["port"] == 1
    assert config_entry.runtime_data.outbox.waiting == 0


async def test_a_gateway_not_set_up_is_passed_over(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    second_gateway: tuple[DinstarSimulator, MockConfigEntry],
) -> None:
    """Away when Home Assistant started, the first is not loaded: the second sends."""
    second_sim, second = second_gateway
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    chain = [init_integration.entry_id, second.entry_id]

    response = await send(hass, chain)

    assert response["messages"][0]["config_entry_id"] == second.entry_id
    assert sent_to(second_sim) == [NUMBER]
    assert await hass.config_entries.async_unload(second.entry_id)
    with pytest.raises(ServiceValidationError):
        await send(hass, chain)
