"""Commands that only read use a read-only unit of work: on SQLite it neither takes nor waits
for the write lock that RSVPs hold while they count seats."""

from __future__ import annotations

import pytest

from adapters.console.render import render_plain
from bot.domain import ChannelKind, ChannelRef, IncomingMessage
from storage import Database
from tests.harness import Chat


async def test_reading_goes_on_while_someone_holds_the_seat_lock(database: Database) -> None:
    chat = Chat(database)
    await chat.say("!newevent Coffee | tomorrow 18:00 | Café Nero | limit=2", "olga")
    await chat.say("!rsvp 1", "bob")
    async with database.unit_of_work() as writer:
        # The write lock (SQLite) or the event's row lock (PostgreSQL), as an RSVP takes it.
        await writer.events.get(1, for_update=True)
        await writer.rsvps.seats_taken(1)
        who = await chat.say("!who 1")
        details = await chat.say("!event 1")
    assert "Going (1): bob" in who
    assert "Attendance: 1/2 going" in details


async def test_a_read_only_unit_of_work_cannot_commit(database: Database) -> None:
    async with database.unit_of_work(read_only=True) as uow:
        await uow.events.get(1)
        with pytest.raises(RuntimeError, match="read-only"):
            await uow.commit()


async def test_events_remembers_a_new_channel_and_a_new_title(database: Database) -> None:
    chat = Chat(database)
    first = ChannelRef("test", "net", "#fresh", ChannelKind.GROUP, "Fresh")
    renamed = ChannelRef("test", "net", "#fresh", ChannelKind.GROUP, "Fresh and new")
    for channel in (first, first, renamed):
        message = IncomingMessage(chat.user("bob"), channel, "!events", chat.clock.now)
        [answer] = await chat.core.handle(message)
        assert render_plain(answer).startswith("No upcoming events here.")
        async with database.unit_of_work(read_only=True) as uow:
            row = await uow.channels.find(channel)
            assert row is not None
            assert row.title == channel.title
