"""A start given as a span of real time from now: `in 2 hours`, `in 90 min`, `in 2h30m`."""

from __future__ import annotations

import re
from datetime import timedelta
from fractions import Fraction

from bot.errors import UserError

_UNIT = r"(?:minutes?|mins?|m|hours?|hrs?|h)(?![a-z])"
_AMOUNT = r"\d{1,4}(?:[.,]\d+)?|an?"
# `in 2 hours`, `in 90 min`, `in 2h30m`, `in 1 hour and 30 minutes`, `in an hour`, `in 1.5 h`.
_RELATIVE = re.compile(rf"in\s+((?:(?:{_AMOUNT})\s*{_UNIT}\s*(?:and\s+)?)+)", re.IGNORECASE)
_RELATIVE_PART = re.compile(rf"({_AMOUNT})\s*({_UNIT})", re.IGNORECASE)


def relative_delta(text: str, command: str) -> timedelta:
    """How long from now ``text`` (`in 2 hours`) says, in whole minutes; anything else is
    refused."""
    relative = _RELATIVE.fullmatch(text)
    minutes = Fraction(0)
    for amount, unit in _RELATIVE_PART.findall(relative.group(1) if relative else ""):
        count = Fraction(1) if amount.isalpha() else Fraction(amount.replace(",", "."))
        minutes += count * (60 if unit.lower().startswith("h") else 1)
    if relative is None or minutes.denominator != 1:
        raise UserError(
            f"Can't understand the time '{text[:60]}'. Say how long from now in hours or "
            "minutes, e.g. in 2 hours, in 90 minutes or in 2h30m.",
            command=command,
        )
    return timedelta(minutes=int(minutes))
