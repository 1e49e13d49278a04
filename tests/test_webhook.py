"""Pushes (SPEC §6): every Dinstar kind, and bad input that changes nothing."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.gsm_gateway.api import Registration
from custom_components.gsm_gateway.const import (
    EVENT_CALL,
    EVENT_SIM_STATUS,
    EVENT_SMS_RECEIVED,
    EVENT_SMS_STATUS,
    EVENT_USSD_RECEIVED,
    MAX_PUSH_BYTES,
)
from simulator.dinstar import DinstarSimulator

from .conftest import SERIAL, WEBHOOK_ID

URL = f"/api/webhook/{WEBHOOK_ID}"
ALL_EVENTS = (
    EVENT_SMS_RECEIVED,
    EVENT_SMS_STATUS,
    EVENT_USSD_RECEIVED,
    EVENT_CALL,
    EVENT_SIM_STATUS,
)


@pytest.fixture
def all_events(hass: HomeAssistant) -> list[Any]:
    """Every bus event of SPEC §5, in one list."""
    events: list[Any] = []
    for event_type in ALL_EVENTS:
        hass.bus.async_listen(event_type, events.append)
    return events


async def test_sms_push(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """An SMS push fires `sms_received` and records the push for diagnostics."""
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)
    await simulator.receive_sms(4, "+8613800000000", "你好，世界 👋")
    await hass.async_block_till_done()

    assert [e.data["text"] for e in events] == ["你好，世界 👋"]
    assert events[0].data["port"] == 4
    coordinator = init_integration.runtime_data.coordinator
    assert coordinator.last_push_kind == "sms"
    assert coordinator.pushes_received == 1


async def test_register_push_updates_the_port(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """A `register` down push changes the port at once and fires `sim_status`."""
    events = async_capture_events(hass, EVENT_SIM_STATUS)
    await simulator.set_registration(2, "NO_SIM")
    await hass.async_block_till_done()

    port = init_integration.runtime_data.coordinator.data.ports["2"]
    assert port.registration is not Registration.REGISTERED
    assert [e.data["state"] for e in events] == [port.registration.value]
    assert events[0].data["port"] == 2
    assert events[0].data["device_id"] is not None


async def test_register_up_push_means_powered(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """A port powered off, then registering again by push, is powered at once."""
    coordinator = init_integration.runtime_data.coordinator
    await hass.services.async_call(
        "gsm_gateway",
        "set_power",
        {
            "device_id": coordinator.device_id_for_port(coordinator.data.ports["4"]),
            "power": "off",
        },
        blocking=True,
    )
    await simulator.drain()
    await coordinator.async_refresh()
    assert coordinator.data.ports["4"].powered is False

    await simulator.set_registration(4, "REGISTER_OK")
    await hass.async_block_till_done()

    port = coordinator.data.ports["4"]
    assert port.registration is Registration.REGISTERED
    assert port.powered is True


async def test_missed_call_push(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """A missed call fires `gsm_gateway_call` with state `missed`."""
    events = async_capture_events(hass, EVENT_CALL)
    await simulator.missed_call(5, "+15550001")
    await hass.async_block_till_done()

    assert [(e.data["port"], e.data["number"], e.data["state"]) for e in events] == [
        (5, "+15550001", "missed")
    ]


@pytest.mark.parametrize(
    ("body", "event_type", "expected"),
    [
        (
            {
                "sn": SERIAL,
                "ussd": [{"port": 1, "text": "Balance: 12.50"}],
            },
            EVENT_USSD_RECEIVED,
            {"port": 1, "text": "Balance: 12.50"},
        ),
        (
            {
                "sn": SERIAL,
                "cdr": [
                    {
                        "port": 2,
                        "start_date": "2025-07-21 16:35:20",
                        "answer_date": "2025-07-21 16:35:31",
                        "duration": 3,
                        "source_number": "1010",
                        "destination_number": "6717",
                        "direction": "ip->gsm",
                        "ip": "172.16.100.136",
                        "codec": "G.711U",
                        "hangup": "called",
                        "gsm_code": 16,
                        "bcch": "",
                    }
                ],
            },
            EVENT_CALL,
            {"port": 2, "state": "ended"},
        ),
        (
            {
                "sn": SERIAL,
                "sms_deliver_status": [
                    {
                        "port": 1,
                        "number": "10086",
                        "time": "2016-07-12 15:46:53",
                        "ref_id": 215,
                        "status_code": 0,
                        "imsi": "460004642148063",
                    }
                ],
            },
            EVENT_SMS_STATUS,
            {"port": 1, "number": "10086", "status": "delivered"},
        ),
        (
            {
                "sn": SERIAL,
                "sms_result": [
                    {
                        "port": 1,
                        "number": "10086",
                        "time": "2016-07-12 01:46:02",
                        "status": "FAILED",
                        "count": 1,
                        "succ_count": 0,
                        "ref_id": 216,
                        "imsi": "460004642148063",
                    }
                ],
            },
            EVENT_SMS_STATUS,
            {"port": 1, "number": "10086", "status": "failed"},
        ),
    ],
    ids=["ussd", "cdr", "deliver_status", "sms_result"],
)
async def test_push_kinds(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
    body: dict[str, Any],
    event_type: str,
    expected: dict[str, Any],
) -> None:
    """Each push kind, as the gateway sends it, fires its event once."""
    events = async_capture_events(hass, event_type)
    assert await simulator.push(body) == 200
    assert await simulator.push(body) == 200
    await hass.async_block_till_done()

    assert len(events) == 1
    assert {key: events[0].data[key] for key in expected} == expected
    assert events[0].data["config_entry_id"] == init_integration.entry_id


async def test_device_push_marks_the_gateway_offline(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """A `device` push saying power_off marks the gateway offline until it reports."""
    body = {
        "sn": SERIAL,
        "device": {
            "port_number": 8,
            "IP": "192.0.2.142",
            "MAC": "AA-BB-CC-DD-EE-FF",
            "status": "power_off",
        },
    }
    assert await simulator.push(body) == 200
    await hass.async_block_till_done()
    coordinator = init_integration.runtime_data.coordinator
    assert coordinator.data.online is False

    await coordinator.async_refresh()
    assert coordinator.data.online is True


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[]", "application/json"),
        (b'"sms"', "application/json"),
        (b"", "application/json"),
        (b'{"sn": "' + SERIAL.encode() + b'", "unknown_kind": []}', "application/json"),
        (
            b'{"sn": "' + SERIAL.encode() + b'", "sms": "not a list"}',
            "application/json",
        ),
        (b'{"sn": "other-gateway", "sms": []}', "application/json"),
        (b"\xff\xfe\x00garbage", "application/octet-stream"),
    ],
    ids=[
        "invalid_json",
        "array",
        "string",
        "empty",
        "unknown_kind",
        "wrong_shape",
        "foreign",
        "binary",
    ],
)
async def test_bad_pushes_are_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    push_client: TestClient,
    all_events: list[Any],
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    content_type: str,
) -> None:
    """Malformed or foreign pushes get 400, log no traceback and change nothing."""
    coordinator = init_integration.runtime_data.coordinator
    before = coordinator.data

    response = await push_client.post(
        URL, data=body, headers={"Content-Type": content_type}
    )
    await hass.async_block_till_done()

    assert response.status == 400
    assert all_events == []
    assert coordinator.data is before
    assert coordinator.pushes_received == 0
    assert "Traceback" not in caplog.text


async def test_oversized_push_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    push_client: TestClient,
    all_events: list[Any],
) -> None:
    """A push over 256 KiB is refused before it is parsed."""
    text = "x" * MAX_PUSH_BYTES
    response = await push_client.post(
        URL,
        json={
            "sn": SERIAL,
            "sms": [
                {
                    "incoming_sms_id": 99,
                    "port": 1,
                    "number": "1",
                    "smsc": "",
                    "timestamp": "2025-01-01 00:00:00",
                    "text": text,
                }
            ],
        },
    )
    await hass.async_block_till_done()

    assert response.status == 400
    assert all_events == []


async def test_oversized_push_without_length_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    push_client: TestClient,
    all_events: list[Any],
) -> None:
    """A chunked push (no Content-Length) is cut off once over the limit."""

    async def chunks() -> Any:
        yield b'{"sn": "' + SERIAL.encode() + b'", "sms": [], "pad": "'
        for _ in range(MAX_PUSH_BYTES // 4096 + 1):
            yield b"x" * 4096
        yield b'"}'

    response = await push_client.post(URL, data=chunks())
    await hass.async_block_till_done()

    assert response.status == 400
    assert await response.text() == "push too large"
    assert all_events == []


async def test_push_in_small_pieces_is_read_whole(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """A push arriving in pieces is read whole before it is parsed."""
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)
    body = (
        b'{"sn": "' + SERIAL.encode() + b'", "sms": [{"incoming_sms_id": 50, '
        b'"port": 1, "number": "+1", "smsc": "", '
        b'"timestamp": "2025-01-01 00:00:00", "text": "in pieces"}]}'
    )

    async def pieces() -> Any:
        for start in range(0, len(body), 7):
            yield body[start : start + 7]

    response = await push_client.post(URL, data=pieces())
    await hass.async_block_till_done()

    assert response.status == 200
    assert [e.data["text"] for e in events] == ["in pieces"]


async def test_polled_messages_without_push_raise_a_repair_issue(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
    issue_registry: ir.IssueRegistry,
    freezer: Any,
) -> None:
    """When polling keeps finding messages no push announced, the user is told."""
    coordinator = init_integration.runtime_data.coordinator
    simulator.push_url = None
    issue_id = f"push_not_arriving_{init_integration.entry_id}"

    await simulator.receive_sms(1, "+1", "first unannounced")
    await coordinator.async_refresh()
    assert issue_registry.async_get_issue("gsm_gateway", issue_id) is None

    freezer.tick(86400 + 1)
    await simulator.receive_sms(1, "+1", "a day later, still no push")
    await coordinator.async_refresh()
    issue = issue_registry.async_get_issue("gsm_gateway", issue_id)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert WEBHOOK_ID in issue.translation_placeholders["url"]

    simulator.push_url = str(push_client.make_url(URL))
    await simulator.receive_sms(1, "+1", "pushes work again")
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue("gsm_gateway", issue_id) is None
