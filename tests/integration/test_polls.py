"""Finding a date (`poll`, `vote`, `pick`) through the chat harness on SQLite and PostgreSQL.

The harness's clock reads Sat 2026-11-21 12:00 UTC. Its first network is `test:net` (channel
#main); `on="other"` speaks from the second one, `other:net2` (channel #x)."""

from __future__ import annotations

import pytest

from bot.domain import ChannelKind, PollStatus
from storage import Database
from tests.harness import Chat

POLL = "!poll Coffee | tomorrow 18:00 | monday 19:00-21:00 | 2026-11-25 18:00"
CREATED = (
    "Created Poll 1: Coffee · by olga\n"
    "1. Sun 2026-11-22 18:00 UTC · no votes\n"
    "2. Mon 2026-11-23 19:00-21:00 UTC · no votes\n"
    "3. Wed 2026-11-25 18:00 UTC · no votes\n"
    "Vote for every time that suits you: !vote 1 1 3 · take your votes back: !vote 1 none"
)


@pytest.fixture
async def chat(database: Database) -> Chat:
    chat = Chat(database)
    assert await chat.say(POLL, "olga") == CREATED
    return chat


async def other(chat: Chat, text: str, who: str) -> str:
    """Say ``text`` in #x on the second network."""
    return await chat.say(text, who, on="other", channel="#x")


def announced_in(details: str) -> str:
    return next(x for x in details.splitlines() if x.startswith("Announced in: "))


# Creating and voting


async def test_the_tally_shows_each_time_with_its_voters_and_marks_the_leader(chat: Chat) -> None:
    assert await chat.say("!vote 1 1 3", "bob") == (
        "bob: your votes in poll 1 (Coffee): 1, 3.\n"
        "Votes so far: 1: 1, 2: 0, 3: 1. Who voted for what: !poll 1"
    )
    await other(chat, "!vote 1 3", "carol")
    assert await other(chat, "!poll 1", "dave") == (
        "Poll 1: Coffee · by olga\n"
        "1. Sun 2026-11-22 18:00 UTC · 1 vote: bob\n"
        "2. Mon 2026-11-23 19:00-21:00 UTC · no votes\n"
        "3. Wed 2026-11-25 18:00 UTC · 2 votes: bob, carol  ← leading\n"
        "Vote for every time that suits you: !vote 1 1 3 · take your votes back: !vote 1 none"
    )


async def test_a_vote_replaces_the_earlier_one_and_none_takes_it_back(chat: Chat) -> None:
    await chat.say("!vote 1 1 2", "bob")
    assert (await chat.say("!vote 1 3", "bob")).startswith(
        "bob: your votes in poll 1 (Coffee): 3.\nVotes so far: 1: 0, 2: 0, 3: 1."
    )
    assert (await chat.say("!vote 1 none", "bob")).startswith(
        "bob: you have no votes in poll 1 (Coffee) now.\nVotes so far: 1: 0, 2: 0, 3: 0."
    )
    await chat.say("!vote 1 2,3", "bob")
    assert (await chat.say("!vote 1 -", "bob")).startswith("bob: you have no votes")


async def test_a_vote_from_another_network_refreshes_the_cards_everywhere(chat: Chat) -> None:
    await other(chat, "!vote 1 2", "carol")
    for network in (chat.network, chat.other):
        assert [(p.id, [len(o.voters) for o in p.options]) for p in network.polls_changed] == [
            (1, [0, 1, 0])
        ]


async def test_details_after_the_times_go_to_the_event(chat: Chat) -> None:
    created = await chat.say(
        "!poll Meetup | 2026-12-05 18:00 | 2026-12-06 18:00 | where=Café Nero limit=20 "
        "tz=Europe/Warsaw",
        "olga",
    )
    assert created.splitlines()[1] == "1. Sat 2026-12-05 18:00 CET (Europe/Warsaw) · no votes"
    assert (await chat.say("!pick 2 2", "olga")).splitlines()[2] == (
        "#1 Meetup · Sun 2026-12-06 18:00 CET (Europe/Warsaw) · Café Nero · 0/20 going"
    )


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("!poll Coffee | tomorrow 18:00", "A poll needs 2 to 10 times to choose from (got 1)."),
        (
            "!poll Coffee | " + " | ".join(f"2026-12-{day:02} 18:00" for day in range(1, 12)),
            "A poll needs 2 to 10 times to choose from (got 11).",
        ),
        (
            "!poll Coffee | tomorrow 18:00 | yesterday 10:00",
            "Option 2: That time is in the past: Fri 2026-11-20 10:00 UTC "
            "(it is now Sat 2026-11-21 12:00 UTC).",
        ),
        (
            "!poll Coffee | tomorrow 18:00 | sometime soon",
            "Option 2: Can't understand the time 'sometime soon'. Try next friday 18:00, "
            "tomorrow 7pm, in 2 hours or YYYY-MM-DD 18:00.",
        ),
        (
            "!poll Coffee | sun 18:00 | tomorrow 6pm",
            "Options 1 and 2 are the same time (sun 18:00; tomorrow 6pm).",
        ),
        ("!poll | tomorrow 18:00 | sun 19:00", "The title is missing: give it before the first |."),
        (
            "!poll Coffee | tomorrow 18:00 | sun 19:00 | repeat=weekly",
            "repeat= does not go with a poll: each time is its own part (a range like "
            "18:00-20:00 gives the end). Details: where, url, description, limit, remind, tz.",
        ),
        (
            "!poll Coffee | tomorrow 18:00 | sun 19:00 | colour=red",
            "Unknown option 'colour'. Known options: where, url, description, limit, remind, tz.",
        ),
        (
            "!poll Coffee tomorrow",
            "Give a title and 2 to 10 times, separated by |, or a poll's number to see it.",
        ),
    ],
)
async def test_a_bad_poll_is_refused_with_the_reason_and_usage(
    chat: Chat, text: str, error: str
) -> None:
    said = await chat.say(text, "olga")
    assert said.splitlines() == [
        error,
        "Usage: !poll TITLE | WHEN | WHEN ... [| key=value ...] · e.g. "
        "!poll Developers Gathering | fri 18:00 | sat 10:00-12:00 | 2026-12-05 19:00",
    ]
    assert (await chat.say("!poll 2", "olga")).startswith("There is no poll 2.")


async def test_only_a_verified_person_can_start_a_poll(chat: Chat) -> None:
    said = await chat.say("!poll Coffee | sun 18:00 | mon 18:00", "mallory", verified=False)
    assert said.startswith("Only people logged in to their network's services can start polls")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("!vote 1 7", "Poll 1 has 3 options: there is no 7. Vote with numbers 1 to 3."),
        ("!vote 1", "Which options? Give their numbers, e.g. vote 1 1 3, or vote 1 none"),
        ("!vote 1 two", "'two' is not the number of an option in the poll (1, 2, …)."),
        ("!vote #1 2", "Polls are numbered on their own, without #: vote 1 …"),
        ("!vote 9 1", "There is no poll 9."),
    ],
)
async def test_a_bad_vote_is_refused_and_changes_nothing(chat: Chat, text: str, error: str) -> None:
    await chat.say("!vote 1 1", "bob")
    assert (await chat.say(text, "bob")).startswith(error)
    assert "1 vote: bob" in await chat.say("!poll 1")


# Picking


async def test_pick_creates_the_event_in_every_channel_the_poll_was_in(chat: Chat) -> None:
    await other(chat, "!vote 1 2", "carol")
    await chat.say("!vote 1 1", "dave", channel="#side")
    assert await chat.say("!pick 1 2", "olga") == (
        "Picked option 2 of poll 1 (1 vote): it is now event #1.\n"
        "Announced in: #main (test:net), #x (other:net2), #side (test:net)\n"
        "Telling 2 voters privately.\n"
        "#1 Coffee · Mon 2026-11-23 19:00-21:00 UTC · 0 going\n"
        "RSVP: !rsvp 1  ·  details: !event 1"
    )
    card = (
        "#1 Coffee · Mon 2026-11-23 19:00-21:00 UTC · 0 going\nRSVP: !rsvp 1  ·  details: !event 1"
    )
    assert chat.other.posted_in("#x") == [card]
    assert chat.network.posted_in("#side") == [card]
    assert announced_in(await other(chat, "!event 1", "carol")) == (
        "Announced in: #main (test:net), #x (other:net2), #side (test:net)"
    )
    assert (await other(chat, "!poll 1", "carol")).splitlines() == [
        "Poll 1: Coffee · by olga · picked: option 2 → event #1",
        "1. Sun 2026-11-22 18:00 UTC · 1 vote: dave",
        "2. Mon 2026-11-23 19:00-21:00 UTC · 1 vote: carol  ← picked",
        "3. Wed 2026-11-25 18:00 UTC · no votes",
        "RSVP: !rsvp 1  ·  details: !event 1",
    ]
    assert chat.network.polls_changed[-1].status is PollStatus.PICKED


async def test_voters_are_told_privately_once_and_whether_it_was_their_pick(chat: Chat) -> None:
    await chat.say("!vote 1 2 3", "bob")
    await other(chat, "!vote 1 1", "carol")
    await chat.say("!vote 1 2", "olga")
    await chat.say("!pick 1 2", "olga")
    assert await chat.deliver() == 0  # already sent, and only once
    assert chat.network.sent_to("id-bob") == [
        "Poll 1 is decided, on a time you voted for:\n"
        "#1 Coffee · Mon 2026-11-23 19:00-21:00 UTC · 0 going\n"
        "Coming? !rsvp 1  ·  details: !event 1"
    ]
    assert chat.other.sent_to("id-carol") == [
        "Poll 1 is decided, on a time you did not vote for:\n"
        "#1 Coffee · Mon 2026-11-23 19:00-21:00 UTC · 0 going\n"
        "If you can make it after all: !rsvp 1  ·  details: !event 1"
    ]
    assert chat.network.sent_to("id-olga") == []  # she picked it


async def test_a_time_nobody_voted_for_may_be_picked_and_the_reply_says_so(chat: Chat) -> None:
    await chat.say("!vote 1 1", "bob")
    assert (await chat.say("!pick 1 3", "olga")).startswith(
        "Picked option 3 of poll 1 (no votes for it): it is now event #1."
    )


async def test_a_picked_poll_takes_no_more_votes_or_picks(chat: Chat) -> None:
    await chat.say("!pick 1 1", "olga")
    refused = "Poll 1 is decided: option 1 became event #1. Coming? !rsvp 1"
    assert await chat.say("!vote 1 2", "carol") == refused
    assert await chat.say("!pick 1 2", "olga") == refused
    assert (await other(chat, "!vote 1 2", "carol")).startswith(
        "Poll 1 is decided: option 1 became event #1. #1 is not announced in this channel."
    )
    assert (await chat.say("!events")).startswith("Upcoming events (1):")


async def test_a_decided_poll_points_at_the_event_only_where_it_can_be_answered(
    chat: Chat,
) -> None:
    await chat.say("!pick 1 1", "olga")
    # A channel the poll never was in did not get the event: `rsvp 1` there is refused, so
    # neither the card nor a late vote suggests it.
    not_here = (
        "#1 is not announced in this channel. See !events for the ones that are; its "
        "organizer can post it here with !announce 1."
    )
    card = (await chat.say("!poll 1", "dave", channel="#third")).splitlines()
    assert card[0] == "Poll 1: Coffee · by olga · picked: option 1 → event #1"
    assert card[-1] == not_here
    assert await chat.say("!vote 1 2", "dave", channel="#third") == (
        f"Poll 1 is decided: option 1 became event #1. {not_here}"
    )
    assert await chat.say("!rsvp 1", "dave", channel="#third") == not_here
    # In private, someone in a channel it is announced in may answer it.
    private = await chat.say("!poll 1", "dave", channel="dave", kind=ChannelKind.DIRECT)
    assert private.splitlines()[-1] == "RSVP: !rsvp 1  ·  details: !event 1"
    assert (await chat.say("!poll 1")).splitlines()[-1] == "RSVP: !rsvp 1  ·  details: !event 1"


async def test_pick_none_closes_the_poll_without_an_event(chat: Chat) -> None:
    await chat.say("!vote 1 1", "bob")
    assert await other(chat, "!pick 1 none", "bob") == (
        "Only the poll's creator (olga), an admin of the channel it began in or a bot admin "
        "can close poll 1."
    )
    refreshed = len(chat.network.polls_changed)
    assert await chat.say("!pick 1 none", "olga") == (
        "Closed poll 1 (Coffee) without a date: no event was made.\n"
        "Its tally stays readable: !poll 1. A new try: !poll."
    )
    assert len(chat.network.polls_changed) == refreshed + 1  # its cards say "closed"
    tally = (await other(chat, "!poll 1", "dave")).splitlines()
    assert tally[:2] == [
        "Poll 1: Coffee · by olga · closed",
        "1. Sun 2026-11-22 18:00 UTC · 1 vote: bob",
    ]
    refused = "Poll 1 was closed without a date. To try again, start a new one: !poll"
    assert await other(chat, "!vote 1 2", "carol") == refused
    assert await chat.say("!pick 1 2", "olga") == refused
    assert await chat.say("!pick 1 -", "olga") == refused
    assert (await chat.say("!events")).startswith("No upcoming events here.")
    assert chat.network.sent == []  # nobody was told privately


async def test_only_the_creator_or_an_admin_where_it_began_may_pick(database: Database) -> None:
    chat = Chat(database, admins=("other:net2:id-root",))
    await chat.say(POLL, "olga")
    await chat.say("!poll 1", "olga", channel="#side")
    refused = (
        "Only the poll's creator (olga), an admin of the channel it began in or a bot admin "
        "can pick a time for poll 1."
    )
    assert await chat.say("!pick 1 1", "bob") == refused
    chat.make_channel_admin("ann", "#side")
    assert await chat.say("!pick 1 1", "ann", channel="#side") == refused
    assert await chat.say("!pick 1 1", "eve", verified=False) == refused
    chat.make_channel_admin("ann", "#main")
    assert (await chat.say("!pick 1 1", "ann")).startswith("Picked option 1 of poll 1")
    assert "Organizer: olga" in (await chat.say("!event 1")).splitlines()


async def test_a_bot_admin_may_pick_from_another_network(database: Database) -> None:
    chat = Chat(database, admins=("other:net2:id-root",))
    await chat.say(POLL, "olga")
    assert (await other(chat, "!pick 1 1", "root")).startswith("Picked option 1 of poll 1")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("!pick 1 4", "Poll 1 has 3 options: pick one of 1 to 3."),
        ("!pick 1", "Which option? Give its number, e.g. pick 1 2."),
        (
            "!pick 1 soon",
            "'soon' is not the number of an option in the poll: pick one, e.g. pick 1 2, or "
            "close the poll without a date: pick 1 none.",
        ),
        ("!pick 5 1", "There is no poll 5."),
    ],
)
async def test_a_bad_pick_is_refused(chat: Chat, text: str, error: str) -> None:
    assert (await chat.say(text, "olga")).startswith(error)
    assert (await chat.say("!events")).startswith("No upcoming events here.")


async def test_a_time_that_has_begun_cannot_be_picked(chat: Chat) -> None:
    chat.clock.advance(days=1, hours=7)  # Sun 19:00
    assert await chat.say("!pick 1 1", "olga") == (
        "Option 1 (Sun 2026-11-22 18:00 UTC) has already begun: pick another, or start a new poll."
    )


async def test_a_poll_shown_in_private_adds_no_channel(chat: Chat) -> None:
    await chat.say("!poll 1", "bob", channel="bob", kind=ChannelKind.DIRECT)
    await chat.say("!pick 1 1", "olga")
    assert announced_in(await chat.say("!event 1")) == "Announced in: #main (test:net)"


# Across networks


async def test_a_poll_from_two_networks_to_a_picked_event(chat: Chat) -> None:
    """Started on one network, voted on from both, picked: one event, one list."""
    await other(chat, "!vote 1 1 2", "carol")
    await other(chat, "!vote 1 2", "dave")
    await chat.say("!vote 1 2 3", "bob")
    assert (await other(chat, "!poll 1", "carol")).splitlines()[2] == (
        "2. Mon 2026-11-23 19:00-21:00 UTC · 3 votes: carol, dave, bob  ← leading"
    )
    assert (await chat.say("!pick 1 2", "olga")).splitlines()[:2] == [
        "Picked option 2 of poll 1 (3 votes): it is now event #1.",
        "Announced in: #main (test:net), #x (other:net2)",
    ]
    for who in ("carol", "dave"):
        assert chat.other.sent_to(f"id-{who}")[0].startswith(
            "Poll 1 is decided, on a time you voted for:"
        )
    assert (await other(chat, "!rsvp 1", "carol")).startswith("carol: you're going to #1 Coffee")
    assert (await chat.say("!rsvp 1", "bob")).startswith("bob: you're going to #1 Coffee")
    going = (await other(chat, "!who 1", "dave")).splitlines()[1]
    assert going.startswith("Going (2): carol")
    assert "bob" in going
