"""Calendar files as calendar programs read them: parsed back with `icalendar`, series
expanded with `recurring-ical-events`, compared with the bot's own dates."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from bot.calendar import CalendarEvent, calendar_file
from bot.domain import EventStatus, EventView, UserRef
from bot.language.repeat import parse_repeat
from bot.services.occurrences import coming_dates

HOST = "bot.example.org"
WARSAW = ZoneInfo("Europe/Warsaw")
CREATED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
# Thursday 2026-03-12 18:00 in Warsaw (CET, UTC+1); summer time starts on 2026-03-29.
FIRST = datetime(2026, 3, 12, 18, 0, tzinfo=WARSAW).astimezone(UTC)


def coffee(**changes: object) -> CalendarEvent:
    event = CalendarEvent(
        id=12,
        title="Coffee",
        description="Bring a mug.",
        venue="Café Nero",
        url="https://meet.example/coffee",
        starts_at=FIRST,
        ends_at=FIRST + timedelta(hours=2),
        timezone="Europe/Warsaw",
        sequence=0,
        created_at=CREATED,
        updated_at=CREATED,
    )
    return replace(event, **changes)  # type: ignore[arg-type]


def parse(*events: CalendarEvent, **options: object) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(calendar_file(events, host=HOST, **options))  # type: ignore[arg-type]


def only_event(calendar: icalendar.Calendar) -> icalendar.Event:
    (event,) = calendar.events
    return event


def text_of(component: icalendar.Component, name: str) -> str:
    """A TEXT property's value (icalendar types `component[name]` as any kind of property)."""
    value = component[name]
    assert isinstance(value, icalendar.vText)
    return value


def test_an_event_reads_back_with_its_details_and_a_stable_uid() -> None:
    event = only_event(parse(coffee()))
    assert event["UID"] == "event-12@bot.example.org"
    assert event["SUMMARY"] == "Coffee"
    assert event["LOCATION"] == "Café Nero"
    assert event["URL"] == "https://meet.example/coffee"
    assert event["STATUS"] == "CONFIRMED"
    assert event.start == FIRST
    assert event.end == FIRST + timedelta(hours=2)
    assert event.stamp == CREATED
    assert "Bring a mug." in text_of(event, "DESCRIPTION")
    assert "/rsvp 12 on Telegram, !rsvp 12 on IRC" in text_of(event, "DESCRIPTION")


def test_an_edit_keeps_the_uid_and_raises_sequence_and_last_modified() -> None:
    edited_at = CREATED + timedelta(days=1)
    before = only_event(parse(coffee()))
    after = only_event(parse(coffee(title="Tea", sequence=1, updated_at=edited_at)))
    assert after["UID"] == before["UID"]
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (0, 1)
    assert after.last_modified == edited_at
    assert after["SUMMARY"] == "Tea"


def test_times_carry_the_events_zone_with_a_vtimezone_that_agrees_with_zoneinfo() -> None:
    raw = calendar_file([coffee()], host=HOST).decode()
    assert "DTSTART;TZID=Europe/Warsaw:20260312T180000" in raw
    assert "DTEND;TZID=Europe/Warsaw:20260312T200000" in raw
    calendar = icalendar.Calendar.from_ical(raw)
    (vtimezone,) = calendar.timezones
    assert vtimezone["TZID"] == "Europe/Warsaw"
    # What a program that trusts only the file (Outlook) makes of it, across DST changes.
    from_file = vtimezone.to_tz(lookup_tzid=False)
    for day in range(0, 5 * 365, 11):
        moment = datetime(2026, 1, 1, 12) + timedelta(days=day)
        assert (
            moment.replace(tzinfo=from_file).utcoffset()
            == moment.replace(tzinfo=WARSAW).utcoffset()
        ), moment
    assert calendar.get_missing_tzids() == set()


def test_an_event_in_utc_is_written_in_utc_without_a_vtimezone() -> None:
    raw = calendar_file([coffee(timezone="UTC")], host=HOST).decode()
    assert "DTSTART:20260312T170000Z" in raw
    assert "BEGIN:VTIMEZONE" not in raw
    assert only_event(icalendar.Calendar.from_ical(raw)).start == FIRST


def test_commas_semicolons_newlines_and_backslashes_in_text_survive() -> None:
    title = "Coffee, cake; and\nmore \\ talk"
    raw = calendar_file([coffee(title=title, venue="Nero; upstairs, left")], host=HOST)
    assert b"SUMMARY:Coffee\\, cake\\; and\\nmore \\\\ talk" in raw
    event = only_event(icalendar.Calendar.from_ical(raw))
    assert event["SUMMARY"] == title
    assert event["LOCATION"] == "Nero; upstairs, left"


def test_a_cancelled_event_says_so_with_its_reason() -> None:
    event = only_event(parse(coffee(cancelled=True, cancel_reason="venue closed", sequence=3)))
    assert event["STATUS"] == "CANCELLED"
    assert event["SUMMARY"] == "Cancelled: Coffee"
    assert text_of(event, "DESCRIPTION").startswith("Cancelled: venue closed")
    assert event["SEQUENCE"] == 3


def test_an_event_without_an_end_has_no_dtend() -> None:
    event = only_event(parse(coffee(ends_at=None)))
    assert "DTEND" not in event
    assert event.start == FIRST


def view_of(event: CalendarEvent) -> EventView:
    return EventView(
        id=event.id,
        title=event.title,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        venue=event.venue,
        url=event.url,
        description=event.description,
        capacity=None,
        stored_status=EventStatus.SCHEDULED,
        organizer=UserRef("test", "net", "id-alice", "alice"),
        repeat=event.repeat,
        first_starts_at=event.starts_at,
    )


@pytest.mark.parametrize(
    "repeat",
    [
        "weekly",
        "every 2 weeks",
        "daily",
        "FREQ=MONTHLY;BYDAY=2TH",
        "FREQ=WEEKLY;UNTIL=20260507",
        "FREQ=WEEKLY;UNTIL=20260416T160000Z",
        "FREQ=WEEKLY;COUNT=8",
    ],
)
def test_a_series_expands_to_the_bots_own_dates_across_dst_without_called_off_ones(
    repeat: str,
) -> None:
    stored = parse_repeat(repeat)
    cancelled = {"2026-04-09": "holiday"}  # a Thursday, after summer time began
    series = coffee(repeat=stored, cancelled_dates=tuple(cancelled))
    calendar = parse(series)
    horizon = FIRST + timedelta(days=400)
    expanded = recurring_ical_events.of(calendar).between(FIRST - timedelta(days=1), horizon)
    theirs = [event.start.astimezone(UTC) for event in expanded]
    ours = [
        start
        for start, key in coming_dates(view_of(series), FIRST - timedelta(seconds=1), {}, 500)
        if key not in cancelled and start < horizon
    ]
    assert theirs == ours
    assert len(ours) > 3
    # 18:00 on the wall clock before and after the change to summer time.
    assert {start.astimezone(WARSAW).hour for start in theirs} == {18}
    if stored == "weekly":
        assert datetime(2026, 4, 9, 16, 0, tzinfo=UTC) not in theirs
        assert datetime(2026, 4, 16, 16, 0, tzinfo=UTC) in theirs


def test_a_series_is_one_entry_with_its_rule_and_exdate() -> None:
    raw = calendar_file(
        [coffee(repeat="weekly", cancelled_dates=("2026-04-09",))], host=HOST
    ).decode()
    assert "RRULE:FREQ=WEEKLY\r\n" in raw
    assert "EXDATE;TZID=Europe/Warsaw:20260409T180000" in raw
    assert raw.count("BEGIN:VEVENT") == 1


def test_one_date_of_a_series_is_an_entry_of_its_own() -> None:
    date = datetime(2026, 4, 16, 18, 0, tzinfo=WARSAW).astimezone(UTC)
    raw = calendar_file(
        [coffee(starts_at=date, ends_at=date + timedelta(hours=2), occurrence="2026-04-16")],
        host=HOST,
    ).decode()
    event = only_event(icalendar.Calendar.from_ical(raw))
    assert event["UID"] == "event-12-20260416@bot.example.org"
    assert "RRULE" not in event
    assert event.start == date
    assert "/rsvp 12@2026-04-16 on Telegram" in text_of(event, "DESCRIPTION")


def test_a_feed_has_a_name_and_asks_to_be_refreshed() -> None:
    calendar = parse(coffee(), coffee(id=13), name="Warsaw Devs · gatherings", feed=True)
    assert calendar["X-WR-CALNAME"] == "Warsaw Devs · gatherings"
    assert calendar["NAME"] == "Warsaw Devs · gatherings"
    refresh = calendar["REFRESH-INTERVAL"]
    assert isinstance(refresh, icalendar.vDDDTypes)
    assert refresh.dt == timedelta(hours=1)
    assert [event["UID"] for event in calendar.events] == [
        "event-12@bot.example.org",
        "event-13@bot.example.org",
    ]
