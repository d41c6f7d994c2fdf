"""Dates as people write them. Numeric ones are rewritten before dateparser sees them (it reads
`05.01.2027` month first and rolls `2027-02-30` over); every date part written, in numbers or
words, is collected as "date facts" that dateparser's answer must agree with."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.errors import UserError
from bot.when.clocks import CLOCK

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --- Numeric dates -------------------------------------------------------------------------

# `2026-12-05T18:00` reads as `2026-12-05 18:00`.
ISO_T_SEPARATOR = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})T(?=\d)", re.IGNORECASE)
_YEAR_MONTH_DAY = re.compile(r"(?<![\d./:-])(\d{4})([./-])(\d{1,2})\2(\d{1,2})(?!\d|[./-]\d)")
_DAY_MONTH_YEAR = re.compile(
    r"(?<![\d./:-])(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?!\d|[./:-]\d)"
)
_SLASHED_DAY_MONTH = re.compile(r"(?<![\d./:-])(\d{1,2})/(\d{1,2})(?!\d|[./:-]\d)")
_DOTTED_DAY_MONTH = re.compile(r"(?<![\d./:-])(\d{1,2})\.(\d{1,2})(\.(?=\s))?(?![\d:]|\.\d)")


def rewrite_numeric_dates(text: str, command: str) -> str:
    """Numeric dates as ISO (`2027-01-05`), or `5 Jan` without a year, checked against the
    calendar: dateparser reads `05.01.2027` month first and rolls `2027-02-30` over."""

    def ymd(match: re.Match[str]) -> str:
        year, month, day = int(match[1]), int(match[3]), int(match[4])
        return _checked_date(match[0], year, month, day, command)

    def dmy(match: re.Match[str]) -> str:
        year = int(match[4]) + (2000 if len(match[4]) == 2 else 0)
        day, month = _day_and_month(match[0], match[1], match[3], match[2], year, command)
        return _checked_date(match[0], year, month, day, command)

    def slashed(match: re.Match[str]) -> str:
        day, month = _day_and_month(match[0], match[1], match[2], "/", None, command)
        return _checked_date(match[0], None, month, day, command)

    text = _YEAR_MONTH_DAY.sub(ymd, text)
    text = _DAY_MONTH_YEAR.sub(dmy, text)
    text = _SLASHED_DAY_MONTH.sub(slashed, text)
    return _DOTTED_DAY_MONTH.sub(lambda match: _dotted(match, text, command), text)


def _dotted(match: re.Match[str], text: str, command: str) -> str:
    """`5.12.` and `5.1` are dates; `18.30` is a time, unless another time is written
    beside it (`05.01 18:00` is 5 January at 18:00)."""
    written, day, month = match[0], match[1], match[2]
    other_clock = any(
        not re.fullmatch(r"\d{1,2}\.\d{2}", other[0])
        and (other.end() <= match.start() or other.start() >= match.end())
        for other in CLOCK.finditer(text)
    )
    if match[3] or len(month) == 1 or other_clock:
        return _checked_date(written, None, int(month), int(day), command)
    return written


def _day_and_month(
    written: str, first: str, second: str, separator: str, year: int | None, command: str
) -> tuple[int, int]:
    """Dotted dates are day.month, always. With slashes or dashes both orders are in use,
    so the date must tell: 13/01 and 01/13 are 13 January, 05/01 is refused."""
    a, b = int(first), int(second)
    if separator == "." or a > 12 or a == b:
        return a, b
    if b > 12:
        return b, a
    # Suggest the day-first reading, as the dotted dates we accept are day-first.
    named = f"{a} {MONTHS[b - 1][:3]}"
    example = f"{year}-{b:02}-{a:02} or {named} {year}" if year else named
    raise UserError(
        f"{written} could be {a} {MONTHS[b - 1]} or {b} {MONTHS[a - 1]}. "
        f"Write the date as {example}.",
        command=command,
    )


def _checked_date(written: str, year: int | None, month: int, day: int, command: str) -> str:
    if not 1 <= month <= 12:
        reason = f"there is no month {month}"
    elif day < 1:
        reason = f"there is no day {day}"
    elif year is not None and day > calendar.monthrange(year, month)[1]:
        reason = f"{MONTHS[month - 1]} {year} has {calendar.monthrange(year, month)[1]} days"
    elif year is None and day > calendar.monthrange(2000, month)[1]:  # 2000: a leap year
        reason = f"{MONTHS[month - 1]} has {calendar.monthrange(2000, month)[1]} days at most"
    else:
        return f"{year:04}-{month:02}-{day:02}" if year else f"{day} {MONTHS[month - 1][:3]}"
    raise UserError(f"{written} is not a date ({reason}).", command=command)


# --- Dates written in words, and the check that dateparser kept them ------------------------

_ORDINAL = r"(?:st|nd|rd|th)?"
_MONTH_WORD = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_MONTH_DATE = re.compile(
    rf"(?<![\w-])(?:(?P<before>\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?)?(?P<month>{_MONTH_WORD})\b\.?"
    rf"(?:\s+(?P<after>\d{{1,2}}){_ORDINAL}\b)?(?:,?\s+(?P<year>\d{{4}})\b)?",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")
WEEKDAY = re.compile(
    r"\b(mon|tue|wed|thu|fri|sat|sun)(?:day|s|sday|nesday|r|rs|rsday|urday)?\b", re.IGNORECASE
)
_DAY_WORDS = {"day after tomorrow": 2, "tomorrow": 1, "today": 0, "tonight": 0, "yesterday": -1}
_DAY_WORD = re.compile(r"\b(" + "|".join(_DAY_WORDS) + r")\b", re.IGNORECASE)
# What is left after the dates are taken out: a span of days, not a day.
_VAGUE_PERIOD = re.compile(
    r"\b(?:(?:next|this|coming|following|the)\s+)*(?:week|month|year|weekend)s?\b", re.IGNORECASE
)
# `in 3 days`, `in a week`: a day ahead, not a span of real time counted from now.
DAYS_AHEAD = re.compile(r"^in\s+(\d{1,3}|an?)\s+(day|week)s?\b", re.IGNORECASE)


@dataclass(slots=True)
class DateFacts:
    """What the person wrote about the date, to check dateparser's answer against."""

    dates: list[date] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    months: list[int] = field(default_factory=list)
    days: list[int] = field(default_factory=list)
    weekdays: list[int] = field(default_factory=list)
    stray_numbers: list[str] = field(default_factory=list)  # belong to no date we know
    vague_period: str = ""  # `next week`: a span of days, not a day

    def agree(self, found: date) -> bool:
        return (
            all(found == expected for expected in self.dates)
            and all(found.year == year for year in self.years)
            and all(found.month == month for month in self.months)
            and all(found.day == day for day in self.days)
            and all(found.weekday() == weekday for weekday in self.weekdays)
        )


def date_facts(text: str, base: date, command: str) -> DateFacts:
    """Collect the date parts of ``text`` (its clock time already taken out)."""
    facts = DateFacts()

    def take(pattern: re.Pattern[str], note: Callable[[re.Match[str]], None]) -> None:
        nonlocal text
        for match in pattern.finditer(text):
            note(match)
        text = pattern.sub(" ", text)

    def iso(match: re.Match[str]) -> None:
        facts.dates.append(date(int(match[1]), int(match[2]), int(match[3])))

    def month_date(match: re.Match[str]) -> None:
        facts.months.append(_month_number(match["month"]))
        if match["before"] and match["after"]:
            facts.stray_numbers.append(match["after"])  # `5 dec 6`: which is the day?
        if match["before"] or match["after"]:
            facts.days.append(int(match["before"] or match["after"]))
        if match["year"]:
            facts.years.append(int(match["year"]))

    def days_ahead(match: re.Match[str]) -> None:
        count = 1 if match[1].isalpha() else int(match[1])
        weeks = match[2].lower() == "week"
        facts.dates.append(base + timedelta(days=count * (7 if weeks else 1)))

    take(_ISO_DATE, iso)
    take(_MONTH_DATE, month_date)
    take(DAYS_AHEAD, days_ahead)
    take(_DAY_WORD, lambda m: facts.dates.append(base + timedelta(_DAY_WORDS[m[1].lower()])))
    take(WEEKDAY, lambda m: facts.weekdays.append(_weekday_number(m[1])))
    facts.stray_numbers += re.findall(r"\d+", text)
    _refuse_wrong_weekday(facts, command)
    vague = _VAGUE_PERIOD.search(text)
    facts.vague_period = " ".join(vague[0].split()) if vague else ""
    return facts


def vague_period_refusal(facts: DateFacts, base: date, clock: str, command: str) -> UserError:
    """`next week 18:00`: dateparser makes it today in a week, a guess at a day the person
    hasn't named yet; `friday next week` is one of two Fridays, depending on who reads it."""
    if not facts.weekdays:
        return UserError(
            f"'{facts.vague_period}' doesn't say which day. Name it, e.g. "
            f"{base + timedelta(days=7):%Y-%m-%d} {clock}.",
            command=command,
        )
    weekday = WEEKDAYS[facts.weekdays[0]]
    coming = base + timedelta(days=(facts.weekdays[0] - base.weekday() - 1) % 7 + 1)
    return UserError(
        f"Which {weekday}? Give the date, e.g. {coming + timedelta(days=7):%Y-%m-%d} {clock}, "
        f"or {weekday.lower()} {clock} for the coming one ({coming:%Y-%m-%d}).",
        command=command,
    )


def _month_number(word: str) -> int:
    return [name[:3].lower() for name in MONTHS].index(word[:3].lower()) + 1


def full_weekday_names(text: str) -> str:
    """`next sat` as `next Saturday`: dateparser reads `sat 10:00` but not `next sat`."""
    return WEEKDAY.sub(lambda m: WEEKDAYS[_weekday_number(m[1])], text)


def _weekday_number(word: str) -> int:
    return [name[:3].lower() for name in WEEKDAYS].index(word[:3].lower())


def _refuse_wrong_weekday(facts: DateFacts, command: str) -> None:
    """`friday 2026-12-05`: 5 December is a Saturday, so one of the two is a typo."""
    for written in facts.dates:
        for weekday in facts.weekdays:
            if written.weekday() != weekday:
                raise UserError(
                    f"{written:%Y-%m-%d} is a {WEEKDAYS[written.weekday()]}, "
                    f"not a {WEEKDAYS[weekday]}.",
                    command=command,
                )
