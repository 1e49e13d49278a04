"""A SimFolder account through Home Assistant: flow, devices, notifications set."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestClient
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gsm_gateway.api import simfolder_wire as wire
from custom_components.gsm_gateway.api.simfolder_wire import Param
from custom_components.gsm_gateway.const import (
    CONF_API_KEY,
    CONF_CLOUDHOOK_URL,
    CONF_GATEWAY_TYPE,
    CONF_WEBHOOK_ID,
    DOMAIN,
)
from simulator.simfolder import SimFolderSimulator

from .conftest import ACCOUNT, API_KEY, coordinator_of, settle


async def _start_flow(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert "simfolder" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "simfolder"}
    )
    assert result["step_id"] == "simfolder"
    return result["flow_id"]


async def test_account_added_by_api_key(
    hass: HomeAssistant, ha_client: TestClient, cloud: SimFolderSimulator
) -> None:
    """Wrong key and unreachable URL keep the form; the right key adds the account."""
    flow_id = await _start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: "wrong", "url": cloud.url}
    )
    assert result["errors"] == {"base": "invalid_api_key"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: API_KEY, "url": "http://127.0.0.1:9/api/"}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: API_KEY, "url": "ftp://x"}
    )
    assert result["errors"] == {"url": "invalid_url"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: f" {API_KEY} ", "url": cloud.url}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"SimFolder {ACCOUNT}"
    assert result["result"].unique_id == ACCOUNT
    data = result["data"]
    assert data[CONF_GATEWAY_TYPE] == "simfolder"
    assert data[CONF_API_KEY] == API_KEY
    assert data["url"] == cloud.url
    await hass.async_block_till_done()
    # Set up at once: notifications now point at the entry's webhook.
    assert cloud.settings_url == str(
        ha_client.make_url(f"/api/webhook/{data[CONF_WEBHOOK_ID]}")
    )
    assert all(cloud.settings_kinds.values())

    flow_id = await _start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: API_KEY, "url": cloud.url}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_devices_and_entities(
    hass: HomeAssistant,
    cloud: SimFolderSimulator,
    simfolder_loaded: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Account, aggregators under it, SIM cards under their aggregator."""
    assert simfolder_loaded.state is ConfigEntryState.LOADED
    account = device_registry.async_get_device_by_identifier(
        (DOMAIN, ACCOUNT), simfolder_loaded.entry_id
    )
    assert account is not None
    assert account.manufacturer == "SimFolder"
    assert account.sw_version == "1.3"
    aggregator = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{ACCOUNT}_device_aggregator_1"), simfolder_loaded.entry_id
    )
    assert aggregator is not None
    assert aggregator.via_device_id == account.id
    assert aggregator.name == "Aggregator 1"
    assert aggregator.sw_version == "3.4.2"
    card = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{ACCOUNT}_card_101"), simfolder_loaded.entry_id
    )
    assert card is not None
    assert card.via_device_id == aggregator.id
    assert card.name == "SIM 101"
    devices = dr.async_entries_for_config_entry(
        device_registry, simfolder_loaded.entry_id
    )
    assert len(devices) == 1 + 2 + 12

    def state_of(device: dr.DeviceEntry, key: str) -> str:
        entity_id = next(
            e.entity_id
            for e in er.async_entries_for_device(entity_registry, device.id)
            if e.unique_id.endswith(f"_{key}")
        )
        state = hass.states.get(entity_id)
        assert state is not None, entity_id
        return state.state

    sim_card = cloud.cards[101]
    assert state_of(card, "registration") == "registered"
    assert state_of(card, "signal_strength") == str(-113 + 2 * sim_card.signal)
    assert state_of(card, "phone_number") == sim_card.number
    assert state_of(card, "operator") == cloud.operators[sim_card.operator_id]
    bank_card = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{ACCOUNT}_card_105"), simfolder_loaded.entry_id
    )
    assert bank_card is not None
    assert state_of(bank_card, "registration") == "power_off"
    assert state_of(aggregator, "online") == STATE_ON
    assert any(
        e.domain == "notify"
        for e in er.async_entries_for_device(entity_registry, card.id)
    )
    assert any(
        e.domain == "event" and e.unique_id.endswith("_last_sms")
        for e in er.async_entries_for_device(entity_registry, card.id)
    )

    # An aggregator that goes offline says so; one notification, no reload.
    await cloud.set_device_online(2, False)
    await hass.async_block_till_done()
    aggregator_2 = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{ACCOUNT}_device_aggregator_2"), simfolder_loaded.entry_id
    )
    assert aggregator_2 is not None
    assert state_of(aggregator_2, "online") == STATE_OFF


async def test_cards_appear_and_go_without_reload(
    hass: HomeAssistant,
    cloud: SimFolderSimulator,
    simfolder_loaded: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A new card gets its device at the next poll; a gone one can be removed."""
    new = cloud.add_card(2, modem=None)
    del cloud.cards[101]
    await coordinator_of(simfolder_loaded).async_refresh()
    await hass.async_block_till_done()
    added = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{ACCOUNT}_card_{new.card_id}"), simfolder_loaded.entry_id
    )
    assert added is not None
    gone = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{ACCOUNT}_card_101"), simfolder_loaded.entry_id
    )
    assert gone is not None
    from custom_components.gsm_gateway import async_remove_config_entry_device

    assert await async_remove_config_entry_device(hass, simfolder_loaded, gone)
    assert not await async_remove_config_entry_device(hass, simfolder_loaded, added)


async def test_bad_key_starts_reauth_and_new_key_works(
    hass: HomeAssistant,
    ha_client: TestClient,
    cloud: SimFolderSimulator,
    simfolder_entry: MockConfigEntry,
) -> None:
    """The key changed in the profile: reauth asks for the new one."""
    cloud.api_key = "changed"
    simfolder_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(simfolder_entry.entry_id)
    assert simfolder_entry.state is ConfigEntryState.SETUP_ERROR
    [flow] = hass.config_entries.flow.async_progress()
    assert flow["step_id"] == "reauth_api_key"
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: "still wrong"}
    )
    assert result["errors"] == {"base": "invalid_api_key"}
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: "changed"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert simfolder_entry.data[CONF_API_KEY] == "changed"
    await hass.async_block_till_done()
    assert simfolder_entry.state is ConfigEntryState.LOADED


async def test_reauth_with_another_accounts_key(
    hass: HomeAssistant, simfolder_loaded: MockConfigEntry, cloud: SimFolderSimulator
) -> None:
    result = await simfolder_loaded.start_reauth_flow(hass)
    cloud.account = "20002"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: API_KEY}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"


async def test_reconfigure_url_and_key(
    hass: HomeAssistant, simfolder_loaded: MockConfigEntry, cloud: SimFolderSimulator
) -> None:
    result = await simfolder_loaded.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_cloud"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "", "url": cloud.url}
    )
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}
    cloud.api_key = "rotated"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "rotated", "url": cloud.url.rstrip("/")}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert simfolder_loaded.data[CONF_API_KEY] == "rotated"
    assert simfolder_loaded.data["url"] == cloud.url


async def test_removal_puts_the_notification_settings_back(
    hass: HomeAssistant,
    ha_client: TestClient,
    cloud: SimFolderSimulator,
    simfolder_entry: MockConfigEntry,
) -> None:
    """Settings read once at set-up are what removal writes back."""
    cloud.settings_url = "https://crm.example/simfolder"
    cloud.settings_kinds["smsReceived"] = True
    simfolder_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(simfolder_entry.entry_id)
    await hass.async_block_till_done()
    assert cloud.settings_url is not None
    assert cloud.settings_url.endswith(simfolder_entry.data[CONF_WEBHOOK_ID])
    await hass.config_entries.async_remove(simfolder_entry.entry_id)
    await hass.async_block_till_done()
    assert cloud.settings_url == "https://crm.example/simfolder"
    assert [k for k, on in cloud.settings_kinds.items() if on] == ["smsReceived"]


async def test_without_a_public_url_it_polls_and_says_so(
    hass: HomeAssistant,
    cloud: SimFolderSimulator,
    simfolder_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """No cloud, no external URL: a repair issue, no settingsSet, polling works."""
    simfolder_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(simfolder_entry.entry_id)
    await hass.async_block_till_done()
    issue = issue_registry.async_get_issue(
        DOMAIN, f"push_url_missing_{simfolder_entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_key == "push_url_missing_cloud"
    assert not cloud.calls("settingsSet")
    events: list[Any] = []
    hass.bus.async_listen("gsm_gateway_sms_received", events.append)
    await cloud.receive_sms(103, "+380501112233", "polled")
    await coordinator_of(simfolder_entry).async_refresh()
    await hass.async_block_till_done()
    assert [e.data["text"] for e in events] == ["polled"]


async def test_cloudhook_when_the_user_has_home_assistant_cloud(
    hass: HomeAssistant,
    ha_client: TestClient,
    cloud: SimFolderSimulator,
    simfolder_entry: MockConfigEntry,
) -> None:
    """Home Assistant Cloud's cloudhook is preferred, made once and dropped on removal."""
    hook = str(
        ha_client.make_url(f"/api/webhook/{simfolder_entry.data[CONF_WEBHOOK_ID]}")
    )
    hass.config.components.add("cloud")
    with (
        patch(
            "homeassistant.components.cloud.async_active_subscription",
            return_value=True,
        ),
        patch(
            "homeassistant.components.cloud.async_create_cloudhook",
            return_value=hook + "?via=cloud",
        ) as create,
        patch("homeassistant.components.cloud.async_delete_cloudhook") as delete,
    ):
        simfolder_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(simfolder_entry.entry_id)
        await hass.async_block_till_done()
        assert cloud.settings_url == hook + "?via=cloud"
        assert simfolder_entry.data[CONF_CLOUDHOOK_URL] == hook + "?via=cloud"
        await hass.config_entries.async_reload(simfolder_entry.entry_id)
        await hass.async_block_till_done()
        assert create.call_count == 1
        await hass.config_entries.async_remove(simfolder_entry.entry_id)
        await hass.async_block_till_done()
        delete.assert_called_once()


async def test_settings_written_as_the_wire_says(
    cloud: SimFolderSimulator, simfolder_loaded: MockConfigEntry
) -> None:
    """settingsSet carries the URL and all nine kinds on."""
    request = cloud.calls("settingsSet")[-1]
    assert request.params[Param.URL].endswith(simfolder_loaded.data[CONF_WEBHOOK_ID])
    assert {k: request.rest[k] for k in wire.NOTIFICATION_KINDS} == dict.fromkeys(
        wire.NOTIFICATION_KINDS, "1"
    )


async def test_poll_cycle_budget(
    hass: HomeAssistant, cloud: SimFolderSimulator, simfolder_loaded: MockConfigEntry
) -> None:
    """Five requests a cycle: deviceList, cardList, smsList, ussdList, callList."""
    await settle(hass, cloud)
    before = len(cloud.requests)
    await coordinator_of(simfolder_loaded).async_refresh()
    assert [r.method for r in cloud.requests[before:]] == [
        "deviceList",
        "cardList",
        "smsList",
        "ussdList",
        "callList",
    ]


async def test_diagnostics_show_what_the_wire_received(
    hass: HomeAssistant,
    hass_client: Any,
    cloud: SimFolderSimulator,
    simfolder_loaded: MockConfigEntry,
) -> None:
    """Answer keys per method and the wire's choices; the key and URLs redacted."""
    from pytest_homeassistant_custom_component.components.diagnostics import (
        get_diagnostics_for_config_entry,
    )

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, simfolder_loaded
    )
    assert diagnostics["entry"]["data"][CONF_API_KEY] == "**REDACTED**"
    client = diagnostics["client"]
    assert client["answer_keys"]["cardList"] == ["data", "status"]
    assert client["wire"]["method_param"] == "method"
    assert client["rate_limited"] == 0
    assert API_KEY not in str(diagnostics)
    assert cloud.url not in str(diagnostics)
