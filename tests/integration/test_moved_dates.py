"""An edit that changes an event's dates takes the answers along, through the chat harness
on SQLite and PostgreSQL: a weekly series moved to another weekday, made less frequent, a
one-off that starts repeating and a series that becomes a one-off."""

from __future__ import annotations

import pytest

from storage import Database
from tests.harness import Chat

# The harness's clock starts on Sat 2026-11-21 12:00 UTC; "tuesday" is the 24th.
TUESDAY = "#1 Coffee · Tue 2026-11-24 18:00 UTC · every week · Café"
WEDNESDAY = "#1 Coffee · Wed 2026-11-25 18:00 UTC · every week · Café"


@pytest.fixture
def chat(database: Database) -> Chat:
    return Chat(database)


async def tuesday_coffee(chat: Chat, options: str = "repeat=weekly") -> None:
    created = await chat.say(f"!newevent Coffee | tuesday 18:00 | Café | {options}", "olga")
    assert created.startswith("Created #1 Coffee · Tue 2026-11-24 18:00 UTC")


async def test_moving_a_weekly_series_to_wednesday_takes_answers_and_called_off_dates_along(
    chat: Chat,
) -> None:
    await tuesday_coffee(chat)
    await chat.say("!rsvp 1", "bob")
    await chat.say("!rsvp 1@2026-12-01 +1", "carol")
    await chat.say("!rsvp 1@2026-12-01 no", "dave")
    await chat.say("!cancel 1@2026-12-08 holidays", "olga")
    assert await chat.say("!edit 1 when=wednesday 18:00", "olga") == (
        "Updated #1 Coffee: when → Wed 2026-11-25 18:00 UTC.\n"
        "Answers moved with their dates: Tue 2026-11-24 → Wed 2026-11-25 (1), "
        "Tue 2026-12-01 → Wed 2026-12-02 (2).\n"
        "Still called off: Wed 2026-12-09 (was Tue 2026-12-08).\n"
        f"{WEDNESDAY} · 1 going\n"
        "RSVP: !rsvp 1  ·  details: !event 1"
    )
    assert (await chat.say("!who 1")).splitlines()[1:] == ["Going (1): bob"]
    assert (await chat.say("!who 1@2026-12-02")).splitlines()[1:] == [
        "Going (2): carol +1",
        "Can't make it (1): dave",
    ]
    assert "Next dates: Wed 2026-11-25, Wed 2026-12-02, Wed 2026-12-09 (cancelled)" in (
        await chat.say("!event 1")
    )
    assert (await chat.say("!rsvp 1@2026-12-09", "erin")).startswith(
        "#1 Coffee on Wed 2026-12-09 is cancelled (holidays)."
    )
    # Each person who was coming reads where their answer went, under the date it is for
    # now; whoever said no is not bothered.
    assert chat.network.sent_to("id-bob") == [
        "#1 Coffee has changed: when → Wed 2026-11-25 18:00 UTC\n"
        "Your answer for Tue 2026-11-24 now counts for Wed 2026-11-25.\n"
        f"{WEDNESDAY} · 1 going"
    ]
    assert chat.network.sent_to("id-carol") == [
        "#1 Coffee has changed: when → Wed 2026-11-25 18:00 UTC\n"
        "Your answer for Tue 2026-12-01 now counts for Wed 2026-12-02.\n"
        "#1 Coffee · Wed 2026-12-02 18:00 UTC · every week · Café · 2 going"
    ]
    assert chat.network.sent_to("id-dave") == []
    assert (await chat.say("!myevents", "bob")).splitlines()[1] == (
        f"{WEDNESDAY} · 1 going · you: going"
    )


async def test_every_two_weeks_keeps_the_dates_that_stay_and_asks_the_others_to_answer_again(
    chat: Chat,
) -> None:
    await tuesday_coffee(chat)
    await chat.say("!rsvp 1", "bob")
    await chat.say("!rsvp 1@2026-12-01", "bob")
    await chat.say("!rsvp 1@2026-12-01 maybe", "carol")
    assert await chat.say("!edit 1 repeat=every 2 weeks", "olga") == (
        "Updated #1 Coffee: repeat → every 2 weeks.\n"
        "No new date near Tue 2026-12-01: 2 answers removed. "
        "Whoever was coming was told to answer again.\n"
        "#1 Coffee · Tue 2026-11-24 18:00 UTC · every 2 weeks · Café · 1 going\n"
        "RSVP: !rsvp 1  ·  details: !event 1"
    )
    assert (await chat.say("!who 1")).splitlines()[1:] == ["Going (1): bob"]
    gone = (
        "Tue 2026-12-01 is no longer one of its dates, so your answer for it was removed: "
        "answer again if you can come on another."
    )
    for person in ("bob", "carol"):
        assert chat.network.sent_to(f"id-{person}") == [
            f"#1 Coffee has changed: repeat → every 2 weeks\n{gone}\n"
            "#1 Coffee · Tue 2026-11-24 18:00 UTC · every 2 weeks · Café · 1 going"
        ]
    # What bob answered is what he reads: the 24th, and nothing for a date that is gone.
    assert (await chat.say("!myevents", "bob")).splitlines()[1].endswith("you: going")
    assert (await chat.say("!rsvp 1@2026-12-08 maybe", "carol")).startswith(
        "carol: you're a maybe for #1 Coffee on Tue 2026-12-08."
    )


async def test_a_one_off_event_that_starts_repeating_keeps_its_answers_without_a_word(
    chat: Chat,
) -> None:
    await tuesday_coffee(chat, "limit=1")
    await chat.say("!rsvp 1", "bob")
    await chat.say("!rsvp 1", "carol")
    assert await chat.say("!edit 1 repeat=weekly", "olga") == (
        "Updated #1 Coffee: repeat → every week.\n"
        f"{TUESDAY} · 1/1 going · 1 waitlisted\n"
        "RSVP: !rsvp 1  ·  details: !event 1"
    )
    assert (await chat.say("!who 1")).splitlines()[1:] == [
        "Going (1): bob",
        "Waitlist (1): 1. carol",
    ]
    assert chat.network.sent_to("id-bob") == []  # the date did not change: nothing to tell
    # The waitlist is that date's: a seat freed there goes to carol.
    assert (await chat.say("!unrsvp 1", "bob")).splitlines()[1] == (
        "Off the waitlist and now going: carol."
    )


async def test_a_series_that_becomes_a_one_off_keeps_the_answers_of_its_date(
    chat: Chat,
) -> None:
    await tuesday_coffee(chat)
    await chat.say("!rsvp 1", "bob")
    await chat.say("!rsvp 1@2026-12-01", "carol")
    reply = await chat.say("!edit 1 repeat=none", "olga")
    assert reply.splitlines()[0] == "Updated #1 Coffee: repeat → none (happens once)."
    assert reply.splitlines()[1] == "No new date near Tue 2026-12-01: 1 answer removed. " + (
        "Whoever was coming was told to answer again."
    )
    assert (await chat.say("!who 1")).splitlines() == [
        "#1 Coffee · Tue 2026-11-24 18:00 UTC · Café · 1 going",
        "Going (1): bob",
    ]


async def test_a_new_date_with_a_higher_limit_serves_the_waitlist_that_moved_with_it(
    chat: Chat,
) -> None:
    await tuesday_coffee(chat, "limit=1 repeat=weekly")
    await chat.say("!rsvp 1", "bob")
    await chat.say("!rsvp 1", "carol")
    reply = await chat.say("!edit 1 when=wednesday 18:00 limit=2", "olga")
    assert reply.splitlines()[1:3] == [
        "Answers moved with their dates: Tue 2026-11-24 → Wed 2026-11-25 (2).",
        "Off the waitlist and now going: carol.",
    ]
    assert (await chat.say("!who 1")).splitlines()[1:] == ["Going (2): bob, carol"]


async def test_a_late_evening_moved_past_midnight_moves_every_answer_a_day_on(
    chat: Chat,
) -> None:
    # Each date's answers go to the next day, whose own answers move on in turn: the
    # same person on every date must not clash with themselves on the way.
    created = await chat.say("!newevent Late | tomorrow 23:00 | Bar | repeat=daily", "olga")
    assert created.startswith("Created #1 Late · Sun 2026-11-22 23:00 UTC")
    for date in ("2026-11-22", "2026-11-23", "2026-11-24"):
        await chat.say(f"!rsvp 1@{date}", "bob")
    await chat.say("!rsvp 1@2026-11-24", "carol")
    reply = await chat.say("!edit 1 when=2026-11-23 00:30", "olga")
    assert reply.splitlines()[1] == (
        "Answers moved with their dates: Sun 2026-11-22 → Mon 2026-11-23 (1), "
        "Mon 2026-11-23 → Tue 2026-11-24 (1), Tue 2026-11-24 → Wed 2026-11-25 (2)."
    )
    assert (await chat.say("!who 1@2026-11-25")).splitlines()[1:] == ["Going (2): bob, carol"]
    assert (await chat.say("!who 1@2026-11-23")).splitlines()[1:] == ["Going (1): bob"]
