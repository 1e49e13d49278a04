"""Smoke tests of the modem simulator, spoken to over raw TCP.

They check that the fake behaves like a stick (TS 27.005/27.007 as modems
answer them), so that the client's tests against it mean something.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime

import pytest

from simulator.modem import ModemSimulator
from simulator.modem.wire import deliver_pdus, pack_ussd, read_submit


class Line:
    """A raw TCP line to the simulator, read up to what is expected."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.reader = reader
        self.writer = writer

    async def say(self, text: str, until: bytes = b"OK\r\n") -> str:
        self.writer.write(text.encode())
        await self.writer.drain()
        return await self.read(until)

    async def read(self, until: bytes) -> str:
        async with asyncio.timeout(5):
            data = await self.reader.readuntil(until)
        return data.decode()


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncGenerator[ModemSimulator]:
    modem = ModemSimulator(pin="1234", store_size=2)
    await modem.start_tcp()
    yield modem
    await modem.stop()


@pytest.fixture
async def line(sim: ModemSimulator) -> AsyncGenerator[Line]:
    host, port = sim.url.removeprefix("socket://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    yield Line(reader, writer)
    writer.close()


async def test_starts_with_echo_and_verbose_errors(line: Line) -> None:
    assert await line.say("AT\r") == "AT\r\n\r\nOK\r\n"
    assert "ERROR" in await line.say("AT+CMGL=4\r", b"ERROR\r\n")
    assert await line.say("ATE0\r") == "ATE0\r\n\r\nOK\r\n"
    assert await line.say("AT+CMEE=1\r") == "\r\nOK\r\n"
    assert "+CME ERROR: 11" in await line.say("AT+CMGF=0\r", b"11\r\n")


async def test_three_wrong_pins_lock_to_the_puk(
    sim: ModemSimulator, line: Line
) -> None:
    await line.say("ATE0\r")
    await line.say("AT+CMEE=1\r")
    for _ in range(3):
        assert "+CME ERROR: 16" in await line.say('AT+CPIN="0000"\r', b"16\r\n")
    assert "SIM PUK" in await line.say("AT+CPIN?\r")
    assert "+CME ERROR: 12" in await line.say('AT+CPIN="1234"\r', b"12\r\n")
    assert sim.puk_locked


async def test_store_full_keeps_messages_in_the_network(
    sim: ModemSimulator, line: Line
) -> None:
    await line.say("ATE0\r")
    await line.say('AT+CPIN="1234"\r')
    await line.say("AT+CMGF=0\r")
    await line.say("AT+CNMI=2,1,0,1,0\r")
    for number in range(3):
        sim.receive_sms("+1", f"message {number}")
    assert "+CMTI" in await line.read(b'"SM",2\r\n')
    assert len(sim.store) == 2
    assert len(sim.waiting_in_network) == 1
    listing = await line.say("AT+CMGL=4\r")
    assert listing.count("+CMGL:") == 2
    # Room again: the waiting message comes at once, announced.
    assert '+CMTI: "SM",1' in await line.say("AT+CMGD=1\r")
    assert sim.waiting_in_network == []


async def test_send_with_prompt_and_status_report(
    sim: ModemSimulator, line: Line
) -> None:
    await line.say("ATE0\r")
    await line.say('AT+CPIN="1234"\r')
    await line.say("AT+CMGF=0\r")
    await line.say("AT+CNMI=2,1,0,1,0\r")
    pdu = "0031000B916407281553F80000AA0AE8329BFD4697D9EC37"
    assert "> " in await line.say("AT+CMGS=23\r", b"> ")
    answer = await line.say(pdu + "\x1a")
    assert "+CMGS: 1" in answer
    await line.read(b"+CDS: ")
    length = int((await line.read(b"\r\n")).strip())
    pdu_line = (await line.read(b"\r\n")).strip()
    assert len(pdu_line) // 2 - 8 == length  # TPDU octets, the SMSC's 8 left out
    assert sim.sent_texts() == [("+46708251358", "hellohello")]
    # A length that is not the TPDU's is refused, as modems do.
    assert "> " in await line.say("AT+CMGS=99\r", b"> ")
    assert "ERROR" in await line.say(pdu + "\x1a", b"ERROR\r\n")


def test_deliver_pdus_split_and_submit_read_back() -> None:
    parts = deliver_pdus("Telekom", "x" * 200, datetime(2026, 1, 1, tzinfo=UTC), 7)
    assert len(parts) == 2
    submitted = read_submit("0011000B916407281553F80000AA0AE8329BFD4697D9EC37")
    assert submitted.text == "hellohello"
    assert submitted.number == "+46708251358"
    # Seven septets padded with a CR to fill the last octet (TS 23.038 §6.1.2.3.1).
    assert pack_ussd("Balance") == pack_ussd("Balance\r")
