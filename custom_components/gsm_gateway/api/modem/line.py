"""The serial line to a modem: one command at a time, unsolicited codes apart.

A modem answers a command with zero or more information lines and one
final result code (`OK`, `ERROR`, `+CME ERROR: <n>`, `+CMS ERROR: <n>`:
3GPP TS 27.007 §9.2, TS 27.005 §3.2.5), but it may also say things
unasked at any moment, between answers and in the middle of one
(`+CMTI`, `+CDS`, `RING`, `+CLIP`, `+CUSD`...). A line is an answer when it
carries the prefix the running command answers with (`AT+CSQ` answers
`+CSQ:`), otherwise a known unsolicited code is handed to `on_urc`;
`+CDS` and `+CMT` bring their PDU on the next line, which belongs to them
even mid-answer. The line is opened with serialx, the serial library
Home Assistant's own serial integrations use, which also opens
`socket://host:port` and `rfc2217://host:port` for modems shared over the
network; it never blocks the event loop. A lost line (a stick unplugged)
fails the running command and is reopened by the next one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass
import logging
import re

from ..errors import (
    GatewayAnswerLostError,
    GatewayConnectionError,
    GatewayNoAnswerError,
    GatewayRefusedError,
)

_LOGGER = logging.getLogger(__name__)

type Opener = Callable[[], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]

FINAL_OK = "OK"
_FINAL_ERROR = re.compile(
    r"^(ERROR|\+CM[ES] ERROR:.*|NO CARRIER|BUSY|NO ANSWER|NO DIALTONE)$"
)
URC_PREFIXES = (
    "+CMTI:",
    "+CDSI:",
    "+CDS:",
    "+CMT:",
    "+CUSD:",
    "+CLIP:",
    "+CRING:",
    "RING",
    "NO CARRIER",
    "+CREG:",
    "+CEREG:",
    "+CGREG:",
    "MISSED_CALL:",
    "+CPIN:",
    "^",  # Huawei status codes (^RSSI, ^BOOT, ^MODE): not ours, never answers
    "+PBREADY",
    "Call Ready",
    "SMS Ready",
)
"""What a modem says unasked (TS 27.007/27.005, plus SIMCom and Huawei extras)."""
_TWO_LINE_URCS = ("+CDS:", "+CMT:")
"""Unsolicited codes whose PDU follows on the next line (TS 27.005 §3.4.1)."""


class AtCommandError(GatewayRefusedError):
    """The modem answered ERROR, `+CME ERROR: <n>` or `+CMS ERROR: <n>`."""

    def __init__(self, command: str, final: str) -> None:
        code: int | None = None
        if match := re.search(r"ERROR:\s*(\d+)", final):
            code = int(match.group(1))
        super().__init__(f"{command}: {final}", code)
        self.final = final
        self.cme = final.startswith("+CME") and code is not None
        self.cms = final.startswith("+CMS") and code is not None


@dataclass(kw_only=True)
class _Pending:
    command: str
    prefix: str | None
    lines: list[str]
    done: asyncio.Future[str]
    prompt: asyncio.Future[None] | None = None


def answer_prefix(command: str) -> str | None:
    """The prefix of the information lines `command` answers with.

    `AT+CSQ` → `+CSQ:`, `AT+CREG?` → `+CREG:`, `AT^SYSINFO` → `^SYSINFO:`.
    Basic commands (`ATI`, `AT+CGSN` on modems answering a bare number) have
    bare lines, which are answers as long as they are no unsolicited code.
    """
    match = re.match(r"^AT([+^][A-Z0-9]+)", command.upper())
    if match is None:
        return None
    prefix = f"{match.group(1)}:"
    setting = "=" in command and not command.endswith("=?")
    # `AT+CUSD=1,...` answers OK; the `+CUSD:` that follows is the network's.
    return None if setting and prefix.startswith(URC_PREFIXES) else prefix


class AtLine:
    """One serial connection, commands one at a time."""

    def __init__(
        self,
        opener: Opener,
        on_urc: Callable[[str, str | None], None],
        on_lost: Callable[[], None] | None = None,
    ) -> None:
        self._opener = opener
        self._on_urc = on_urc
        self._on_lost = on_lost
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._read_task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._pending: _Pending | None = None
        self._urc_waiting_for_pdu: str | None = None
        self.commands_sent = 0

    @property
    def connected(self) -> bool:
        """Tell whether the line is open now."""
        return self._writer is not None

    async def open(self) -> bool:
        """Open the line unless it is open; True when it was (re)opened now."""
        if self._writer is not None:
            return False
        try:
            self._reader, self._writer = await self._opener()
        except (TimeoutError, OSError, ValueError) as err:
            raise GatewayConnectionError(
                f"cannot open the modem's line: {err}"
            ) from err
        except Exception as err:  # serialx raises its own SerialException
            raise GatewayConnectionError(
                f"cannot open the modem's line: {err}"
            ) from err
        self._read_task = asyncio.get_running_loop().create_task(
            self._read_loop(self._reader), name="gsm_gateway modem line"
        )
        return True

    async def close(self) -> None:
        """Close the line (the next command reopens it)."""
        task, self._read_task = self._read_task, None
        self._drop()
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _drop(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
        if self._pending is not None and not self._pending.done.done():
            self._pending.done.set_exception(
                GatewayConnectionError("the modem's line was lost")
            )
        self._urc_waiting_for_pdu = None

    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        buffer = b""
        try:
            while chunk := await reader.read(4096):
                buffer += chunk
                buffer = self._take_lines(buffer)
        except (OSError, ConnectionError) as err:
            _LOGGER.debug("Modem line lost: %s", err)
        if self._reader is reader:
            _LOGGER.debug("Modem line closed")
            self._read_task = None
            self._drop()
            if self._on_lost is not None:
                self._on_lost()

    def _take_lines(self, buffer: bytes) -> bytes:
        while True:
            pending = self._pending
            # The `> ` prompt of +CMGS comes with no line end.
            if (
                pending is not None
                and pending.prompt is not None
                and not pending.prompt.done()
                and buffer.lstrip(b"\r\n").startswith(b">")
            ):
                buffer = buffer.lstrip(b"\r\n")[1:].lstrip(b" ")
                pending.prompt.set_result(None)
                continue
            match = re.search(rb"\r\n|\r|\n", buffer)
            if match is None:
                return buffer
            raw, buffer = buffer[: match.start()], buffer[match.end() :]
            line = raw.decode("utf-8", errors="replace").strip()
            if line:
                self._line(line)

    def _line(self, line: str) -> None:
        if self._urc_waiting_for_pdu is not None:
            head, self._urc_waiting_for_pdu = self._urc_waiting_for_pdu, None
            self._on_urc(head, line)
            return
        pending = self._pending
        if pending is not None and not pending.done.done():
            if line == pending.command:
                return  # the echo, while echo is still on
            if line == FINAL_OK or _FINAL_ERROR.match(line):
                if line.startswith("NO CARRIER") and not pending.command.startswith(
                    "ATD"
                ):
                    self._urc(line)
                    return
                pending.done.set_result(line)
                return
            if pending.prefix is not None and line.startswith(pending.prefix):
                pending.lines.append(line)
                return
            if not _is_urc(line):
                pending.lines.append(line)
                return
        self._urc(line)

    def _urc(self, line: str) -> None:
        if line.startswith(_TWO_LINE_URCS):
            self._urc_waiting_for_pdu = line
            return
        if _is_urc(line):
            self._on_urc(line, None)
        else:
            _LOGGER.debug("Modem said %r unasked", line)

    async def command(
        self,
        command: str,
        timeout: float = 10.0,  # noqa: ASYNC109 - each command has its own
        *,
        pdu: str | None = None,
    ) -> list[str]:
        """Run `command`; its information lines, or AtCommandError.

        With `pdu`, wait for the `> ` prompt, then send the PDU and Ctrl-Z
        (TS 27.005 §3.5.1, `+CMGS`). A command that gets no final result
        within `timeout` closes the line: what the modem says late would be
        taken for the next command's answer.
        """
        lines, final = await self.exchange(command, timeout, pdu=pdu)
        if final != FINAL_OK:
            raise AtCommandError(command, final)
        return lines

    async def exchange(
        self,
        command: str,
        timeout: float = 10.0,  # noqa: ASYNC109 - each command has its own
        *,
        pdu: str | None = None,
    ) -> tuple[list[str], str]:
        """Run `command`; its information lines and its final result code."""
        async with self._lock:
            if self._writer is None:
                raise GatewayConnectionError("the modem's line is not open")
            loop = asyncio.get_running_loop()
            pending = _Pending(
                command=command,
                prefix=answer_prefix(command),
                lines=[],
                done=loop.create_future(),
                prompt=loop.create_future() if pdu is not None else None,
            )
            self._pending = pending
            self.commands_sent += 1
            pdu_written = False
            try:
                async with asyncio.timeout(timeout):
                    self._writer.write(command.encode() + b"\r")
                    await self._writer.drain()
                    if pending.prompt is not None and pdu is not None:
                        await asyncio.wait(
                            (pending.prompt, pending.done),
                            return_when=asyncio.FIRST_COMPLETED,
                        )
                        if not pending.done.done():
                            self._writer.write(pdu.encode() + b"\x1a")
                            pdu_written = True
                            await self._writer.drain()
                    final = await pending.done
            except (TimeoutError, OSError, GatewayConnectionError) as err:
                await self.close()
                if pdu_written:
                    # The message went to the modem: it may be on the air.
                    raise GatewayAnswerLostError(
                        f"no answer from the modem to {command} after its PDU"
                    ) from err
                if isinstance(err, TimeoutError):
                    raise GatewayNoAnswerError(
                        f"no answer from the modem to {command}"
                    ) from err
                raise GatewayConnectionError(f"modem line failed: {err}") from err
            finally:
                self._pending = None
            return pending.lines, final


def _is_urc(line: str) -> bool:
    return line.startswith(URC_PREFIXES)
