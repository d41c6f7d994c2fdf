"""Which new date each date of an event becomes when its dates change (pure: no I/O).

Answers and called-off dates are kept per date (see recurrence). An edit that moves a weekly
series from Tuesday to Wednesday, makes a one-off event repeat, or turns a series back into a
one-off changes the dates themselves, and what was kept under an old date would otherwise
count for none: the people who answered would read "0 going" on a card they had said yes to.

So each old date that is not over yet goes to the new date nearest in time, if there is one
less than half the spacing of the dates away (half a week for a weekly series: Tuesday to
Saturday goes to the Saturday three days before rather than the one four days after), and no
two old dates go to the same new one (the nearest pair wins). The spacing is the smaller of
the two schedules', so every 2 weeks instead of every week keeps the dates that stay and lets
go of the ones in between, which then have no new date: their answers are not guessed onto
another date. Moving a series to another time of day keeps its dates as they are.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from bot.when.recurrence import occurrence_key, occurrence_on, occurrence_starts

# Dates sampled to measure how far apart a series' dates are.
_SAMPLE = 8


@dataclass(frozen=True, slots=True)
class Dates:
    """When an event happens: its first start, how long each date lasts, zone and rule."""

    starts_at: datetime
    length: timedelta
    timezone: str
    repeat: str

    def start_of(self, key: str) -> datetime | None:
        """The start of the date stored as ``key``; None if it is not one of these dates."""
        if not self.repeat:
            return self.starts_at if key == "" else None
        return occurrence_on(self.starts_at, self.timezone, self.repeat, key)

    def key_of(self, start: datetime) -> str:
        return occurrence_key(start, self.timezone, self.repeat)

    def day_of(self, key: str) -> str:
        """`Tue 2026-11-24`: how a person knows the date stored as ``key``."""
        start = self.start_of(key)
        if start is None:
            return key
        return start.astimezone(ZoneInfo(self.timezone)).strftime("%a %Y-%m-%d")

    def starts_between(self, after: datetime, until: datetime) -> list[datetime]:
        """Starts later than ``after`` and no later than ``until``, soonest first."""
        found: list[datetime] = []
        while True:
            more = occurrence_starts(
                self.starts_at, self.timezone, self.repeat, after=after, count=64
            )
            found += [start for start in more if start <= until]
            if len(more) < 64 or more[-1] > until:
                return found
            after = more[-1]

    def spacing(self, near: datetime) -> timedelta | None:
        """The shortest time between two dates around ``near`` (or from the first, for a
        series that has few left); None for dates that happen once."""
        if not self.repeat:
            return None
        for after in (near - self.length, self.starts_at - timedelta(microseconds=1)):
            starts = occurrence_starts(
                self.starts_at, self.timezone, self.repeat, after=after, count=_SAMPLE
            )
            if len(starts) >= 2:
                return min(later - earlier for earlier, later in pairwise(starts))
        return None


def follow(old: Dates, new: Dates, keys: Iterable[str], now: datetime) -> dict[str, str | None]:
    """For each of ``keys`` (the dates of ``old`` with answers or called off) that is not
    over at ``now``: the key of the new date it becomes, or None when no new date is near
    enough. Keys left out stay as they are: dates that are over, and keys that are no date
    of ``old``. A new date whose key already holds such staying answers takes no other."""
    keys = set(keys)
    sources = {
        key: start
        for key in keys
        if (start := old.start_of(key)) is not None and start + old.length > now
    }
    if not sources:
        return {}
    spacings = [s for s in (old.spacing(now), new.spacing(now)) if s is not None]
    if not spacings:  # both happen once: the one date is the one date
        return dict.fromkeys(sources, "")
    reach = min(spacings) / 2
    staying = keys - sources.keys()
    earliest = max(min(sources.values()) - reach, now - new.length)
    targets = [
        start
        for start in new.starts_between(earliest, max(sources.values()) + reach)
        if new.key_of(start) not in staying
    ]
    pairs: list[tuple[timedelta, datetime, str, datetime]] = []
    for key, start in sources.items():
        at = bisect_left(targets, start - reach)
        while at < len(targets) and targets[at] < start + reach:
            target = targets[at]
            if target > start - reach:
                pairs.append((abs(target - start), start, key, target))
            at += 1
    followed: dict[str, str | None] = dict.fromkeys(sources)
    taken: set[datetime] = set()
    for _distance, _start, key, target in sorted(pairs):
        if followed[key] is None and target not in taken:
            followed[key] = new.key_of(target)
            taken.add(target)
    return followed
