"""GSM-7 or UCS-2, and how many SMS segments a text takes (3GPP TS 23.038)."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from .models import Encoding

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
"""Characters that cost two septets (an escape, then the character)."""


@dataclass(frozen=True, kw_only=True)
class TextPlan:
    """How a text goes over the air."""

    encoding: Encoding
    units: int
    """Septets for GSM-7, UTF-16 code units for UCS-2."""
    segments: int


def is_gsm7(text: str) -> bool:
    """Tell whether every character of `text` exists in the GSM-7 alphabet."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def plan_text(text: str, encoding: Encoding = Encoding.AUTO) -> TextPlan:
    """Choose the encoding (GSM-7 when it can carry the text) and count segments.

    A single SMS holds 160 septets or 70 UCS-2 units; a concatenated one loses
    room to its header: 153 septets or 67 units per segment. An escaped GSM-7
    character is never split across two segments.
    """
    if encoding is Encoding.AUTO:
        encoding = Encoding.GSM7 if is_gsm7(text) else Encoding.UCS2
    if encoding is Encoding.GSM7:
        units = sum(2 if char in GSM7_EXTENSION else 1 for char in text)
        if units <= 160:
            return TextPlan(encoding=encoding, units=units, segments=1 if text else 0)
        segments, used = 1, 0
        for char in text:
            width = 2 if char in GSM7_EXTENSION else 1
            if used + width > 153:
                segments += 1
                used = 0
            used += width
        return TextPlan(encoding=encoding, units=units, segments=segments)
    units = len(text.encode("utf-16-le")) // 2
    if units <= 70:
        return TextPlan(encoding=encoding, units=units, segments=1 if text else 0)
    return TextPlan(encoding=encoding, units=units, segments=ceil(units / 67))
