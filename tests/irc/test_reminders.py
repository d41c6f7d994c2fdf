"""Reminders and announcements on a real ngIRCd: posted in the channels an event is linked to,
and privately to whoever asked, by the running bot on the real clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain import IncomingMessage
from tests.harness import start_soon
from tests.irc.bot import irc_bot
from tests.irc.client import IrcUsers, unique_name
from tests.irc.servers import Ngircd
from tests.irc.test_adapter import ORGANIZER, channel_ref, create_event, said, wire_safe


async def test_a_reminder_reaches_the_channel_and_whoever_asked_in_private(
    ngircd: Ngircd, irc_users: IrcUsers, tmp_path: Path
) -> None:
    channel = f"#{unique_name('remind')}"
    async with irc_bot(ngircd, tmp_path, channels=(channel,)) as bot:
        await create_event(
            bot.core, channel, "!newevent Coffee \r\nQUIT :x | in 2 hours | remind=1m"
        )
        lena = await irc_users.connect(ngircd, unique_name("lena"))
        await lena.join(channel)
        await lena.privmsg(channel, "!remindme 1")
        await lena.wait_for(said("remind you privately"))
        await start_soon(bot.core.database, 1, timedelta(seconds=62))  # reminders due in 2 s

        posts = [
            await lena.wait_for(said("Reminder: #1 Coffee"), timeout=15),
            await lena.wait_for(said(f"Reminder, {lena.nick}: #1 Coffee"), timeout=15),
        ]
        assert sorted(p.target for p in posts) == sorted([channel, lena.nick])
        for post in posts:
            wire_safe(post)
            assert "starts in 1 min" in post.text
        assert bot.adapter.connected


async def test_an_event_announced_into_a_second_channel_is_answered_from_there(
    ngircd: Ngircd, irc_users: IrcUsers, tmp_path: Path
) -> None:
    home, other = f"#{unique_name('home')}", f"#{unique_name('other')}"
    async with irc_bot(ngircd, tmp_path, channels=(home, other)) as bot:
        await create_event(bot.core, home, "!newevent Coffee | tomorrow 18:00 | limit=5")
        lena = await irc_users.connect(ngircd, unique_name("lena"))
        await lena.join(other)
        [answer] = await bot.core.handle(
            IncomingMessage(
                ORGANIZER, channel_ref(home), f"!announce 1 irc:testnet/{other}", datetime.now(UTC)
            )
        )
        assert "announced, card posted" in answer.plain_text
        card = await lena.wait_for(said("#1 Coffee"))
        assert card.target == other
        await lena.privmsg(other, "!rsvp 1")
        reply = await lena.wait_for(said("you're going to #1 Coffee"))
        summary = await lena.wait_for(said("1/5 going"))  # one headcount for both channels
        assert reply.target == summary.target == other


async def test_reminders_still_paced_out_when_the_bot_stops_arrive_once_after_it_restarts(
    ngircd: Ngircd, irc_users: IrcUsers, tmp_path: Path
) -> None:
    """Six reminders of three lines each, due at once, leave at the default pace (4 lines,
    then 1 a second). The bot stops after two: what it had not written yet is not marked
    sent, so the next start sends exactly the rest (the same database, as after a deploy)."""
    channel = f"#{unique_name('backlog')}"
    talks = [f"Talk {n}" for n in range(6)]
    lena = await irc_users.connect(ngircd, unique_name("lena"))
    await lena.join(channel)
    received: list[str] = []

    async def reminder() -> None:
        message = await lena.wait_for(said("Reminder: "), timeout=20)
        assert message.target == channel
        received.append(message.text.replace("\x02", "").split(" starts", 1)[0])

    async with irc_bot(ngircd, tmp_path, channels=(channel,)) as bot:
        for talk in talks:
            await create_event(bot.core, channel, f"!newevent {talk} | in 2 hours | remind=1m")
        for event_id in range(1, len(talks) + 1):
            await start_soon(bot.core.database, event_id, timedelta(seconds=62))
        for _ in range(2):
            await reminder()
    async with irc_bot(ngircd, tmp_path, channels=(channel,)):
        while len(received) < len(talks):
            await reminder()
        await lena.assert_no_message(said("Reminder: "), within=1.5)
    assert sorted(received) == sorted(f"Reminder: #{n + 1} {t}" for n, t in enumerate(talks))
