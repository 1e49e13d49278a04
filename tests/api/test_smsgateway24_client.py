"""The SmsGateway24 client against the simulated cloud, over HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime, timedelta
import json
import time
from typing import Any

import aiohttp
import pytest

from custom_components.gsm_gateway.api import (
    ClientConfig,
    ForeignPushError,
    GatewayAuthError,
    GatewayBadRequestError,
    GatewayConnectionError,
    GatewayRefusedError,
    GatewayResponseError,
    GatewayType,
    InboundSms,
    PushError,
    SendRequest,
    SmsStatus,
    create_client,
)
from custom_components.gsm_gateway.api.http import Backoff
from custom_components.gsm_gateway.api.smsgateway24 import SmsGateway24Client
from simulator.smsgateway24 import SmsGateway24Simulator

EMAIL = "Owner@Example.com"
PASSWORD = "s3cret"

type Factory = Callable[..., SmsGateway24Client]


class Clock:
    """Time the client sees; starts now and moves only when told."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def cloud(socket_enabled: None) -> AsyncGenerator[SmsGateway24Simulator]:
    sim = SmsGateway24Simulator(
        email=EMAIL.lower(), password=PASSWORD, phones=0, seed=1
    )
    sim.add_phone(sims=2, title="Kitchen phone")
    sim.add_phone(sims=1, title="Spare phone")
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_client(
    session: aiohttp.ClientSession, cloud: SmsGateway24Simulator, clock: Clock
) -> Factory:
    def factory(password: str = PASSWORD, **kwargs: Any) -> SmsGateway24Client:
        config = ClientConfig(url=cloud.url, username=EMAIL, password=password)
        options: dict[str, Any] = {"clock": clock, "backoff": Backoff(clock=clock)}
        return SmsGateway24Client(session, config, **(options | kwargs))

    return factory


@pytest.fixture
def client(make_client: Factory) -> SmsGateway24Client:
    return make_client()


def phone_ids(cloud: SmsGateway24Simulator) -> list[int]:
    return sorted(cloud.phones)


async def test_account_identity_and_phones(
    client: SmsGateway24Client, cloud: SmsGateway24Simulator
) -> None:
    info = await client.get_info()
    assert info.type is GatewayType.SMSGATEWAY24
    assert info.unique_id == "owner@example.com"
    assert info.port_count == 3
    state = await client.poll()
    kitchen, spare = phone_ids(cloud)
    assert sorted(state.devices) == sorted([str(kitchen), str(spare)])
    assert state.devices[str(kitchen)].name == "Kitchen phone"
    assert state.devices[str(kitchen)].online is True
    assert sorted(state.ports) == sorted([f"{kitchen}_0", f"{kitchen}_1", f"{spare}_0"])
    sim2 = state.ports[f"{kitchen}_1"]
    assert (sim2.number, sim2.slot, sim2.parent_key) == (
        kitchen * 10 + 1,
        None,  # each slot is a port of its own
        str(kitchen),
    )
    assert sim2.sim is not None
    assert sim2.sim.phone_number == cloud.phones[kitchen].sims[1].number.lstrip("+")


async def test_create_client_builds_it(
    session: aiohttp.ClientSession, cloud: SmsGateway24Simulator
) -> None:
    client = create_client(
        GatewayType.SMSGATEWAY24,
        session,
        ClientConfig(url=cloud.url, username=EMAIL, password=PASSWORD),
    )
    assert isinstance(client, SmsGateway24Client)
    assert (await client.get_info()).name == f"SmsGateway24 {EMAIL}"


async def test_wrong_password_is_an_auth_error(make_client: Factory) -> None:
    with pytest.raises(GatewayAuthError, match="incorrect"):
        await make_client(password="wrong").get_info()


async def test_expired_token_is_renewed_without_the_user(
    client: SmsGateway24Client, cloud: SmsGateway24Simulator
) -> None:
    await client.get_info()
    cloud.expire_tokens()
    state = await client.poll()
    assert state.devices
    assert client.token_renewals == 0  # devices are read again only in 5 minutes
    assert await client.fetch_inbox(0) == []
    assert client.token_renewals == 1
    assert len(cloud.calls("gettoken")) == 2


async def test_an_old_token_is_renewed_whatever_the_refusal_says(
    client: SmsGateway24Client, cloud: SmsGateway24Simulator, clock: Clock
) -> None:
    await client.get_info()
    cloud.expire_tokens()
    cloud.token_error = "Access denied"  # the live wording is not published
    with pytest.raises(GatewayRefusedError, match="Access denied"):
        await client.fetch_inbox(0)  # a young token: a refusal is a refusal
    assert client.token_renewals == 0
    clock.now += 601
    assert await client.fetch_inbox(0) == []
    assert client.token_renewals == 1
    # A refusal that is not the token's comes back after one renewal.
    clock.now += 601
    with pytest.raises(GatewayRefusedError, match="Tag not found"):
        await client.add_contact("1", "+491", None)
    assert client.token_renewals == 2


async def test_changed_password_is_an_auth_error_on_renewal(
    client: SmsGateway24Client, cloud: SmsGateway24Simulator
) -> None:
    await client.get_info()
    cloud.expire_tokens()
    cloud.password = "changed"
    with pytest.raises(GatewayAuthError):
        await client.fetch_inbox(0)


async def test_http_401_to_a_token_call_renews_once(
    client: SmsGateway24Client, cloud: SmsGateway24Simulator
) -> None:
    await client.get_info()
    cloud.fail("getallsms", status=401)
    assert await client.fetch_inbox(0) == []
    assert client.token_renewals == 1
    cloud.fail("getallsms", status=401, times=2)
    with pytest.raises(GatewayAuthError):
        await client.fetch_inbox(0)


async def test_refusals_carry_the_service_message(
    client: SmsGateway24Client,
) -> None:
    with pytest.raises(GatewayRefusedError, match="Device not found"):
        await client.send_sms(
            SendRequest(numbers=("+491", "+492"), text="x", ports=(9990,))
        )
    await client.poll()
    with pytest.raises(GatewayBadRequestError, match="no such phone"):
        await client.send_sms(SendRequest(numbers=("+491",), text="x", ports=(9990,)))
    with pytest.raises(GatewayBadRequestError):
        await client.send_sms(SendRequest(numbers=(" - ",), text="x"))
    with pytest.raises(GatewayBadRequestError):
        await client.send_sms(SendRequest(numbers=("+491",), text=""))


async def test_failures_pause_longer_each_time(
    client: SmsGateway24Client, cloud: SmsGateway24Simulator, clock: Clock
) -> None:
    await client.get_info()
    cloud.fail("getallsms", times=3, status=503)
    with pytest.raises(GatewayResponseError):
        await client.fetch_inbox(0)
    asked = len(cloud.calls())
    # Within the pause nothing goes out.
    with pytest.raises(GatewayConnectionError, match="next try in 30 s"):
        await client.fetch_inbox(0)
    assert len(cloud.calls()) == asked
    clock.now += 31
    with pytest.raises(GatewayResponseError):
        await client.fetch_inbox(0)
    with pytest.raises(GatewayConnectionError, match="next try in 60 s"):
        await client.fetch_inbox(0)
    clock.now += 61
    with pytest.raises(GatewayResponseError):
        await client.fetch_inbox(0)
    clock.now += 121
    assert await client.fetch_inbox(0) == []
    assert client.backoff.failures == 0


async def test_unreachable_cloud(
    make_client: Factory, cloud: SmsGateway24Simulator
) -> None:
    client = make_client()
    await cloud.stop()
    with pytest.raises(GatewayConnectionError):
        await client.get_info()
    assert client.backoff.failures == 1


async def test_one_and_many_numbers_one_request_each(
    client: SmsGateway24Client, cloud: SmsGateway24Simulator
) -> None:
    await client.poll()
    kitchen, spare = phone_ids(cloud)
    client.requests_made = 0
    one = await client.send_sms(SendRequest(numbers=("+49 151 000",), text="Hi"))
    assert one.requests == 1
    numbers = tuple(f"+49151{index:07d}" for index in range(1000))
    many = await client.send_sms(
        SendRequest(numbers=numbers, text="All", ports=(kitchen * 10, kitchen * 10 + 1))
    )
    assert many.requests == 1
    assert client.requests_made == 2
    assert [c.endpoint for c in cloud.calls()][-2:] == ["addsms", "addalotofsms"]
    stored = [m for m in cloud.messages.values() if m.body == "All"]
    assert len(stored) == 1000
    # Spread over the two SIMs named, in turn.
    assert {m.sim for m in stored} == {0, 1}
    assert sum(m.sim for m in stored) == 500
    assert {m.customerid for m in stored} == {
        int(m.message_id or 0) for m in many.messages
    }
    assert many.messages[1].port == kitchen * 10 + 1
    # With no SIM named the phone seen last sends, from its first SIM.
    [first] = [m for m in cloud.messages.values() if m.body == "Hi"]
    assert first.sendto == "+49151000"
    assert first.device_id in (kitchen, spare)
    assert first.sim == 0


async def test_scheduled_urgent_sends_and_statuses(
    client: SmsGateway24Client, cloud: SmsGateway24Simulator
) -> None:
    await client.poll()
    kitchen, _ = phone_ids(cloud)
    later = datetime.now(UTC) + timedelta(hours=2)
    scheduled = await client.send_sms(
        SendRequest(
            numbers=("+491", "+492"), text="Later", send_at=later, ports=(kitchen * 10,)
        )
    )
    urgent = await client.send_sms(
        SendRequest(
            numbers=("+493",), text="Now", urgent=True, ports=(kitchen * 10 + 1,)
        )
    )
    stored = {m.body: m for m in cloud.messages.values()}
    assert stored["Now"].urgent is True
    assert stored["Later"].timetosend == later.replace(microsecond=0)
    await cloud.complete_sends()
    updates = await client.fetch_sms_statuses()
    assert [(u.message_id, u.status) for u in updates] == [
        (urgent.messages[0].message_id, SmsStatus.DELIVERED)
    ]
    assert updates[0].port == kitchen * 10 + 1
    # The scheduled ones wait on the server for their time.
    assert client.has_pending_sends()
    assert await client.fetch_sms_statuses() == []
    assert [c.endpoint for c in cloud.calls()][-1] == "getallsms"
    for message in cloud.messages.values():
        message.timetosend = None
    await cloud.tick()
    taken = await client.fetch_sms_statuses()
    assert {u.status for u in taken} == {SmsStatus.SENDING}
    assert {u.message_id for u in taken} == {m.message_id for m in scheduled.messages}
    await cloud.complete_sends(final=9)
    failed = await client.fetch_sms_statuses()
    assert {u.status for u in failed} == {SmsStatus.FAILED}
    assert not client.has_pending_sends()


async def test_sends_scheduled_days_ahead_are_found(
    client: SmsGateway24Client, cloud: SmsGateway24Simulator, clock: Clock
) -> None:
    await client.poll()
    later = datetime.now(UTC) + timedelta(days=3)
    result = await client.send_sms(
        SendRequest(numbers=("+491", "+492"), text="Birthday", send_at=later)
    )
    clock.now += 2 * 86400 + 3600  # past the two days a send is followed
    assert client.has_pending_sends()  # counted from its send time
    for message in cloud.messages.values():
        message.timetosend = None
    await cloud.complete_sends()
    updates = await client.fetch_sms_statuses()
    assert {u.message_id for u in updates} == {m.message_id for m in result.messages}
    # Asked from a day before they were stored, not before they were due.
    begin = cloud.calls("getallsms")[-1].fields["begindate"]
    assert begin < datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


async def test_lost_answer_is_looked_up_not_resent(
    client: SmsGateway24Client, cloud: SmsGateway24Simulator
) -> None:
    await client.poll()
    cloud.fail("addsms", drop=True)
    result = await client.send_sms(SendRequest(numbers=("+491",), text="Once"))
    assert len([m for m in cloud.messages.values() if m.body == "Once"]) == 1
    [message] = result.messages
    assert message.status is SmsStatus.QUEUED
    assert cloud.calls()[-1].fields["customerid"] == message.message_id
    # A request that never arrived is not found, and the error is the caller's.
    cloud.fail("addalotofsms", status=502)
    with pytest.raises(GatewayResponseError):
        await client.send_sms(SendRequest(numbers=("+491", "+492"), text="Twice"))
    await cloud.stop()
    with pytest.raises(GatewayConnectionError):
        await client.send_sms(SendRequest(numbers=("+491",), text="Never"))


async def test_inbox_above_the_mark(
    make_client: Factory, cloud: SmsGateway24Simulator
) -> None:
    kitchen, spare = phone_ids(cloud)
    old = await cloud.receive_sms(kitchen, "+380501", "before set-up")
    client = make_client()
    history = await client.fetch_inbox(None)
    assert [m.message_id for m in history] == [str(old.id)]
    await cloud.receive_sms(spare, "Bank", "Код 1234")
    await cloud.receive_sms(kitchen, "+4917", "Hi on SIM 2", sim=1)
    new = await client.fetch_inbox(old.id)
    assert [(m.sender, m.text, m.port) for m in new] == [
        ("Bank", "Код 1234", spare * 10),
        ("+4917", "Hi on SIM 2", kitchen * 10 + 1),
    ]
    assert all(m.sequence and m.sequence > old.id for m in new)
    assert new[0].timestamp.tzinfo is not None
    [form] = [c.fields for c in cloud.calls("getallsms")][-1:]
    assert (form["status"], form["timezone"]) == ("5", "UTC")
    # Sent messages are not incoming.
    await client.send_sms(SendRequest(numbers=("+491",), text="out"))
    assert await client.fetch_inbox(new[-1].sequence) == []


async def test_state_survives_a_restart(
    make_client: Factory, cloud: SmsGateway24Simulator, clock: Clock
) -> None:
    first = make_client()
    await first.poll()
    sent = await first.send_sms(SendRequest(numbers=("+491", "+492"), text="x"))
    await first.fetch_inbox(0)
    state = json.loads(json.dumps(first.export_state()))
    assert len(state["pending"]) == 2
    clock.now += 3 * 86400  # down for three days
    await cloud.complete_sends()
    second = make_client()
    second.restore_state({"pending": "garbage", "inbox_checked": "not a date"})
    second.restore_state(state)
    # Followed for two days only after they were sent: forgotten.
    assert not second.has_pending_sends()
    clock.now -= 3 * 86400 - 60
    third = make_client()
    third.restore_state(state)
    updates = await third.fetch_sms_statuses()
    assert {u.message_id for u in updates} == {m.message_id for m in sent.messages}
    # The inbox asks from a day before the last check, however long ago it was.
    await third.fetch_inbox(0)
    begin = cloud.calls("getallsms")[-1].fields["begindate"]
    checked = datetime.fromisoformat(state["inbox_checked"])
    assert begin == (checked - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")


async def test_polling_budget_is_constant(
    make_client: Factory, cloud: SmsGateway24Simulator, clock: Clock
) -> None:
    def cycle_cost(client: SmsGateway24Client) -> int:
        return client.requests_made

    costs = {}
    for count in (1, 20):
        while len(cloud.phones) < count:
            cloud.add_phone(sims=2)
        for phone_id in list(cloud.phones)[count:]:
            cloud.remove_phone(phone_id)
        client = make_client()
        await client.get_info()
        await client.fetch_inbox(None)
        client.requests_made = 0
        clock.now += 60
        await client.poll()
        await client.fetch_inbox(0)
        costs[count] = cycle_cost(client)
        clock.now += 300
        client.requests_made = 0
        await client.poll()
        await client.fetch_inbox(0)
        costs[f"{count} with devices"] = cycle_cost(client)
    assert costs == {1: 1, 20: 1, "1 with devices": 2, "20 with devices": 2}


async def test_a_phone_that_seems_gone_is_asked_once(
    make_client: Factory, cloud: SmsGateway24Simulator, clock: Clock
) -> None:
    client = make_client(device_interval=3600)
    kitchen, spare = phone_ids(cloud)
    await client.poll()
    clock.now += 900  # both phones' last seen now looks a quarter of an hour old
    state = await client.poll()
    assert cloud.calls()[-1].endpoint == "getdevicestatus"
    assert cloud.calls()[-1].fields["device_id"] == str(kitchen)
    # The service has seen it just now (by its clock): online after all.
    assert state.devices[str(kitchen)].online is True
    assert state.devices[str(spare)].online is False
    await client.poll()
    assert cloud.calls()[-1].fields["device_id"] == str(spare)
    calls = len(cloud.calls())
    await client.poll()
    assert len(cloud.calls()) == calls  # each asked once until the next list


async def test_a_phone_back_after_days_is_read_back_to_when_it_left(
    client: SmsGateway24Client, cloud: SmsGateway24Simulator, clock: Clock
) -> None:
    kitchen, _ = phone_ids(cloud)
    await client.poll()
    await client.fetch_inbox(0)
    left = cloud.phones[kitchen].last_seen
    clock.now += 3 * 86400
    await client.poll()  # both look away now
    await client.fetch_inbox(0)
    clock.now += 60
    await client.fetch_inbox(0)  # a day before the last check
    assert cloud.calls("getallsms")[-1].fields["begindate"] == (
        datetime.fromtimestamp(clock.now - 60, UTC) - timedelta(days=1)
    ).strftime("%Y-%m-%d %H:%M:%S")
    # Back: it uploads what it received while away, dated then.
    clock.now += 300
    message = await cloud.receive_sms(kitchen, "+491", "sent two days ago")
    message.created = left + timedelta(hours=1)
    cloud.phones[kitchen].last_seen = datetime.fromtimestamp(clock.now, UTC)
    await client.poll()
    [found] = await client.fetch_inbox(0)
    assert found.text == "sent two days ago"
    # Only once: the next read looks back one day again.
    await client.fetch_inbox(found.sequence)
    assert cloud.calls("getallsms")[-1].fields["begindate"] == (
        datetime.fromtimestamp(clock.now, UTC) - timedelta(days=1)
    ).strftime("%Y-%m-%d %H:%M:%S")


async def test_webhooks(
    client: SmsGateway24Client, cloud: SmsGateway24Simulator
) -> None:
    kitchen, _ = phone_ids(cloud)
    await client.poll()
    incoming = {
        "address": "+4917",
        "date": "2026-01-15 10:30:00",
        "date_sent": "2026-01-15 10:29:58",
        "body": "Hello",
        "internal_id": 17,
        "channel_id": 1,
        "sms_id": 99,
        "device_id": kitchen,
        "device_name": "Kitchen phone",
        "type": "text",
    }
    push = client.parse_push(json.dumps(incoming).encode(), "application/json")
    [message] = push.events
    assert isinstance(message, InboundSms)
    assert (message.message_id, message.port, message.sequence) == (
        "99",
        kitchen * 10 + 1,
        99,
    )
    # A form body with the same names reads the same.
    form = "&".join(f"{k}={v}" for k, v in incoming.items()).replace("+", "%2B")
    again = client.parse_push(form.encode(), "application/x-www-form-urlencoded")
    assert again.events == push.events
    image = {k: v for k, v in incoming.items() if k not in ("device_id", "channel_id")}
    image |= {"body": "", "img_url": "https://s3/x.jpg", "internal_id": None, "sim": 0}
    [picture] = client.parse_push(json.dumps(image).encode(), "application/json").events
    assert isinstance(picture, InboundSms)
    assert (picture.text, picture.port) == ("https://s3/x.jpg", None)
    with pytest.raises(ForeignPushError):
        client.parse_push(json.dumps(incoming | {"device_id": 1}).encode())
    for bad in (b"", b"[1, 2]", b"{not json", b'{"foo": 1}', b'"text"'):
        with pytest.raises(PushError):
            client.parse_push(bad, "application/json")
    # A delivery report of a message not sent from here changes nothing.
    report = {"sms_id": 5, "status_id": 7, "sendto": "+491", "device_id": kitchen}
    assert client.parse_push(json.dumps(report).encode()).events == ()


async def test_contact_lists_and_newsletters(
    client: SmsGateway24Client, cloud: SmsGateway24Simulator
) -> None:
    list_id = await client.create_contact_list("Neighbours")
    contact = await client.add_contact(list_id, "+49 (151) 12-34", "Ann")
    assert cloud.tags[int(list_id)] == "Neighbours"
    assert cloud.contacts[int(contact)] == (
        int(list_id),
        "+4915112 34".replace(" ", ""),
        "Ann",
    )
    kitchen, _ = phone_ids(cloud)
    start = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    newsletter = await client.send_newsletter(
        [list_id],
        "Party on Friday",
        title="Party",
        send_at=start,
        port=kitchen * 10 + 1,
    )
    assert int(newsletter) in cloud.pakets
    assert cloud.calls("savepaket")[0].fields["time_to_send"] == "02.01.2030 3:04:05"
    [message] = [m for m in cloud.messages.values() if m.paket_id == int(newsletter)]
    assert (message.sendto, message.sim) == ("+491511234", 1)
    with pytest.raises(GatewayBadRequestError):
        await client.create_contact_list(" ")
    with pytest.raises(GatewayBadRequestError):
        await client.add_contact(list_id, "", None)
    with pytest.raises(GatewayBadRequestError):
        await client.send_newsletter([], "x", title="t")
    with pytest.raises(GatewayRefusedError, match="Tag not found"):
        await client.add_contact("1", "+491", None)
