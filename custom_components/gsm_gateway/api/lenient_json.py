"""Decode vendor JSON that is invalid as published.

Gateway manuals (and, as far as anyone knows, some firmware) print JSON that
`json.loads` rejects. Valid JSON is always decoded by `json.loads` untouched;
only when that fails are these repairs applied, each one narrow enough not to
change the meaning of a document that needed it:

1. Typographic quotes U+201C / U+201D used as string delimiters
   (`"sn":"xxxx”}` in the Dinstar `set_port_info` example): an opening one
   outside a string starts a string, a closing one inside a string ends it when
   what follows can only follow a string (`,` `}` `]` `:` or the end). Inside a
   string and followed by anything else it is kept as text.
2. Raw line breaks inside strings (PDF copy artifacts: a timestamp broken as
   `"2016-07` / `-12 15:46:18"` over two lines): dropped. JSON forbids them,
   and in the vendors' examples they are never part of the value.
3. Trailing commas before `}` or `]` (`{...},]` in several Dinstar examples):
   dropped.
4. A number opened with a quote that is never closed (`"input_type":"2,` in
   the Dinstar `GetSTKView` example, followed by the next key): read as the
   number. Only a quote, digits and a comma directly followed by a quoted key
   and a colon are rewritten, so a real string such as `"2,"` is left alone.

A UTF-8 byte order mark is skipped in every case. Bytes are read as UTF-8
(the Chinese STK title of the Dinstar document is UTF-8; no gateway is known
to answer in another charset); a stray invalid byte becomes U+FFFD rather
than losing the whole answer.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

_LOGGER = logging.getLogger(__name__)

_OPEN_QUOTES = frozenset("\u201c\u201d")
"""Both typographic double quotes: the examples use them either way round."""
_AFTER_STRING = frozenset(",}]:")
_UNCLOSED_NUMBER = re.compile(r'(:\s*)"(-?\d+(?:\.\d+)?)(\s*,\s*)(?="[^"\\]+"\s*:)')


def loads(document: str | bytes) -> Any:
    """Decode `document`, repairing the vendors' known JSON mistakes if needed.

    Raises `ValueError` (a `json.JSONDecodeError`) when even the repaired text
    is not JSON.
    """
    text = (
        document.decode("utf-8-sig", errors="replace")
        if isinstance(document, bytes)
        else document.removeprefix("\ufeff")
    )
    try:
        return json.loads(text)
    except ValueError as err:
        repaired = repair(text)
        if repaired == text:
            raise
        _LOGGER.debug("Repaired invalid JSON (%s)", err)
        return json.loads(repaired)


def repair(text: str) -> str:
    """Apply the repairs listed in the module docstring to `text`."""
    text = _UNCLOSED_NUMBER.sub(r"\1\2\3", text)
    out: list[str] = []
    in_string = False
    escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
                out.append(char)
            elif char == "\\":
                escaped = True
                out.append(char)
            elif char in "\r\n":
                continue
            elif char == '"':
                in_string = False
                out.append(char)
            elif char in _OPEN_QUOTES and _next_significant(text, index + 1) in (
                _AFTER_STRING | {""}
            ):
                in_string = False
                out.append('"')
            else:
                out.append(char)
            continue
        if char == '"' or char in _OPEN_QUOTES:
            in_string = True
            out.append('"')
        elif char == "," and _next_significant(text, index + 1) in ("}", "]"):
            continue
        else:
            out.append(char)
    return "".join(out)


def _next_significant(text: str, start: int) -> str:
    """Return the next character after `start` that is not whitespace, or ""."""
    for char in text[start:]:
        if not char.isspace():
            return char
    return ""
