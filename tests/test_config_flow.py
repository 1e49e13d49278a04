"""The config flow, against the simulated Dinstar gateway over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from dataclasses import replace
import re
import socket
from typing import Any
from unittest.mock import AsyncMock, patch

from aiohttp import web
from aiohttp.test_utils import TestServer
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gsm_gateway.api import SUPPORTED_TYPES, GatewayInfo, GatewayType
from custom_components.gsm_gateway.const import (
    CONF_DEFAULT_RECIPIENTS,
    CONF_GATEWAY_TYPE,
    CONF_INBOX_MAX_DAYS,
    CONF_INBOX_MAX_MESSAGES,
    CONF_SCAN_INTERVAL,
    CONF_SEND_RETRY_HOURS,
    CONF_WEBHOOK_ID,
    DOMAIN,
)
from custom_components.gsm_gateway.flow_forms import (
    entry_title,
    normalize_url,
    parse_recipients,
)
from simulator.dinstar import DinstarSimulator

from .conftest import SERIAL

OTHER_SERIAL = "dbd2-0999-0001-0002"


@pytest.fixture(autouse=True)
def mock_setup_entry() -> Generator[AsyncMock]:
    """Stop at the entry: these tests are about the flow, not the set-up."""
    with patch(
        "custom_components.gsm_gateway.async_setup_entry", return_value=True
    ) as mock:
        yield mock


@pytest.fixture
async def other_simulator(socket_enabled: None) -> AsyncGenerator[DinstarSimulator]:
    """A second gateway, with another serial number."""
    sim = DinstarSimulator(8, serial=OTHER_SERIAL, seed=2)
    await sim.start(host="127.0.0.1", port=0)
    yield sim
    await sim.stop()


@pytest.fixture
def closed_url(socket_enabled: None) -> str:
    """A URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
async def html_url(socket_enabled: None) -> AsyncGenerator[str]:
    """A web server on 127.0.0.1 that answers every request with a HTML page."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(
            text="<html><body>Router login</body></html>", content_type="text/html"
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    yield str(server.make_url("")).rstrip("/")
    await server.close()


def login(url: str, password: str = "admin") -> dict[str, Any]:
    return {
        CONF_URL: url,
        CONF_USERNAME: "admin",
        CONF_PASSWORD: password,
        CONF_VERIFY_SSL: False,
    }


def suggested_values(result: Any) -> dict[str, Any]:
    """The values a form shows pre-filled."""
    return {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }


def placeholders(result: Any) -> dict[str, str]:
    """The values a form fills into its text."""
    assert result["description_placeholders"] is not None
    return dict(result["description_placeholders"])


async def start_dinstar_flow(hass: HomeAssistant) -> str:
    """Open the flow and pick Dinstar from the menu; return the flow id."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "dinstar"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "dinstar"
    assert result["errors"] == {}
    return result["flow_id"]


async def test_menu_lists_the_supported_types(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )

    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "user"
    assert result["menu_options"] == [t.value for t in SUPPORTED_TYPES]


async def test_dinstar_added_with_push_url_to_paste(
    hass: HomeAssistant, simulator: DinstarSimulator, mock_setup_entry: AsyncMock
) -> None:
    """The user types the address without scheme and gets the URL for the web UI."""
    await async_process_ha_core_config(
        hass, {"internal_url": "http://192.168.1.10:8123"}
    )
    flow_id = await start_dinstar_flow(hass)
    bare = simulator.url.removeprefix("http://") + "/"

    result = await hass.config_entries.flow.async_configure(flow_id, login(bare))

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "push"
    assert result["last_step"] is True
    push_url = placeholders(result)["url"]
    assert push_url.startswith("http://192.168.1.10:8123/api/webhook/")
    webhook_id = push_url.rsplit("/", 1)[1]
    assert len(webhook_id) >= 32
    assert mock_setup_entry.call_count == 0

    result = await hass.config_entries.flow.async_configure(flow_id, {})
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Dinstar 8-port gateway"
    assert result["result"].unique_id == SERIAL
    assert result["data"] == {
        CONF_GATEWAY_TYPE: "dinstar",
        CONF_URL: simulator.url,
        CONF_USERNAME: "admin",
        CONF_PASSWORD: "admin",
        CONF_VERIFY_SSL: False,
        CONF_WEBHOOK_ID: webhook_id,
    }
    assert mock_setup_entry.call_count == 1


async def test_push_url_without_known_address(
    hass: HomeAssistant, simulator: DinstarSimulator
) -> None:
    """Home Assistant without a known URL shows the webhook path to complete."""
    flow_id = await start_dinstar_flow(hass)

    with patch(
        "homeassistant.components.webhook.get_url", side_effect=NoURLAvailableError
    ):
        result = await hass.config_entries.flow.async_configure(
            flow_id, login(simulator.url)
        )

    assert result["step_id"] == "push"
    push_url = placeholders(result)["url"]
    assert push_url.startswith("/api/webhook/")

    result = await hass.config_entries.flow.async_configure(flow_id, {})

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert push_url == f"/api/webhook/{result['data'][CONF_WEBHOOK_ID]}"


async def test_each_entry_gets_its_own_webhook(
    hass: HomeAssistant, simulator: DinstarSimulator, other_simulator: DinstarSimulator
) -> None:
    webhook_ids = set()
    for sim in (simulator, other_simulator):
        flow_id = await start_dinstar_flow(hass)
        await hass.config_entries.flow.async_configure(flow_id, login(sim.url))
        result = await hass.config_entries.flow.async_configure(flow_id, {})
        webhook_ids.add(result["data"][CONF_WEBHOOK_ID])

    assert len(webhook_ids) == 2
    assert {e.unique_id for e in hass.config_entries.async_entries(DOMAIN)} == {
        SERIAL,
        OTHER_SERIAL,
    }


async def test_wrong_password_keeps_the_form(
    hass: HomeAssistant, simulator: DinstarSimulator
) -> None:
    flow_id = await start_dinstar_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        flow_id, login(simulator.url, password="wrong")
    )

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "dinstar"
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        flow_id, login(simulator.url)
    )

    assert result["step_id"] == "push"
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PASSWORD] == "admin"


async def test_unreachable_gateway(
    hass: HomeAssistant, closed_url: str, simulator: DinstarSimulator
) -> None:
    flow_id = await start_dinstar_flow(hass)

    result = await hass.config_entries.flow.async_configure(flow_id, login(closed_url))

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "dinstar"
    assert result["errors"] == {"base": "cannot_connect"}

    result = await hass.config_entries.flow.async_configure(
        flow_id, login(simulator.url)
    )
    assert result["step_id"] == "push"


async def test_something_else_answers(hass: HomeAssistant, html_url: str) -> None:
    flow_id = await start_dinstar_flow(hass)

    result = await hass.config_entries.flow.async_configure(flow_id, login(html_url))

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "dinstar"
    assert result["errors"] == {"base": "unexpected_answer"}


async def test_unexpected_error_is_logged(
    hass: HomeAssistant, simulator: DinstarSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    flow_id = await start_dinstar_flow(hass)

    with patch(
        "custom_components.gsm_gateway.config_flow.async_get_clientsession",
        side_effect=RuntimeError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(
            flow_id, login(simulator.url)
        )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "unknown"}
    assert "boom" in caplog.text

    result = await hass.config_entries.flow.async_configure(
        flow_id, login(simulator.url)
    )
    assert result["step_id"] == "push"


@pytest.mark.parametrize(
    "url",
    [
        "http://192.168.1.50/?x=1",
        "http://192.168.1.50/#top",
        "http://admin:admin@192.168.1.50",
        "ftp://192.168.1.50",
        "http://",
        "http://gate way",
        "http://h:99999",
        " ",
    ],
)
async def test_not_a_gateway_url(
    hass: HomeAssistant, simulator: DinstarSimulator, url: str
) -> None:
    flow_id = await start_dinstar_flow(hass)

    result = await hass.config_entries.flow.async_configure(flow_id, login(url))

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_URL: "invalid_url"}
    assert simulator.requests == []


@pytest.mark.parametrize(
    ("typed", "url"),
    [
        ("192.168.1.50", "http://192.168.1.50"),
        ("http://192.168.1.50/", "http://192.168.1.50"),
        ("HTTPS://Gateway.lan:8443/", "https://gateway.lan:8443"),
        ("  http://192.168.1.50:8080  ", "http://192.168.1.50:8080"),
        ("http://proxy.lan/dinstar/", "http://proxy.lan/dinstar"),
    ],
)
def test_url_normalised(typed: str, url: str) -> None:
    assert normalize_url(typed) == url


async def test_gateway_added_twice(
    hass: HomeAssistant, simulator: DinstarSimulator, config_entry: MockConfigEntry
) -> None:
    config_entry.add_to_hass(hass)
    flow_id = await start_dinstar_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        flow_id, login(simulator.url)
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_reauth(
    hass: HomeAssistant, simulator: DinstarSimulator, entry_data: dict[str, Any]
) -> None:
    """The password was changed on the gateway: the user enters the new one."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=SERIAL,
        title=f"Dinstar {SERIAL}",
        data={**entry_data, CONF_PASSWORD: "old"},
    )
    entry.add_to_hass(hass)

    result = await entry.start_reauth_flow(hass)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert placeholders(result)[CONF_URL] == simulator.url

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "admin", CONF_PASSWORD: "wrong"}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    assert entry.data[CONF_PASSWORD] == "old"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "admin", CONF_PASSWORD: "admin"}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data == entry_data


async def test_reauth_reaching_another_gateway(
    hass: HomeAssistant,
    other_simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
) -> None:
    """The gateway's address now leads to another gateway: do not take it over."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_URL: other_simulator.url}
    )
    result = await config_entry.start_reauth_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "admin", CONF_PASSWORD: "admin"}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unique_id_mismatch"


async def test_reconfigure_to_a_new_address(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
    closed_url: str,
) -> None:
    """The gateway got a new IP address."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_URL: closed_url}
    )
    webhook_id = config_entry.data[CONF_WEBHOOK_ID]

    result = await config_entry.start_reconfigure_flow(hass)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], login(closed_url)
    )

    assert result["errors"] == {"base": "cannot_connect"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], login(simulator.url + "/")
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert config_entry.data[CONF_URL] == simulator.url
    assert config_entry.data[CONF_WEBHOOK_ID] == webhook_id
    assert config_entry.data[CONF_GATEWAY_TYPE] == "dinstar"


async def test_reconfigure_to_another_gateway(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    other_simulator: DinstarSimulator,
    config_entry: MockConfigEntry,
) -> None:
    config_entry.add_to_hass(hass)
    result = await config_entry.start_reconfigure_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], login(other_simulator.url)
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unique_id_mismatch"
    assert config_entry.data[CONF_URL] == simulator.url


async def open_settings(hass: HomeAssistant, result: Any) -> Any:
    """From the options menu to the entry's settings form."""
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["settings", "contacts"]
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )


async def test_options(hass: HomeAssistant, config_entry: MockConfigEntry) -> None:
    config_entry.add_to_hass(hass)

    result = await hass.config_entries.options.async_init(config_entry.entry_id)

    result = await open_settings(hass, result)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "settings"
    assert suggested_values(result) == {
        CONF_SCAN_INTERVAL: 30,
        CONF_DEFAULT_RECIPIENTS: "",
        CONF_SEND_RETRY_HOURS: 24,
        CONF_INBOX_MAX_MESSAGES: 1000,
        CONF_INBOX_MAX_DAYS: 90,
    }

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_SCAN_INTERVAL: 120,
            CONF_DEFAULT_RECIPIENTS: "+49 170 1234567, 112,+441632960961,",
            CONF_SEND_RETRY_HOURS: 6,
            CONF_INBOX_MAX_MESSAGES: 500,
            CONF_INBOX_MAX_DAYS: 30,
        },
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert config_entry.options == {
        CONF_SCAN_INTERVAL: 120,
        CONF_DEFAULT_RECIPIENTS: ["+491701234567", "112", "+441632960961"],
        CONF_SEND_RETRY_HOURS: 6,
        CONF_INBOX_MAX_MESSAGES: 500,
        CONF_INBOX_MAX_DAYS: 30,
    }

    result = await hass.config_entries.options.async_init(config_entry.entry_id)

    result = await open_settings(hass, result)
    assert suggested_values(result) == {
        CONF_SCAN_INTERVAL: 120,
        CONF_DEFAULT_RECIPIENTS: "+491701234567, 112, +441632960961",
        CONF_SEND_RETRY_HOURS: 6,
        CONF_INBOX_MAX_MESSAGES: 500,
        CONF_INBOX_MAX_DAYS: 30,
    }


async def test_options_reject_what_is_not_a_number(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    config_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    result = await open_settings(hass, result)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_SCAN_INTERVAL: 30, CONF_DEFAULT_RECIPIENTS: "+4917012345, mom"},
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_DEFAULT_RECIPIENTS: "invalid_number"}
    assert placeholders(result)["number"] == "mom"
    assert config_entry.options == {}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 30}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert config_entry.options == {
        CONF_SCAN_INTERVAL: 30,
        CONF_DEFAULT_RECIPIENTS: [],
        CONF_SEND_RETRY_HOURS: 24,
        CONF_INBOX_MAX_MESSAGES: 1000,
        CONF_INBOX_MAX_DAYS: 90,
    }


@pytest.mark.parametrize(
    "value", ["12", "+", "1" * 25, "++123", "123+", "12a45", "١٢٣٤"]
)
def test_not_phone_numbers(value: str) -> None:
    with pytest.raises(ValueError, match=re.escape(value)):
        parse_recipients(value)


def test_recipients_written_as_people_write_them() -> None:
    """Separators inside numbers go, duplicates and empty items too."""
    assert parse_recipients(" +44 (20) 7946-0018 ,112, 112,, +44.20.7946.0018") == [
        "+442079460018",
        "112",
    ]


def test_title_without_a_name() -> None:
    info = GatewayInfo(
        type=GatewayType.DINSTAR,
        unique_id=SERIAL,
        name="",
        manufacturer="Dinstar",
        model="UC2000-VE",
    )

    assert entry_title(GatewayType.DINSTAR, info) == f"UC2000-VE {SERIAL}"
    assert (
        entry_title(GatewayType.DINSTAR, replace(info, model=None))
        == f"Dinstar {SERIAL}"
    )


async def test_options_read_recipients_stored_as_text(
    hass: HomeAssistant, entry_data: dict[str, Any]
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=SERIAL,
        data=entry_data,
        options={CONF_SCAN_INTERVAL: 45, CONF_DEFAULT_RECIPIENTS: "+4917012345"},
    )
    entry.add_to_hass(hass)

    result = await hass.config_entries.options.async_init(entry.entry_id)

    result = await open_settings(hass, result)

    assert suggested_values(result) == {
        CONF_SCAN_INTERVAL: 45,
        CONF_DEFAULT_RECIPIENTS: "+4917012345",
        CONF_SEND_RETRY_HOURS: 24,
        CONF_INBOX_MAX_MESSAGES: 1000,
        CONF_INBOX_MAX_DAYS: 90,
    }


async def test_every_message_of_the_flow_is_translated(hass: HomeAssistant) -> None:
    """What the flow can show exists in translations/en.json, as loaded at runtime."""
    config = await async_get_translations(hass, "en", "config", [DOMAIN])
    options = await async_get_translations(hass, "en", "options", [DOMAIN])
    prefix = f"component.{DOMAIN}.config"

    for gateway_type in SUPPORTED_TYPES:
        assert f"{prefix}.step.user.menu_options.{gateway_type}" in config
    for step in ("dinstar", "openvox", "reconfigure"):
        for field in (CONF_URL, CONF_USERNAME, CONF_PASSWORD, CONF_VERIFY_SSL):
            assert f"{prefix}.step.{step}.data.{field}" in config
            assert f"{prefix}.step.{step}.data_description.{field}" in config
    for field in (CONF_USERNAME, CONF_PASSWORD):
        assert f"{prefix}.step.reauth_confirm.data_description.{field}" in config
    assert "{url}" in config[f"{prefix}.step.push.description"]
    assert "Mobile Configuration" in config[f"{prefix}.step.push.description"]
    for error in (
        "invalid_url",
        "invalid_auth",
        "cannot_connect",
        "unexpected_answer",
        "unknown",
    ):
        assert f"{prefix}.error.{error}" in config
    for reason in ("already_configured", "unique_id_mismatch"):
        assert f"{prefix}.abort.{reason}" in config
    for field in (CONF_SCAN_INTERVAL, CONF_DEFAULT_RECIPIENTS):
        assert f"component.{DOMAIN}.options.step.settings.data_description.{field}" in (
            options
        )
    assert f"component.{DOMAIN}.options.error.invalid_number" in options
