"""PDU encoding and decoding against published examples of TS 23.040 / 23.038.

Sources of the examples:
- [dreamfabric] "SMS messages and the PDU format" (Lars Pettersson, the
  page every AT-modem guide links; mirrored at
  http://www.turbocontrol.com/CoolStuff/SMS%20messages%20and%20the%20PDU%20format.htm
  and http://subnets.ru/saved/sms_pdu_format.html): the SMS-DELIVER
  "hellohello" from +27838890001 and the SMS-SUBMIT "hellohello" to
  +46708251358.
- [gsmmodem] the published test vectors of python-gsmmodem
  (github.com/faucamp/python-gsmmodem, test/test_pdu.py), several of them
  captured from real modems (a ZTE status report, a South African
  operator's concatenated airtime notice) or taken from Diafaan's PDU
  examples (the +31628870634 status report).
- [jdsms] "How are you?" read from a modem (http://jdsms.com.cn/helpdesk/frontArticle/136/).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from custom_components.gsm_gateway.api import Encoding
from custom_components.gsm_gateway.api.encoding import GSM7_BASIC, GSM7_EXTENSION
from custom_components.gsm_gateway.api.pdu import (
    GSM7_ALPHABET,
    GSM7_EXTENSION_TABLE,
    Concatenation,
    PduError,
    SmsDeliver,
    StatusReport,
    decode_pdu,
    encode_submit,
    gsm7_decode,
    gsm7_encode,
    pack_septets,
    unpack_septets,
    ussd_decode,
    ussd_encode,
)


def _zone(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


def test_alphabet_tables_match_the_segment_counter() -> None:
    assert len(GSM7_ALPHABET) == 128
    assert set(GSM7_ALPHABET) == GSM7_BASIC
    assert set(GSM7_EXTENSION_TABLE.values()) == GSM7_EXTENSION


def test_dreamfabric_deliver_hellohello() -> None:
    """[dreamfabric]: SMSC +27381000015, 99-03-29 15:16:59 at +2 h."""
    message = decode_pdu(
        "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37"
    )
    assert message == SmsDeliver(
        smsc="+27381000015",
        # Type of address C8 (national, not international): no "+".
        sender="27838890001",
        timestamp=datetime(1999, 3, 29, 15, 16, 59, tzinfo=_zone(2)),
        text="hellohello",
    )


def test_dreamfabric_submit_hellohello() -> None:
    """[dreamfabric]: 0011000B916407281553F80000AA0AE8329BFD4697D9EC37."""
    (pdu,) = encode_submit("+46708251358", "hellohello")
    assert pdu.hex == "0011000B916407281553F80000AA0AE8329BFD4697D9EC37"
    assert pdu.length == 23  # AT+CMGS=23 in the same page


@pytest.mark.parametrize(
    ("pdu", "sender", "timestamp", "text"),
    [
        (  # [gsmmodem]
            "06917228195339040B917228214365F700003130805120618005D4F29C2E03",
            "+27821234567",
            datetime(2013, 3, 8, 15, 2, 16, tzinfo=_zone(2)),
            "Test2",
        ),
        (  # [gsmmodem]: time zone +8 h (23 = 32 quarters)
            (
                "07915892000000F0040B915892214365F700007040213252242331493A283D0795C3F33C"
                "88FE06C9CB6132885EC6D341EDF27C1E3E97E7207B3A0C0A5241E377BB1D7693E72E"
            ),
            "+85291234567",
            datetime(2007, 4, 12, 23, 25, 42, tzinfo=_zone(8)),
            "It is easy to read text messages via AT commands.",
        ),
        (  # [gsmmodem]: extension characters { and } among the basic ones
            "06917228195339040B917228214365F70000313062315352800A800D8A5E98D337A910",
            "+27821234567",
            None,
            "@{tést}!",
        ),
        (  # [jdsms]
            "07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07",
            "+31641600986",
            None,  # its zone octet 08 sets the sign bit of zero: read as UTC
            "How are you?",
        ),
    ],
)
def test_published_deliver_pdus(
    pdu: str, sender: str, timestamp: datetime | None, text: str
) -> None:
    message = decode_pdu(pdu)
    assert isinstance(message, SmsDeliver)
    assert message.sender == sender
    assert message.text == text
    if timestamp is not None:
        assert message.timestamp == timestamp


def test_published_concatenated_part_with_alphanumeric_header() -> None:
    """[gsmmodem]: an operator's notice, part 1 of 1 with reference 0xC3."""
    message = decode_pdu(
        "0591721891F1400781721881F800003160526104848059050003C30101916536FB1DCABEEB"
        "2074D85E064941B19CAB060319A5C522289C96D3D3ED32286C0FA7D96131BBEC024941B19C"
        "AB0603DDD36C36A88C87A7E565D0DB0D82C55EB0DB4B068BCD5C20"
    )
    assert isinstance(message, SmsDeliver)
    assert message.smsc == "+2781191"
    assert message.sender == "2781188"
    assert message.concatenation == Concatenation(reference=0xC3, total=1, index=1)
    assert message.text == (
        "Hello!You have R 19.50 FREE airtime available. R 19.50 will expire on "
        "01/07/2013. "
    )


def test_published_status_report() -> None:
    """[gsmmodem] after Diafaan: message reference 214 to +31628870634, delivered."""
    report = decode_pdu("0006D60B911326880736F4111011719551401110117195714000")
    assert isinstance(report, StatusReport)
    assert report.reference == 214
    assert report.recipient == "+31628870634"
    assert report.submitted == datetime(2011, 1, 11, 17, 59, 15, tzinfo=_zone(1))
    assert report.discharged == datetime(2011, 1, 11, 17, 59, 17, tzinfo=_zone(1))
    assert report.status == 0
    assert report.delivered
    assert report.final


def test_status_report_still_trying_and_failed() -> None:
    base = "0006D60B911326880736F41110117195514011101171957140"
    trying = decode_pdu(base + "20")
    failed = decode_pdu(base + "41")
    assert isinstance(trying, StatusReport)
    assert isinstance(failed, StatusReport)
    assert not trying.delivered
    assert not trying.final
    assert not failed.delivered
    assert failed.final


@pytest.mark.parametrize(
    ("encoded", "offset"),
    [
        # [gsmmodem] time stamps: 0x80 is +2 h, 0x23 +8 h, 0x2B -8 h (sign bit).
        ("51117200000080", 2),
        ("70402132522423", 8),
        ("7040213252242B", -8),
        ("51117200000000", 0),
        ("5111720000004A", -6),  # 0x4A: sign bit, then 2 and 4: -24 quarters
    ],
)
def test_time_stamp_zones(encoded: str, offset: float) -> None:
    pdu = "00040B917228214365F70000" + encoded + "0131"
    message = decode_pdu(pdu)
    assert isinstance(message, SmsDeliver)
    assert message.timestamp.utcoffset() == timedelta(hours=offset)
    assert message.text == "1"


def test_time_stamp_in_utc_is_utc() -> None:
    message = decode_pdu("00040B917228214365F70000511172000000000131")
    assert isinstance(message, SmsDeliver)
    assert message.timestamp.tzinfo is UTC


def test_alphanumeric_sender() -> None:
    """[gsmmodem] address fields: "FRANCOIS" as 0ED04669D0397C26A7."""
    message = decode_pdu("00040ED04669D0397C26A700003130805120618005D4F29C2E03")
    assert isinstance(message, SmsDeliver)
    assert message.sender == "FRANCOIS"
    assert message.text == "Test2"


@pytest.mark.parametrize(
    ("text", "packed"),
    [
        # [gsmmodem] GSM-7 vectors: escapes for [ { } ] ~ and the euro sign.
        ("Hello World!", "C8329BFD065DDF72363904"),
        ("[{abc}]~", "1BDE0615168F37A98D6FD303"),
        ("a[]{}€", "E10D6FE3DBA036A94D19"),
        ("{åΦΓΛΩΠΨΣΘ€}", "1BD44332A1542C174C6653DEA400"),
    ],
)
def test_gsm7_packing_with_extension_table(text: str, packed: str) -> None:
    septets = gsm7_encode(text)
    assert pack_septets(septets).hex().upper() == packed
    assert gsm7_decode(unpack_septets(bytes.fromhex(packed), len(septets))) == text


def test_gsm7_refuses_what_it_lacks() -> None:
    with pytest.raises(PduError):
        gsm7_encode("世界")


def test_gsm7_unknown_extension_and_trailing_escape() -> None:
    assert gsm7_decode([0x1B, 0x41]) == "A"
    assert gsm7_decode([0x41, 0x1B]) == "A "


def test_ucs2_submit_published() -> None:
    """[gsmmodem]: 世界您好 and a fullwidth "!" to +123456789 is 0008 ... 0A 4E16754C60A8597DFF01."""
    (pdu,) = encode_submit("+123456789", "世界您好！")
    assert pdu.hex.endswith("0008AA0A4E16754C60A8597DFF01")
    assert "099121436587F9" in pdu.hex


def test_submit_national_number_and_status_report() -> None:
    (pdu,) = encode_submit("0708251358", "hellohello", status_report=True)
    # First octet 0x31: SMS-SUBMIT, relative validity, status report requested.
    assert pdu.hex == "0031000A8170805231850000AA0AE8329BFD4697D9EC37"
    (international,) = encode_submit("0046708251358", "hellohello")
    assert "0B916407281553F8" in international.hex


def test_submit_refuses_what_is_no_number() -> None:
    with pytest.raises(PduError):
        encode_submit("ALARM", "x")


def test_long_gsm7_submit_splits_in_153_septets_with_header() -> None:
    """[gsmmodem] concatenated vector: header 050003 ref total index, fill bit."""
    text = "Lorem ipsum dolor sit amet, " * 12  # 336 septets: 3 parts
    pdus = encode_submit("+15125551234", text, reference=0)
    assert len(pdus) == 3
    # The same first octets as the published vector's 0045...0000A0050003000301
    # (except TP-RD and TP-MR, which it sets): UDHI, UDL 160, IE 00, part 1/3.
    assert pdus[0].hex.startswith("0051000B915121551532F40000AAA0050003000301")
    assert [_submit_text(pdu.hex) for pdu in pdus] == [
        text[:153],
        text[153:306],
        text[306:],
    ]


def test_long_gsm7_never_splits_an_escape() -> None:
    text = "a" * 152 + "€" + "b" * 10
    pdus = encode_submit("+15125551234", text, reference=7)
    assert [_submit_text(pdu.hex) for pdu in pdus] == ["a" * 152, "€" + "b" * 10]


def test_long_ucs2_keeps_emoji_whole() -> None:
    text = "Привіт " * 9 + "😀" * 10  # 63 + 20 units: 2 parts
    pdus = encode_submit("+380501234567", text, reference=9)
    assert len(pdus) == 2
    joined = "".join(_submit_text(pdu.hex) for pdu in pdus)
    assert joined == text
    assert "\ufffd" not in joined


def test_forced_ucs2_for_gsm7_text() -> None:
    (pdu,) = encode_submit("+1", "hi", Encoding.UCS2)
    assert pdu.hex.endswith("0008AA0400680069")


def test_sixteen_bit_reference_header_ie_08() -> None:
    """IE 0x08 (TS 23.040 §9.2.3.24.8): [gsmmodem] 080401800402 is 384, 2 of 4."""
    text_septets = pack_septets(gsm7_encode("part two"), fill_bits=0)
    header = bytes.fromhex("06080401800402")  # 7 octets: 56 bits, no fill
    udl = 8 + len("part two")
    pdu = (
        f"00440B917228214365F7000031308051206180{udl:02X}"
        + (header + text_septets).hex()
    )
    message = decode_pdu(pdu)
    assert isinstance(message, SmsDeliver)
    assert message.concatenation == Concatenation(reference=384, total=4, index=2)
    assert message.text == "part two"


def test_ucs2_deliver_with_header() -> None:
    """[gsmmodem] UCS-2 with a concatenation header: はい, part 1 of 3."""
    # The published SMS-SUBMIT's user data, in an SMS-DELIVER around it.
    pdu = "00440C910661345542F60008313080512061800A050003000301306F3044"
    message = decode_pdu(pdu)
    assert isinstance(message, SmsDeliver)
    assert message.sender == "+60164355246"
    assert message.concatenation == Concatenation(reference=0, total=3, index=1)
    assert message.text == "はい"


def test_eight_bit_data_reads_as_latin1() -> None:
    message = decode_pdu("00040B917228214365F700043130805120618005" + "48656C6C6F")
    assert isinstance(message, SmsDeliver)
    assert message.text == "Hello"


@pytest.mark.parametrize(
    "bad",
    [
        "zz",
        "0001000B917228001011F100000CC8329BFD065DDF72363904",  # SMS-SUBMIT
        "00040B917228214365F7",  # cut short
        "00040B917228214365F70000991399999999000131",  # month 31
        "00440B917228214365F7000031308051206180",  # UDHI with no user data
    ],
)
def test_unreadable_pdus(bad: str) -> None:
    with pytest.raises(PduError):
        decode_pdu(bad)


def test_ussd_replies_in_the_forms_modems_give() -> None:
    # GSM-7 packed hex, dcs 15: "Balance 12.50" packed.
    packed = pack_septets(gsm7_encode("Balance 12.50")).hex().upper()
    assert ussd_decode(packed, 15) == "Balance 12.50"
    # UCS-2 hex, dcs 72 (0x48): "Баланс".
    assert ussd_decode("Баланс".encode("utf-16-be").hex(), 72) == "Баланс"
    # Plain text, whatever the dcs.
    assert ussd_decode("Your balance is 5", 15) == "Your balance is 5"
    assert ussd_decode("CAFE", None) == "CAFE"
    # Eight septets of a 7-octet reply are one CR of padding (TS 23.038 §6.1.2.3.1).
    seven = pack_septets([*gsm7_encode("Balance"), 0x0D]).hex()
    assert ussd_decode(seven, 15) == "Balance"
    # 8-bit data: left as it came.
    assert ussd_decode("CAFE", 0xF4) == "CAFE"


def test_ussd_encode() -> None:
    """*100# packed: AA180C3602 (the form Huawei sticks want)."""
    assert ussd_encode("*100#") == "AA180C3602"


def _submit_text(hex_pdu: str) -> str:
    """Read an SMS-SUBMIT's text back, by turning it into an SMS-DELIVER."""
    tpdu = bytes.fromhex(hex_pdu[2:])
    first = tpdu[0]
    address_digits = tpdu[2]
    address_end = 4 + (address_digits + 1) // 2
    pid_dcs = tpdu[address_end : address_end + 2]
    rest = tpdu[address_end + 3 :]  # skip the validity period
    deliver = (
        bytes((first & 0x40,))
        + tpdu[2:address_end]
        + pid_dcs
        + bytes.fromhex("31308051206180")
        + rest
    )
    message = decode_pdu("00" + deliver.hex())
    assert isinstance(message, SmsDeliver)
    return message.text
