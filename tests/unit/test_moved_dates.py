"""Where each date of an event goes when an edit changes its dates (bot/when/moved_dates)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.when.moved_dates import Dates, follow

# Sat 2026-11-21 12:00 UTC, as in the chat harness.
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
TWO_HOURS = timedelta(hours=2)


def dates(start: str, repeat: str = "", zone: str = "UTC") -> Dates:
    return Dates(datetime.fromisoformat(start).replace(tzinfo=UTC), TWO_HOURS, zone, repeat)


TUESDAYS = dates("2026-11-24 18:00", "weekly")
COMING_TUESDAYS = ["2026-11-24", "2026-12-01", "2026-12-08"]


def test_a_weekly_series_moved_to_wednesday_takes_each_date_to_the_day_after() -> None:
    wednesdays = dates("2026-11-25 18:00", "weekly")
    assert follow(TUESDAYS, wednesdays, COMING_TUESDAYS, NOW) == {
        "2026-11-24": "2026-11-25",
        "2026-12-01": "2026-12-02",
        "2026-12-08": "2026-12-09",
    }


def test_tuesday_to_saturday_goes_to_the_nearer_saturday_three_days_before() -> None:
    saturdays = dates("2026-11-28 18:00", "weekly")
    # The first Tuesday's nearer Saturday (the 21st) is the series' first date no more.
    assert follow(TUESDAYS, saturdays, COMING_TUESDAYS, NOW) == {
        "2026-11-24": None,
        "2026-12-01": "2026-11-28",
        "2026-12-08": "2026-12-05",
    }


def test_every_two_weeks_keeps_the_dates_that_stay_and_lets_go_of_the_others() -> None:
    fortnightly = dates("2026-11-24 18:00", "every 2 weeks")
    assert follow(TUESDAYS, fortnightly, COMING_TUESDAYS, NOW) == {
        "2026-11-24": "2026-11-24",
        "2026-12-01": None,
        "2026-12-08": "2026-12-08",
    }


def test_a_new_time_of_day_keeps_every_date() -> None:
    later = dates("2026-11-24 20:30", "weekly")
    assert follow(TUESDAYS, later, COMING_TUESDAYS, NOW) == {key: key for key in COMING_TUESDAYS}


def test_a_one_off_event_that_starts_repeating_keeps_its_answers_on_its_first_date() -> None:
    once = dates("2026-11-24 18:00")
    assert follow(once, TUESDAYS, [""], NOW) == {"": "2026-11-24"}


def test_a_series_that_becomes_a_one_off_keeps_only_the_date_nearest_it() -> None:
    once = dates("2026-12-02 19:00")
    assert follow(TUESDAYS, once, COMING_TUESDAYS, NOW) == {
        "2026-11-24": None,
        "2026-12-01": "",
        "2026-12-08": None,
    }


def test_dates_that_are_over_and_keys_of_no_date_stay_where_they_are() -> None:
    started_last_week = dates("2026-11-17 18:00", "weekly")
    wednesdays = dates("2026-11-18 18:00", "weekly")
    assert follow(started_last_week, wednesdays, ["2026-11-17", "2026-11-19", ""], NOW) == {}


def test_a_new_date_holding_answers_that_stay_takes_no_others() -> None:
    # Today's 09:00 is over, so its answers stay. Tomorrow's 09:00 is nearest to today's
    # new 23:00, which is under today's key: it must not be added to today's answers.
    at_nine = dates("2026-11-21 09:00", "daily")
    at_eleven_pm = dates("2026-11-21 23:00", "daily")
    assert follow(at_nine, at_eleven_pm, ["2026-11-21", "2026-11-22"], NOW) == {"2026-11-22": None}


def test_moving_a_late_evening_past_midnight_moves_every_date_to_the_next_day() -> None:
    late = dates("2026-11-22 23:30", "daily")
    after_midnight = dates("2026-11-23 00:30", "daily")
    assert follow(late, after_midnight, ["2026-11-22", "2026-11-23"], NOW) == {
        "2026-11-22": "2026-11-23",
        "2026-11-23": "2026-11-24",
    }


def test_a_monthly_meetup_moved_a_week_later_keeps_its_answers() -> None:
    first_tuesdays = dates("2026-12-01 18:00", "RRULE:FREQ=MONTHLY;BYDAY=1TU")
    second_tuesdays = dates("2026-12-08 18:00", "RRULE:FREQ=MONTHLY;BYDAY=2TU")
    assert follow(first_tuesdays, second_tuesdays, ["2026-12-01", "2027-01-05"], NOW) == {
        "2026-12-01": "2026-12-08",
        "2027-01-05": "2027-01-12",
    }


def test_the_dates_follow_the_wall_clock_of_a_new_zone() -> None:
    # 18:00 in Warsaw is 17:00 UTC in winter: the same local dates.
    warsaw = Dates(datetime(2026, 11, 24, 17, tzinfo=UTC), TWO_HOURS, "Europe/Warsaw", "weekly")
    assert follow(TUESDAYS, warsaw, COMING_TUESDAYS, NOW) == {key: key for key in COMING_TUESDAYS}


RULES = st.sampled_from(
    ["", "daily", "weekly", "every 2 weeks", "monthly", "RRULE:FREQ=WEEKLY;BYDAY=MO,TH"]
)


@settings(max_examples=150, deadline=None)
@given(
    old_rule=RULES,
    new_rule=RULES,
    old_hours=st.integers(min_value=1, max_value=24 * 40),
    shift_hours=st.integers(min_value=-24 * 20, max_value=24 * 20),
    answered=st.lists(st.integers(min_value=0, max_value=12), max_size=8),
)
def test_no_two_dates_become_one_and_each_goes_to_a_date_near_it(
    old_rule: str, new_rule: str, old_hours: int, shift_hours: int, answered: list[int]
) -> None:
    old = Dates(NOW + timedelta(hours=old_hours), TWO_HOURS, "Europe/Warsaw", old_rule)
    new = Dates(
        max(old.starts_at + timedelta(hours=shift_hours), NOW + timedelta(minutes=1)),
        TWO_HOURS,
        "Europe/Warsaw",
        new_rule,
    )
    coming = old.starts_between(NOW - TWO_HOURS, NOW + timedelta(days=400))
    keys = {old.key_of(coming[n]) for n in answered if n < len(coming)}
    followed = follow(old, new, keys, NOW)
    assert set(followed) == keys
    targets = [to for to in followed.values() if to is not None]
    assert len(targets) == len(set(targets))
    spacings = [s for s in (old.spacing(NOW), new.spacing(NOW)) if s is not None]
    for key, to in followed.items():
        if to is None:
            continue
        start, moved_to = old.start_of(key), new.start_of(to)
        assert start is not None
        assert moved_to is not None
        assert moved_to + TWO_HOURS > NOW
        if spacings:
            assert abs(moved_to - start) < min(spacings) / 2
