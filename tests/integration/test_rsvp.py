"""RSVPs, guests and the waitlist, through the chat harness on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from adapters.console.render import render_plain
from bot.domain import IncomingMessage, UserRef
from storage import Database
from tests.harness import Chat

# Sun 2026-11-22 18:00 UTC, the day after the harness's clock starts.
CARD = "#1 Coffee · Sun 2026-11-22 18:00 UTC · Café Nero"


@pytest.fixture
def chat(database: Database) -> Chat:
    return Chat(database)


async def coffee(chat: Chat, limit: int | None = None) -> None:
    options = f" | limit={limit}" if limit else ""
    created = await chat.say(f"!newevent Coffee | tomorrow 18:00 | Café Nero{options}", "olga")
    assert created.startswith(f"Created {CARD}")


async def who_lines(chat: Chat) -> list[str]:
    """The `!who 1` reply without its first line (the event summary)."""
    return (await chat.say("!who 1")).splitlines()[1:]


async def test_going_maybe_and_no_each_get_their_own_answer(chat: Chat) -> None:
    await coffee(chat, limit=10)
    assert await chat.say("!rsvp 1", "bob") == (
        f"bob: you're going to #1 Coffee.\n{CARD} · 1/10 going"
    )
    assert await chat.say("!rsvp 1 maybe", "carol") == (
        f"carol: you're a maybe for #1 Coffee.\n{CARD} · 1/10 going · 1 maybe"
    )
    assert await chat.say("!rsvp 1 no", "dave") == (
        f"dave: you're not going to #1 Coffee.\n{CARD} · 1/10 going · 1 maybe"
    )
    assert await who_lines(chat) == [
        "Going (1): bob",
        "Maybe (1): carol",
        "Can't make it (1): dave",
    ]


async def test_changing_your_mind_replaces_your_previous_answer(chat: Chat) -> None:
    await coffee(chat)
    await chat.say("!rsvp 1 maybe", "bob")
    assert (await chat.say("!rsvp 1 yes", "bob")).startswith("bob: you're going to #1 Coffee.")
    assert await who_lines(chat) == ["Going (1): bob"]
    await chat.say("!unrsvp 1", "bob")
    assert await who_lines(chat) == [
        "Nobody is going yet. Be the first: !rsvp 1",
        "Can't make it (1): bob",
    ]


async def test_guests_count_against_the_limit(chat: Chat) -> None:
    await coffee(chat, limit=3)
    assert await chat.say("!rsvp 1 +2 bringing my kids", "bob") == (
        f'bob: you\'re going to #1 Coffee with +2. Your note: "bringing my kids".\n'
        f"{CARD} · 3/3 going"
    )
    assert await chat.say("!rsvp 1", "carol") == (
        "carol: #1 Coffee is full, so you're on the waitlist at position 1. "
        "You'll move up automatically when a seat frees.\n"
        f"{CARD} · 3/3 going · 1 waitlisted"
    )


async def test_a_party_too_big_for_the_free_seats_joins_the_waitlist(chat: Chat) -> None:
    await coffee(chat, limit=3)
    await chat.say("!rsvp 1 +1", "bob")
    assert await chat.say("!rsvp 1 +1", "carol") == (
        "carol: #1 Coffee has only 1 seat left, not enough for you with +1, so you're on the "
        "waitlist at position 1. You'll move up automatically when seats free.\n"
        f"{CARD} · 2/3 going · 1 waitlisted"
    )
    # The one seat left still goes to someone who fits in it.
    assert (await chat.say("!rsvp 1", "dave")).startswith("dave: you're going to #1 Coffee.")


async def test_the_waitlist_keeps_rsvp_order(chat: Chat) -> None:
    await coffee(chat, limit=1)
    await chat.say("!rsvp 1", "bob")
    for position, name in enumerate(["carol", "dave", "erin"], start=1):
        answer = await chat.say("!rsvp 1", name)
        assert f"you're on the waitlist at position {position}." in answer
    assert await who_lines(chat) == [
        "Going (1): bob",
        "Waitlist (3): 1. carol, 2. dave, 3. erin",
    ]


async def test_when_someone_drops_out_the_head_of_the_waitlist_is_seated_and_told(
    chat: Chat,
) -> None:
    await coffee(chat, limit=2)
    await chat.say("!rsvp 1", "bob")
    await chat.say("!rsvp 1", "carol")
    await chat.say("!rsvp 1", "dave")
    await chat.say("!rsvp 1", "erin")

    answer = await chat.say("!rsvp 1 no", "bob")

    assert answer == (
        "bob: you're not going to #1 Coffee.\n"
        "Off the waitlist and now going: dave.\n"
        f"{CARD} · 2/2 going · 1 waitlisted"
    )
    assert chat.network.sent_to("id-dave") == [
        "Good news, dave: a seat opened up and you're now going to #1 Coffee.\n"
        f"{CARD} · 2/2 going · 1 waitlisted"
    ]
    assert chat.network.sent_to("id-erin") == []
    assert chat.network.sent_to("id-bob") == []
    assert await who_lines(chat) == [
        "Going (2): carol, dave",
        "Waitlist (1): 1. erin",
        "Can't make it (1): bob",
    ]


async def test_unrsvp_frees_the_seat_for_the_waitlist_too(chat: Chat) -> None:
    await coffee(chat, limit=1)
    await chat.say("!rsvp 1", "bob")
    await chat.say("!rsvp 1", "carol")

    answer = await chat.say("!unrsvp 1", "bob")

    assert "Off the waitlist and now going: carol." in answer
    assert len(chat.network.sent_to("id-carol")) == 1
    assert chat.network.sent_to("id-carol")[0].startswith("Good news, carol: a seat opened up")
    assert await who_lines(chat) == ["Going (1): carol", "Can't make it (1): bob"]


async def test_bringing_fewer_guests_frees_seats_for_the_waitlist(chat: Chat) -> None:
    await coffee(chat, limit=3)
    await chat.say("!rsvp 1 +2", "bob")
    await chat.say("!rsvp 1", "carol")
    await chat.say("!rsvp 1", "dave")

    answer = await chat.say("!rsvp 1 +0", "bob")

    assert answer == (
        "bob: you're going to #1 Coffee.\n"
        "Off the waitlist and now going: carol, dave.\n"
        f"{CARD} · 3/3 going"
    )
    assert len(chat.network.sent_to("id-carol")) == 1
    assert len(chat.network.sent_to("id-dave")) == 1
    assert await who_lines(chat) == ["Going (3): bob, carol, dave"]


async def test_a_maybe_with_guests_shows_them_without_taking_seats(chat: Chat) -> None:
    await coffee(chat, limit=3)
    assert (await chat.say("!rsvp 1 maybe +2", "bob")).splitlines()[0] == (
        "bob: you're a maybe for #1 Coffee with +2."
    )
    assert await who_lines(chat) == [
        "Nobody is going yet. Be the first: !rsvp 1",
        "Maybe (1): bob +2",
    ]


async def test_a_party_seated_from_the_waitlist_is_told_its_guests_are_in_too(
    chat: Chat,
) -> None:
    await coffee(chat, limit=3)
    await chat.say("!rsvp 1 +2", "bob")
    await chat.say("!rsvp 1 +2", "carol")

    await chat.say("!unrsvp 1", "bob")

    assert chat.network.sent_to("id-carol") == [
        "Good news, carol: seats opened up and you're now going with +2 to #1 Coffee.\n"
        f"{CARD} · 3/3 going"
    ]


async def test_raising_the_limit_seats_the_waitlist_in_order_and_tells_them(chat: Chat) -> None:
    await coffee(chat, limit=2)
    for name in ["bob", "carol", "dave", "erin", "frank", "gina"]:
        await chat.say("!rsvp 1", name)

    answer = await chat.say("!edit 1 limit=5", "olga")

    assert answer.startswith(
        "Updated #1 Coffee: limit 2 → 5.\nOff the waitlist and now going: dave, erin, frank.\n"
    )
    for name in ["dave", "erin", "frank"]:
        assert chat.network.sent_to(f"id-{name}") == [
            f"Good news, {name}: a seat opened up and you're now going to #1 Coffee.\n"
            f"{CARD} · 5/5 going · 1 waitlisted"
        ]
    assert chat.network.sent_to("id-gina") == []
    assert await who_lines(chat) == [
        "Going (5): bob, carol, dave, erin, frank",
        "Waitlist (1): 1. gina",
    ]


async def test_a_big_party_at_the_head_keeps_its_place_while_a_smaller_one_takes_a_seat(
    chat: Chat,
) -> None:
    await coffee(chat, limit=3)
    for name in ("bob", "carol", "frank"):
        await chat.say("!rsvp 1", name)
    await chat.say("!rsvp 1 +2", "dave")
    await chat.say("!rsvp 1", "erin")

    assert "Off the waitlist and now going: erin." in await chat.say("!unrsvp 1", "bob")

    assert chat.network.sent_to("id-dave") == []
    assert len(chat.network.sent_to("id-erin")) == 1
    assert await who_lines(chat) == [
        "Going (3): carol, frank, erin",
        "Waitlist (1): 1. dave +2",
        "Can't make it (1): bob",
    ]


async def test_a_party_bigger_than_the_whole_event_is_refused_and_nothing_is_stored(
    chat: Chat,
) -> None:
    await coffee(chat, limit=2)
    answer = await chat.say("!rsvp 1 +2", "dave")
    assert answer.startswith("#1 Coffee has 2 seats in all; you with +2 would need 3.")
    assert await who_lines(chat) == ["Nobody is going yet. Be the first: !rsvp 1"]


async def test_a_plain_yes_after_a_no_means_just_me_and_drops_the_old_note(chat: Chat) -> None:
    await coffee(chat, limit=5)
    await chat.say("!rsvp 1 +2 bringing Tom", "bob")
    await chat.say("!rsvp 1 no", "bob")
    assert await who_lines(chat) == [
        "Nobody is going yet. Be the first: !rsvp 1",
        "Can't make it (1): bob",
    ]
    assert "bob: you're going to #1 Coffee." in await chat.say("!rsvp 1", "bob")
    assert await who_lines(chat) == ["Going (1): bob"]


async def test_the_waitlist_follows_the_order_rsvps_were_taken_even_if_clocks_disagree(
    chat: Chat,
) -> None:
    await coffee(chat, limit=1)
    await chat.say("!rsvp 1", "bob")
    chat.clock.advance(minutes=5)
    await chat.say("!rsvp 1", "carol")
    chat.clock.advance(minutes=-3)  # a message stamped earlier but handled later
    answer = await chat.say("!rsvp 1", "dave")
    assert "waitlist at position 2" in answer
    assert "Waitlist (2): 1. carol, 2. dave" in await who_lines(chat)


async def test_asking_for_more_guests_than_there_are_seats_keeps_the_old_seat(
    chat: Chat,
) -> None:
    await coffee(chat, limit=4)
    await chat.say("!rsvp 1 +1", "bob")
    await chat.say("!rsvp 1", "carol")

    answer = await chat.say("!rsvp 1 +3", "bob")

    assert answer == (
        "bob: you're going to #1 Coffee with +1.\n"
        "Not enough seats for +3 (1 free): you keep your seat with +1.\n"
        f"{CARD} · 3/4 going"
    )
    assert await who_lines(chat) == ["Going (3): bob +1, carol"]
    # What does fit is granted.
    assert (await chat.say("!rsvp 1 +2", "bob")).startswith(
        "bob: you're going to #1 Coffee with +2.\n"
    )
    assert await who_lines(chat) == ["Going (4): bob +2, carol"]


async def test_a_waitlisted_person_who_answers_again_keeps_their_place(chat: Chat) -> None:
    await coffee(chat, limit=1)
    await chat.say("!rsvp 1", "bob")
    await chat.say("!rsvp 1", "carol")
    await chat.say("!rsvp 1", "dave")

    answer = await chat.say("!rsvp 1 yes running late", "carol")

    assert "you're on the waitlist at position 1." in answer
    assert await who_lines(chat) == [
        "Going (1): bob",
        "Waitlist (2): 1. carol (running late), 2. dave",
    ]
    await chat.say("!unrsvp 1", "bob")
    assert chat.network.sent_to("id-carol") != []
    assert chat.network.sent_to("id-dave") == []


async def test_a_waitlisted_person_who_says_maybe_leaves_the_waitlist(chat: Chat) -> None:
    await coffee(chat, limit=1)
    await chat.say("!rsvp 1", "bob")
    await chat.say("!rsvp 1", "carol")
    await chat.say("!rsvp 1", "dave")

    await chat.say("!rsvp 1 maybe", "carol")

    assert await who_lines(chat) == [
        "Going (1): bob",
        "Waitlist (1): 1. dave",
        "Maybe (1): carol",
    ]
    assert "Off the waitlist and now going: dave." in await chat.say("!unrsvp 1", "bob")


async def test_rsvp_to_an_unknown_event_is_refused(chat: Chat) -> None:
    await coffee(chat)
    answer = await chat.say("!rsvp 2", "bob")
    assert answer.startswith("There is no event #2. See !events for the events in this channel.")
    assert await who_lines(chat) == ["Nobody is going yet. Be the first: !rsvp 1"]


async def test_rsvp_to_a_cancelled_event_is_refused_and_stores_nothing(chat: Chat) -> None:
    await coffee(chat)
    await chat.say("!rsvp 1", "bob")
    await chat.say("!cancel 1", "olga")

    assert (await chat.say("!rsvp 1", "carol")).startswith("#1 Coffee was cancelled.")
    assert (await chat.say("!rsvp 1 no", "bob")).startswith("#1 Coffee was cancelled.")

    assert await who_lines(chat) == ["Going (1): bob"]


async def test_rsvp_to_a_past_event_is_refused_and_stores_nothing(chat: Chat) -> None:
    await coffee(chat)
    await chat.say("!rsvp 1", "bob")
    chat.clock.advance(days=2)

    assert (await chat.say("!rsvp 1", "carol")).startswith("#1 Coffee is already over.")
    assert (await chat.say("!unrsvp 1", "bob")).startswith("#1 Coffee is already over.")

    assert await who_lines(chat) == ["Going (1): bob"]


async def test_too_many_guests_are_refused_and_store_nothing(chat: Chat) -> None:
    await coffee(chat)
    answer = await chat.say("!rsvp 1 +11", "bob")
    assert answer.startswith("At most +10 guests per person.")
    assert await who_lines(chat) == ["Nobody is going yet. Be the first: !rsvp 1"]


async def test_who_lists_going_with_guests_and_notes_then_the_waitlist_then_maybes(
    chat: Chat,
) -> None:
    await coffee(chat, limit=3)
    await chat.say("!rsvp 1 +1 bringing Sam", "bob")
    await chat.say("!rsvp 1", "carol")
    await chat.say("!rsvp 1 +1 if it fits", "dave")
    await chat.say("!rsvp 1", "erin")
    await chat.say("!rsvp 1 maybe after work", "frank")
    await chat.say("!rsvp 1 no", "gina")
    await chat.say("!rsvp 1", "hugo", verified=False)

    assert (await chat.say("!who 1")).splitlines() == [
        f"{CARD} · 3/3 going · 3 waitlisted · 1 maybe",
        "Going (3): bob +1 (bringing Sam), carol",
        "Waitlist (3): 1. dave +1 (if it fits), 2. erin, 3. hugo [unverified]",
        "Maybe (1): frank (after work)",
        "Can't make it (1): gina",
    ]


async def test_answers_said_in_words_are_read_as_meant(chat: Chat) -> None:
    await coffee(chat, limit=10)
    assert (await chat.say("!rsvp 1 not sure yet", "bob")).startswith(
        'bob: you\'re a maybe for #1 Coffee. Your note: "not sure yet".'
    )
    assert (await chat.say("!rsvp 1 no idea if I can come", "carol")).startswith(
        "carol: you're a maybe for #1 Coffee."
    )
    assert (await chat.say("!rsvp 1 count me out", "dave")).startswith(
        "dave: you're not going to #1 Coffee.\n"
    )
    assert (await chat.say("!rsvp 1 yes, bringing my partner +1", "erin")).startswith(
        "erin: you're going to #1 Coffee with +1."
    )
    assert (await chat.say("!who 1")).splitlines() == [
        f"{CARD} · 2/10 going · 2 maybe",
        "Going (2): erin +1 (bringing my partner +1)",
        "Maybe (2): bob (not sure yet), carol (no idea if I can come)",
        "Can't make it (1): dave",
    ]


async def test_guests_given_twice_are_refused_and_store_nothing(chat: Chat) -> None:
    await coffee(chat)
    answer = await chat.say("!rsvp 1 +1 my kid, and her +1", "bob")
    assert answer.startswith(
        "Give the number of guests once ('+1' is one too many), e.g. !rsvp 12 +2 bringing my kids"
    )
    assert await who_lines(chat) == ["Nobody is going yet. Be the first: !rsvp 1"]


async def test_who_for_an_unknown_event_says_so(chat: Chat) -> None:
    assert (await chat.say("!who 3")).startswith("There is no event #3.")


async def test_lowering_the_limit_below_the_seats_taken_keeps_everyone_and_says_so(
    database: Database,
) -> None:
    chat = Chat(database)
    await chat.say("!newevent Coffee | tomorrow 18:00 | Café Nero | limit=5", "olga")
    for name in ("ann", "ben", "cid"):
        await chat.say("!rsvp 1", name)
    answer = await chat.say("!edit 1 limit=2", "olga")
    assert "Updated #1 Coffee: limit 5 → 2." in answer
    assert "3 seats are already taken, more than the new limit of 2. Nobody loses their seat" in (
        answer
    )
    assert "dan: #1 Coffee is full, so you're on the waitlist at position 1." in (
        await chat.say("!rsvp 1", "dan")
    )


async def test_a_waitlisted_party_that_shrinks_enough_is_seated_itself(chat: Chat) -> None:
    await coffee(chat, limit=3)
    await chat.say("!rsvp 1", "bob")
    await chat.say("!rsvp 1 +2", "dave")  # needs 3 seats, 2 are free

    answer = await chat.say("!rsvp 1 +1", "dave")

    assert answer == f"dave: you're going to #1 Coffee with +1.\n{CARD} · 3/3 going"
    assert chat.network.sent_to("id-dave") == []  # told in the reply, not in private
    assert await who_lines(chat) == ["Going (3): bob, dave +1"]


async def test_places_in_line_hold_when_people_answer_again_with_seats_free(chat: Chat) -> None:
    await coffee(chat, limit=3)
    await chat.say("!rsvp 1", "bob")
    await chat.say("!rsvp 1 +2", "dave")  # 2 seats free, not enough for dave or erin
    await chat.say("!rsvp 1 +2", "erin")
    await chat.say("!rsvp 1 +2", "frank")

    assert "waitlist at position 2" in await chat.say("!rsvp 1 +2 still keen", "erin")
    # frank asks for fewer seats: 2 are free, so he moves up past the others.
    assert "you're going" in await chat.say("!rsvp 1 +1", "frank")
    assert "waitlist at position 1" in await chat.say("!rsvp 1 +2", "dave")
    assert await who_lines(chat) == [
        "Going (3): bob, frank +1",
        "Waitlist (2): 1. dave +2, 2. erin +2 (still keen)",
    ]


async def test_a_renamed_person_keeps_their_answer_under_the_new_name(chat: Chat) -> None:
    await coffee(chat)
    await chat.say("!rsvp 1", "bob")
    renamed = IncomingMessage(
        sender=UserRef("test", "net", "id-bob", "Robert"),
        channel=chat.channel(),
        text="!rsvp 1 +1",
        sent_at=chat.clock.now,
    )
    replies = await chat.core.handle(renamed)
    assert render_plain(replies[0]).startswith("Robert: you're going to #1 Coffee with +1.")
    assert await who_lines(chat) == ["Going (2): Robert +1"]
