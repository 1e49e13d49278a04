"""The shipped blueprints: put in place, loaded by Home Assistant, run (SPEC §12)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint.models import Blueprint
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)

from custom_components.gsm_gateway.blueprint_setup import SHIPPED
from custom_components.gsm_gateway.const import DOMAIN
from custom_components.gsm_gateway.contacts import async_get_contacts
from simulator.dinstar import DinstarSimulator

MOM = "+491701234567"
BLUEPRINTS = ("forward_sms.yaml", "sms_alarm.yaml", "sms_commands.yaml")


@pytest.fixture
def port_count() -> int:
    """Two ports are plenty."""
    return 2


@pytest.fixture(autouse=True)
def config_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """Home Assistant's configuration folder is the test's own."""
    hass.config.config_dir = str(tmp_path)
    hass.config.country = "DE"
    return tmp_path


@pytest.fixture
async def with_mom(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """A contact named Mom."""
    contacts = await async_get_contacts(hass)
    await contacts.async_add("Mom", "0170 1234567")


async def automation(hass: HomeAssistant, path: str, inputs: dict[str, Any]) -> None:
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                {
                    "alias": path,
                    "use_blueprint": {"path": f"{DOMAIN}/{path}", "input": inputs},
                }
            ]
        },
    )
    await hass.async_block_till_done()
    (state,) = hass.states.async_all("automation")
    assert state.state == "on"


def test_shipped_blueprints_are_valid() -> None:
    """Each file is an automation blueprint Home Assistant's code accepts."""
    assert sorted(p.name for p in (SHIPPED / "automation").iterdir()) == list(
        BLUEPRINTS
    )
    for name in BLUEPRINTS:
        blueprint = Blueprint(
            load_yaml_dict(str(SHIPPED / "automation" / name)),
            expected_domain="automation",
            schema=AUTOMATION_BLUEPRINT_SCHEMA,
        )
        assert blueprint.inputs
        assert blueprint.metadata["source_url"].endswith(name)


async def test_placed_when_absent_and_never_overwritten(
    hass: HomeAssistant, config_dir: Path, config_entry: MockConfigEntry
) -> None:
    """Set-up copies what is missing; a user's edited copy stays as it is."""
    folder = config_dir / "blueprints" / "automation" / DOMAIN
    folder.mkdir(parents=True)
    edited = folder / "forward_sms.yaml"
    edited.write_text("# my own version\n", encoding="utf-8")

    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)

    assert sorted(p.name for p in folder.iterdir()) == list(BLUEPRINTS)
    assert edited.read_text(encoding="utf-8") == "# my own version\n"
    assert (folder / "sms_alarm.yaml").read_bytes() == (
        SHIPPED / "automation" / "sms_alarm.yaml"
    ).read_bytes()


@pytest.mark.usefixtures("with_mom")
async def test_forward_sms(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient[Any, Any],
) -> None:
    """SMS from the chosen senders go to the notify action and the notify entity."""
    calls = async_mock_service(hass, "notify", "phone")
    hass.config_entries.async_update_entry(
        init_integration, options={"default_recipients": ["+441632960961"]}
    )
    await hass.async_block_till_done()
    await automation(
        hass,
        "forward_sms.yaml",
        {
            "senders": "Mom; 0049 30 1234567",
            "notify_action": "notify.phone",
            "notify_entity": "notify.port_0_sms",
        },
    )

    await simulator.receive_sms(1, "01701234567", "Call me")
    await simulator.receive_sms(1, "+4930 1234567", "Shop is open")
    await simulator.receive_sms(1, "+441632960000", "Spam")
    await hass.async_block_till_done()

    assert [(c.data["title"], c.data["message"]) for c in calls] == [
        ("SMS from Mom", "Call me"),
        ("SMS from +4930 1234567", "Shop is open"),
    ]
    assert [(m["number"], m["port"], m["text"]) for m in simulator.outbox] == [
        ("+441632960961", 0, "SMS from Mom\nCall me"),
        ("+441632960961", 0, "SMS from +4930 1234567\nShop is open"),
    ]


@pytest.mark.usefixtures("with_mom")
async def test_sms_commands(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient[Any, Any],
) -> None:
    """An allowed sender's keyword runs the action, and the reply goes back."""
    calls = async_mock_service(hass, "test", "open_gate")
    await automation(
        hass,
        "sms_commands.yaml",
        {
            "allowed_senders": "Mom",
            "keyword": "Gate",
            "command": [{"action": "test.open_gate", "data": {"how": "sms"}}],
            "reply": "Opening: {keyword}",
        },
    )

    await simulator.receive_sms(1, "+4917012345670", "gate")
    await simulator.receive_sms(1, MOM, "Gate please")
    await hass.async_block_till_done()
    assert calls == []
    assert simulator.outbox == []

    await simulator.receive_sms(1, MOM, "  GATE ")
    await hass.async_block_till_done()

    assert [c.data for c in calls] == [{"how": "sms"}]
    assert [(m["number"], m["port"], m["text"]) for m in simulator.outbox] == [
        (MOM, 1, "Opening: Gate")
    ]


@pytest.mark.usefixtures("with_mom")
async def test_sms_alarm(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """The watched entity goes off: an SMS to each recipient, names work too."""
    hass.states.async_set("binary_sensor.internet", "on", {"friendly_name": "Internet"})
    await automation(
        hass,
        "sms_alarm.yaml",
        {
            "watched": "binary_sensor.internet",
            "duration": {"seconds": 0},
            "gateway": init_integration.runtime_data.coordinator.gateway_device_id,
            "recipients": "+441632960961, Mom",
        },
    )

    hass.states.async_set(
        "binary_sensor.internet", "off", {"friendly_name": "Internet"}
    )
    await hass.async_block_till_done()

    assert [(m["number"], m["text"]) for m in simulator.outbox] == [
        ("+441632960961", "Alarm: Internet is off"),
        (MOM, "Alarm: Internet is off"),
    ]


async def test_unwritable_config_folder_is_logged(
    hass: HomeAssistant,
    config_dir: Path,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A folder that cannot be written is a warning, and the gateway still sets up."""
    (config_dir / "blueprints").write_text("not a folder", encoding="utf-8")
    config_entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(config_entry.entry_id)

    assert "Could not put the blueprints in place" in caplog.text
