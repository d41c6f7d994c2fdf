"""The dates of a repeating event, computed from its rule (pure: no I/O, no clock).

A series is anchored at the event's stored start, its first occurrence (as RFC 5545 counts
DTSTART, whether the rule gives it or not: bot.when.series_start keeps a new series from
starting on a day its rule does not give), and is expanded on the wall clock of the event's
own zone: a weekly 18:00 event stays 18:00 when daylight saving time starts or ends, and its
instant in UTC moves instead. A wall time the clocks skip (02:30 on a spring-forward night)
is moved forward by the gap, as RFC 5545 says; a wall time that happens twice (autumn) is
the first of the two.

Answers are kept per occurrence under its key, the local date (a repeating event happens at
most once a day, see bot.language.repeat), so moving a series to another time of day keeps
them.

Speed: dateutil expands from DTSTART, one period at a time. For a series that began long ago
the rule is re-anchored at the start of a period shortly before ``after`` (the same periods,
so the same dates), unless COUNT makes the dates depend on everything since the anchor.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.parser import parse as parse_datetime
from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrule, rrulestr

from bot.when.rule_labels import describe

__all__ = [
    "last_start",
    "names_its_days",
    "next_starts",
    "occurrence_key",
    "occurrence_on",
    "occurrence_starts",
    "parse_occurrence_key",
    "repeat_label",
    "rule_days",
    "rule_starts",
    "rule_text",
    "wall_to_utc",
]

_SIMPLE = {
    "daily": "FREQ=DAILY",
    "weekly": "FREQ=WEEKLY",
    "monthly": "FREQ=MONTHLY",
    "yearly": "FREQ=YEARLY",
}
_UNITS = {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}
# Rules that never match (FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30) make dateutil search to year
# 9999; nobody plans a gathering this far ahead.
_HORIZON = timedelta(days=11 * 366)
_DUMMY_START = datetime(2000, 1, 1)
# Parts that choose the days themselves; without them a rule takes its days from its start.
_DAY_PARTS = frozenset(
    {"BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "BYEASTER"}
)


def rule_text(repeat: str) -> str:
    """The RFC 5545 rule (without `RRULE:`) for a normalised ``repeat`` value."""
    if repeat in _SIMPLE:
        return _SIMPLE[repeat]
    if repeat.startswith("every "):
        _, count, unit = repeat.split()
        return f"FREQ={_UNITS[unit.removesuffix('s')]};INTERVAL={int(count)}"
    return repeat.removeprefix("RRULE:")


def repeat_label(repeat: str) -> str:
    """How a series is named next to its dates: `every week`, `every 2 weeks`, `every month
    on the first Friday` (see bot.when.rule_labels)."""
    if not repeat:
        return ""
    rule = _Rule.of(repeat)
    return describe(rule.parts, rule.until)


def names_its_days(repeat: str) -> bool:
    """Does the rule choose its own days (FREQ=MONTHLY;BYDAY=1FR), so that a start may not
    be one of them? `weekly` or FREQ=MONTHLY;INTERVAL=2 take theirs from the start."""
    return bool(repeat) and not _DAY_PARTS.isdisjoint(_Rule.of(repeat).parts)


def rule_starts(starts_at: datetime, timezone: str, repeat: str) -> Iterator[datetime]:
    """The starts (aware, UTC) the rule itself gives from ``starts_at`` on, soonest first.
    Unlike ``occurrence_starts``, ``starts_at`` is among them only when the rule gives it:
    RFC 5545 counts DTSTART as an occurrence either way, so FREQ=MONTHLY;BYDAY=1FR from a
    Saturday would make that Saturday a date of the series."""
    zone = ZoneInfo(timezone)
    anchor = starts_at.astimezone(zone).replace(tzinfo=None)
    for local in _Rule.of(repeat).at(anchor, zone, anchor, horizon=starts_at + _HORIZON):
        yield wall_to_utc(local, zone)


def rule_days(repeat: str, timezone: str, *, today: date) -> Iterator[date]:
    """The days, from ``today`` on, of a rule that chooses its own (see names_its_days)."""
    zone = ZoneInfo(timezone)
    midnight = datetime.combine(today, time())
    horizon = wall_to_utc(midnight, zone) + _HORIZON
    for local in _Rule.of(repeat).at(midnight, zone, midnight, horizon=horizon):
        yield local.date()


def wall_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """The instant of a naive wall-clock time in ``zone``. Unlike bot.when.to_utc, which
    refuses a time the clocks skip (a person can pick another), a series cannot be asked:
    a skipped time moves forward by the gap and a doubled one is the first (fold=0),
    as RFC 5545 says."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def occurrence_key(start: datetime, timezone: str, repeat: str) -> str:
    """Which occurrence ``start`` is, as answers are stored: "" for an event that happens
    once, else its local date (`2026-12-12`)."""
    if not repeat:
        return ""
    return start.astimezone(ZoneInfo(timezone)).date().isoformat()


def parse_occurrence_key(text: str) -> date | None:
    """The date in a key like `2026-12-12`; None if it is not one."""
    if len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def occurrence_starts(
    starts_at: datetime, timezone: str, repeat: str, *, after: datetime, count: int
) -> list[datetime]:
    """The starts (aware, UTC) of the next ``count`` occurrences that start strictly after
    ``after``. ``repeat == ""`` is an event that happens once."""
    if count <= 0:
        return []
    if not repeat:
        return [starts_at] if starts_at > after else []
    found: list[datetime] = []
    for start in _starts(starts_at, ZoneInfo(timezone), repeat, after):
        found.append(start)
        if len(found) == count:
            break
    return found


def next_starts(
    starts_at: datetime,
    timezone: str,
    repeat: str,
    *,
    after: datetime,
    count: int,
    skip: Collection[str] = (),
) -> list[datetime]:
    """Like ``occurrence_starts``, leaving out occurrences whose key is in ``skip`` (the
    cancelled ones)."""
    if not skip:
        return occurrence_starts(starts_at, timezone, repeat, after=after, count=count)
    wanted = occurrence_starts(starts_at, timezone, repeat, after=after, count=count + len(skip))
    kept = [s for s in wanted if occurrence_key(s, timezone, repeat) not in skip]
    return kept[:count]


def occurrence_on(starts_at: datetime, timezone: str, repeat: str, key: str) -> datetime | None:
    """The start of the occurrence whose key is ``key`` (a local date), or None when the
    series has none that day."""
    day = parse_occurrence_key(key)
    if day is None:
        return None
    if not repeat:
        return starts_at if occurrence_key(starts_at, timezone, "x") == key else None
    zone = ZoneInfo(timezone)
    midnight = wall_to_utc(datetime.combine(day, time()), zone)
    found = occurrence_starts(
        starts_at, timezone, repeat, after=midnight - timedelta(microseconds=1), count=1
    )
    if found and occurrence_key(found[0], timezone, repeat) == key:
        return found[0]
    return None


def last_start(
    starts_at: datetime, timezone: str, repeat: str, *, before: datetime
) -> datetime | None:
    """The start of the last occurrence that starts at or before ``before`` (None if the
    series starts later). Expands from the anchor: for series that have ended, not for
    every read."""
    if starts_at > before:
        return None
    if not repeat:
        return starts_at
    zone = ZoneInfo(timezone)
    anchor = starts_at.astimezone(zone).replace(tzinfo=None)
    expanded = _Rule.of(repeat).at(anchor, zone, anchor, horizon=before + timedelta(days=2))
    last, last_day = starts_at, anchor.date()
    for local in expanded:
        if local <= anchor or local.date() == last_day:
            continue
        last_day = local.date()
        instant = wall_to_utc(local, zone)
        if instant > before:
            break
        last = instant
    return last


@dataclass(frozen=True, slots=True)
class _Rule:
    """A parsed rule, independent of any anchor (cached: events share a few rules)."""

    body: str  # the rule without UNTIL
    parts: dict[str, str]
    until: datetime | None  # aware UTC, or naive local wall time
    until_is_date: bool

    @staticmethod
    @lru_cache(maxsize=512)
    def of(repeat: str) -> _Rule:
        text = rule_text(repeat)
        parts = dict(p.split("=", 1) for p in text.upper().split(";") if "=" in p)
        until: datetime | None = None
        value = parts.pop("UNTIL", None)
        if value is not None:
            until = parse_datetime(value)
        body = ";".join(f"{k}={v}" for k, v in parts.items())
        return _Rule(body, parts, until, value is not None and len(value) == 8)

    @property
    def base(self) -> rrule:
        return _base(self.body)

    def at(self, anchor: datetime, zone: ZoneInfo, start: datetime, *, horizon: datetime) -> rrule:
        """The rule expanded from ``start`` (naive local: the anchor, or the start of one of
        the anchor's periods), ending at UNTIL or ``horizon`` (aware)."""
        limit = horizon.astimezone(zone).replace(tzinfo=None)
        if self.until is not None:
            until = self.until
            if until.tzinfo is not None:
                until = until.astimezone(zone).replace(tzinfo=None)
            elif self.until_is_date:
                until = datetime.combine(until.date(), time.max)
            limit = min(limit, until)
        changes: dict[str, Any] = {"dtstart": start}
        if "COUNT" not in self.parts:
            changes["until"] = limit
        if start != anchor:
            changes.update(self._anchor_defaults(anchor))
        return self.base.replace(**changes)

    def _anchor_defaults(self, anchor: datetime) -> dict[str, Any]:
        """What dateutil would take from DTSTART, written out, so that a later DTSTART (the
        start of a later period) keeps the anchor's day and time of day."""
        parts = self.parts
        given = parts.keys()
        defaults: dict[str, Any] = {}
        for key, value in (("BYHOUR", anchor.hour), ("BYMINUTE", anchor.minute)):
            if key not in given:
                defaults[key.lower()] = value
        if "BYSECOND" not in given:
            defaults["bysecond"] = anchor.second
        if not given & {"BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY", "BYEASTER"}:
            freq = parts.get("FREQ")
            if freq == "YEARLY":
                if "BYMONTH" not in given:
                    defaults["bymonth"] = anchor.month
                defaults["bymonthday"] = anchor.day
            elif freq == "MONTHLY":
                defaults["bymonthday"] = anchor.day
            elif freq == "WEEKLY":
                defaults["byweekday"] = anchor.weekday()
        return defaults

    def period_start_before(self, anchor: datetime, after: datetime) -> datetime:
        """The start (00:00) of one of the anchor's periods that begins at least a whole
        period before ``after`` (naive local), or the anchor itself when there is none."""
        freq = self.parts.get("FREQ")
        interval = int(self.parts.get("INTERVAL", "1"))
        if "COUNT" in self.parts or after <= anchor:
            return anchor
        day = anchor.date()
        if freq == "DAILY":
            steps = (after.date() - day).days // interval - 1
            moved = day + timedelta(days=steps * interval)
        elif freq == "WEEKLY":
            steps = (after.date() - day).days // (7 * interval) - 1
            moved = day + timedelta(weeks=steps * interval)
        elif freq == "MONTHLY":
            months = (after.year - day.year) * 12 + after.month - day.month
            steps = months // interval - 1
            moved = day.replace(day=1) + relativedelta(months=steps * interval)
        elif freq == "YEARLY":
            steps = (after.year - day.year) // interval - 1
            moved = date(day.year + steps * interval, 1, 1)
        else:
            return anchor
        if steps <= 0:
            return anchor
        return datetime.combine(moved, time())


@lru_cache(maxsize=512)
def _base(body: str) -> rrule:
    rule = rrulestr("RRULE:" + body, dtstart=_DUMMY_START)
    assert isinstance(rule, rrule)
    return rule


def _starts(
    starts_at: datetime, zone: ZoneInfo, repeat: str, after: datetime
) -> Iterator[datetime]:
    """Every start after ``after`` (UTC), soonest first: the anchor, then the rule's dates,
    at most one a day."""
    anchor = starts_at.astimezone(zone).replace(tzinfo=None)
    rule = _Rule.of(repeat)
    local_after = after.astimezone(zone).replace(tzinfo=None)
    start = rule.period_start_before(anchor, local_after)
    expanded = rule.at(anchor, zone, start, horizon=max(after, starts_at) + _HORIZON)
    last_day = anchor.date()
    if starts_at > after:
        yield starts_at
    for local in expanded:
        if local <= anchor or local.date() == last_day:
            continue  # the anchor is the first occurrence, matching the rule or not
        last_day = local.date()
        instant = wall_to_utc(local, zone)
        if instant > after:
            yield instant
