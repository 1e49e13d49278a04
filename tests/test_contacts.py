"""Contacts: managed in the options, names on incoming SMS, names where numbers go."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.gsm_gateway.const import DOMAIN, EVENT_SMS_RECEIVED
from custom_components.gsm_gateway.contacts import (
    async_get_contacts,
    normalize_number,
    region_of_imsi,
)
from simulator.dinstar import DinstarSimulator


@pytest.fixture
def port_count() -> int:
    """Two ports are plenty."""
    return 2


@pytest.fixture(autouse=True)
def home_country(hass: HomeAssistant) -> None:
    """Home Assistant set up in Germany."""
    hass.config.country = "DE"


@pytest.mark.parametrize(
    ("written", "region", "normal"),
    [
        ("+49 170 1234567", "DE", "+491701234567"),
        ("0049 170 1234567", "DE", "+491701234567"),
        ("0049-170-123-45-67", None, "+491701234567"),
        ("(0170) 123 45 67", "DE", "+491701234567"),
        ("0170/1234567", "DE", "+491701234567"),
        ("491701234567", "DE", "+491701234567"),
        ("+38 (050) 123-45-67", "DE", "+380501234567"),
        ("050 123 45 67", "UA", "+380501234567"),
        ("380501234567", "UA", "+380501234567"),
        ("8 912 345-67-89", "RU", "+79123456789"),
        ("138 0013 8000", "CN", "+8613800138000"),
        ("0086 138 0013 8000", "UA", "+8613800138000"),
        ("10086", "CN", "10086"),
        ("112", "DE", "112"),
        ("0501234567", None, "0501234567"),
        ("Vodafone", "DE", "vodafone"),
    ],
)
def test_number_forms(written: str, region: str | None, normal: str) -> None:
    """Every common way of writing a number comes to one form."""
    assert normalize_number(written, region) == normal


@pytest.mark.parametrize(
    ("imsi", "region"),
    [
        ("255011234567890", "UA"),
        ("262011234567890", "DE"),
        ("460001234567890", "CN"),
        ("250991234567890", "RU"),
        ("999991234567890", None),
        ("<NULL>", None),
        ("", None),
        (None, None),
    ],
)
def test_region_of_imsi(imsi: str | None, region: str | None) -> None:
    """The SIM's country from its IMSI's mobile country code."""
    assert region_of_imsi(imsi) == region


async def _open_contacts(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "contacts"}
    )
    assert result["type"] is FlowResultType.MENU
    return result


async def _menu(hass: HomeAssistant, result: Any, step: str) -> Any:
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": step}
    )


async def test_manage_contacts_in_options(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Add, reject, rename and remove contacts from an entry's options."""
    options = dict(init_integration.options)
    result = await _open_contacts(hass, init_integration)
    assert result["menu_options"] == ["contact_add", "contacts_done"]
    assert result["description_placeholders"] == {"contacts": "—"}

    result = await _menu(hass, result, "contact_add")
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"name": " ", "number": "call me"}
    )
    assert result["errors"] == {
        "name": "name_missing",
        "number": "invalid_contact_number",
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"name": "Mom", "number": "0170 123 45 67"}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == [
        "contact_add",
        "contact_edit",
        "contact_remove",
        "contacts_done",
    ]
    assert result["description_placeholders"] == {"contacts": "- Mom: +491701234567"}

    result = await _menu(hass, result, "contact_add")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"name": "mom", "number": "+380501234567"}
    )
    assert result["errors"] == {"name": "name_taken"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"name": "Dad", "number": "+38 050 123-45-67"}
    )

    contacts = await async_get_contacts(hass)
    mom = next(c for c in contacts.contacts if c.name == "Mom")
    result = await _menu(hass, result, "contact_edit")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"contact": mom.contact_id}
    )
    assert result["step_id"] == "contact_details"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"name": "Dad", "number": "0170 7654321"}
    )
    assert result["errors"] == {"name": "name_taken"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"name": "Mum", "number": "0170 7654321"}
    )
    assert result["description_placeholders"] == {
        "contacts": "- Dad: +380501234567\n- Mum: +491707654321"
    }

    dad = next(c for c in contacts.contacts if c.name == "Dad")
    result = await _menu(hass, result, "contact_remove")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"contacts": [dad.contact_id]}
    )
    assert result["description_placeholders"] == {"contacts": "- Mum: +491707654321"}

    result = await _menu(hass, result, "contacts_done")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.options == options

    assert [c.name for c in contacts.contacts] == ["Mum"]


async def test_contacts_kept_in_store(
    hass: HomeAssistant, hass_storage: dict[str, Any], config_entry: MockConfigEntry
) -> None:
    """The list is read from its store at set-up, and written on each change."""
    hass_storage[f"{DOMAIN}.contacts"] = {
        "version": 1,
        "data": {"contacts": [{"id": "a1", "name": "Gate", "number": "+491701234567"}]},
    }
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    contacts = await async_get_contacts(hass)
    assert contacts.number_for("gate") == "+491701234567"

    await contacts.async_add("Shop", "0301234567")
    assert hass_storage[f"{DOMAIN}.contacts"]["data"]["contacts"][1] == {
        "id": contacts.contacts[1].contact_id,
        "name": "Shop",
        "number": "+49301234567",
    }


async def test_sender_name_on_events(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient[Any, Any],
) -> None:
    """An SMS from a contact carries the name, in the event and on last_sms.

    A national number is read in the country of the SIM that received it.
    """
    contacts = await async_get_contacts(hass)
    await contacts.async_add("Oksana", "+380 50 123 45 67")
    simulator.ports[1].imsi = "255011234567890"
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)

    await simulator.receive_sms(1, "0501234567", "Привіт")
    await simulator.receive_sms(0, "+491709999999", "Who is this?")
    await hass.async_block_till_done()

    assert [(e.data["sender"], e.data["sender_name"]) for e in events] == [
        ("0501234567", "Oksana"),
        ("+491709999999", None),
    ]
    state = hass.states.get("event.port_1_last_sms")
    assert state is not None
    assert state.attributes["sender_name"] == "Oksana"
    other = hass.states.get("event.port_0_last_sms")
    assert other is not None
    assert other.attributes["sender_name"] is None


async def test_send_sms_by_name(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """`send_sms` takes a contact's name where it takes a number."""
    contacts = await async_get_contacts(hass)
    await contacts.async_add("Mom", "0170 1234567")

    response = await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {
            "config_entry_id": init_integration.entry_id,
            "number": ["MOM, +441632960961"],
            "message": "Dinner at 7",
        },
        blocking=True,
        return_response=True,
    )

    assert [m["number"] for m in simulator.outbox] == [
        "+491701234567",
        "+441632960961",
    ]
    assert response is not None
    assert [m["number"] for m in response["messages"]] == [  # type: ignore[union-attr]
        "+491701234567",
        "+441632960961",
    ]

    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "send_sms",
            {
                "config_entry_id": init_integration.entry_id,
                "number": "Aunt Mary",
                "message": "Hi",
            },
            blocking=True,
        )
    assert err.value.translation_key == "invalid_number"


async def test_legacy_notify_by_name(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """The legacy notify service takes names in `target`."""
    contacts = await async_get_contacts(hass)
    await contacts.async_add("Neighbour", "+49 30 1234567")
    await hass.services.async_call(
        "notify",
        "dinstar_dbd2_0325_0044_0088",
        {"message": "Parcel for you", "target": "neighbour"},
        blocking=True,
    )

    assert [m["number"] for m in simulator.outbox] == ["+49301234567"]
