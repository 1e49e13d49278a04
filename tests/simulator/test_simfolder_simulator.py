"""Smoke tests of the SimFolder simulator over real HTTP, on the wire module's terms.

The simulator and the client share `simfolder_wire`; these check what the
simulator does with requests the client never sends (GET, unknown methods,
bad keys), so that a correction of the wire stays honest on both sides.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import aiohttp
import pytest

from custom_components.gsm_gateway.api import simfolder_wire as wire
from custom_components.gsm_gateway.api.simfolder_wire import ErrorKind, Field, Param
from simulator.simfolder import SimFolderSimulator


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncGenerator[SimFolderSimulator]:
    simulator = SimFolderSimulator(aggregators=1, cards=2, bank_cards=1, seed=1)
    simulator.delay = 0
    await simulator.start()
    yield simulator
    await simulator.stop()


async def _get(sim: SimFolderSimulator, method: str, **params: Any) -> tuple[int, Any]:
    query = {wire.METHOD_PARAM: method, wire.API_KEY_PARAM: sim.api_key, **params}
    async with (
        aiohttp.ClientSession() as session,
        session.get(sim.url, params=query) as response,
    ):
        return response.status, await response.json()


async def test_get_is_answered_like_post(sim: SimFolderSimulator) -> None:
    """The document allows GET or POST: the simulator reads both."""
    status, answer = await _get(sim, "cardList")
    assert status == 200
    cards = wire.records(wire.decode_answer(answer))
    assert [c[Field.CARD] for c in cards] == [101, 102, 103]
    assert cards[2][Field.STATE] == -3  # in the SIM bank


async def test_errors_are_answered_as_the_wire_says(sim: SimFolderSimulator) -> None:
    status, answer = await _get(sim, "noSuchMethod")
    assert status == 400
    with pytest.raises(wire.WireError) as err:
        wire.decode_answer(answer, status)
    assert err.value.kind is ErrorKind.BAD_REQUEST
    async with (
        aiohttp.ClientSession() as session,
        session.get(sim.url, params={wire.METHOD_PARAM: "version"}) as response,
    ):
        assert response.status == 401
    status, _ = await _get(sim, "deviceState", **{wire.PARAM_NAMES[Param.DEVICE]: 9})
    assert status == 404
    status, _ = await _get(sim, "smsDelete")
    assert status == 400


async def test_card_select_moves_cards_between_modem_and_bank(
    sim: SimFolderSimulator,
) -> None:
    names = wire.PARAM_NAMES
    status, _ = await _get(
        sim, "cardSelect", **{names[Param.CARD]: 103, names[Param.MODEM]: 1}
    )
    assert status == 200
    assert sim.cards[103].modem == 1
    assert sim.cards[103].state == 1
    assert sim.cards[102].modem is None
    assert sim.cards[102].state == -3
    status, _ = await _get(
        sim, "cardSelect", **{names[Param.CARD]: 102, names[Param.MODEM]: 7}
    )
    assert status == 400


async def test_notifications_only_for_kinds_switched_on(
    sim: SimFolderSimulator,
) -> None:
    """Nothing is sent before settingsSet, and lost ones are counted."""
    assert await sim.receive_sms(101, "+1", "x")
    assert sim.notifications_sent == []
    sim.settings_url = "http://127.0.0.1:9/hook"
    sim.settings_kinds["smsReceived"] = True
    sim.notify = False
    await sim.receive_sms(101, "+1", "y")
    assert sim.notifications_sent == [
        {"kind": "smsReceived", "status": None, "lost": True}
    ]
    sim.notify = True
    assert await sim.send_notification("smsReceived", {Field.CARD: 101}) == 0
