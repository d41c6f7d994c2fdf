"""Linked identities (`link`, `link CODE`, `unlink_me`, `dm_here`) through the chat harness,
on SQLite and PostgreSQL. alice is `test:net` on the first network and `other:net2` on the
second; codes are asked for on the first and confirmed on the second. The harness's clock
reads Sat 2026-11-21 12:00 UTC; events are the next day at 18:00, so their default
reminders (1d, 1h) are due Sat 18:00 and Sun 17:00."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import insert, select

from bot.domain import ChannelKind
from storage import Database
from storage.models import FeedTokenRow
from tests.harness import START, Chat

DIRECT = ChannelKind.DIRECT
INVALID = (
    "That code is not valid: mistyped, used, or older than 10 minutes. Get a new one with "
    "!link on your other network."
)
HERE, THERE = "alice (test:net)", "alice (other:net2)"


@pytest.fixture
async def chat(database: Database) -> Chat:
    chat = Chat(database)
    created = await chat.say("!newevent Coffee | tomorrow 18:00 | Café Nero | limit=1", "olga")
    assert created.startswith("Created #1 Coffee")
    # Announced on the second network too, where alice also answers.
    announced = await chat.say("!announce 1 other:net2/#main", "olga")
    assert announced.endswith("other:net2/#main: announced, card posted."), announced
    return chat


async def code_for(chat: Chat, who: str = "alice") -> str:
    """Ask for a code in private on the first network; returns it as shown."""
    answer = await chat.say("!link", who, kind=DIRECT)
    found = re.search(r"code is ([0-9A-Z]{4}-[0-9A-Z]{4})", answer)
    assert found, answer
    return found.group(1)


async def confirm(chat: Chat, code: str, who: str = "alice", **kwargs: object) -> str:
    """`link CODE` in private on the second network."""
    return await chat.say(f"!link {code}", who, on="other", kind=DIRECT, **kwargs)


async def linked(chat: Chat) -> str:
    return await confirm(chat, await code_for(chat))


def who_lines(text: str) -> list[str]:
    return text.splitlines()[1:]


# The happy path


async def test_link_gives_a_code_and_says_what_to_type_on_the_other_network(chat: Chat) -> None:
    answer = await chat.say("!link", "alice", kind=DIRECT)
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}", answer)
    assert code is not None
    assert answer == (
        f"Your link code is {code.group()} (valid 10 minutes, once). On your other network, "
        f"send me this in a private chat: !link {code.group()}"
    )


async def test_linked_accounts_count_once_and_who_shows_both_networks(chat: Chat) -> None:
    assert await linked(chat) == (
        f"Linked: {THERE} and {HERE} are one person now. RSVP from either: it is one answer, "
        "counted once.\n"
        f"Linked now: {HERE}, {THERE}.\n"
        f"Private reminders and notices go to {HERE}; to get them on another account, send "
        "!dm_here from it. Undo: !unlink_me."
    )
    assert (await chat.say("!rsvp 1 +0 from here")).startswith("alice: you're going to #1 Coffee.")
    # From the other network it is the same answer: changed, not a second seat.
    assert (await chat.say("!rsvp 1 maybe", on="other")).startswith(
        "alice: you're a maybe for #1 Coffee."
    )
    assert (await chat.say("!rsvp 1", on="other")).startswith("alice: you're going to #1 Coffee.")
    assert (await chat.say("!rsvp 1", "bob")).startswith(
        "bob: #1 Coffee is full, so you're on the waitlist at position 1."
    )
    assert who_lines(await chat.say("!who 1", "bob", on="other")) == [
        "Going (1): alice [test:net, other:net2]",
        "Waitlist (1): 1. bob [test:net]",
    ]


async def test_a_code_is_accepted_in_lower_case_and_without_the_dash(chat: Chat) -> None:
    code = (await code_for(chat)).replace("-", "").lower()
    assert (await confirm(chat, code)).startswith(f"Linked: {THERE} and {HERE}")


async def test_link_alone_also_lists_the_linked_accounts(chat: Chat) -> None:
    await linked(chat)
    assert (await chat.say("!link", "alice", on="other", kind=DIRECT)).splitlines()[1:] == [
        f"Linked now: {HERE}, {THERE}.",
        f"Private reminders and notices go to {HERE}; to get them on another account, send "
        "!dm_here from it. Undo: !unlink_me.",
    ]


# What linking does to answers given before


async def test_linking_merges_answers_and_the_dropped_seat_goes_to_the_waitlist(
    chat: Chat,
) -> None:
    await chat.say("!edit 1 limit=2", "olga")
    await chat.say("!newevent Tea | tomorrow 19:00 | Café Nero", "olga")
    await chat.say("!announce 2 other:net2/#main", "olga")
    await chat.say("!rsvp 1", "alice")
    await chat.say("!rsvp 1 +0 from the other side", "alice", on="other")
    await chat.say("!rsvp 2 maybe", "alice", on="other")
    assert (await chat.say("!rsvp 1", "carol")).startswith(
        "carol: #1 Coffee is full, so you're on the waitlist at position 1."
    )

    assert (await linked(chat)).splitlines()[1] == (
        "Your answers from here moved over (1); where both had answered for the same date, "
        "the answer from test:net stays (1)."
    )
    assert who_lines(await chat.say("!who 1")) == [
        "Going (2): alice [test:net, other:net2], carol [test:net]"
    ]
    assert who_lines(await chat.say("!who 2")) == [
        "Nobody is going yet. Be the first: !rsvp 2",
        "Maybe (1): alice [test:net, other:net2]",
    ]
    assert chat.network.sent_to("id-carol")[0].startswith(
        "Good news, carol: a seat opened up and you're now going to #1 Coffee."
    )


async def test_a_calendar_feed_of_the_linked_account_follows_it_to_the_primary(
    chat: Chat, database: Database
) -> None:
    async with database.unit_of_work() as uow:
        there = await uow.people.upsert(chat.user("alice", on="other"), chat.clock.now)
        await uow.commit()
    async with database.engine.begin() as connection:
        await connection.execute(
            insert(FeedTokenRow).values(person_id=there.id, token="t0k3n", created_at=START)
        )
    await linked(chat)
    async with database.engine.connect() as connection:
        owner = await connection.scalar(
            select(FeedTokenRow.person_id).where(FeedTokenRow.token == "t0k3n")
        )
    async with database.unit_of_work() as uow:
        assert owner == await uow.people.save(chat.user("alice"), chat.clock.now) != there.id


async def test_a_linked_accounts_own_feed_link_shows_the_primarys_answers(
    chat: Chat, database: Database
) -> None:
    """Both accounts had a feed before linking: the second one's link keeps working and
    shows the answers, which now all belong to the primary."""
    async with database.unit_of_work() as uow:
        here = await uow.people.save(chat.user("alice"), chat.clock.now)
        there = await uow.people.save(chat.user("alice", on="other"), chat.clock.now)
        await uow.commit()
    async with database.engine.begin() as connection:
        for person, token in ((here, "here-t0k3n"), (there, "there-t0k3n")):
            await connection.execute(
                insert(FeedTokenRow).values(person_id=person, token=token, created_at=START)
            )
    await linked(chat)
    async with database.unit_of_work(read_only=True) as uow:
        assert await uow.feeds.person_of("there-t0k3n") == here
        assert await uow.feeds.person_of("here-t0k3n") == here


# Abuse


async def test_a_wrong_code_is_refused(chat: Chat) -> None:
    await code_for(chat)
    assert await confirm(chat, "ABCD-EFGH") == INVALID


async def test_an_expired_code_is_refused(chat: Chat) -> None:
    code = await code_for(chat)
    chat.clock.advance(minutes=11)
    assert await confirm(chat, code) == INVALID


async def test_a_code_works_once(chat: Chat) -> None:
    code = await code_for(chat)
    assert (await confirm(chat, code)).startswith("Linked:")
    assert await confirm(chat, code, "mallory") == INVALID


async def test_a_newer_code_replaces_the_older_one(chat: Chat) -> None:
    older = await code_for(chat)
    await code_for(chat)
    assert await confirm(chat, older) == INVALID


async def test_five_wrong_codes_lock_out_even_the_right_one_for_ten_minutes(chat: Chat) -> None:
    code = await code_for(chat)
    for guess in ("AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC", "DDDD-DDDD", "EEEE-EEEE"):
        assert await confirm(chat, guess, "mallory") == INVALID
    assert await confirm(chat, code, "mallory") == "Too many wrong codes: try again in 10 minutes."
    chat.clock.advance(minutes=4)
    assert await confirm(chat, code, "mallory") == "Too many wrong codes: try again in 6 minutes."
    # The code was not used up by the refusals: its owner's other account can still use it.
    assert (await confirm(chat, code)).startswith("Linked:")
    chat.clock.advance(minutes=6)
    assert await confirm(chat, "FFFF-FFFF", "mallory") == INVALID


async def test_an_unverified_account_cannot_link(chat: Chat) -> None:
    code = await code_for(chat)
    assert (await confirm(chat, code, verified=False)).startswith(
        "Only an account logged in to its network's services can be linked"
    )
    assert (await chat.say("!link", "bob", kind=DIRECT, verified=False)).startswith(
        "Only an account logged in"
    )
    assert (await confirm(chat, code)).startswith("Linked:")


async def test_link_in_a_group_points_to_a_private_chat(chat: Chat) -> None:
    assert await chat.say("!link") == (
        "Linking accounts works only in a private chat with me (send link in a private "
        "chat with me): a code seen here could be used by someone else."
    )


async def test_a_code_posted_in_a_group_is_cancelled(chat: Chat) -> None:
    code = await code_for(chat)
    assert await chat.say(f"!link {code}", on="other") == (
        "Never post a link code in a group: I cancelled that one. Get a new one with !link in "
        "a private chat with me."
    )
    assert await confirm(chat, code) == INVALID


async def test_a_code_cannot_link_an_account_to_itself(chat: Chat) -> None:
    code = await code_for(chat)
    assert await chat.say(f"!link {code}", "alice", kind=DIRECT) == (
        "That code is from this same account: send it from your account on the other network."
    )


async def test_one_account_per_network(chat: Chat) -> None:
    await linked(chat)
    code = await code_for(chat)
    assert await confirm(chat, code, "alice2") == (
        f"{THERE} is already linked to that person: one account per network. Send "
        "!unlink_me from it first."
    )


async def test_an_account_linked_to_someone_else_must_unlink_first(chat: Chat) -> None:
    await linked(chat)
    assert (await confirm(chat, await code_for(chat, "bob"))).startswith(
        "This account is already linked to others."
    )


async def test_a_malformed_code_is_not_counted_as_a_guess(chat: Chat) -> None:
    assert (await confirm(chat, "12")).startswith(
        "That is not a link code: it has 8 letters and digits, like !link 7KQ2-M9XD."
    )


# Undoing it


async def test_unlink_me_from_the_linked_account(chat: Chat) -> None:
    await linked(chat)
    await chat.say("!rsvp 1", "alice", on="other")
    assert await chat.say("!unlink_me", "alice", on="other", kind=DIRECT) == (
        f"Unlinked this account from {HERE}. Your answers, reminders and votes stay with "
        f"{HERE}; from here you answer afresh."
    )
    assert (await chat.say("!rsvp 1", "alice", on="other")).startswith(
        "alice: #1 Coffee is full, so you're on the waitlist"
    )
    assert who_lines(await chat.say("!who 1")) == [
        "Going (1): alice [test:net]",
        "Waitlist (1): 1. alice [other:net2]",
    ]


async def test_unlink_me_from_the_first_account_unlinks_all(chat: Chat) -> None:
    await linked(chat)
    assert await chat.say("!unlink-me", "alice", kind=DIRECT) == (
        f"Unlinked {THERE} from this account. Your answers, reminders and votes stay here; "
        "from there you answer afresh."
    )
    assert (await chat.say("!unlink_me", "alice", on="other", kind=DIRECT)).startswith(
        "This account is not linked to another one."
    )


# Where private messages go


async def test_private_reminders_go_to_the_account_chosen_with_dm_here(chat: Chat) -> None:
    await linked(chat)
    assert (await chat.say("!remindme 1", "alice", on="other")).startswith(
        "alice: I'll remind you privately before #1 Coffee"
    )
    await chat.posts_at(chat.clock.now.replace(hour=18))
    assert [m.splitlines()[0] for m in chat.network.sent_to("id-alice")] == [
        "Reminder, alice: #1 Coffee starts in 1 day."
    ]
    assert await chat.say("!dm-here", "alice", on="other", kind=DIRECT) == (
        f"Private reminders and notices now come here ({THERE}), whichever account you answer from."
    )
    await chat.posts_at(chat.clock.now.replace(day=22, hour=17))
    assert [m.splitlines()[0] for m in chat.other.sent_to("id-alice")] == [
        "Reminder, alice: #1 Coffee starts in 1 h."
    ]
    assert len(chat.network.sent_to("id-alice")) == 1


async def test_dm_here_needs_a_linked_account(chat: Chat) -> None:
    assert (await chat.say("!dm_here", "alice", kind=DIRECT)).startswith(
        "This account is not linked to another one. Link one: send !link here"
    )


# who


async def test_who_marks_networks_when_people_answer_from_more_than_one(chat: Chat) -> None:
    await chat.say("!edit 1 limit=none", "olga")
    await chat.say("!rsvp 1", "alice")
    await chat.say("!rsvp 1 maybe", "bob", on="other", verified=False)
    assert who_lines(await chat.say("!who 1")) == [
        "Going (1): alice [test:net]",
        "Maybe (1): bob [other:net2, unverified]",
    ]


async def test_an_organizer_manages_their_event_from_a_linked_account(chat: Chat) -> None:
    refused = "Only the organizer (olga) or an admin can edit #1."
    assert await chat.say("!edit 1 limit=5", "olga", on="other") == refused
    await confirm(chat, await code_for(chat, "olga"), "olga")
    assert (await chat.say("!edit 1 limit=5", "olga", on="other")).startswith("Updated #1 Coffee")
    assert (await chat.say("!announce 1", "olga", on="other", channel="#x")).startswith("#1 Coffee")
    await chat.say("!unlink_me", "olga", on="other", kind=DIRECT)
    assert await chat.say("!cancel 1", "olga", on="other") == (
        "Only the organizer (olga) or an admin can cancel #1."
    )
    assert (await chat.say("!cancel 1", "olga")).startswith("Cancelled #1 Coffee")
