"""RSVP buttons go through the same rules as `rsvp`, answer with a toast, and every network
is asked to refresh its cards of the event."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain import Choice
from storage import Database
from tests.harness import Chat


@pytest.fixture
async def chat(database: Database) -> Chat:
    chat = Chat(database)
    await chat.say("!newevent Coffee | tomorrow 18:00 | Café Nero | limit=3", "olga")
    return chat


async def press(chat: Chat, who: str, choice: Choice, event_id: int = 1) -> str:
    return await chat.core.press(chat.user(who), chat.channel(), event_id, choice)


async def test_buttons_answer_with_a_short_toast(chat: Chat) -> None:
    assert await press(chat, "bob", Choice.GOING) == "You're going"
    assert await press(chat, "bob", Choice.PLUS_ONE) == "You're going (+1)"
    assert await press(chat, "carol", Choice.GOING) == "You're going"
    assert await press(chat, "dave", Choice.GOING) == "Waitlisted, #1"
    assert await press(chat, "erin", Choice.MAYBE) == "You're a maybe"
    assert await press(chat, "bob", Choice.PLUS_ONE) == "Only 0 seats free: you stay going (+1)"
    assert await press(chat, "bob", Choice.NOT_GOING) == "You're not going"
    assert "Going (2): carol, dave" in await chat.say("!who 1")
    assert chat.network.sent_to("id-dave")[0].startswith("Good news, dave")


async def test_every_change_asks_the_networks_to_refresh_the_event(chat: Chat) -> None:
    await press(chat, "bob", Choice.GOING)
    await chat.say("!rsvp 1 +2", "carol")  # does not fit: waitlisted
    await chat.say("!edit 1 limit=5", "olga")
    seats = [(event.counts.seats, event.counts.waitlisted) for event in chat.network.changed]
    assert seats == [(1, 0), (1, 1), (4, 0)]


async def test_a_stale_button_changes_nothing_and_says_why(chat: Chat) -> None:
    await chat.say("!cancel 1", "olga")
    refreshes = len(chat.network.changed)
    assert await press(chat, "bob", Choice.GOING) == "#1 Coffee was cancelled."
    stale = await press(chat, "bob", Choice.GOING, event_id=99)
    # Commands in a toast carry the network's prefix, as in any reply.
    assert stale == "There is no event #99. See !events for the events in this channel."
    assert len(chat.network.changed) == refreshes
    # Nothing was stored, and a cancelled event invites nobody to be the first.
    assert (await chat.say("!who 1")).splitlines()[1:] == ["Nobody was going."]


async def test_remindme_and_the_remind_button_record_a_private_reminder(chat: Chat) -> None:
    answer = await chat.say("!remindme 1", "bob")
    assert answer.startswith(
        "bob: I'll remind you privately before #1 Coffee (1d,1h before it starts)."
    )
    assert await press(chat, "carol", Choice.REMIND) == "🔔 I'll remind you privately before #1"
    async with chat.core.database.unit_of_work() as uow:
        assert [p.display for p in await uow.reminders.people(1)] == ["bob", "carol"]
    assert await chat.say("!remindme 1 off", "bob") == "bob: no private reminders for #1 Coffee."
    async with chat.core.database.unit_of_work() as uow:
        assert [p.display for p in await uow.reminders.people(1)] == ["carol"]


async def test_cards_are_found_again_also_after_a_restart(chat: Chat) -> None:
    core = chat.core
    await core.remember_card(chat.channel("#main"), "10", 1)
    assert await core.cards_of(1, "test", "net") == [("#main", "10")]
    # Remembered after the list was read once: still part of it, in the order posted.
    await core.remember_card(chat.channel("#other"), "20", 1)
    await core.remember_card(chat.channel("#main"), "10", 1)  # the same card again
    assert await core.cards_of(1, "test", "net") == [("#main", "10"), ("#other", "20")]
    assert await core.cards_of(1, "test", "other-net") == []
    restarted = Chat(core.database).core
    assert await restarted.cards_of(1, "test", "net") == [("#main", "10"), ("#other", "20")]


async def test_a_card_remembered_while_the_cards_are_read_is_not_lost(chat: Chat) -> None:
    core = chat.core
    await asyncio.gather(
        core.cards_of(1, "test", "net"), core.remember_card(chat.channel(), "10", 1)
    )
    assert await core.cards_of(1, "test", "net") == [("#main", "10")]
