"""Reading SmsGateway24's values: dates with their zones, lenient numbers and flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.gsm_gateway.api import SmsStatus
from custom_components.gsm_gateway.api.smsgateway24 import wire

KYIV = ZoneInfo("Europe/Kyiv")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            {
                "date": "2021-07-11 12:59:26.000000",
                "timezone_type": 1,
                "timezone": "+02:00",
            },
            datetime(2021, 7, 11, 10, 59, 26, tzinfo=UTC),
        ),
        (
            {
                "date": "2023-11-02 22:44:43.000000",
                "timezone_type": 3,
                "timezone": "Europe/Paris",
            },
            datetime(2023, 11, 2, 21, 44, 43, tzinfo=UTC),
        ),
        (
            {
                "date": "2023-07-02 10:00:00.000000",
                "timezone_type": 2,
                "timezone": "CEST",
            },
            datetime(2023, 7, 2, 8, tzinfo=UTC),
        ),
        (
            {
                "date": "2023-07-02 10:00:00.000000",
                "timezone_type": 1,
                "timezone": "-0530",
            },
            datetime(2023, 7, 2, 15, 30, tzinfo=UTC),
        ),
        # A zone not understood: read in the default zone (here Kyiv).
        (
            {
                "date": "2023-07-02 10:00:00",
                "timezone_type": 3,
                "timezone": "Mars/Olympus",
            },
            datetime(2023, 7, 2, 7, tzinfo=UTC),
        ),
        ({"date": None, "timezone": "UTC"}, None),
        ("2024-12-22 03:55:19", datetime(2024, 12, 22, 1, 55, 19, tzinfo=UTC)),
        ("2024-12-22", datetime(2024, 12, 21, 22, tzinfo=UTC)),
        ("02.01.2030 3:04:05", datetime(2030, 1, 2, 1, 4, 5, tzinfo=UTC)),
        ("2026-01-15T10:30:00Z", datetime(2026, 1, 15, 10, 30, tzinfo=UTC)),
        ("2026-01-15T10:30:00", datetime(2026, 1, 15, 8, 30, tzinfo=UTC)),
        (1768473000, datetime(2026, 1, 15, 10, 30, tzinfo=UTC)),
        (1768473000000, datetime(2026, 1, 15, 10, 30, tzinfo=UTC)),
        ("1768473000000", datetime(2026, 1, 15, 10, 30, tzinfo=UTC)),
        (10**20, None),
        ("null", None),
        ("yesterday", None),
        (True, None),
    ],
)
def test_dates(value: Any, expected: datetime | None) -> None:
    assert wire.date(value, KYIV) == expected


def test_formats() -> None:
    moment = datetime(2030, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    assert wire.format_date(moment) == "2030-01-02 03:04:05"
    assert wire.format_newsletter_date(moment) == "02.01.2030 3:04:05"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (7, 7),
        ("12", 12),
        (" 3 ", 3),
        (True, 1),
        (5.0, 5),
        ("5.0", 5),
        ("5.5", None),
        (5.5, None),
        ("x", None),
        (None, None),
        ("null", None),
    ],
)
def test_integers(value: Any, expected: int | None) -> None:
    assert wire.integer(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        ("1", True),
        ("true", True),
        (0, False),
        ("0", False),
        ("no", False),
        (None, None),
        ("maybe", None),
    ],
)
def test_booleans(value: Any, expected: bool | None) -> None:
    assert wire.boolean(value) == expected


def test_statuses_map_onto_spec_values() -> None:
    assert wire.STATUSES[1] is SmsStatus.QUEUED
    assert {wire.STATUSES[2], wire.STATUSES[3]} == {SmsStatus.SENDING}
    assert wire.STATUSES[6] is SmsStatus.SENT
    assert wire.STATUSES[7] is SmsStatus.DELIVERED
    assert wire.STATUSES[8] is SmsStatus.UNDELIVERED
    assert {wire.STATUSES[c] for c in (9, 10, 11, 12, 100, 101)} == {SmsStatus.FAILED}
    assert wire.STATUS_INCOMING not in wire.STATUSES


def test_items_without_ids_and_lists_instead_of_objects() -> None:
    assert wire.objects([{"id": 1}, "x"]) == [{"id": 1}]
    assert wire.objects("nothing") == []
    assert wire.phone({"title": "no id"}) is None
    assert wire.message({"body": "no id"}) is None
    phone = wire.phone(
        {"id": "7", "siminfo": {"a": {"Slot": "1"}, "b": {"Slot": "x"}, "c": "bad"}}
    )
    assert phone is not None
    assert [sim.slot for sim in phone.sims] == [1]
    assert wire.slots(wire.phone({"id": 8}) or phone)[0].slot == 0
    message = wire.message({"id": 1, "status": 5, "sendto": None, "body": None})
    assert message is not None
    assert (message.incoming, message.status, message.number, message.body) == (
        True,
        None,
        "",
        "",
    )
    assert wire.webhook({"event": "other"}) is None
    assert wire.webhook({"event": "incoming_sms"}) is None
