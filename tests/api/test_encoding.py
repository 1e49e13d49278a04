"""GSM-7 or UCS-2, and how many segments: what decides the Dinstar `encoding`."""

from __future__ import annotations

import pytest

from custom_components.gsm_gateway.api import Encoding
from custom_components.gsm_gateway.api.encoding import is_gsm7, plan_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, world!", True),
        ("Prix: 5€ [promo] ~ ^_^", True),
        ("Grüße aus Åre, ¿qué?", True),
        ("Привет", False),
        ("你好", False),
        ("ok 👍", False),
        ("ç lowercase is not GSM-7, Ç is", False),
    ],
)
def test_is_gsm7(text: str, expected: bool) -> None:
    assert is_gsm7(text) is expected


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", Encoding.GSM7, 0, 0),
        ("a" * 160, Encoding.GSM7, 160, 1),
        ("a" * 161, Encoding.GSM7, 161, 2),
        ("a" * 306, Encoding.GSM7, 306, 2),
        ("a" * 307, Encoding.GSM7, 307, 3),
        ("€" * 80, Encoding.GSM7, 160, 1),
        ("€" * 81, Encoding.GSM7, 162, 2),
        ("Я" * 70, Encoding.UCS2, 70, 1),
        ("Я" * 71, Encoding.UCS2, 71, 2),
        ("Я" * 134, Encoding.UCS2, 134, 2),
        ("Я" * 135, Encoding.UCS2, 135, 3),
        ("👍" * 35, Encoding.UCS2, 70, 1),
    ],
)
def test_auto_plan(text: str, encoding: Encoding, units: int, segments: int) -> None:
    plan = plan_text(text)
    assert (plan.encoding, plan.units, plan.segments) == (encoding, units, segments)


def test_escaped_character_is_never_split_across_segments() -> None:
    # 152 plain septets then "€" (2 septets) would straddle the 153 boundary.
    plan = plan_text("a" * 152 + "€" + "a" * 10)
    assert plan.units == 164
    assert plan.segments == 2
    plan = plan_text("a" * 152 + "€" * 77)
    assert plan.units == 306
    assert plan.segments == 3


def test_forced_ucs2_for_gsm7_text() -> None:
    plan = plan_text("hello", Encoding.UCS2)
    assert (plan.encoding, plan.units, plan.segments) == (Encoding.UCS2, 5, 1)
