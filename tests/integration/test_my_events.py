"""`myevents`: someone's own upcoming answers, through the chat harness on SQLite and
PostgreSQL. In a private chat every channel's; in a group only that group's."""

from __future__ import annotations

import pytest

from bot.domain import ChannelKind
from storage import Database
from tests.harness import Chat

PRIVATE = {"channel": "bob", "kind": ChannelKind.DIRECT}


@pytest.fixture
async def chat(database: Database) -> Chat:
    chat = Chat(database)
    await chat.say("!newevent Coffee | tomorrow 18:00 | Café Nero | limit=1", "olga")
    await chat.say("!newevent Talks | 2026-11-28 19:00 | Hall", "olga", channel="#other")
    await chat.say("!newevent Picnic | 2026-11-23 12:00 | Park", "olga", channel="#other")
    await chat.say("!newevent Games | 2026-11-24 20:00", "olga", channel="#secret")
    await chat.say("!rsvp 1", "carol")
    await chat.say("!rsvp 1", "bob")  # waitlisted: one seat, taken
    await chat.say("!rsvp 2 maybe", "bob", channel="#other")
    await chat.say("!rsvp 3 no", "bob", channel="#other")
    await chat.say("!rsvp 4 +2", "bob", channel="#secret")
    return chat


async def test_in_private_every_upcoming_answer_soonest_first(chat: Chat) -> None:
    assert await chat.say("!myevents", "bob", **PRIVATE) == (
        "Your upcoming events (3):\n"
        "#1 Coffee · Sun 2026-11-22 18:00 UTC · Café Nero · 1/1 going · 1 waitlisted"
        " · you: waitlisted, position 1\n"
        "#4 Games · Tue 2026-11-24 20:00 UTC · 3 going · you: going +2\n"
        "#2 Talks · Sat 2026-11-28 19:00 UTC · Hall · 0 going · 1 maybe · you: maybe\n"
        "Can't make it? !rsvp 1 no"
    )


async def test_in_a_group_only_the_events_announced_there(chat: Chat) -> None:
    assert await chat.say("!mine", "bob", channel="#other") == (
        "Your upcoming events here (1):\n"
        "#2 Talks · Sat 2026-11-28 19:00 UTC · Hall · 0 going · 1 maybe · you: maybe\n"
        "Can't make it? !rsvp 2 no  ·  every channel's, in a private chat: !myevents"
    )
    await chat.say("!announce 4", "olga", channel="#other")
    assert "#4 Games" in await chat.say("!mine", "bob", channel="#other")
    assert await chat.say("!myevents", "bob", channel="#quiet") == (
        "You haven't said yes or maybe to any upcoming event here. See what's on: !events"
    )


async def test_over_cancelled_and_no_answers_are_left_out(chat: Chat) -> None:
    await chat.say("!cancel 4 nobody can host", "olga", channel="#secret")
    await chat.say("!rsvp 1 no", "bob")
    chat.clock.now = chat.clock.now.replace(day=25)  # Coffee is over too
    assert await chat.say("!myevents", "bob", **PRIVATE) == (
        "Your upcoming events (1):\n"
        "#2 Talks · Sat 2026-11-28 19:00 UTC · Hall · 0 going · 1 maybe · you: maybe\n"
        "Can't make it? !rsvp 2 no"
    )
    assert await chat.say("!myevents", "dora", **PRIVATE) == (
        "You haven't said yes or maybe to any upcoming event. Answer one in its channel: !rsvp ID"
    )


async def test_a_series_shows_each_date_answered_in_its_own_zone(database: Database) -> None:
    """A date is stored as the event's local day: 20:00 in Los Angeles on Saturday is
    Sunday in UTC, and still to come at Sunday 02:00 UTC."""
    chat = Chat(database)
    await chat.say("!newevent Jam | 2026-11-21 20:00 America/Los_Angeles | repeat=weekly", "olga")
    await chat.say("!rsvp 1", "bob")
    await chat.say("!rsvp 1@2026-12-05 maybe", "bob")
    chat.clock.now = chat.clock.now.replace(day=22, hour=2)
    assert await chat.say("!myevents", "bob", **PRIVATE) == (
        "Your upcoming events (2):\n"
        "#1 Jam · Sat 2026-11-21 20:00 PST (America/Los_Angeles) · every week · 1 going"
        " · you: going\n"
        "#1 Jam · Sat 2026-12-05 20:00 PST (America/Los_Angeles) · every week · 0 going · 1 maybe"
        " · you: maybe\n"
        "Can't make it? !rsvp 1@2026-11-21 no"
    )


async def test_a_long_list_is_cut_at_ten(database: Database) -> None:
    chat = Chat(database)
    for day in range(1, 13):
        await chat.say(f"!newevent Day {day} | 2026-12-{day:02} 18:00", "olga")
        await chat.say(f"!rsvp {day}", "bob")
    listed = (await chat.say("!myevents", "bob", **PRIVATE)).splitlines()
    assert listed[0] == "Your upcoming events (12), page 1 of 2:"
    assert [row.split(" · ")[0] for row in listed[1:11]] == [f"#{n} Day {n}" for n in range(1, 11)]
    assert listed[11:] == ["… 2 more: !myevents 2", "Can't make it? !rsvp 1 no"]
