"""Reminder offsets (`remind=1d,2h`) and recurrence (`repeat=weekly`)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import UserError
from bot.language.durations import format_offset, format_offsets, parse_offsets
from bot.language.repeat import parse_repeat

D, H, M, W = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1), timedelta(weeks=1)

# --- Reminder offsets ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "offsets"),
    [
        pytest.param("1d,2h", (D, 2 * H), id="day-and-hours"),
        pytest.param("2h,1d", (D, 2 * H), id="largest-first"),
        pytest.param("30m", (30 * M,), id="minutes"),
        pytest.param("1w", (W,), id="week"),
        pytest.param("1d2h", (D + 2 * H,), id="combined-amount"),
        pytest.param("2h30m", (2 * H + 30 * M,), id="hours-and-minutes"),
        pytest.param("1d 2h", (D, 2 * H), id="space-separated"),
        pytest.param("1d, 2h", (D, 2 * H), id="comma-and-space"),
        pytest.param("1d,,2h", (D, 2 * H), id="double-comma"),
        pytest.param("1D,2H", (D, 2 * H), id="upper-case"),
        pytest.param("  1d  ", (D,), id="surrounding-spaces"),
        pytest.param("1d,1d", (D,), id="duplicates-merge"),
        pytest.param("24h,1d", (D,), id="same-offset-two-ways"),
        pytest.param("60d", (60 * D,), id="at-the-maximum"),
        pytest.param("8w", (8 * W,), id="weeks-under-the-maximum"),
        pytest.param(
            "1d,6h,5h,4h,3h,2h", (D, 6 * H, 5 * H, 4 * H, 3 * H, 2 * H), id="six-reminders"
        ),
        pytest.param("none", (), id="none"),
        pytest.param("off", (), id="off"),
        pytest.param("no", (), id="no"),
        pytest.param("NONE", (), id="none-upper-case"),
    ],
)
def test_reminder_offsets_parse_largest_first(text: str, offsets: tuple[timedelta, ...]) -> None:
    assert parse_offsets(text) == offsets


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("5x", "Can't read the reminder '5x'", id="unknown-unit"),
        pytest.param("1y", "Can't read the reminder '1y'", id="years"),
        pytest.param("1", "Can't read the reminder '1'", id="no-unit"),
        pytest.param("d", "Can't read the reminder 'd'", id="no-amount"),
        pytest.param("1.5h", "Can't read the reminder '1.5h'", id="decimal"),
        pytest.param("-1h", "Can't read the reminder '-1h'", id="negative"),
        pytest.param("1h-", "Can't read the reminder '1h-'", id="trailing-junk"),
        pytest.param("0m", "Can't read the reminder '0m'", id="zero"),
        pytest.param("", "Can't read the reminder ''", id="empty"),
        pytest.param(",", "Can't read the reminder ','", id="only-a-comma"),
        pytest.param("1d,soon", "Can't read the reminder 'soon'", id="one-bad-item"),
        pytest.param(
            "61d", "Reminder '61d' is too far ahead: at most 60d before the start.", id="61d"
        ),
        pytest.param("9w", "Reminder '9w' is too far ahead", id="9-weeks"),
        pytest.param("1d,2h,3h,4h,5h,6h,7h", "At most 6 reminders per event.", id="seven"),
    ],
)
def test_a_bad_reminder_is_refused_saying_what_to_write(text: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_offsets(text)
    assert message in str(caught.value)
    assert caught.value.command == "newevent"


def test_the_reminder_help_shows_the_accepted_forms() -> None:
    with pytest.raises(UserError) as caught:
        parse_offsets("5x")
    assert str(caught.value) == (
        "Can't read the reminder '5x': use amounts like 1d, 2h or 30m, separated by commas "
        "(remind=1d,2h), or remind=none."
    )


def test_a_bad_reminder_while_editing_points_to_edit() -> None:
    with pytest.raises(UserError) as caught:
        parse_offsets("5x", command="edit")
    assert caught.value.command == "edit"


@pytest.mark.parametrize(
    ("offset", "shown"),
    [
        pytest.param(26 * H, "1d2h", id="day-and-hours"),
        pytest.param(90 * M, "1h30m", id="hour-and-minutes"),
        pytest.param(W + D, "1w1d", id="week-and-day"),
        pytest.param(60 * D, "8w4d", id="sixty-days"),
        pytest.param(timedelta(0), "0m", id="zero"),
        pytest.param(timedelta(seconds=30), "0m", id="seconds-round-down"),
    ],
)
def test_an_offset_is_shown_in_the_units_people_type(offset: timedelta, shown: str) -> None:
    assert format_offset(offset) == shown


@pytest.mark.parametrize(
    ("offsets", "shown"),
    [
        pytest.param((D, 2 * H), "1d,2h", id="two"),
        pytest.param((30 * M,), "30m", id="one"),
        pytest.param((), "none", id="none"),
    ],
)
def test_offsets_are_shown_as_they_would_be_typed(
    offsets: tuple[timedelta, ...], shown: str
) -> None:
    assert format_offsets(offsets) == shown


@pytest.mark.parametrize("text", ["1d,2h", "2h30m", "60d", "1w,1d,12h,90m", "none"])
def test_shown_offsets_read_back_the_same(text: str) -> None:
    offsets = parse_offsets(text)
    assert parse_offsets(format_offsets(offsets)) == offsets


# --- Repeat --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        pytest.param("weekly", "weekly", id="weekly"),
        pytest.param("Weekly", "weekly", id="weekly-capitalised"),
        pytest.param("monthly", "monthly", id="monthly"),
        pytest.param("daily", "daily", id="daily"),
        pytest.param("yearly", "yearly", id="yearly"),
        pytest.param("annually", "yearly", id="annually"),
        pytest.param("biweekly", "every 2 weeks", id="biweekly"),
        pytest.param("fortnightly", "every 2 weeks", id="fortnightly"),
        pytest.param("every week", "weekly", id="every-week"),
        pytest.param("every month", "monthly", id="every-month"),
        pytest.param("every 2 weeks", "every 2 weeks", id="every-2-weeks"),
        pytest.param("every  2   weeks", "every 2 weeks", id="every-2-weeks-spaced"),
        pytest.param("Every 3 Months", "every 3 months", id="every-3-months"),
        pytest.param("every 2 week", "every 2 weeks", id="every-2-week-singular"),
        pytest.param("every 1 week", "weekly", id="every-1-week-is-weekly"),
        pytest.param("every 1 month", "monthly", id="every-1-month-is-monthly"),
        pytest.param("FREQ=WEEKLY;BYDAY=FR", "RRULE:FREQ=WEEKLY;BYDAY=FR", id="rrule"),
        pytest.param("freq=weekly;byday=fr", "RRULE:FREQ=WEEKLY;BYDAY=FR", id="rrule-lower-case"),
        pytest.param(
            "RRULE:FREQ=MONTHLY;BYMONTHDAY=1",
            "RRULE:FREQ=MONTHLY;BYMONTHDAY=1",
            id="rrule-with-prefix",
        ),
        pytest.param("FREQ=WEEKLY;COUNT=3", "RRULE:FREQ=WEEKLY;COUNT=3", id="rrule-count"),
        pytest.param("FREQ=DAILY", "RRULE:FREQ=DAILY", id="rrule-daily"),
        pytest.param("none", "", id="none"),
        pytest.param("off", "", id="off"),
        pytest.param("never", "", id="never"),
        pytest.param("no", "", id="no"),
    ],
)
def test_a_repeat_rule_is_normalised(text: str, rule: str) -> None:
    assert parse_repeat(text) == rule


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("sometimes", "Can't read repeat='sometimes'.", id="a-word"),
        pytest.param("", "Can't read repeat=''.", id="empty"),
        pytest.param("every 0 weeks", "Can't read repeat='every 0 weeks'.", id="every-0"),
        pytest.param("every 100 weeks", "Can't read repeat='every 100 weeks'.", id="every-100"),
        pytest.param("every other week", "Can't read repeat='every other week'.", id="other"),
        pytest.param("every 2 hours", "Can't read repeat='every 2 hours'.", id="every-2-hours"),
        pytest.param(
            "FREQ=SOMETIMES",
            "Can't read repeat='FREQ=SOMETIMES' (invalid 'FREQ': SOMETIMES).",
            id="rrule-bad-freq",
        ),
        pytest.param(
            "FREQ=WEEKLY;BYDAY=XX",
            "Can't read repeat='FREQ=WEEKLY;BYDAY=XX' (invalid 'BYDAY': XX).",
            id="rrule-bad-day",
        ),
        pytest.param(
            "FREQ=HOURLY",
            "Can't read repeat='FREQ=HOURLY' (an event repeats at most daily).",
            id="rrule-hourly",
        ),
        pytest.param(
            "FREQ=MINUTELY;INTERVAL=5",
            "(an event repeats at most daily)",
            id="rrule-minutely",
        ),
        pytest.param("RRULE:FREQ=SECONDLY", "(an event repeats at most daily)", id="secondly"),
        # Never matching: dateutil would search to the year 9999, blocking the bot for seconds.
        pytest.param(
            "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
            "Can't read repeat='FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30' (no date ever matches it).",
            id="rrule-february-30",
        ),
        pytest.param(
            "FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31;UNTIL=20300101",
            "(no date ever matches it)",
            id="rrule-april-31-with-until",
        ),
    ],
)
def test_a_bad_repeat_is_refused_saying_what_to_write(text: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_repeat(text)
    assert message in str(caught.value)
    assert str(caught.value).endswith(
        "Use weekly, monthly, daily, every 2 weeks, or an RFC 5545 rule such as "
        "FREQ=WEEKLY;BYDAY=FR."
    )
    assert caught.value.command == "newevent"


def test_a_bad_repeat_while_editing_points_to_edit() -> None:
    with pytest.raises(UserError) as caught:
        parse_repeat("sometimes", command="edit")
    assert caught.value.command == "edit"
