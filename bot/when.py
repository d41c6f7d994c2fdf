"""Turn what people type for a time (`tomorrow 7pm`, `2026-12-05 18:00-20:00 Europe/Warsaw`)
into an unambiguous start and end, and show times back without ambiguity.

The rule: never store a time that differs from what the person wrote; read it right or refuse.
dateparser reads the natural-language part, but it silently skips what it doesn't understand
(`tomorrow 7-9pm` once became tomorrow at the current clock time), so around it we:

* split ranges ourselves and hand dateparser every clock time written out as HH:MM;
* rewrite numeric dates to ISO ourselves (dotted ones are day.month, slashed ones must not be
  ambiguous) and check them against the calendar;
* refuse zone abbreviations and UTC offsets, which dateparser drops without a word;
* check afterwards that the clock time, and every date part written, came out as written.
"""

from __future__ import annotations

import calendar
import difflib
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import dateparser

from bot.errors import UserError

MAX_AHEAD = timedelta(days=3 * 366)
MAX_DURATION = timedelta(days=14)
# An end clock time earlier than the start runs into the next day only for a night out
# (22:00-02:00); `20:00-18:00` as a 22-hour event is far likelier a typo.
MAX_OVERNIGHT = timedelta(hours=12)

_EXAMPLES = "Try 2026-12-05 18:00, next friday 18:00, tomorrow 7pm or in 2 hours."
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class When:
    starts_at: datetime  # aware, UTC
    ends_at: datetime | None  # aware, UTC
    timezone: str


# --- Zones ---------------------------------------------------------------------------------


@functools.cache
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def zone_or_none(name: str) -> ZoneInfo | None:
    """The zone called ``name`` (case-insensitive), or None when there is no such zone."""
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]{1,64}", name):
        return None
    exact = {n.lower(): n for n in _zone_names()}.get(name.lower())
    if exact is None:
        return None
    try:
        return ZoneInfo(exact)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_zone(name: str, *, command: str | None = None) -> ZoneInfo:
    zone = zone_or_none(name.strip())
    if zone is not None:
        return zone
    close = difflib.get_close_matches(name.strip(), _zone_names(), n=1, cutoff=0.75)
    hint = f" Did you mean {close[0]}?" if close else " Use an IANA name such as Europe/Warsaw."
    raise UserError(f"Unknown time zone '{name.strip()[:64]}'.{hint}", command=command)


@functools.cache
def _zone_abbreviations() -> frozenset[str]:
    """CET, EST, PST, IST, ... in upper case: every abbreviation the tz database uses for
    any zone in winter or summer, now or recently. Taken from the database rather than a
    list of our own so that words like FRI, NEXT, AM or NOON are never mistaken for zones.
    Numeric ones (`+03`) are left to the offset check."""
    moments = [
        datetime(year, month, 15, 12, tzinfo=UTC) for year in (2000, 2026) for month in (1, 7)
    ]
    names = {"Z"}  # ISO 8601's "Zulu", as in 18:00Z
    for key in _zone_names():
        try:
            zone = ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        for moment in moments:
            name = moment.astimezone(zone).tzname() or ""
            if name and name[0] not in "+-":
                names.add(name.upper())
    return frozenset(names)


# A UTC offset anywhere: UTC+2, GMT-05:00, 18:00+02:00, 18:00:00Z, or a lone +02:00 / -5.
# Checked on the start and the end separately, after a range is split, so that the end of
# `18:00-20:00` is never taken for an offset.
_OFFSET = re.compile(
    r"\b(?:UTC|GMT)\s*[+\-−]\s*\d"
    r"|\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[+\-−]\d{1,2}(?::?\d{2})?(?![\d:])|Z\b)"
    r"|(?<!\S)[+\-−]\d{1,2}(?::?\d{2})?(?!\S)",
    re.IGNORECASE,
)
_ZONE_ADVICE = (
    "Write the time zone as a place name such as Europe/Warsaw (or tz=Europe/Warsaw): "
    "abbreviations like CET and offsets like +02:00 are ambiguous or ignore daylight saving."
)


def _refuse_zone_abbreviations(text: str, command: str) -> None:
    """dateparser drops `CET`, `PST` or `+02:00` silently and reads the time in the channel's
    zone, so a zone written any way but as a place name is refused."""
    if _OFFSET.search(text):
        raise UserError(_ZONE_ADVICE, command=command)
    for word in re.findall(r"[A-Za-z]+", text):
        if word.upper() in {"UTC", "GMT"}:
            # Allowed only at the end (split off by _split_zone), where we read it ourselves.
            raise UserError(
                f"Put the zone after the time, e.g. tomorrow 18:00 {word.upper()}.",
                command=command,
            )
        if word.upper() in _zone_abbreviations():
            raise UserError(_ZONE_ADVICE, command=command)


def _split_zone(text: str, command: str) -> tuple[str, ZoneInfo | None]:
    head, _, last = text.rpartition(" ")
    if (last[:1].isalpha() and "/" in last) or last.upper() in {"UTC", "GMT"}:
        zone = zone_or_none(last)
        if zone is None:
            parse_zone(last, command=command)  # raises with a suggestion
        return head.strip(), zone
    return text, None


# --- Clock times ---------------------------------------------------------------------------

_MERIDIEM = r"[ap]\.?m\.?(?![a-z])"
# A clock time as people write it: 18:00, 18.00, 18h00, 7pm, 7:30 p.m., noon, midnight.
# A bare number (`18`) is not one: it could as well be a day or a year.
_CLOCK = re.compile(
    rf"(?<![\w:.])(?:"
    rf"(?P<h12>\d{{1,2}})(?:[:.h](?P<m12>\d{{2}}))?\s*(?P<meridiem>{_MERIDIEM})"
    rf"|(?P<h24>\d{{1,2}})[:.h](?P<m24>\d{{2}})(?::00)?(?![\w:]|\.\d)"
    rf"|(?P<word>noon|midnight)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Clock:
    hour: int
    minute: int
    written: str
    span: tuple[int, int]
    pm: bool | None  # written with am/pm (noon and midnight count as pm); None for 24-hour
    midnight: bool  # `midnight` or `12am`: the start or the end of a day?

    @property
    def hhmm(self) -> str:
        return f"{self.hour:02}:{self.minute:02}"

    @property
    def minutes(self) -> int:
        """Minutes into the day, with midnight as the day's end (it ends `10-midnight`)."""
        return 24 * 60 if self.midnight else self.hour * 60 + self.minute


def _clock(match: re.Match[str], whole: str, command: str) -> _Clock:
    written = match.group(0)
    if match["word"]:
        midnight = match["word"].lower() == "midnight"
        return _Clock(0 if midnight else 12, 0, written, match.span(), True, midnight)
    if match["meridiem"]:
        hour, minute = int(match["h12"]), int(match["m12"] or 0)
        pm = match["meridiem"].lower().startswith("p")
        if not 1 <= hour <= 12 or minute > 59:
            raise _cant_understand(whole, command)
        midnight = hour == 12 and minute == 0 and not pm
        return _Clock(hour % 12 + (12 if pm else 0), minute, written, match.span(), pm, midnight)
    hour, minute = int(match["h24"]), int(match["m24"])
    if hour > 23 or minute > 59:
        raise _cant_understand(whole, command)
    return _Clock(hour, minute, written, match.span(), None, False)


def _clocks(text: str, whole: str, command: str) -> list[_Clock]:
    return [_clock(match, whole, command) for match in _CLOCK.finditer(text)]


def _lone_clock(text: str, command: str, whole: str = "") -> _Clock | None:
    """The clock time when ``text`` is nothing else (`20:00`, `9pm`, `midnight`)."""
    match = _CLOCK.fullmatch(text.strip())
    return _clock(match, whole or text, command) if match else None


# --- Ranges --------------------------------------------------------------------------------

_CLOCKISH = rf"\d{{1,2}}(?:[:.h]\d{{2}})?\s*{_MERIDIEM}|\d{{1,2}}[:.h]\d{{2}}|noon|midnight"
# `... 18:00-20:00`, `... 7pm to 9pm`, `7-9pm`, `7pm-9`, `noon-2pm`, `18:00-midnight`. A dash
# is either tight or spaced on both sides: `18:00 -05:00` is an offset, not a range.
_RANGE = re.compile(
    rf"^(?P<head>.*?)(?<![\w:./+\-])(?P<first>{_CLOCKISH}|\d{{1,2}})"
    rf"(?:\s+(?:-|–|—|to|until|till)\s+|[-–—])(?P<last>{_CLOCKISH}|\d{{1,2}})$",
    re.IGNORECASE,
)


def _split_range(text: str, command: str) -> tuple[str, str] | None:
    """``(start text, end text)`` with a bare hour on either side written out as HH:MM,
    or None when ``text`` is not a range."""
    match = _RANGE.match(text)
    if match is None:
        return None
    first, last = match["first"], match["last"]
    if first.isdigit() and last.isdigit():
        return None  # `12-05` may be a date as well as hours; refused later as unclear
    if first.isdigit():
        first = _bare_start(int(first), _lone_clock(last, command, text), text, command)
    elif last.isdigit():
        last = _bare_end(_lone_clock(first, command, text), int(last), text, command)
    return match["head"] + first, last


def _bare_start(hour: int, end: _Clock | None, text: str, command: str) -> str:
    """`7-9pm` is 19:00-21:00: the end's am/pm applies to a bare start when that puts the
    start before the end; otherwise (`11-1pm`, `9-17:00`) the start is a 24-hour hour."""
    if end is None:  # cannot happen: the range pattern only lets clock times through
        raise _cant_understand(text, command)
    readings = []
    if end.pm is not None and 1 <= hour <= 12:
        readings.append(hour % 12 + (12 if end.pm else 0))
    if hour <= 23:
        readings.append(hour)
    for reading in readings:
        if reading * 60 < end.minutes:
            return f"{reading:02}:00"
    raise UserError(
        f"Can't tell when '{text[:60]}' starts. Write both times in full, "
        "e.g. 7pm-9pm, 10pm-2am or 19:00-21:00.",
        command=command,
    )


def _bare_end(start: _Clock | None, hour: int, text: str, command: str) -> str:
    """`7pm-9` ends at 21:00 and `11am-1` at 13:00: after an am/pm start a bare end is the
    first such hour after it (`11pm-1` ends at 1am). After a 24-hour start it is a 24-hour
    hour later the same day (`18:00-20`); `18:00-5` could be an offset or a typo."""
    if start is None:  # cannot happen: the range pattern only lets clock times through
        raise _cant_understand(text, command)
    if start.pm is not None and 1 <= hour <= 12:
        later = [h for h in (hour % 12, hour % 12 + 12) if h * 60 > start.minutes]
        return f"{later[0] if later else hour % 12:02}:00"
    if hour <= 23 and hour * 60 > start.minutes:
        return f"{hour:02}:00"
    raise UserError(
        f"Can't tell when '{text[:60]}' ends. Write the end with minutes, "
        "e.g. 18:00-20:00, or 22:00-02:00 for an event past midnight.",
        command=command,
    )


# --- Numeric dates -------------------------------------------------------------------------

_YEAR_MONTH_DAY = re.compile(r"(?<![\d./:-])(\d{4})([./-])(\d{1,2})\2(\d{1,2})(?!\d|[./-]\d)")
_DAY_MONTH_YEAR = re.compile(
    r"(?<![\d./:-])(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?!\d|[./:-]\d)"
)
_SLASHED_DAY_MONTH = re.compile(r"(?<![\d./:-])(\d{1,2})/(\d{1,2})(?!\d|[./:-]\d)")
_DOTTED_DAY_MONTH = re.compile(r"(?<![\d./:-])(\d{1,2})\.(\d{1,2})(\.(?=\s))?(?![\d:]|\.\d)")


def _rewrite_numeric_dates(text: str, command: str) -> str:
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
        for other in _CLOCK.finditer(text)
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
    named = f"{a} {_MONTHS[b - 1][:3]}"
    example = f"{year}-{b:02}-{a:02} or {named} {year}" if year else named
    raise UserError(
        f"{written} could be {a} {_MONTHS[b - 1]} or {b} {_MONTHS[a - 1]}. "
        f"Write the date as {example}.",
        command=command,
    )


def _checked_date(written: str, year: int | None, month: int, day: int, command: str) -> str:
    if not 1 <= month <= 12:
        reason = f"there is no month {month}"
    elif day < 1:
        reason = f"there is no day {day}"
    elif year is not None and day > calendar.monthrange(year, month)[1]:
        reason = f"{_MONTHS[month - 1]} {year} has {calendar.monthrange(year, month)[1]} days"
    elif year is None and day > calendar.monthrange(2000, month)[1]:  # 2000: a leap year
        reason = f"{_MONTHS[month - 1]} has {calendar.monthrange(2000, month)[1]} days at most"
    else:
        return f"{year:04}-{month:02}-{day:02}" if year else f"{day} {_MONTHS[month - 1][:3]}"
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
_WEEKDAY = re.compile(
    r"\b(mon|tue|wed|thu|fri|sat|sun)(?:day|s|sday|nesday|r|rs|rsday|urday)?\b", re.IGNORECASE
)
_DAY_WORDS = {"day after tomorrow": 2, "tomorrow": 1, "today": 0, "tonight": 0, "yesterday": -1}
_DAY_WORD = re.compile(r"\b(" + "|".join(_DAY_WORDS) + r")\b", re.IGNORECASE)
_DAYS_AHEAD = re.compile(r"^in\s+(\d{1,3}|an?)\s+(day|week)s?\b", re.IGNORECASE)


@dataclass(slots=True)
class _DateFacts:
    """What the person wrote about the date, to check dateparser's answer against."""

    dates: list[date] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    months: list[int] = field(default_factory=list)
    days: list[int] = field(default_factory=list)
    weekdays: list[int] = field(default_factory=list)
    stray_numbers: list[str] = field(default_factory=list)  # belong to no date we know

    def agree(self, found: date) -> bool:
        return (
            all(found == expected for expected in self.dates)
            and all(found.year == year for year in self.years)
            and all(found.month == month for month in self.months)
            and all(found.day == day for day in self.days)
            and all(found.weekday() == weekday for weekday in self.weekdays)
        )


def _date_facts(text: str, base: date, command: str) -> _DateFacts:
    """Collect the date parts of ``text`` (its clock time already taken out)."""
    facts = _DateFacts()

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
    take(_DAYS_AHEAD, days_ahead)
    take(_DAY_WORD, lambda m: facts.dates.append(base + timedelta(_DAY_WORDS[m[1].lower()])))
    take(_WEEKDAY, lambda m: facts.weekdays.append(_weekday_number(m[1])))
    facts.stray_numbers += re.findall(r"\d+", text)
    _refuse_wrong_weekday(facts, command)
    return facts


def _month_number(word: str) -> int:
    return [name[:3].lower() for name in _MONTHS].index(word[:3].lower()) + 1


def _weekday_number(word: str) -> int:
    return [name[:3].lower() for name in _WEEKDAYS].index(word[:3].lower())


def _refuse_wrong_weekday(facts: _DateFacts, command: str) -> None:
    """`friday 2026-12-05`: 5 December is a Saturday, so one of the two is a typo."""
    for written in facts.dates:
        for weekday in facts.weekdays:
            if written.weekday() != weekday:
                raise UserError(
                    f"{written:%Y-%m-%d} is a {_WEEKDAYS[written.weekday()]}, "
                    f"not a {_WEEKDAYS[weekday]}.",
                    command=command,
                )


# --- Reading a start or an end -------------------------------------------------------------

_UNIT = r"(?:minutes?|mins?|m|hours?|hrs?|h)(?![a-z])"
_AMOUNT = r"\d{1,4}(?:[.,]\d+)?|an?"
# `in 2 hours`, `in 90 min`, `in 2h30m`, `in 1 hour and 30 minutes`, `in an hour`, `in 1.5 h`.
_RELATIVE = re.compile(rf"in\s+((?:(?:{_AMOUNT})\s*{_UNIT}\s*(?:and\s+)?)+)", re.IGNORECASE)
_RELATIVE_PART = re.compile(rf"({_AMOUNT})\s*({_UNIT})", re.IGNORECASE)
# `2026-12-05T18:00` reads as `2026-12-05 18:00`.
_ISO_T = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})T(?=\d)", re.IGNORECASE)


def resolve(
    text: str,
    *,
    now: datetime,
    zone: ZoneInfo,
    ends: str = "",
    zone_given: bool = False,
    command: str = "newevent",
) -> When:
    """Resolve WHEN typed by a person. ``zone`` is the channel's (or ``tz=``) zone; a zone
    written at the end of ``text`` wins over a channel default but must agree with ``tz=``."""
    text = " ".join(text.split())
    text, written_zone = _split_zone(text, command)
    if written_zone is not None:
        if zone_given and written_zone.key != zone.key:
            raise UserError(
                f"Two different zones given: {written_zone.key} and tz={zone.key}.",
                command=command,
            )
        zone = written_zone
    if not text:
        raise UserError("Say when it happens, e.g. tomorrow 18:00.", command=command)
    text = _ISO_T.sub(r"\1 ", text)
    end_text = ends.strip()
    split = _split_range(text, command)
    if split:
        if end_text:
            raise UserError(
                "Give the end either as a range or as ends=, not both.", command=command
            )
        text, end_text = split[0].strip(), split[1]
    start = _parse_start(text, now=now, zone=zone, command=command)
    if start <= now:
        raise UserError(
            f"That time is in the past: {format_instant(start, zone)} "
            f"(it is now {format_instant(now, zone)}).",
            command=command,
        )
    if start - now > MAX_AHEAD:
        raise UserError("That is more than three years ahead.", command=command)
    end = parse_end(end_text, start=start, zone=zone, command=command) if end_text else None
    return When(start, end, zone.key)


def _parse_start(text: str, *, now: datetime, zone: ZoneInfo, command: str) -> datetime:
    if text.lower().startswith("in ") and not _DAYS_AHEAD.match(text):
        # Count in real time from now, not in wall-clock time: right across DST changes.
        delta = _relative_delta(text, command)
        return (now + delta).astimezone(UTC).replace(second=0, microsecond=0)
    local_now = now.astimezone(zone).replace(tzinfo=None)
    return to_utc(_parse_local(text, base=local_now, command=command), zone, command)


def _relative_delta(text: str, command: str) -> timedelta:
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


def _parse_local(text: str, *, base: datetime, command: str) -> datetime:
    """Naive wall-clock time for ``text``, read relative to ``base`` (naive, same zone)."""
    _refuse_zone_abbreviations(text, command)
    rewritten = _rewrite_numeric_dates(_ISO_T.sub(r"\1 ", text), command)
    clocks = _clocks(rewritten, text, command)
    if len(clocks) > 1:
        raise UserError(
            f"Can't understand the time '{text[:60]}': it has more than one time of day "
            f"({', '.join(clock.written for clock in clocks)}). Write a range as "
            "18:00-20:00, or the end as ends=20:00.",
            command=command,
        )
    rest = rewritten
    if clocks:
        begin, end = clocks[0].span
        rest = rewritten[:begin] + " " + rewritten[end:]
    facts = _date_facts(rest, base.date(), command)
    if facts.stray_numbers:
        raise _unclear_numbers(text, facts.stray_numbers if not clocks else [], command)
    if not clocks:
        raise _no_clock(text, rewritten, facts, base, command)
    clock = clocks[0]
    if clock.midnight and rest.strip().lower() not in {"", "at"}:
        raise UserError(
            f"'{text[:60]}' is ambiguous: midnight starts a day and ends the one before. "
            "Write 00:00 with the date, e.g. 2026-12-06 00:00.",
            command=command,
        )
    begin, end = clock.span
    parsed = _dateparse(rewritten[:begin] + clock.hhmm + rewritten[end:], base)
    # The safety net: dateparser skips what it doesn't know and fills in from ``base``, so
    # whatever it returns must show the clock time and every date part as written.
    if parsed is None or parsed.time() != time(clock.hour, clock.minute):
        raise _cant_understand(text, command)
    if not facts.agree(parsed.date()):
        raise _cant_understand(text, command)
    return parsed


def _dateparse(text: str, base: datetime) -> datetime | None:
    parsed = dateparser.parse(
        text,
        languages=["en"],
        settings={
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": base,
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    return parsed.replace(second=0, microsecond=0, tzinfo=None) if parsed else None


def _cant_understand(text: str, command: str) -> UserError:
    return UserError(f"Can't understand the time '{text[:60]}'. {_EXAMPLES}", command=command)


def _unclear_numbers(text: str, numbers: list[str], command: str) -> UserError:
    """`18`, `1800`, `tomorrow 7`: a number that is likely meant as an hour, but isn't
    written as one; show how to write it."""
    for number in numbers:
        value = int(number)
        if len(number) <= 2 and value <= 23:
            example = f"{value:02}:00" + (f" or {value}pm" if 1 <= value <= 12 else "")
        elif len(number) in (3, 4) and value // 100 <= 23 and value % 100 <= 59:
            example = f"{value // 100:02}:{value % 100:02}"
        else:
            continue
        return UserError(
            f"Can't understand the time '{text[:60]}'. Write the time of day with minutes "
            f"or am/pm, e.g. {example}.",
            command=command,
        )
    return _cant_understand(text, command)


def _no_clock(
    text: str, rewritten: str, facts: _DateFacts, base: datetime, command: str
) -> UserError:
    """A date without a time of day (`tomorrow`) gets advice to add one; anything else
    (`banana`) is simply not understood."""
    with_clock = _dateparse(f"{rewritten} 18:00", base)
    if (
        _dateparse(rewritten, base) is not None
        and with_clock is not None
        and with_clock.time() == time(18)
        and facts.agree(with_clock.date())
    ):
        return UserError(
            f"'{text[:60]}' has no time of day. Add one, e.g. '{text[:40]} 18:00'.",
            command=command,
        )
    return _cant_understand(text, command)


def to_utc(local: datetime, zone: ZoneInfo, command: str) -> datetime:
    aware = local.replace(tzinfo=zone)
    utc = aware.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != local:
        raise UserError(
            f"{local:%Y-%m-%d %H:%M} does not exist in {zone.key} (the clocks skip it for "
            "daylight saving time). Pick another time.",
            command=command,
        )
    return utc


def parse_end(text: str, *, start: datetime, zone: ZoneInfo, command: str) -> datetime:
    text = " ".join(text.split())
    local_start = start.astimezone(zone).replace(tzinfo=None)
    clock = _lone_clock(text, command)
    if clock is not None:
        end = to_utc(_end_after(clock, local_start, command), zone, command)
    elif text.lower().startswith("in "):
        # `ends=in 2 hours`: from now or from the start? Ask for a time instead.
        raise UserError(
            f"Give the end as a time, e.g. ends=20:00 or ends={local_start:%Y-%m-%d} 20:00.",
            command=command,
        )
    else:
        end = to_utc(_parse_local(text, base=local_start, command=command), zone, command)
    if end <= start:
        raise UserError(
            f"The end ({format_instant(end, zone)}) is not after the start "
            f"({format_instant(start, zone)}).",
            command=command,
        )
    if end - start > MAX_DURATION:
        raise UserError("An event can last at most 14 days.", command=command)
    return end


def _end_after(clock: _Clock, local_start: datetime, command: str) -> datetime:
    """A bare clock time ends on the start's day, or for a night out (`22:00-02:00`,
    `18:00-midnight`) on the next day."""
    end = datetime.combine(local_start.date(), time(clock.hour, clock.minute))
    if end > local_start:
        return end
    next_day = end + timedelta(days=1)
    if end == local_start:
        raise UserError(
            f"The end ({clock.hhmm}) is not after the start ({local_start:%H:%M}).",
            command=command,
        )
    if next_day - local_start > MAX_OVERNIGHT:
        raise UserError(
            f"The end ({clock.hhmm}) is before the start ({local_start:%H:%M}). If it ends "
            f"the next day, give the date too, e.g. ends={next_day:%Y-%m-%d %H:%M}.",
            command=command,
        )
    return next_day


# --- Showing times ------------------------------------------------------------------------


def zone_label(moment: datetime, zone: ZoneInfo) -> str:
    """`CET (Europe/Warsaw)`; just `UTC` for UTC; `UTC-03 (America/Sao_Paulo)` where the zone
    has no abbreviation."""
    abbreviation = moment.astimezone(zone).tzname() or ""
    if abbreviation[:1] in "+-":
        abbreviation = "UTC" + abbreviation
    if zone.key in {"UTC", "Etc/UTC"}:
        return "UTC"
    return f"{abbreviation} ({zone.key})"


def format_instant(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%a %Y-%m-%d %H:%M} {zone_label(moment, zone)}"


def format_span(starts_at: datetime, ends_at: datetime | None, zone: ZoneInfo) -> str:
    """`Fri 2026-12-05 18:00-20:00 CET (Europe/Warsaw)`; the end's date is shown only when it
    differs from the start's."""
    start = starts_at.astimezone(zone)
    if ends_at is None:
        return format_instant(starts_at, zone)
    end = ends_at.astimezone(zone)
    if start.tzname() != end.tzname():
        # The span crosses a DST change: name each end's offset so neither reads wrong.
        return (
            f"{start:%a %Y-%m-%d %H:%M} {start.tzname()} – "
            f"{end:%a %Y-%m-%d %H:%M} {zone_label(ends_at, zone)}"
        )
    if end.date() == start.date():
        return f"{start:%a %Y-%m-%d %H:%M}-{end:%H:%M} {zone_label(starts_at, zone)}"
    return f"{start:%a %Y-%m-%d %H:%M} – {end:%a %Y-%m-%d %H:%M} {zone_label(starts_at, zone)}"


def format_relative(moment: datetime, now: datetime) -> str:
    """`in 3 days`, `in 2 h 5 min`, `started 10 min ago`."""
    delta = moment - now
    seconds = abs(int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days >= 2:
        amount = f"{days} days"
    elif days == 1:
        amount = f"1 day {hours} h" if hours else "1 day"
    elif hours:
        amount = f"{hours} h {minutes} min" if minutes else f"{hours} h"
    else:
        amount = f"{minutes} min"
    return f"in {amount}" if delta.total_seconds() >= 0 else f"{amount} ago"
