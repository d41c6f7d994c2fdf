"""Recurrence rules: stored now, expanded into occurrences by the scheduler."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from dateutil.rrule import rrulestr

from bot.errors import UserError

_SIMPLE = {
    "daily": "daily",
    "weekly": "weekly",
    "monthly": "monthly",
    "yearly": "yearly",
    "annually": "yearly",
    "biweekly": "every 2 weeks",
    "fortnightly": "every 2 weeks",
}
_EVERY = re.compile(r"every\s+(\d{1,2})\s+(day|week|month|year)s?")
_OFF = frozenset({"none", "off", "no", "never"})


def parse_repeat(text: str) -> str:
    """Normalise a `repeat=` value; the empty string means the event does not repeat."""
    value = " ".join(text.strip().split())
    lowered = value.lower()
    if lowered in _OFF:
        return ""
    if lowered in _SIMPLE:
        return _SIMPLE[lowered]
    every = _EVERY.fullmatch(lowered)
    if every and int(every.group(1)) >= 1:
        count, unit = int(every.group(1)), every.group(2)
        return (
            f"every {count} {unit}s"
            if count > 1
            else {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}[unit]
        )
    rule = value.upper()
    if rule.startswith("FREQ="):
        rule = "RRULE:" + rule
    if rule.startswith("RRULE:"):
        try:
            rrulestr(rule, dtstart=datetime(2026, 1, 1, tzinfo=UTC))
        except (ValueError, TypeError) as exc:
            raise _bad(text, f" ({exc})") from None
        return rule
    raise _bad(text, "")


def _bad(text: str, detail: str) -> UserError:
    return UserError(
        f"Can't read repeat='{text}'{detail}. Use weekly, monthly, daily, every 2 weeks, "
        "or an RFC 5545 rule such as FREQ=WEEKLY;BYDAY=FR.",
        command="newevent",
    )
