"""Notify both ways (SPEC §4): `notify.<entry slug>` and a notify entity per port."""

from __future__ import annotations

from typing import Any

from homeassistant.components.notify import DOMAIN as NOTIFY_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.gsm_gateway.const import (
    CONF_DEFAULT_RECIPIENTS,
    EVENT_SMS_STATUS,
)
from custom_components.gsm_gateway.notify import async_get_service
from simulator.dinstar import DinstarSimulator

SERVICE = "dinstar_dbd2_0325_0044_0088"
"""The slug of the entry's title, "Dinstar dbd2-0325-0044-0088"."""


async def setup_with_recipients(
    hass: HomeAssistant, entry: MockConfigEntry, recipients: Any
) -> MockConfigEntry:
    """Set the entry up with default recipients in its options."""
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={CONF_DEFAULT_RECIPIENTS: recipients}
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def notify_entity(hass: HomeAssistant, entry: MockConfigEntry, port: int) -> str:
    """The entity id of a port's notify entity."""
    coordinator = entry.runtime_data.coordinator
    device_id = coordinator.device_id_for_port(coordinator.port_by_number(port))
    (entity,) = [
        e
        for e in er.async_entries_for_device(er.async_get(hass), device_id)
        if e.domain == NOTIFY_DOMAIN
    ]
    return entity.entity_id


async def notify(hass: HomeAssistant, data: dict[str, Any]) -> None:
    await hass.services.async_call(NOTIFY_DOMAIN, SERVICE, data, blocking=True)
    await hass.async_block_till_done()


async def test_legacy_service_sends_to_targets(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """`target` numbers get the message, the title on its first line."""
    events = async_capture_events(hass, EVENT_SMS_STATUS)

    await notify(
        hass,
        {
            "message": "Garage door open",
            "title": "Alarm",
            "target": ["+491701234567", "+441632960961; +12345"],
        },
    )

    assert [m["number"] for m in simulator.outbox] == [
        "+491701234567",
        "+441632960961",
        "+12345",
    ]
    assert {m["text"] for m in simulator.outbox} == {"Alarm\nGarage door open"}
    assert [e.data["status"] for e in events] == ["queued"] * 3


async def test_legacy_service_data(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """`data` picks the port, the encoding and the delivery report."""
    await notify(
        hass,
        {
            "message": "plain text",
            "target": "+12345",
            "data": {"port": 3, "encoding": "ucs2", "delivery_report": False},
        },
    )

    (message,) = simulator.outbox
    assert message["port"] == 3
    assert message["encoding"] == "unicode"
    assert message["request_status_report"] is False
    assert message["text"] == "plain text"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"port": 42}, "unknown_port"),
        ({"encoding": "morse"}, "invalid_notify_data"),
    ],
)
async def test_legacy_service_bad_data(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    data: dict[str, Any],
    key: str,
) -> None:
    """A port the gateway lacks, or an unknown encoding: refused, nothing sent."""
    with pytest.raises(ServiceValidationError) as err:
        await notify(hass, {"message": "x", "target": ["+12345"], "data": data})

    assert err.value.translation_key == key
    assert simulator.outbox == []


async def test_legacy_service_without_target_or_defaults(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """No target and no default recipients: told, nothing sent."""
    with pytest.raises(ServiceValidationError) as err:
        await notify(hass, {"message": "x"})

    assert err.value.translation_key == "no_recipients"
    assert simulator.outbox == []


async def test_legacy_service_without_target_uses_defaults(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """No target: the default recipients of the options."""
    await setup_with_recipients(hass, config_entry, "+111, +222")

    await notify(hass, {"message": "To the usual people"})

    assert [m["number"] for m in simulator.outbox] == ["+111", "+222"]


async def test_legacy_service_follows_the_entry(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """Reloading keeps one working service; unloading takes it away."""
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert hass.services.has_service(NOTIFY_DOMAIN, SERVICE)

    await notify(hass, {"message": "after reload", "target": "+12345"})
    assert [m["text"] for m in simulator.outbox] == ["after reload"]

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert not hass.services.has_service(NOTIFY_DOMAIN, SERVICE)

    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    await notify(hass, {"message": "set up again", "target": "+12345"})
    assert [m["text"] for m in simulator.outbox] == ["after reload", "set up again"]


async def test_notify_entity_per_port(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """Each port has an "SMS" notify entity on its device."""
    entities = [
        e
        for e in er.async_entries_for_config_entry(
            er.async_get(hass), init_integration.entry_id
        )
        if e.domain == NOTIFY_DOMAIN
    ]

    assert len(entities) == len(simulator.ports)
    entity_id = notify_entity(hass, init_integration, 2)
    assert entity_id == "notify.port_2_sms"
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == STATE_UNKNOWN


async def test_notify_entity_sends_to_default_recipients(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    """`notify.send_message` sends from the entity's port to the defaults."""
    entry = await setup_with_recipients(hass, config_entry, ["+111", "+222"])
    events = async_capture_events(hass, EVENT_SMS_STATUS)
    entity_id = notify_entity(hass, entry, 5)

    await hass.services.async_call(
        NOTIFY_DOMAIN,
        "send_message",
        {ATTR_ENTITY_ID: entity_id, "message": "Washing done", "title": "Home"},
        blocking=True,
    )
    await hass.async_block_till_done()

    assert [(m["number"], m["port"]) for m in simulator.outbox] == [
        ("+111", 5),
        ("+222", 5),
    ]
    assert {m["text"] for m in simulator.outbox} == {"Home\nWashing done"}
    assert len(events) == 2
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state != STATE_UNKNOWN


async def test_notify_entity_without_default_recipients(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """No default recipients: a clear error, nothing sent."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            NOTIFY_DOMAIN,
            "send_message",
            {
                ATTR_ENTITY_ID: notify_entity(hass, init_integration, 1),
                "message": "Hello?",
            },
            blocking=True,
        )

    assert err.value.translation_key == "no_default_recipients"
    assert "No default recipients" in str(err.value)
    assert simulator.outbox == []


async def test_no_legacy_service_without_discovery(hass: HomeAssistant) -> None:
    """The legacy platform exists only through an entry, not from YAML."""
    assert await async_get_service(hass, {}, None) is None
    assert await async_get_service(hass, {}, {"name": "x", "entry_id": "gone"}) is None
