"""An OpenVox gateway added, pointed at Home Assistant, and removed again."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestClient
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.network import NoURLAvailableError
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gsm_gateway.const import CONF_WEBHOOK_ID, DOMAIN
from custom_components.gsm_gateway.push_target import async_reachable_webhook_url
from simulator.openvox import FACTORY_PUSH_CONFIG, OpenVoxSimulator

from .conftest import unique_id

LOGIN = {"username": "admin", "password": "admin", "verify_ssl": False}


async def _start_flow(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert "openvox" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "openvox"}
    )
    assert result["step_id"] == "openvox"
    return result["flow_id"]


async def test_added_and_pointed_at_home_assistant(
    hass: HomeAssistant, openvox: OpenVoxSimulator, ha_client: TestClient
) -> None:
    """No URL to paste: the integration writes the gateway's push settings."""
    flow_id = await _start_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        flow_id, {"url": openvox.url.removeprefix("http://"), **LOGIN}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "OpenVox 4-port gateway"
    entry = result["result"]
    assert entry.unique_id == unique_id(openvox)
    config = openvox.push_config
    assert (config["enable"], config["results_enable"], config["reports_enable"]) == (
        1,
        1,
        1,
    )
    assert config["url_host"] == "127.0.0.1"
    assert config["url_port"] == str(ha_client.port)
    assert config["url_path"] == f"/api/webhook/{entry.data[CONF_WEBHOOK_ID]}"
    assert config["url_to_num"] == "port"


async def test_wrong_password_and_unreachable(
    hass: HomeAssistant, openvox: OpenVoxSimulator
) -> None:
    flow_id = await _start_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        flow_id, {"url": openvox.url, **LOGIN, "password": "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"url": "http://127.0.0.1:9", **LOGIN}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    openvox.fail("/sms/get_valid_spans", 500)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"url": openvox.url, **LOGIN}
    )
    assert result["errors"] == {"base": "unexpected_answer"}


async def test_added_twice(
    hass: HomeAssistant, openvox: OpenVoxSimulator, openvox_entry: MockConfigEntry
) -> None:
    openvox_entry.add_to_hass(hass)
    flow_id = await _start_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        flow_id, {"url": openvox.url, **LOGIN}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth(
    hass: HomeAssistant, openvox: OpenVoxSimulator, openvox_loaded: MockConfigEntry
) -> None:
    """A changed password starts reauth; the new one is stored."""
    openvox.password = "n3w"
    coordinator = openvox_loaded.runtime_data.coordinator
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    (flow,) = hass.config_entries.flow.async_progress()
    assert flow["context"]["source"] == "reauth"

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"username": "admin", "password": "n3w"}
    )
    await hass.async_block_till_done()

    assert result["reason"] == "reauth_successful"
    assert openvox_loaded.data["password"] == "n3w"


async def test_reconfigure_to_the_gateway_moved(
    hass: HomeAssistant,
    openvox: OpenVoxSimulator,
    openvox_loaded: MockConfigEntry,
    socket_enabled: None,
) -> None:
    """Its identity is its address: a new address carries the entry over."""
    moved = OpenVoxSimulator(4, seed=1)
    await moved.start(host="127.0.0.1", port=0)
    try:
        result = await openvox_loaded.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"url": moved.url, **LOGIN}
        )
        await hass.async_block_till_done()
        assert result["reason"] == "reconfigure_successful"
        assert openvox_loaded.unique_id == unique_id(moved)
        assert openvox_loaded.data["url"] == moved.url
        assert moved.push_config["enable"] == 1

        # Onto an address another entry already has: refused.
        other = MockConfigEntry(domain=DOMAIN, unique_id=unique_id(openvox), data={})
        other.add_to_hass(hass)
        result = await openvox_loaded.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"url": openvox.url, **LOGIN}
        )
        assert result["reason"] == "already_configured"
    finally:
        await hass.config_entries.async_unload(openvox_loaded.entry_id)
        await moved.stop()


async def test_removal_puts_the_gateway_settings_back(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    openvox: OpenVoxSimulator,
    ha_client: TestClient,
    openvox_entry: MockConfigEntry,
) -> None:
    """The settings the user had are kept, shown in diagnostics, and restored."""
    own: dict[str, Any] = {
        **FACTORY_PUSH_CONFIG,
        "enable": 1,
        "url_host": "10.0.0.5",
        "url_path": "/receivesms.php",
        "url_from_num": "num",
    }
    openvox.push_config = dict(own)
    openvox_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(openvox_entry.entry_id)
    await hass.async_block_till_done()
    assert openvox.push_config["url_from_num"] == "phonenumber"

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, openvox_entry
    )
    assert diagnostics["push"]["kept_gateway_settings"]["url_path"] == "/receivesms.php"

    # A reload does not take our own settings for the gateway's.
    assert await hass.config_entries.async_reload(openvox_entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_remove(openvox_entry.entry_id)
    await hass.async_block_till_done()

    assert openvox.push_config == own


async def test_removal_while_the_gateway_is_away(
    hass: HomeAssistant, openvox: OpenVoxSimulator, openvox_loaded: MockConfigEntry
) -> None:
    """Removing still works, with a warning, when the settings cannot go back."""
    await openvox.stop()
    assert await hass.config_entries.async_remove(openvox_loaded.entry_id)
    await hass.async_block_till_done()
    assert hass.config_entries.async_get_entry(openvox_loaded.entry_id) is None


async def test_no_reachable_address_raises_a_repair(
    hass: HomeAssistant, openvox: OpenVoxSimulator, openvox_entry: MockConfigEntry
) -> None:
    openvox_entry.add_to_hass(hass)
    with patch(
        "homeassistant.components.webhook.get_url", side_effect=NoURLAvailableError
    ):
        assert await hass.config_entries.async_setup(openvox_entry.entry_id)
        await hass.async_block_till_done()

    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"push_url_missing_{openvox_entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_key == "push_url_missing_lan"
    assert openvox.push_config["enable"] == 0


async def test_refused_push_settings_raise_a_repair(
    hass: HomeAssistant,
    openvox: OpenVoxSimulator,
    ha_client: TestClient,
    openvox_entry: MockConfigEntry,
) -> None:
    openvox.fail("/smsoutbox/set_config", 403)
    openvox_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(openvox_entry.entry_id)
    await hass.async_block_till_done()
    issue_id = f"push_config_failed_{openvox_entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    assert await hass.config_entries.async_reload(openvox_entry.entry_id)
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_loopback_only_for_a_gateway_on_this_machine(
    hass: HomeAssistant, openvox_entry: MockConfigEntry
) -> None:
    await async_process_ha_core_config(hass, {"internal_url": "http://127.0.0.1:8123"})
    assert async_reachable_webhook_url(hass, openvox_entry) is not None
    far = MockConfigEntry(
        domain=DOMAIN, data={**openvox_entry.data, "url": "http://192.168.1.50"}
    )
    assert async_reachable_webhook_url(hass, far) is None
    named = MockConfigEntry(
        domain=DOMAIN, data={**openvox_entry.data, "url": "http://localhost:81"}
    )
    assert async_reachable_webhook_url(hass, named) is not None
    await async_process_ha_core_config(
        hass, {"internal_url": "http://192.168.1.10:8123"}
    )
    assert async_reachable_webhook_url(hass, far) == (
        f"http://192.168.1.10:8123/api/webhook/{far.data[CONF_WEBHOOK_ID]}"
    )


async def test_devices_and_entities(
    hass: HomeAssistant, openvox: OpenVoxSimulator, openvox_loaded: MockConfigEntry
) -> None:
    """A device per span named as the gateway names it; its availability."""
    devices = dr.async_entries_for_config_entry(
        dr.async_get(hass), openvox_loaded.entry_id
    )
    assert sorted(d.name or "" for d in devices) == [
        "OpenVox 4-port gateway",
        "gsm-1.1",
        "gsm-1.2",
        "gsm-1.3",
        "gsm-1.4",
    ]
    entities = er.async_entries_for_config_entry(
        er.async_get(hass), openvox_loaded.entry_id
    )
    keys = sorted({e.translation_key or "" for e in entities})
    # Per span: availability, the last SMS and a notify entity to send with.
    assert {"available", "last_sms", "sms"} <= set(keys)
    assert not {"signal_strength", "registration", "gprs", "imei"} & set(keys)

    available = "binary_sensor.gsm_1_2_available"
    assert hass.states.get(available).state == "on"  # type: ignore[union-attr]
    openvox.spans[1].available = False
    await openvox_loaded.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(available).state == "off"  # type: ignore[union-attr]
    assert hass.states.get("binary_sensor.openvox_4_port_gateway_online").state == "on"  # type: ignore[union-attr]
