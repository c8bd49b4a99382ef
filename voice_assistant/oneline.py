"""Messages for people: one line, of a readable length, whatever a user typed into them."""

from __future__ import annotations

import re

LONG_WORD = 120  # a longer run without spaces (a path, a pasted value) is cut in the middle
LONG_LINE = 400

_WORD = re.compile(rf"\S{{{LONG_WORD + 1},}}")


def shorten(value: object, limit: int = LONG_WORD) -> str:
    """`value` as text of at most about `limit` characters: "abc…xyz (12345 characters)"."""
    text = str(value)
    if len(text) <= limit:
        return text
    keep = max(8, limit // 2 - 10)
    return f"{text[:keep]}…{text[-keep:]} ({len(text)} characters)"


def one_line(message: object, limit: int = LONG_LINE) -> str:
    """`message` on one line, long words shortened, at most about `limit` characters."""
    text = " ".join(str(message).split())
    text = _WORD.sub(lambda m: shorten(m.group(0)), text)
    return shorten(text, limit)
