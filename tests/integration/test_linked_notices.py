"""An edit or a cancellation is posted in every other channel the event is announced in
(issue 6 item 2), through the chat harness on SQLite and PostgreSQL. The channel the command
was given in reads its reply, not a notice as well."""

from __future__ import annotations

import pytest

from storage import Database
from tests.harness import Chat


@pytest.fixture
async def chat(database: Database) -> Chat:
    chat = Chat(database)
    await chat.say("!newevent Coffee | tomorrow 18:00 | Café Nero | limit=2", "olga")
    await chat.say("!announce 1", "olga", channel="#other")
    await chat.say("!announce 1", "olga", channel="#third")
    return chat


async def test_an_edit_is_posted_in_the_other_linked_channels(chat: Chat) -> None:
    answer = await chat.say("!edit 1 where=Room 2", "olga")
    assert answer.startswith("Updated #1 Coffee: where → Room 2.")
    notice = (
        "#1 Coffee has changed: where → Room 2\n"
        "#1 Coffee · Sun 2026-11-22 18:00 UTC · Room 2 · 0/2 going"
    )
    assert chat.network.posted_in("#other") == chat.network.posted_in("#third") == [notice]
    assert chat.network.posted_in("#main") == []


async def test_a_cancellation_from_an_announced_channel_reaches_the_one_it_was_created_in(
    chat: Chat,
) -> None:
    answer = await chat.say("!cancel 1 the venue is closed", "olga", channel="#other")
    assert answer.startswith("Cancelled #1 Coffee")
    notice = "#1 Coffee (Sun 2026-11-22 18:00 UTC) is cancelled. Reason: the venue is closed"
    assert chat.network.posted_in("#main") == chat.network.posted_in("#third") == [notice]
    assert chat.network.posted_in("#other") == []
