"""Actions (SPEC §4), driven through Home Assistant against the simulated Dinstar."""

from __future__ import annotations

from datetime import timedelta
import json
import math
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, Event, HomeAssistant, ServiceResponse
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
)
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.selector import validate_selector
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import load_yaml_dict
import probatio
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
)

from custom_components.gsm_gateway.const import (
    DOMAIN,
    EVENT_SMS_STATUS,
    EVENT_USSD_RECEIVED,
)
from simulator.dinstar import DinstarSimulator

COMPONENT = Path(__file__).parent.parent / "custom_components" / DOMAIN


def port_device(entry: MockConfigEntry, number: int) -> str:
    """The device id of a port, by the vendor's port number."""
    coordinator = entry.runtime_data.coordinator
    device_id = coordinator.device_id_for_port(coordinator.port_by_number(number))
    assert device_id is not None
    return device_id


async def call(
    hass: HomeAssistant, service: str, data: dict[str, Any], *, response: bool = False
) -> ServiceResponse:
    """Call one of the integration's actions and wait for it."""
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=response
    )


def sent_requests(simulator: DinstarSimulator, path: str) -> list[Any]:
    """Bodies of the requests the gateway received on `path`."""
    return [r.body for r in simulator.requests if r.path == path]


def statuses(events: list[Event[Any]]) -> list[tuple[str, str]]:
    return [(event.data["number"], event.data["status"]) for event in events]


@pytest.fixture
def fast_ussd(init_integration: MockConfigEntry) -> None:
    """Poll for USSD replies without the production pause between polls."""
    init_integration.runtime_data.client._ussd_poll_interval = 0.01


async def test_send_sms_to_one_number(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """One SMS from a port: the reply lists it, the gateway has it, queued fires."""
    events = async_capture_events(hass, EVENT_SMS_STATUS)

    response = await call(
        hass,
        "send_sms",
        {
            "device_id": port_device(init_integration, 2),
            "number": "+491701234567",
            "message": "Hello from Home Assistant",
        },
        response=True,
    )
    await hass.async_block_till_done()

    assert simulator.outbox[0]["number"] == "+491701234567"
    assert simulator.outbox[0]["text"] == "Hello from Home Assistant"
    assert simulator.outbox[0]["port"] == 2
    assert simulator.outbox[0]["encoding"] == "gsm-7bit"
    assert simulator.outbox[0]["request_status_report"] is True
    assert response is not None
    (message,) = response["messages"]
    assert message == {
        "number": "+491701234567",
        "message_id": str(simulator.outbox[0]["user_id"]),
        "port": 2,
        "status": "queued",
        "config_entry_id": init_integration.entry_id,
    }
    assert response["task_ids"] == [simulator.outbox[0]["task_id"]]
    (event,) = events
    assert event.data == {
        "config_entry_id": init_integration.entry_id,
        "device_id": port_device(init_integration, 2),
        "port": 2,
        "number": "+491701234567",
        "message_id": message["message_id"],
        "status": "queued",
    }


async def test_send_sms_to_a_list_and_separated_numbers(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """Numbers as a list whose items hold several, split by commas or semicolons."""
    response = await call(
        hass,
        "send_sms",
        {
            "config_entry_id": init_integration.entry_id,
            "number": ["+100 200 300", "+111;+222, +333", "+100200300"],
            "message": "Several",
            "delivery_report": False,
        },
        response=True,
    )

    numbers = ["+100200300", "+111", "+222", "+333"]
    assert [m["number"] for m in simulator.outbox] == numbers
    assert all(m["request_status_report"] is False for m in simulator.outbox)
    assert response is not None
    assert [m["number"] for m in response["messages"]] == numbers
    assert len(sent_requests(simulator, "/api/send_sms")) == 1


async def test_send_sms_to_300_numbers_in_3_requests(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """300 recipients go out in ceil(300 / 128) = 3 requests (SPEC §8)."""
    events = async_capture_events(hass, EVENT_SMS_STATUS)
    numbers = [f"+4917000{index:05d}" for index in range(300)]
    requests_before = init_integration.runtime_data.client.requests_made

    response = await call(
        hass,
        "send_sms",
        {
            "config_entry_id": init_integration.entry_id,
            "number": numbers,
            "message": "To everyone",
        },
        response=True,
    )
    await hass.async_block_till_done()

    bodies = sent_requests(simulator, "/api/send_sms")
    assert len(bodies) == math.ceil(300 / 128) == 3
    assert [len(body["param"]) for body in bodies] == [128, 128, 44]
    assert [m["number"] for m in simulator.outbox] == numbers
    assert response is not None
    assert len(response["messages"]) == 300
    assert len({m["message_id"] for m in response["messages"]}) == 300
    assert len(events) == 300
    assert {event.data["status"] for event in events} == {"queued"}
    # Digest auth costs one challenge on the first request only.
    assert init_integration.runtime_data.client.requests_made - requests_before == 3


@pytest.mark.parametrize(
    "text",
    [
        "Привет, как дела? Баланс 12,50 грн",
        "你好，世界！今天的天气很好。",
        "Door open 🚪🔓 — come home 🏠",
    ],
)
async def test_send_sms_unicode_arrives_intact(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    text: str,
) -> None:
    """Text GSM-7 cannot carry goes as UCS-2 by itself, unchanged."""
    await call(
        hass,
        "send_sms",
        {
            "config_entry_id": init_integration.entry_id,
            "number": "+12345",
            "message": text,
        },
    )

    (message,) = simulator.outbox
    assert message["text"] == text
    assert message["encoding"] == "unicode"


async def test_send_sms_forced_ucs2(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """`encoding: ucs2` sends plain text as Unicode too."""
    await call(
        hass,
        "send_sms",
        {
            "config_entry_id": init_integration.entry_id,
            "number": "+12345",
            "message": "plain",
            "encoding": "ucs2",
        },
    )

    assert simulator.outbox[0]["encoding"] == "unicode"


async def test_send_sms_long_text_is_sent_whole(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """A text of several SMS parts goes in one request, never cut."""
    text = " ".join(f"word{index}" for index in range(150))
    assert 160 * 3 < len(text) <= 1500

    await call(
        hass,
        "send_sms",
        {
            "config_entry_id": init_integration.entry_id,
            "number": "+12345",
            "message": text,
        },
    )

    (message,) = simulator.outbox
    assert message["text"] == text
    assert message["count"] > 1
    assert len(sent_requests(simulator, "/api/send_sms")) == 1


async def test_send_sms_oversized_is_refused_before_sending(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """More than the gateway takes: a validation error, and nothing sent."""
    events = async_capture_events(hass, EVENT_SMS_STATUS)

    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "send_sms",
            {
                "config_entry_id": init_integration.entry_id,
                "number": "+12345",
                "message": "Ж" * 751,
            },
        )

    assert err.value.translation_key == "bad_request"
    assert "1500 bytes" in str(err.value)
    assert sent_requests(simulator, "/api/send_sms") == []
    assert simulator.outbox == []
    assert events == []


async def test_send_sms_schedule_needs_a_gateway_that_can(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """`send_at` and `urgent` are refused by a Dinstar before anything is sent."""
    base = {
        "config_entry_id": init_integration.entry_id,
        "number": "+12345",
        "message": "Later",
    }
    for extra in (
        {"send_at": (dt_util.now() + timedelta(hours=1)).isoformat()},
        {"urgent": True},
    ):
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "send_sms", base | extra)
        assert err.value.translation_key == "scheduled_not_supported"
        assert "cannot schedule" in str(err.value)
    assert simulator.outbox == []


async def test_send_sms_invalid_number(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """A number that is not one is named in the error."""
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "send_sms",
            {
                "config_entry_id": init_integration.entry_id,
                "number": "+12345, call me",
                "message": "Hi",
            },
        )

    assert err.value.translation_key == "invalid_number"
    assert "call me" in str(err.value)
    assert simulator.outbox == []


@pytest.mark.parametrize(
    ("code", "reason", "queue"),
    [(500, "reports an error", True), (550, "no port is available", False)],
)
async def test_send_sms_refused_by_the_gateway(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    code: int,
    reason: str,
    queue: bool,
) -> None:
    """A refusal gives a translated error with its reason; "busy" does with queue off."""
    simulator.fail("send_sms", code)

    with pytest.raises(HomeAssistantError) as err:
        await call(
            hass,
            "send_sms",
            {
                "config_entry_id": init_integration.entry_id,
                "number": "+12345",
                "message": "Hi",
                "queue": queue,
            },
        )

    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_key == "refused"
    assert reason in str(err.value)
    assert init_integration.runtime_data.outbox.waiting == 0


async def test_status_events_queued_sent_delivered_once_each(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """queued, sent, delivered: one event each, by push, and none again by polling."""
    events = async_capture_events(hass, EVENT_SMS_STATUS)
    coordinator = init_integration.runtime_data.coordinator
    await call(
        hass,
        "send_sms",
        {
            "device_id": port_device(init_integration, 1),
            "number": "+12345",
            "message": "Track me",
        },
    )
    await simulator.complete_sends("SENT_OK")
    await hass.async_block_till_done()
    # The simulator only reports delivery for "DELIVERED" results: the report
    # that follows a SENT_OK is pushed by hand, as a box sends it.
    message = simulator.outbox[0]
    report = {
        "port": message["port"],
        "number": message["number"],
        "time": message["time"],
        "ref_id": message["ref_id"],
        "status_code": 0,
        "imsi": simulator.ports[1].imsi,
    }
    simulator.deliver_reports.append(report)
    assert (
        await simulator.push({"sn": simulator.serial, "sms_deliver_status": [report]})
        == 200
    )
    await hass.async_block_till_done()

    await coordinator.async_refresh()
    await coordinator.async_refresh()
    await hass.async_block_till_done()

    assert statuses(events) == [
        ("+12345", "queued"),
        ("+12345", "sent"),
        ("+12345", "delivered"),
    ]
    assert {event.data["message_id"] for event in events} == {str(message["user_id"])}
    assert {event.data["port"] for event in events} == {1}


async def test_status_delivered_result_fires_once(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """A Dinstar "DELIVERED" result is final: queued then delivered, never twice."""
    events = async_capture_events(hass, EVENT_SMS_STATUS)
    coordinator = init_integration.runtime_data.coordinator
    await call(
        hass,
        "send_sms",
        {
            "config_entry_id": init_integration.entry_id,
            "number": ["+111", "+222"],
            "message": "Hi",
        },
    )

    await simulator.complete_sends("DELIVERED")
    await hass.async_block_till_done()
    await coordinator.async_refresh()
    await hass.async_block_till_done()

    assert sorted(statuses(events)) == [
        ("+111", "delivered"),
        ("+111", "queued"),
        ("+222", "delivered"),
        ("+222", "queued"),
    ]


async def test_status_found_by_polling_without_push(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """Without pushes the next poll finds the result, and the one after adds nothing."""
    events = async_capture_events(hass, EVENT_SMS_STATUS)
    coordinator = init_integration.runtime_data.coordinator
    await call(
        hass,
        "send_sms",
        {
            "config_entry_id": init_integration.entry_id,
            "number": "+12345",
            "message": "Hi",
        },
    )
    await simulator.complete_sends("FAILED")

    await coordinator.async_refresh()
    await coordinator.async_refresh()
    await hass.async_block_till_done()

    assert statuses(events) == [("+12345", "queued"), ("+12345", "failed")]


@pytest.mark.usefixtures("fast_ussd")
async def test_send_ussd_returns_the_reply_and_fires_once(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    push_client: TestClient,
) -> None:
    """The reply comes back to the caller; the event fires once, push or not."""
    simulator.ussd_replies["*100#"] = "Balance 12.50"
    events = async_capture_events(hass, EVENT_USSD_RECEIVED)

    response = await call(
        hass,
        "send_ussd",
        {"device_id": port_device(init_integration, 4), "code": "*100#"},
        response=True,
    )
    await simulator.drain()
    await hass.async_block_till_done()

    assert response == {"reply": "Balance 12.50"}
    assert sent_requests(simulator, "/api/send_ussd") == [
        {"port": [4], "command": "send", "text": "*100#"}
    ]
    (event,) = events
    assert event.data == {
        "config_entry_id": init_integration.entry_id,
        "device_id": port_device(init_integration, 4),
        "port": 4,
        "text": "Balance 12.50",
    }


@pytest.mark.usefixtures("fast_ussd")
async def test_send_ussd_without_port_uses_the_best_signal(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """The gateway alone: the registered port with the strongest signal."""
    best = max(simulator.ports, key=lambda port: port.signal).number

    response = await call(
        hass,
        "send_ussd",
        {"config_entry_id": init_integration.entry_id, "code": "*101#"},
        response=True,
    )

    assert response is not None
    assert response["reply"].startswith("Your tariff")
    assert sent_requests(simulator, "/api/send_ussd")[0]["port"] == [best]


async def test_send_ussd_refused_on_an_unregistered_port(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """A port off the network refuses (503): an error with the gateway's reason."""
    await simulator.set_registration(3, "NO_SIM", push=False)

    with pytest.raises(HomeAssistantError) as err:
        await call(
            hass,
            "send_ussd",
            {"device_id": port_device(init_integration, 3), "code": "*100#"},
        )

    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_key == "refused"
    assert "not registered" in str(err.value)


async def test_send_ussd_timeout_is_limited(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A timeout above 180 s is refused by the schema."""
    with pytest.raises(probatio.Invalid, match="at most 180"):
        await call(
            hass,
            "send_ussd",
            {
                "config_entry_id": init_integration.entry_id,
                "code": "*100#",
                "timeout": 181,
            },
        )


async def test_send_ussd_on_one_port_only(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """Two port devices for a one-port action: refused before sending."""
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "send_ussd",
            {
                "device_id": [
                    port_device(init_integration, 1),
                    port_device(init_integration, 2),
                ],
                "code": "*100#",
            },
        )

    assert err.value.translation_key == "one_port_only"
    assert sent_requests(simulator, "/api/send_ussd") == []


async def test_sim_toolkit_walk(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """Read the menu, open an input screen, type, go home."""
    device = port_device(init_integration, 0)

    view = await call(hass, "stk_view", {"device_id": device}, response=True)
    assert view is not None
    assert view["title"].strip() == "SIM Services"
    assert view["items"] == [
        {"id": 1, "text": "Balance"},
        {"id": 2, "text": "Services"},
        {"id": 3, "text": "Top up"},
    ]
    assert set(view) == {"title", "text", "input_type", "items", "frame_id"}

    view = await call(
        hass, "stk_action", {"device_id": device, "item": 3}, response=True
    )
    assert view is not None
    assert view["title"] == "Top up"
    assert view["text"] == "Enter the voucher code"

    view = await call(
        hass,
        "stk_action",
        {"device_id": device, "action": "ok", "text": "1234-5678"},
        response=True,
    )
    assert view is not None
    assert view["text"] == "Voucher 1234-5678 accepted"

    view = await call(
        hass, "stk_action", {"device_id": device, "action": "cancel"}, response=True
    )
    assert view is not None
    assert view["title"] == "Top up"

    view = await call(
        hass, "stk_action", {"device_id": device, "action": "home"}, response=True
    )
    assert view is not None
    assert view["title"].strip() == "SIM Services"
    assert [body["action"] for body in sent_requests(simulator, "/STKGo")[1:]] == [
        "ok",
        "cancle",
        "home",
    ]


async def test_stk_action_needs_an_item_or_a_key(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Neither item nor action: refused by the schema."""
    with pytest.raises(probatio.Invalid, match="item"):
        await call(
            hass,
            "stk_action",
            {"device_id": port_device(init_integration, 0), "text": "x"},
        )


async def test_set_power_off_and_on(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """Power reaches the module, and the state is read again."""
    device = port_device(init_integration, 5)
    coordinator = init_integration.runtime_data.coordinator

    await call(hass, "set_power", {"device_id": device, "power": "off"})
    await hass.async_block_till_done()
    assert simulator.ports[5].powered is False
    assert coordinator.port_by_number(5).powered is False

    await call(hass, "set_power", {"device_id": device, "power": "on"})
    assert simulator.ports[5].powered is True


async def test_reset_module(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """The reset goes to the targeted ports, one request each."""
    await call(
        hass,
        "reset_module",
        {
            "device_id": [
                port_device(init_integration, 1),
                port_device(init_integration, 6),
            ]
        },
    )

    resets = [
        request
        for request in simulator.requests
        if request.path == "/api/set_port_info"
    ]
    assert [(r.query or r.body)["action"] for r in resets] == ["reset", "reset"]
    assert [str((r.query or r.body)["port"]) for r in resets] == ["1", "6"]


async def test_module_actions_need_a_port(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """Power, reset and slot never guess a port: the gateway alone is refused."""
    coordinator = init_integration.runtime_data.coordinator
    for service, data in (
        ("set_power", {"power": "off"}),
        ("reset_module", {}),
        ("select_slot", {"slot": 1}),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await call(
                hass, service, {"device_id": coordinator.gateway_device_id} | data
            )
        assert err.value.translation_key == "port_required"
    assert sent_requests(simulator, "/api/set_port_info") == []


@pytest.mark.parametrize("slots_per_port", [4])
async def test_select_slot(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """A multi-SIM port switches to the chosen slot and its SIM."""
    card = simulator.ports[2].sims[3]
    assert card is not None

    await call(
        hass, "select_slot", {"device_id": port_device(init_integration, 2), "slot": 3}
    )

    assert simulator.ports[2].slot == 3
    assert simulator.ports[2].imsi == card.imsi


async def test_get_cdr(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """Call records come back, all ports or the targeted one, within a window."""
    response = await call(
        hass,
        "get_cdr",
        {"config_entry_id": init_integration.entry_id},
        response=True,
    )
    assert response is not None
    records = response["records"]
    assert len(records) == len(simulator.cdrs) == 3
    assert {record["direction"] for record in records} == {"gsm->ip", "ip->gsm"}
    assert all(record["start"] is not None for record in records)
    json.dumps(response)

    last = len(simulator.ports) - 1
    response = await call(
        hass,
        "get_cdr",
        {
            "device_id": port_device(init_integration, last),
            "start": (dt_util.now() - timedelta(hours=2)).isoformat(),
        },
        response=True,
    )
    assert response is not None
    assert [record["port"] for record in response["records"]] == [last]
    assert response["records"][0]["answer"] is None


async def test_stop_sms(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """A queued task can be cancelled once; then the gateway has none (404)."""
    response = await call(
        hass,
        "send_sms",
        {
            "config_entry_id": init_integration.entry_id,
            "number": ["+111", "+222"],
            "message": "Cancel me",
        },
        response=True,
    )
    assert response is not None
    (task_id,) = response["task_ids"]

    await call(
        hass,
        "stop_sms",
        {"config_entry_id": init_integration.entry_id, "task_id": task_id},
    )
    assert {message["status"] for message in simulator.outbox} == {"STOPPED"}

    with pytest.raises(HomeAssistantError) as err:
        await call(
            hass,
            "stop_sms",
            {"config_entry_id": init_integration.entry_id, "task_id": task_id},
        )
    assert err.value.translation_key == "refused"
    assert "no such send task" in str(err.value)


async def test_send_telegram_not_supported_by_dinstar(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """An action the gateway type cannot do is refused before any request."""
    requests = len(simulator.requests)

    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "send_telegram",
            {"config_entry_id": init_integration.entry_id, "message": "Hi"},
        )

    assert err.value.translation_key == "not_supported"
    assert str(err.value) == "This gateway cannot do that (telegram)"
    assert len(simulator.requests) == requests


async def test_no_target(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Neither a device nor a gateway: refused."""
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "send_sms", {"number": "+12345", "message": "Hi"})
    assert err.value.translation_key == "no_target"


async def test_device_of_another_integration(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """A device that is not ours is named in the error."""
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("other", "1")}, name="Lamp"
    )

    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "send_sms",
            {"device_id": device.id, "number": "+12345", "message": "Hi"},
        )

    assert err.value.translation_key == "invalid_device"
    assert "Lamp" in str(err.value)
    assert simulator.outbox == []


async def test_unknown_device(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A device id that does not exist."""
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "stk_view", {"device_id": "nope"}, response=True)
    assert err.value.translation_key == "invalid_device"


async def test_device_of_an_unloaded_entry(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """A port device of a gateway that is not loaded."""
    device = port_device(init_integration, 2)
    assert await hass.config_entries.async_unload(init_integration.entry_id)

    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass, "send_sms", {"device_id": device, "number": "+1234", "message": "x"}
        )
    assert err.value.translation_key == "entry_not_loaded"

    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "send_sms",
            {
                "config_entry_id": init_integration.entry_id,
                "number": "+1234",
                "message": "x",
            },
        )
    assert err.value.translation_key == "service_config_entry_not_loaded"
    assert simulator.outbox == []


async def test_device_and_entry_of_different_gateways(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A port device together with another gateway's config_entry_id."""
    other = MockConfigEntry(domain=DOMAIN, title="Other", data={}, unique_id="x")
    other.add_to_hass(hass)
    other.mock_state(hass, ConfigEntryState.LOADED)

    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "send_sms",
            {
                "config_entry_id": other.entry_id,
                "device_id": port_device(init_integration, 1),
                "number": "+1234",
                "message": "x",
            },
        )
    assert err.value.translation_key == "device_of_other_gateway"
    other.mock_state(hass, ConfigEntryState.NOT_LOADED)


async def test_a_port_the_gateway_no_longer_has(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A stale port device of a loaded gateway."""
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=init_integration.entry_id,
        identifiers={(DOMAIN, "gone")},
        name="Port 99",
        via_device_id=init_integration.runtime_data.coordinator.gateway_device_id,
    )

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "stk_view", {"device_id": device.id}, response=True)
    assert err.value.translation_key == "port_unknown"
    assert "Port 99" in str(err.value)


async def test_no_registered_port_for_a_one_port_action(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """The gateway has to pick a port and none is on the network."""
    for port in range(len(simulator.ports)):
        await simulator.set_registration(port, "SEARCHING_NETWORK", push=False)
    await init_integration.runtime_data.coordinator.async_refresh()

    with pytest.raises(HomeAssistantError) as err:
        await call(
            hass,
            "send_ussd",
            {"config_entry_id": init_integration.entry_id, "code": "*100#"},
        )
    assert err.value.translation_key == "no_port_available"


def test_action_texts_match_services_yaml() -> None:
    """Every action and field of services.yaml has its name and description."""
    services = load_yaml_dict(str(COMPONENT / "services.yaml"))
    strings = json.loads((COMPONENT / "strings.json").read_text())
    english = json.loads((COMPONENT / "translations" / "en.json").read_text())
    icons = json.loads((COMPONENT / "icons.json").read_text())

    assert set(strings["services"]) == set(services)
    assert set(icons["services"]) == set(services)
    for name, service in services.items():
        if "target" in service:
            validate_selector({"target": service["target"]})
        texts = strings["services"][name]
        assert texts["name"]
        assert texts["description"]
        assert set(texts.get("fields", {})) == set(service.get("fields", {}))
        for field_name, field in service.get("fields", {}).items():
            assert texts["fields"][field_name]["name"]
            assert texts["fields"][field_name]["description"]
            validate_selector(field["selector"])
            selector = next(iter(field["selector"].values())) or {}
            if key := selector.get("translation_key"):
                assert set(strings["selector"][key]["options"]) == set(
                    selector["options"]
                )
    for section in ("services", "selector", "device_automation", "exceptions"):
        assert english[section] == strings[section]


async def test_cdr_window_without_zone_is_local_time(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """A start without a zone is Home Assistant's local time."""
    start = dt_util.now() - timedelta(hours=4)
    response = await call(
        hass,
        "get_cdr",
        {
            "config_entry_id": init_integration.entry_id,
            "start": start.replace(tzinfo=None).isoformat(),
        },
        response=True,
    )

    assert response is not None
    assert len(response["records"]) == 2
    (body,) = sent_requests(simulator, "/api/get_cdr")
    assert body["time_after"].startswith(f"{start:%Y-%m-%d}")


async def test_send_sms_without_a_number(
    hass: HomeAssistant, simulator: DinstarSimulator, init_integration: MockConfigEntry
) -> None:
    """Separators alone are no recipient."""
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "send_sms",
            {
                "config_entry_id": init_integration.entry_id,
                "number": " ; , ",
                "message": "Hi",
            },
        )

    assert err.value.translation_key == "no_recipients"
    assert sent_requests(simulator, "/api/send_sms") == []


async def test_two_gateways(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    entry_data: dict[str, Any],
) -> None:
    """Sends may span gateways; a one-port action may not."""
    second = MockConfigEntry(
        domain=DOMAIN,
        title="Second",
        unique_id="second",
        data=entry_data | {"webhook_id": "fedcba9876543210fedcba9876543210"},
    )
    second.add_to_hass(hass)
    assert await hass.config_entries.async_setup(second.entry_id)
    await hass.async_block_till_done()
    devices = [port_device(init_integration, 1), port_device(second, 6)]

    response = await call(
        hass,
        "send_sms",
        {"device_id": devices, "number": "+12345", "message": "Twice"},
        response=True,
    )
    assert response is not None
    assert [m["port"] for m in response["messages"]] == [1, 6]
    assert [m["port"] for m in simulator.outbox] == [1, 6]

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "stk_view", {"device_id": devices}, response=True)
    assert err.value.translation_key == "one_gateway_only"


async def test_module_actions_are_for_administrators(
    hass: HomeAssistant,
    simulator: DinstarSimulator,
    init_integration: MockConfigEntry,
    hass_read_only_user: MockUser,
) -> None:
    """A user who is not an administrator cannot power a module off."""
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN,
            "set_power",
            {"device_id": port_device(init_integration, 1), "power": "off"},
            blocking=True,
            context=Context(user_id=hass_read_only_user.id),
        )

    assert simulator.ports[1].powered is True
