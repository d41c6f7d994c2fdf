"""Turn a WHEN as typed (`tomorrow 7pm`, `2026-12-05 18:00-20:00 Europe/Warsaw`) into an
unambiguous start and end in UTC: the zone, the range, a start counted from now (`in 2 hours`)
or read on the wall clock, and an end that must come after the start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import UserError
from bot.when.clocks import Clock, lone_clock, split_range
from bot.when.dates import DAYS_AHEAD, ISO_T_SEPARATOR
from bot.when.formatting import format_instant
from bot.when.relative import relative_delta
from bot.when.wall_clock import read_local
from bot.when.zones import split_zone

MAX_AHEAD = timedelta(days=3 * 366)
MAX_DURATION = timedelta(days=14)
# An end clock time earlier than the start runs into the next day only for a night out
# (22:00-02:00); `20:00-18:00` as a 22-hour event is far likelier a typo.
MAX_OVERNIGHT = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class When:
    """A resolved WHEN: the start and the end, if any, and the zone they were given in."""

    starts_at: datetime  # aware, UTC
    ends_at: datetime | None  # aware, UTC
    timezone: str


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
    text, written_zone = split_zone(text, command)
    if written_zone is not None:
        if zone_given and written_zone.key != zone.key:
            raise UserError(
                f"Two different zones given: {written_zone.key} and tz={zone.key}.",
                command=command,
            )
        zone = written_zone
    if not text:
        raise UserError("Say when it happens, e.g. tomorrow 18:00.", command=command)
    text = ISO_T_SEPARATOR.sub(r"\1 ", text)
    end_text = ends.strip()
    split = split_range(text, command)
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


def time_only(text: str, command: str) -> bool:
    """True when ``text`` is a time of day and no date: `20:00`, `7pm-9pm`, `19:00 UTC`."""
    text, _ = split_zone(" ".join(text.split()), command)
    split = split_range(text, command)
    return lone_clock(split[0] if split else text, command) is not None


def _parse_start(text: str, *, now: datetime, zone: ZoneInfo, command: str) -> datetime:
    if text.lower().startswith("in ") and not DAYS_AHEAD.match(text):
        # Count in real time from now, not in wall-clock time: right across DST changes.
        delta = relative_delta(text, command)
        return (now + delta).astimezone(UTC).replace(second=0, microsecond=0)
    local_now = now.astimezone(zone).replace(tzinfo=None)
    return to_utc(read_local(text, base=local_now, command=command), zone, command)


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
    clock = lone_clock(text, command)
    if clock is not None:
        end = to_utc(_end_after(clock, local_start, command), zone, command)
    elif text.lower().startswith("in "):
        # `ends=in 2 hours`: from now or from the start? Ask for a time instead.
        raise UserError(
            f"Give the end as a time, e.g. ends=20:00 or ends={local_start:%Y-%m-%d} 20:00.",
            command=command,
        )
    else:
        end = to_utc(read_local(text, base=local_start, command=command), zone, command)
    if end <= start:
        raise UserError(
            f"The end ({format_instant(end, zone)}) is not after the start "
            f"({format_instant(start, zone)}).",
            command=command,
        )
    if end - start > MAX_DURATION:
        raise UserError("An event can last at most 14 days.", command=command)
    return end


def _end_after(clock: Clock, local_start: datetime, command: str) -> datetime:
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
