"""SMS in PDU mode: the TPDUs of 3GPP TS 23.040 and the alphabets of TS 23.038.

What a modem hands over in PDU mode (`AT+CMGF=0`) is, in hex, an SMSC
address followed by the TPDU: SMS-DELIVER for a received message,
SMS-STATUS-REPORT for a delivery report, SMS-SUBMIT for one we send. Text
mode would be simpler but mangles anything outside ASCII on many modems
(api-docs/README.md, "Modems"), so this module does it all in PDU form:

- GSM 7-bit default alphabet with its extension table (an escape, then the
  character: TS 23.038 §6.2.1.1), packed 8 septets to 7 octets, least
  significant bit first (§6.1.2.1.1), after fill bits up to a septet
  boundary when a user data header precedes the text (TS 23.040 §9.2.3.24);
- UCS-2, sent as UTF-16 big-endian (modems and phones take surrogate pairs,
  so emoji survive; a pair is never split across two parts);
- concatenation by the user data header, information element 0x00 (8-bit
  reference) or 0x08 (16-bit reference), TS 23.040 §9.2.3.24.1 and .8;
- the service centre time stamp: semi-octets, zone in quarter hours with
  its sign in bit 3 of the first digit (TS 23.040 §9.2.3.11).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from .encoding import is_gsm7
from .models import Encoding

GSM7_ALPHABET = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""TS 23.038 §6.2.1: the default alphabet, in code order (0x1B is the escape)."""

GSM7_EXTENSION_TABLE = {
    0x0A: "\f",
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}
"""TS 23.038 §6.2.1.1: what follows an escape (0x1B)."""

_ESCAPE = 0x1B
_GSM7_CODES = {char: code for code, char in enumerate(GSM7_ALPHABET) if code != _ESCAPE}
_GSM7_EXTENSION_CODES = {char: code for code, char in GSM7_EXTENSION_TABLE.items()}

SINGLE_GSM7_SEPTETS = 160
SINGLE_UCS2_OCTETS = 140
CONCAT_HEADER = 6
"""Octets of a user data header holding one 8-bit-reference concatenation IE."""
PART_GSM7_SEPTETS = 153
"""(140 - 6) octets = 1072 bits; 7 septets go to the header and its fill bit."""
PART_UCS2_OCTETS = 134

MISSING_PART_MARKER = "[…]"
"""Stands in the text where a part of a long message never arrived."""


class PduError(ValueError):
    """A PDU that cannot be read."""


# --- Alphabets ------------------------------------------------------------


def gsm7_encode(text: str) -> list[int]:
    """Septets for `text`; raises PduError for a character GSM-7 lacks."""
    septets: list[int] = []
    for char in text:
        if (code := _GSM7_CODES.get(char)) is not None:
            septets.append(code)
        elif (code := _GSM7_EXTENSION_CODES.get(char)) is not None:
            septets.extend((_ESCAPE, code))
        else:
            raise PduError(f"not in the GSM 7-bit alphabet: {char!r}")
    return septets


def gsm7_decode(septets: list[int]) -> str:
    """Text for septets; an escape before an unknown code reads as a space.

    TS 23.038 §6.2.1.1: a receiver that does not know an extension shows the
    default alphabet's character for it; the escape alone shows as a space.
    """
    out: list[str] = []
    escaped = False
    for septet in septets:
        if escaped:
            escaped = False
            out.append(GSM7_EXTENSION_TABLE.get(septet, GSM7_ALPHABET[septet]))
        elif septet == _ESCAPE:
            escaped = True
        else:
            out.append(GSM7_ALPHABET[septet])
    if escaped:
        out.append(" ")
    return "".join(out)


def pack_septets(septets: list[int], fill_bits: int = 0) -> bytes:
    """Pack septets LSB first after `fill_bits` zero bits (TS 23.038 §6.1.2.1.1)."""
    value = 0
    for position, septet in enumerate(septets):
        value |= (septet & 0x7F) << (fill_bits + 7 * position)
    length = (fill_bits + 7 * len(septets) + 7) // 8
    return value.to_bytes(length, "little")


def unpack_septets(data: bytes, count: int, fill_bits: int = 0) -> list[int]:
    """The first `count` septets of packed `data` after `fill_bits` bits."""
    if (fill_bits + 7 * count + 7) // 8 > len(data):
        raise PduError("user data shorter than its length says")
    value = int.from_bytes(data, "little") >> fill_bits
    return [(value >> (7 * position)) & 0x7F for position in range(count)]


def ucs2_decode(data: bytes) -> str:
    """UTF-16 big-endian (UCS-2 as phones send it, surrogates included)."""
    return data[: len(data) // 2 * 2].decode("utf-16-be", errors="replace")


def ussd_decode(text: str, dcs: int | None) -> str:
    """A `+CUSD` reply's text as the modem gave it.

    Modems differ (api-docs/README.md, "Modems"): some decode the reply
    themselves and give plain text; others give UCS-2 as hex (dcs 72, or
    any dcs of the UCS-2 groups) or the packed GSM-7 octets as hex (dcs 15).
    Hex is recognised by its shape, so a plain-text reply is left alone.
    """
    if dcs is None or not _is_hex(text):
        return text
    data = bytes.fromhex(text)
    alphabet = _alphabet(dcs)
    if alphabet is Encoding.UCS2:
        return ucs2_decode(data)
    if alphabet is Encoding.GSM7 and dcs != 0:
        decoded = gsm7_decode(unpack_septets(data, len(data) * 8 // 7))
        # TS 23.038 §6.1.2.3.1: 7 spare bits at the end are a CR, not text.
        return decoded.removesuffix("\r") if len(data) % 7 == 0 else decoded
    return text


def ussd_encode(code: str) -> str:
    """A USSD code as GSM-7 packed hex, for modems that take it that way."""
    return pack_septets(gsm7_encode(code)).hex().upper()


def _is_hex(text: str) -> bool:
    return (
        len(text) >= 2
        and len(text) % 2 == 0
        and all(char in "0123456789abcdefABCDEF" for char in text)
    )


def _alphabet(dcs: int) -> Encoding | None:
    """The alphabet a data coding scheme names (TS 23.038 §4); None for 8-bit."""
    group = dcs >> 4
    if group <= 0x7:  # general data coding (and its auto-deletion group)
        if dcs & 0x20:  # compressed: not supported by any modem we know
            return None
        return (Encoding.GSM7, None, Encoding.UCS2, Encoding.GSM7)[(dcs >> 2) & 0x3]
    if group in (0xC, 0xD):  # message waiting, GSM-7
        return Encoding.GSM7
    if group == 0xE:  # message waiting, UCS-2
        return Encoding.UCS2
    if group == 0xF:
        return None if dcs & 0x04 else Encoding.GSM7
    return Encoding.GSM7  # reserved groups: TS 23.038 says read as GSM-7


# --- Fields ---------------------------------------------------------------


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0

    def take(self, count: int) -> bytes:
        if self.position + count > len(self.data):
            raise PduError("PDU ends early")
        chunk = self.data[self.position : self.position + count]
        self.position += count
        return chunk

    def octet(self) -> int:
        return self.take(1)[0]

    def rest(self) -> bytes:
        chunk = self.data[self.position :]
        self.position = len(self.data)
        return chunk


def _semi_octets(data: bytes) -> Iterator[int]:
    for octet in data:
        yield octet & 0x0F
        yield octet >> 4


def _bcd_digits(data: bytes) -> str:
    digits = "0123456789*#abc"
    return "".join(digits[n] for n in _semi_octets(data) if n != 0x0F)


def _read_address(reader: _Reader) -> str:
    """TP-OA / TP-DA / TP-RA: length in digits, type of address, digits."""
    length = reader.octet()
    toa = reader.octet()
    data = reader.take((length + 1) // 2)
    if toa & 0x70 == 0x50:  # alphanumeric (TS 23.040 §9.1.2.5): packed GSM-7
        return gsm7_decode(unpack_septets(data, length * 4 // 7))
    number = _bcd_digits(data)[:length]
    return f"+{number}" if toa & 0x70 == 0x10 else number


def _read_smsc(reader: _Reader) -> str | None:
    """The SMSC before the TPDU: its length counts octets, type included."""
    length = reader.octet()
    if length == 0:
        return None
    toa = reader.octet()
    number = _bcd_digits(reader.take(length - 1))
    return f"+{number}" if toa & 0x70 == 0x10 else number


def _encode_address(number: str) -> bytes:
    """TP-DA for a number: international when it starts with + (or 00)."""
    digits = number.strip().replace(" ", "")
    toa = 0x81
    if digits.startswith("+"):
        digits, toa = digits[1:], 0x91
    elif digits.startswith("00"):
        digits, toa = digits[2:], 0x91
    if not digits or not digits.isdigit():
        raise PduError(f"not a phone number: {number!r}")
    padded = digits + ("F" if len(digits) % 2 else "")
    swapped = "".join(padded[i + 1] + padded[i] for i in range(0, len(padded), 2))
    return bytes((len(digits), toa)) + bytes.fromhex(swapped)


def _read_timestamp(data: bytes) -> datetime:
    """TP-SCTS: seven swapped semi-octet pairs, the zone in quarter hours."""
    values = [(octet & 0x0F) * 10 + (octet >> 4) for octet in data[:6]]
    zone = data[6]
    quarters = (zone & 0x07) * 10 + (zone >> 4)
    offset = timedelta(minutes=15 * quarters) * (-1 if zone & 0x08 else 1)
    year, month, day, hour, minute, second = values
    try:
        return datetime(
            2000 + year if year < 90 else 1900 + year,
            month,
            day,
            hour,
            minute,
            second,
            tzinfo=timezone(offset) if offset else UTC,
        )
    except ValueError as err:
        raise PduError(f"bad time stamp {data.hex()}") from err


# --- PDUs -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Concatenation:
    """Where a part sits in a long message (TS 23.040 §9.2.3.24.1/.8)."""

    reference: int
    total: int
    index: int
    """1-based, as on the air."""


@dataclass(frozen=True, kw_only=True)
class SmsDeliver:
    """A received message, or one part of a long one."""

    smsc: str | None
    sender: str
    timestamp: datetime
    text: str
    concatenation: Concatenation | None = None


@dataclass(frozen=True, kw_only=True)
class StatusReport:
    """A delivery report for a message we sent (TS 23.040 §9.2.2.3)."""

    smsc: str | None
    reference: int
    """TP-MR of the message reported on: what `+CMGS` answered."""
    recipient: str
    submitted: datetime
    discharged: datetime
    status: int
    """TP-ST (§9.2.3.15): 0x00-0x1F completed, 0x20-0x3F still trying,
    0x40 and up failed for good."""

    @property
    def delivered(self) -> bool:
        """Completed: 0x00 received by the recipient (0x01, 0x02 forwarded/replaced)."""
        return self.status < 0x20

    @property
    def final(self) -> bool:
        """No further report follows (delivered, or failed for good)."""
        return self.status < 0x20 or self.status >= 0x40


@dataclass(frozen=True, kw_only=True)
class SubmitPdu:
    """One SMS-SUBMIT ready for `AT+CMGS`."""

    hex: str
    """With a zero-length SMSC in front: the modem uses the SIM's SMSC."""
    length: int
    """TPDU octets, the SMSC excluded: what `AT+CMGS=<length>` wants."""


def decode_pdu(text: str) -> SmsDeliver | StatusReport:
    """Read what `+CMGL`/`+CMGR`/`+CDS` gave: SMS-DELIVER or SMS-STATUS-REPORT."""
    try:
        reader = _Reader(bytes.fromhex(text.strip()))
    except ValueError as err:
        raise PduError("PDU is not hex") from err
    smsc = _read_smsc(reader)
    first = reader.octet()
    mti = first & 0x03
    if mti == 0x00:
        return _decode_deliver(reader, smsc, first)
    if mti == 0x02:
        return _decode_status_report(reader, smsc)
    raise PduError(f"not a received message (MTI {mti})")


def _decode_deliver(reader: _Reader, smsc: str | None, first: int) -> SmsDeliver:
    sender = _read_address(reader)
    reader.octet()  # TP-PID
    dcs = reader.octet()
    timestamp = _read_timestamp(reader.take(7))
    length = reader.octet()
    data = reader.rest()
    concatenation: Concatenation | None = None
    header_length = 0
    if first & 0x40:  # TP-UDHI
        if not data:
            raise PduError("user data header missing")
        header_length = data[0] + 1
        concatenation = _read_header(data[1:header_length])
    alphabet = _alphabet(dcs)
    if alphabet is Encoding.GSM7:
        # The header and its fill bits take whole septets: skip them.
        header_septets = (header_length * 8 + 6) // 7
        text = gsm7_decode(unpack_septets(data, length)[header_septets:])
    elif alphabet is Encoding.UCS2:
        text = ucs2_decode(data[header_length:length])
    else:  # 8-bit data: shown as Latin-1, the closest to what it likely is
        text = data[header_length:length].decode("latin-1")
    return SmsDeliver(
        smsc=smsc,
        sender=sender,
        timestamp=timestamp,
        text=text,
        concatenation=concatenation,
    )


def _read_header(header: bytes) -> Concatenation | None:
    """The concatenation IE of a user data header; other IEs are skipped."""
    position = 0
    while position + 2 <= len(header):
        iei, length = header[position], header[position + 1]
        value = header[position + 2 : position + 2 + length]
        position += 2 + length
        if iei == 0x00 and length == 3:
            return Concatenation(reference=value[0], total=value[1], index=value[2])
        if iei == 0x08 and length == 4:
            return Concatenation(
                reference=value[0] << 8 | value[1], total=value[2], index=value[3]
            )
    return None


def _decode_status_report(reader: _Reader, smsc: str | None) -> StatusReport:
    reference = reader.octet()
    recipient = _read_address(reader)
    submitted = _read_timestamp(reader.take(7))
    discharged = _read_timestamp(reader.take(7))
    status = reader.octet()
    return StatusReport(
        smsc=smsc,
        reference=reference,
        recipient=recipient,
        submitted=submitted,
        discharged=discharged,
        status=status,
    )


def encode_submit(
    number: str,
    text: str,
    encoding: Encoding = Encoding.AUTO,
    *,
    reference: int = 0,
    status_report: bool = False,
) -> list[SubmitPdu]:
    """SMS-SUBMIT PDUs for `text`: one, or the parts of a concatenated message.

    `reference` (0..255) ties the parts together; the caller picks a new one
    per message. Validity: relative, 0xAA (4 days), as phones set it. A
    GSM-7 escape pair and a UTF-16 surrogate pair never straddle two parts.
    """
    if encoding is Encoding.AUTO:
        encoding = Encoding.GSM7 if is_gsm7(text) else Encoding.UCS2
    address = _encode_address(number)
    if encoding is Encoding.GSM7:
        septets = gsm7_encode(text)
        chunks: list[list[int]] = (
            [septets]
            if len(septets) <= SINGLE_GSM7_SEPTETS
            else _split_septets(septets)
        )
        payloads: list[tuple[list[int] | None, bytes | None]] = [
            (chunk, None) for chunk in chunks
        ]
        dcs = 0x00
    else:
        units = text.encode("utf-16-be")
        blocks = [units] if len(units) <= SINGLE_UCS2_OCTETS else _split_ucs2(units)
        payloads = [(None, block) for block in blocks]
        dcs = 0x08
    total = len(payloads)
    if total > 255:
        raise PduError("text too long for one concatenated message")
    pdus: list[SubmitPdu] = []
    for index, (septet_chunk, octet_chunk) in enumerate(payloads, start=1):
        header = (
            bytes((0x05, 0x00, 0x03, reference & 0xFF, total, index))
            if total > 1
            else b""
        )
        if septet_chunk is not None:
            fill = (7 - len(header) * 8 % 7) % 7 if header else 0
            body = pack_septets(septet_chunk, fill)
            udl = (len(header) * 8 + fill) // 7 + len(septet_chunk)
            user_data = header + body  # the header takes whole octets
        else:
            assert octet_chunk is not None
            user_data = header + octet_chunk
            udl = len(user_data)
        first = 0x01 | 0x10  # SMS-SUBMIT, relative validity period
        if status_report:
            first |= 0x20
        if header:
            first |= 0x40
        tpdu = (
            bytes((first, 0x00))  # TP-MR 0: the modem picks the reference
            + address
            + bytes((0x00, dcs, 0xAA, udl))
            + user_data
        )
        pdus.append(SubmitPdu(hex="00" + tpdu.hex().upper(), length=len(tpdu)))
    return pdus


def _split_septets(septets: list[int]) -> list[list[int]]:
    chunks: list[list[int]] = []
    current: list[int] = []
    position = 0
    while position < len(septets):
        width = 2 if septets[position] == _ESCAPE else 1
        if len(current) + width > PART_GSM7_SEPTETS:
            chunks.append(current)
            current = []
        current.extend(septets[position : position + width])
        position += width
    chunks.append(current)
    return chunks


def _split_ucs2(units: bytes) -> list[bytes]:
    blocks: list[bytes] = []
    position = 0
    while position < len(units):
        end = min(position + PART_UCS2_OCTETS, len(units))
        # A high surrogate last would part it from its low half.
        if end < len(units) and 0xD8 <= units[end - 2] <= 0xDB:
            end -= 2
        blocks.append(units[position:end])
        position = end
    return blocks
