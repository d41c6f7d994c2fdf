"""A series' first start and its rule: a time alone goes on the first day the rule chooses;
a start written with a day the rule does not give is refused, naming the day to use.

"Now" is Saturday 2026-11-21 12:00 UTC, the third Saturday of November, unless a test says
otherwise.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from bot.language.repeat import parse_repeat
from bot.when import When
from bot.when.recurrence import names_its_days, rule_days, rule_starts
from bot.when.series_start import (
    check_new_series,
    check_series_start,
    edit_example,
    resolve_first,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")
FIRST_FRIDAY = "RRULE:FREQ=MONTHLY;BYDAY=1FR"


def first(text: str, repeat: str, zone: ZoneInfo = UTC_ZONE, now: datetime = NOW) -> str:
    """The first start, as the card shows its day and time."""
    when = resolve_first(text, repeat, now=now, zone=zone)
    return f"{when.starts_at.astimezone(ZoneInfo(when.timezone)):%a %Y-%m-%d %H:%M}"


@pytest.mark.parametrize(
    ("text", "repeat", "shown"),
    [
        pytest.param("19:00", FIRST_FRIDAY, "Fri 2026-12-04 19:00", id="first-friday"),
        pytest.param(
            "18:00", "RRULE:FREQ=MONTHLY;BYDAY=-1TH", "Thu 2026-11-26 18:00", id="last-thursday"
        ),
        # Today is the third Saturday: today while the time is ahead, else next month's.
        pytest.param(
            "18:00", "RRULE:FREQ=MONTHLY;BYDAY=3SA", "Sat 2026-11-21 18:00", id="today-ahead"
        ),
        pytest.param(
            "11:00", "RRULE:FREQ=MONTHLY;BYDAY=3SA", "Sat 2026-12-19 11:00", id="today-passed"
        ),
        pytest.param(
            "7pm-9pm", "RRULE:FREQ=WEEKLY;BYDAY=MO,WE", "Mon 2026-11-23 19:00", id="range"
        ),
        pytest.param(
            "19:00", "RRULE:FREQ=MONTHLY;BYMONTHDAY=15", "Tue 2026-12-15 19:00", id="monthday"
        ),
        # A rule that takes its days from the start: a time alone is read as ever.
        pytest.param("09:00", "daily", "Sun 2026-11-22 09:00", id="daily-as-before"),
        pytest.param("19:00", "weekly", "Sat 2026-11-21 19:00", id="weekly-as-before"),
        # A day written out is kept, matching the rule or not (check_series_start decides).
        pytest.param(
            "2026-11-28 19:00", FIRST_FRIDAY, "Sat 2026-11-28 19:00", id="written-day-kept"
        ),
    ],
)
def test_a_time_alone_is_on_the_first_day_the_rule_chooses(
    text: str, repeat: str, shown: str
) -> None:
    assert first(text, repeat) == shown


def test_today_is_today_in_the_zone_written_after_the_time() -> None:
    # Fri 2026-12-04 23:30 UTC is already Saturday in Tokyo: its first Friday is in January.
    late_friday = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)
    assert first("20:00", FIRST_FRIDAY, now=late_friday) == "Fri 2027-01-01 20:00"
    assert first("23:45", FIRST_FRIDAY, now=late_friday) == "Fri 2026-12-04 23:45"
    tokyo = resolve_first("20:00 Asia/Tokyo", FIRST_FRIDAY, now=late_friday, zone=UTC_ZONE)
    assert (tokyo.timezone, tokyo.starts_at) == (
        "Asia/Tokyo",
        datetime(2027, 1, 1, 11, 0, tzinfo=UTC),
    )


def test_a_range_and_ends_keep_their_length_on_the_chosen_day() -> None:
    when = resolve_first("18:00-20:00", FIRST_FRIDAY, now=NOW, zone=ZoneInfo("Europe/Berlin"))
    assert when == When(
        datetime(2026, 12, 4, 17, 0, tzinfo=UTC),
        datetime(2026, 12, 4, 19, 0, tzinfo=UTC),
        "Europe/Berlin",
    )


def check(when: When, repeat: str, now: datetime = NOW) -> str:
    """The refusal check_new_series gives, with its newevent example ("" when none)."""
    try:
        check_new_series(when, repeat, now=now, read_in="UTC")
    except UserError as error:
        return str(error)
    return ""


def utc(day: int, hour: int = 19, month: int = 11, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=UTC)


def test_a_start_the_rule_gives_is_accepted() -> None:
    assert check(When(utc(4, month=12), None, "UTC"), FIRST_FRIDAY) == ""
    assert check(When(utc(26, 18), None, "UTC"), "RRULE:FREQ=MONTHLY;BYDAY=-1TH") == ""


@pytest.mark.parametrize("repeat", ["daily", "weekly", "monthly", "yearly", "every 2 weeks"])
def test_a_rule_that_takes_its_days_from_the_start_always_agrees(repeat: str) -> None:
    assert check(When(utc(28), utc(28, 21), "UTC"), repeat) == ""


def test_a_start_the_rule_does_not_give_is_refused_naming_the_first_one_after_it() -> None:
    assert check(When(utc(28), None, "UTC"), FIRST_FRIDAY) == (
        "Sat 2026-11-28 is not a date of this repeat (every month on the first Friday). "
        "The first one after it: Fri 2026-12-04. "
        "Example: newevent ... | 2026-12-04 19:00 | repeat=FREQ=MONTHLY;BYDAY=1FR"
    )


def test_the_example_keeps_the_range_the_zone_and_a_long_end() -> None:
    berlin = ZoneInfo("Europe/Berlin")

    def at(day: int, hour: int) -> datetime:
        return datetime(2026, 11, day, hour, 0, tzinfo=berlin).astimezone(UTC)

    last_saturday = "RRULE:FREQ=MONTHLY;BYDAY=-1SA"
    night_out = check(When(at(27, 22), at(28, 2), "Europe/Berlin"), last_saturday)
    assert night_out.endswith(
        "| 2026-11-28 22:00-02:00 Europe/Berlin | repeat=FREQ=MONTHLY;BYDAY=-1SA"
    )
    weekend = check(When(at(27, 18), at(29, 12), "Europe/Berlin"), last_saturday)
    assert weekend.endswith(
        "| 2026-11-28 18:00 Europe/Berlin | repeat=FREQ=MONTHLY;BYDAY=-1SA ends=2026-11-30 12:00"
    )


@pytest.mark.parametrize(
    "rule", ["RRULE:FREQ=WEEKLY;BYDAY=FR;BYHOUR=19", "RRULE:FREQ=DAILY;BYHOUR=19"]
)
def test_a_time_the_rule_does_not_give_is_named_with_the_time(rule: str) -> None:
    assert check(When(utc(27, 18), None, "UTC"), rule).startswith(
        "Fri 2026-11-27 18:00 is not a time of this repeat (on a custom schedule). "
        "The first one after it: Fri 2026-11-27 19:00. "
        "Example: newevent ... | 2026-11-27 19:00 |"
    )


def test_a_series_begun_long_ago_is_pointed_to_its_next_date_ahead() -> None:
    """`edit 1 repeat=...` on a weekly series that began on a Sunday in October."""
    began = When(utc(4, 18, month=10), None, "UTC")
    with pytest.raises(UserError) as refused:
        check_series_start(
            began,
            FIRST_FRIDAY,
            now=NOW,
            command="edit",
            example=lambda instead: edit_example(1, instead, FIRST_FRIDAY, read_in="UTC"),
        )
    assert str(refused.value) == (
        "Sun 2026-10-04 is not a date of this repeat (every month on the first Friday). "
        "The next one: Fri 2026-12-04. "
        "Example: edit 1 when=2026-12-04 18:00 repeat=FREQ=MONTHLY;BYDAY=1FR"
    )


def test_an_edit_example_names_the_zone_only_when_it_changes() -> None:
    friday = When(utc(4, 18, month=12), None, "Europe/London")
    assert edit_example(3, friday, None, read_in="Europe/London") == "edit 3 when=2026-12-04 18:00"
    assert edit_example(3, friday, FIRST_FRIDAY, read_in="UTC") == (
        "edit 3 when=2026-12-04 18:00 Europe/London repeat=FREQ=MONTHLY;BYDAY=1FR"
    )


def test_a_rule_with_no_date_ahead_is_refused_before_its_start_is_checked() -> None:
    rule = "RRULE:FREQ=MONTHLY;BYDAY=1FR;UNTIL=20261201"
    assert check(When(utc(28), None, "UTC"), rule).startswith(
        "repeat=FREQ=MONTHLY;BYDAY=1FR;UNTIL=20261201 gives no date after Sat 2026-11-28 19:00"
    )


def test_which_rules_choose_their_own_days() -> None:
    assert names_its_days(FIRST_FRIDAY)
    assert names_its_days(parse_repeat("FREQ=YEARLY;BYMONTH=3"))
    assert not names_its_days(parse_repeat("FREQ=WEEKLY;INTERVAL=2;COUNT=5"))
    assert not any(names_its_days(r) for r in ["", "daily", "weekly", "every 3 months"])


def test_the_rule_alone_does_not_count_its_start() -> None:
    saturday = utc(28)
    starts = rule_starts(saturday, "UTC", FIRST_FRIDAY)
    assert [next(starts) for _ in range(2)] == [utc(4, month=12), utc(1, month=1, year=2027)]
    assert next(rule_starts(utc(4, month=12), "UTC", FIRST_FRIDAY)) == utc(4, month=12)


DAY_RULES = [
    "FREQ=MONTHLY;BYDAY=1FR",
    "FREQ=MONTHLY;BYDAY=-1TH",
    "FREQ=MONTHLY;BYDAY=2TU",
    "FREQ=WEEKLY;BYDAY=MO,TH",
    "FREQ=MONTHLY;BYMONTHDAY=-1",
    "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
]


@settings(max_examples=100, deadline=None)
@given(
    zone=st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Pacific/Auckland"]),
    rule=st.sampled_from(DAY_RULES),
    now_minutes=st.integers(min_value=0, max_value=400 * 24 * 60),
    clock=st.sampled_from(["00:30", "09:00", "19:00", "23:30"]),
)
def test_the_day_the_rule_chooses_is_always_accepted(
    zone: str, rule: str, now_minutes: int, clock: str
) -> None:
    now = NOW + timedelta(minutes=now_minutes)
    repeat = parse_repeat(rule)
    when = resolve_first(clock, repeat, now=now, zone=ZoneInfo(zone))
    assert when.starts_at > now
    assert check(when, repeat, now=now) == ""
    # It is the rule's first day from today on, unless today's time has passed.
    local_now = now.astimezone(ZoneInfo(zone))
    days = rule_days(repeat, zone, today=local_now.date())
    day = next(days)
    if day == local_now.date() and f"{local_now:%H:%M}" >= clock:
        day = next(days)
    assert when.starts_at.astimezone(ZoneInfo(zone)).date() == day
