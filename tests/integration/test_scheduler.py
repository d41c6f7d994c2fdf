"""Reminders, start posts and notices: on time by the chat's clock, exactly once, across
restarts, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import BotSection
from bot.domain import ChannelRef, DeliveryState, UserRef
from bot.ports import Outbox
from bot.replies import Reply
from bot.scheduler import Dispatcher
from bot.scheduler.dispatcher import LEASE
from storage import Database
from tests.harness import Chat, FakeNetwork

# The harness starts at Sat 2026-11-21 12:00 UTC; the event is the next day at 18:00, so its
# default reminders (1d, 1h) are due Sat 18:00 and Sun 17:00.
WHEN = "Sun 2026-11-22 18:00 UTC · Café Nero"


@pytest.fixture
def chat(database: Database) -> Chat:
    return Chat(database)


async def coffee(chat: Chat, options: str = "") -> None:
    created = await chat.say(f"!newevent Coffee | tomorrow 18:00 | Café Nero{options}", "olga")
    assert created.startswith("Created #1 Coffee")


async def at(chat: Chat, day: int, hour: int, minute: int = 0) -> list[str]:
    """Move the clock to that November time, run what is due, return what was posted."""
    return await chat.posts_at(chat.clock.now.replace(day=day, hour=hour, minute=minute))


async def test_reminders_come_at_their_offsets_then_the_start_post(chat: Chat) -> None:
    await coffee(chat)
    await chat.say("!rsvp 1", "bob")

    assert await at(chat, 21, 17, 59) == []
    assert await at(chat, 21, 18) == [
        f"Reminder: #1 Coffee starts in 1 day.\n{WHEN} · 1 going\nComing? !rsvp 1"
    ]
    assert await at(chat, 21, 18, 1) == []
    assert await at(chat, 22, 17) == [
        f"Reminder: #1 Coffee starts in 1 h.\n{WHEN} · 1 going\nComing? !rsvp 1"
    ]
    assert await at(chat, 22, 18) == ["Starting now: #1 Coffee at Café Nero.\n1 going"]
    assert await at(chat, 23, 9) == []


async def test_a_restarted_bot_does_not_send_a_reminder_again(
    chat: Chat, database: Database
) -> None:
    await coffee(chat)
    assert len(await at(chat, 21, 18)) == 1

    network = FakeNetwork()
    outbox = Outbox()
    outbox.register(network)
    restarted = Dispatcher(database, outbox, BotSection(), chat.clock)
    chat.clock.advance(minutes=5)
    assert await restarted.run_due() == 0
    assert network.sent == []


async def test_a_claim_abandoned_by_a_crash_is_sent_once_after_its_lease(
    chat: Chat, database: Database
) -> None:
    await coffee(chat)
    chat.clock.now = chat.clock.now.replace(hour=18)
    # A bot claims the 1d reminder and dies before sending it.
    async with database.unit_of_work() as uow:
        claimed = await uow.deliveries.claim(
            chat.clock.now, worker="dead", lease_until=chat.clock.now + LEASE, limit=10
        )
        await uow.commit()
    assert [d.kind for d in claimed] == ["remind:1d"]

    # The restarted bot leaves it alone while the lease may still be held ...
    await chat.deliver()
    assert chat.network.posted_in("#main") == []
    # ... and sends it once the lease has run out, saying how far off the event now is.
    chat.clock.advance(seconds=LEASE.total_seconds() + 1)
    await chat.deliver()
    await chat.deliver()
    assert [p.splitlines()[0] for p in chat.network.posted_in("#main")] == [
        "Reminder: #1 Coffee starts in 23 h 59 min."
    ]
    # The dead bot's late "sent" changes nothing.
    async with database.unit_of_work() as uow:
        assert not await uow.deliveries.finish(
            claimed[0].id, "dead", DeliveryState.SENT, chat.clock.now
        )
        await uow.commit()


async def test_a_sender_never_takes_back_its_own_send_under_way_when_its_lease_ran_out(
    chat: Chat, database: Database
) -> None:
    """A stalled event loop may let a lease run out while the send is still under way:
    the same sender must not claim it again (the send would go out twice)."""
    await coffee(chat)
    chat.clock.now = chat.clock.now.replace(hour=18)
    async with database.unit_of_work() as uow:
        claimed = await uow.deliveries.claim(
            chat.clock.now, worker="slow", lease_until=chat.clock.now + LEASE, limit=10
        )
        await uow.commit()
    later = chat.clock.now + LEASE + timedelta(seconds=1)
    busy = [delivery.id for delivery in claimed]
    async with database.unit_of_work() as uow:
        again = await uow.deliveries.claim(
            later, worker="slow", lease_until=later + LEASE, limit=10, busy=busy
        )
        await uow.commit()
    assert again == []
    # Another sender does take it over: the slow one may have died.
    async with database.unit_of_work() as uow:
        taken = await uow.deliveries.claim(later, worker="other", lease_until=later, limit=10)
        await uow.commit()
    assert [d.id for d in taken] == busy


async def test_after_downtime_only_the_latest_due_reminder_goes_out(chat: Chat) -> None:
    await coffee(chat)
    # Down from Saturday noon to Sunday 17:30: both reminders came due meanwhile.
    assert await at(chat, 22, 17, 30) == [
        f"Reminder: #1 Coffee starts in 30 min.\n{WHEN} · 0 going\nComing? !rsvp 1"
    ]
    # Down through the start too: a "starting now" long after the start is not posted.
    assert await at(chat, 22, 19) == []


async def test_moving_an_event_moves_its_reminders(chat: Chat) -> None:
    await coffee(chat)
    assert len(await at(chat, 21, 18)) == 1
    assert (await chat.say("!edit 1 when=2026-11-24 18:00", "olga")).startswith("Updated #1")

    # Nothing at the old times; the new 1d reminder comes at the new time.
    assert await at(chat, 22, 17) == []
    assert await at(chat, 22, 18) == []
    posted = await at(chat, 23, 18)
    assert [p.splitlines()[0] for p in posted] == ["Reminder: #1 Coffee starts in 1 day."]


async def test_a_reminder_whose_time_passed_in_an_edit_is_not_sent_late(chat: Chat) -> None:
    await coffee(chat, " | remind=2h")
    chat.clock.now = chat.clock.now.replace(day=22, hour=15)
    # Moved to start in 90 minutes: its 2h reminder would already be late.
    await chat.say("!edit 1 when=2026-11-22 16:30", "olga")
    assert await at(chat, 22, 16, 29) == []
    assert await at(chat, 22, 16, 30) == ["Starting now: #1 Coffee at Café Nero.\n0 going"]


async def test_a_cancelled_event_sends_nothing_more_and_tells_its_attendees(
    chat: Chat,
) -> None:
    await coffee(chat)
    await chat.say("!rsvp 1", "bob")
    await chat.say("!cancel 1 rain", "olga")

    assert chat.network.sent_to("id-bob") == [
        f"#1 Coffee ({WHEN.split(' · ')[0]}) is cancelled. Reason: rain"
    ]
    assert await at(chat, 21, 18) == []
    assert await at(chat, 22, 18) == []


async def test_people_who_asked_get_private_reminders(chat: Chat) -> None:
    await coffee(chat, " | remind=1h")
    await chat.say("!remindme 1", "bob")
    await chat.say("!remindme 1", "carol")
    await chat.say("!remindme 1 off", "carol")

    await at(chat, 22, 17)
    assert chat.network.sent_to("id-bob") == [
        "Reminder, bob: #1 Coffee starts in 1 h.\n"
        f"{WHEN} · 0 going\nNo more of these: !remindme 1 off"
    ]
    assert chat.network.sent_to("id-carol") == []


async def test_the_channel_default_applies_when_the_event_sets_none(
    chat: Chat, database: Database
) -> None:
    await coffee(chat)
    async with database.unit_of_work() as uow:
        channel = await uow.channels.find(chat.channel())
        assert channel is not None
        channel.reminders = "30m"
        await uow.deliveries.request_plan(1, chat.clock.now)
        await uow.commit()
    await chat.deliver()

    assert await at(chat, 21, 18) == []
    assert [p.splitlines()[0] for p in await at(chat, 22, 17, 30)] == [
        "Reminder: #1 Coffee starts in 30 min."
    ]


async def test_a_failed_delivery_is_retried_until_it_goes_through(chat: Chat) -> None:
    await coffee(chat)
    failures = 2

    async def flaky(target: object, reply: object) -> None:
        nonlocal failures
        if failures:
            failures -= 1
            raise ConnectionError("network down")
        chat.network.sent.append((target, reply))  # type: ignore[arg-type]

    chat.network.send = flaky  # type: ignore[method-assign]
    assert await at(chat, 21, 18) == []
    chat.clock.advance(seconds=20)
    await chat.deliver()
    assert chat.network.posted_in("#main") == []
    chat.clock.advance(minutes=1)
    await chat.deliver()
    assert [p.splitlines()[0] for p in chat.network.posted_in("#main")] == [
        "Reminder: #1 Coffee starts in 23 h 59 min."
    ]


async def test_a_network_slow_to_take_messages_holds_up_no_other(
    chat: Chat, database: Database
) -> None:
    """Eight reminders stuck on one network (IRC's pacing, a flooded chat, a server being
    reconnected to) hold up neither a later round nor the other network's reminder."""
    for number in range(8):
        await chat.say(f"!newevent Slow talk {number} | tomorrow 18:00 | remind=1h", "olga")
    await chat.say("!newevent Coffee | tomorrow 18:05 | remind=1h", "olga", on="other")
    gate, sent = asyncio.Event(), asyncio.Event()
    send, send_other = chat.network.send, chat.other.send

    async def stuck(target: ChannelRef | UserRef, reply: Reply) -> None:
        await gate.wait()
        await send(target, reply)
        sent.set()

    async def other(target: ChannelRef | UserRef, reply: Reply) -> None:
        await send_other(target, reply)
        sent.set()

    chat.network.send = stuck  # type: ignore[method-assign]
    chat.other.send = other  # type: ignore[method-assign]

    async def posted(network: FakeNetwork, count: int) -> list[str]:
        async with asyncio.timeout(5):
            while len(network.posted_in("#main")) < count:
                sent.clear()
                await sent.wait()
        return [p.splitlines()[0] for p in network.posted_in("#main")]

    dispatcher = chat.dispatcher
    await dispatcher.start()
    try:
        chat.clock.now = chat.clock.now.replace(day=22, hour=17)  # the talks' reminders
        dispatcher.kick()
        await asyncio.sleep(0.2)
        chat.clock.now = chat.clock.now.replace(minute=5)  # Coffee's, on the other network
        dispatcher.kick()
        assert await posted(chat.other, 1) == ["Reminder: #9 Coffee starts in 1 h."]
        assert chat.network.posted_in("#main") == []
        gate.set()
        assert sorted(await posted(chat.network, 8)) == [
            f"Reminder: #{n + 1} Slow talk {n} starts in 1 h." for n in range(8)
        ]
    finally:
        gate.set()
        await dispatcher.stop()
    async with database.unit_of_work(read_only=True) as uow:
        states = await uow.deliveries.states()
    reminders = [state for key, state in states.items() if "remind:" in key]
    assert reminders == [DeliveryState.SENT] * 9


async def test_two_bots_on_one_database_send_each_of_200_reminders_once(
    database: Database, database_url: str
) -> None:
    chat = Chat(database)
    for number in range(200):
        await chat.say(f"!newevent Talk {number} | tomorrow 18:00 | remind=1h", "olga")
    chat.clock.now = chat.clock.now.replace(day=22, hour=17)  # every 1h reminder is due
    second = Database(database_url)
    networks = [FakeNetwork(), FakeNetwork()]
    try:
        bots = []
        for db, network in zip((database, second), networks, strict=True):
            outbox = Outbox()
            outbox.register(network)
            bots.append(Dispatcher(db, outbox, BotSection(), chat.clock, batch=7))
        await asyncio.gather(*(bot.run_due() for bot in bots))
    finally:
        await second.dispose()

    firsts = [r.plain_text.splitlines()[0] for n in networks for _, r in n.sent]
    assert sorted(firsts) == sorted(
        f"Reminder: #{n + 1} Talk {n} starts in 1 h." for n in range(200)
    )
    # Both took a share: the work was really contested.
    assert all(network.sent for network in networks)


async def test_planning_an_event_again_changes_nothing(chat: Chat, database: Database) -> None:
    await coffee(chat)
    before = await planned(database)
    async with database.unit_of_work() as uow:
        await uow.deliveries.request_plan(1, chat.clock.now)
        await uow.commit()
    await chat.deliver()
    assert await planned(database) == before
    assert len(before) == 3  # 1d, 1h, start


async def planned(database: Database) -> dict[str, DeliveryState]:
    async with database.unit_of_work(read_only=True) as uow:
        states = await uow.deliveries.states()
    return {key: state for key, state in states.items() if "/plan/" not in key}


async def week_of(chat: Chat, day: datetime) -> list[str]:
    """Run the clock through one date of a weekly 18:00 Berlin event: its 1h reminder at
    17:00 local time, its start post at 18:00. Returns what was posted."""
    berlin = ZoneInfo("Europe/Berlin")
    posted: list[str] = []
    for hour in (16, 17, 18):
        before = len(chat.network.posted_in("#main"))
        chat.clock.now = day.replace(hour=hour, tzinfo=berlin).astimezone(UTC)
        await chat.deliver()
        posted += [p.splitlines()[0] for p in chat.network.posted_in("#main")[before:]]
    return posted


async def test_a_weekly_event_is_reminded_at_18_00_local_time_across_the_spring_change(
    database: Database,
) -> None:
    chat = Chat(database, timezone="Europe/Berlin")
    created = await chat.say(
        "!newevent Coffee | 2027-03-17 18:00 | repeat=weekly remind=1h", "olga"
    )
    assert created.startswith("Created #1 Coffee")
    await chat.say("!rsvp 1", "bob")  # the first date only
    await chat.say("!cancel 1@2027-03-31 Easter", "olga")

    expected = ["Reminder: #1 Coffee starts in 1 h.", "Starting now: #1 Coffee."]
    for day in (17, 24):  # CET, UTC+1
        assert await week_of(chat, datetime(2027, 3, day)) == expected
    assert await week_of(chat, datetime(2027, 3, 31)) == []  # called off
    assert await week_of(chat, datetime(2027, 4, 7)) == expected  # CEST, UTC+2
    # The reminders showed each date's own answers.
    reminders = [p for p in chat.network.posted_in("#main") if p.startswith("Reminder")]
    assert [r.splitlines()[1].rsplit(" · ", 1)[1] for r in reminders] == [
        "1 going",
        "0 going",
        "0 going",
    ]


async def test_a_weekly_event_keeps_18_00_across_the_autumn_change(database: Database) -> None:
    chat = Chat(database, timezone="Europe/Berlin")
    await chat.say("!newevent Coffee | 2027-10-20 18:00 | repeat=weekly remind=1h", "olga")
    expected = ["Reminder: #1 Coffee starts in 1 h.", "Starting now: #1 Coffee."]
    for day in (datetime(2027, 10, 20), datetime(2027, 10, 27), datetime(2027, 11, 3)):
        assert await week_of(chat, day) == expected


async def test_remindme_says_when_the_reminders_come_by_the_channels_default(
    chat: Chat,
) -> None:
    chat.make_channel_admin("olga")
    await chat.say("!settings remind=3h", "olga")
    await coffee(chat)
    assert (await chat.say("!remindme 1", "bob")).startswith(
        "bob: I'll remind you privately before #1 Coffee (3h before it starts)."
    )
    await at(chat, 22, 15)
    assert [m.splitlines()[0] for m in chat.network.sent_to("id-bob")] == [
        "Reminder, bob: #1 Coffee starts in 3 h."
    ]
