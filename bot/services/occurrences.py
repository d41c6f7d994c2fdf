"""Which occurrence of a repeating event a command means: `rsvp 12` the next one that has
not started, `rsvp 12@2026-12-12` that date, refused (saying why and what to write instead)
when it is no date of the series, is over, or is called off."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain import EventView, length_of
from bot.errors import UserError
from bot.replies import SpanLike, cmd
from bot.when.recurrence import (
    next_starts,
    occurrence_key,
    occurrence_on,
    occurrence_starts,
    parse_occurrence_key,
    repeat_label,
)
from storage.models import EventRow

# `cancel 12@all`: the whole series.
ALL = "all"


def day_label(start: datetime, zone: ZoneInfo) -> str:
    """`Sun 2026-11-29`, in the event's zone."""
    return start.astimezone(zone).strftime("%a %Y-%m-%d")


def happens_once(event_id: int, title: str, command: str) -> UserError:
    """`12@2026-12-12` for an event that happens once."""
    return UserError(
        f"#{event_id} {title} happens once, so it has no dates to pick from: ",
        cmd(f"{command} {event_id}"),
        command=command,
    )


def no_date_on(name: str, wanted: str, repeat: str) -> str:
    """`#12 Coffee has no date on Mon 2026-12-14 (it repeats every week).`"""
    day = parse_occurrence_key(wanted)
    shown = day.strftime("%a %Y-%m-%d") if day else wanted
    return f"{name} has no date on {shown} (it repeats {repeat_label(repeat)})."


def coming_dates(
    event: EventView, now: datetime, cancelled: Mapping[str, str], count: int
) -> list[tuple[datetime, str]]:
    """The next ``count`` dates of a series that have not started, as (start, key), called-off
    ones included (their key is in ``cancelled``)."""
    first = event.first_starts_at
    if first is None:
        return []
    starts = occurrence_starts(first, event.timezone, event.repeat, after=now, count=count)
    return [(start, occurrence_key(start, event.timezone, event.repeat)) for start in starts]


def choose(
    event: EventView,
    wanted: str | None,
    cancelled: Mapping[str, str],
    now: datetime,
    command: str,
    *,
    answering: bool = True,
) -> str:
    """The key of the occurrence meant: ``wanted`` (a date typed after `@`), or with None the
    next one that has not started and is not called off. ``event`` is any view of the event.
    With ``answering``, a date that is over or called off is refused too (reading about it
    is fine)."""
    if not event.repeat:
        if wanted is not None:
            raise happens_once(event.id, event.title, command)
        return ""
    first = event.first_starts_at
    assert first is not None
    zone, repeat = event.timezone, event.repeat
    if wanted is None:
        coming = next_starts(first, zone, repeat, after=now, count=1, skip=cancelled.keys())
        if not coming:
            if not answering:
                return event.occurrence
            raise UserError(f"#{event.id} {event.title} has no more dates.")
        return occurrence_key(coming[0], zone, repeat)
    name = f"#{event.id} {event.title}"
    start = occurrence_on(first, zone, repeat, wanted)
    if start is None:
        raise UserError(
            no_date_on(name, wanted, repeat) + " ",
            *_next(event, now, cancelled, command),
            command=command,
        )
    if not answering:
        return wanted
    if wanted in cancelled:
        reason = f" ({cancelled[wanted]})" if cancelled[wanted] else ""
        raise UserError(
            f"{name} on {day_label(start, event.zone)} is cancelled{reason}. ",
            *_next(event, now, cancelled, command),
            command=command,
        )
    length = length_of(event.starts_at, event.ends_at)
    if start + length <= now:
        raise UserError(
            f"{name} on {day_label(start, event.zone)} is over. ",
            *_next(event, now, cancelled, command),
            command=command,
        )
    return wanted


def _next(
    event: EventView, now: datetime, cancelled: Mapping[str, str], command: str
) -> list[SpanLike]:
    """`Next date: !rsvp 12@2026-12-12`, or that there are none."""
    first = event.first_starts_at
    assert first is not None
    coming = next_starts(
        first, event.timezone, event.repeat, after=now, count=1, skip=cancelled.keys()
    )
    if not coming:
        return ["It has no more dates."]
    key = occurrence_key(coming[0], event.timezone, event.repeat)
    return [
        f"Next date: {day_label(coming[0], event.zone)}, e.g. ",
        cmd(f"{command} {event.id}@{key}"),
    ]


def over_at(event: EventRow, now: datetime) -> datetime:
    """When the event is over: its end (or OPEN_ENDED after its start); for a repeating
    event, the end of its occurrence that ends next, or of its first when none is left (in
    the past then)."""
    length = length_of(event.starts_at, event.ends_at)
    if not event.repeat:
        return event.starts_at + length
    coming = occurrence_starts(
        event.starts_at, event.timezone, event.repeat, after=now - length, count=1
    )
    return (coming[0] if coming else event.starts_at) + length
