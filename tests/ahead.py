"""Dates for tests that run the bot on the real clock (Telegram, IRC, the CLI): a literal date
passes into the past one day, and from then on the bot refuses it and CI fails. These are
always ahead, on a known weekday, and far enough ahead that no test crosses them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def saturday(weeks: int = 2) -> date:
    """The first Saturday at least ``weeks`` weeks after today (UTC)."""
    earliest = datetime.now(UTC).date() + timedelta(weeks=weeks)
    return earliest + timedelta(days=(5 - earliest.weekday()) % 7)


SATURDAY = saturday()
SUNDAY = SATURDAY + timedelta(days=1)


def day(when: date) -> str:
    """`Sat 2026-12-05`: how the bot writes a date."""
    return f"{when:%a %Y-%m-%d}"


def zone_abbreviation(when: date, clock: str, zone: str) -> str:
    """`CET` or `CEST`: the abbreviation ``zone`` uses at ``clock`` (`18:00`) on ``when``."""
    local = datetime.combine(when, time.fromisoformat(clock), ZoneInfo(zone))
    return local.tzname() or zone
