"""When a channel's weekly digest is posted: `mon 09:00`, `fri,sun 18:30`, or off."""

from __future__ import annotations

import re

from bot.errors import UserError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SPEC = re.compile(r"((?:[a-z]{3}[a-z]*)(?:\s*,\s*[a-z]{3}[a-z]*)*)\s+(\d{1,2}):(\d{2})")
_OFF = frozenset({"off", "none", "no", "never"})


def parse_digest(text: str, *, command: str = "settings") -> str:
    """Normalise a digest time to `mon 09:00` (days in week order); "" means off."""
    value = " ".join(text.strip().lower().split())
    if not value or value in _OFF:
        return ""
    match = _SPEC.fullmatch(value)
    if match is None:
        raise _bad(text, command)
    days = set()
    for word in re.split(r"\s*,\s*", match.group(1)):
        # `mon`, `tues`, `monday`: any start of a day's name, at least three letters.
        named = [day for day, name in zip(DAYS, _NAMES, strict=True) if name.startswith(word)]
        if not named:
            raise _bad(text, command)
        days.add(named[0])
    hour, minute = int(match.group(2)), int(match.group(3))
    if hour > 23 or minute > 59:
        raise _bad(text, command)
    ordered = ",".join(day for day in DAYS if day in days)
    return f"{ordered} {hour:02d}:{minute:02d}"


def _bad(text: str, command: str) -> UserError:
    return UserError(
        f"Can't read the digest time '{text.strip()[:40]}'. Give days and a time in the "
        "channel's zone, e.g. digest=mon 09:00 or digest=fri,sun 18:30, or digest=off.",
        command=command,
    )
