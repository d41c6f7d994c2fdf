"""Read one start or end (`tomorrow 18:00`, `5 dec 7pm`) as a naive wall-clock time.

First we work out what the text says by itself: its one clock time and its date parts. Then
dateparser reads it, and the safety net refuses any reading that differs from what is written,
since dateparser skips what it doesn't understand and fills the gap in from "now".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import dateparser

from bot.errors import UserError
from bot.when.clocks import Clock, find_clocks
from bot.when.dates import (
    ISO_T_SEPARATOR,
    DateFacts,
    date_facts,
    full_weekday_names,
    rewrite_numeric_dates,
    vague_period_refusal,
)
from bot.when.refusals import cant_understand
from bot.when.zones import refuse_zone_abbreviations

_NEXT = re.compile(r"\bnext\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Written:
    """What a start or end says by itself, before dateparser reads it."""

    clock: Clock  # its one time of day
    facts: DateFacts  # every date part written
    for_dateparser: str  # numeric dates rewritten, the clock time as HH:MM


def read_local(text: str, *, base: datetime, command: str) -> datetime:
    """Naive wall-clock time for ``text``, read relative to ``base`` (naive, same zone)."""
    written = what_is_written(text, base=base, command=command)
    reading = _dateparse(written.for_dateparser, base)
    return _later_today(text, check_reading(text, reading, written, command=command), written, base)


def what_is_written(text: str, *, base: datetime, command: str) -> Written:
    """The clock time and date parts of ``text`` (read relative to ``base``, naive); a text
    without exactly one clock time, or with numbers that belong to nothing, is refused."""
    refuse_zone_abbreviations(text, command)
    rewritten = rewrite_numeric_dates(ISO_T_SEPARATOR.sub(r"\1 ", text), command)
    clocks = find_clocks(rewritten, text, command)
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
    facts = date_facts(rest, base.date(), command)
    if facts.stray_numbers:
        raise _unclear_numbers(text, facts.stray_numbers if not clocks else [], command)
    if facts.vague_period:
        hhmm = clocks[0].hhmm if clocks else "18:00"
        raise vague_period_refusal(facts, base.date(), hhmm, command)
    if not clocks:
        raise _no_clock(text, rewritten, facts, base, command)
    clock = clocks[0]
    if clock.midnight and rest.strip().lower() not in {"", "at"}:
        raise UserError(
            f"'{text[:60]}' is ambiguous: midnight starts a day and ends the one before. "
            f"Write 00:00 with the date, e.g. {base.date() + timedelta(days=7)} 00:00.",
            command=command,
        )
    begin, end = clock.span
    for_dateparser = full_weekday_names(rewritten[:begin]) + clock.hhmm
    return Written(clock, facts, for_dateparser + full_weekday_names(rewritten[end:]))


def check_reading(
    text: str, reading: datetime | None, written: Written, *, command: str
) -> datetime:
    """The safety net: dateparser skips what it doesn't know and fills in from the base time,
    so whatever it returns (``reading``) must show the clock time and every date part as
    written; ``text`` is refused otherwise. Returns the reading it passed."""
    clock = written.clock
    if reading is None or reading.time() != time(clock.hour, clock.minute):
        raise cant_understand(text, command)
    if not written.facts.agree(reading.date()):
        raise cant_understand(text, command)
    return reading


def _later_today(text: str, reading: datetime, written: Written, base: datetime) -> datetime:
    """`saturday 18:00` said on a Saturday at noon is tonight, as `18:00` alone would be:
    dateparser reads a weekday as the next one after today. `next saturday` is next week."""
    facts = written.facts
    named_today = facts.weekdays == [base.weekday()] and not (
        facts.dates or facts.years or facts.months or facts.days
    )
    today = datetime.combine(base.date(), time(written.clock.hour, written.clock.minute))
    if named_today and not _NEXT.search(text) and base < today < reading:
        return today
    return reading


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
    return cant_understand(text, command)


def _no_clock(
    text: str, rewritten: str, facts: DateFacts, base: datetime, command: str
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
    return cant_understand(text, command)
