"""The dates of a repeating event: on the wall clock of its zone, checked against
recurring-ical-events, which reads the same rule the way calendar programs do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from bot.language.repeat import parse_repeat
from bot.when.recurrence import (
    last_start,
    next_starts,
    occurrence_key,
    occurrence_on,
    occurrence_starts,
    repeat_label,
)

BERLIN = "Europe/Berlin"


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An instant given as Berlin wall-clock time, in UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(BERLIN)).astimezone(UTC)


def local(starts: list[datetime], zone: str = BERLIN) -> list[str]:
    return [s.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M %Z") for s in starts]


def test_a_weekly_evening_stays_at_18_00_when_summer_time_ends() -> None:
    first = berlin(2026, 10, 16, 18, 0)  # a Friday, CEST
    starts = occurrence_starts(first, BERLIN, "weekly", after=first, count=3)
    assert local(starts) == [
        "Fri 2026-10-23 18:00 CEST",
        "Fri 2026-10-30 18:00 CET",
        "Fri 2026-11-06 18:00 CET",
    ]
    # The instant moves by the hour the clocks went back (Sun 2026-10-25).
    assert [s.hour for s in starts] == [16, 17, 17]


def test_a_weekly_evening_stays_at_18_00_when_summer_time_starts_and_ends_again() -> None:
    first = berlin(2027, 3, 19, 18, 0)
    starts = occurrence_starts(first, BERLIN, "weekly", after=first, count=2)
    assert local(starts) == ["Fri 2027-03-26 18:00 CET", "Fri 2027-04-02 18:00 CEST"]
    assert [s.hour for s in starts] == [17, 16]
    autumn = occurrence_starts(first, BERLIN, "weekly", after=berlin(2027, 10, 25), count=2)
    assert local(autumn) == ["Fri 2027-10-29 18:00 CEST", "Fri 2027-11-05 18:00 CET"]
    assert [s.hour for s in autumn] == [16, 17]


def test_a_time_the_clocks_skip_moves_forward_by_the_gap() -> None:
    first = berlin(2027, 3, 21, 2, 30)  # Sunday; on 2027-03-28 02:00-03:00 does not exist
    starts = occurrence_starts(first, BERLIN, "weekly", after=first, count=2)
    assert local(starts) == ["Sun 2027-03-28 03:30 CEST", "Sun 2027-04-04 02:30 CEST"]


def test_a_time_that_happens_twice_is_the_first_of_the_two() -> None:
    first = berlin(2027, 10, 24, 2, 30)  # on 2027-10-31 02:30 happens twice
    (start,) = occurrence_starts(first, BERLIN, "weekly", after=first, count=1)
    assert start == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 02:30 CEST


def test_monthly_on_the_31st_skips_the_months_without_one() -> None:
    first = berlin(2027, 1, 31, 19, 0)
    starts = occurrence_starts(first, BERLIN, "monthly", after=first, count=4)
    assert [s.date().isoformat() for s in starts] == [
        "2027-03-31",
        "2027-05-31",
        "2027-07-31",
        "2027-08-31",
    ]


def test_every_two_weeks_counts_from_the_first_date() -> None:
    first = berlin(2026, 12, 1, 19, 0)
    starts = occurrence_starts(first, BERLIN, "every 2 weeks", after=first, count=3)
    assert [s.date().isoformat() for s in starts] == ["2026-12-15", "2026-12-29", "2027-01-12"]


def test_the_first_date_counts_and_later_ones_start_strictly_after() -> None:
    first = berlin(2026, 12, 1, 19, 0)
    assert occurrence_starts(first, BERLIN, "daily", after=first - timedelta(seconds=1), count=2)[
        0
    ] == (first)
    assert occurrence_starts(first, BERLIN, "daily", after=first, count=1)[0] == first + timedelta(
        days=1
    )


def test_count_ends_a_series() -> None:
    first = berlin(2026, 12, 1, 19, 0)
    rule = parse_repeat("FREQ=WEEKLY;COUNT=3")
    starts = occurrence_starts(first, BERLIN, rule, after=first - timedelta(days=1), count=10)
    assert [s.date().isoformat() for s in starts] == ["2026-12-01", "2026-12-08", "2026-12-15"]
    assert occurrence_starts(first, BERLIN, rule, after=berlin(2026, 12, 15, 20), count=1) == []
    assert last_start(first, BERLIN, rule, before=berlin(2030, 1, 1)) == berlin(2026, 12, 15, 19)


@pytest.mark.parametrize(
    "until",
    [
        pytest.param("UNTIL=20261215", id="a-date-includes-that-day"),
        pytest.param("UNTIL=20261215T180000Z", id="an-instant-in-utc"),
    ],
)
def test_until_ends_a_series(until: str) -> None:
    first = berlin(2026, 12, 1, 19, 0)
    rule = parse_repeat(f"FREQ=WEEKLY;{until}")
    starts = occurrence_starts(first, BERLIN, rule, after=first, count=10)
    assert [s.date().isoformat() for s in starts] == ["2026-12-08", "2026-12-15"]


def test_a_one_off_event_has_only_its_own_start() -> None:
    first = berlin(2026, 12, 1, 19, 0)
    assert occurrence_starts(first, BERLIN, "", after=first - timedelta(hours=1), count=5) == [
        first
    ]
    assert occurrence_starts(first, BERLIN, "", after=first, count=5) == []
    assert occurrence_key(first, BERLIN, "") == ""


def test_an_occurrence_is_known_by_its_local_date() -> None:
    # 00:30 in Auckland is the day before in UTC: the key is the date people see.
    first = datetime(2026, 12, 1, 0, 30, tzinfo=ZoneInfo("Pacific/Auckland")).astimezone(UTC)
    assert first.date().isoformat() == "2026-11-30"
    assert occurrence_key(first, "Pacific/Auckland", "daily") == "2026-12-01"
    assert occurrence_on(first, "Pacific/Auckland", "daily", "2026-12-03") == first + timedelta(
        days=2
    )
    assert occurrence_on(first, BERLIN, "weekly", "2026-11-29") is None
    assert occurrence_on(first, BERLIN, "weekly", "not a date") is None


def test_cancelled_dates_are_skipped_when_asked() -> None:
    first = berlin(2026, 12, 1, 19, 0)
    starts = next_starts(first, BERLIN, "weekly", after=first, count=2, skip={"2026-12-08"})
    assert [s.date().isoformat() for s in starts] == ["2026-12-15", "2026-12-22"]


def test_an_old_daily_series_is_expanded_near_now_quickly() -> None:
    first = berlin(2020, 1, 1, 7, 15)
    after = berlin(2029, 6, 30, 12, 0)
    started = datetime.now(UTC)
    for _ in range(1000):
        starts = occurrence_starts(first, BERLIN, "daily", after=after, count=2)
    assert local(starts) == ["Sun 2029-07-01 07:15 CEST", "Mon 2029-07-02 07:15 CEST"]
    # 10,000 events at start-up in well under a few seconds.
    assert datetime.now(UTC) - started < timedelta(seconds=2)


@pytest.mark.parametrize(
    ("repeat", "label"),
    [
        ("", ""),
        ("weekly", "every week"),
        ("daily", "every day"),
        ("every 2 weeks", "every 2 weeks"),
        ("every 3 months", "every 3 months"),
        ("RRULE:FREQ=MONTHLY;INTERVAL=2", "every 2 months"),
        ("RRULE:FREQ=WEEKLY;BYDAY=FR", "every week on Friday"),
        ("RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "every 2 weeks on Monday and Thursday"),
        ("RRULE:FREQ=MONTHLY;BYDAY=1FR", "every month on the first Friday"),
        ("RRULE:FREQ=MONTHLY;BYDAY=-1TH", "every month on the last Thursday"),
        ("RRULE:FREQ=MONTHLY;BYDAY=2TU,4TU", "every month on the second and fourth Tuesday"),
        ("RRULE:FREQ=MONTHLY;BYDAY=1MO,-1FR", "every month on the first Monday and last Friday"),
        ("RRULE:FREQ=MONTHLY;BYMONTHDAY=15", "every month on the 15th"),
        ("RRULE:FREQ=MONTHLY;BYMONTHDAY=1,-1", "every month on the 1st and last day"),
        ("RRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=14", "every year on 14 March"),
        ("RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "every weekday"),
        ("RRULE:FREQ=WEEKLY;COUNT=10", "every week, 10 times"),
        ("RRULE:FREQ=WEEKLY;UNTIL=20270301", "every week until 2027-03-01"),
        ("RRULE:FREQ=MONTHLY;BYDAY=FR;BYSETPOS=1", "on a custom schedule"),
    ],
)
def test_a_series_is_named_the_way_people_say_it(repeat: str, label: str) -> None:
    assert repeat_label(repeat) == label


def test_two_occurrences_a_day_are_refused() -> None:
    with pytest.raises(UserError) as caught:
        parse_repeat("FREQ=DAILY;BYHOUR=9,18")
    assert "(BYHOUR=9,18: an event repeats at most once a day)" in str(caught.value)


# ------------------------------------------------------------ against recurring-ical-events

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC", "Asia/Kolkata"]
RULES = [
    "daily",
    "weekly",
    "monthly",
    "yearly",
    "every 3 days",
    "every 2 weeks",
    "every 2 months",
    "RRULE:FREQ=WEEKLY;BYDAY=MO,TH",
    "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
    "RRULE:FREQ=MONTHLY;BYDAY=1FR",
    "RRULE:FREQ=MONTHLY;BYDAY=-1SU",
    "RRULE:FREQ=MONTHLY;BYMONTHDAY=15",
    "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
    "RRULE:FREQ=WEEKLY;COUNT=6",
    "RRULE:FREQ=DAILY;INTERVAL=5;COUNT=40",
    "RRULE:FREQ=WEEKLY;UNTIL=20280101T000000Z",
    "RRULE:FREQ=MONTHLY;UNTIL=20290601",
]


def ical_starts(
    first: datetime, zone: str, repeat: str, after: datetime, until: datetime
) -> list[datetime]:
    """The starts recurring-ical-events finds after ``after`` up to ``until``."""
    calendar = icalendar.Calendar()
    event = icalendar.Event()
    event.add("uid", "1")
    event.add("dtstart", first.astimezone(ZoneInfo(zone)).replace(fold=0))
    rule = {
        "daily": "FREQ=DAILY",
        "weekly": "FREQ=WEEKLY",
        "monthly": "FREQ=MONTHLY",
        "yearly": "FREQ=YEARLY",
        "every 3 days": "FREQ=DAILY;INTERVAL=3",
        "every 2 weeks": "FREQ=WEEKLY;INTERVAL=2",
        "every 2 months": "FREQ=MONTHLY;INTERVAL=2",
    }.get(repeat, repeat.removeprefix("RRULE:"))
    event.add("rrule", icalendar.vRecur.from_ical(rule))
    calendar.add_component(event)
    found = recurring_ical_events.of(calendar).between(after, until + timedelta(seconds=1))
    starts = sorted(e["DTSTART"].dt.astimezone(UTC) for e in found)
    return [s for s in starts if after < s <= until]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zone=st.sampled_from(ZONES),
    repeat=st.sampled_from(RULES),
    first_local=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)).map(
        lambda d: d.replace(second=0, microsecond=0)
    ),
    after_days=st.integers(min_value=-3, max_value=900),
    after_minutes=st.integers(min_value=0, max_value=24 * 60),
)
def test_the_dates_agree_with_recurring_ical_events(
    zone: str, repeat: str, first_local: datetime, after_days: int, after_minutes: int
) -> None:
    first = first_local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    # Times the clocks skip or repeat are left out here: tested above, on their own.
    if first.astimezone(ZoneInfo(zone)).replace(tzinfo=None) != first_local:
        return
    after = first + timedelta(days=after_days, minutes=after_minutes)
    ours = occurrence_starts(first, zone, repeat, after=after, count=5)
    until = ours[-1] if len(ours) == 5 else after + timedelta(days=3 * 366)
    theirs = ical_starts(first, zone, repeat, after, until)
    theirs = [s for s in theirs if not _skipped_or_doubled(s, zone)]
    assert [s for s in ours if not _skipped_or_doubled(s, zone)] == theirs


def _skipped_or_doubled(start: datetime, zone: str) -> bool:
    """Whether the wall time of ``start`` is near a daylight saving change (libraries may
    disagree there, and RFC 5545's answer is tested above)."""
    tz = ZoneInfo(zone)
    return any(
        (start + timedelta(hours=h)).astimezone(tz).utcoffset() != start.astimezone(tz).utcoffset()
        for h in (-1, 1)
    )
