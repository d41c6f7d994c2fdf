"""Undoing a cancellation with `reopen`, through the chat harness on SQLite and PostgreSQL:
answers come back as they were, whoever answered is told, reminders come again (once), and
calendars show the event as on. The harness's clock reads Sat 2026-11-21 12:00 UTC."""

from __future__ import annotations

import icalendar
import pytest
from pydantic import SecretStr

from bot import feeds
from bot.config import WebSection
from bot.domain import ChannelRef, EventStatus, UserRef
from bot.ports import Undeliverable
from bot.replies import Reply
from storage import Database
from tests.harness import Chat

COFFEE = "#1 Coffee · Sun 2026-11-22 18:00 UTC · Café Nero"
SERIES = "#1 Coffee · {day} 18:00 UTC · every week · Café Nero"
# How a reminder shows the event's time and place.
WHEN = "Sun 2026-11-22 18:00 UTC · Café Nero"
WEB = WebSection(
    listen="127.0.0.1:1",
    public_url="http://127.0.0.1:1",
    secret=SecretStr("calendar-links-for-reopen-tests"),
)


@pytest.fixture
def chat(database: Database) -> Chat:
    return Chat(database)


async def coffee(chat: Chat, options: str = "") -> None:
    created = await chat.say(f"!newevent Coffee | tomorrow 18:00 | Café Nero{options}", "olga")
    assert created.startswith(f"Created {COFFEE}")


async def weekly_coffee(chat: Chat) -> None:
    created = await chat.say(
        "!newevent Coffee | tomorrow 18:00 | Café Nero | repeat=weekly", "olga"
    )
    assert created.startswith(f"Created {SERIES.format(day='Sun 2026-11-22')}")


async def at(chat: Chat, day: int, hour: int, minute: int = 0) -> list[str]:
    """Move the clock to that November time, send what is due, return what #main got."""
    return await chat.posts_at(chat.clock.now.replace(day=day, hour=hour, minute=minute))


async def snapshot(chat: Chat) -> list[str]:
    """What anyone could look up about event #1."""
    return [await chat.say("!events"), await chat.say("!event 1"), await chat.say("!who 1")]


async def calendar_entry(database: Database) -> icalendar.Event:
    """Event #1 as calendar apps that subscribed to its link read it."""
    body = await feeds.event_calendar(database, WEB, 1, feeds.signature(WEB, "event", 1))
    assert body is not None
    (entry,) = icalendar.Calendar.from_ical(body).events
    return entry


# Reopening an event


async def test_reopening_brings_back_every_answer_and_tells_whoever_had_answered(
    chat: Chat,
) -> None:
    await coffee(chat, " | limit=1")
    await chat.say("!rsvp 1", "olga")
    await chat.say("!rsvp 1", "bob")  # waitlisted
    await chat.say("!rsvp 1 maybe", "carol")
    await chat.say("!rsvp 1 no", "dave")
    before = await snapshot(chat)
    assert await chat.say("!cancel 1 rain", "olga") == (
        "Cancelled #1 Coffee (Sun 2026-11-22 18:00 UTC). Reason: rain\n"
        "Told 2 attendees. Undo: !reopen 1"
    )

    answer = await chat.say("!reopen 1", "olga")
    await chat.deliver()

    assert answer == (
        "Reopened #1 Coffee (Sun 2026-11-22 18:00 UTC), answers as they were: "
        "1/1 going · 1 waitlisted · 1 maybe.\nTold 2 attendees."
    )
    back_on = (
        "Back on: #1 Coffee is no longer cancelled. Your answer stands.\n"
        f"{COFFEE} · 1/1 going · 1 waitlisted · 1 maybe"
    )
    cancelled = "#1 Coffee (Sun 2026-11-22 18:00 UTC) is cancelled. Reason: rain"
    assert chat.network.sent_to("id-bob") == [cancelled, back_on]
    assert chat.network.sent_to("id-carol") == [cancelled, back_on]
    assert chat.network.sent_to("id-dave") == []
    assert chat.network.sent_to("id-olga") == []
    assert await snapshot(chat) == before
    assert chat.network.changed[-1].stored_status is EventStatus.SCHEDULED  # cards refreshed
    # The waitlist is served in its old order again.
    assert (await chat.say("!rsvp 1 no", "olga")).splitlines()[1] == (
        "Off the waitlist and now going: bob."
    )


async def test_an_admin_may_reopen_a_stranger_may_not_and_nothing_changes(chat: Chat) -> None:
    await coffee(chat)
    await chat.say("!rsvp 1", "bob")
    await chat.say("!cancel 1", "olga")
    before = await snapshot(chat)
    sent = len(chat.network.sent)

    answer = await chat.say("!reopen 1", "mallory")

    assert answer == "Only the organizer (olga) or an admin can reopen #1."
    assert await snapshot(chat) == before
    assert len(chat.network.sent) == sent
    chat.make_channel_admin("carol")
    assert await chat.say("!uncancel 1", "carol") == (
        "Reopened #1 Coffee (Sun 2026-11-22 18:00 UTC), answers as they were: 1 going.\n"
        "Told 1 attendee."
    )
    assert (await chat.say("!events")).splitlines()[1:] == [f"{COFFEE} · 1 going"]


async def test_reopening_what_nobody_answered_says_so(chat: Chat) -> None:
    await coffee(chat)
    await chat.say("!cancel 1", "olga")
    assert (await chat.say("!reopen 1", "olga")).splitlines()[1] == "Nobody else had answered yet."


@pytest.mark.parametrize(
    ("text", "error"),
    [
        pytest.param(
            "!reopen 1",
            "#1 Coffee is not cancelled.\nUsage: !reopen ID[@DATE] · e.g. !reopen 12",
            id="not-cancelled",
        ),
        pytest.param(
            "!reopen 9",
            "There is no event #9. See !events for the events in this channel.\n"
            "Usage: !reopen ID[@DATE] · e.g. !reopen 12",
            id="no-such-event",
        ),
        pytest.param(
            "!reopen 1@2026-11-22",
            "#1 Coffee happens once, so it has no dates to pick from: !reopen 1\n"
            "Usage: !reopen ID[@DATE] · e.g. !reopen 12",
            id="a-date-of-a-one-off",
        ),
        pytest.param(
            "!reopen 1 please",
            "Unexpected 'please' after the event number.\n"
            "Usage: !reopen ID[@DATE] · e.g. !reopen 12",
            id="words-after-it",
        ),
    ],
)
async def test_reopen_refuses_what_it_cannot_reopen(chat: Chat, text: str, error: str) -> None:
    await coffee(chat)
    await chat.say("!rsvp 1", "bob")
    before = await snapshot(chat)
    assert await chat.say(text, "olga") == error
    assert await snapshot(chat) == before
    assert chat.network.sent == []


async def test_an_event_whose_start_has_passed_stays_cancelled(chat: Chat) -> None:
    await chat.say("!newevent Tea | in 1 hour", "olga")
    await chat.say("!rsvp 1", "bob")
    await chat.say("!cancel 1", "olga")
    chat.clock.advance(hours=1)  # 13:00: it would have begun
    before = await snapshot(chat)

    answer = await chat.say("!reopen 1", "olga")

    assert answer == (
        "#1 Tea was to start Sat 2026-11-21 13:00 UTC: too late to reopen it. "
        "Plan it again: !newevent Tea | WHEN"
    )
    assert await snapshot(chat) == before
    assert len(chat.network.sent_to("id-bob")) == 1  # the cancellation only
    assert await chat.say("!cancel 1", "olga") == "#1 Tea is already cancelled."


async def test_cancelling_again_says_it_is_cancelled_and_how_to_undo_that(chat: Chat) -> None:
    await coffee(chat)
    await chat.say("!rsvp 1", "bob")
    await chat.say("!cancel 1", "olga")
    assert await chat.say("!cancel 1 really", "olga") == (
        "#1 Coffee is already cancelled. Undo: !reopen 1"
    )
    assert await chat.say("!cancel 1", "mallory") == (
        "Only the organizer (olga) or an admin can cancel #1."
    )
    assert len(chat.network.sent_to("id-bob")) == 1


async def test_editing_a_cancelled_event_points_at_reopen_and_changes_nothing(
    chat: Chat,
) -> None:
    await coffee(chat, " | limit=10")
    await chat.say("!cancel 1", "olga")
    assert await chat.say("!edit 1 limit=5 where=Pub", "olga") == (
        "#1 Coffee is already cancelled. To change it, reopen it first: !reopen 1"
    )
    assert await chat.say("!edit 1 limit=5", "mallory") == (
        "Only the organizer (olga) or an admin can edit #1."
    )
    await chat.say("!reopen 1", "olga")
    assert (await chat.say("!event 1")).splitlines()[2:5] == [
        "Where: Café Nero",
        "Organizer: olga",
        "Announced in: #main (test:net)",
    ]
    assert "Attendance: 0/10 going" in await chat.say("!event 1")


# Reminders


async def test_reminders_dropped_by_cancelling_come_again_at_their_time(chat: Chat) -> None:
    await coffee(chat)
    await chat.say("!remindme 1", "bob")
    await chat.say("!cancel 1", "olga")
    chat.clock.advance(minutes=30)
    await chat.say("!reopen 1", "olga")

    assert await at(chat, 21, 17, 59) == []
    assert await at(chat, 21, 18) == [
        f"Reminder: #1 Coffee starts in 1 day.\n{WHEN} · 0 going\nComing? !rsvp 1"
    ]
    assert await at(chat, 22, 17) == [
        f"Reminder: #1 Coffee starts in 1 h.\n{WHEN} · 0 going\nComing? !rsvp 1"
    ]
    assert await at(chat, 22, 18) == ["Starting now: #1 Coffee at Café Nero.\n0 going"]
    # bob asked for reminders but never answered, so he was not told of either change.
    assert [told.splitlines()[0] for told in chat.network.sent_to("id-bob")] == [
        "Reminder, bob: #1 Coffee starts in 1 day.",
        "Reminder, bob: #1 Coffee starts in 1 h.",
    ]


async def test_a_reminder_sent_before_cancelling_is_not_sent_again(chat: Chat) -> None:
    await coffee(chat)
    assert len(await at(chat, 21, 18)) == 1  # the 1-day reminder
    for _ in range(2):  # cancelled and reopened twice over
        await at(chat, 21, 19)
        await chat.say("!cancel 1", "olga")
        await chat.say("!reopen 1", "olga")

    assert await at(chat, 21, 23) == []
    assert await at(chat, 22, 17) == [
        f"Reminder: #1 Coffee starts in 1 h.\n{WHEN} · 0 going\nComing? !rsvp 1"
    ]
    assert await at(chat, 22, 17, 30) == []


# Other channels


async def test_every_other_channel_it_is_announced_in_gets_a_post(chat: Chat) -> None:
    await coffee(chat)
    await chat.say("!announce 1", "olga", channel="#other")
    await chat.say("!cancel 1", "olga")
    assert await chat.say("!reopen 1", "olga") == (
        "Reopened #1 Coffee (Sun 2026-11-22 18:00 UTC), answers as they were: 0 going.\n"
        "Nobody else had answered yet."
    )
    assert chat.network.posted_in("#other") == [
        "#1 Coffee (Sun 2026-11-22 18:00 UTC) is cancelled.",
        f"Back on: #1 Coffee is no longer cancelled.\n{COFFEE} · 0 going\nComing? !rsvp 1",
    ]
    assert chat.network.posted_in("#main") == []  # it read the reply


async def test_a_cancellation_notice_still_unsent_when_reopened_is_dropped(chat: Chat) -> None:
    await coffee(chat)
    await chat.say("!rsvp 1", "bob")
    network = chat.network
    offline = {"id-bob"}
    send = network.send

    async def send_while_online(target: UserRef | ChannelRef, reply: Reply) -> None:
        if target.id in offline:
            raise Undeliverable("bob is offline", retry=True)
        await send(target, reply)

    network.send = send_while_online  # type: ignore[method-assign]
    await chat.say("!cancel 1", "olga")
    await chat.say("!reopen 1", "olga")
    offline.clear()
    chat.clock.advance(hours=1)  # both notices are tried again
    await chat.deliver()

    assert network.sent_to("id-bob") == [
        f"Back on: #1 Coffee is no longer cancelled. Your answer stands.\n{COFFEE} · 1 going"
    ]


# Calendars


async def test_calendars_show_a_reopened_event_as_confirmed(chat: Chat, database: Database) -> None:
    await coffee(chat)
    first = await calendar_entry(database)
    await chat.say("!cancel 1", "olga")
    cancelled = await calendar_entry(database)
    chat.clock.advance(minutes=5)
    await chat.say("!reopen 1", "olga")

    reopened = await calendar_entry(database)

    assert [str(e["STATUS"]) for e in (first, cancelled, reopened)] == [
        "CONFIRMED",
        "CANCELLED",
        "CONFIRMED",
    ]
    assert str(reopened["SUMMARY"]) == "Coffee"
    # Calendar apps replace their copy only when SEQUENCE grows.
    assert [e["SEQUENCE"] for e in (first, cancelled, reopened)] == [0, 1, 2]
    assert reopened.decoded("LAST-MODIFIED") == chat.clock.now


# Repeating events


async def test_one_called_off_date_of_a_series_is_reopened(chat: Chat, database: Database) -> None:
    await weekly_coffee(chat)
    await chat.say("!rsvp 1@2026-11-29", "bob")
    await chat.say("!rsvp 1@2026-11-29 maybe", "carol")
    await chat.say("!rsvp 1", "dave")  # the 22nd: nothing to do with the 29th
    assert await chat.say("!cancel 1@2026-11-29 holiday", "olga") == (
        "Cancelled #1 Coffee on Sun 2026-11-29 18:00 UTC. The series goes on. Reason: holiday\n"
        "Told 2 attendees. Undo: !reopen 1@2026-11-29"
    )
    assert "EXDATE" in (await calendar_entry(database))

    answer = await chat.say("!reopen 1@2026-11-29", "olga")
    await chat.deliver()

    assert answer == (
        "Reopened #1 Coffee on Sun 2026-11-29 18:00 UTC, answers as they were: "
        "1 going · 1 maybe.\nTold 2 attendees."
    )
    assert chat.network.sent_to("id-bob")[1] == (
        "Back on: #1 Coffee on Sun 2026-11-29 is no longer cancelled. Your answer stands.\n"
        f"{SERIES.format(day='Sun 2026-11-29')} · 1 going · 1 maybe"
    )
    assert len(chat.network.sent_to("id-carol")) == 2
    assert chat.network.sent_to("id-dave") == []
    assert "Next dates: Sun 2026-11-22, Sun 2026-11-29, Sun 2026-12-06" in (
        await chat.say("!event 1")
    )
    assert "EXDATE" not in (await calendar_entry(database))
    assert (await chat.say("!rsvp 1@2026-11-29", "eve")).startswith(
        "eve: you're going to #1 Coffee on Sun 2026-11-29."
    )


async def test_the_next_date_reopened_is_reminded_again(chat: Chat) -> None:
    await weekly_coffee(chat)
    await chat.say("!cancel 1@2026-11-22", "olga")
    chat.clock.advance(hours=1)
    await chat.say("!reopen 1@2026-11-22", "olga")

    assert await at(chat, 21, 18) == [
        f"Reminder: #1 Coffee starts in 1 day.\n{WHEN} · 0 going\nComing? !rsvp 1"
    ]
    assert await at(chat, 21, 23) == []


async def test_a_date_is_reopened_only_if_called_off_and_not_begun(chat: Chat) -> None:
    await weekly_coffee(chat)
    await chat.say("!cancel 1@2026-11-22", "olga")
    await chat.say("!cancel 1@2026-11-29", "olga")
    not_that_one = "Its next called-off date is Sun 2026-11-22: !reopen 1@2026-11-22"
    assert await chat.say("!reopen 1", "olga") == f"#1 Coffee is not cancelled. {not_that_one}"
    assert await chat.say("!reopen 1@2026-12-06", "olga") == (
        f"#1 Coffee on Sun 2026-12-06 is not cancelled. {not_that_one}"
    )
    assert await chat.say("!reopen 1@2026-11-23", "olga") == (
        "#1 Coffee has no date on Mon 2026-11-23 (it repeats every week).\n"
        "Usage: !reopen ID[@DATE] · e.g. !reopen 12"
    )
    assert await chat.say("!cancel 1@2026-11-29", "olga") == (
        "#1 Coffee on Sun 2026-11-29 is already cancelled. Undo: !reopen 1@2026-11-29"
    )
    chat.clock.advance(days=1, hours=6)  # Sun 18:00: the 22nd has begun
    assert await chat.say("!reopen 1@2026-11-22", "olga") == (
        "#1 Coffee was to start Sun 2026-11-22 18:00 UTC: too late to reopen that date."
    )
    assert await chat.say("!cancel 1@2026-11-22", "olga") == (
        "#1 Coffee on Sun 2026-11-22 is already cancelled."
    )
    assert "Sun 2026-11-29 (cancelled)" in await chat.say("!event 1")


async def test_reopening_a_whole_series_keeps_dates_called_off_on_their_own(
    chat: Chat,
) -> None:
    await weekly_coffee(chat)
    await chat.say("!cancel 1@2026-11-29 holiday", "olga")
    await chat.say("!rsvp 1@2026-12-06", "bob")
    await chat.say("!cancel 1@all moving house", "olga")
    assert await chat.say("!reopen 1@2026-12-06", "olga") == (
        "#1 Coffee is cancelled with all its dates: reopen them with !reopen 1"
    )
    assert await chat.say("!cancel 1@2026-12-06", "olga") == (
        "#1 Coffee, every date, is already cancelled. Undo: !reopen 1"
    )

    answer = await chat.say("!reopen 1@all", "olga")
    await chat.deliver()

    assert answer == (
        "Reopened #1 Coffee, every date (every week), answers as they were. "
        "Next: Sun 2026-11-22 18:00 UTC · 0 going. Still called off: Sun 2026-11-29.\n"
        "Told 1 attendee."
    )
    assert chat.network.sent_to("id-bob")[1:] == [
        "Back on: #1 Coffee is no longer cancelled. Your answers stand.\n"
        f"{SERIES.format(day='Sun 2026-11-22')} · 0 going"
    ]
    assert (await chat.say("!who 1@2026-12-06")).splitlines()[1] == "Going (1): bob"
    assert (await chat.say("!rsvp 1@2026-11-29", "carol")).startswith(
        "#1 Coffee on Sun 2026-11-29 is cancelled (holiday)."
    )
    assert (await chat.say("!events")).splitlines()[1:] == [
        f"{SERIES.format(day='Sun 2026-11-22')} · 0 going"
    ]
    assert (await at(chat, 21, 18))[0].startswith("Reminder: #1 Coffee starts in 1 day.")


async def test_help_explains_reopen(chat: Chat) -> None:
    assert (await chat.say("!help uncancel")).splitlines()[0] == (
        "!reopen ID[@DATE] — undo cancel: the event is back on, with everyone's answers as "
        "they were"
    )
