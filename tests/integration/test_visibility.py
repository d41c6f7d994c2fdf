"""Who sees an event, through the chat harness on SQLite and PostgreSQL: a group sees what is
announced in it; a private chat shows what the person organizes, answered, or could read in a
channel they are in. Event numbers are easy to guess, so the number alone shows nothing.

olga creates #1 in #main on the first network (`test:net`); #other is another group there;
`on="other"` is the second network (`other:net2`). Everyone is in every channel unless a test
says `chat.leave(...)`."""

from __future__ import annotations

import pytest

from bot.domain import ChannelKind, Choice
from storage import Database
from tests.harness import Chat

DIRECT = ChannelKind.DIRECT
NOT_HERE = (
    "#1 is not announced in this channel. See !events for the ones that are; its organizer "
    "can post it here with !announce 1."
)


def not_for_you(command: str) -> str:
    return (
        "#1 is shown only in the channels it is announced in, and I can't see you in one of "
        f"them. Ask there, e.g. !{command} 1."
    )


@pytest.fixture
async def chat(database: Database) -> Chat:
    chat = Chat(database)
    created = await chat.say("!newevent Coffee | tomorrow 18:00 | limit=5", "olga")
    assert created.startswith("Created #1 Coffee")
    assert (await chat.say("!rsvp 1 +0 I bring the cake", "alice")).startswith("alice: you're")
    return chat


async def private(chat: Chat, text: str, who: str, *, on: str = "test") -> str:
    return await chat.say(text, who, channel=who, kind=DIRECT, on=on)


# In a group


@pytest.mark.parametrize("command", ["event 1", "who 1", "rsvp 1", "unrsvp 1", "remindme 1"])
async def test_a_group_is_not_shown_an_event_announced_elsewhere(chat: Chat, command: str) -> None:
    assert await chat.say(f"!{command}", "mallory", channel="#other") == NOT_HERE


async def test_an_answer_from_a_group_it_is_not_announced_in_is_not_stored(chat: Chat) -> None:
    await chat.say("!rsvp 1", "mallory", channel="#other")
    await chat.say("!remindme 1", "mallory", channel="#other")
    assert "mallory" not in await chat.say("!who 1")
    assert await chat.say("!myevents", "mallory", channel="mallory", kind=DIRECT) == (
        "You haven't said yes or maybe to any upcoming event. Answer one in its channel: !rsvp ID"
    )


async def test_even_the_organizer_and_a_bot_admin_do_not_show_it_in_another_group(
    database: Database,
) -> None:
    chat = Chat(database, admins=("test:net:id-carol",))
    await chat.say("!newevent Coffee | tomorrow 18:00", "olga")
    # Everyone in #other would read the list: the organizer announces it there first.
    assert await chat.say("!who 1", "olga", channel="#other") == NOT_HERE
    assert await chat.say("!who 1", "carol", channel="#other") == NOT_HERE


async def test_once_announced_in_a_group_everyone_there_sees_and_answers_it(chat: Chat) -> None:
    assert (await chat.say("!announce 1", "olga", channel="#other")).startswith("#1 Coffee")
    assert (await chat.say("!rsvp 1", "bob", channel="#other")).startswith(
        "bob: you're going to #1 Coffee"
    )
    who = await chat.say("!who 1", "mallory", channel="#other")
    assert "alice (I bring the cake)" in who
    assert "bob" in who
    await chat.say("!unlink 1", "olga", channel="#other")
    assert await chat.say("!who 1", "mallory", channel="#other") == NOT_HERE


async def test_a_button_on_a_card_left_in_a_group_it_was_taken_out_of_is_refused(
    chat: Chat,
) -> None:
    await chat.say("!announce 1", "olga", channel="#other")
    await chat.say("!unlink 1", "olga", channel="#other")
    toast = await chat.core.press(chat.user("bob"), chat.channel("#other"), 1, Choice.GOING)
    assert toast.startswith("#1 is not announced in this channel.")
    assert "bob" not in await chat.say("!who 1")


async def test_an_unknown_event_is_still_called_unknown(chat: Chat) -> None:
    assert (await chat.say("!who 9", "mallory", channel="#other")).startswith(
        "There is no event #9."
    )


# In a private chat


async def test_someone_in_a_channel_that_announces_it_sees_and_answers_it_privately(
    chat: Chat,
) -> None:
    assert "alice (I bring the cake)" in await private(chat, "!who 1", "bob")
    assert (await private(chat, "!rsvp 1 maybe", "bob")).startswith("bob: you're a maybe")
    assert (await private(chat, "!event 1", "bob")).startswith("#1 Coffee")


@pytest.mark.parametrize("command", ["event 1", "who 1", "rsvp 1", "remindme 1", "ics 1"])
async def test_someone_in_none_of_its_channels_is_not_shown_it_privately(
    chat: Chat, command: str
) -> None:
    chat.leave("mallory")
    name = command.split()[0]
    assert await private(chat, f"!{command}", "mallory") == not_for_you(name)
    assert "mallory" not in await chat.say("!who 1")


async def test_who_answered_or_organizes_it_still_sees_it_after_leaving_its_channel(
    chat: Chat,
) -> None:
    chat.leave("alice")
    chat.leave("olga")
    assert (await private(chat, "!unrsvp 1", "alice")).startswith("alice: you're not going")
    # A "no" is an answer too: alice can change her mind.
    assert (await private(chat, "!rsvp 1", "alice")).startswith("alice: you're going")
    assert "alice" in await private(chat, "!who 1", "olga")


async def test_a_bot_admin_sees_every_event_privately(database: Database) -> None:
    chat = Chat(database, admins=("test:net:id-carol",))
    await chat.say("!newevent Coffee | tomorrow 18:00", "olga")
    chat.leave("carol")
    assert (await private(chat, "!who 1", "carol")).startswith("#1 Coffee")


async def test_being_in_a_channel_on_another_network_shows_nothing_there(chat: Chat) -> None:
    """Only a network can say who is in its channels: a member of #main on the first
    network is not known to be one from the second."""
    assert await private(chat, "!who 1", "bob", on="other") == not_for_you("who")
    announced = await chat.say("!announce 1 other:net2/#x", "olga")
    assert announced.endswith("announced, card posted.")
    assert "alice" in await private(chat, "!who 1", "bob", on="other")


# Bringing an event into a group


async def test_a_channel_admin_brings_here_only_an_event_they_could_see(chat: Chat) -> None:
    chat.make_channel_admin("dora", "#other")
    chat.leave("dora")
    assert await chat.say("!announce 1", "dora", channel="#other") == (
        "#1 is announced only in channels I can't see you in, so you can't bring it here. "
        "Its organizer can, with !announce 1 here."
    )
    assert await chat.say("!who 1", "dora", channel="#other") == NOT_HERE
    chat.make_channel_admin("erin", "#other")  # erin is in #main too
    assert (await chat.say("!announce 1", "erin", channel="#other")).startswith("#1 Coffee")
    assert "alice" in await chat.say("!who 1", "dora", channel="#other")
