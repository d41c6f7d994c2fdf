"""One event in more channels (`announce`, `unlink`), through the chat harness on SQLite and
PostgreSQL. The harness's clock reads Sat 2026-11-21 12:00 UTC; the event is the next day at
18:00, so its default reminders (1d, 1h) are due Sat 18:00 and Sun 17:00."""

from __future__ import annotations

import pytest

from bot.domain import ChannelKind, ChannelRef, UserRef
from bot.ports import Undeliverable
from bot.replies import Reply, ReplyKind
from storage import Database
from tests.harness import Chat, FakeNetwork

CARD = (
    "#1 Coffee · Sun 2026-11-22 18:00 UTC · Café Nero · {counts}\n"
    "RSVP: !rsvp 1  ·  details: !event 1"
)


@pytest.fixture
async def chat(database: Database) -> Chat:
    chat = Chat(database)
    created = await chat.say("!newevent Coffee | tomorrow 18:00 | Café Nero | limit=2", "olga")
    assert created.startswith("Created #1 Coffee")
    return chat


def announced_in(details: str) -> str:
    return next(x for x in details.splitlines() if x.startswith("Announced in: "))


async def at(chat: Chat, day: int, hour: int, channel: str) -> list[str]:
    """Move the clock to that November time, run what is due, return what ``channel`` got."""
    before = len(chat.network.posted_in(channel))
    chat.clock.now = chat.clock.now.replace(day=day, hour=hour, minute=0)
    await chat.deliver()
    return chat.network.posted_in(channel)[before:]


class BrokenNetwork(FakeNetwork):
    async def send(self, target: UserRef | ChannelRef, reply: Reply) -> None:
        raise Undeliverable("the bot is not in that channel", retry=False)


def irc_network(chat: Chat, name: str = "libera") -> FakeNetwork:
    network = FakeNetwork(platform="irc", network=name)
    chat.core.outbox.register(network)
    return network


# Announcing in the channel itself


async def test_announcing_in_a_second_channel_posts_the_card_and_links_it(chat: Chat) -> None:
    replies = await chat.replies("!announce 1", "olga", channel="#other")
    assert [r.kind for r in replies] == [ReplyKind.EVENT_CARD]
    assert await chat.say("!announce 1", "olga", channel="#second") == CARD.format(
        counts="0/2 going"
    )
    assert (await chat.say("!events", channel="#other")).startswith(
        "Upcoming events (1):\n#1 Coffee"
    )
    assert announced_in(await chat.say("!event 1", channel="#other")) == (
        "Announced in: #main (test:net), #other (test:net), #second (test:net)"
    )


async def test_announcing_again_where_it_is_linked_posts_the_card_again(chat: Chat) -> None:
    assert await chat.say("!announce 1", "olga") == "Already announced here: " + CARD.format(
        counts="0/2 going"
    )
    assert announced_in(await chat.say("!event 1")) == "Announced in: #main (test:net)"


async def test_rsvps_from_both_channels_count_against_one_limit(chat: Chat) -> None:
    await chat.say("!announce 1", "olga", channel="#other")
    assert (await chat.say("!rsvp 1", "bob")).startswith("bob: you're going")
    assert (await chat.say("!rsvp 1", "carol", channel="#other")).startswith("carol: you're going")
    assert (await chat.say("!rsvp 1", "dave", channel="#other")).startswith(
        "dave: #1 Coffee is full, so you're on the waitlist at position 1."
    )
    assert (await chat.say("!who 1")).splitlines()[1:] == [
        "Going (2): bob, carol",
        "Waitlist (1): 1. dave",
    ]


async def test_a_reminder_reaches_every_linked_channel_until_one_is_unlinked(chat: Chat) -> None:
    await chat.say("!announce 1", "olga", channel="#other")
    reminder = "Reminder: #1 Coffee starts in 1 day.\n"
    assert [p[: len(reminder)] for p in await at(chat, 21, 18, "#main")] == [reminder]
    assert [p[: len(reminder)] for p in chat.network.posted_in("#other")] == [reminder]

    assert await chat.say("!unlink 1", "olga", channel="#other") == (
        "#1 Coffee is no longer announced here: no more reminders or start post in this "
        "channel. RSVPs already given still count."
    )
    assert (await at(chat, 22, 17, "#main"))[0].startswith("Reminder: #1 Coffee starts in 1 h.")
    assert await at(chat, 22, 18, "#main") == ["Starting now: #1 Coffee at Café Nero.\n0/2 going"]
    assert len(chat.network.posted_in("#other")) == 1
    assert (await chat.say("!events", channel="#other")).startswith("No upcoming events here.")


async def test_a_channel_announced_in_later_gets_the_start_post(chat: Chat) -> None:
    await at(chat, 22, 17, "#main")
    await chat.say("!announce 1", "olga", channel="#other")
    assert await at(chat, 22, 18, "#other") == ["Starting now: #1 Coffee at Café Nero.\n0/2 going"]


# Who may


async def test_a_plain_member_cannot_announce_someone_elses_event(chat: Chat) -> None:
    assert await chat.say("!announce 1", "bob", channel="#other") == (
        "Only the organizer (olga), an admin of this channel or a bot admin can announce #1 here."
    )
    assert announced_in(await chat.say("!event 1")) == "Announced in: #main (test:net)"


async def test_an_admin_of_the_channel_may_announce_and_unlink_there(chat: Chat) -> None:
    chat.make_channel_admin("bob", "#other")
    assert await chat.say("!announce 1", "bob", channel="#other") == CARD.format(counts="0/2 going")
    assert (await chat.say("!unlink 1", "bob", channel="#other")).startswith(
        "#1 Coffee is no longer announced here"
    )


async def test_announcing_in_your_own_channel_gives_no_say_over_the_event(chat: Chat) -> None:
    """Anyone may make a group or an IRC channel and be its admin: announcing an event there
    must not let them edit, cancel or message it."""
    await chat.say("!rsvp 1", "bob")
    chat.make_channel_admin("mallory", "#evil")
    await chat.say("!announce 1", "mallory", channel="#evil")
    before = await chat.say("!event 1")
    told = chat.network.sent_to("id-bob")
    for command in ["!edit 1 title=CANCELLED - go home", "!cancel 1 haha", "!notify 1 spam"]:
        verb = command.split()[0].lstrip("!")
        assert await chat.say(command, "mallory", channel="#evil") == (
            f"Only the organizer (olga) or an admin can {verb} #1."
        )
    assert await chat.say("!event 1") == before
    assert chat.network.sent_to("id-bob") == told
    assert (await chat.say("!unlink 1", "mallory", channel="#evil")).startswith(
        "#1 Coffee is no longer announced here"
    )


async def test_an_unverified_person_cannot_announce_even_as_a_channel_admin(chat: Chat) -> None:
    chat.make_channel_admin("bob", "#other")
    answer = await chat.say("!announce 1", "bob", channel="#other", verified=False)
    assert answer.startswith("Only people logged in to their network's services can announce")


async def test_a_config_admin_may_announce_anywhere(database: Database) -> None:
    chat = Chat(database, admins=("test:net:id-carol",))
    await chat.say("!newevent Coffee | tomorrow 18:00 | Café Nero | limit=2", "olga")
    libera = irc_network(chat)
    answer = await chat.say("!announce 1 irc:libera/#dev", "carol", kind=ChannelKind.DIRECT)
    assert answer == "#1 Coffee:\nirc:libera/#dev: announced, card posted."
    assert len(libera.sent) == 1


# Channels named from elsewhere


async def test_named_channels_get_the_card_and_unknown_networks_are_reported(chat: Chat) -> None:
    libera = irc_network(chat)
    telegram = FakeNetwork(platform="telegram", network="telegram")
    chat.core.outbox.register(telegram)
    answer = await chat.say(
        "!announce 1 irc:libera/#Dev | irc:efnet/#dev telegram:-100123",
        "olga",
        channel="olga",
        kind=ChannelKind.DIRECT,
    )
    assert answer == (
        "#1 Coffee:\n"
        "irc:libera/#Dev: announced, card posted.\n"
        "irc:efnet/#dev: not announced: no network irc:efnet runs here.\n"
        "telegram:-100123: announced, card posted."
    )
    [(target, card)] = libera.sent
    assert target == ChannelRef("irc", "libera", "#dev")
    assert card.kind is ReplyKind.EVENT_CARD
    assert [t.id for t, _ in telegram.sent] == ["-100123"]
    assert announced_in(await chat.say("!event 1")) == (
        "Announced in: #main (test:net), #dev (irc:libera), -100123 (telegram)"
    )
    # Reminders go to the IRC channel too.
    await at(chat, 21, 18, "#main")
    assert libera.sent[-1][1].plain_text.startswith("Reminder: #1 Coffee starts in 1 day.")

    again = await chat.say("!announce 1 irc:libera/#dev", "olga")
    assert again == "#1 Coffee:\nirc:libera/#dev: already announced there; card posted again."
    unlinked = await chat.say("!unlink 1 irc:libera/#dev irc:libera/#nowhere", "olga")
    assert unlinked == (
        "#1 Coffee:\n"
        "irc:libera/#dev: no longer announced there.\n"
        "irc:libera/#nowhere: was not announced there."
    )


async def test_a_channel_the_card_cannot_reach_is_not_linked(chat: Chat) -> None:
    chat.core.outbox.register(BrokenNetwork(platform="irc", network="oftc"))
    answer = await chat.say("!announce 1 irc:oftc/#dev", "olga")
    assert answer == (
        "#1 Coffee:\nirc:oftc/#dev: not announced: the card could not be posted "
        "(the bot is not in that channel)."
    )
    assert announced_in(await chat.say("!event 1")) == "Announced in: #main (test:net)"


async def test_only_the_organizer_or_a_config_admin_may_name_channels(chat: Chat) -> None:
    libera = irc_network(chat)
    chat.make_channel_admin("bob")
    answer = await chat.say("!announce 1 irc:libera/#dev", "bob")
    assert answer == (
        "Only the organizer (olga) or a bot admin can announce #1 in channels named from "
        "elsewhere (I can't check who is an admin there). An admin of that channel can run "
        "!announce 1 in it."
    )
    assert libera.sent == []


# Refusals


async def test_a_cancelled_or_finished_event_cannot_be_announced(chat: Chat) -> None:
    await chat.say("!newevent Lunch | tomorrow 12:00", "olga")
    await chat.say("!cancel 2", "olga")
    assert await chat.say("!announce 2", "olga", channel="#other") == (
        "#2 Lunch was cancelled, so there is nothing to announce."
    )
    chat.clock.advance(days=2)
    assert await chat.say("!announce 1", "olga", channel="#other") == (
        "#1 Coffee is already over, so there is nothing to announce."
    )


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        pytest.param(
            "!announce",
            "Which event? Give its number.\n"
            "Usage: !announce ID [telegram:CHAT_ID | irc:NETWORK/#channel ...] · e.g. "
            "!announce 12",
            id="no-number",
        ),
        pytest.param(
            "!announce 1 #dev",
            "'#dev' is not a channel: write telegram:CHAT_ID or irc:NETWORK/#channel.\n"
            "Usage: !announce ID [telegram:CHAT_ID | irc:NETWORK/#channel ...] · e.g. "
            "!announce 12",
            id="bare-channel",
        ),
        pytest.param(
            "!announce 1 irc:#dev",
            "'irc:#dev' is not an IRC channel: name the network and the channel, e.g. "
            "irc:libera/#dev.\n"
            "Usage: !announce ID [telegram:CHAT_ID | irc:NETWORK/#channel ...] · e.g. "
            "!announce 12",
            id="irc-without-network",
        ),
        pytest.param(
            "!announce 9",
            "There is no event #9. See !events for the events in this channel.\n"
            "Usage: !announce ID [telegram:CHAT_ID | irc:NETWORK/#channel ...] · e.g. "
            "!announce 12",
            id="unknown-event",
        ),
        pytest.param(
            "!unlink 1",
            "#1 Coffee was created in this channel, so it stays here. "
            "To call it off everywhere: !cancel 1",
            id="origin",
        ),
        pytest.param(
            "!unlink 1 telegram:abc",
            "'telegram:abc' is not a Telegram chat: give the chat's number, e.g. "
            "telegram:-1001234567890.\n"
            "Usage: !unlink ID [telegram:CHAT_ID | irc:NETWORK/#channel ...] · e.g. !unlink 12",
            id="unlink-bad-target",
        ),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_stored(
    chat: Chat, text: str, answer: str
) -> None:
    assert await chat.say(text, "olga") == answer
    assert announced_in(await chat.say("!event 1")) == "Announced in: #main (test:net)"


async def test_unlinking_where_it_is_not_announced_says_so(chat: Chat) -> None:
    assert await chat.say("!unlink 1", "olga", channel="#other") == (
        "#1 Coffee is not announced here."
    )


async def test_announce_in_a_private_chat_needs_named_channels(chat: Chat) -> None:
    answer = await chat.say("!announce 1", "olga", channel="olga", kind=ChannelKind.DIRECT)
    assert answer.startswith(
        "This is a private chat: run it in the group channel, or name the channels, e.g. "
        "!announce 1 irc:libera/#dev."
    )
