"""Show times back without ambiguity: with weekday, date, zone abbreviation and zone name, or
as how long until (or since) they happen."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


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
