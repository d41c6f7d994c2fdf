"""`events` in a private chat: the upcoming events of the channels the person is in on their
network, each once, through the chat harness on SQLite and PostgreSQL; and the storage under
it. The harness's clock reads Sat 2026-11-21 12:00 UTC.

olga organizes in #dev and #ops on the first network (`test:net`); #secret is a group there
too; `on="other"` is the second network (`other:net2`). Everyone is in every channel unless a
test says `chat.leave(...)`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event

from bot.domain import ChannelKind
from storage import Database
from tests.harness import START, Chat

DIRECT = ChannelKind.DIRECT
NOTHING = (
    "No upcoming events in the channels we share. Ask in a channel with !events, or create "
    "one there: !newevent Coffee | tomorrow 18:00 | Café Nero"
)


async def private(chat: Chat, text: str = "!events", who: str = "bob", *, on: str = "test") -> str:
    return await chat.say(text, who, channel=who, kind=DIRECT, on=on)


async def test_the_events_of_your_channels_each_once_and_where_each_is_announced(
    database: Database,
) -> None:
    chat = Chat(database)
    await chat.say("!newevent Coffee | tomorrow 18:00 | Café Nero", "olga", channel="#dev")
    await chat.say("!newevent Tea | tomorrow 19:00", "olga", channel="#ops")
    await chat.say("!announce 1", "olga", channel="#ops")
    await chat.say("!newevent Poker | tomorrow 17:00", "olga", channel="#secret")
    await chat.say("!newevent Quiz | tomorrow 16:00", "olga", channel="#dev", on="other")
    chat.leave("bob", "#secret")

    assert await private(chat) == (
        "Upcoming events in your channels (2):\n"
        "#1 Coffee · Sun 2026-11-22 18:00 UTC · Café Nero · 0 going · in #dev, #ops\n"
        "#2 Tea · Sun 2026-11-22 19:00 UTC · 0 going · in #ops"
    )
    # With one channel, the heading names it.
    chat.leave("carol", "#ops")
    chat.leave("carol", "#secret")
    assert await private(chat, who="carol") == (
        "Upcoming events in #dev (1):\n#1 Coffee · Sun 2026-11-22 18:00 UTC · Café Nero · 0 going"
    )
    # Another network's #dev is another channel: its people see its events, and only those.
    assert await private(chat, on="other") == (
        "Upcoming events in #dev (1):\n#4 Quiz · Sun 2026-11-22 16:00 UTC · 0 going"
    )


async def test_nothing_in_your_channels_says_what_to_do_on_any_page(database: Database) -> None:
    chat = Chat(database)
    assert await private(chat) == NOTHING
    await chat.say("!newevent Poker | tomorrow 17:00", "olga", channel="#secret")
    chat.leave("bob", "#secret")
    assert await private(chat) == NOTHING
    assert await private(chat, "!events 2") == NOTHING
    await chat.say("!newevent Quiz | tomorrow 16:00", "olga", channel="#dev", on="other")
    assert await private(chat) == NOTHING


def talk(day: int) -> str:
    """Talk {day} is #{day}, on 2026-12-{day}: in #dev on odd days, #ops on even days, and
    Talk 12 in both."""
    weekday = date(2026, 12, day).strftime("%a")
    where = "#dev, #ops" if day == 12 else "#dev" if day % 2 else "#ops"
    return f"#{day} Talk {day} · {weekday} 2026-12-{day:02} 18:00 UTC · 0 going · in {where}"


async def test_a_long_list_of_your_channels_is_read_a_page_at_a_time(database: Database) -> None:
    chat = Chat(database)
    for day in range(1, 24):
        channel = "#dev" if day % 2 else "#ops"
        await chat.say(f"!newevent Talk {day} | 2026-12-{day:02} 18:00", "olga", channel=channel)
    await chat.say("!announce 12", "olga", channel="#dev")

    assert (await private(chat)).splitlines() == [
        "Upcoming events in your channels (23), page 1 of 3:",
        *[talk(day) for day in range(1, 11)],
        "… 13 more: !events 2",
    ]
    assert (await private(chat, "!events 2")).splitlines() == [
        "Upcoming events in your channels (23), page 2 of 3:",
        *[talk(day) for day in range(11, 21)],
        "… 3 more: !events 3",
    ]
    assert (await private(chat, "!list page 3")).splitlines() == [
        "Upcoming events in your channels (23), page 3 of 3:",
        *[talk(day) for day in range(21, 24)],
    ]
    assert await private(chat, "!events 4") == (
        "There is no page 4: there are 3 pages of upcoming events in your channels, the last "
        "is !events 3."
    )
    chat.leave("carol", "#ops")
    assert await private(chat, "!events 3", "carol") == (
        "There is no page 3: there are 2 pages of upcoming events in #dev, the last is !events 2."
    )
    # A channel's own list is as it was: its events only, a page of them.
    assert (await chat.say("!events 2", channel="#dev")).splitlines()[:2] == [
        "Upcoming events (13), page 2 of 2:",
        "#19 Talk 19 · Sat 2026-12-19 18:00 UTC · 0 going",
    ]


async def test_a_repeating_event_is_listed_once_at_its_next_date(database: Database) -> None:
    chat = Chat(database)
    await chat.say("!newevent Standup | 2026-11-23 09:00 | repeat=daily", "olga", channel="#dev")
    await chat.say("!announce 1", "olga", channel="#ops")
    await chat.say("!cancel 1@2026-11-23 the office is closed", "olga", channel="#dev")
    await chat.say("!newevent Coffee | tomorrow 18:00", "olga", channel="#ops")
    await chat.say("!newevent Lunch | 2026-11-24 12:00", "olga", channel="#dev")

    assert await private(chat) == (
        "Upcoming events in your channels (3):\n"
        "#2 Coffee · Sun 2026-11-22 18:00 UTC · 0 going · in #ops\n"
        "#1 Standup · Tue 2026-11-24 09:00 UTC · every day · 0 going · in #dev, #ops\n"
        "#3 Lunch · Tue 2026-11-24 12:00 UTC · 0 going · in #dev"
    )


async def test_an_event_made_in_this_chat_is_listed_until_it_is_announced(
    database: Database,
) -> None:
    chat = Chat(database)
    await private(chat, "!newevent Picnic | tomorrow 12:00 | Park")
    assert await private(chat) == (
        "Upcoming events in this chat (1):\n#1 Picnic · Sun 2026-11-22 12:00 UTC · Park · 0 going"
    )
    assert await private(chat, who="carol") == NOTHING  # another person's private chat
    await chat.say("!newevent Coffee | tomorrow 18:00", "olga", channel="#dev")
    assert await private(chat) == (
        "Upcoming events in your channels (2):\n"
        "#1 Picnic · Sun 2026-11-22 12:00 UTC · Park · 0 going · in this chat\n"
        "#2 Coffee · Sun 2026-11-22 18:00 UTC · 0 going · in #dev"
    )
    await private(chat, "!announce 1 test:net/#dev")
    assert (await private(chat)).splitlines()[1] == (
        "#1 Picnic · Sun 2026-11-22 12:00 UTC · Park · 0 going · in #dev"
    )


async def test_a_bot_admin_gets_the_list_of_their_own_channels(database: Database) -> None:
    """A bot admin may open any event privately, but the list is of their channels: every
    channel's would bury theirs."""
    chat = Chat(database, admins=("test:net:id-carol",))
    await chat.say("!newevent Coffee | tomorrow 18:00", "olga", channel="#dev")
    await chat.say("!newevent Poker | tomorrow 17:00", "olga", channel="#secret")
    chat.leave("carol", "#secret")
    assert await private(chat, who="carol") == (
        "Upcoming events in #dev (1):\n#1 Coffee · Sun 2026-11-22 18:00 UTC · 0 going"
    )
    assert (await private(chat, "!event 2", "carol")).startswith("#2 Poker")


# Storage


@contextmanager
def counting_queries(database: Database) -> Iterator[list[str]]:
    """The SELECT statements sent to the database meanwhile."""
    sent: list[str] = []

    def note(*args: object) -> None:
        statement = str(args[2])
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append(statement)

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


@pytest.fixture
async def linked(database: Database) -> Chat:
    """#1, #2 and #4 in #dev; #2, #3 and the series #5 in #ops; #6 in #secret."""
    chat = Chat(database)
    for title, day, channel in (
        ("One", 22, "#dev"),
        ("Two", 23, "#dev"),
        ("Three", 24, "#ops"),
        ("Four", 25, "#dev"),
    ):
        await chat.say(f"!newevent {title} | 2026-11-{day} 18:00", "olga", channel=channel)
    await chat.say("!announce 2", "olga", channel="#ops")
    await chat.say("!newevent Standup | 2026-11-23 09:00 | repeat=weekly", "olga", channel="#ops")
    await chat.say("!newevent Poker | 2026-11-22 17:00", "olga", channel="#secret")
    return chat


async def channel_ids(database: Database, chat: Chat, *names: str) -> list[int]:
    async with database.unit_of_work(read_only=True) as uow:
        rows = [await uow.channels.find(chat.channel(name)) for name in names]
    return [row.id for row in rows if row is not None]


async def test_upcoming_in_several_channels_pages_each_event_once(
    linked: Chat, database: Database
) -> None:
    both = await channel_ids(database, linked, "#dev", "#ops")
    async with database.unit_of_work(read_only=True) as uow:
        pages = [await uow.events.upcoming(both, START, 2, offset) for offset in (0, 2, 4)]
    assert [([view.id for view in views], total) for views, total in pages] == [
        ([1, 5], 5),
        ([2, 3], 5),
        ([4], 5),
    ]


async def test_upcoming_in_several_channels_takes_as_many_queries_as_in_one(
    linked: Chat, database: Database
) -> None:
    dev, ops = await channel_ids(database, linked, "#dev", "#ops")

    async def queries(ids: list[int], limit: int) -> int:
        async with database.unit_of_work(read_only=True) as uow:
            await uow.channels.find(linked.channel("#dev"))  # the transaction is open
            with counting_queries(database) as sent:
                await uow.events.upcoming(ids, START, limit)
        return len(sent)

    # The same channel twice is asked about as several channels are.
    # No series, and the page holds every one-off event: the series and the page.
    assert await queries([dev], 10) == await queries([dev, dev], 10) == 2
    # More after the page: and how many in all.
    assert await queries([dev], 1) == await queries([dev, dev], 1) == 3
    # A series: and its called-off dates and the counts of its next date.
    assert await queries([ops], 10) == await queries([dev, ops], 10) == 4


async def test_the_channels_to_ask_about_are_those_on_your_network_with_upcoming_events(
    linked: Chat, database: Database
) -> None:
    await linked.say("!newevent Off | 2026-11-28 18:00", "olga", channel="#off")
    assert (await linked.say("!cancel 7", "olga", channel="#off")).startswith("Cancelled #7 Off")
    await linked.say("!newevent Quiz | 2026-11-28 16:00", "olga", channel="#dev", on="other")
    await private(linked, "!newevent Picnic | 2026-11-28 12:00", "bob")
    await private(linked, "!newevent Walk | 2026-11-28 12:00", "carol")
    monday = datetime(2026, 11, 23, 12, tzinfo=UTC)  # #secret's Poker is over
    async with database.unit_of_work(read_only=True) as uow:
        found = await uow.channels.with_upcoming_events(linked.channel("bob", DIRECT), monday)
    assert sorted(row.external_id for row in found) == ["#dev", "#ops", "bob"]
