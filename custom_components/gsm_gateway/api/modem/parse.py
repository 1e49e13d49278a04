"""Reading AT answers (3GPP TS 27.007, TS 27.005) and mapping them to SPEC values."""

from __future__ import annotations

from collections.abc import Iterable
import csv
from dataclasses import dataclass
import re

from ..models import Registration

REGISTRATION_STATES = {
    1: Registration.REGISTERED,
    5: Registration.ROAMING,
    2: Registration.SEARCHING,
    0: Registration.NOT_REGISTERED,
    3: Registration.DENIED,
    4: Registration.UNKNOWN,
}
"""`+CREG`/`+CEREG` <stat> (TS 27.007 §7.2) to the `registration` sensor (SPEC §3)."""

PIN_STATES = {
    "READY": None,
    "SIM PIN": Registration.PIN_REQUIRED,
    "SIM PUK": Registration.PUK_REQUIRED,
    "SIM PIN2": None,  # PIN2 guards the fixed dialling numbers, not the network
    "SIM PUK2": None,
    "PH-SIM PIN": Registration.PIN_REQUIRED,
    "PH-NET PIN": Registration.PIN_REQUIRED,
}
"""`+CPIN: <code>` (TS 27.007 §8.3) to the registration it forces."""

CME_SIM_NOT_INSERTED = 10
CME_SIM_PIN_REQUIRED = 11
CME_SIM_PUK_REQUIRED = 12
CME_SIM_FAILURE = 13
CME_SIM_BUSY = 14
CME_INCORRECT_PASSWORD = 16
"""TS 27.007 §9.2.1 error codes a modem answers about its SIM."""

CMS_TEMPORARY = frozenset({38, 41, 42, 47, 331, 332})
"""TS 27.005 §3.2.5 / TS 24.011: network out of order, temporary failure,
congestion, resources unavailable, no network service, network timeout:
the same message may go through later (GatewayBusyError)."""


def fields(line: str) -> list[str]:
    """The comma-separated values after `+XXX: `, quotes removed."""
    _, _, rest = line.partition(":")
    return next(csv.reader([rest.strip()], skipinitialspace=True), [])


def first_value(lines: list[str], prefix: str | None = None) -> str | None:
    """The first answer line (without `prefix`), for IMEI, IMSI, model answers."""
    for line in lines:
        if prefix is not None and line.startswith(prefix):
            return line[len(prefix) :].strip().strip('"') or None
        if prefix is None and line:
            return line.strip().strip('"')
    return None


def signal_dbm(lines: list[str]) -> int | None:
    """`+CSQ: <rssi>,<ber>`: 0..31 is -113 + 2·rssi dBm, 99 unknown (SPEC §3)."""
    for line in lines:
        if line.startswith("+CSQ:"):
            try:
                rssi = int(fields(line)[0])
            except IndexError, ValueError:
                return None
            return -113 + 2 * rssi if 0 <= rssi <= 31 else None
    return None


def registration(lines: list[str], prefix: str) -> Registration | None:
    """`+CREG: <n>,<stat>[,...]` as a read answer (the second field is <stat>)."""
    for line in lines:
        if line.startswith(prefix):
            values = fields(line)
            try:
                stat = int(values[1] if len(values) > 1 else values[0])
            except IndexError, ValueError:
                return None
            return REGISTRATION_STATES.get(stat, Registration.UNKNOWN)
    return None


def unsolicited_registration(line: str) -> Registration | None:
    """`+CREG: <stat>[,<lac>,<ci>[,<AcT>]]` as the modem says it unasked (n=1/2).

    Told apart from a read answer by where <stat> is: unasked, it comes
    first, and a second field, if any, is a quoted hex area code.
    """
    values = fields(line)
    try:
        stat = int(values[0])
    except IndexError, ValueError:
        return None
    return REGISTRATION_STATES.get(stat, Registration.UNKNOWN)


def attached(lines: list[str]) -> bool | None:
    """`+CGATT: <state>`: attached to packet data (TS 27.007 §10.1.9)."""
    value = first_value(lines, "+CGATT:")
    return None if value is None or not value.isdigit() else value == "1"


def service_centre(lines: list[str]) -> str | None:
    """`+CSCA: "<sca>",<tosca>`: the SIM's SMS centre (TS 27.005 §3.3.1)."""
    for line in lines:
        if line.startswith("+CSCA:"):
            values = fields(line)
            number = values[0] if values else ""
            kind = values[1].strip() if len(values) > 1 else ""
            if kind == "145" and number and not number.startswith("+"):
                number = f"+{number}"
            return number or None
    return None


def pin_state(lines: list[str]) -> str | None:
    """`+CPIN: READY` → `READY`."""
    return first_value(lines, "+CPIN:")


def operator(lines: list[str]) -> str | None:
    """`+COPS: <mode>[,<format>,<oper>[,<AcT>]]`: the operator's name."""
    for line in lines:
        if line.startswith("+COPS:"):
            values = fields(line)
            return values[2] if len(values) > 2 and values[2] else None
    return None


ACCESS_TECHNOLOGIES = {
    0: "GSM",
    1: "GSM",
    2: "UMTS",
    3: "EDGE",
    4: "HSDPA",
    5: "HSUPA",
    6: "HSPA",
    7: "LTE",
    8: "GSM",
    9: "LTE",
    10: "LTE",
    11: "NR",
    12: "NR",
    13: "NR",
}
"""`+COPS` <AcT> (TS 27.007 §7.3) as the network type shown."""


def network_type(lines: list[str]) -> str | None:
    """The access technology `+COPS?` names, where it does."""
    for line in lines:
        if line.startswith("+COPS:"):
            values = fields(line)
            if len(values) > 3 and values[3].isdigit():
                return ACCESS_TECHNOLOGIES.get(int(values[3]))
    return None


def own_number(lines: list[str]) -> str | None:
    """`+CNUM: "<alpha>","<number>",<type>`: the SIM's number, where it has it."""
    for line in lines:
        if line.startswith("+CNUM:"):
            values = fields(line)
            if len(values) > 1 and values[1]:
                number = values[1]
                kind = values[2] if len(values) > 2 else ""
                if kind == "145" and not number.startswith("+"):
                    number = f"+{number}"
                return number
    return None


def iccid(lines: list[str]) -> str | None:
    """`+CCID: <iccid>`, `+ICCID: ...`, `^ICCID: ...` or the bare digits."""
    for line in lines:
        value = line.split(":", 1)[1] if ":" in line else line
        value = value.strip().strip('"')
        if re.fullmatch(r"[0-9A-Fa-f]{18,22}", value):
            return value.upper().rstrip("F")
    return None


def power(lines: list[str]) -> int | None:
    """`+CFUN: <fun>`: 1 full, 0 minimum, 4 radio off (TS 27.007 §8.2)."""
    value = first_value(lines, "+CFUN:")
    return int(value.split(",")[0]) if value and value.split(",")[0].isdigit() else None


@dataclass(frozen=True, kw_only=True)
class StoredPdu:
    """One message in the modem's store, as `+CMGL` lists it."""

    index: int
    status: int
    pdu: str


def listing(lines: list[str]) -> list[StoredPdu]:
    """`+CMGL: <index>,<stat>,[<alpha>],<length>` lines, each before its PDU."""
    stored: list[StoredPdu] = []
    header: tuple[int, int] | None = None
    for line in lines:
        if line.startswith("+CMGL:"):
            values = fields(line)
            try:
                header = (int(values[0]), int(values[1]))
            except IndexError, ValueError:
                header = None
        elif header is not None:
            stored.append(StoredPdu(index=header[0], status=header[1], pdu=line))
            header = None
    return stored


def message_index(line: str) -> int | None:
    """`+CMTI: "SM",3` → 3."""
    values = fields(line)
    return int(values[1]) if len(values) > 1 and values[1].isdigit() else None


def message_reference(lines: list[str]) -> int | None:
    """`+CMGS: <mr>`: the reference a status report names."""
    value = first_value(lines, "+CMGS:")
    return int(value.split(",")[0]) if value and value.split(",")[0].isdigit() else None


@dataclass(frozen=True, kw_only=True)
class UssdAnswer:
    """`+CUSD: <m>[,<str>[,<dcs>]]` (TS 27.007 §7.15)."""

    status: int
    """0 done, 1 the network waits for more, 2 ended by the network,
    3 other client answered, 4 not supported, 5 network time-out."""
    text: str | None
    dcs: int | None


def ussd(line: str) -> UssdAnswer | None:
    """Read a `+CUSD` line."""
    values = fields(line)
    if not values or not values[0].strip().isdigit():
        return None
    dcs = values[2].strip() if len(values) > 2 else ""
    return UssdAnswer(
        status=int(values[0]),
        text=values[1] if len(values) > 1 else None,
        dcs=int(dcs) if dcs.isdigit() else None,
    )


def caller(line: str) -> str:
    """`+CLIP: "<number>",<type>,...`: the caller, "" when withheld."""
    values = fields(line)
    number = values[0] if values else ""
    if len(values) > 1 and values[1].strip() == "145" and number and number[0] != "+":
        number = f"+{number}"
    return number


def best_registration(values: Iterable[Registration]) -> Registration:
    """Registered on either network (2G/3G `+CREG`, LTE `+CEREG`) counts."""
    order = (
        Registration.REGISTERED,
        Registration.ROAMING,
        Registration.SEARCHING,
        Registration.DENIED,
        Registration.NOT_REGISTERED,
    )
    present = set(values)
    return next((value for value in order if value in present), Registration.UNKNOWN)


def strip_label(value: str | None) -> str | None:
    """`Manufacturer: SIMCOM INCORPORATED`, `Revision: 1418B04` → the value."""
    if value is None:
        return None
    for label in (
        "Manufacturer:",
        "Model:",
        "Revision:",
        "+CGMI:",
        "+CGMM:",
        "+CGMR:",
        "+CGSN:",
        "IMEI:",
    ):
        if value.startswith(label):
            value = value[len(label) :]
    return value.strip().strip('"') or None
