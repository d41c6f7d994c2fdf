"""Events as RFC 5545 calendars (.ics), built with `icalendar` (pure: no I/O, no clock).

Calendar programs keep what they imported or subscribed to by UID and replace it when the
SEQUENCE (or LAST-MODIFIED) grows, so both must be stable and only go up: the UID is the
event's number at the bot's host, the SEQUENCE the count of edits and cancellations kept with
the event. Times carry the event's zone (TZID plus its VTIMEZONE) so a weekly 18:00 stays
18:00 across daylight saving time, as the bot's own dates do (bot.when.recurrence).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.parser import parse as parse_datetime
from icalendar import Calendar, Event, Timezone, vDuration, vRecur

from bot.when.recurrence import occurrence_on, rule_text, wall_to_utc

PRODID = "-//gatherbot//gatherbot//EN"
MEDIA_TYPE = "text/calendar"
# Subscribers are asked to look again this often (RFC 7986 REFRESH-INTERVAL, and the older
# X-PUBLISHED-TTL that Outlook and Apple Calendar read).
REFRESH = timedelta(hours=1)
# Where VTIMEZONE definitions end unless an event is later: calendar programs take the last
# observance from there on, and a definition up to 2038 is about 2 kB per zone.
_ZONE_UNTIL = date(2038, 1, 1)


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """An event as a calendar shows it: once, a whole series, or one date of a series."""

    id: int
    title: str
    description: str
    venue: str
    url: str
    starts_at: datetime  # aware; of a series, its first date
    ends_at: datetime | None
    timezone: str
    sequence: int
    created_at: datetime
    updated_at: datetime
    # The whole event (or this one date) is called off.
    cancelled: bool = False
    cancel_reason: str = ""
    # A whole series: its stored rule (see bot.language.repeat) and called-off dates (keys).
    repeat: str = ""
    cancelled_dates: tuple[str, ...] = ()
    # One date of a series, by its key (`2026-12-12`): a calendar entry of its own.
    occurrence: str = ""


def uid(event: CalendarEvent, host: str) -> str:
    """`event-12@host`; one date of a series is `event-12-20261212@host`, an entry of its
    own, so a personal feed needs no master entry for the dates someone answered."""
    day = f"-{event.occurrence.replace('-', '')}" if event.occurrence else ""
    return f"event-{event.id}{day}@{host}"


def calendar_file(
    events: Sequence[CalendarEvent], *, host: str, name: str = "", feed: bool = False
) -> bytes:
    """The .ics text of ``events``; ``name`` titles a subscribed ``feed``."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # PUBLISH: a copy to keep, not an invitation to answer (Outlook imports it as such).
    calendar.add("method", "PUBLISH")
    if feed:
        calendar.add("name", name)
        calendar.add("x-wr-calname", name)
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(REFRESH))
    zones: dict[str, date] = {}
    for event in events:
        calendar.add_component(_vevent(event, host))
        if event.timezone != "UTC":
            first = event.starts_at.astimezone(ZoneInfo(event.timezone)).date()
            zones[event.timezone] = min(first, zones.get(event.timezone, first))
    # VTIMEZONE before the events that name them, as some importers read in one pass.
    for index, (zone, first) in enumerate(sorted(zones.items())):
        calendar.subcomponents.insert(index, _vtimezone(zone, first.year))
    text: bytes = calendar.to_ical()
    return text


def _vevent(event: CalendarEvent, host: str) -> Event:
    zone = ZoneInfo(event.timezone)
    vevent = Event()
    vevent.add("uid", uid(event, host))
    # Without METHOD semantics of its own, DTSTAMP is when the entry last changed: the same
    # bytes for the same event, whenever it is fetched.
    vevent.add("dtstamp", event.updated_at.astimezone(UTC))
    vevent.add("created", event.created_at.astimezone(UTC))
    vevent.add("last-modified", event.updated_at.astimezone(UTC))
    vevent.add("sequence", event.sequence)
    vevent.add("summary", f"Cancelled: {event.title}" if event.cancelled else event.title)
    vevent.add("dtstart", _local(event.starts_at, zone))
    if event.ends_at is not None:
        vevent.add("dtend", _local(event.ends_at, zone))
    if event.repeat:
        vevent.add("rrule", _rrule(event.repeat, zone))
        exdates = _exdates(event, zone)
        if exdates:
            vevent.add("exdate", exdates)
    if event.venue:
        vevent.add("location", event.venue)
    if event.url:
        vevent.add("url", event.url)
    vevent.add("description", _description(event))
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    return vevent


def _local(instant: datetime, zone: ZoneInfo) -> datetime:
    """The instant on the event's wall clock: written with TZID, or as UTC (`Z`) in UTC."""
    return instant.astimezone(UTC if zone.key == "UTC" else zone)


def _rrule(repeat: str, zone: ZoneInfo) -> vRecur:
    """The stored rule as RFC 5545 wants it next to a DTSTART with a zone: UNTIL in UTC. The
    bot reads a date-only UNTIL as up to the end of that day, and a time without Z on the
    event's wall clock (bot.when.recurrence); both are written as that instant."""
    rule: vRecur = vRecur.from_ical(rule_text(repeat))
    until = rule.get("UNTIL")
    if until:
        text = rule_text(repeat).upper().split("UNTIL=", 1)[1].split(";", 1)[0]
        value = parse_datetime(text)
        if len(text) == 8:
            value = wall_to_utc(datetime.combine(value.date(), time(23, 59, 59)), zone)
        elif value.tzinfo is None:
            value = wall_to_utc(value, zone)
        rule["UNTIL"] = [value.astimezone(UTC)]
    return rule


def _exdates(event: CalendarEvent, zone: ZoneInfo) -> list[datetime]:
    """The starts of the called-off dates, on the same wall clock as DTSTART (an EXDATE must
    match an occurrence exactly to remove it). A key that is no longer a date of the series
    (it was moved since) removes nothing and is left out."""
    starts = [
        occurrence_on(event.starts_at, event.timezone, event.repeat, key)
        for key in sorted(event.cancelled_dates)
    ]
    return [_local(start, zone) for start in starts if start is not None]


def _description(event: CalendarEvent) -> str:
    target = f"{event.id}@{event.occurrence}" if event.occurrence else str(event.id)
    parts = []
    if event.cancelled:
        parts.append(f"Cancelled: {event.cancel_reason}" if event.cancel_reason else "Cancelled.")
    if event.description:
        parts.append(event.description)
    answer = f"RSVP in the chat: /rsvp {target} on Telegram, !rsvp {target} on IRC."
    if event.repeat:
        answer += f" For one date: rsvp {event.id}@YYYY-MM-DD."
    parts.append(answer)
    return "\n\n".join(parts)


@lru_cache(maxsize=64)
def _vtimezone(zone: str, first_year: int) -> Timezone:
    """The zone's VTIMEZONE from a year before ``first_year`` (cached: building one walks
    every transition)."""
    last = max(_ZONE_UNTIL, date(first_year + 5, 1, 1))
    return Timezone.from_tzinfo(
        ZoneInfo(zone), first_date=date(first_year - 1, 1, 1), last_date=last
    )
