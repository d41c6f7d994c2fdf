"""Repeating events through the chat harness, on SQLite and PostgreSQL: each date has its own
answers, seats and waitlist; one date can be called off; times stay put across DST."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from adapters.console.render import render_plain
from storage import Database
from storage.models import RsvpRow
from tests.harness import Chat

# The harness's clock starts on Sat 2026-11-21 12:00 UTC; the series starts the next day.
SUNDAY = "#1 Coffee · Sun 2026-11-22 18:00 UTC · every week · Café Nero"
NEXT_SUNDAY = "#1 Coffee · Sun 2026-11-29 18:00 UTC · every week · Café Nero"


@pytest.fixture
def chat(database: Database) -> Chat:
    return Chat(database)


async def weekly_coffee(chat: Chat, limit: int | None = None) -> None:
    options = f" limit={limit}" if limit else ""
    created = await chat.say(
        f"!newevent Coffee | tomorrow 18:00 | Café Nero |{options} repeat=weekly", "olga"
    )
    assert created.startswith(f"Created {SUNDAY}")


async def test_a_time_that_says_every_sunday_makes_a_weekly_series(chat: Chat) -> None:
    created = await chat.say("!newevent Coffee | every sunday 18:00 | Café Nero", "olga")
    assert created.startswith(f"Created {SUNDAY} · 0 going")
    assert "Next dates: Sun 2026-11-22, Sun 2026-11-29, Sun 2026-12-06" in await chat.say(
        "!event 1"
    )
    # Moved to Mondays every other week, in one edit.
    assert (await chat.say("!edit 1 when=every other monday 19:00", "olga")).splitlines()[1] == (
        "#1 Coffee · Mon 2026-11-23 19:00 UTC · every 2 weeks · Café Nero · 0 going"
    )


async def test_answers_for_two_dates_are_counted_apart(chat: Chat) -> None:
    await weekly_coffee(chat)
    assert await chat.say("!rsvp 1", "bob") == (
        f"bob: you're going to #1 Coffee on Sun 2026-11-22.\n{SUNDAY} · 1 going"
    )
    assert await chat.say("!rsvp 1@2026-11-29 +1", "carol") == (
        f"carol: you're going to #1 Coffee on Sun 2026-11-29 with +1.\n{NEXT_SUNDAY} · 2 going"
    )
    assert await chat.say("!rsvp 1 maybe", "dave") == (
        f"dave: you're a maybe for #1 Coffee on Sun 2026-11-22.\n{SUNDAY} · 1 going · 1 maybe"
    )
    assert (
        await chat.say("!who 1") == f"{SUNDAY} · 1 going · 1 maybe\nGoing (1): bob\nMaybe (1): dave"
    )
    assert await chat.say("!who 1@2026-11-29") == f"{NEXT_SUNDAY} · 2 going\nGoing (2): carol +1"
    # Changing your mind for one date leaves the other as it was.
    await chat.say("!unrsvp 1 @2026-11-29", "carol")
    assert (await chat.say("!who 1@2026-11-29")).splitlines()[1:] == [
        "Nobody is going yet. Be the first: !rsvp 1@2026-11-29",
        "Can't make it (1): carol",
    ]
    assert (await chat.say("!who 1")).splitlines()[1] == "Going (1): bob"


async def test_a_full_date_waitlists_while_the_next_one_has_seats(chat: Chat) -> None:
    await weekly_coffee(chat, limit=1)
    await chat.say("!rsvp 1", "bob")
    assert await chat.say("!rsvp 1", "carol") == (
        "carol: #1 Coffee on Sun 2026-11-22 is full, so you're on the waitlist at position 1. "
        "You'll move up automatically when a seat frees.\n"
        f"{SUNDAY} · 1/1 going · 1 waitlisted"
    )
    assert await chat.say("!rsvp 1@2026-11-29", "dave") == (
        f"dave: you're going to #1 Coffee on Sun 2026-11-29.\n{NEXT_SUNDAY} · 1/1 going"
    )
    # A seat freed on the 22nd goes to that date's waitlist, not to anyone else.
    assert await chat.say("!unrsvp 1", "bob") == (
        "bob: you're not going to #1 Coffee on Sun 2026-11-22.\n"
        "Off the waitlist and now going: carol.\n"
        f"{SUNDAY} · 1/1 going"
    )
    assert chat.network.sent_to("id-carol") == [
        "Good news, carol: a seat opened up and you're now going to #1 Coffee.\n"
        f"{SUNDAY} · 1/1 going"
    ]
    assert (await chat.say("!who 1@2026-11-29")).splitlines()[1:] == ["Going (1): dave"]


async def test_raising_the_limit_serves_the_waitlist_of_every_coming_date(chat: Chat) -> None:
    await weekly_coffee(chat, limit=1)
    for date in ("", "@2026-11-29"):
        await chat.say(f"!rsvp 1{date}", "bob")
        await chat.say(f"!rsvp 1{date}", "carol")
    reply = await chat.say("!edit 1 limit=2", "olga")
    assert reply.splitlines()[1] == "Off the waitlist and now going: carol."
    assert (await chat.say("!who 1@2026-11-29")).splitlines()[1:] == ["Going (2): bob, carol"]
    assert len(chat.network.sent_to("id-carol")) == 2  # one notice per date


async def test_a_called_off_date_refuses_answers_and_is_skipped(chat: Chat) -> None:
    await weekly_coffee(chat)
    await chat.say("!rsvp 1@2026-11-29", "bob")
    assert await chat.say("!cancel 1@2026-11-29 the café is closed", "olga") == (
        "Cancelled #1 Coffee on Sun 2026-11-29 18:00 UTC. The series goes on. "
        "Reason: the café is closed\nTold 1 attendee. Undo: !reopen 1@2026-11-29"
    )
    assert chat.network.sent_to("id-bob") == [
        "#1 Coffee (Sun 2026-11-29 18:00 UTC) is cancelled. Reason: the café is closed"
    ]
    assert await chat.say("!rsvp 1@2026-11-29", "carol") == (
        "#1 Coffee on Sun 2026-11-29 is cancelled (the café is closed). "
        "Next date: Sun 2026-11-22, e.g. !rsvp 1@2026-11-22\n"
        "Usage: !rsvp ID[@DATE] [yes|maybe|no] [+N] [note] · e.g. !rsvp 12"
    )
    assert "Next dates: Sun 2026-11-22, Sun 2026-11-29 (cancelled), Sun 2026-12-06" in (
        await chat.say("!event 1")
    )
    # Once the 22nd has begun, the next date is the 6th: the 29th is skipped.
    chat.clock.advance(days=1, hours=7)
    assert await chat.say("!events") == (
        "Upcoming events (1):\n#1 Coffee · Sun 2026-12-06 18:00 UTC · every week · Café Nero · "
        "0 going"
    )
    assert (await chat.say("!rsvp 1", "carol")).startswith(
        "carol: you're going to #1 Coffee on Sun 2026-12-06."
    )


async def test_event_on_a_later_date_says_how_to_answer_for_that_date(chat: Chat) -> None:
    await weekly_coffee(chat)

    def how_to_answer(details: str) -> list[str]:
        return [row for row in details.splitlines() if row.startswith(("RSVP: ", "That is"))]

    assert how_to_answer(await chat.say("!event 1")) == [
        "RSVP: !rsvp 1 [yes|maybe|no] [+N] [note] · who's coming: !who 1",
        "That is for the next date; another one: !rsvp 1@2026-11-29",
    ]
    assert how_to_answer(await chat.say("!event 1@2026-11-29")) == [
        "RSVP: !rsvp 1@2026-11-29 [yes|maybe|no] [+N] [note] · who's coming: !who 1@2026-11-29"
    ]
    # With the 22nd called off, the 29th is the next date: a plain rsvp answers for it.
    await chat.say("!cancel 1@2026-11-22 holiday", "olga")
    assert how_to_answer(await chat.say("!event 1@2026-11-29")) == [
        "RSVP: !rsvp 1 [yes|maybe|no] [+N] [note] · who's coming: !who 1",
        "That is for the next date; another one: !rsvp 1@2026-12-06",
    ]


async def test_a_rule_that_ends_before_a_second_date_is_refused(chat: Chat) -> None:
    for rule in ["FREQ=WEEKLY;UNTIL=20201231", "FREQ=WEEKLY;COUNT=1"]:
        answer = await chat.say(f"!newevent Coffee | tomorrow 18:00 | repeat={rule}", "olga")
        assert answer.startswith(
            f"repeat={rule} gives no date after Sun 2026-11-22 18:00 UTC: check its UNTIL or "
            "COUNT, or leave out repeat= for an event that happens once."
        )
    assert (await chat.say("!events")).startswith("No upcoming events here.")
    await weekly_coffee(chat)
    answer = await chat.say("!edit 1 repeat=FREQ=DAILY;UNTIL=20261122", "olga")
    assert answer.startswith("repeat=FREQ=DAILY;UNTIL=20261122 gives no date after")
    assert "Repeats: every week (weekly)" in await chat.say("!event 1")


async def test_cancel_on_a_repeating_event_asks_which_dates(chat: Chat) -> None:
    await weekly_coffee(chat)
    await chat.say("!rsvp 1@2026-12-06", "bob")
    assert await chat.say("!cancel 1 moving house", "olga") == (
        "#1 Coffee repeats (every week). Call off one date: !cancel 1@2026-11-22 moving house "
        "(the next one), or every date: !cancel 1@all moving house"
    )
    assert (await chat.say("!events")).startswith("Upcoming events (1):")
    assert await chat.say("!cancel 1@all moving house", "olga") == (
        "Cancelled #1 Coffee, every date (every week). Reason: moving house\n"
        "Told 1 attendee. Undo: !reopen 1"
    )
    assert chat.network.sent_to("id-bob") == [
        "#1 Coffee (every week) is cancelled: all its dates. Reason: moving house"
    ]
    assert (await chat.say("!events")).startswith("No upcoming events here.")
    assert await chat.say("!rsvp 1", "carol") == "#1 Coffee was cancelled."
    details = await chat.say("!event 1")
    assert "Cancelled: moving house" in details
    assert "Next dates" not in details


@pytest.mark.parametrize(
    ("text", "error"),
    [
        pytest.param(
            "!rsvp 1@2026-11-23",
            "#1 Coffee has no date on Mon 2026-11-23 (it repeats every week). "
            "Next date: Sun 2026-11-22, e.g. !rsvp 1@2026-11-22",
            id="not-one-of-its-dates",
        ),
        pytest.param(
            "!rsvp 1@2026-11-31",
            "'2026-11-31' is not a date on the calendar.",
            id="no-such-day",
        ),
        pytest.param(
            "!rsvp 1@tomorrow",
            "'1@tomorrow': after @ comes a date of the event as YYYY-MM-DD; "
            "!event 1 lists its dates.",
            id="not-a-date",
        ),
        pytest.param(
            "!rsvp 2@2026-11-25",
            "#2 Talk happens once, so it has no dates to pick from: !rsvp 2",
            id="a-one-off-event",
        ),
        pytest.param(
            "!remindme 1@2026-11-29",
            "remindme is about every date of an event: give the number alone, e.g. 1.",
            id="remindme-is-per-event",
        ),
    ],
)
async def test_a_date_that_cannot_be_answered_is_refused(chat: Chat, text: str, error: str) -> None:
    await weekly_coffee(chat)
    await chat.say("!newevent Talk | 2026-11-25 19:00 | Hall", "olga")
    reply = await chat.say(text, "bob")
    assert reply.splitlines()[0] == error
    assert reply.splitlines()[1].startswith("Usage: ")
    assert (await chat.say("!who 1@2026-11-29")).splitlines()[1].startswith("Nobody is going")


async def test_a_date_that_is_over_is_refused(chat: Chat) -> None:
    await weekly_coffee(chat)
    chat.clock.advance(days=2)
    assert (await chat.say("!rsvp 1@2026-11-22", "bob")).splitlines()[0] == (
        "#1 Coffee on Sun 2026-11-22 is over. Next date: Sun 2026-11-29, e.g. !rsvp 1@2026-11-29"
    )
    # The series itself is not over: plain `rsvp 1` is for the 29th.
    assert (await chat.say("!rsvp 1", "bob")).startswith(
        "bob: you're going to #1 Coffee on Sun 2026-11-29."
    )


async def test_a_weekly_evening_stays_at_18_00_across_the_change_to_summer_time(
    chat: Chat,
) -> None:
    created = await chat.say(
        "!newevent Stammtisch | 2027-03-19 18:00 Europe/Berlin | repeat=weekly", "olga"
    )
    assert created.startswith("Created #1 Stammtisch · Fri 2027-03-19 18:00 CET (Europe/Berlin)")
    assert "Next dates: Fri 2027-03-19, Fri 2027-03-26, Fri 2027-04-02" in (
        await chat.say("!event 1")
    )
    assert (
        (await chat.say("!rsvp 1@2027-03-26", "bob"))
        .splitlines()[1]
        .startswith("#1 Stammtisch · Fri 2027-03-26 18:00 CET (Europe/Berlin)")
    )
    assert (
        (await chat.say("!rsvp 1@2027-04-02", "bob"))
        .splitlines()[1]
        .startswith("#1 Stammtisch · Fri 2027-04-02 18:00 CEST (Europe/Berlin)")
    )


async def test_events_lists_the_next_date_of_each_series_among_one_off_events(chat: Chat) -> None:
    await weekly_coffee(chat)
    await chat.say("!newevent Talk | 2026-11-25 19:00 | Hall", "olga")
    await chat.say("!newevent Standup | 2026-11-23 09:00 | repeat=daily", "olga")
    chat.clock.advance(days=1, hours=7)  # Sun 19:00: the Coffee of the 22nd has begun
    assert await chat.say("!events") == (
        "Upcoming events (3):\n"
        "#3 Standup · Mon 2026-11-23 09:00 UTC · every day · 0 going\n"
        "#2 Talk · Wed 2026-11-25 19:00 UTC · Hall · 0 going\n"
        f"{NEXT_SUNDAY} · 0 going"
    )


async def test_a_crowd_answering_two_dates_at_once_fills_each_date_exactly(
    database: Database,
) -> None:
    """The seat lock holds per date: the event row is locked before a date's seats are
    counted, so two dates filling at the same time neither overbook nor mix up."""
    chat = Chat(database)
    await chat.say("!newevent Coffee | tomorrow 18:00 | limit=10 repeat=weekly", "olga")
    await asyncio.gather(*(chat.replies("!who 1", "olga") for _ in range(20)))
    lines = [(f"!rsvp 1{date}", f"p{n:02}") for n in range(30) for date in ("", "@2026-11-29")]
    replies = await asyncio.gather(*(chat.replies(text, who) for text, who in lines))
    answers = ["\n".join(render_plain(r) for r in rs) for rs in replies]
    for day in ("Sun 2026-11-22", "Sun 2026-11-29"):
        going = [a for a in answers if f"you're going to #1 Coffee on {day}." in a]
        waiting = [a for a in answers if f"#1 Coffee on {day} is full" in a]
        assert (len(going), len(waiting)) == (10, 20)
    async with database.engine.connect() as connection:
        result = await connection.execute(
            select(RsvpRow.occurrence, RsvpRow.status, func.count())
            .group_by(RsvpRow.occurrence, RsvpRow.status)
            .order_by(RsvpRow.occurrence, RsvpRow.status)
        )
        assert sorted(tuple(row) for row in result) == [
            ("2026-11-22", "going", 10),
            ("2026-11-22", "waitlisted", 20),
            ("2026-11-29", "going", 10),
            ("2026-11-29", "waitlisted", 20),
        ]


# `every first friday 19:00`: the rule chooses the first date, the first Friday ahead.
FIRST_FRIDAY = "#1 Meetup · Fri 2026-12-04 19:00 UTC · every month on the first Friday"


@pytest.mark.parametrize(
    "when", ["every first friday 19:00", "Every 1st Fri of the month 19:00"], ids=str
)
async def test_every_first_friday_starts_on_the_first_friday_ahead(chat: Chat, when: str) -> None:
    created = await chat.say(f"!newevent Meetup | {when} | The Pub", "olga")
    assert created.startswith(f"Created {FIRST_FRIDAY} · The Pub · 0 going")
    assert await chat.say("!events") == f"Upcoming events (1):\n{FIRST_FRIDAY} · The Pub · 0 going"
    details = await chat.say("!event 1")
    assert "Next dates: Fri 2026-12-04, Fri 2027-01-01, Fri 2027-02-05, Fri 2027-03-05" in details
    # The rule as repeat= takes it, to copy into another event.
    assert "Repeats: every month on the first Friday (FREQ=MONTHLY;BYDAY=1FR)" in details
    # Reminded a day before the first Friday, not before any day sooner.
    assert await chat.posts_at(datetime(2026, 12, 3, 18, 59, tzinfo=UTC)) == []
    reminder = await chat.posts_at(datetime(2026, 12, 3, 19, 0, tzinfo=UTC))
    assert [post.splitlines()[:2] for post in reminder] == [
        ["Reminder: #1 Meetup starts in 1 day.", "Fri 2026-12-04 19:00 UTC · The Pub · 0 going"]
    ]


async def test_the_third_saturday_is_today_while_its_time_is_still_ahead(chat: Chat) -> None:
    # The harness's Sat 2026-11-21 is the third Saturday of November; it is 12:00.
    tonight = await chat.say("!newevent Games | every third saturday 18:00", "olga")
    assert tonight.startswith(
        "Created #1 Games · Sat 2026-11-21 18:00 UTC · every month on the third Saturday"
    )
    passed = await chat.say("!newevent Brunch | every 3rd sat 11:00", "olga")
    assert passed.startswith(
        "Created #2 Brunch · Sat 2026-12-19 11:00 UTC · every month on the third Saturday"
    )


async def test_the_last_thursday_takes_a_range_and_a_zone_like_every_tuesday(chat: Chat) -> None:
    created = await chat.say(
        "!newevent Stammtisch | every last thursday 18:00-20:00 Europe/Berlin", "olga"
    )
    assert created.startswith(
        "Created #1 Stammtisch · Thu 2026-11-26 18:00-20:00 CET (Europe/Berlin) · "
        "every month on the last Thursday · 0 going"
    )
    assert "Next dates: Thu 2026-11-26, Thu 2026-12-31, Thu 2027-01-28" in (
        await chat.say("!event 1")
    )


async def test_a_time_alone_with_a_rule_that_chooses_its_days_is_on_the_first_of_them(
    chat: Chat,
) -> None:
    created = await chat.say("!newevent Meetup | 19:00 | repeat=FREQ=MONTHLY;BYDAY=1FR", "olga")
    assert created.startswith(f"Created {FIRST_FRIDAY} · 0 going")


@pytest.mark.parametrize(
    ("when", "day"),
    [
        pytest.param("2026-11-28 19:00", "Sat 2026-11-28", id="a-date"),
        pytest.param("tomorrow 19:00", "Sun 2026-11-22", id="tomorrow"),
        pytest.param("friday 19:00", "Fri 2026-11-27", id="the-last-friday-of-november"),
    ],
)
async def test_a_start_the_rule_does_not_give_is_refused_with_the_first_date_it_gives(
    chat: Chat, when: str, day: str
) -> None:
    refused = await chat.say(
        f"!newevent Meetup | {when} | The Pub | repeat=FREQ=MONTHLY;BYDAY=1FR", "olga"
    )
    assert refused.splitlines()[0] == (
        f"{day} is not a date of this repeat (every month on the first Friday). "
        "The first one after it: Fri 2026-12-04. "
        "Example: !newevent ... | 2026-12-04 19:00 | repeat=FREQ=MONTHLY;BYDAY=1FR"
    )
    assert refused.splitlines()[1].startswith("Usage: !newevent TITLE | WHEN")
    assert (await chat.say("!events")).startswith("No upcoming events here.")
    # The example, with the title, is the series meant.
    example = refused.splitlines()[0].split("Example: ")[1].replace("...", "Meetup")
    assert (await chat.say(example, "olga")).startswith(f"Created {FIRST_FRIDAY} · 0 going")


async def test_an_edit_to_a_rule_its_start_does_not_match_is_refused_with_the_edit_to_type(
    chat: Chat,
) -> None:
    await weekly_coffee(chat)
    refused = await chat.say("!edit 1 repeat=FREQ=MONTHLY;BYDAY=1FR", "olga")
    assert refused.splitlines()[0] == (
        "Sun 2026-11-22 is not a date of this repeat (every month on the first Friday). "
        "The first one after it: Fri 2026-12-04. "
        "Example: !edit 1 when=2026-12-04 18:00 repeat=FREQ=MONTHLY;BYDAY=1FR"
    )
    assert await chat.say("!events") == f"Upcoming events (1):\n{SUNDAY} · 0 going"
    assert "Repeats: every week (weekly)" in await chat.say("!event 1")
    moved = await chat.say(refused.splitlines()[0].split("Example: ")[1], "olga")
    assert moved.splitlines()[1] == (
        "#1 Coffee · Fri 2026-12-04 18:00 UTC · every month on the first Friday · Café Nero · "
        "0 going"
    )
    # A new start the rule does not give is refused as well; the series stays as it was.
    assert (await chat.say("!edit 1 when=2026-12-05 18:00", "olga")).splitlines()[0] == (
        "Sat 2026-12-05 is not a date of this repeat (every month on the first Friday). "
        "The first one after it: Fri 2027-01-01. Example: !edit 1 when=2027-01-01 18:00"
    )
    # A new time alone keeps its day; `every last thursday` chooses the first of its own.
    assert (
        (await chat.say("!edit 1 when=19:30", "olga"))
        .splitlines()[1]
        .startswith("#1 Coffee · Fri 2026-12-04 19:30 UTC · every month on the first Friday")
    )
    assert (
        (await chat.say("!edit 1 when=every last thursday 19:00", "olga"))
        .splitlines()[1]
        .startswith("#1 Coffee · Thu 2026-11-26 19:00 UTC · every month on the last Thursday")
    )


async def test_a_series_begun_long_ago_is_pointed_to_its_next_date_ahead(chat: Chat) -> None:
    await weekly_coffee(chat)
    chat.clock.advance(days=30)  # Mon 2026-12-21: the first Friday of December is over
    refused = await chat.say("!edit 1 repeat=FREQ=MONTHLY;BYDAY=1FR", "olga")
    assert refused.splitlines()[0] == (
        "Sun 2026-11-22 is not a date of this repeat (every month on the first Friday). "
        "The next one: Fri 2027-01-01. "
        "Example: !edit 1 when=2027-01-01 18:00 repeat=FREQ=MONTHLY;BYDAY=1FR"
    )
    assert "Repeats: every week (weekly)" in await chat.say("!event 1")
