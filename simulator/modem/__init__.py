"""A fake GSM/LTE modem speaking AT commands, on TCP and on a pseudo-terminal.

Written from 3GPP TS 27.007 / 27.005 and from how USB sticks and SIM800
modules behave in the field (api-docs/README.md, "Modems"), never from our
client. Its choices, where the standards leave them open:

- It starts as a stick does after power-up: echo on, text mode (`+CMGF=1`),
  no new-message indications until `+CNMI` asks, `+CME ERROR` verbose
  (words) until `+CMEE=1` makes them numeric.
- A SIM store of `store_size` (20) messages; a full store refuses further
  messages, which wait in the network and come once there is room.
- `+CNMI=2,1,0,1,0`: a new message is stored and announced with
  `+CMTI: "SM",<index>`; status reports come straight as `+CDS: <length>`
  and the PDU on the next line. Other <mt> values than 1 are refused when
  `cnmi_mt_allowed` says so.
- Unsolicited codes go out between answers, or in the middle of the next
  answer when `urc_mid_answer` is set (the case the client must tell apart).
- A PIN-locked SIM (`pin`) asks for it after every power-up; three wrong
  PINs lock it to the PUK.
- `RING` and `+CLIP` every `ring_interval` seconds while a call rings; when
  the caller gives up, the stick says nothing more (as most do).
- USSD replies as `+CUSD: 0,"<text>",<dcs>` in the form `ussd_form` says:
  plain text, GSM-7 packed hex (dcs 15) or UCS-2 hex (dcs 72).

Unplugging (`unplug`) drops the connection and refuses new ones until
`plug`; the modem then comes back as from power-up (the PIN asked again).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
import logging
import os
import re
from typing import Any

from .wire import (
    Submitted,
    deliver_pdus,
    pack_ussd,
    read_submit,
    status_report_pdu,
)

_LOGGER = logging.getLogger(__name__)

CME_WORDS = {
    3: "operation not allowed",
    4: "operation not supported",
    10: "SIM not inserted",
    11: "SIM PIN required",
    12: "SIM PUK required",
    16: "incorrect password",
    100: "unknown",
}


@dataclass
class Sent:
    """One SMS-SUBMIT the modem took, as the network read it."""

    submitted: Submitted
    reference: int
    at: datetime


@dataclass
class ModemSimulator:
    """The modem's state; `start_tcp`/`start_pty` put it on a line."""

    imei: str = "867962041234567"
    manufacturer: str = "Quectel"
    model: str = "EC25"
    firmware: str = "EC25EFAR06A08M4G"
    imsi: str = "255011234567890"
    iccid: str = "89380062300123456789"
    own_number: str | None = "+380501234567"
    operator: str = "Kyivstar"
    smsc: str = "+380672021111"
    pin: str | None = None
    sim_inserted: bool = True
    store_size: int = 20
    rssi: int = 21
    registration: int = 1
    lte: bool = True
    ussd_form: str = "gsm7hex"
    ussd_replies: dict[str, str] = field(
        default_factory=lambda: {
            "*100#": "Balance: 12.50 UAH. Tariff Smart, 15 GB to 31.12.",
            "*101#": "Ваш баланс: 12,50 грн",
        }
    )
    ussd_delay: float = 0.05
    ussd_status: int = 0
    """0: the reply ends the session; 1: a menu, the network waits for more."""
    report_delay: float = 0.05
    undeliverable: set[str] = field(default_factory=set)
    ring_interval: float = 0.2
    urc_mid_answer: bool = False
    cnmi_mt_allowed: tuple[int, ...] = (0, 1, 2, 3)
    answer_delay: float = 0.0
    mute: bool = False
    """Takes what is written and answers nothing (the wrong port of a stick)."""
    delete_fails: bool = False
    """`+CMGD` answers ERROR (to stand for a crash before the delete)."""

    def __post_init__(self) -> None:
        self.store: dict[int, tuple[int, str]] = {}
        self.waiting_in_network: list[str] = []
        self.held_back: list[str] = []
        """Parts `receive_sms` was told to drop, until `deliver_held_back`."""
        self.sent: list[Sent] = []
        self.commands: list[str] = []
        self.ussd_sent: list[str] = []
        self.calls_dialled: list[str] = []
        self.pin_attempts = 0
        self._reference = 0
        self._concat = 0x40
        self._writer: Callable[[bytes], None] | None = None
        self._closer: Callable[[], None] | None = None
        self._server: asyncio.Server | None = None
        self._pty: tuple[int, int] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ring_task: asyncio.Task[None] | None = None
        self.plugged = True
        self.unlocked = False
        self.puk_locked = False
        self.connected = asyncio.Event()
        self.released = asyncio.Event()
        """Set while no one holds the line."""
        self.released.set()
        self._power_up()

    # --- Power and lines ----------------------------------------------------

    def _power_up(self) -> None:
        self.echo = True
        self.cmgf = 1
        self.cmee = 0
        self.cnmi: tuple[int, ...] = (0, 0, 0, 0, 0)
        self.clip = False
        self.creg_mode = 0
        self.cereg_mode = 0
        self.cfun = 1
        self.unlocked = self.pin is None
        self.call: str | None = None
        self.caller: str | None = None
        self._pending_urcs: list[str] = []
        self._cmgs: int | None = None
        self._buffer = b""

    async def start_tcp(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on TCP (a `socket://` modem); returns the port."""
        self._server = await asyncio.start_server(self._on_client, host, port)
        bound: int = self._server.sockets[0].getsockname()[1]
        self.url = f"socket://{host}:{bound}"
        return bound

    async def _on_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if not self.plugged:
            writer.close()  # nothing answers on an unplugged stick
            return
        if (task := asyncio.current_task()) is not None:
            self._tasks.add(task)  # stopped with the simulator
            task.add_done_callback(self._tasks.discard)
        if self._closer is not None:
            self._closer()  # the last user let go; its close may not be seen yet

        def close() -> None:
            writer.close()

        self._writer = writer.write
        self._closer = close
        self.connected.set()
        self.released.clear()
        try:
            while data := await reader.read(4096):
                await self._received(data)
        except ConnectionError, OSError:
            pass
        finally:
            if self._closer is close:
                self._writer = None
                self._closer = None
                self.connected.clear()
                self.released.set()
            writer.close()

    def start_pty(self) -> str:
        """Open a pseudo-terminal; returns the path to give the integration."""
        import tty  # noqa: PLC0415 - POSIX only

        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._pty = (master, slave)
        loop = asyncio.get_running_loop()

        def readable() -> None:
            try:
                data = os.read(master, 4096)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if data:
                self._spawn(self._received(data))

        def write(data: bytes) -> None:
            try:
                os.write(master, data)
            except OSError:
                _LOGGER.debug("Nobody reads the pseudo-terminal")

        loop.add_reader(master, readable)
        self._writer = write
        self._closer = None
        self.path = os.ttyname(slave)
        return self.path

    async def stop(self) -> None:
        """Stop listening and drop the line."""
        for task in list(self._tasks):
            task.cancel()
        if self._ring_task is not None:
            self._ring_task.cancel()
        if self._closer is not None:
            self._closer()
        self._writer = None
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._pty is not None:
            asyncio.get_running_loop().remove_reader(self._pty[0])
            for fd in self._pty:
                os.close(fd)
            self._pty = None

    def unplug(self) -> None:
        """Pull the stick out: the line drops, nothing answers."""
        self.plugged = False
        if self._closer is not None:
            self._closer()
        self._writer = None
        self._closer = None
        self.connected.clear()

    def plug(self) -> None:
        """Put it back: it powers up afresh."""
        self.plugged = True
        self._power_up()

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _write(self, text: str) -> None:
        if self._writer is not None:
            self._writer(text.encode())

    def urc(self, line: str) -> None:
        """Say something unasked (now, or inside the next answer)."""
        if self.urc_mid_answer:
            self._pending_urcs.append(line)
        else:
            self._write(f"\r\n{line}\r\n")

    # --- Commands ---------------------------------------------------------

    async def _received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            if self._cmgs is not None:
                if b"\x1a" not in self._buffer:
                    return
                pdu, _, self._buffer = self._buffer.partition(b"\x1a")
                length, self._cmgs = self._cmgs, None
                answer = self._take_pdu(pdu.decode(errors="replace").strip(), length)
                if not self.mute:  # muted: sent, but the answer never comes
                    self._answer(answer)
                continue
            match = re.search(rb"\r", self._buffer)
            if match is None:
                return
            raw, self._buffer = (
                self._buffer[: match.start()],
                self._buffer[match.end() :],
            )
            line = raw.decode(errors="replace").strip()
            if not line:
                continue
            self.commands.append(line)
            if self.mute:
                continue
            if self.echo:
                self._write(line + "\r\n")
            if self.answer_delay:
                await asyncio.sleep(self.answer_delay)
            self._answer(self._run(line))

    def _answer(self, lines: list[str] | None) -> None:
        if lines is None:
            return
        *info, final = lines
        out = "".join(f"\r\n{line}\r\n" for line in info)
        # A code said unasked can land between an answer's lines and its result.
        out += "".join(f"\r\n{line}\r\n" for line in self._pending_urcs)
        self._pending_urcs.clear()
        self._write(out + f"\r\n{final}\r\n")

    def _error(self, code: int) -> list[str]:
        if self.cmee == 0:
            return ["ERROR"]
        if self.cmee == 2:
            return [f"+CME ERROR: {CME_WORDS.get(code, 'unknown')}"]
        return [f"+CME ERROR: {code}"]

    def _sim_error(self) -> list[str] | None:
        if not self.sim_inserted:
            return self._error(10)
        if self.puk_locked:
            return self._error(12)
        if not self.unlocked:
            return self._error(11)
        return None

    def _run(self, line: str) -> list[str] | None:
        command = line.upper()
        if not command.startswith("AT"):
            return ["ERROR"]
        body = line[2:]
        upper = body.upper()
        if upper in ("", "I"):
            return (
                [f"{self.manufacturer}", self.model, f"Revision: {self.firmware}", "OK"]
                if upper
                else ["OK"]
            )
        if upper in ("E0", "E1"):
            self.echo = upper == "E1"
            return ["OK"]
        if upper.startswith("+CMEE="):
            self.cmee = int(upper[6:] or 0)
            return ["OK"]
        identity = {
            "+CGMI": self.manufacturer,
            "+CGMM": self.model,
            "+CGMR": f"Revision: {self.firmware}",
            "+CGSN": self.imei,
        }
        if upper in identity:
            return [identity[upper], "OK"]
        if upper == "+CPIN?":
            if not self.sim_inserted:
                return self._error(10)
            state = (
                "SIM PUK"
                if self.puk_locked
                else "READY"
                if self.unlocked
                else "SIM PIN"
            )
            return [f"+CPIN: {state}", "OK"]
        if upper.startswith("+CPIN="):
            return self._enter_pin(body[6:])
        if upper == "+CFUN?":
            return [f"+CFUN: {self.cfun}", "OK"]
        if upper.startswith("+CFUN="):
            return self._set_fun(upper[6:])
        if upper == "+CGATT?":
            return [f"+CGATT: {1 if self._stat() in (1, 5) else 0}", "OK"]
        if upper == "+CSQ":
            rssi = self.rssi if self.cfun == 1 else 99
            return [f"+CSQ: {rssi},99", "OK"]
        if upper in ("+CREG?", "+CEREG?"):
            if upper == "+CEREG?" and not self.lte:
                return self._error(4)
            mode = self.creg_mode if upper == "+CREG?" else self.cereg_mode
            return [f"{upper[:-1]}: {mode},{self._stat()}", "OK"]
        if upper.startswith(("+CREG=", "+CEREG=")):
            name, _, value = upper.partition("=")
            if name == "+CEREG" and not self.lte:
                return self._error(4)
            setattr(self, f"{name[1:].lower()}_mode", int(value or 0))
            return ["OK"]
        if upper == "+COPS?":
            if self._stat() not in (1, 5):
                return ["+COPS: 0", "OK"]
            return [f'+COPS: 0,0,"{self.operator}",{7 if self.lte else 0}', "OK"]
        if upper.startswith("+COPS="):
            return ["OK"]
        if upper in {"+CLIP=1", "+CLIP=0"}:
            self.clip = upper.endswith("1")
            return ["OK"]
        if upper.startswith(
            ("+CIMI", "+CCID", "+CNUM", "+CMG", "+CNMI", "+CPMS", "+CUSD", "+CSCA")
        ):
            if (error := self._sim_error()) is not None:
                return error
            return self._sim_command(body, upper)
        if upper.startswith("D"):
            return self._dial(body[1:])
        if upper == "A":
            if self.caller is None:
                return ["NO CARRIER"]
            self.call = self.caller
            self._stop_ringing()
            return ["OK"]
        if upper in ("H", "H0", "+CHUP"):
            self._stop_ringing()
            self.call = None
            return ["OK"]
        return ["ERROR"]

    def _enter_pin(self, value: str) -> list[str]:
        values = [v.strip().strip('"') for v in value.split(",")]
        if self.puk_locked:
            return self._error(12)
        if self.unlocked:
            return self._error(3)
        self.pin_attempts += 1
        if values[0] != self.pin:
            if self.pin_attempts >= 3:
                self.puk_locked = True
            return self._error(16)
        self.pin_attempts = 0
        self.unlocked = True
        self.urc("+CPIN: READY")
        return ["OK"]

    def _set_fun(self, value: str) -> list[str]:
        parts = value.split(",")
        if len(parts) > 1 and parts[1] == "1":
            # A reset: it answers, then boots afresh (PIN asked again).
            self._spawn(self._reboot())
            return ["OK"]
        self.cfun = int(parts[0])
        return ["OK"]

    async def _reboot(self) -> None:
        await asyncio.sleep(0.01)
        self._power_up()
        self._write("\r\nRDY\r\n")

    def _stat(self) -> int:
        if self.cfun != 1 or not self.sim_inserted or not self.unlocked:
            return 0
        return self.registration

    def _sim_command(self, body: str, upper: str) -> list[str] | None:
        if upper == "+CSCA?":
            return [f'+CSCA: "{self.smsc}",145', "OK"]
        if upper == "+CIMI":
            return [self.imsi, "OK"]
        if upper == "+CCID":
            return [f"+CCID: {self.iccid}", "OK"]
        if upper == "+CNUM":
            if self.own_number is None:
                return ["OK"]
            kind = 145 if self.own_number.startswith("+") else 129
            return [f'+CNUM: "","{self.own_number}",{kind}', "OK"]
        if upper.startswith("+CMGF="):
            self.cmgf = int(upper[6:])
            return ["OK"]
        if upper == "+CNMI=?":
            return ["+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)", "OK"]
        if upper.startswith("+CNMI="):
            values = tuple(int(v) for v in upper[6:].split(",") if v)
            if values and values[0] not in self.cnmi_mt_allowed:
                return self._cms(303)
            self.cnmi = values + (0,) * (5 - len(values))
            self._flush_network()
            return ["OK"]
        if upper == "+CPMS?":
            used = len(self.store)
            return [
                f'+CPMS: "SM",{used},{self.store_size},"SM",{used},{self.store_size}',
                "OK",
            ]
        if upper.startswith("+CMGL"):
            if self.cmgf != 0:
                return self._cms(302)
            lines = []
            for index in sorted(self.store):
                status, pdu = self.store[index]
                lines += [f"+CMGL: {index},{status},,{len(pdu) // 2 - 8}", pdu]
                self.store[index] = (1, pdu)  # read now
            return [*lines, "OK"]
        if upper.startswith("+CMGR="):
            index = int(upper[6:])
            if index not in self.store:
                return self._cms(321)
            status, pdu = self.store[index]
            self.store[index] = (1, pdu)
            return [f"+CMGR: {status},,{len(pdu) // 2 - 8}", pdu, "OK"]
        if upper.startswith("+CMGD="):
            if self.delete_fails:
                return self._cms(500)
            index = int(upper[6:].split(",", maxsplit=1)[0])
            self.store.pop(index, None)
            self._flush_network()
            return ["OK"]
        if upper.startswith("+CMGS="):
            if self.cmgf != 0:
                return self._cms(302)
            self._cmgs = int(upper[6:])
            self._write("\r\n> ")
            return None
        if upper.startswith("+CUSD="):
            return self._ussd(body[6:])
        return ["ERROR"]

    def _cms(self, code: int) -> list[str]:
        return [f"+CMS ERROR: {code}"] if self.cmee else ["ERROR"]

    # --- SMS ----------------------------------------------------------------

    def _take_pdu(self, pdu: str, length: int) -> list[str]:
        try:
            submitted = read_submit(pdu)
        except ValueError, IndexError:
            return self._cms(304)
        if submitted.tpdu_length != length:
            return self._cms(304)
        if self._stat() not in (1, 5):
            return self._cms(331)
        self._reference = (self._reference + 1) % 256
        sent = Sent(
            submitted=submitted, reference=self._reference, at=datetime.now(UTC)
        )
        self.sent.append(sent)
        if submitted.status_report and self.cnmi[3] == 1:
            self._spawn(self._report(sent))
        return [f"+CMGS: {self._reference}", "OK"]

    async def _report(self, sent: Sent) -> None:
        await asyncio.sleep(self.report_delay)
        failed = sent.submitted.number in self.undeliverable
        pdu = status_report_pdu(
            sent.reference,
            sent.submitted.number,
            sent.at,
            datetime.now(UTC),
            0x41 if failed else 0x00,
        )
        self._write(f"\r\n+CDS: {len(pdu) // 2 - 8}\r\n{pdu}\r\n")

    def sent_texts(self) -> list[tuple[str, str]]:
        """(number, text) of what was sent, long messages joined by their header."""
        out: list[tuple[str, str]] = []
        parts: dict[tuple[str, int, int], dict[int, str]] = {}
        for item in self.sent:
            sub = item.submitted
            if sub.concat is None:
                out.append((sub.number, sub.text))
                continue
            reference, total, number = sub.concat
            group = parts.setdefault((sub.number, reference, total), {})
            group[number] = sub.text
            if len(group) == total:
                out.append((sub.number, "".join(group[n] for n in sorted(group))))
        return out

    def receive_sms(
        self,
        sender: str,
        text: str,
        *,
        order: list[int] | None = None,
        drop: set[int] | None = None,
        moment: datetime | None = None,
    ) -> int:
        """The network brings a message: stored and announced per `+CNMI`.

        `order` gives the parts' arrival order (1-based; parts it leaves out
        come last), `drop` parts that do not come (`deliver_held_back`
        brings them later). Returns how many parts it took.
        """
        self._concat = (self._concat + 1) % 256
        pdus = deliver_pdus(sender, text, moment or datetime.now(UTC), self._concat)
        sequence = list(order or [])
        sequence += [n for n in range(1, len(pdus) + 1) if n not in sequence]
        for number in sequence:
            if drop and number in drop:
                self.held_back.append(pdus[number - 1])
                continue
            self.waiting_in_network.append(pdus[number - 1])
        self._flush_network()
        return len(pdus)

    def deliver_held_back(self) -> None:
        """The parts that were dropped come after all (late, as networks do)."""
        self.waiting_in_network += self.held_back
        self.held_back = []
        self._flush_network()

    def store_message(
        self, sender: str, text: str, moment: datetime | None = None
    ) -> None:
        """Put a message in the store with no announcement (it came while off)."""
        self._concat = (self._concat + 1) % 256
        for pdu in deliver_pdus(
            sender, text, moment or datetime.now(UTC), self._concat
        ):
            self.store[self._free_index()] = (0, pdu)

    def _free_index(self) -> int:
        return next(i for i in range(1, self.store_size + 1) if i not in self.store)

    def _flush_network(self) -> None:
        """Hand over what waits in the network while the store has room."""
        if not (
            self.plugged and self.sim_inserted and self.unlocked and self.cfun == 1
        ):
            return
        while self.waiting_in_network and len(self.store) < self.store_size:
            pdu = self.waiting_in_network.pop(0)
            index = self._free_index()
            self.store[index] = (0, pdu)
            if self.cnmi[1] in (1, 2):
                self.urc(f'+CMTI: "SM",{index}')

    # --- USSD and calls -----------------------------------------------------

    def _ussd(self, value: str) -> list[str]:
        match = re.match(r'\s*(\d)\s*(?:,\s*"([^"]*)"\s*(?:,\s*(\d+))?)?', value)
        if match is None:
            return ["ERROR"]
        code = match.group(2) or ""
        if code and not re.fullmatch(r"[0-9*#]+", code):
            return ["+CME ERROR: 100"] if self.cmee else ["ERROR"]
        if code:
            self.ussd_sent.append(code)
            self._spawn(self._ussd_reply(code))
        return ["OK"]

    async def _ussd_reply(self, code: str) -> None:
        await asyncio.sleep(self.ussd_delay)
        reply = self.ussd_replies.get(code)
        if reply is None:
            self.urc("+CUSD: 4")
            return
        status = self.ussd_status
        ucs2 = reply.encode("utf-16-be").hex().upper()
        if self.ussd_form == "ucs2":
            self.urc(f'+CUSD: {status},"{ucs2}",72')
        elif self.ussd_form == "gsm7hex":
            packed = pack_ussd(reply)
            if packed:
                self.urc(f'+CUSD: {status},"{packed}",15')
            else:  # not GSM-7: this modem sends it as UCS-2 then
                self.urc(f'+CUSD: {status},"{ucs2}",72')
        else:
            self.urc(f'+CUSD: {status},"{reply}",15')

    def _dial(self, number: str) -> list[str]:
        number = number.rstrip(";")
        if self._stat() not in (1, 5):
            return ["NO CARRIER"]
        self.calls_dialled.append(number)
        self.call = number
        return ["OK"]

    def incoming_call(self, number: str, rings: int = 3) -> None:
        """Someone calls; after `rings` rings the caller gives up unless answered."""
        self.caller = number
        self._ring_task = self._spawn(self._ring(number, rings))

    async def _ring(self, number: str, rings: int) -> None:
        for _ in range(rings):
            if self.caller != number or self.call == number:
                return
            self.urc("RING")
            if self.clip:
                kind = 145 if number.startswith("+") else 129
                self.urc(f'+CLIP: "{number.lstrip("+")}",{kind},"",0,"",0')
            await asyncio.sleep(self.ring_interval)
        if self.call != number:
            self.caller = None

    def _stop_ringing(self) -> None:
        if self._ring_task is not None:
            self._ring_task.cancel()
            self._ring_task = None
        self.caller = None

    def hang_up_remote(self) -> None:
        """The other side ends the call in progress."""
        if self.call is not None:
            self.call = None
            self.urc("NO CARRIER")
