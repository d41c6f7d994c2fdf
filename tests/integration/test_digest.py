"""The weekly digest and a channel's settings, through the chat harness."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.scheduler.digest import next_digest
from storage import Database
from tests.harness import Chat

# The harness starts on Sat 2026-11-21 12:00 UTC.


@pytest.fixture
def chat(database: Database) -> Chat:
    chat = Chat(database)
    chat.make_channel_admin("olga")
    return chat


async def at(chat: Chat, day: int, hour: int) -> list[str]:
    return await chat.posts_at(chat.clock.now.replace(day=day, hour=hour))


async def test_settings_show_the_defaults_to_anyone(chat: Chat) -> None:
    assert await chat.say("!settings", "bob") == (
        "Time zone: UTC (the bot's default) · change with !tz ZONE\n"
        "Reminders before events: 1d,1h (the bot's default) · change with !settings remind=2h\n"
        "Weekly digest: off (the bot's default) · change with !settings digest=mon 09:00"
    )


async def test_only_a_channel_admin_changes_settings(chat: Chat) -> None:
    answer = await chat.say("!settings digest=mon 09:00", "bob")
    assert answer.startswith("Only an admin of this channel can change its settings.")
    assert "Weekly digest: off" in await chat.say("!settings", "bob")


async def test_the_digest_lists_the_coming_week_at_its_time(chat: Chat) -> None:
    await chat.say("!newevent Coffee | 2026-11-24 18:00 | Café Nero", "olga")
    await chat.say("!newevent Talks | 2026-12-05 18:00", "olga")
    answer = await chat.say("!settings digest=monday 9:00", "olga")
    assert answer.startswith("Saved.\n")
    assert "Weekly digest: mon 09:00 (set here); next: Mon 2026-11-23 09:00 UTC" in answer

    assert await at(chat, 23, 8) == []
    assert await at(chat, 23, 9) == [
        "Coming up in #main this week (1):\n"
        "#1 Coffee · Tue 2026-11-24 18:00 UTC · Café Nero · 0 going\n"
        "Coming? !rsvp ID  ·  details: !event ID"
    ]
    assert await at(chat, 23, 10) == []
    [second] = await at(chat, 30, 9)
    assert second.splitlines()[:2] == [
        "Coming up in #main this week (1):",
        "#2 Talks · Sat 2026-12-05 18:00 UTC · 0 going",
    ]


async def test_a_week_with_nothing_planned_posts_no_digest(chat: Chat) -> None:
    await chat.say("!settings digest=mon 09:00", "olga")
    assert await at(chat, 23, 9) == []
    # ... and the next week's is still planned.
    await chat.say("!newevent Coffee | 2026-12-01 18:00", "olga")
    assert len(await at(chat, 30, 9)) == 1


async def test_turning_the_digest_off_drops_the_planned_one(chat: Chat) -> None:
    await chat.say("!newevent Coffee | 2026-11-24 18:00", "olga")
    await chat.say("!settings digest=mon 09:00", "olga")
    assert "Weekly digest: off (set here)" in await chat.say("!settings digest=off", "olga")
    assert await at(chat, 23, 9) == []


async def test_the_configs_digest_applies_to_channels_that_set_none(database: Database) -> None:
    chat = Chat(database, digest="mon 09:00")
    await chat.say("!newevent Coffee | 2026-11-24 18:00", "olga")
    await chat.dispatcher.plan_digests()  # as the bot does when it starts
    assert len(await at(chat, 23, 9)) == 1


async def test_a_channel_reminder_default_moves_the_reminders_of_its_events(chat: Chat) -> None:
    await chat.say("!newevent Coffee | tomorrow 18:00", "olga")
    answer = await chat.say("!settings remind=2h", "olga")
    assert "Reminders before events: 2h (set here)" in answer
    assert await at(chat, 21, 18) == []  # the 1d default is gone
    assert [p.splitlines()[0] for p in await at(chat, 22, 16)] == [
        "Reminder: #1 Coffee starts in 2 h."
    ]


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("!settings digest=someday", "Can't read the digest time 'someday'."),
        ("!settings remind=5x", "Can't read the reminder '5x'"),
        (
            "!settings colour=blue",
            "There is no setting 'colour': a channel has remind= and digest=",
        ),
        ("!settings weekly", "There is no setting 'weekly'"),
        ("!settings digest=mon 09:00 digest=fri 10:00", "Give digest= once."),
    ],
)
async def test_bad_settings_are_refused_with_an_example(
    chat: Chat, typed: str, problem: str
) -> None:
    answer = await chat.say(typed, "olga")
    assert answer.startswith(problem)
    assert "Usage: !settings" in answer
    assert "Weekly digest: off" in await chat.say("!settings", "olga")


def test_the_digest_keeps_its_wall_clock_time_across_dst() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    before = next_digest("mon 09:00", berlin, datetime(2027, 3, 15, 12, tzinfo=UTC))
    after = next_digest("mon 09:00", berlin, before)
    assert before.astimezone(berlin).hour == after.astimezone(berlin).hour == 9
    assert (before.hour, after.hour) == (8, 7)  # CET, then CEST
