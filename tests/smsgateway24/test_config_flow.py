"""Adding an SmsGateway24 account: log in, see the webhook URL, reauth, reconfigure."""

from __future__ import annotations

from collections.abc import Generator
import socket
from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gsm_gateway.const import (
    CONF_GATEWAY_TYPE,
    CONF_WEBHOOK_ID,
    DOMAIN,
)
from custom_components.gsm_gateway.flow_forms import SMSGATEWAY24_URL
from simulator.smsgateway24 import SmsGateway24Simulator

from .conftest import EMAIL, PASSWORD


@pytest.fixture(autouse=True)
def mock_setup_entry() -> Generator[AsyncMock]:
    """Stop at the entry: these tests are about the flow."""
    with patch(
        "custom_components.gsm_gateway.async_setup_entry", return_value=True
    ) as mock:
        yield mock


async def _open_form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert "smsgateway24" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "smsgateway24"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "smsgateway24"
    # The cloud's address is filled in.
    schema = result["data_schema"]
    assert schema is not None
    assert schema({"email": EMAIL, "password": "x"})["url"] == SMSGATEWAY24_URL
    return str(result["flow_id"])


async def test_add_account_shows_the_webhook_url(
    hass: HomeAssistant, cloud: SmsGateway24Simulator, mock_setup_entry: AsyncMock
) -> None:
    await async_process_ha_core_config(
        hass,
        {"external_url": "https://ha.example.com", "internal_url": "http://10.0.0.2"},
    )
    flow_id = await _open_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"email": f" {EMAIL.upper()} ", "password": PASSWORD, "url": cloud.url}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "push_cloud"
    url = result["description_placeholders"]["url"]
    # The phones call from the internet: the external address, never the LAN one.
    assert url.startswith("https://ha.example.com/api/webhook/")
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"SmsGateway24 {EMAIL.upper()}"
    assert result["result"].unique_id == EMAIL
    data = result["data"]
    assert data[CONF_GATEWAY_TYPE] == "smsgateway24"
    assert (data["email"], data["password"], data["url"]) == (
        EMAIL.upper(),
        PASSWORD,
        cloud.url,
    )
    assert url.endswith(data[CONF_WEBHOOK_ID])
    assert mock_setup_entry.await_count == 1


async def test_without_an_external_url_the_path_is_shown(
    hass: HomeAssistant, cloud: SmsGateway24Simulator
) -> None:
    await async_process_ha_core_config(hass, {"internal_url": "http://10.0.0.2"})
    flow_id = await _open_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"email": EMAIL, "password": PASSWORD, "url": cloud.url}
    )
    assert result["description_placeholders"]["url"].startswith("/api/webhook/")


@pytest.fixture
def closed_url(socket_enabled: None) -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/getdata"


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"password": "wrong"}, "base", "invalid_auth"),
        ({"email": "nobody"}, "email", "invalid_email"),
        ({"url": "ftp://smsgateway24.com"}, "url", "invalid_url"),
        ({"url": "closed"}, "base", "cannot_connect"),
        ({"url": "html"}, "base", "unexpected_answer"),
    ],
)
async def test_errors_keep_the_form(
    hass: HomeAssistant,
    cloud: SmsGateway24Simulator,
    closed_url: str,
    changes: dict[str, str],
    field: str,
    error: str,
) -> None:
    flow_id = await _open_form(hass)
    user_input = {"email": EMAIL, "password": PASSWORD, "url": cloud.url} | changes
    if user_input["url"] == "closed":
        user_input["url"] = closed_url
    if user_input["url"] == "html":
        # Something answers, but not the API (its page for an unknown path).
        user_input["url"] = cloud.url.removesuffix("/getdata")
    result = await hass.config_entries.flow.async_configure(flow_id, user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: error}
    # Fixed, the same form goes on.
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"email": EMAIL, "password": PASSWORD, "url": cloud.url}
    )
    assert result["step_id"] == "push_cloud"


async def test_same_account_twice_is_refused(
    hass: HomeAssistant, cloud: SmsGateway24Simulator, config_entry: MockConfigEntry
) -> None:
    config_entry.add_to_hass(hass)
    flow_id = await _open_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"email": EMAIL, "password": PASSWORD, "url": cloud.url}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth_asks_the_new_password(
    hass: HomeAssistant, cloud: SmsGateway24Simulator, config_entry: MockConfigEntry
) -> None:
    config_entry.add_to_hass(hass)
    cloud.password = "n3w"
    result = await config_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_account"
    assert result["description_placeholders"]["email"] == EMAIL
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"password": PASSWORD}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"password": "n3w"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert config_entry.data["password"] == "n3w"
    assert config_entry.data["email"] == EMAIL


async def test_reconfigure_keeps_the_account(
    hass: HomeAssistant, cloud: SmsGateway24Simulator, config_entry: MockConfigEntry
) -> None:
    config_entry.add_to_hass(hass)
    result = await config_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_account"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"email": EMAIL, "password": PASSWORD, "url": cloud.url + "/"},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert config_entry.data["url"] == cloud.url
    # Another account is another entry.
    cloud.email = "other@example.com"
    result = await config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"email": "other@example.com", "password": PASSWORD, "url": cloud.url},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unique_id_mismatch"
    result = await config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"email": EMAIL, "password": PASSWORD, "url": cloud.url},
    )
    assert result["errors"] == {"base": "invalid_auth"}
