"""`gatherbot deliveries` and `deliveries retry`: real failures made by the real dispatcher (a
network that refuses), then the installed command run against the same database, as the
operator would, on SQLite and PostgreSQL.

The chat harness's clock starts at the real time: `retry` makes a delivery due at the real
now, which the dispatcher (on the harness clock, days later) must find due."""

from __future__ import annotations

import asyncio
import re
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain import ChannelRef, DeliveryState, UserRef
from bot.ports import Undeliverable
from bot.replies import Reply
from storage import Database
from storage.models import DeliveryRow
from tests.e2e.cli import gatherbot
from tests.harness import Chat, Clock, FakeNetwork

KICKED = "Telegram refused it: Forbidden: bot was kicked from the group chat"
OFFLINE = "bob is not online on net"
HEADER = ["id", "state", "kind", "event", "to", "due (UTC)", "tries", "last error"]


@dataclass
class RefusingNetwork(FakeNetwork):
    """Refuses every send to the targets (channel or user ids) in ``refusals``."""

    refusals: dict[str, Undeliverable] = field(default_factory=dict)

    async def send(self, target: UserRef | ChannelRef, reply: Reply) -> None:
        refusal = self.refusals.get(target.id)
        if refusal is not None:
            raise refusal
        await super().send(target, reply)


@dataclass
class Failures:
    database: Database
    chat: Chat
    network: RefusingNetwork
    starts_at: datetime
    failed: int  # the channel's 1d reminder: the bot was kicked
    retrying: int  # bob's private 1d reminder: bob is offline

    @property
    def url(self) -> str:
        return self.database.url


@pytest.fixture
async def failures(database: Database) -> Failures:
    """An event three days ahead at 18:00 with a private reminder for bob; at its 1d reminder
    the channel refuses for good and bob is offline."""
    chat = Chat(database, clock=Clock(datetime.now(UTC).replace(second=0, microsecond=0)))
    network = RefusingNetwork()
    chat.network = network
    chat.core.outbox.register(network)  # in place of the harness's own test:net
    starts_at = (chat.clock.now + timedelta(days=3)).replace(hour=18, minute=0)
    created = await chat.say(f"!newevent Coffee | {starts_at:%Y-%m-%d %H:%M} | Café", "olga")
    assert created.startswith("Created #1 Coffee")
    assert "I'll remind you privately" in await chat.say("!remindme 1", "bob")
    network.refusals["#main"] = Undeliverable(KICKED, retry=False)
    network.refusals["id-bob"] = Undeliverable(OFFLINE, retry=True)
    chat.clock.now = starts_at - timedelta(days=1)
    await chat.deliver()
    assert network.sent == []
    rows = await deliveries(database)
    (failed,) = [r for r in rows if r.key.endswith("/remind:1d/c1")]
    (retrying,) = [r for r in rows if r.key.endswith("/remind:1d/p2")]
    assert (failed.state, failed.attempts) == (DeliveryState.FAILED, 1)
    assert (retrying.state, retrying.attempts) == (DeliveryState.PENDING, 1)
    return Failures(database, chat, network, starts_at, failed.id, retrying.id)


async def deliveries(database: Database) -> list[Any]:
    """Every delivery row as the database has it now (read apart from the code under test)."""
    async with database.engine.connect() as connection:
        result = await connection.execute(select(DeliveryRow).order_by(DeliveryRow.id))
        return list(result)


async def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(gatherbot, *args, cwd=cwd)


def table(output: str) -> list[list[str]]:
    """The table's rows as cells (columns are two or more spaces apart), header first."""
    rows, _, _ = output.partition("\n\n")
    return [re.split(r" {2,}", row) for row in rows.splitlines()]


def summary(output: str) -> str:
    return output.rstrip("\n").rpartition("\n\n")[2]


async def test_the_operator_sees_what_failed_and_what_is_being_retried(
    failures: Failures, tmp_path: Path
) -> None:
    shown = await cli("deliveries", "--database", failures.url, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    due = failures.starts_at - timedelta(days=1)
    reminder = ["reminder 1d before", "#1 Coffee"]
    when = [f"{due:%Y-%m-%d %H:%M}", "1"]  # and one try
    # Newest first: bob's next try is a few seconds after the reminder's time.
    assert table(shown.stdout) == [
        HEADER,
        [str(failures.retrying), "retrying", *reminder, "person bob (test:net)", *when, OFFLINE],
        [str(failures.failed), "failed", *reminder, "channel #main (test:net)", *when, KICKED],
    ]
    assert summary(shown.stdout) == (
        "1 failed, 1 being retried. Send failed ones again with: "
        "gatherbot deliveries retry ID [ID ...]"
    )
    only_failed = await cli("deliveries", "--failed", "--database", failures.url, cwd=tmp_path)
    assert [row[0] for row in table(only_failed.stdout)] == ["id", str(failures.failed)]


async def test_limit_shows_the_newest_and_says_there_are_more(
    failures: Failures, tmp_path: Path
) -> None:
    shown = await cli("deliveries", "--limit", "1", "--database", failures.url, cwd=tmp_path)
    assert [row[0] for row in table(shown.stdout)] == ["id", str(failures.retrying)]
    assert shown.stdout.rstrip().endswith("Showing the newest 1 of 2: --limit N for more.")


async def test_a_retried_delivery_is_sent_once_and_the_refused_ids_change_nothing(
    failures: Failures, tmp_path: Path
) -> None:
    before = {row.id: row for row in await deliveries(failures.database)}
    failures.network.refusals.clear()  # the bot is back in the channel
    retried = await cli(
        "deliveries",
        "retry",
        str(failures.failed),
        f"#{failures.retrying}",
        "999",
        "--database",
        failures.url,
        cwd=tmp_path,
    )
    assert retried.returncode == 1
    assert retried.stdout.splitlines()[0] == (
        f"#{failures.failed} reminder 1d before for #1 Coffee to channel #main (test:net): "
        "will be sent again"
    )
    assert retried.stderr.splitlines() == [
        f"gatherbot deliveries retry: #{failures.retrying}: not failed (it is being retried); "
        "only failed ones can be retried",
        "gatherbot deliveries retry: #999: no such message",
    ]
    after = {row.id: row for row in await deliveries(failures.database)}
    assert after[failures.retrying] == before[failures.retrying]
    again = after[failures.failed]
    assert (again.state, again.attempts, again.claimed_by, again.last_error) == (
        DeliveryState.PENDING,
        0,
        "",
        "",
    )

    assert await failures.chat.deliver() == 1  # due now; bob's next try is not yet
    assert await failures.chat.deliver() == 0
    (posted,) = failures.network.posted_in("#main")
    assert posted.startswith("Reminder: #1 Coffee starts in ")
    shown = await cli("deliveries", "--database", failures.url, cwd=tmp_path)
    assert summary(shown.stdout) == "0 failed, 1 being retried."

    twice = await cli(
        "deliveries", "retry", str(failures.failed), "--database", failures.url, cwd=tmp_path
    )
    assert twice.returncode == 1
    assert twice.stderr.strip() == (
        f"gatherbot deliveries retry: #{failures.failed}: not failed (it is sent); "
        "only failed ones can be retried"
    )


async def test_a_reminder_retried_after_the_event_started_is_skipped_not_sent(
    failures: Failures, tmp_path: Path
) -> None:
    failures.network.refusals.clear()
    config = tmp_path / "config.toml"
    config.write_text(f'[bot]\ndatabase_url = "{failures.url}"\n')
    # Options before `retry` count as well.
    retried = await cli(
        "deliveries", "--config", str(config), "retry", str(failures.failed), cwd=tmp_path
    )
    assert retried.returncode == 0, retried.stderr
    assert "skipped instead" in retried.stdout
    failures.chat.clock.now = failures.starts_at + timedelta(minutes=5)
    await failures.chat.deliver()
    assert failures.network.posted_in("#main") == ["Starting now: #1 Coffee at Café.\n0 going"]
    states = {row.id: row.state for row in await deliveries(failures.database)}
    assert states[failures.failed] is DeliveryState.SKIPPED


async def test_nothing_to_report_on_a_healthy_bot(database: Database, tmp_path: Path) -> None:
    chat = Chat(database)
    await chat.say("!newevent Coffee | tomorrow 18:00 | Café", "olga")
    shown = await cli("deliveries", "--database", database.url, cwd=tmp_path)
    assert (shown.returncode, shown.stdout) == (0, "Nothing failed or waiting for a retry.\n")


async def test_a_database_that_is_not_the_bots_is_refused_in_one_line_without_its_password(
    tmp_path: Path,
) -> None:
    typo = tmp_path / "typo.db"
    empty = f"sqlite+aiosqlite:///{typo}"
    unreachable = "postgresql+asyncpg://gatherbot:hunter2@127.0.0.1:1/gatherbot"
    cases = {
        empty: f"gatherbot: {empty} holds no gatherbot database: there is no file {typo} "
        "(check --database or the config's database_url)",
        unreachable: "gatherbot: cannot open postgresql+asyncpg://gatherbot:***@127.0.0.1:1/"
        "gatherbot: [Errno 111] Connect call failed ('127.0.0.1', 1)",
    }
    for url, message in cases.items():
        for command in (["deliveries"], ["deliveries", "retry", "1"]):
            result = await cli(*command, "--database", url, cwd=tmp_path)
            assert (result.returncode, result.stdout) == (2, "")
            assert result.stderr.strip() == message
    assert not typo.exists()  # a mistyped path is not left behind as an empty database
