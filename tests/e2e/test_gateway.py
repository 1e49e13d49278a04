"""A gateway in a real Home Assistant: config flow, registries, actions, pushes.

Everything goes through Home Assistant's HTTP and websocket APIs, as the
frontend and the gateway use them; the simulator's own HTTP API is the
ground truth the answers are checked against.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
import itertools
import re
from zoneinfo import ZoneInfo

import pytest

from .conftest import GATEWAY_PORTS, GATEWAY_SERIAL, Gateway
from .harness import (
    TIME_ZONE,
    HomeAssistantClient,
    HomeAssistantProcess,
    gateway_view,
    post_push,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

SMS_RECEIVED = "gsm_gateway_sms_received"
GATEWAY_TIME = "%Y-%m-%d %H:%M:%S"


def test_config_flow_over_rest(
    home_assistant: HomeAssistantProcess, gateway: Gateway
) -> None:
    """The REST config flow: type menu, login form (errors kept), push URL, entry."""
    steps = dict(gateway.flow)

    assert steps["start"]["type"] == "menu"
    assert steps["start"]["step_id"] == "user"
    assert "dinstar" in steps["start"]["menu_options"]

    form = steps["menu"]
    assert form["step_id"] == "dinstar"
    assert [field["name"] for field in form["data_schema"]] == [
        "url",
        "username",
        "password",
        "verify_ssl",
    ]
    assert not form["errors"]

    wrong = steps["wrong password"]
    assert wrong["type"] == "form"
    assert wrong["step_id"] == "dinstar"
    assert wrong["errors"] == {"base": "invalid_auth"}

    push = steps["login"]
    assert push["step_id"] == "push"
    assert push["last_step"] is True
    assert re.fullmatch(
        rf"{re.escape(home_assistant.url)}/api/webhook/[0-9a-f]{{32,}}",
        push["description_placeholders"]["url"],
    ), push

    done = steps["finish"]
    assert done["type"] == "create_entry"
    assert done["result"]["domain"] == "gsm_gateway"
    assert done["title"].startswith("Dinstar"), done


async def test_same_gateway_cannot_be_added_twice(
    home_assistant: HomeAssistantProcess, gateway: Gateway
) -> None:
    """A second flow for the same gateway (same serial) aborts."""
    async with HomeAssistantClient(home_assistant) as client:
        status, menu = await client.rest(
            "POST", "/api/config/config_entries/flow", {"handler": "gsm_gateway"}
        )
        assert status == 200, menu
        flow = f"/api/config/config_entries/flow/{menu['flow_id']}"
        status, _ = await client.rest("POST", flow, {"next_step_id": "dinstar"})
        assert status == 200
        status, answer = await client.rest(
            "POST",
            flow,
            {
                "url": gateway.sim.url,
                "username": "admin",
                "password": "admin",
                "verify_ssl": False,
            },
        )
    assert status == 200, answer
    assert answer["type"] == "abort", answer
    assert answer["reason"] == "already_configured"


async def test_devices_entities_and_states(
    home_assistant: HomeAssistantProcess, gateway: Gateway
) -> None:
    """Registries and states match what the gateway reports."""
    truth = {int(port["port"]): port for port in await gateway.sim.port_info()}
    assert len(truth) == GATEWAY_PORTS
    async with HomeAssistantClient(home_assistant) as client:
        view = await gateway_view(client, gateway.entry_id, GATEWAY_SERIAL)
        states = await client.states()
        entries = await client.rest("GET", "/api/config/config_entries/entry")

    assert view.hub["name"] == gateway.title
    assert view.hub["manufacturer"] == "Dinstar"
    assert view.hub["serial_number"] == GATEWAY_SERIAL
    assert view.hub["configuration_url"] == gateway.sim.url
    assert sorted(view.ports) == list(range(GATEWAY_PORTS))
    assert {n: device["name"] for n, device in view.ports.items()} == {
        n: f"Port {n}" for n in range(GATEWAY_PORTS)
    }

    assert states[view.entity(None, "online")]["state"] == "on"
    assert int(states[view.entity(None, "sms_queue")]["state"]) >= 0
    for number, port in truth.items():
        signal = states[view.entity(number, "signal_strength")]
        registration = states[view.entity(number, "registration")]
        assert signal["attributes"]["unit_of_measurement"] == "dBm"
        assert signal["attributes"]["device_class"] == "signal_strength"
        if port["reg"] == "REGISTER_OK":
            assert registration["state"] == "registered"
            assert signal["state"] == str(-113 + 2 * int(port["signal"]))
        phone = states[view.entity(number, "phone_number")]
        assert phone["state"] == port["number"]
        assert states[view.entity(number, "call_state")]["state"] == "idle"
        assert view.entity(number, "last_sms").startswith("event.")

    status, listed = entries
    assert status == 200
    (entry,) = [e for e in listed if e["entry_id"] == gateway.entry_id]
    assert entry["state"] == "loaded"
    assert entry["title"] == gateway.title


async def test_actions_answer_with_responses(
    home_assistant: HomeAssistantProcess, gateway: Gateway
) -> None:
    """send_sms and send_ussd over call_service with return_response."""
    numbers = ["+380501234567", "+4917612345678"]
    text = "Привіт! Ворота відчинено о 18:05 🚪 — 您好"
    async with HomeAssistantClient(home_assistant) as client:
        view = await gateway_view(client, gateway.entry_id, GATEWAY_SERIAL)
        statuses = await client.subscribe("gsm_gateway_sms_status")
        ussd = await client.subscribe("gsm_gateway_ussd_received")

        sent = await client.call_service(
            "gsm_gateway",
            "send_sms",
            {"number": numbers, "message": text},
            target={"device_id": view.ports[2]["id"]},
            return_response=True,
        )
        assert sorted(m["number"] for m in sent["messages"]) == sorted(numbers)
        for message in sent["messages"]:
            assert message["port"] == 2, sent
            assert message["status"] in {"queued", "sending", "sent"}, sent
            assert message["message_id"], sent

        # The gateway finishes the sends by itself and pushes the results.
        await statuses.wait_for(
            lambda events: (
                {
                    e["data"]["number"]
                    for e in events
                    if e["data"]["status"] == "delivered"
                }
                >= set(numbers)
            ),
            60,
            "both messages to be delivered",
        )

        reply = await client.call_service(
            "gsm_gateway",
            "send_ussd",
            {"code": "*100#"},
            target={"device_id": view.ports[1]["id"]},
            return_response=True,
        )
        assert reply == {"reply": "Balance: 12.50 EUR. Bonus: 100 MB until 31.12."}
        await ussd.wait_for(
            lambda events: any(e["data"]["text"] == reply["reply"] for e in events),
            30,
            "the USSD reply event",
        )

    for event in statuses.events:
        data = event["data"]
        assert data["config_entry_id"] == gateway.entry_id
        assert data["port"] == 2
        assert data["device_id"] == view.ports[2]["id"]
    # Each status of each message once, though it came by push and by poll.
    facts = Counter((e["data"]["number"], e["data"]["status"]) for e in statuses.events)
    assert all(count == 1 for count in facts.values()), facts
    (ussd_event,) = ussd.events
    assert ussd_event["data"]["port"] == 1
    assert ussd_event["data"]["device_id"] == view.ports[1]["id"]


async def test_pushes_to_the_webhook(
    home_assistant: HomeAssistantProcess, gateway: Gateway
) -> None:
    """The gateway's own SMS pushes fire events; repeats, foreign, bad and huge pushes do not."""
    zone = ZoneInfo(TIME_ZONE)
    async with HomeAssistantClient(home_assistant) as client:
        view = await gateway_view(client, gateway.entry_id, GATEWAY_SERIAL)
        sms = await client.subscribe(SMS_RECEIVED)
        calls = await client.subscribe("gsm_gateway_call")

        # The simulator receives an SMS every few seconds and pushes it.
        await sms.wait_for(
            lambda events: len(events) >= 1, 30, "an SMS pushed by the gateway"
        )
        event = sms.events[0]["data"]
        inbox = {str(m["incoming_sms_id"]): m for m in await gateway.sim.inbox()}
        truth = inbox[event["message_id"]]
        phones = {int(p["port"]): p["number"] for p in await gateway.sim.port_info()}
        assert event == {
            "config_entry_id": gateway.entry_id,
            "device_id": view.ports[truth["port"]]["id"],
            "port": truth["port"],
            "sim_number": phones[truth["port"]],
            "sender": truth["number"],
            # No contact has the simulator's senders here.
            "sender_name": None,
            "text": truth["text"],
            "timestamp": event["timestamp"],
            "message_id": str(truth["incoming_sms_id"]),
        }
        received = datetime.strptime(truth["timestamp"], GATEWAY_TIME).replace(
            tzinfo=zone
        )
        assert datetime.fromisoformat(event["timestamp"]) == received

        # The same SMS again, as a box repeats a push it thinks was lost.
        assert (
            await post_push(gateway.webhook_url, {"sn": GATEWAY_SERIAL, "sms": [truth]})
        )[0] == 200
        # A new SMS in pushes that must be refused: another gateway's, a cut
        # one and one over 256 KiB.
        intruder = {**truth, "incoming_sms_id": 900001, "text": "must not fire"}
        status, _ = await post_push(
            gateway.webhook_url, {"sn": "dbd2-9999-0000-0001", "sms": [intruder]}
        )
        assert status == 400
        status, _ = await post_push(
            gateway.webhook_url, '{"sn": "' + GATEWAY_SERIAL + '", "sms": ['
        )
        assert status == 400
        huge = {"sn": GATEWAY_SERIAL, "sms": [intruder], "padding": "x" * (300 * 1024)}
        status, _ = await post_push(gateway.webhook_url, huge)
        assert status == 400

        # A missed call, pushed as the box pushes it (an object, not a list).
        now = datetime.now(zone).strftime(GATEWAY_TIME)
        call = {"time": now, "port": 5, "number": "+380441234567"}
        assert (
            await post_push(
                gateway.webhook_url, {"sn": GATEWAY_SERIAL, "missed_call": call}
            )
        )[0] == 200
        await calls.wait_for(
            lambda events: any(e["data"]["number"] == call["number"] for e in events),
            30,
            "the missed call event",
        )

    (missed,) = calls.matching(number=call["number"])
    assert missed["data"] == {
        "config_entry_id": gateway.entry_id,
        "device_id": view.ports[5]["id"],
        "port": 5,
        "number": call["number"],
        "state": "missed",
    }
    # Pushes are handled in order, so by the time the call's event arrived,
    # anything the earlier pushes fired would have arrived before it.
    assert len(sms.matching(message_id=event["message_id"])) == 1
    assert not sms.matching(text="must not fire")
    ids = [e["data"]["message_id"] for e in sms.events]
    assert len(ids) == len(set(ids)), ids


async def test_module_power_round_trip(
    home_assistant: HomeAssistantProcess, gateway: Gateway
) -> None:
    """set_power off/on: the gateway pushes register down/up and the states follow."""
    async with HomeAssistantClient(home_assistant) as client:
        view = await gateway_view(client, gateway.entry_id, GATEWAY_SERIAL)
        sim_status = await client.subscribe("gsm_gateway_sim_status")
        target = {"device_id": view.ports[6]["id"]}
        registration = view.entity(6, "registration")

        await client.call_service(
            "gsm_gateway", "set_power", {"power": "off"}, target=target
        )
        await client.wait_state(
            registration, lambda s: s["state"] == "power_off", 30, "power_off"
        )
        (port,) = [p for p in await gateway.sim.port_info() if int(p["port"]) == 6]
        assert port["reg"] == "POWER_OFF"
        states = await client.states()
        assert states[view.entity(6, "power")]["state"] == "off"
        assert states[view.entity(6, "signal_strength")]["state"] == "unknown"

        await client.call_service(
            "gsm_gateway", "set_power", {"power": "on"}, target=target
        )
        await client.wait_state(
            registration, lambda s: s["state"] == "registered", 30, "registered"
        )
        (port,) = [p for p in await gateway.sim.port_info() if int(p["port"]) == 6]
        assert port["reg"] == "REGISTER_OK"

    # A "down" push does not say why; the poll the action triggers does.
    port6 = [e["data"]["state"] for e in sim_status.events if e["data"]["port"] == 6]
    assert "power_off" in port6, port6
    assert port6[-1] == "registered", port6
    assert all(a != b for a, b in itertools.pairwise(port6)), port6
    for event in sim_status.events:
        assert event["data"]["device_id"] == view.ports[event["data"]["port"]]["id"]


async def test_power_switch_on_as_soon_as_registered(
    home_assistant: HomeAssistantProcess, gateway: Gateway
) -> None:
    """A module that registers again is powered: switch and sensor agree at once."""
    async with HomeAssistantClient(home_assistant) as client:
        view = await gateway_view(client, gateway.entry_id, GATEWAY_SERIAL)
        target = {"device_id": view.ports[4]["id"]}
        registration = view.entity(4, "registration")
        await client.call_service(
            "gsm_gateway", "set_power", {"power": "off"}, target=target
        )
        await client.wait_state(
            registration, lambda s: s["state"] == "power_off", 30, "power_off"
        )
        await client.call_service(
            "gsm_gateway", "set_power", {"power": "on"}, target=target
        )
        await client.wait_state(
            registration, lambda s: s["state"] == "registered", 30, "registered"
        )
        states = await client.states()
    assert states[view.entity(4, "power")]["state"] == "on"
