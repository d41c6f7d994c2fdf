"""Long lists a page at a time: `events 2` and `myevents 2`, through the chat harness on
SQLite and PostgreSQL. The harness's clock reads Sat 2026-11-21 12:00 UTC."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain import ChannelKind
from storage import Database
from tests.harness import Chat, FakeNetwork

PRIVATE = {"channel": "bob", "kind": ChannelKind.DIRECT}
TALKS = 23


def talk(day: int, going: str = "0 going") -> str:
    """The line of "Talk {day}" as `events` shows it: the talks were created latest first,
    so Talk 1, the soonest, is #23."""
    weekday = date(2026, 12, day).strftime("%a")
    return f"#{TALKS + 1 - day} Talk {day} · {weekday} 2026-12-{day:02} 18:00 UTC · {going}"


async def create_talks(chat: Chat, count: int = TALKS, **where: str) -> None:
    for day in range(count, 0, -1):  # created latest first: the pages still go by date
        await chat.say(f"!newevent Talk {day} | 2026-12-{day:02} 18:00", "olga", **where)


@pytest.fixture
async def chat(database: Database) -> Chat:
    chat = Chat(database)
    await create_talks(chat)
    return chat


# events


async def test_a_long_list_is_read_a_page_at_a_time_soonest_first(chat: Chat) -> None:
    await chat.say(f"!rsvp {TALKS + 1 - 12}", "bob")  # Talk 12, on the second page

    assert (await chat.say("!events")).splitlines() == [
        "Upcoming events (23), page 1 of 3:",
        *[talk(day) for day in range(1, 11)],
        "… 13 more: !events 2",
    ]
    assert (await chat.say("!events 2")).splitlines() == [
        "Upcoming events (23), page 2 of 3:",
        talk(11),
        talk(12, "1 going"),
        *[talk(day) for day in range(13, 21)],
        "… 3 more: !events 3",
    ]
    assert (await chat.say("!events 3")).splitlines() == [
        "Upcoming events (23), page 3 of 3:",
        talk(21),
        talk(22),
        talk(23),
    ]


async def test_every_way_of_asking_for_a_page_gives_the_same_page(chat: Chat) -> None:
    second = await chat.say("!events 2")
    assert second.startswith("Upcoming events (23), page 2 of 3:\n#13 Talk 11 ·")
    assert await chat.say("!events page 2") == second
    assert await chat.say("!list 2") == second
    assert await chat.say("gatherbot: events page 2", addressed=True) == second
    assert await chat.say("!events 1") == await chat.say("!events")


async def test_a_page_past_the_end_names_the_last_page(chat: Chat) -> None:
    assert await chat.say("!events 4") == (
        "There is no page 4: there are 3 pages of upcoming events here, the last is !events 3."
    )
    assert await chat.say("!events 999999999", "bob") == (
        "There is no page 999999999: there are 3 pages of upcoming events here, "
        "the last is !events 3."
    )


@pytest.mark.parametrize(
    ("asked", "answer"),
    [
        ("!events 0", "There is no page 0: the first is !events, the second !events 2."),
        ("!events -1", "There is no page -1: the first is !events, the second !events 2."),
        ("!events banana", "'banana' is not a page number: e.g. !events 2 for the second page."),
        ("!events page", "Which page? Give its number, e.g. !events 2."),
    ],
)
async def test_what_is_not_a_page_is_refused_and_the_list_is_still_there(
    chat: Chat, asked: str, answer: str
) -> None:
    assert await chat.say(asked) == answer
    assert (await chat.say("!events")).startswith("Upcoming events (23), page 1 of 3:")


async def test_ten_events_fit_on_one_page_and_the_eleventh_makes_a_second(
    database: Database,
) -> None:
    chat = Chat(database)
    await create_talks(chat, 10)
    ten = (await chat.say("!events")).splitlines()
    assert ten[0] == "Upcoming events (10):"
    assert len(ten) == 11
    assert ten[-1].startswith("#1 Talk 10 ·")
    assert await chat.say("!events 2") == (
        "There is no page 2: there is only one page of upcoming events here, !events."
    )

    await chat.say("!newevent Talk 11 | 2026-12-11 18:00", "olga")
    eleven = (await chat.say("!events")).splitlines()
    assert eleven[0] == "Upcoming events (11), page 1 of 2:"
    assert eleven[1:] == [*ten[1:], "… 1 more: !events 2"]
    assert (await chat.say("!events 2")).splitlines() == [
        "Upcoming events (11), page 2 of 2:",
        "#11 Talk 11 · Fri 2026-12-11 18:00 UTC · 0 going",
    ]


async def test_a_channel_with_no_events_says_so_on_any_page(database: Database) -> None:
    chat = Chat(database)
    nothing = "No upcoming events here. Create one: !newevent Coffee | tomorrow 18:00 | Café Nero"
    assert await chat.say("!events") == nothing
    assert await chat.say("!events 2") == nothing


async def test_repeating_events_take_their_place_on_every_page_by_their_next_date(
    chat: Chat,
) -> None:
    """The database pages the one-off events; each series, listed by its next date, must
    push them along without one being shown twice or lost between pages."""
    await chat.say("!newevent Standup | 2026-11-22 09:00 | repeat=daily", "olga")
    await chat.say("!newevent Book club | 2026-11-28 10:00 | repeat=weekly", "olga")
    await chat.say("!cancel 25@2026-11-28 everyone is away", "olga")  # next: Dec 5
    await chat.say("!newevent Board games | 2026-12-20 20:00 | repeat=monthly", "olga")
    await chat.say("!newevent Quiz | 2026-12-24 20:00", "olga", channel="#other")

    pages = [(await chat.say(f"!events {page}")).splitlines() for page in (1, 2, 3)]
    assert [page[0] for page in pages] == [
        "Upcoming events (26), page 1 of 3:",
        "Upcoming events (26), page 2 of 3:",
        "Upcoming events (26), page 3 of 3:",
    ]
    assert [row.split(" · ")[0] for row in pages[0][1:]] == [
        "#24 Standup",
        "#23 Talk 1",
        "#22 Talk 2",
        "#21 Talk 3",
        "#20 Talk 4",
        "#25 Book club",
        "#19 Talk 5",
        "#18 Talk 6",
        "#17 Talk 7",
        "#16 Talk 8",
        "… 16 more: !events 2",
    ]
    assert pages[0][6].startswith("#25 Book club · Sat 2026-12-05 10:00 UTC · every week")
    assert pages[1][1:] == [*[talk(day) for day in range(9, 19)], "… 6 more: !events 3"]
    assert [row.split(" · ")[0] for row in pages[2][1:]] == [
        "#5 Talk 19",
        "#4 Talk 20",
        "#26 Board games",
        "#3 Talk 21",
        "#2 Talk 22",
        "#1 Talk 23",
    ]
    assert await chat.say("!events 4") == (
        "There is no page 4: there are 3 pages of upcoming events here, the last is !events 3."
    )


async def test_the_next_page_is_named_with_the_networks_own_prefix(chat: Chat) -> None:
    telegram = FakeNetwork(platform="telegram", network="telegram")
    chat.core.outbox.register(telegram)
    chat.other = telegram
    on_telegram = {"channel": "-100123", "on": "other"}
    await create_talks(chat, 11, **on_telegram)
    assert (await chat.say("/events", **on_telegram)).endswith("\n… 1 more: /events 2")
    assert await chat.say("/events 3", **on_telegram) == (
        "There is no page 3: there are 2 pages of upcoming events here, the last is /events 2."
    )
    assert (await chat.say("!events")).endswith("\n… 13 more: !events 2")


# myevents


@pytest.fixture
async def answered(chat: Chat) -> Chat:
    """bob said yes to every talk; Talk 12 has one seat, which carol took first."""
    await chat.say(f"!edit {TALKS + 1 - 12} limit=1", "olga")
    await chat.say(f"!rsvp {TALKS + 1 - 12}", "carol")
    for day in range(1, TALKS + 1):
        await chat.say(f"!rsvp {TALKS + 1 - day}", "bob")
    return chat


def mine(day: int) -> str:
    if day == 12:
        return talk(12, "1/1 going · 1 waitlisted · you: waitlisted, position 1")
    return talk(day, "1 going · you: going")


async def test_your_own_list_is_read_a_page_at_a_time(answered: Chat) -> None:
    assert (await answered.say("!myevents", "bob", **PRIVATE)).splitlines() == [
        "Your upcoming events (23), page 1 of 3:",
        *[mine(day) for day in range(1, 11)],
        "… 13 more: !myevents 2",
        "Can't make it? !rsvp 23 no",
    ]
    # The place in line is looked up on any page, and "can't make it" is about the page's first.
    assert (await answered.say("!myevents 2", "bob", **PRIVATE)).splitlines() == [
        "Your upcoming events (23), page 2 of 3:",
        *[mine(day) for day in range(11, 21)],
        "… 3 more: !myevents 3",
        "Can't make it? !rsvp 13 no",
    ]
    assert (await answered.say("!mine page 3", "bob", **PRIVATE)).splitlines() == [
        "Your upcoming events (23), page 3 of 3:",
        *[mine(day) for day in range(21, 24)],
        "Can't make it? !rsvp 3 no",
    ]


async def test_your_own_list_in_a_group_pages_the_same_way(answered: Chat) -> None:
    second = (await answered.say("!myevents 2", "bob")).splitlines()
    assert second[0] == "Your upcoming events here (23), page 2 of 3:"
    assert second[-2:] == [
        "… 3 more: !myevents 3",
        "Can't make it? !rsvp 13 no  ·  every channel's, in a private chat: !myevents",
    ]


async def test_a_page_past_the_end_of_your_own_list_names_the_last_page(answered: Chat) -> None:
    assert await answered.say("!myevents 4", "bob", **PRIVATE) == (
        "There is no page 4: there are 3 pages of your upcoming events, the last is !myevents 3."
    )
    assert await answered.say("!myevents 2", "carol", **PRIVATE) == (
        "There is no page 2: there is only one page of your upcoming events, !myevents."
    )
    assert await answered.say("!myevents 2", "dora", **PRIVATE) == (
        "You haven't said yes or maybe to any upcoming event. Answer one in its channel: !rsvp ID"
    )
    assert await answered.say("!myevents 0", "bob", **PRIVATE) == (
        "There is no page 0: the first is !myevents, the second !myevents 2."
    )
