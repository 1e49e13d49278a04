"""The shared interface: what a gateway type cannot do, it says so."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
import pytest

from custom_components.gsm_gateway.api import (
    SUPPORTED_TYPES,
    Capability,
    ClientConfig,
    GatewayClient,
    GatewayInfo,
    GatewayNotSupportedError,
    GatewayState,
    GatewayType,
    Push,
    SendRequest,
    create_client,
)


class MinimalClient(GatewayClient):
    """A gateway that can only be polled: every other method keeps the default."""

    type = GatewayType.OPENVOX

    async def get_info(self) -> GatewayInfo:
        return GatewayInfo(type=self.type, unique_id="x", name="x", manufacturer="x")

    async def poll(self) -> GatewayState:
        return GatewayState()

    def parse_push(
        self,
        body: bytes,
        content_type: str | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Push:
        return Push(kind="none", events=())


CALLS: list[tuple[Capability, Callable[[GatewayClient], Awaitable[Any]]]] = [
    (Capability.SEND_SMS, lambda c: c.send_sms(SendRequest(numbers=("1",), text="x"))),
    (Capability.INBOX, lambda c: c.fetch_inbox(None)),
    (Capability.STOP_SMS, lambda c: c.stop_sms(1)),
    (Capability.USSD, lambda c: c.send_ussd(0, "*100#", 1)),
    (Capability.STK, lambda c: c.stk_view(0)),
    (Capability.STK, lambda c: c.stk_action(0, item=1)),
    (Capability.POWER, lambda c: c.set_power(0, on=False)),
    (Capability.RESET, lambda c: c.reset_module(0)),
    (Capability.SLOT, lambda c: c.select_slot(0, 1)),
    (Capability.CDR, lambda c: c.get_cdr()),
    (Capability.TELEGRAM, lambda c: c.send_telegram("x")),
]


@pytest.mark.parametrize(("capability", "call"), CALLS)
async def test_unsupported_methods_raise(
    capability: Capability, call: Callable[[GatewayClient], Awaitable[Any]]
) -> None:
    """Each default names the capability the gateway type lacks."""
    client = MinimalClient()
    assert not client.supports(capability)
    with pytest.raises(GatewayNotSupportedError) as err:
        await call(client)
    assert err.value.capability == capability.value


async def test_defaults_that_do_nothing() -> None:
    """No pending sends, no statuses, and no push target to set."""
    client = MinimalClient()
    assert client.has_pending_sends() is False
    assert await client.fetch_sms_statuses() == []
    assert await client.read_push_settings() is None
    assert await client.configure_push("http://ha/api/webhook/x") is False
    await client.restore_push_settings({"enable": 0})
    assert (await client.get_info()).unique_id == "x"
    assert (await client.poll()).ports == {}
    assert client.parse_push(b"").kind == "none"


async def test_create_client_refuses_types_without_a_client() -> None:
    """Only gateway types with a client can be created."""
    async with aiohttp.ClientSession() as session:
        for gateway_type in GatewayType:
            if gateway_type in SUPPORTED_TYPES:
                client = create_client(
                    gateway_type, session, ClientConfig(url="https://x")
                )
                assert client.type is gateway_type
            else:
                with pytest.raises(GatewayNotSupportedError):
                    create_client(gateway_type, session, ClientConfig(url="https://x"))


async def test_pending_sends_survive_export_and_restore() -> None:
    """What one client exports, a new one follows; unreadable items are skipped."""
    from custom_components.gsm_gateway.api.dinstar import DinstarClient

    async with aiohttp.ClientSession() as session:
        config = ClientConfig(url="http://127.0.0.1:9")
        assert MinimalClient().export_state() == {}
        MinimalClient().restore_state({"anything": 1})
        old = DinstarClient(session, config)
        old.restore_state({"pending": "not a list"})
        assert old.export_state() == {"pending": []}
        old.restore_state(
            {
                "pending": [
                    {
                        "user_id": 7,
                        "number": "+1",
                        "port": 2,
                        "delivery_report": True,
                        "created": 1e12,
                        "task_id": 3,
                        "status": "sent",
                        "ref_id": 9,
                        "sent_time": "2026-01-01T10:00:00+00:00",
                    },
                    {"user_id": "not a number"},
                    {"number": "+2"},
                ]
            }
        )
        exported = old.export_state()

        new = DinstarClient(session, config)
        new.restore_state(exported)

    assert [item["user_id"] for item in exported["pending"]] == [7]
    assert new.export_state() == exported
    assert new.has_pending_sends()
