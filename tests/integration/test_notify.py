"""`notify`: the organizer's message reaches everyone coming, privately and once, through the
chat harness on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.domain import ChannelRef, UserRef
from bot.ports import Undeliverable
from bot.replies import Reply
from storage import Database
from tests.harness import Chat, FakeNetwork

MESSAGE = "!notify 1 We're in room 2B this time.\nBring a laptop!"
RECEIVED = (
    "Message about #1 Coffee from olga:\n"
    "We're in room 2B this time.\n"
    "Bring a laptop!\n"
    "#1 Coffee · Sun 2026-11-22 18:00 UTC · Café Nero · 2/2 going · 1 waitlisted · 1 maybe"
)


@pytest.fixture
async def chat(database: Database) -> Chat:
    chat = Chat(database)
    await chat.say("!newevent Coffee | tomorrow 18:00 | Café Nero | limit=2", "olga")
    for who, answer in [
        ("bob", "yes"),
        ("carol", "maybe"),
        ("erin", "yes"),
        ("dave", "yes"),  # waitlisted: two seats
        ("frank", "no"),
    ]:
        await chat.say(f"!rsvp 1 {answer}", who)
    return chat


def everyone_told(chat: Chat) -> dict[str, list[str]]:
    names = ["olga", "bob", "carol", "erin", "dave", "frank"]
    return {name: chat.network.sent_to(f"id-{name}") for name in names}


async def test_everyone_coming_gets_the_message_privately_once(chat: Chat) -> None:
    before = everyone_told(chat)
    answer = await chat.say(MESSAGE, "olga")
    assert answer == (
        "Sending your message about #1 Coffee to 4 people privately.\n"
        "Everyone who said yes or maybe, or is on the waitlist, gets it once."
    )
    await chat.deliver()  # a second look at what is due sends nothing again
    told = everyone_told(chat)
    new = {name: told[name][len(before[name]) :] for name in told}
    assert new == {
        "olga": [],
        "bob": [RECEIVED],
        "carol": [RECEIVED],
        "erin": [RECEIVED],
        "dave": [RECEIVED],
        "frank": [],
    }
    assert chat.network.posted_in("#main")[-1:] != [RECEIVED]  # private, not in the group


async def test_only_the_organizer_or_an_admin_may_send_one(chat: Chat) -> None:
    before = everyone_told(chat)
    assert await chat.say("!notify 1 free beer", "bob") == (
        "Only the organizer (olga) or an admin can notify #1."
    )
    assert everyone_told(chat) == before
    chat.make_channel_admin("mallory")
    answer = await chat.say("!notify 1 The door code is 4711.", "mallory")
    assert answer.startswith("Sending your message about #1 Coffee to 4 people privately.")
    assert chat.network.sent_to("id-bob")[-1].startswith(
        "Message about #1 Coffee from mallory:\nThe door code is 4711.\n"
    )


async def test_a_cancelled_event_or_nobody_coming_sends_nothing(database: Database) -> None:
    chat = Chat(database)
    await chat.say("!newevent Coffee | tomorrow 18:00", "olga")
    assert await chat.say("!notify 1 hello?", "olga") == (
        "Nobody else has said yes or maybe to #1 Coffee yet: nothing sent."
    )
    await chat.say("!rsvp 1", "bob")
    await chat.say("!cancel 1 rain", "olga")
    before = chat.network.sent_to("id-bob")
    answer = await chat.say("!notify 1 hello?", "olga")
    assert answer == "#1 Coffee was cancelled."
    assert chat.network.sent_to("id-bob") == before


async def test_a_repeating_event_tells_every_date_ahead_or_the_date_given(
    database: Database,
) -> None:
    chat = Chat(database)
    await chat.say("!newevent Coffee | tomorrow 18:00 | repeat=weekly", "olga")
    await chat.say("!rsvp 1@2026-11-22", "bob")
    await chat.say("!rsvp 1@2026-11-29", "carol")
    await chat.say("!rsvp 1@2026-11-29 no", "dave")
    answer = await chat.say("!notify 1 New place from now on: Café Nero.", "olga")
    assert answer.startswith("Sending your message about #1 Coffee to 2 people")
    answer = await chat.say("!notify 1@2026-11-29 That one is at 19:00.", "olga")
    assert answer.startswith(
        "Sending your message about #1 Coffee on Sun 2026-11-29 18:00 UTC to 1 person"
    )
    assert [m.splitlines()[1] for m in chat.network.sent_to("id-bob")[-1:]] == [
        "New place from now on: Café Nero."
    ]
    assert [m.splitlines()[1] for m in chat.network.sent_to("id-carol")[-2:]] == [
        "New place from now on: Café Nero.",
        "That one is at 19:00.",
    ]
    assert chat.network.sent_to("id-dave") == []


@dataclass
class Offline(FakeNetwork):
    """A network whose people cannot be reached while ``offline``."""

    offline: bool = True

    async def send(self, target: UserRef | ChannelRef, reply: Reply) -> None:
        if self.offline:
            raise Undeliverable("not online", retry=True)
        await super().send(target, reply)


async def test_someone_offline_gets_it_when_they_are_back_and_not_after_the_event(
    chat: Chat,
) -> None:
    await chat.say("!announce 1 other:net2/#main", "olga")
    irc = Offline("other", "net2")
    chat.core.outbox.register(irc)
    await chat.say("!rsvp 1 maybe", "gina", on="other")
    await chat.say("!rsvp 1 maybe", "hank", on="other")
    await chat.say("!notify 1 Room 2B.", "olga")
    assert irc.sent == []
    irc.offline = False
    chat.clock.advance(minutes=30)  # past the first retries
    await chat.deliver()
    await chat.deliver()
    assert [text.splitlines()[1] for text in irc.sent_to("id-gina")] == ["Room 2B."]
    assert [text.splitlines()[1] for text in irc.sent_to("id-hank")] == ["Room 2B."]

    irc.offline = True
    await chat.say("!notify 1 Last call: bring a laptop.", "olga")
    chat.clock.now = chat.clock.now.replace(day=22, hour=21)  # the event is over
    irc.offline = False
    await chat.deliver()
    assert [text.splitlines()[1] for text in irc.sent_to("id-gina")] == ["Room 2B."]
