"""Turn what people type for a time (`tomorrow 7pm`, `2026-12-05 18:00-20:00 Europe/Warsaw`)
into an unambiguous start and end, and show times back without ambiguity."""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import dateparser

from bot.errors import UserError

MAX_AHEAD = timedelta(days=3 * 366)
MAX_DURATION = timedelta(days=14)

# A clock time somewhere in the text: 18:00, 7pm, 7 pm, noon. Without one we would silently
# pick midnight or "now", so a date alone is refused.
_HAS_CLOCK = re.compile(
    r"\d{1,2}[:.h]\d{2}(?![\d.])|\b\d{1,2}\s*(am|pm)\b|\bnoon\b|\bmidnight\b", re.I
)
_UNIT = r"(?:minutes?|mins?|m|hours?|hrs?|h)\b"
# `in 2 hours`, `in 90 min`, `in 2h30m`, `in 1 hour and 30 minutes`.
_RELATIVE = re.compile(rf"in\s+((?:\d{{1,4}}\s*{_UNIT}\s*(?:and\s+)?)+)", re.IGNORECASE)
_RELATIVE_PART = re.compile(rf"(\d{{1,4}})\s*({_UNIT})", re.IGNORECASE)
_TIME = r"\d{1,2}(?::\d{2})?\s*(?:am|pm)|\d{1,2}:\d{2}"
# `... 18:00-20:00`, `... 7pm to 9pm`: the end is a bare clock time after the start's.
_RANGE = re.compile(
    rf"^(?P<start>.*?(?:{_TIME}))\s*(?:-|–|—|to|until)\s*(?P<end>{_TIME})$", re.IGNORECASE
)
_CLOCK_ONLY = re.compile(rf"^(?:{_TIME})$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class When:
    starts_at: datetime  # aware, UTC
    ends_at: datetime | None  # aware, UTC
    timezone: str


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
    range_match = _RANGE.match(text)
    end_text = ends.strip()
    if range_match:
        if end_text:
            raise UserError(
                "Give the end either as a range or as ends=, not both.", command=command
            )
        text, end_text = range_match.group("start").strip(), range_match.group("end")
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


def _split_zone(text: str, command: str) -> tuple[str, ZoneInfo | None]:
    head, _, last = text.rpartition(" ")
    if (last[:1].isalpha() and "/" in last) or last.upper() in {"UTC", "GMT"}:
        zone = zone_or_none(last)
        if zone is None:
            parse_zone(last, command=command)  # raises with a suggestion
        return head.strip(), zone
    return text, None


def _parse_start(text: str, *, now: datetime, zone: ZoneInfo, command: str) -> datetime:
    relative = _RELATIVE.fullmatch(text)
    if relative:
        # Count in real time from now, not in wall-clock time: right across DST changes.
        delta = sum(
            (
                int(amount)
                * (timedelta(hours=1) if unit.lower().startswith("h") else timedelta(minutes=1))
                for amount, unit in _RELATIVE_PART.findall(relative.group(1))
            ),
            timedelta(),
        )
        return (now + delta).astimezone(UTC).replace(second=0, microsecond=0)
    if not _HAS_CLOCK.search(text):
        raise UserError(
            f"'{text[:60]}' has no time of day. Add one, e.g. '{text[:40]} 18:00'.",
            command=command,
        )
    return to_utc(_parse_local(text, now=now, zone=zone, command=command), zone, command)


def _parse_local(
    text: str, *, now: datetime, zone: ZoneInfo, command: str, base: datetime | None = None
) -> datetime:
    """Naive wall-clock time in ``zone`` for ``text``."""
    relative_base = (base or now).astimezone(zone).replace(tzinfo=None)
    parsed = dateparser.parse(
        text,
        languages=["en"],
        settings={
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": relative_base,
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    if parsed is None:
        raise UserError(
            f"Can't understand the time '{text[:60]}'. Try 2026-12-05 18:00, "
            "next friday 18:00, tomorrow 7pm or in 2 hours.",
            command=command,
        )
    return parsed.replace(second=0, microsecond=0, tzinfo=None)


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
    if _CLOCK_ONLY.fullmatch(text.strip()):
        # A bare clock time ends on the start's day, or the next day for 22:00-02:00.
        clock = _parse_local(text, now=start, zone=zone, command=command)
        local_start = start.astimezone(zone).replace(tzinfo=None)
        local_end = datetime.combine(local_start.date(), clock.time())
        if local_end <= local_start:
            local_end += timedelta(days=1)
        end = to_utc(local_end, zone, command)
    else:
        end = to_utc(
            _parse_local(text, now=start, zone=zone, command=command, base=start), zone, command
        )
    if end <= start:
        raise UserError(
            f"The end ({format_instant(end, zone)}) is not after the start "
            f"({format_instant(start, zone)}).",
            command=command,
        )
    if end - start > MAX_DURATION:
        raise UserError("An event can last at most 14 days.", command=command)
    return end


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
