"""Vendor JSON that is invalid as published is still read, and read right."""

from __future__ import annotations

import json

import pytest

from custom_components.gsm_gateway.api import lenient_json


def test_valid_json_is_decoded_untouched() -> None:
    # Repairs run only on failure: valid text with what repairs would touch
    # (a closing typographic quote before a comma) decodes as JSON says.
    text = '{"text": "say \u201chi\u201d, ]", "n": [1, 2]}'
    assert lenient_json.loads(text) == json.loads(text)
    assert lenient_json.loads(text)["text"] == "say \u201chi\u201d, ]"


def test_trailing_commas_are_dropped() -> None:
    text = '{"error_code":200,"result":[{"port":0,"ref_id":12},],}'
    assert lenient_json.loads(text) == {
        "error_code": 200,
        "result": [{"port": 0, "ref_id": 12}],
    }


def test_typographic_quote_closing_a_string() -> None:
    # The Dinstar set_port_info example ends its sn with U+201D.
    text = '{"error_code":200,"sn":"xxxx-xxxx-xxxx-xxxx\u201d}'
    assert lenient_json.loads(text) == {"error_code": 200, "sn": "xxxx-xxxx-xxxx-xxxx"}


def test_typographic_quote_closing_the_document() -> None:
    assert lenient_json.loads('"abc\u201d') == "abc"


def test_typographic_quotes_as_delimiters_keep_inner_ones() -> None:
    text = "{\u201ctext\u201d: \u201che said \u201cno\u201d again\u201d,}"
    assert lenient_json.loads(text) == {"text": "he said \u201cno\u201d again"}


def test_line_breaks_inside_strings_are_dropped() -> None:
    text = '{"incoming\n_sms_id":1,"timestamp":"2016-07\r\n-12 15:46:18"}'
    assert lenient_json.loads(text) == {
        "incoming_sms_id": 1,
        "timestamp": "2016-07-12 15:46:18",
    }


def test_escaped_quote_and_line_break_escape_survive_repair() -> None:
    text = '{"a":"x\\"y\\n","b":[1,],}'
    assert lenient_json.loads(text) == {"a": 'x"y\n', "b": [1]}


def test_unclosed_quoted_number_before_the_next_key() -> None:
    # GetSTKView example: "input_type":"2,"frame_id":750
    text = '{"item":[],"input_type":"2,"frame_id":750}'
    assert lenient_json.loads(text) == {"item": [], "input_type": 2, "frame_id": 750}


def test_quoted_number_with_comma_that_is_a_real_string_is_kept() -> None:
    text = '{"text":"2,", "x":[1,]}'
    assert lenient_json.loads(text) == {"text": "2,", "x": [1]}


def test_bytes_with_bom() -> None:
    assert lenient_json.loads(b'\xef\xbb\xbf{"a":1}') == {"a": 1}
    assert lenient_json.loads('\ufeff{"a":[1,]}') == {"a": [1]}


@pytest.mark.parametrize("text", ["", "not json", '{"a": }', "<html></html>"])
def test_what_cannot_be_repaired_raises_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="Expecting"):
        lenient_json.loads(text)
