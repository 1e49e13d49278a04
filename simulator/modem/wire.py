"""The network side of SMS for the fake modem: PDUs as a network builds them.

Written from TS 23.040 / 23.038 on its own, not from the integration's
`api/pdu.py` (only the alphabet's table, a list of characters, is shared
knowledge written out again here): SMS-DELIVER and SMS-STATUS-REPORT as the
network hands them to a modem, and SMS-SUBMIT read back the way an SMSC
would, so that tests see what the integration really put on the air.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

ALPHABET = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = {
    "\f": 10,
    "^": 20,
    "{": 40,
    "}": 41,
    "\\": 47,
    "[": 60,
    "~": 61,
    "]": 62,
    "|": 64,
    "€": 101,
}
_BACK = {code: char for char, code in EXTENSION.items()}


def septets_of(text: str) -> list[int] | None:
    """GSM-7 codes of `text`, or None when it needs UCS-2."""
    codes: list[int] = []
    for char in text:
        if char in EXTENSION:
            codes += [27, EXTENSION[char]]
        elif (code := ALPHABET.find(char)) >= 0 and char != "\x1b":
            codes.append(code)
        else:
            return None
    return codes


def text_of(codes: list[int]) -> str:
    """Text of GSM-7 codes, escapes resolved."""
    out, escape = [], False
    for code in codes:
        if escape:
            out.append(_BACK.get(code, ALPHABET[code]))
            escape = False
        elif code == 27:
            escape = True
        else:
            out.append(ALPHABET[code])
    return "".join(out)


def pack(codes: list[int], offset_bits: int = 0) -> bytes:
    """Codes packed LSB first after `offset_bits` (TS 23.038 §6.1.2.1.1)."""
    bits = 0
    for n, code in enumerate(codes):
        bits |= code << (offset_bits + 7 * n)
    return bits.to_bytes((offset_bits + 7 * len(codes) + 7) // 8, "little")


def unpack(data: bytes, count: int) -> list[int]:
    """The first `count` codes of packed `data`."""
    bits = int.from_bytes(data, "little")
    return [(bits >> (7 * n)) & 0x7F for n in range(count)]


def address(number: str) -> bytes:
    """TP-OA: international digits, national digits, or an alphanumeric name."""
    if number.lstrip("+").isdigit():
        digits = number.lstrip("+")
        kind = 0x91 if number.startswith("+") else 0x81
        padded = digits + "F" * (len(digits) % 2)
        swapped = bytes.fromhex(
            "".join(padded[i + 1] + padded[i] for i in range(0, len(padded), 2))
        )
        return bytes((len(digits), kind)) + swapped
    codes = septets_of(number) or []
    packed = pack(codes)
    semi_octets = (len(codes) * 7 + 3) // 4
    return bytes((semi_octets, 0xD0)) + packed


def timestamp(moment: datetime) -> bytes:
    """TP-SCTS: swapped semi-octets, the zone in quarters with its sign bit."""
    offset = moment.utcoffset() or timedelta()
    quarters = int(abs(offset.total_seconds()) // 900)
    values = [
        moment.year % 100,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
    ]
    out = bytes((v % 10) << 4 | v // 10 for v in values)
    zone = (quarters % 10) << 4 | quarters // 10 | (0x08 if offset < timedelta() else 0)
    return out + bytes((zone,))


SMSC = bytes.fromhex("0791839005000100")  # +380950001000, the SMSC in front


def deliver_pdus(sender: str, text: str, moment: datetime, reference: int) -> list[str]:
    """SMS-DELIVER PDUs (SMSC in front) for `text`, split as a network does."""
    codes = septets_of(text)
    if codes is not None:
        chunks: list[list[int]] = []
        if len(codes) <= 160:
            chunks = [codes]
        else:
            current: list[int] = []
            for n, code in enumerate(codes):
                # An escape stays with the code after it.
                limit = 152 if code == 27 else 153
                if len(current) >= limit and not (n and codes[n - 1] == 27):
                    chunks.append(current)
                    current = []
                current.append(code)
            chunks.append(current)
        bodies: list[tuple[str, list[int] | bytes]] = [
            ("gsm", chunk) for chunk in chunks
        ]
    else:
        units = text.encode("utf-16-be")
        if len(units) <= 140:
            blocks = [units]
        else:
            blocks, start = [], 0
            while start < len(units):
                end = min(start + 134, len(units))
                if end < len(units) and 0xD8 <= units[end - 2] <= 0xDB:
                    end -= 2
                blocks.append(units[start:end])
                start = end
        bodies = [("ucs2", block) for block in blocks]
    total = len(bodies)
    pdus = []
    for number, (kind, body) in enumerate(bodies, start=1):
        header = bytes((5, 0, 3, reference % 256, total, number)) if total > 1 else b""
        if kind == "gsm":
            assert isinstance(body, list)
            user_data = header + pack(body, 1 if header else 0)
            length = (7 if header else 0) + len(body)
            dcs = 0x00
        else:
            assert isinstance(body, bytes)
            user_data = header + body
            length = len(user_data)
            dcs = 0x08
        first = 0x04 | (0x40 if header else 0)  # SMS-DELIVER, no more messages
        tpdu = (
            bytes((first,))
            + address(sender)
            + bytes((0x00, dcs))
            + timestamp(moment)
            + bytes((length,))
            + user_data
        )
        pdus.append((SMSC + tpdu).hex().upper())
    return pdus


def status_report_pdu(
    reference: int, recipient: str, sent: datetime, done: datetime, status: int
) -> str:
    """An SMS-STATUS-REPORT (TS 23.040 §9.2.2.3) with the SMSC in front."""
    tpdu = (
        bytes((0x06, reference % 256))
        + address(recipient)
        + timestamp(sent)
        + timestamp(done)
        + bytes((status,))
    )
    return (SMSC + tpdu).hex().upper()


@dataclass(frozen=True, kw_only=True)
class Submitted:
    """One SMS-SUBMIT as the network would read it."""

    number: str
    text: str
    ucs2: bool
    status_report: bool
    concat: tuple[int, int, int] | None
    """(reference, total, number) of a part."""
    tpdu_length: int


def read_submit(hex_pdu: str) -> Submitted:
    """Read an SMS-SUBMIT (with its SMSC octet(s) in front); ValueError if bad."""
    data = bytes.fromhex(hex_pdu)
    smsc_length = data[0]
    tpdu = data[1 + smsc_length :]
    first = tpdu[0]
    if first & 0x03 != 0x01:
        raise ValueError("not an SMS-SUBMIT")
    digits = tpdu[2]
    kind = tpdu[3]
    raw = tpdu[4 : 4 + (digits + 1) // 2]
    number = "".join(f"{b & 0xF:x}{b >> 4:x}" for b in raw)[:digits]
    if kind == 0x91:
        number = "+" + number
    at = 4 + (digits + 1) // 2
    dcs = tpdu[at + 1]
    at += 2
    validity = (first >> 3) & 0x03
    at += {0: 0, 2: 1, 1: 7, 3: 7}[validity]
    length = tpdu[at]
    user_data = tpdu[at + 1 :]
    concat = None
    header_octets = 0
    if first & 0x40:
        header_octets = user_data[0] + 1
        header = user_data[1:header_octets]
        if header[:2] == b"\x00\x03":
            concat = (header[2], header[3], header[4])
        elif header[:2] == b"\x08\x04":
            concat = (header[2] << 8 | header[3], header[4], header[5])
    ucs2 = dcs & 0x0C == 0x08
    if ucs2:
        text = user_data[header_octets:length].decode("utf-16-be")
    else:
        skip = (header_octets * 8 + 6) // 7
        text = text_of(unpack(user_data, length)[skip:])
    return Submitted(
        number=number,
        text=text,
        ucs2=ucs2,
        status_report=bool(first & 0x20),
        concat=concat,
        tpdu_length=len(tpdu),
    )


def pack_ussd(text: str) -> str:
    """A USSD reply as GSM-7 packed hex (dcs 15); CR-padded per TS 23.038 §6.1.2.3.1."""
    codes = septets_of(text) or []
    if len(codes) % 8 == 7:
        codes.append(13)
    return pack(codes).hex().upper()
