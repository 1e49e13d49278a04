"""SIM balance by USSD: options, button, schedule, parsing (SPEC §12)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging
import re
from typing import Any

from homeassistant.components.sensor import ATTR_STATE_CLASS, SensorStateClass
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.gsm_gateway.balance import parse_amount
from custom_components.gsm_gateway.const import DOMAIN
from simulator.dinstar import DinstarSimulator


@pytest.fixture
def port_count() -> int:
    """Two ports take turns."""
    return 2


@pytest.fixture
def balance_options() -> dict[str, Any]:
    """The entry checks `*100#` daily; override per test."""
    return {"balance_code": "*100#", "balance_interval": 24}


@pytest.fixture
def config_entry(
    entry_data: dict[str, Any], balance_options: dict[str, Any]
) -> MockConfigEntry:
    """The simulated gateway's entry, with balance options."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Dinstar",
        unique_id="dbd2-0325-0044-0088",
        data=entry_data,
        options=balance_options,
    )


@pytest.fixture
async def balance_entry(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> MockConfigEntry:
    """The entry set up, its USSD replies read without the production pause."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    config_entry.runtime_data.client._ussd_poll_interval = 0.01
    return config_entry


def balance(hass: HomeAssistant, port: int) -> tuple[str, str | None]:
    state = hass.states.get(f"sensor.port_{port}_balance")
    assert state is not None
    return state.state, state.attributes.get("reply")


async def press(hass: HomeAssistant, port: int) -> None:
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": f"button.port_{port}_check_balance"},
        blocking=True,
    )
    await hass.async_block_till_done()


def ussd_sent(simulator: DinstarSimulator) -> list[tuple[int, str]]:
    return [
        (r.body["port"][0], r.body["text"])
        for r in simulator.requests
        if r.path == "/api/send_ussd" and r.body["command"] == "send"
    ]


@pytest.mark.parametrize(
    ("reply", "amount"),
    [
        ("12,50 грн", 12.5),
        ("Balance: 3.20 EUR", 3.2),
        ("余额为45.60元", 45.6),
        ("Баланс: 1 234,56 руб.", 1234.56),
        ("Balance: -0.75 EUR", -0.75),
        ("Ваш баланс 150 грн", 150.0),
        ("Service temporarily unavailable", None),
    ],
)
def test_amounts(reply: str, amount: float | None) -> None:
    """Decimal comma or point, the currency before or after, grouped thousands."""
    assert parse_amount(reply) == amount


def test_pattern_picks_the_amount() -> None:
    """A pattern for replies whose first number is not the amount."""
    pattern = re.compile(r"Main: ([0-9.,]+)")
    assert parse_amount("Bonus 100 MB. Main: 7,25 EUR", pattern) == 7.25
    assert parse_amount("Bonus 100 MB", pattern) is None
    assert parse_amount("Total 9.99", re.compile(r"Total \S+")) == 9.99


@pytest.mark.parametrize(
    ("code", "amount", "reply"),
    [
        ("*100#", "12.5", "Balance: 12.50 EUR. Bonus: 100 MB until 31.12."),
        ("*102#", "12.5", "Ваш баланс: 12,50 грн. Дякуємо, що ви з нами!"),
        ("*103#", "45.6", "尊敬的客户，您的余额为45.60元。"),
        ("*104#", "1234.56", "Баланс: 1 234,56 руб. Тариф «Мой онлайн»."),
        ("*105#", "3.2", "Balance: 3.20 EUR"),
    ],
)
async def test_check_balance_button(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    balance_options: dict[str, Any],
    code: str,
    amount: str,
    reply: str,
) -> None:
    """The button sends the code on its port; the sensor shows the amount and reply."""
    balance_options["balance_code"] = code
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id="x", data=_data(simulator), options=balance_options
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    entry.runtime_data.client._ussd_poll_interval = 0.01
    state = hass.states.get("sensor.port_1_balance")
    assert state is not None
    assert state.state == STATE_UNKNOWN
    assert state.attributes[ATTR_STATE_CLASS] is SensorStateClass.MEASUREMENT

    await press(hass, 1)

    assert balance(hass, 1) == (amount, reply)
    assert balance(hass, 0) == (STATE_UNKNOWN, None)
    assert ussd_sent(simulator) == [(1, code)]


def _data(simulator: DinstarSimulator) -> dict[str, Any]:
    return {
        "gateway_type": "dinstar",
        "url": simulator.url,
        "username": "admin",
        "password": "admin",
        "verify_ssl": False,
        "webhook_id": "0123456789abcdef0123456789abcdef",
    }


async def test_reply_without_amount_keeps_the_value_and_warns_once(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    balance_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The old amount stays, the new reply is shown, one warning is logged."""
    await press(hass, 0)
    simulator.ussd_replies["*100#"] = "Service temporarily unavailable."
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        await press(hass, 0)
        await press(hass, 0)

    assert balance(hass, 0) == ("12.5", "Service temporarily unavailable.")
    assert len([r for r in caplog.records if "names no amount" in r.message]) == 1

    # Kept across a restart, with its reply.
    assert await hass.config_entries.async_reload(balance_entry.entry_id)
    await hass.async_block_till_done()
    assert balance(hass, 0) == ("12.5", "Service temporarily unavailable.")


async def test_gateway_refusing_the_check(
    hass: HomeAssistant, simulator: DinstarSimulator, balance_entry: MockConfigEntry
) -> None:
    """A busy port answers the button with the gateway's reason."""
    simulator.ports[1].busy = True
    with pytest.raises(HomeAssistantError) as err:
        await press(hass, 1)
    assert err.value.translation_key == "refused"
    assert balance(hass, 1) == (STATE_UNKNOWN, None)


@pytest.mark.parametrize(
    "balance_options", [{"balance_code": "*105#", "balance_interval": 2}]
)
async def test_schedule_spreads_checks_and_skips_unregistered(
    hass: HomeAssistant, simulator: DinstarSimulator, balance_entry: MockConfigEntry
) -> None:
    """Two ports, every 2 hours: one check an hour at most, the oldest first."""
    start = dt_util.utcnow()

    async def at(delay: timedelta) -> None:
        async_fire_time_changed(hass, start + delay)
        await hass.async_block_till_done()

    await simulator.set_registration(1, "UNREGISTER", push=False)
    await balance_entry.runtime_data.coordinator.async_refresh()

    await at(timedelta(minutes=1, seconds=1))
    assert ussd_sent(simulator) == [(0, "*105#")]
    assert balance(hass, 0) == ("3.2", "Balance: 3.20 EUR")
    # An hour later: port 0 was checked within 2 hours, port 1 is not registered.
    await at(timedelta(hours=1, minutes=2))
    assert ussd_sent(simulator) == [(0, "*105#")]

    await simulator.set_registration(1, "REGISTER_OK", push=False)
    await balance_entry.runtime_data.coordinator.async_refresh()
    await at(timedelta(hours=2, minutes=3))
    assert ussd_sent(simulator) == [(0, "*105#"), (1, "*105#")]
    assert balance(hass, 1) == ("3.2", "Balance: 3.20 EUR")

    # Two hours after its check, port 0 is due again; port 1 is not.
    monitor = balance_entry.runtime_data.balance
    checked = monitor.readings[0].checked
    assert checked is not None
    monitor.readings[0].checked = checked - timedelta(hours=2)
    await at(timedelta(hours=3, minutes=4))
    assert ussd_sent(simulator) == [(0, "*105#"), (1, "*105#"), (0, "*105#")]


async def test_check_never_overlaps_the_users_ussd(
    hass: HomeAssistant, simulator: DinstarSimulator, balance_entry: MockConfigEntry
) -> None:
    """A user's USSD and a balance check on one port wait for each other.

    The gateway refuses a second USSD while one is open on a port.
    """
    simulator.ussd_delay = 0.1
    user = hass.services.async_call(
        DOMAIN,
        "send_ussd",
        {
            "device_id": balance_entry.runtime_data.coordinator.device_id_for_port(
                balance_entry.runtime_data.coordinator.port_by_number(0)
            ),
            "code": "*121#",
        },
        blocking=True,
        return_response=True,
    )
    response, _ = await asyncio.gather(user, press(hass, 0))

    assert response == {"reply": "Internet: 14.2 GB of 20 GB left, valid 12 days."}
    assert balance(hass, 0)[0] == "12.5"


async def test_balance_options(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    entry_data: dict[str, Any],
    entity_registry: er.EntityRegistry,
) -> None:
    """Setting a code in the options adds the sensors and buttons."""
    entry = MockConfigEntry(domain=DOMAIN, unique_id="x", data=entry_data)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.port_0_balance") is None
    assert hass.states.get("button.port_0_check_balance") is None

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"scan_interval": 30, "balance_code": " *100# ", "balance_pattern": "(["},
    )
    assert result["errors"] == {"balance_pattern": "invalid_pattern"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "scan_interval": 30,
            "balance_code": " *100# ",
            "balance_interval": 12,
            "balance_pattern": r"Balance: (\S+)",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options == {
        "scan_interval": 30,
        "default_recipients": [],
        "balance_code": "*100#",
        "balance_interval": 12,
        "balance_pattern": r"Balance: (\S+)",
        "send_retry_hours": 24,
        "inbox_max_messages": 1000,
        "inbox_max_days": 90,
    }
    assert hass.states.get("sensor.port_0_balance") is not None
    assert hass.states.get("button.port_1_check_balance") is not None

    # Clearing the code takes the balance options away.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"scan_interval": 30, "balance_code": ""}
    )
    await hass.async_block_till_done()
    assert entry.options == {
        "scan_interval": 30,
        "default_recipients": [],
        "send_retry_hours": 24,
        "inbox_max_messages": 1000,
        "inbox_max_days": 90,
    }
