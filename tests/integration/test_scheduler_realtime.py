"""The running bot on the real clock: a reminder posted once on the console at its time, and
not again after a restart."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from adapters.console.adapter import ConsoleAdapter
from bot.app import running_bot
from bot.config import BotSection
from bot.domain import ChannelKind, ChannelRef, IncomingMessage, UserRef
from tests.harness import start_soon


def console(out: io.StringIO) -> ConsoleAdapter:
    return ConsoleAdapter(
        user="olga", channel="#main", admin=False, stdin=io.StringIO(""), stdout=out, prompt=False
    )


def message(text: str) -> IncomingMessage:
    return IncomingMessage(
        UserRef("console", "local", "olga", "olga"),
        ChannelRef("console", "local", "#main", ChannelKind.GROUP, "#main"),
        text,
        datetime.now(UTC),
        addressed=True,
    )


async def until(check: Callable[[], bool], seconds: float) -> bool:
    deadline = asyncio.get_running_loop().time() + seconds
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


async def test_a_reminder_is_posted_once_at_its_time_and_not_after_a_restart(
    database_url: str,
) -> None:
    out = io.StringIO()
    settings = BotSection(database_url=database_url)
    reminder = "(in #main) Reminder: #1 Soon starts in 1 min."
    async with running_bot(settings, [console(out)]) as core:
        await core.handle(message("!newevent Soon | in 2 hours | remind=1m"))
        # Its 1-minute reminder is due in 2 s.
        due = await start_soon(core.database, 1, timedelta(seconds=62)) - timedelta(minutes=1)

        assert await until(lambda: reminder in out.getvalue(), seconds=10)
        posted_at = datetime.now(UTC)
        assert posted_at >= due  # not early
        await asyncio.sleep(1)

    restarted = io.StringIO()
    async with running_bot(settings, [console(restarted)]):
        await asyncio.sleep(1.5)

    assert out.getvalue().count(reminder) == 1
    assert "Reminder" not in restarted.getvalue()
