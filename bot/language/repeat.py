"""Recurrence rules, normalised to what bot.when.recurrence expands."""

from __future__ import annotations

import re
from datetime import MAXYEAR, UTC, datetime

from dateutil.rrule import rrule, rrulestr

from bot.errors import UserError
from bot.when.dates import WEEKDAY

_SIMPLE = {
    "daily": "daily",
    "weekly": "weekly",
    "monthly": "monthly",
    "yearly": "yearly",
    "annually": "yearly",
    "biweekly": "every 2 weeks",
    "fortnightly": "every 2 weeks",
}
_EVERY = re.compile(r"every\s+(?:(\d{1,2})\s+)?(day|week|month|year)s?")
_OFF = frozenset({"none", "off", "no", "never"})
# A gathering repeats at most daily: an hourly or secondly rule would flood the scheduler.
_TOO_OFTEN = re.compile(r"(?:^|[:;])FREQ=(HOURLY|MINUTELY|SECONDLY)(?:;|$)")
_SEVERAL_A_DAY = re.compile(r"(?:^|[:;])((?:BYHOUR|BYMINUTE|BYSECOND)=[^;]*,[^;]*)")
_UNTIL = re.compile(r"(?:^|[:;])UNTIL=([^;]*)")


def parse_repeat(text: str, *, command: str = "newevent") -> str:
    """Normalise a `repeat=` value; the empty string means the event does not repeat.

    ``command`` names the command whose usage follows an error (newevent or edit).
    """
    value = " ".join(text.strip().split())
    lowered = value.lower()
    if lowered in _OFF:
        return ""
    if lowered in _SIMPLE:
        return _SIMPLE[lowered]
    every = _EVERY.fullmatch(lowered)
    if every and int(every.group(1) or 1) >= 1:
        count, unit = int(every.group(1) or 1), every.group(2)
        return (
            f"every {count} {unit}s"
            if count > 1
            else {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}[unit]
        )
    rule = value.upper()
    if rule.startswith("FREQ="):
        rule = "RRULE:" + rule
    if rule.startswith("RRULE:"):
        # UNTIL as a date (`UNTIL=20270301`: up to that day) or an instant in UTC (`...Z`).
        until = _UNTIL.search(rule)
        aware = until is None or until.group(1).endswith("Z")
        start = datetime(2026, 1, 1, tzinfo=UTC if aware else None)
        try:
            parsed = rrulestr(rule, dtstart=start)
        except (ValueError, TypeError) as exc:
            raise _bad(text, f" ({exc})", command) from None
        if not isinstance(parsed, rrule):  # a set needs more lines than one RRULE
            raise _bad(text, "", command)
        # A rule that never matches (February 30th) sends dateutil searching to the year 9999:
        # seconds of blocked event loop on every expansion. UNTIL does not stop that search
        # (it stops at the first date after it, and there is none), the end of the calendar
        # does: so try the rule on the calendar's last ten years.
        last_years = parsed.replace(
            dtstart=start.replace(year=MAXYEAR - 10), until=None, count=None
        )
        if next(iter(last_years), None) is None:
            raise _bad(text, " (no date ever matches it)", command)
        if _TOO_OFTEN.search(rule):
            raise _bad(text, " (an event repeats at most daily)", command)
        # Answers are kept per date: two occurrences a day would share them.
        several = _SEVERAL_A_DAY.search(rule)
        if several:
            raise _bad(text, f" ({several.group(1)}: an event repeats at most once a day)", command)
        return rule
    raise _bad(text, "", command)


def _bad(text: str, detail: str, command: str) -> UserError:
    return UserError(
        f"Can't read repeat='{text[:60]}'{detail}. Use weekly, monthly, daily, every 2 weeks, "
        "or an RFC 5545 rule such as FREQ=WEEKLY;BYDAY=FR.",
        command=command,
    )


_UNITS = ("day", "week", "month", "year")
# `every first friday 19:00`: the ordinals monthly gatherings are named by (RFC 5545's BYDAY).
_ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "last": -1,
}
_OF_THE_MONTH = {("of", "the", "month"), ("of", "every", "month"), ("of", "each", "month")}


def split_every(when: str, command: str) -> tuple[str, str] | None:
    """`every tuesday 19:00` -> ("tuesday 19:00", "weekly"): a WHEN that says how it repeats
    is the first date and the repeat= it means. None when ``when`` doesn't start with every.

    `every other friday 18:00`, `every 2 weeks friday 18:00` and `every day 09:00` work the
    same way. `every first friday 19:00` is ("19:00", FREQ=MONTHLY;BYDAY=1FR): the rule
    chooses the first date (see bot.when.series_start). Anything else after `every` is
    refused with the forms to use."""
    words = when.split()
    if not words or words[0].lower() != "every":
        return None
    if len(words) > 1 and words[1].lower() in _ORDINALS:
        return _monthly_by_weekday(when, words[1:], command)
    count, rest = 1, words[1:]
    if rest and (rest[0].lower() == "other" or rest[0].isdigit()):
        count, rest = (2 if rest[0].lower() == "other" else int(rest[0])), rest[1:]
    unit = rest[0].lower().removesuffix("s") if rest else ""
    if len(rest) == 1 and count >= 1 and (unit in _UNITS or WEEKDAY.fullmatch(unit)):
        raise _no_time(when, command)
    if unit in _UNITS and count >= 1:
        first = _singular_weekday(rest[1:])
        return first, parse_repeat(f"every {count} {unit}s", command=command)
    if rest and WEEKDAY.fullmatch(rest[0].removesuffix("s")) and count >= 1:
        return _singular_weekday(rest), parse_repeat(f"every {count} weeks", command=command)
    raise _unknown(when, command)


def _monthly_by_weekday(when: str, words: list[str], command: str) -> tuple[str, str]:
    """`first friday of the month 19:00` (after `every`) -> ("19:00", FREQ=MONTHLY;BYDAY=1FR)."""
    ordinal, rest = _ORDINALS[words[0].lower()], words[1:]
    day = WEEKDAY.fullmatch(rest[0].removesuffix("s")) if rest else None
    if day is None:
        raise _unknown(when, command)
    rest = rest[1:]
    if tuple(word.lower() for word in rest[:3]) in _OF_THE_MONTH:
        rest = rest[3:]
    if not rest:
        raise _no_time(when, command)
    # RFC 5545 names a weekday by its first two letters: `fri` -> FR.
    rule = f"FREQ=MONTHLY;BYDAY={ordinal}{day.group(1)[:2].upper()}"
    return " ".join(rest), parse_repeat(rule, command=command)


def _no_time(when: str, command: str) -> UserError:
    return UserError(
        f"'{when[:40]}' has no time of day. Add one, e.g. '{when[:40]} 18:00'.",
        command=command,
    )


def _unknown(when: str, command: str) -> UserError:
    # No date in the example: one written here would be in the past a few weeks on.
    return UserError(
        f"Can't read '{when[:40]}'. Say e.g. every tuesday 19:00 or every first friday 19:00; "
        "for another rule, give the time and the rule as repeat=, e.g. "
        "19:00 repeat=FREQ=MONTHLY;BYDAY=2TU,4TU.",
        command=command,
    )


def _singular_weekday(words: list[str]) -> str:
    """`tuesdays 19:00` as `tuesday 19:00`: the first date is the next Tuesday."""
    if words and WEEKDAY.fullmatch(words[0][:-1]) and words[0].lower().endswith("days"):
        words = [words[0][:-1], *words[1:]]
    return " ".join(words)
