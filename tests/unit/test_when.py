"""Times people type, resolved against a fixed clock, and times shown back to them.

"Now" is Saturday 2026-11-21 12:00 UTC (13:00 CET in Warsaw) unless a test says otherwise.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import UserError
from bot.when import (
    When,
    format_instant,
    format_relative,
    format_span,
    parse_end,
    parse_zone,
    resolve,
    zone_or_none,
)
from bot.when.wall_clock import check_reading, what_is_written
from bot.when.zones import _zone_abbreviations

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)  # a Saturday
UTC_ZONE = ZoneInfo("UTC")
WARSAW = ZoneInfo("Europe/Warsaw")
NEW_YORK = ZoneInfo("America/New_York")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- Resolving what people type ------------------------------------------------------------

RESOLVE_CASES = [
    # written dates
    pytest.param(
        "2026-12-05 18:00", UTC_ZONE, "", When(utc(2026, 12, 5, 18), None, "UTC"), id="iso-utc"
    ),
    pytest.param(
        "2026-12-05 18:00",
        WARSAW,
        "",
        When(utc(2026, 12, 5, 17), None, "Europe/Warsaw"),
        id="iso-in-channel-zone",
    ),
    pytest.param(
        "2026-12-05T18:00",
        WARSAW,
        "",
        When(utc(2026, 12, 5, 17), None, "Europe/Warsaw"),
        id="iso-with-T",
    ),
    pytest.param(
        "2027-07-01 18:00",
        WARSAW,
        "",
        When(utc(2027, 7, 1, 16), None, "Europe/Warsaw"),
        id="iso-in-summer-time",
    ),
    pytest.param(
        "december 5 6pm",
        UTC_ZONE,
        "",
        When(utc(2026, 12, 5, 18), None, "UTC"),
        id="month-name-and-pm",
    ),
    pytest.param(
        "5 dec 18:00", UTC_ZONE, "", When(utc(2026, 12, 5, 18), None, "UTC"), id="day-month"
    ),
    # ranges
    pytest.param(
        "2026-12-05 18:00-20:00",
        WARSAW,
        "",
        When(utc(2026, 12, 5, 17), utc(2026, 12, 5, 19), "Europe/Warsaw"),
        id="iso-range",
    ),
    pytest.param(
        "2026-12-05 18:00 - 20:00",
        UTC_ZONE,
        "",
        When(utc(2026, 12, 5, 18), utc(2026, 12, 5, 20), "UTC"),
        id="range-with-spaces",
    ),
    pytest.param(
        "2026-12-05 18:00 to 20:00",
        UTC_ZONE,
        "",
        When(utc(2026, 12, 5, 18), utc(2026, 12, 5, 20), "UTC"),
        id="range-with-to",
    ),
    pytest.param(
        "tomorrow 7pm until 9pm",
        UTC_ZONE,
        "",
        When(utc(2026, 11, 22, 19), utc(2026, 11, 22, 21), "UTC"),
        id="range-with-until",
    ),
    pytest.param(
        "tomorrow 7pm-9pm",
        WARSAW,
        "",
        When(utc(2026, 11, 22, 18), utc(2026, 11, 22, 20), "Europe/Warsaw"),
        id="tomorrow-pm-range",
    ),
    pytest.param(
        "tomorrow 22:00-02:00",
        WARSAW,
        "",
        When(utc(2026, 11, 22, 21), utc(2026, 11, 23, 1), "Europe/Warsaw"),
        id="overnight-range-ends-next-day",
    ),
    # ends=
    pytest.param(
        "2026-12-05 18:00",
        WARSAW,
        "20:00",
        When(utc(2026, 12, 5, 17), utc(2026, 12, 5, 19), "Europe/Warsaw"),
        id="ends-clock-time",
    ),
    pytest.param(
        "2026-12-05 22:00",
        UTC_ZONE,
        "02:00",
        When(utc(2026, 12, 5, 22), utc(2026, 12, 6, 2), "UTC"),
        id="ends-clock-time-next-day",
    ),
    pytest.param(
        "2026-12-05 18:00",
        UTC_ZONE,
        "2026-12-06 10:00",
        When(utc(2026, 12, 5, 18), utc(2026, 12, 6, 10), "UTC"),
        id="ends-full-date",
    ),
    pytest.param(
        "2026-12-05 18:00",
        UTC_ZONE,
        "tomorrow 10:00",
        When(utc(2026, 12, 5, 18), utc(2026, 12, 6, 10), "UTC"),
        id="ends-relative-to-the-start",
    ),
    pytest.param(
        "2026-12-05 18:00",
        UTC_ZONE,
        "2026-12-19 18:00",
        When(utc(2026, 12, 5, 18), utc(2026, 12, 19, 18), "UTC"),
        id="ends-exactly-14-days-later",
    ),
    # natural language
    pytest.param(
        "next friday 18:00",
        WARSAW,
        "",
        When(utc(2026, 11, 27, 17), None, "Europe/Warsaw"),
        id="next-friday",
    ),
    pytest.param(
        "next sat 10:00-12:00",
        UTC_ZONE,
        "",
        When(utc(2026, 11, 28, 10), utc(2026, 11, 28, 12), "UTC"),
        id="next-weekday-abbreviated",
    ),
    pytest.param(
        "tomorrow 7pm", UTC_ZONE, "", When(utc(2026, 11, 22, 19), None, "UTC"), id="tomorrow-7pm"
    ),
    pytest.param(
        "tomorrow at 7 pm",
        UTC_ZONE,
        "",
        When(utc(2026, 11, 22, 19), None, "UTC"),
        id="tomorrow-at-7-pm",
    ),
    pytest.param(
        "in 2 hours", WARSAW, "", When(utc(2026, 11, 21, 14), None, "Europe/Warsaw"), id="in-2h"
    ),
    pytest.param(
        "in 90 minutes",
        UTC_ZONE,
        "",
        When(utc(2026, 11, 21, 13, 30), None, "UTC"),
        id="in-90-minutes",
    ),
    pytest.param(
        "IN 30 MIN", UTC_ZONE, "", When(utc(2026, 11, 21, 12, 30), None, "UTC"), id="in-30-min"
    ),
    pytest.param(
        "monday noon",
        WARSAW,
        "",
        When(utc(2026, 11, 23, 11), None, "Europe/Warsaw"),
        id="monday-noon",
    ),
    pytest.param(
        "18:00",
        WARSAW,
        "",
        When(utc(2026, 11, 21, 17), None, "Europe/Warsaw"),
        id="clock-only-later-today",
    ),
    pytest.param(
        "11:00", UTC_ZONE, "", When(utc(2026, 11, 22, 11), None, "UTC"), id="clock-only-gone-today"
    ),
    # written zones
    pytest.param(
        "2026-12-05 18:00 Europe/Warsaw",
        UTC_ZONE,
        "",
        When(utc(2026, 12, 5, 17), None, "Europe/Warsaw"),
        id="written-zone",
    ),
    pytest.param(
        "2026-12-05 18:00 europe/warsaw",
        UTC_ZONE,
        "",
        When(utc(2026, 12, 5, 17), None, "Europe/Warsaw"),
        id="written-zone-any-case",
    ),
    pytest.param(
        "2026-12-05 18:00 Europe/Warsaw",
        NEW_YORK,
        "",
        When(utc(2026, 12, 5, 17), None, "Europe/Warsaw"),
        id="written-zone-beats-channel-zone",
    ),
    pytest.param(
        "2026-12-05 18:00-20:00 Europe/Warsaw",
        UTC_ZONE,
        "",
        When(utc(2026, 12, 5, 17), utc(2026, 12, 5, 19), "Europe/Warsaw"),
        id="range-with-written-zone",
    ),
    pytest.param(
        "tomorrow 18:00 UTC",
        WARSAW,
        "",
        When(utc(2026, 11, 22, 18), None, "UTC"),
        id="written-utc",
    ),
]


@pytest.mark.parametrize(("text", "zone", "ends", "expected"), RESOLVE_CASES)
def test_a_time_resolves_to_utc_in_the_right_zone(
    text: str, zone: ZoneInfo, ends: str, expected: When
) -> None:
    assert resolve(text, now=NOW, zone=zone, ends=ends) == expected


def test_a_written_zone_that_agrees_with_tz_is_fine() -> None:
    when = resolve("2026-12-05 18:00 Europe/Warsaw", now=NOW, zone=WARSAW, zone_given=True)
    assert when == When(utc(2026, 12, 5, 17), None, "Europe/Warsaw")


def test_tomorrow_means_tomorrow_in_the_channels_zone() -> None:
    # 23:30 UTC on Saturday is already 00:30 on Sunday in Warsaw.
    late = utc(2026, 11, 21, 23, 30)
    in_warsaw = resolve("tomorrow 18:00", now=late, zone=WARSAW)
    in_utc = resolve("tomorrow 18:00", now=late, zone=UTC_ZONE)
    assert format_instant(in_warsaw.starts_at, WARSAW) == "Mon 2026-11-23 18:00 CET (Europe/Warsaw)"
    assert format_instant(in_utc.starts_at, UTC_ZONE) == "Sun 2026-11-22 18:00 UTC"


def test_in_two_hours_counts_real_hours_across_the_spring_change() -> None:
    # 01:30 CET; at 02:00 the clocks jump to 03:00 CEST.
    now = utc(2027, 3, 28, 0, 30)
    when = resolve("in 2 hours", now=now, zone=WARSAW)
    assert when.starts_at == now + timedelta(hours=2)
    assert format_instant(when.starts_at, WARSAW) == "Sun 2027-03-28 04:30 CEST (Europe/Warsaw)"


def test_in_three_hours_counts_real_hours_across_the_autumn_change() -> None:
    # 02:00 CEST; at 03:00 CEST the clocks go back to 02:00 CET.
    now = utc(2026, 10, 25, 0, 0)
    when = resolve("in 3 hours", now=now, zone=WARSAW)
    assert when.starts_at == now + timedelta(hours=3)
    assert format_instant(when.starts_at, WARSAW) == "Sun 2026-10-25 04:00 CET (Europe/Warsaw)"


def test_tomorrow_keeps_the_wall_clock_time_across_a_dst_change() -> None:
    when = resolve("tomorrow 18:00", now=utc(2027, 3, 27, 12), zone=WARSAW)
    assert when.starts_at == utc(2027, 3, 28, 16)  # 18:00 CEST, not 18:00 CET


def test_an_overnight_range_across_the_spring_change_lasts_real_hours() -> None:
    when = resolve("2027-03-27 22:00-04:00", now=NOW, zone=WARSAW)
    assert when.starts_at == utc(2027, 3, 27, 21)
    assert when.ends_at == utc(2027, 3, 28, 2)  # five real hours: one wall-clock hour is skipped


def test_an_ambiguous_time_in_the_autumn_change_is_the_first_of_the_two() -> None:
    when = resolve("2026-10-25 02:30", now=utc(2026, 10, 1), zone=WARSAW)
    assert when.starts_at == utc(2026, 10, 25, 0, 30)  # 02:30 CEST


# --- Refusals ------------------------------------------------------------------------------

ERROR_CASES = [
    pytest.param(
        "2026-11-20 18:00",
        UTC_ZONE,
        "",
        False,
        "That time is in the past: Fri 2026-11-20 18:00 UTC (it is now Sat 2026-11-21 12:00 UTC).",
        id="past-date",
    ),
    pytest.param(
        "today 11:00",
        WARSAW,
        "",
        False,
        "That time is in the past: Sat 2026-11-21 11:00 CET (Europe/Warsaw) "
        "(it is now Sat 2026-11-21 13:00 CET (Europe/Warsaw)).",
        id="earlier-today-in-channel-zone",
    ),
    pytest.param(
        "in 0 minutes", UTC_ZONE, "", False, "That time is in the past", id="in-zero-minutes"
    ),
    pytest.param(
        "tomrrow 18:00",
        UTC_ZONE,
        "",
        False,
        "Can't understand the time 'tomrrow 18:00'. Try next friday 18:00, tomorrow 7pm, "
        "in 2 hours or YYYY-MM-DD 18:00.",
        id="unparseable",
    ),
    pytest.param(
        "2026-12-05 25:00",
        UTC_ZONE,
        "",
        False,
        "Can't understand the time '2026-12-05 25:00'.",
        id="hour-25",
    ),
    pytest.param(
        "tomorrow",
        UTC_ZONE,
        "",
        False,
        "'tomorrow' has no time of day. Add one, e.g. 'tomorrow 18:00'.",
        id="date-without-time",
    ),
    pytest.param(
        "next friday", UTC_ZONE, "", False, "has no time of day", id="weekday-without-time"
    ),
    pytest.param(
        "2026-12-05", UTC_ZONE, "", False, "has no time of day", id="iso-date-without-time"
    ),
    pytest.param(
        "", UTC_ZONE, "", False, "Say when it happens, e.g. tomorrow 18:00.", id="nothing"
    ),
    pytest.param("Europe/Warsaw", UTC_ZONE, "", False, "Say when it happens", id="only-a-zone"),
    pytest.param(
        "2026-12-05 18:00 Mars/Olympus",
        UTC_ZONE,
        "",
        False,
        "Unknown time zone 'Mars/Olympus'. Use an IANA name such as Europe/Warsaw.",
        id="unknown-written-zone",
    ),
    pytest.param(
        "2026-12-05 18:00 Europe/Warsow",
        UTC_ZONE,
        "",
        False,
        "Unknown time zone 'Europe/Warsow'. Did you mean Europe/Warsaw?",
        id="misspelt-written-zone",
    ),
    pytest.param(
        "2026-12-05 18:00 Europe/Warsaw",
        NEW_YORK,
        "",
        True,
        "Two different zones given: Europe/Warsaw and tz=America/New_York.",
        id="written-zone-conflicts-with-tz",
    ),
    pytest.param(
        "2026-12-05 18:00",
        UTC_ZONE,
        "2026-12-05 17:00",
        False,
        "The end (Sat 2026-12-05 17:00 UTC) is not after the start (Sat 2026-12-05 18:00 UTC).",
        id="end-before-start",
    ),
    pytest.param(
        "2026-12-05 18:00",
        UTC_ZONE,
        "2026-12-05 18:00",
        False,
        "is not after the start",
        id="end-equals-start",
    ),
    pytest.param(
        "2026-12-05 18:00-20:00",
        UTC_ZONE,
        "21:00",
        False,
        "Give the end either as a range or as ends=, not both.",
        id="range-and-ends",
    ),
    pytest.param(
        "2026-12-05 18:00",
        UTC_ZONE,
        "2026-12-19 18:01",
        False,
        "An event can last at most 14 days.",
        id="over-14-days",
    ),
    pytest.param(
        "2030-01-01 18:00",
        UTC_ZONE,
        "",
        False,
        "That is more than three years ahead.",
        id="more-than-3-years-ahead",
    ),
    pytest.param(
        "2027-03-28 02:30",
        WARSAW,
        "",
        False,
        "2027-03-28 02:30 does not exist in Europe/Warsaw (the clocks skip it for daylight "
        "saving time). Pick another time.",
        id="start-in-dst-gap",
    ),
    pytest.param(
        "2027-03-28 01:00",
        WARSAW,
        "02:30",
        False,
        "2027-03-28 02:30 does not exist in Europe/Warsaw",
        id="end-in-dst-gap",
    ),
]


@pytest.mark.parametrize(("text", "zone", "ends", "zone_given", "message"), ERROR_CASES)
def test_a_bad_time_is_refused_saying_why(
    text: str, zone: ZoneInfo, ends: str, zone_given: bool, message: str
) -> None:
    with pytest.raises(UserError) as caught:
        resolve(text, now=NOW, zone=zone, ends=ends, zone_given=zone_given)
    assert message in str(caught.value)
    assert caught.value.command == "newevent"


@pytest.mark.parametrize(
    ("text", "ends"),
    [
        pytest.param("2026-11-20 18:00", "", id="past"),
        pytest.param("tomrrow 18:00", "", id="unparseable"),
        pytest.param("2026-12-05 18:00 Europe/Warsow", "", id="misspelt-written-zone"),
        pytest.param("2026-12-05 18:00", "17:00 yesterday", id="bad-end"),
        pytest.param("2027-03-28 02:30 Europe/Warsaw", "", id="dst-gap"),
    ],
)
def test_a_refusal_while_editing_points_to_edit(text: str, ends: str) -> None:
    with pytest.raises(UserError) as caught:
        resolve(text, now=NOW, zone=UTC_ZONE, ends=ends, command="edit")
    assert caught.value.command == "edit"


def test_up_to_three_years_ahead_is_accepted() -> None:
    assert resolve("2029-11-01 18:00", now=NOW, zone=UTC_ZONE).starts_at == utc(2029, 11, 1, 18)


# --- Zones ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        pytest.param("Europe/Warsaw", "Europe/Warsaw", id="exact"),
        pytest.param("europe/warsaw", "Europe/Warsaw", id="lower-case"),
        pytest.param("UTC", "UTC", id="utc"),
        pytest.param("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires", id="deep"),
        pytest.param("Europe/Warsow", None, id="misspelt"),
        pytest.param("../../etc/passwd", None, id="a-path"),
        pytest.param("Europe/Warsaw; rm -rf", None, id="shell-text"),
        pytest.param("", None, id="empty"),
    ],
)
def test_a_zone_is_found_by_its_iana_name_only(name: str, key: str | None) -> None:
    zone = zone_or_none(name)
    assert (zone.key if zone else None) == key


def test_an_unknown_zone_names_the_command_it_came_from() -> None:
    with pytest.raises(UserError) as caught:
        parse_zone("Europe/Warsow", command="tz")
    assert str(caught.value) == "Unknown time zone 'Europe/Warsow'. Did you mean Europe/Warsaw?"
    assert caught.value.command == "tz"


@pytest.mark.parametrize(
    ("name", "place"),
    [
        pytest.param("EST", "America/New_York", id="est-is-utc-5-all-year"),
        pytest.param("cet", "Europe/Warsaw", id="cet"),
        pytest.param("PST8PDT", "America/Los_Angeles", id="old-us-rule"),
        pytest.param("Etc/GMT+5", "Europe/Warsaw or America/New_York", id="posix-offset"),
        pytest.param("IST", "Europe/Warsaw or America/New_York", id="ambiguous"),
    ],
)
def test_a_zone_named_by_abbreviation_or_offset_is_refused_with_a_place(
    name: str, place: str
) -> None:
    """The tz database has zones called EST or Etc/GMT+5, but they ignore daylight saving
    time: a group in New York that set `tz EST` would meet an hour late all summer."""
    with pytest.raises(UserError) as caught:
        parse_zone(name, command="tz")
    assert str(caught.value) == (
        f"'{name}' is an abbreviation or a fixed offset, which ignores daylight saving time: "
        f"write the place instead, e.g. {place}."
    )
    with pytest.raises(UserError):
        resolve(f"2027-07-05 18:00 {name}", now=NOW, zone=UTC_ZONE)


# --- Showing times -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "zone", "shown"),
    [
        pytest.param(
            utc(2026, 12, 4, 17),
            utc(2026, 12, 4, 19),
            WARSAW,
            "Fri 2026-12-04 18:00-20:00 CET (Europe/Warsaw)",
            id="range-same-day",
        ),
        pytest.param(
            utc(2026, 12, 5, 18),
            utc(2026, 12, 5, 20),
            UTC_ZONE,
            "Sat 2026-12-05 18:00-20:00 UTC",
            id="utc-is-just-utc",
        ),
        pytest.param(
            utc(2026, 12, 5, 18),
            None,
            ZoneInfo("Etc/UTC"),
            "Sat 2026-12-05 18:00 UTC",
            id="etc-utc-is-just-utc",
        ),
        pytest.param(
            utc(2026, 12, 5, 17),
            None,
            WARSAW,
            "Sat 2026-12-05 18:00 CET (Europe/Warsaw)",
            id="no-end",
        ),
        pytest.param(
            utc(2026, 11, 22, 21),
            utc(2026, 11, 23, 1),
            WARSAW,
            "Sun 2026-11-22 22:00 – Mon 2026-11-23 02:00 CET (Europe/Warsaw)",
            id="overnight-shows-both-dates",
        ),
        pytest.param(
            utc(2027, 7, 1, 16),
            utc(2027, 7, 1, 18),
            WARSAW,
            "Thu 2027-07-01 18:00-20:00 CEST (Europe/Warsaw)",
            id="summer-time",
        ),
        pytest.param(
            utc(2026, 12, 5, 21),
            None,
            ZoneInfo("America/Sao_Paulo"),
            "Sat 2026-12-05 18:00 UTC-03 (America/Sao_Paulo)",
            id="zone-without-abbreviation",
        ),
    ],
)
def test_a_span_is_shown_with_weekday_date_and_zone(
    starts_at: datetime, ends_at: datetime | None, zone: ZoneInfo, shown: str
) -> None:
    assert format_span(starts_at, ends_at, zone) == shown


def test_an_instant_is_shown_in_the_zone_asked_for() -> None:
    assert format_instant(NOW, UTC_ZONE) == "Sat 2026-11-21 12:00 UTC"
    assert format_instant(NOW, WARSAW) == "Sat 2026-11-21 13:00 CET (Europe/Warsaw)"
    assert format_instant(NOW, NEW_YORK) == "Sat 2026-11-21 07:00 EST (America/New_York)"


def test_a_resolved_time_is_shown_as_it_was_typed() -> None:
    when = resolve("2026-12-05 18:00-20:00 Europe/Warsaw", now=NOW, zone=UTC_ZONE)
    shown = format_span(when.starts_at, when.ends_at, ZoneInfo(when.timezone))
    assert shown == "Sat 2026-12-05 18:00-20:00 CET (Europe/Warsaw)"


@pytest.mark.parametrize(
    ("delta", "shown"),
    [
        pytest.param(timedelta(days=3), "in 3 days", id="days"),
        pytest.param(timedelta(days=2, hours=5), "in 2 days", id="days-drop-hours"),
        pytest.param(timedelta(days=1, hours=3), "in 1 day 3 h", id="one-day-and-hours"),
        pytest.param(timedelta(days=1), "in 1 day", id="one-day"),
        pytest.param(timedelta(hours=2, minutes=5), "in 2 h 5 min", id="hours-and-minutes"),
        pytest.param(timedelta(hours=2), "in 2 h", id="hours"),
        pytest.param(timedelta(minutes=10), "in 10 min", id="minutes"),
        pytest.param(timedelta(0), "in 0 min", id="now"),
        pytest.param(-timedelta(minutes=10), "10 min ago", id="minutes-ago"),
        pytest.param(-timedelta(hours=1, minutes=30), "1 h 30 min ago", id="hours-ago"),
        pytest.param(-timedelta(days=3), "3 days ago", id="days-ago"),
    ],
)
def test_a_relative_time_reads_naturally(delta: timedelta, shown: str) -> None:
    assert format_relative(NOW + delta, NOW) == shown


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("in 90 min", 90), ("in 2h30m", 150), ("in 1 hour and 30 minutes", 90), ("in 2 hours", 120)],
)
def test_relative_times_may_combine_hours_and_minutes(text: str, minutes: int) -> None:
    when = resolve(text, now=NOW, zone=ZoneInfo("Europe/Warsaw"))
    assert when.starts_at == NOW + timedelta(minutes=minutes)


def test_a_span_across_a_dst_change_names_both_offsets() -> None:
    zone = ZoneInfo("Europe/Warsaw")
    start = datetime(2027, 3, 27, 21, 0, tzinfo=UTC)  # Sat 22:00 CET
    end = datetime(2027, 3, 28, 2, 0, tzinfo=UTC)  # Sun 04:00 CEST
    assert format_span(start, end, zone) == (
        "Sat 2027-03-27 22:00 CET – Sun 2027-03-28 04:00 CEST (Europe/Warsaw)"
    )


# --- Never a different time than the one written: read it right or refuse -----------------
# Each table below comes from a QA finding where the old code silently stored a wrong time.

TOMORROW = (2026, 11, 22)  # Sunday
ZONE_ADVICE = "Write the time zone as a place name such as Europe/Warsaw (or tz=Europe/Warsaw)"


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        # A bare start takes the end's am/pm when that puts it before the end.
        pytest.param("tomorrow 7-9pm", utc(*TOMORROW, 19), utc(*TOMORROW, 21), id="7-9pm"),
        pytest.param("tomorrow 7 - 9pm", utc(*TOMORROW, 19), utc(*TOMORROW, 21), id="spaced"),
        pytest.param("tomorrow at 7-9pm", utc(*TOMORROW, 19), utc(*TOMORROW, 21), id="at-7-9pm"),
        pytest.param("tomorrow 9-11am", utc(*TOMORROW, 9), utc(*TOMORROW, 11), id="9-11am"),
        pytest.param("tomorrow 11-1pm", utc(*TOMORROW, 11), utc(*TOMORROW, 13), id="11-1pm"),
        pytest.param("tomorrow 12-2pm", utc(*TOMORROW, 12), utc(*TOMORROW, 14), id="12-2pm"),
        pytest.param("tomorrow 10-noon", utc(*TOMORROW, 10), utc(*TOMORROW, 12), id="10-noon"),
        pytest.param(
            "tomorrow 10-midnight", utc(*TOMORROW, 22), utc(2026, 11, 23), id="10-midnight"
        ),
        # A bare end after an am/pm start is the first such hour after the start.
        pytest.param("tomorrow 7pm-9", utc(*TOMORROW, 19), utc(*TOMORROW, 21), id="7pm-9"),
        pytest.param("tomorrow 11am-1", utc(*TOMORROW, 11), utc(*TOMORROW, 13), id="11am-1"),
        pytest.param("tomorrow 11pm-1", utc(*TOMORROW, 23), utc(2026, 11, 23, 1), id="11pm-1"),
        pytest.param("tomorrow noon-2", utc(*TOMORROW, 12), utc(*TOMORROW, 14), id="noon-2"),
        # A bare end after a 24-hour start is a 24-hour hour.
        pytest.param("tomorrow 18:00-20", utc(*TOMORROW, 18), utc(*TOMORROW, 20), id="18:00-20"),
        # Words on either side.
        pytest.param("tomorrow noon-2pm", utc(*TOMORROW, 12), utc(*TOMORROW, 14), id="noon-2pm"),
        pytest.param(
            "tomorrow 18:00-midnight", utc(*TOMORROW, 18), utc(2026, 11, 23), id="to-midnight"
        ),
        pytest.param(
            "tomorrow 7 pm to 9 pm", utc(*TOMORROW, 19), utc(*TOMORROW, 21), id="spaced-pm"
        ),
        # Clock times written with a dot or an h, and a.m./p.m.
        pytest.param("tomorrow 18.00-20.00", utc(*TOMORROW, 18), utc(*TOMORROW, 20), id="dots"),
        pytest.param("tomorrow 18h00-20h30", utc(*TOMORROW, 18), utc(*TOMORROW, 20, 30), id="h"),
        pytest.param(
            "tomorrow 7:30 p.m.-9 p.m.", utc(*TOMORROW, 19, 30), utc(*TOMORROW, 21), id="p.m."
        ),
        pytest.param("2026-12-05T18:00-20:00", utc(2026, 12, 5, 18), utc(2026, 12, 5, 20), id="T"),
    ],
)
def test_a_range_keeps_the_times_written(text: str, start: datetime, end: datetime) -> None:
    assert resolve(text, now=NOW, zone=UTC_ZONE) == When(start, end, "UTC")


@pytest.mark.parametrize(
    ("text", "start"),
    [
        pytest.param("tomorrow 18.00", utc(*TOMORROW, 18), id="dotted"),
        pytest.param("tomorrow 18h00", utc(*TOMORROW, 18), id="h"),
        pytest.param("tomorrow 7.30pm", utc(*TOMORROW, 19, 30), id="dotted-pm"),
        pytest.param("tomorrow 7 AM", utc(*TOMORROW, 7), id="upper-case-am"),
        pytest.param("midnight", utc(*TOMORROW, 0), id="midnight-alone-is-the-coming-one"),
        pytest.param("tomorrow 00:00", utc(*TOMORROW, 0), id="00:00"),
        pytest.param("day after tomorrow 18:00", utc(2026, 11, 23, 18), id="day-after-tomorrow"),
        pytest.param("5th of december 18:00", utc(2026, 12, 5, 18), id="ordinal-of-month"),
        pytest.param("in 3 days 18:00", utc(2026, 11, 24, 18), id="in-3-days-with-a-time"),
        pytest.param("in an hour", utc(2026, 11, 21, 13), id="in-an-hour"),
        pytest.param("in 1.5 hours", utc(2026, 11, 21, 13, 30), id="in-1.5-hours"),
        pytest.param("in 2h30m", utc(2026, 11, 21, 14, 30), id="in-2h30m"),
    ],
)
def test_a_clock_time_is_read_as_written(text: str, start: datetime) -> None:
    assert resolve(text, now=NOW, zone=UTC_ZONE).starts_at == start


LOCAL_NOW = NOW.replace(tzinfo=None)  # now on a UTC wall clock, as dateparser is given it


@pytest.mark.parametrize(
    ("text", "right", "clock"),
    [
        pytest.param(
            "tomorrow 18:00", datetime(2026, 11, 22, 18), time(14, 50), id="current-clock-time"
        ),
        pytest.param("tomorrow 7pm", datetime(2026, 11, 22, 19), time(7), id="meridiem-dropped"),
        pytest.param("monday noon", datetime(2026, 11, 23, 12), time(0), id="word-dropped"),
    ],
)
def test_the_safety_net_refuses_whatever_dateparser_misreads(
    text: str, right: datetime, clock: time
) -> None:
    # Stand in for any silent misreading: dateparser answers with a different clock time.
    written = what_is_written(text, base=LOCAL_NOW, command="newevent")
    assert check_reading(text, right, written, command="newevent") == right
    misread = datetime.combine(right.date(), clock)
    with pytest.raises(UserError, match=f"Can't understand the time '{text}'"):
        check_reading(text, misread, written, command="newevent")


def test_the_safety_net_refuses_a_misread_date() -> None:
    written = what_is_written("5 dec 18:00", base=LOCAL_NOW, command="newevent")
    right = datetime(2026, 12, 5, 18)
    assert check_reading("5 dec 18:00", right, written, command="newevent") == right
    with pytest.raises(UserError, match="Can't understand the time '5 dec 18:00'"):
        check_reading("5 dec 18:00", datetime(2026, 12, 6, 18), written, command="newevent")


def test_the_safety_net_refuses_no_reading_at_all() -> None:
    written = what_is_written("tomorrow 18:00", base=LOCAL_NOW, command="newevent")
    with pytest.raises(UserError, match="Can't understand the time 'tomorrow 18:00'"):
        check_reading("tomorrow 18:00", None, written, command="newevent")


@pytest.mark.parametrize(
    ("text", "ends", "message"),
    [
        pytest.param(
            "tomorrow 18:00 20:00", "", "it has more than one time of day (18:00, 20:00)", id="two"
        ),
        pytest.param("tomorrow 18-20", "", "with minutes or am/pm, e.g. 18:00", id="bare-hours"),
        pytest.param(
            "tomorrow 10-2am", "", "Can't tell when 'tomorrow 10-2am' starts", id="10-2am"
        ),
        pytest.param("tomorrow 18:00-5", "", "Can't tell when 'tomorrow 18:00-5' ends", id="18-5"),
        pytest.param("tomorrow 13pm", "", "Can't understand the time 'tomorrow 13pm'", id="13pm"),
        pytest.param("tomorrow 18:60", "", "Can't understand the time", id="minute-60"),
        pytest.param("tomorrow 18:00:30", "", "Can't understand the time", id="seconds"),
        pytest.param("the 5th 18:00", "", "Can't understand the time 'the 5th 18:00'", id="5th"),
        pytest.param(
            "friday 2026-12-05 18:00", "", "2026-12-05 is a Saturday, not a Friday.", id="weekday"
        ),
        pytest.param(
            "tomorrow midnight",
            "",
            "'tomorrow midnight' is ambiguous: midnight starts a day and ends the one before. "
            "Write 00:00 with the date, e.g. 2026-11-28 00:00.",
            id="midnight",
        ),
        pytest.param("tomorrow 12am", "", "'tomorrow 12am' is ambiguous", id="12am"),
        pytest.param("tomorrow 12am-2am", "", "is ambiguous", id="12am-start"),
        pytest.param("2026-12-05 18:00", "2026-12-06 midnight", "is ambiguous", id="end-midnight"),
        pytest.param("2026-12-05 18:00", "in 2 hours", "Give the end as a time", id="end-in"),
        pytest.param("2026-12-05 18:00", "8", "e.g. 08:00 or 8pm", id="end-bare-hour"),
    ],
)
def test_a_time_that_cannot_be_read_exactly_is_refused(text: str, ends: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        resolve(text, now=NOW, zone=UTC_ZONE, ends=ends)
    assert message in str(caught.value)
    assert caught.value.command == "newevent"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("2026-12-05 18:00 CET", id="CET"),
        pytest.param("2026-12-05 18:00 PST", id="PST"),
        pytest.param("2026-12-05 18:00 EST", id="EST"),
        pytest.param("2026-12-05 18:00 cest", id="lower-case"),
        pytest.param("2026-12-05 18:00 GMT+2", id="GMT+2"),
        pytest.param("2026-12-05 18:00 UTC+02:00", id="UTC+02:00"),
        pytest.param("2026-12-05 18:00 +02:00", id="+02:00"),
        pytest.param("2026-12-05 18:00 -05:00", id="-05:00"),
        pytest.param("2026-12-05 18:00+0200", id="+0200"),
        pytest.param("2026-12-05 18:00Z", id="Z"),
        pytest.param("2026-12-05T18:00:00+02:00", id="iso-offset"),
        pytest.param("2026-12-05T18:00:00Z", id="iso-zulu"),
        pytest.param("2026-12-05 18:00-20:00 CET", id="range-then-CET"),
        pytest.param("CET 2026-12-05 18:00", id="CET-first"),
    ],
)
def test_a_zone_abbreviation_or_offset_is_refused(text: str) -> None:
    with pytest.raises(UserError, match=re.escape(ZONE_ADVICE)):
        resolve(text, now=NOW, zone=WARSAW)


def test_an_abbreviation_in_ends_is_refused() -> None:
    with pytest.raises(UserError, match=re.escape(ZONE_ADVICE)):
        resolve("2026-12-05 18:00", now=NOW, zone=WARSAW, ends="20:00 CET")


def test_utc_in_the_middle_is_refused_rather_than_ignored() -> None:
    with pytest.raises(UserError, match="Put the zone after the time"):
        resolve("18:00 UTC tomorrow", now=NOW, zone=WARSAW)


def test_zone_abbreviations_come_from_the_tz_database_and_spare_ordinary_words() -> None:
    abbreviations = _zone_abbreviations()
    assert {"CET", "CEST", "PST", "EST", "IST", "JST", "AEST"} <= abbreviations
    ordinary = {"FRI", "SAT", "SUN", "NEXT", "AM", "PM", "NOON", "AT", "TO", "IN", "DEC", "MAY"}
    assert not ordinary & abbreviations
    assert not any(name.startswith(("+", "-")) for name in abbreviations)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        pytest.param("05.01.2027 18:00", utc(2027, 1, 5, 18), id="dotted-is-day-first"),
        pytest.param("5.1.2027 18:00", utc(2027, 1, 5, 18), id="dotted-short"),
        pytest.param("05.01.27 18:00", utc(2027, 1, 5, 18), id="dotted-two-digit-year"),
        pytest.param("05.01. 18:00", utc(2027, 1, 5, 18), id="dotted-without-year"),
        pytest.param("05.01 18:00", utc(2027, 1, 5, 18), id="dotted-beside-a-time"),
        pytest.param("13/01/2027 18:00", utc(2027, 1, 13, 18), id="slashed-day-first"),
        pytest.param("01/13/2027 18:00", utc(2027, 1, 13, 18), id="slashed-month-first"),
        pytest.param("05/05/2027 18:00", utc(2027, 5, 5, 18), id="slashed-same-numbers"),
        pytest.param("13/01 18:00", utc(2027, 1, 13, 18), id="slashed-without-year"),
        pytest.param("13-01-2027 18:00", utc(2027, 1, 13, 18), id="dashed-day-first"),
        pytest.param("2027/01/05 18:00", utc(2027, 1, 5, 18), id="year-first-slashed"),
        pytest.param("2027.01.05 18:00", utc(2027, 1, 5, 18), id="year-first-dotted"),
        pytest.param("2027-1-5 18:00", utc(2027, 1, 5, 18), id="iso-unpadded"),
        pytest.param("2028-02-29 18:00", utc(2028, 2, 29, 18), id="leap-day"),
    ],
)
def test_a_numeric_date_is_read_day_first_or_unambiguously(text: str, start: datetime) -> None:
    assert resolve(text, now=NOW, zone=UTC_ZONE).starts_at == start


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "05/01/2027 18:00",
            "05/01/2027 could be 5 January or 1 May. Write the date as 2027-01-05 or 5 Jan 2027.",
            id="slashed-ambiguous",
        ),
        pytest.param("05-01-2027 18:00", "could be 5 January or 1 May", id="dashed-ambiguous"),
        pytest.param("5/1 18:00", "could be 5 January or 1 May", id="slashed-without-year"),
        pytest.param(
            "2027-13-05 18:00", "2027-13-05 is not a date (there is no month 13).", id="month-13"
        ),
        pytest.param(
            "2027-02-30 18:00", "2027-02-30 is not a date (February 2027 has 28 days).", id="feb-30"
        ),
        pytest.param("2027-02-29 18:00", "February 2027 has 28 days", id="feb-29-no-leap-year"),
        pytest.param("31.04.2027 18:00", "April 2027 has 30 days", id="april-31-dotted"),
        pytest.param("13/13/2027 18:00", "there is no month 13", id="both-over-12"),
        pytest.param("00.01.2027 18:00", "there is no day 0", id="day-0"),
        pytest.param("30.02. 18:00", "February has 29 days at most", id="feb-30-without-year"),
    ],
)
def test_an_unclear_or_impossible_numeric_date_is_refused(text: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        resolve(text, now=NOW, zone=UTC_ZONE)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "ends", "start", "end"),
    [
        pytest.param(
            "tomorrow 22:00-02:00", "", utc(*TOMORROW, 22), utc(2026, 11, 23, 2), id="night-out"
        ),
        pytest.param(
            "tomorrow 20:00-08:00", "", utc(*TOMORROW, 20), utc(2026, 11, 23, 8), id="12-hours"
        ),
        pytest.param(
            "tomorrow 10pm-2am", "", utc(*TOMORROW, 22), utc(2026, 11, 23, 2), id="pm-to-am"
        ),
        pytest.param(
            "2026-12-05 18:00",
            "midnight",
            utc(2026, 12, 5, 18),
            utc(2026, 12, 6),
            id="ends-midnight",
        ),
        pytest.param(
            "2026-12-05 18:00", "9pm", utc(2026, 12, 5, 18), utc(2026, 12, 5, 21), id="ends-9pm"
        ),
        pytest.param(
            "2026-12-05 18:00", "20.30", utc(2026, 12, 5, 18), utc(2026, 12, 5, 20, 30), id="dot"
        ),
        pytest.param(
            "2026-12-05 18:00",
            "2026-12-06 17:00",
            utc(2026, 12, 5, 18),
            utc(2026, 12, 6, 17),
            id="ends-the-next-day-with-its-date",
        ),
    ],
)
def test_an_end_rolls_into_the_next_day_only_for_a_night_out(
    text: str, ends: str, start: datetime, end: datetime
) -> None:
    assert resolve(text, now=NOW, zone=UTC_ZONE, ends=ends) == When(start, end, "UTC")


@pytest.mark.parametrize(
    ("text", "ends", "message"),
    [
        pytest.param(
            "tomorrow 20:00-18:00",
            "",
            "The end (18:00) is before the start (20:00). If it ends the next day, give the date "
            "too, e.g. ends=2026-11-23 18:00.",
            id="range",
        ),
        pytest.param(
            "2026-12-05 18:00", "17:00", "The end (17:00) is before the start (18:00).", id="ends="
        ),
        pytest.param(
            "tomorrow 20:00-08:01", "", "The end (08:01) is before the start (20:00).", id="12h01"
        ),
        pytest.param(
            "tomorrow 18:00-18:00", "", "The end (18:00) is not after the start (18:00).", id="same"
        ),
    ],
)
def test_an_end_before_the_start_is_refused(text: str, ends: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        resolve(text, now=NOW, zone=UTC_ZONE, ends=ends)
    assert message in str(caught.value)


def test_parse_end_alone_refuses_an_end_before_the_start() -> None:
    # `!edit 3 ends=17:00` on an 18:00 event goes through parse_end without resolve.
    with pytest.raises(UserError, match=re.escape("The end (17:00) is before the start (18:00)")):
        parse_end("17:00", start=utc(2026, 12, 5, 18), zone=UTC_ZONE, command="edit")


CANT_UNDERSTAND = "Try next friday 18:00, tomorrow 7pm, in 2 hours or YYYY-MM-DD 18:00."
IN_ADVICE = "Say how long from now in hours or minutes, e.g. in 2 hours, in 90 minutes or in 2h30m."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # Dates without a time of day: add one.
        pytest.param("tomorrow", "'tomorrow' has no time of day. Add one, e.g. 'tomorrow 18:00'."),
        pytest.param("next friday", "'next friday' has no time of day. Add one"),
        pytest.param("2026-12-05", "'2026-12-05' has no time of day. Add one"),
        pytest.param("5 dec", "'5 dec' has no time of day. Add one, e.g. '5 dec 18:00'."),
        pytest.param("05.01.2027", "'05.01.2027' has no time of day."),
        pytest.param("in 3 days", "'in 3 days' has no time of day. Add one"),
        # Not a date at all: not understood.
        pytest.param("banana", f"Can't understand the time 'banana'. {CANT_UNDERSTAND}"),
        pytest.param(
            "in half an hour", f"Can't understand the time 'in half an hour'. {IN_ADVICE}"
        ),
        pytest.param("in -2 hours", f"Can't understand the time 'in -2 hours'. {IN_ADVICE}"),
        pytest.param("in 1.25 minutes", IN_ADVICE),
        pytest.param("in 2 hours CET", IN_ADVICE),
        # Bare numbers: probably an hour, so show how to write one.
        pytest.param(
            "18",
            "Can't understand the time '18'. Write the time of day with minutes or am/pm, "
            "e.g. 18:00.",
        ),
        pytest.param("1800", "Can't understand the time '1800'. Write the time of day", id="1800"),
        pytest.param("1800", "e.g. 18:00.", id="1800-example"),
        pytest.param("tomorrow 7", "e.g. 07:00 or 7pm."),
    ],
)
def test_a_time_without_a_clock_time_gets_advice_that_fits(text: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        resolve(text, now=NOW, zone=UTC_ZONE)
    assert message in str(caught.value)
    assert "banana 18:00" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        # Now is Saturday 12:00: today's weekday with a time still ahead is today.
        pytest.param("saturday 18:00", utc(2026, 11, 21, 18), id="today-by-name"),
        pytest.param("sat 7pm", utc(2026, 11, 21, 19), id="today-abbreviated"),
        pytest.param("saturday 10:00", utc(2026, 11, 28, 10), id="time-gone-next-week"),
        pytest.param("next saturday 18:00", utc(2026, 11, 28, 18), id="next-is-next-week"),
        pytest.param("friday 18:00", utc(2026, 11, 27, 18), id="another-weekday"),
    ],
)
def test_a_weekday_is_the_nearest_one_still_ahead(text: str, start: datetime) -> None:
    assert resolve(text, now=NOW, zone=UTC_ZONE).starts_at == start


def test_a_weekday_end_is_the_start_day_when_it_is_that_day() -> None:
    when = resolve("2026-11-28 18:00", ends="saturday 23:00", now=NOW, zone=UTC_ZONE)
    assert when.ends_at == utc(2026, 11, 28, 23)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "next week 19:30", "'next week' doesn't say which day. Name it, e.g. 2026-11-28 19:30."
        ),
        pytest.param("next month 18:00", "'next month' doesn't say which day."),
        pytest.param("this weekend 18:00", "'this weekend' doesn't say which day."),
        pytest.param("next year 18:00", "'next year' doesn't say which day."),
        pytest.param(
            "next week", "'next week' doesn't say which day. Name it, e.g. 2026-11-28 18:00."
        ),
        pytest.param(
            "friday next week 18:00",
            "Which Friday? Give the date, e.g. 2026-12-04 18:00, or friday 18:00 for the "
            "coming one (2026-11-27).",
        ),
    ],
)
def test_a_span_of_days_is_refused_rather_than_guessed(text: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        resolve(text, now=NOW, zone=UTC_ZONE)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize("text", ["in a week 18:00", "in 2 weeks 18:00"])
def test_days_counted_ahead_in_weeks_are_still_a_day(text: str) -> None:
    assert resolve(text, now=NOW, zone=UTC_ZONE).starts_at.weekday() == 5
