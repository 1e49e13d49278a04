"""Translations: English equals strings.json, and every language has every key."""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

import pytest

COMPONENT = Path(__file__).parents[1] / "custom_components" / "gsm_gateway"
LANGUAGES = ("zh-Hans", "uk", "ru")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _load(name: str) -> dict[str, str]:
    path = COMPONENT / name
    return _flatten(json.loads(path.read_text(encoding="utf-8")))


def test_english_is_strings_json() -> None:
    """Custom integrations load translations/en.json: it must be strings.json."""
    assert _load("translations/en.json") == _load("strings.json")


def test_no_references() -> None:
    """`[%key:...%]` references are not resolved for custom integrations."""
    assert not [k for k, v in _load("strings.json").items() if "[%key:" in v]


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_complete(language: str) -> None:
    """Every language has every key, with the same placeholders."""
    english = _load("strings.json")
    other = _load(f"translations/{language}.json")
    assert sorted(other) == sorted(english)
    for key, text in english.items():
        assert set(PLACEHOLDER.findall(other[key])) == set(PLACEHOLDER.findall(text)), (
            key
        )
        assert other[key].strip(), key
