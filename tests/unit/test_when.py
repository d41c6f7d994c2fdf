"""Times people type, resolved against a fixed clock, and times shown back to them.

"Now" is Saturday 2026-11-21 12:00 UTC (13:00 CET in Warsaw) unless a test says otherwise.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import UserError
from bot.when import (
    When,
    format_instant,
    format_relative,
    format_span,
    parse_zone,
    resolve,
    zone_or_none,
)

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
        "Can't understand the time 'tomrrow 18:00'. Try 2026-12-05 18:00, next friday 18:00, "
        "tomorrow 7pm or in 2 hours.",
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
