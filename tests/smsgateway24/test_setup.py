"""An SmsGateway24 account in Home Assistant: phones, SIMs, their states, the login."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gsm_gateway import async_remove_config_entry_device
from custom_components.gsm_gateway.const import DOMAIN
from simulator.smsgateway24 import SmsGateway24Simulator

from .conftest import EMAIL, coordinator_of, phone_device, sim_device


def entity_id(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert found is not None, unique_id
    return found


async def test_phones_and_their_sims(
    hass: HomeAssistant,
    cloud: SmsGateway24Simulator,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """The account, each phone under it, and each SIM slot in use under its phone."""
    assert init_integration.state is ConfigEntryState.LOADED
    account = device_registry.async_get_device_by_identifier(
        (DOMAIN, EMAIL), init_integration.entry_id
    )
    assert account is not None
    assert (account.manufacturer, account.model) == ("SmsGateway24", "Cloud account")
    kitchen_id, spare_id = sorted(cloud.phones)
    kitchen = phone_device(hass, kitchen_id)
    assert kitchen.via_device_id == account.id
    assert (kitchen.name, kitchen.sw_version) == ("Kitchen phone", "12.1.21")
    sim2 = sim_device(hass, kitchen_id, 1)
    assert sim2.via_device_id == kitchen.id
    assert sim2.name == "Kitchen phone SIM 2"
    assert (
        sim_device(hass, spare_id, 0).via_device_id == phone_device(hass, spare_id).id
    )
    assert (
        len(
            dr.async_entries_for_config_entry(
                device_registry, init_integration.entry_id
            )
        )
        == 6
    )

    online = entity_id(hass, "binary_sensor", f"{EMAIL}_device_{kitchen_id}_online")
    assert hass.states.get(online).state == STATE_ON  # type: ignore[union-attr]
    last_seen = entity_id(hass, "sensor", f"{EMAIL}_device_{kitchen_id}_last_seen")
    state = hass.states.get(last_seen)
    assert state is not None
    assert state.attributes["device_class"] == "timestamp"
    app = entity_id(hass, "sensor", f"{EMAIL}_device_{kitchen_id}_app_version")
    assert hass.states.get(app).state == "12.1.21"  # type: ignore[union-attr]
    # No battery level in the API: no battery sensor.
    registry = er.async_get(hass)
    assert (
        registry.async_get_entity_id(
            "sensor", DOMAIN, f"{EMAIL}_device_{kitchen_id}_battery"
        )
        is None
    )

    number = entity_id(hass, "sensor", f"{EMAIL}_{kitchen_id}_1_phone_number")
    assert hass.states.get(number).state == cloud.phones[kitchen_id].sims[
        1
    ].number.lstrip("+")  # type: ignore[union-attr]
    operator = entity_id(hass, "sensor", f"{EMAIL}_{kitchen_id}_1_operator")
    assert hass.states.get(operator).state == cloud.phones[kitchen_id].sims[1].carrier  # type: ignore[union-attr]
    roaming = entity_id(hass, "binary_sensor", f"{EMAIL}_{kitchen_id}_1_roaming")
    assert hass.states.get(roaming).state == STATE_OFF  # type: ignore[union-attr]
    # What phones do not report has no entity: signal, registration, IMEI.
    for key in (
        "signal_strength",
        "registration",
        "imei",
        "network_type",
        "call_state",
    ):
        assert (
            registry.async_get_entity_id(
                "sensor", DOMAIN, f"{EMAIL}_{kitchen_id}_1_{key}"
            )
            is None
        )


async def test_phones_appear_and_go_at_the_next_phone_list(
    hass: HomeAssistant,
    cloud: SmsGateway24Simulator,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The phone list is read every 5 minutes; new phones appear without a reload."""
    kitchen_id, spare_id = sorted(cloud.phones)
    cloud.phones[kitchen_id].sims[0].roaming = True
    new = cloud.add_phone(sims=2, title="Car phone")
    cloud.remove_phone(spare_id)
    coordinator = coordinator_of(init_integration)
    await coordinator.async_refresh()
    assert (
        device_registry.async_get_device_by_identifier(
            (DOMAIN, f"{EMAIL}_device_{new.id}"), init_integration.entry_id
        )
        is None
    )

    freezer.tick(timedelta(seconds=301))
    await coordinator_of(init_integration).async_refresh()
    assert phone_device(hass, new.id).name == "Car phone"
    assert sim_device(hass, new.id, 1).name == "Car phone SIM 2"
    roaming = entity_id(hass, "binary_sensor", f"{EMAIL}_{kitchen_id}_0_roaming")
    assert hass.states.get(roaming).state == STATE_ON  # type: ignore[union-attr]
    # The phone that left: its entities unavailable, its devices removable.
    gone = entity_id(hass, "binary_sensor", f"{EMAIL}_device_{spare_id}_online")
    assert hass.states.get(gone).state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    assert await async_remove_config_entry_device(
        hass, init_integration, phone_device(hass, spare_id)
    )
    assert await async_remove_config_entry_device(
        hass, init_integration, sim_device(hass, spare_id, 0)
    )
    assert not await async_remove_config_entry_device(
        hass, init_integration, phone_device(hass, kitchen_id)
    )


async def test_phone_goes_offline(
    hass: HomeAssistant,
    cloud: SmsGateway24Simulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A phone not seen for ten minutes is offline, as the service confirms."""
    kitchen_id, spare_id = sorted(cloud.phones)
    online = entity_id(hass, "binary_sensor", f"{EMAIL}_device_{kitchen_id}_online")
    cloud.phones[kitchen_id].online = False  # the app stopped
    cloud.phones[kitchen_id].last_seen -= timedelta(minutes=15)
    cloud.phones[spare_id].last_seen -= timedelta(minutes=15)
    await cloud.tick()  # the spare phone reports in
    freezer.tick(timedelta(seconds=301))
    await coordinator_of(init_integration).async_refresh()
    assert hass.states.get(online).state == STATE_OFF  # type: ignore[union-attr]
    spare = entity_id(hass, "binary_sensor", f"{EMAIL}_device_{spare_id}_online")
    assert hass.states.get(spare).state == STATE_ON  # type: ignore[union-attr]
    # No repair issue about webhooks: polling alone misses nothing here.
    assert not ir.async_get(hass).issues


async def test_expired_token_is_renewed_without_the_user(
    hass: HomeAssistant, cloud: SmsGateway24Simulator, init_integration: MockConfigEntry
) -> None:
    cloud.expire_tokens()
    coordinator = coordinator_of(init_integration)
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(cloud.calls("gettoken")) == 2


async def test_changed_password_starts_reauth(
    hass: HomeAssistant, cloud: SmsGateway24Simulator, init_integration: MockConfigEntry
) -> None:
    cloud.expire_tokens()
    cloud.password = "changed"
    await coordinator_of(init_integration).async_refresh()
    await hass.async_block_till_done()
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == SOURCE_REAUTH
    assert flow["step_id"] == "reauth_account"


async def test_unreachable_cloud_retries_with_growing_pauses(
    hass: HomeAssistant,
    cloud: SmsGateway24Simulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await cloud.stop()
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    await cloud.start()
    await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    coordinator = coordinator_of(config_entry)
    cloud.fail("getallsms", times=5, status=503)
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    asked = len(cloud.calls())
    # The next cycle, 60 s later, waits: the pause after two failures is 60 s.
    await coordinator.async_refresh()
    freezer.tick(timedelta(seconds=31))
    await coordinator.async_refresh()
    await coordinator.async_refresh()
    assert len(cloud.calls()) == asked + 1
    assert not coordinator.last_update_success


async def test_diagnostics_hide_the_account(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    cloud: SmsGateway24Simulator,
    init_integration: MockConfigEntry,
) -> None:
    assert await async_setup_component(hass, "diagnostics", {})
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )
    text = str(diagnostics)
    assert EMAIL not in text
    assert cloud.password not in text
    for phone in cloud.phones.values():
        for sim in phone.sims:
            assert sim.iccid not in text
            assert sim.number.lstrip("+") not in text
    assert diagnostics["capabilities"] == sorted(
        init_integration.runtime_data.client.capabilities
    )


async def test_the_account_shows_its_external_webhook_url(
    hass: HomeAssistant, cloud: SmsGateway24Simulator, config_entry: MockConfigEntry
) -> None:
    """Phones call from the internet: the URL to paste is the external one."""
    await async_process_ha_core_config(
        hass,
        {"external_url": "https://ha.example.com", "internal_url": "http://10.0.0.2"},
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    push_url = entity_id(hass, "sensor", f"{EMAIL}_push_url")
    state = hass.states.get(push_url)
    assert state is not None
    assert (
        state.state
        == f"https://ha.example.com/api/webhook/{config_entry.data['webhook_id']}"
    )
