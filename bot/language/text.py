"""Cleaning what people type before anything reads or stores it."""

from __future__ import annotations

import re
import unicodedata

# Control characters (C0 and C1, but tab and newline, which separate words), the invisible
# bidi controls that can make a title display as something else, and the zero-width space,
# word joiner and BOM that copying from a web page leaves in (`12\u200b` is not a number).
# The zero-width (non-)joiners stay: emoji and Persian need them.
_UNWANTED = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)


def clean_input(text: str) -> str:
    """Text safe to parse and store: valid Unicode, no control or bidi-override characters."""
    # Lone surrogates (undecodable bytes from a terminal) cannot be stored in any database.
    text = text.encode("utf-8", "replace").decode("utf-8")
    return _UNWANTED.sub("", text.replace("\r", ""))


def is_blank(text: str) -> bool:
    """True for text with nothing visible in it (spaces, zero-width characters)."""
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in text)
