"""A restart with other `[bot] reminders` moves the reminders of the upcoming events that
follow the defaults; an unchanged config costs nothing; two bots starting at once ask once."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.app import running_bot
from bot.config import BotSection
from bot.domain import DeliveryState
from bot.ports import Outbox
from bot.scheduler import Dispatcher
from storage import Database
from storage.deliveries import PLAN
from storage.models import DeliveryRow
from tests.harness import Chat, Clock, FakeNetwork

WHEN = "Sun 2026-11-22 18:00 UTC · Café Nero"


async def at(chat: Chat, day: int, hour: int) -> list[str]:
    """Move the clock to that November time, run what is due, return what was posted."""
    return await chat.posts_at(chat.clock.now.replace(day=day, hour=hour, minute=0))


async def restart(url: str, clock: Clock, reminders: tuple[str, ...]) -> None:
    """Start the whole bot on ``url`` with ``reminders`` as `[bot] reminders`, let it do
    what it does at start, and stop it."""
    settings = BotSection(database_url=url, reminders=reminders)
    async with running_bot(settings, [FakeNetwork()], clock=clock) as core:
        assert core.deliveries_settled is not None
        await core.deliveries_settled()  # the plans it asked for at start are done


async def plans_asked(database: Database) -> list[int]:
    """The events a plan is asked for and not done yet, one entry per request."""
    async with database.engine.connect() as connection:
        rows = await connection.scalars(
            select(DeliveryRow.event_id)
            .where(DeliveryRow.kind == PLAN, DeliveryRow.state == DeliveryState.PENDING)
            .order_by(DeliveryRow.event_id)
        )
        return [event_id for event_id in rows if event_id is not None]


async def deliveries(database: Database) -> dict[str, DeliveryState]:
    async with database.unit_of_work(read_only=True) as uow:
        return await uow.deliveries.states()


async def test_after_a_restart_with_new_default_reminders_a_channel_gets_only_the_new_ones(
    database: Database, database_url: str
) -> None:
    chat = Chat(database)  # [bot] reminders = ["1d", "1h"]
    await chat.dispatcher.follow_default_reminders()  # as the bot does when it starts
    await chat.say("!newevent Coffee | tomorrow 18:00 | Café Nero", "olga")
    await chat.say("!rsvp 1", "bob")

    await restart(database_url, chat.clock, reminders=("2h",))
    assert await plans_asked(database) == []  # the restarted bot planned the event again

    restarted = Chat(database, clock=chat.clock, reminders=("2h",))
    assert await at(restarted, 21, 18) == []  # not 1 day before
    assert await at(restarted, 22, 16) == [
        f"Reminder: #1 Coffee starts in 2 h.\n{WHEN} · 1 going\nComing? !rsvp 1"
    ]
    assert await at(restarted, 22, 17) == []  # not 1 hour before
    assert await at(restarted, 22, 18) == ["Starting now: #1 Coffee at Café Nero.\n1 going"]


async def test_a_restart_with_the_same_default_reminders_asks_for_no_plans(
    database: Database, database_url: str
) -> None:
    chat = Chat(database)
    await chat.dispatcher.follow_default_reminders()
    await chat.say("!newevent Coffee | tomorrow 18:00", "olga")
    before = await deliveries(database)

    # The same offsets, written otherwise.
    await restart(database_url, chat.clock, reminders=("60m", "24h"))

    assert await deliveries(database) == before  # no plan asked for, none done
    planned = sorted(key.split("/")[2] for key in before if f"/{PLAN}/" not in key)
    assert planned == ["remind:1d", "remind:1h", "start"]


async def test_a_database_with_no_defaults_recorded_plans_its_events_again_once(
    database: Database,
) -> None:
    """Its reminders were planned with whatever `[bot] reminders` said then (a database from
    before the defaults were recorded, or one just imported): planned again rather than
    trusted."""
    chat = Chat(database)
    await chat.say("!newevent Coffee | tomorrow 18:00", "olga")

    await chat.dispatcher.follow_default_reminders()
    assert await plans_asked(database) == [1]
    await chat.dispatcher.follow_default_reminders()
    assert await plans_asked(database) == [1]


async def test_only_events_whose_reminders_may_follow_the_defaults_are_planned_again(
    database: Database,
) -> None:
    chat = Chat(database)
    await chat.dispatcher.follow_default_reminders()
    await chat.say("!newevent Over | today 13:00", "olga")
    await chat.say("!newevent Coffee | tomorrow 18:00", "olga")
    await chat.say("!newevent Own | tomorrow 19:00 | remind=30m", "olga")
    await chat.say("!newevent Called off | tomorrow 20:00", "olga")
    await chat.say("!cancel 4 rain", "olga")
    await chat.say("!newevent Weekly | today 13:30 | repeat=weekly", "olga")
    chat.clock.advance(hours=2)  # Over and the first Weekly have begun

    restarted = Chat(database, clock=chat.clock, reminders=("2h",))
    await restarted.dispatcher.follow_default_reminders()

    assert await plans_asked(database) == [2, 5]


async def test_two_bots_starting_at_once_with_new_defaults_ask_once(
    database: Database, database_url: str
) -> None:
    chat = Chat(database)
    await chat.dispatcher.follow_default_reminders()
    for number in range(3):
        await chat.say(f"!newevent Talk {number} | tomorrow 18:00", "olga")
    second = Database(database_url)
    try:
        bots = [
            Dispatcher(db, Outbox(), BotSection(reminders=("2h",)), chat.clock)
            for db in (database, second)
        ]
        await asyncio.gather(*(bot.follow_default_reminders() for bot in bots))
    finally:
        await second.dispose()
    assert await plans_asked(database) == [1, 2, 3]


async def test_events_planned_again_together_each_get_their_own_reminders(
    database: Database, database_url: str
) -> None:
    """The plans a restart asks for are made a batch at a time: each event still gets its
    own channels, people and dates, and a cancelled one none."""
    chat = Chat(database)
    await chat.dispatcher.follow_default_reminders()
    await chat.say("!newevent Coffee | tomorrow 18:00", "olga")
    await chat.say("!remindme 1", "bob")
    await chat.say("!newevent Talks | tomorrow 19:00", "olga", channel="#talks")
    assert (await chat.say("!announce 2", "olga")).startswith("#2 Talks")
    await chat.say("!newevent Rained off | tomorrow 20:00", "olga")
    await chat.say("!cancel 3 rain", "olga")
    await chat.say("!newevent Weekly | tomorrow 09:00 | repeat=weekly", "olga")
    await chat.say("!cancel 4@2026-11-22 holiday", "olga")

    await restart(database_url, chat.clock, reminders=("2h",))

    planned = sorted(
        key.replace("/", " ")
        for key, state in (await deliveries(database)).items()
        if state is DeliveryState.PENDING and f"/{PLAN}/" not in key
    )
    assert planned == [
        "e1 2026-11-22T18:00+00:00 remind:2h c1",
        "e1 2026-11-22T18:00+00:00 remind:2h p2",
        "e1 2026-11-22T18:00+00:00 start c1",
        "e2 2026-11-22T19:00+00:00 remind:2h c1",
        "e2 2026-11-22T19:00+00:00 remind:2h c2",
        "e2 2026-11-22T19:00+00:00 start c1",
        "e2 2026-11-22T19:00+00:00 start c2",
        # The 22nd is called off: the next date's.
        "e4 2026-11-29T09:00+00:00 remind:2h c1",
        "e4 2026-11-29T09:00+00:00 start c1",
    ]
