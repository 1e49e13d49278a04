"""The modem's config flow against the simulated modem: each error its own."""

from __future__ import annotations

import socket
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gsm_gateway.const import CONF_GATEWAY_TYPE, DOMAIN
from simulator.modem import ModemSimulator

from .conftest import IMEI


async def _modem_form(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert "modem" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "modem"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "modem"
    return dict(result)


async def test_set_up_a_modem(hass: HomeAssistant, modem: ModemSimulator) -> None:
    form = await _modem_form(hass)
    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {"device": modem.url, "baudrate": "115200"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Quectel EC25"
    assert result["result"].unique_id == IMEI
    # No webhook for a modem: its news come on its line (SPEC §2).
    assert result["data"] == {
        CONF_GATEWAY_TYPE: "modem",
        "device": modem.url,
        "baudrate": 115200,
    }
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED
    # The flow let go of the line before the entry opened its own.
    assert modem.commands.count("AT+CGSN") == 2


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("device", "error"),
    [
        ("/dev/serial/by-id/usb-no-such-stick-if00-port0", "cannot_open_port"),
        ("socket://127.0.0.1:{closed}", "cannot_open_port"),
    ],
)
async def test_wrong_port(
    hass: HomeAssistant, socket_enabled: None, device: str, error: str
) -> None:
    form = await _modem_form(hass)
    result = await hass.config_entries.flow.async_configure(
        form["flow_id"],
        {"device": device.format(closed=_closed_port()), "baudrate": "115200"},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}


@pytest.mark.parametrize(
    ("user_input", "field", "error"),
    [
        ({"device": "http://127.0.0.1:1"}, "device", "invalid_device"),
        ({"device": "socket://nohost"}, "device", "invalid_device"),
        ({"device": "/dev/tty USB0"}, "device", "invalid_device"),
        (
            {"device": "/dev/ttyUSB0", "baudrate": "fast"},
            "baudrate",
            "invalid_baudrate",
        ),
        ({"device": "/dev/ttyUSB0", "pin": "12a4"}, "pin", "invalid_pin_format"),
    ],
)
async def test_form_checks(
    hass: HomeAssistant, user_input: dict[str, str], field: str, error: str
) -> None:
    form = await _modem_form(hass)
    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {"baudrate": "115200", **user_input}
    )
    assert result["errors"] == {field: error}


@pytest.mark.parametrize("modem_options", [{"mute": True}])
async def test_no_answer(hass: HomeAssistant, modem: ModemSimulator) -> None:
    form = await _modem_form(hass)
    with patch("custom_components.gsm_gateway.api.modem.client.PROBE_TIMEOUT", 0.05):
        result = await hass.config_entries.flow.async_configure(
            form["flow_id"], {"device": modem.url, "baudrate": "115200"}
        )
    assert result["errors"] == {"base": "no_answer"}
    assert modem.commands.count("AT") == 3  # SIM800s learn the speed from the first


@pytest.mark.parametrize("modem_options", [{"pin": "4321"}])
async def test_pin_needed_then_wrong_then_right(
    hass: HomeAssistant, modem: ModemSimulator
) -> None:
    form = await _modem_form(hass)
    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {"device": modem.url, "baudrate": "115200"}
    )
    assert result["errors"] == {"base": "pin_required"}
    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {"device": modem.url, "baudrate": "115200", "pin": "1111"}
    )
    assert result["errors"] == {"base": "invalid_pin"}
    assert modem.pin_attempts == 1
    # The same wrong PIN again is refused here, never sent: the SIM keeps its tries.
    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {"device": modem.url, "baudrate": "115200", "pin": "1111"}
    )
    assert result["errors"] == {"base": "invalid_pin"}
    assert modem.pin_attempts == 1
    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {"device": modem.url, "baudrate": "115200", "pin": "4321"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["pin"] == "4321"
    await hass.async_block_till_done()


@pytest.mark.parametrize("modem_options", [{"pin": "4321"}])
async def test_puk_state_is_told(hass: HomeAssistant, modem: ModemSimulator) -> None:
    modem.puk_locked = True
    form = await _modem_form(hass)
    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {"device": modem.url, "baudrate": "115200", "pin": "4321"}
    )
    assert result["errors"] == {"base": "puk_required"}
    assert modem.pin_attempts == 0


async def test_no_sim_still_sets_up(hass: HomeAssistant, modem: ModemSimulator) -> None:
    modem.sim_inserted = False
    form = await _modem_form(hass)
    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {"device": modem.url, "baudrate": "115200"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    state = hass.states.get("sensor.quectel_ec25_registration")
    assert state is not None
    assert state.state == "no_sim"


async def test_already_configured(
    hass: HomeAssistant, modem: ModemSimulator, modem_loaded: MockConfigEntry
) -> None:
    await hass.config_entries.async_unload(modem_loaded.entry_id)
    form = await _modem_form(hass)
    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {"device": modem.url, "baudrate": "115200"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_ports_listed_by_id_first(hass: HomeAssistant) -> None:
    from homeassistant.components.usb.models import SerialDevice, USBDevice

    ports = [
        SerialDevice(
            device="/dev/ttyS0", serial_number=None, manufacturer=None, description=None
        ),
        USBDevice(
            device="/dev/ttyUSB2",
            serial_number="0123",
            manufacturer="Quectel",
            description="EC25",
            vid="2C7C",
            pid="0125",
        ),
    ]
    with (
        patch(
            "homeassistant.components.usb.utils.scan_serial_ports", return_value=ports
        ),
        patch(
            "homeassistant.components.usb.get_serial_by_id",
            side_effect=lambda path: (
                "/dev/serial/by-id/usb-Quectel_EC25_0123-if02-port0"
                if path == "/dev/ttyUSB2"
                else path
            ),
        ),
    ):
        form = await _modem_form(hass)
    schema = form["data_schema"].schema
    selector = next(value for key, value in schema.items() if key == "device")
    options = selector.config["options"]
    assert [option["value"] for option in options] == [
        "/dev/serial/by-id/usb-Quectel_EC25_0123-if02-port0",
        "/dev/ttyS0",
    ]
    assert "Quectel" in options[0]["label"]


async def test_reconfigure_to_another_port(
    hass: HomeAssistant, modem_loaded: MockConfigEntry
) -> None:
    moved = ModemSimulator()
    await moved.start_tcp("127.0.0.1", 0)
    try:
        result = await modem_loaded.start_reconfigure_flow(hass)
        assert result["step_id"] == "reconfigure_modem"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"device": moved.url, "baudrate": "115200"}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reconfigure_successful"
        assert modem_loaded.data["device"] == moved.url
        await hass.async_block_till_done()
        assert modem_loaded.state is ConfigEntryState.LOADED
    finally:
        await hass.config_entries.async_unload(modem_loaded.entry_id)
        await moved.stop()


async def test_reconfigure_the_same_port_lets_go_of_it_meanwhile(
    hass: HomeAssistant, modem: ModemSimulator, modem_loaded: MockConfigEntry
) -> None:
    """A serial port opens once: the entry lets go while the flow tries it."""
    result = await modem_loaded.start_reconfigure_flow(hass)
    modem.pin, modem.unlocked = "1357", False  # as if the SIM now asks one
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"device": modem.url, "baudrate": "115200"}
    )
    assert result["errors"] == {"base": "pin_required"}
    # Not set up again until the form is right: its SIM still asks the PIN.
    assert modem_loaded.state is ConfigEntryState.SETUP_ERROR
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"device": modem.url, "baudrate": "57600", "pin": "1357"},
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert modem_loaded.data["baudrate"] == 57600
    assert modem_loaded.state is ConfigEntryState.LOADED


async def test_ports_listing_may_fail(hass: HomeAssistant) -> None:
    with patch(
        "homeassistant.components.usb.utils.scan_serial_ports",
        side_effect=OSError("no sysfs"),
    ):
        form = await _modem_form(hass)
    schema = form["data_schema"].schema
    selector = next(value for key, value in schema.items() if key == "device")
    assert selector.config["options"] == []


async def test_ports_listed_without_the_usb_integration(hass: HomeAssistant) -> None:
    """A bare Core install may lack the usb integration's requirements."""
    import builtins

    real_import = builtins.__import__

    def no_usb(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("homeassistant.components.usb"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    import serialx

    listed = [
        serialx.SerialPortInfo(
            device=path,
            resolved_device=path,
            vid=None,
            pid=None,
            serial_number=None,
            manufacturer=None,
            product=None,
            bcd_device=None,
            interface_description=None,
            interface_num=None,
        )
        for path in ("/dev/ttyACM0", "/dev/serial/by-id/usb-SimTech_SIM7600-if02")
    ]
    with (
        patch("builtins.__import__", no_usb),
        patch("serialx.list_serial_ports", return_value=listed),
    ):
        form = await _modem_form(hass)
    schema = form["data_schema"].schema
    selector = next(value for key, value in schema.items() if key == "device")
    assert [option["value"] for option in selector.config["options"]] == [
        "/dev/serial/by-id/usb-SimTech_SIM7600-if02",
        "/dev/ttyACM0",
    ]


async def test_reconfigure_to_another_modem_is_refused(
    hass: HomeAssistant, modem_loaded: MockConfigEntry
) -> None:
    other = ModemSimulator(imei="867962049999999")
    await other.start_tcp("127.0.0.1", 0)
    try:
        result = await modem_loaded.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"device": other.url, "baudrate": "115200"}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "unique_id_mismatch"
    finally:
        await other.stop()


@pytest.mark.parametrize("modem_options", [{"pin": "4321"}])
async def test_refused_pin_asks_again_and_is_never_retried(
    hass: HomeAssistant, modem: ModemSimulator, modem_entry: MockConfigEntry
) -> None:
    """The SIM was given a new PIN: the stored one fails once, then a reauth."""
    modem.pin = "9999"
    modem_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(modem_entry.entry_id)
    assert modem_entry.state is ConfigEntryState.SETUP_ERROR
    assert modem.pin_attempts == 1
    # Set up again (a restart): the refused PIN is not sent a second time.
    await hass.config_entries.async_unload(modem_entry.entry_id)
    assert not await hass.config_entries.async_setup(modem_entry.entry_id)
    assert modem.pin_attempts == 1
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["step_id"] == "reauth_pin"
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"pin": "9999"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert modem_entry.data["pin"] == "9999"
    await hass.async_block_till_done()
    assert modem_entry.state is ConfigEntryState.LOADED
