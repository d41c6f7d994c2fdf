"""Reminders on a real ngIRCd: posted in the channel, and privately to whoever asked, by the
running bot's scheduler on the real clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.irc.bot import irc_bot
from tests.irc.client import IrcUsers, unique_name
from tests.irc.servers import Ngircd
from tests.irc.test_adapter import create_event, said, wire_safe


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
        # A person types minutes at the finest: move the start to 62 s from now, so the
        # 1-minute reminders are due in 2 s.
        async with bot.core.database.unit_of_work() as uow:
            event = await uow.events.get(1)
            assert event is not None
            event.starts_at = datetime.now(UTC) + timedelta(seconds=62)
            await uow.deliveries.request_plan(1, datetime.now(UTC))
            await uow.commit()

        posts = [
            await lena.wait_for(said("Reminder: #1 Coffee"), timeout=15),
            await lena.wait_for(said(f"Reminder, {lena.nick}: #1 Coffee"), timeout=15),
        ]
        assert sorted(p.target for p in posts) == sorted([channel, lena.nick])
        for post in posts:
            wire_safe(post)
            assert "starts in 1 min" in post.text
        assert bot.adapter.connected
