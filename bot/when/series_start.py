"""A series' first start, and the rule it must agree with.

A rule that chooses its own days (FREQ=MONTHLY;BYDAY=1FR, as `every first friday 19:00`
says) need not give the start typed, and RFC 5545 counts DTSTART as an occurrence all the
same: a Saturday start would be one more date of a first-Fridays series, in the bot, in its
reminders and in every calendar that imports it. So a time alone is put on the rule's first
day, and a start typed with its day is refused unless the rule gives it, naming the one to
use. A rule that takes its days from the start (`weekly`, `every 2 weeks`) always agrees.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.errors import UserError
from bot.replies import cmd
from bot.when.formatting import format_instant
from bot.when.reading import MAX_OVERNIGHT, When, resolve, time_only
from bot.when.recurrence import (
    names_its_days,
    occurrence_starts,
    repeat_label,
    rule_days,
    rule_starts,
)
from bot.when.zones import split_zone


def resolve_first(
    text: str,
    repeat: str,
    *,
    now: datetime,
    zone: ZoneInfo,
    ends: str = "",
    zone_given: bool = False,
    command: str = "newevent",
) -> When:
    """The first start of an event that may repeat, as ``resolve`` reads a WHEN, except that
    a time alone (`19:00`) with a rule that chooses its days is on the first of them: today
    while that time is still ahead, else the next one."""

    def read(when: str) -> When:
        return resolve(when, now=now, zone=zone, ends=ends, zone_given=zone_given, command=command)

    if not names_its_days(repeat) or not time_only(text, command):
        return read(text)
    # Today is the day in the zone the time is read in: one written after it wins.
    local = split_zone(" ".join(text.split()), command)[1] or zone
    today = now.astimezone(local).date()
    days = rule_days(repeat, local.key, today=today)
    day = next(days, None)
    if day == today:
        with suppress(UserError):  # today's time has passed: the next day
            return read(f"{day} {text}")
        day = next(days, day)
    # No day at all: UNTIL has passed, which check_series_start refuses.
    return read(text if day is None else f"{day} {text}")


def check_series_start(
    first: When, repeat: str, *, now: datetime, command: str, example: Callable[[When], str]
) -> None:
    """Refuse a series with no date after its first start (or after now, once that is past),
    and one whose first start its rule does not give. ``example`` is the command to type for
    the start the rule gives instead (a When as long as ``first``)."""
    zone = ZoneInfo(first.timezone)
    start = first.starts_at
    if not occurrence_starts(start, first.timezone, repeat, after=max(start, now), count=1):
        # `FREQ=WEEKLY;UNTIL=20201231` or `COUNT=1` would be a one-off labelled "every week".
        raise UserError(
            f"repeat={repeat.removeprefix('RRULE:')} gives no date after "
            f"{format_instant(start, zone)}: "
            "check its UNTIL or COUNT, or leave out repeat= for an event that happens once.",
            command=command,
        )
    # Any rule may disagree: FREQ=DAILY;BYHOUR=19 from 18:00 as well.
    given = rule_starts(start, first.timezone, repeat)
    # Both exist: the rule has a date after the start and after now (checked above).
    soonest = next(given)
    if soonest == start:
        return
    instead = soonest if soonest > now else next(s for s in given if s > now)
    which = "The first one after it" if instead == soonest else "The next one"
    typed, found = start.astimezone(zone), instead.astimezone(zone)
    what = "time" if typed.date() == found.date() else "date"
    shown = "%a %Y-%m-%d" if typed.time() == found.time() else "%a %Y-%m-%d %H:%M"
    end = None if first.ends_at is None else instead + (first.ends_at - start)
    raise UserError(
        f"{typed:{shown}} is not a {what} of this repeat ({repeat_label(repeat)}). "
        f"{which}: {found:{shown}}. Example: ",
        cmd(example(When(instead, end, first.timezone))),
        command=command,
    )


def check_new_series(first: When, repeat: str, *, now: datetime, read_in: str) -> None:
    """``check_series_start`` for a new event: the example is the newevent to type, read in
    ``read_in`` (the channel's zone)."""
    check_series_start(
        first,
        repeat,
        now=now,
        command="newevent",
        example=lambda instead: _newevent_example(instead, repeat, read_in=read_in),
    )


def _newevent_example(first: When, repeat: str, *, read_in: str) -> str:
    """`newevent ... | 2026-12-04 19:00-21:00 | repeat=FREQ=MONTHLY;BYDAY=1FR`, typed to be
    read in ``read_in`` (the channel's zone)."""
    zone = ZoneInfo(first.timezone)
    start = first.starts_at.astimezone(zone)
    when, ends = f"{start:%Y-%m-%d %H:%M}", ""
    if first.ends_at is not None:
        end = first.ends_at.astimezone(zone)
        if end - start <= MAX_OVERNIGHT:  # a range reads back the same (see reading)
            when += f"-{end:%H:%M}"
        else:
            ends = f" ends={end:%Y-%m-%d %H:%M}"
    if first.timezone != read_in:
        when += f" {first.timezone}"
    return f"newevent ... | {when} | repeat={repeat.removeprefix('RRULE:')}{ends}"


def edit_example(event_id: int, first: When, repeat: str | None, *, read_in: str) -> str:
    """`edit 12 when=2026-12-04 19:00 repeat=...` (a new start keeps the event's length);
    ``repeat``: the one the edit gave, if any; ``read_in``: the event's zone before it."""
    start = first.starts_at.astimezone(ZoneInfo(first.timezone))
    zone = f" {first.timezone}" if first.timezone != read_in else ""
    rule = f" repeat={repeat.removeprefix('RRULE:')}" if repeat else ""
    return f"edit {event_id} when={start:%Y-%m-%d %H:%M}{zone}{rule}"
