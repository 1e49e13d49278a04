"""SMS through a modem: in and out, long ones, the store rule, restarts, replugs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gsm_gateway.api.pdu import MISSING_PART_MARKER
from custom_components.gsm_gateway.const import (
    DOMAIN,
    EVENT_SMS_RECEIVED,
    EVENT_SMS_STATUS,
)
from simulator.modem import ModemSimulator

from .conftest import IMEI, wait_events as _events

# Real messages carry Cyrillic look-alikes and fullwidth punctuation.

TEXTS = [
    "Gate code 4711, valid today",
    "Braces {x} [y] ~z~ |w| ^ \\ and 5 €",  # the GSM-7 extension table
    "Привіт! Передзвони, коли будеш вільний.",
    "您的验证码是123456，5分钟内有效。",
    "Door open 🚪🔓 at 07:45 😀",
]

LONG_GSM7 = (
    "Liebe Kundin, lieber Kunde, ab dem 01.02. gelten neue Preise für Ihren "
    "Tarif. Ihr Datenvolumen steigt dabei kostenlos von 10 GB auf 15 GB pro "
    "Monat. Alle Details finden Sie in Ihrem Kundencenter. Sie müssen nichts "
    "weiter tun. Bei Fragen erreichen Sie uns rund um die Uhr unter 2202. {€}"
)
LONG_UCS2 = "Посилка 20450012345678 прибула у відділення №12. " * 5  # 4 parts


def _device_id(hass: HomeAssistant) -> str:
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, IMEI), entry.entry_id
    )
    assert device is not None
    return device.id


async def _settled(hass: HomeAssistant) -> None:
    """Let deletions that follow a fired message finish."""
    async with asyncio.timeout(5):
        await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.parametrize("text", TEXTS)
async def test_receive_in_every_alphabet(
    hass: HomeAssistant,
    modem: ModemSimulator,
    modem_loaded: MockConfigEntry,
    text: str,
) -> None:
    waiting = asyncio.ensure_future(_events(hass, EVENT_SMS_RECEIVED, 1))
    await asyncio.sleep(0)
    modem.receive_sms("+380671112233", text)
    (event,) = await waiting
    assert event.data["text"] == text
    assert event.data["sender"] == "+380671112233"
    assert event.data["port"] == 1
    assert event.data["device_id"] == _device_id(hass)
    assert event.data["sim_number"] == "+380501234567"
    assert event.data["config_entry_id"] == modem_loaded.entry_id
    await _settled(hass)
    assert modem.store == {}  # read, fired, recorded, then deleted
    state = hass.states.get("event.quectel_ec25_last_sms")
    assert state is not None
    assert state.attributes["text"] == text


@pytest.mark.parametrize("text", TEXTS)
async def test_send_in_every_alphabet(
    hass: HomeAssistant,
    modem: ModemSimulator,
    modem_loaded: MockConfigEntry,
    text: str,
) -> None:
    response = await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"device_id": [_device_id(hass)], "number": "+4917612345678", "message": text},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    messages: Any = response["messages"]
    assert messages[0]["status"] == "sent"
    assert modem.sent_texts() == [("+4917612345678", text)]
    (sent,) = modem.sent
    assert sent.submitted.ucs2 is not (text.isascii() or text == TEXTS[1])


async def test_long_messages_both_ways(
    hass: HomeAssistant, modem: ModemSimulator, modem_loaded: MockConfigEntry
) -> None:
    reports = asyncio.ensure_future(_events(hass, EVENT_SMS_STATUS, 4))
    await asyncio.sleep(0)
    await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {
            "config_entry_id": modem_loaded.entry_id,
            "number": ["+4917612345678", "+380671112233"],
            "message": LONG_GSM7,
        },
        blocking=True,
    )
    assert modem.sent_texts() == [
        ("+4917612345678", LONG_GSM7),
        ("+380671112233", LONG_GSM7),
    ]
    assert len(modem.sent) == 4
    assert {
        sent.submitted.concat[1] for sent in modem.sent if sent.submitted.concat
    } == {2}
    # Both parts of each reported delivered: one `delivered` per message.
    statuses = sorted(event.data["status"] for event in await reports)
    assert statuses == ["delivered", "delivered", "sent", "sent"]

    waiting = asyncio.ensure_future(_events(hass, EVENT_SMS_RECEIVED, 2))
    await asyncio.sleep(0)
    assert modem.receive_sms("Telekom", LONG_GSM7, order=[2, 1]) == 2
    assert modem.receive_sms("NovaPoshta", LONG_UCS2, order=[3, 1, 4, 2]) == 4
    received = {event.data["sender"]: event.data["text"] for event in await waiting}
    assert received == {"Telekom": LONG_GSM7, "NovaPoshta": LONG_UCS2}
    await _settled(hass)
    assert modem.store == {}


async def test_five_part_message_sent_whole(
    hass: HomeAssistant, modem: ModemSimulator, modem_loaded: MockConfigEntry
) -> None:
    text = "Alarm! " * 110  # 770 septets: 6 parts of 153
    await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"config_entry_id": modem_loaded.entry_id, "number": "+1555", "message": text},
        blocking=True,
    )
    assert modem.sent_texts() == [("+1555", text)]
    assert len(modem.sent) == 6


async def test_undelivered_report(
    hass: HomeAssistant, modem: ModemSimulator, modem_loaded: MockConfigEntry
) -> None:
    modem.undeliverable.add("+4900000")
    reports = asyncio.ensure_future(_events(hass, EVENT_SMS_STATUS, 2))
    await asyncio.sleep(0)
    response = await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {
            "config_entry_id": modem_loaded.entry_id,
            "number": "+4900000",
            "message": "x",
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    messages: Any = response["messages"]
    sent, event = await reports
    assert sent.data["status"] == "sent"
    assert event.data["status"] == "undelivered"
    assert event.data["message_id"] == messages[0]["message_id"]
    assert event.data["number"] == "+4900000"


async def test_missing_part_delivered_once_with_a_marker(
    hass: HomeAssistant,
    modem: ModemSimulator,
    modem_loaded: MockConfigEntry,
    events: Callable[[str], list[Event]],
) -> None:
    client: Any = modem_loaded.runtime_data.client
    received = events(EVENT_SMS_RECEIVED)
    modem.receive_sms("Telekom", LONG_GSM7, drop={1})
    coordinator = modem_loaded.runtime_data.coordinator
    await coordinator.async_refresh()
    assert received == []  # part 2 waits for part 1
    assert len(modem.store) == 1  # and waits on the modem, where it survives
    client.inbox.part_timeout = timedelta(0)
    await coordinator.async_refresh()
    await coordinator.async_refresh()
    await _settled(hass)
    (event,) = received
    assert event.data["text"] == MISSING_PART_MARKER + LONG_GSM7[153:]
    assert modem.store == {}


async def test_waiting_parts_survive_a_restart(
    hass: HomeAssistant, modem: ModemSimulator, modem_loaded: MockConfigEntry
) -> None:
    modem.receive_sms("NovaPoshta", LONG_UCS2, order=[4, 1, 3], drop={2})
    coordinator = modem_loaded.runtime_data.coordinator
    await coordinator.async_refresh()
    client: Any = modem_loaded.runtime_data.client
    (since,) = client.inbox.waiting_since.values()
    assert await hass.config_entries.async_unload(modem_loaded.entry_id)
    assert len(modem.store) == 3  # parts 1, 3, 4 wait on the modem
    assert await hass.config_entries.async_setup(modem_loaded.entry_id)
    await hass.async_block_till_done()
    client = modem_loaded.runtime_data.client
    # The wait goes on from when it began, not from the restart.
    assert list(client.inbox.waiting_since.values()) == [since]
    waiting = asyncio.ensure_future(_events(hass, EVENT_SMS_RECEIVED, 1))
    await asyncio.sleep(0)
    modem.deliver_held_back()
    (event,) = await waiting
    assert event.data["text"] == LONG_UCS2
    await _settled(hass)
    assert modem.store == {}


async def test_store_full_at_start_up_fires_each_once(
    hass: HomeAssistant,
    modem: ModemSimulator,
    modem_loaded: MockConfigEntry,
    events: Callable[[str], list[Event]],
) -> None:
    assert await hass.config_entries.async_unload(modem_loaded.entry_id)
    for number in range(modem.store_size):
        modem.store_message("+380671112233", f"While you were away {number}")
    # Two more wait in the network: the full store refuses them for now.
    modem.receive_sms("+380671112233", "Late one")
    modem.receive_sms("+380671112233", "Later one")
    assert len(modem.waiting_in_network) == 2
    received = events(EVENT_SMS_RECEIVED)
    waiting = asyncio.ensure_future(_events(hass, EVENT_SMS_RECEIVED, 22))
    await asyncio.sleep(0)
    assert await hass.config_entries.async_setup(modem_loaded.entry_id)
    await waiting
    await _settled(hass)
    texts = [event.data["text"] for event in received]
    assert sorted(texts) == sorted(
        [f"While you were away {n}" for n in range(20)] + ["Late one", "Later one"]
    )
    assert modem.store == {}
    assert modem.waiting_in_network == []


async def test_first_set_up_takes_the_store_as_history(
    hass: HomeAssistant,
    modem: ModemSimulator,
    modem_entry: MockConfigEntry,
    events: Callable[[str], list[Event]],
) -> None:
    """SPEC §7: on the very first set-up, what is there already is history."""
    modem.store_message("+380671112233", "Old news")
    modem.store_message("+380671112233", "Older news")
    received = events(EVENT_SMS_RECEIVED)
    modem_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(modem_entry.entry_id)
    await _settled(hass)
    assert received == []
    assert modem.store == {}  # the store must not fill with history either
    new = asyncio.ensure_future(_events(hass, EVENT_SMS_RECEIVED, 1))
    await asyncio.sleep(0)
    modem.receive_sms("+380671112233", "Fresh news")
    assert [event.data["text"] for event in await new] == ["Fresh news"]


async def test_crash_between_firing_and_deleting_repeats_nothing(
    hass: HomeAssistant,
    modem: ModemSimulator,
    modem_loaded: MockConfigEntry,
    events: Callable[[str], list[Event]],
) -> None:
    received = events(EVENT_SMS_RECEIVED)
    modem.delete_fails = True  # as if Home Assistant died before the delete
    waiting = asyncio.ensure_future(_events(hass, EVENT_SMS_RECEIVED, 1))
    await asyncio.sleep(0)
    modem.receive_sms("+380671112233", "Open the gate")
    await waiting
    await _settled(hass)
    assert len(modem.store) == 1
    assert await hass.config_entries.async_unload(modem_loaded.entry_id)
    modem.delete_fails = False
    modem.store_message("+380671112233", "Arrived while down")
    assert await hass.config_entries.async_setup(modem_loaded.entry_id)
    await hass.async_block_till_done()
    await _settled(hass)
    assert [event.data["text"] for event in received] == [
        "Open the gate",
        "Arrived while down",
    ]
    assert modem.store == {}


async def test_message_in_the_middle_of_an_answer(
    hass: HomeAssistant, modem: ModemSimulator, modem_loaded: MockConfigEntry
) -> None:
    """+CMTI lands between a poll's answer lines and its OK: still a message."""
    modem.urc_mid_answer = True
    waiting = asyncio.ensure_future(_events(hass, EVENT_SMS_RECEIVED, 1))
    await asyncio.sleep(0)
    modem.receive_sms("+380671112233", "Mid-answer")
    await modem_loaded.runtime_data.coordinator.async_refresh()
    (event,) = await waiting
    assert event.data["text"] == "Mid-answer"
    state = hass.states.get("sensor.quectel_ec25_signal_strength")
    assert state is not None
    assert state.state == str(-113 + 2 * modem.rssi)


async def test_unplug_and_replug(
    hass: HomeAssistant,
    modem: ModemSimulator,
    modem_loaded: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        "custom_components.gsm_gateway.api.modem.client.RECONNECT_PAUSES", (0.02,)
    )
    entity = "sensor.quectel_ec25_signal_strength"
    modem.unplug()
    await modem_loaded.runtime_data.coordinator.async_refresh()
    state = hass.states.get(entity)
    assert state is not None
    assert state.state == "unavailable"
    # A message comes while the stick is out: the network keeps it.
    modem.receive_sms("+380671112233", "While unplugged")
    waiting = asyncio.ensure_future(_events(hass, EVENT_SMS_RECEIVED, 1))
    await asyncio.sleep(0)
    modem.plug()
    (event,) = await waiting
    assert event.data["text"] == "While unplugged"
    await modem_loaded.runtime_data.coordinator.async_refresh()
    state = hass.states.get(entity)
    assert state is not None
    assert state.state == str(-113 + 2 * modem.rssi)
    assert modem_loaded.state is ConfigEntryState.LOADED


async def test_remembered_ids_stay_bounded(
    hass: HomeAssistant,
    modem: ModemSimulator,
    modem_loaded: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Messages of a modem carry no sequence: their ids are bounded all the same."""
    monkeypatch.setattr("custom_components.gsm_gateway.messages.MAX_REMEMBERED", 3)
    waiting = asyncio.ensure_future(_events(hass, EVENT_SMS_RECEIVED, 5))
    await asyncio.sleep(0)
    for number in range(5):
        modem.receive_sms("+380671112233", f"number {number}")
    await waiting
    tracker = modem_loaded.runtime_data.coordinator.tracker
    assert tracker.as_diagnostics()["remembered_ids"] == 3


async def test_message_is_in_the_inbox_before_the_sim_forgets_it(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    modem: ModemSimulator,
    modem_loaded: MockConfigEntry,
) -> None:
    waiting = asyncio.ensure_future(_events(hass, EVENT_SMS_RECEIVED, 1))
    await asyncio.sleep(0)
    modem.receive_sms("+380671112233", "Keep me")
    await waiting
    await _settled(hass)
    assert modem.store == {}
    # On disk already, not only in memory: the SIM no longer has it.
    stored = hass_storage[f"{DOMAIN}.{modem_loaded.entry_id}.inbox"]["data"]
    assert [row["text"] for row in stored["messages"]] == ["Keep me"]
    response = await hass.services.async_call(
        DOMAIN,
        "list_messages",
        {"config_entry_id": modem_loaded.entry_id, "direction": "received"},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    listed: Any = response["messages"]
    assert [message["text"] for message in listed] == ["Keep me"]
