"""How much slower than a bare python-telegram-bot echo bot does gatherbot answer on Telegram?

Run from the repository root (a benchmark, not a test: pytest and CI never run it)::

    .venv/bin/python -m bench.telegram_latency [--count 200] [--rounds 8]

Two bots run side by side in one process, each against its own in-process ``FakeBotApi``
(tests/telegram/fake_api.py), over real HTTP on 127.0.0.1:

- floor: a bare PTB ``Application`` built the way the adapter builds its own (same PTB, long
  polling with the adapter's timeout and allowed_updates, ``concurrent_updates(True)``) with one
  ``CommandHandler`` that echoes the text with ``send_message`` (HTML, no link preview, like the
  adapter's replies);
- gatherbot: the real ``TelegramAdapter`` and core (``running_bot``) on a temporary SQLite
  database, with one event created before measuring.

Neither bot has a rate limiter. The adapter installs ``AIORateLimiter``, which paces a group at
Telegram's 20 messages a minute (and everything at 30 a second): with it, both rows would
measure the limiter's sleeps, not the bots. The bench swaps it for "none" in this process only.

Latency: ``/rsvp 1`` from one user after another (20 users in turn), each sent when the previous
reply has arrived; from injecting the update (just before ``FakeBotApi.send_text``) to the
moment the fake server has read the bot's ``sendMessage``. Both timestamps are
``time.perf_counter`` in one process, so there is no clock skew. The two bots take turns in
``--rounds`` chunks, so that a machine that speeds up or slows down during the run (common on
shared VMs) shifts both rows alike instead of skewing the ratio.

Throughput: ``--count`` commands (a mix of ``/rsvp 1``, ``/who 1``, ``/events`` from the 20 users)
injected at once; commands per second until the last of their replies has arrived. One such
burst per bot is not measured: the first one opens PTB's HTTP connections (up to one per
concurrent request) and comes out up to 3 times slower. The median of ``BURSTS`` bursts after
it is reported.

Measurement error: the fake server shares the event loop with the bot, so its timestamp is
taken when aiohttp's handler gets its turn, after it parsed the request. In the sequential
phase the loop has nothing else to do and this adds the cost of one HTTP parse (tens of
microseconds) to both rows. In the throughput phase the handler can wait behind other ready
callbacks, so a reply is stamped late by up to one loop pass; that bounds the error of the
end time, not of each command. The server's own work (JSON, deep copies) is charged to both rows
alike, as a real network round trip would be.
"""

from __future__ import annotations

import asyncio
import html
import inspect
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import telegram
from pydantic import SecretStr
from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, CommandHandler

from adapters.telegram import TelegramAdapter
from bench.common import chunks, cpu_model, parse_args, print_table
from bot.app import running_bot
from bot.config import BotSection, TelegramSection
from tests.telegram.fake_api import Call, FakeBotApi, JsonDict

GROUP_ID = -100_777
USERS = 20
# The adapter's own defaults, read from its signature so they cannot drift apart: both bots
# poll with the timeout the shipped bot uses. (The fake answers a waiting long poll as soon as
# an update arrives, so the timeout only matters while idle.)
_ADAPTER_DEFAULTS = inspect.signature(TelegramAdapter).parameters
POLL_TIMEOUT: int = _ADAPTER_DEFAULTS["poll_timeout"].default
EDIT_INTERVAL: float = _ADAPTER_DEFAULTS["edit_interval"].default
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
LATENCY_COMMAND = "/rsvp 1"
THROUGHPUT_MIX = ("/rsvp 1", "/who 1", "/events")
# Warm-up, not measured, from users outside the measured 20: every code path (a new person's
# first RSVP, a repeated RSVP, /who, /events) runs before measuring, so the samples do not
# include one-off costs such as SQLAlchemy compiling a statement the first time. The measured
# users' own first RSVPs are still in the sample, as in real life.
WARMUP_USERS = 5
WARMUP_SCRIPT = ("/rsvp 1", "/rsvp 1", "/who 1", "/events")
# Unmeasured commands at the start of every latency chunk: after the pause between chunks the
# first command or two run measurably slower (caches, CPU frequency); that is the machine
# waking up, not the bot, and it would be charged to whichever bot goes first.
REWARM = 3
BURSTS = 3
WAIT_SECONDS = 60.0


class StampedCalls(list[Call]):
    """``FakeBotApi.calls`` that also notes when each ``sendMessage`` arrived.

    The fake appends every request to ``calls`` right after reading its parameters and before
    answering it: the moment "Telegram received the reply". This list replaces the fake's
    ``calls`` attribute, so the fake itself stays as the tests use it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.send_times: list[float] = []
        self._waiters: list[tuple[int, asyncio.Future[float]]] = []

    def append(self, call: Call) -> None:
        if call.method == "sendMessage":
            self.send_times.append(time.perf_counter())
            self._wake()
        super().append(call)

    def _wake(self) -> None:
        reached = len(self.send_times)
        waiting = []
        for target, future in self._waiters:
            if target > reached:
                waiting.append((target, future))
            elif not future.done():
                future.set_result(self.send_times[target - 1])
        self._waiters = waiting

    async def nth_send(self, n: int) -> float:
        """When the n-th sendMessage (1-based) arrived, waiting for it if need be.

        A future rather than polling: the waiter wakes in the loop pass after the request,
        so the next command is not held back by a polling interval.
        """
        if n <= len(self.send_times):
            return self.send_times[n - 1]
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters.append((n, future))
        try:
            return await asyncio.wait_for(future, WAIT_SECONDS)
        except TimeoutError:
            got = len(self.send_times)
            message = f"sendMessage #{n} not there after {WAIT_SECONDS} s ({got} came)"
            raise TimeoutError(message) from None


class TimedBotApi(FakeBotApi):
    def __init__(self) -> None:
        super().__init__()
        self.calls: StampedCalls = StampedCalls()


@dataclass(slots=True)
class Subject:
    """One bot under measurement, with its own fake server, chat and users."""

    name: str
    api: TimedBotApi
    group: JsonDict
    users: list[JsonDict]
    warmup_users: list[JsonDict]
    quiet_after: float = 0.0  # seconds of background work to let pass after each chunk
    commands_sent: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    bursts: list[float] = field(default_factory=list)  # commands per second

    async def command(self, user: JsonDict, text: str) -> float:
        """Inject one command and wait for its reply; the latency in milliseconds."""
        self.commands_sent += 1
        expected = len(self.api.calls.send_times) + 1
        injected = time.perf_counter()
        self.api.send_text(self.group, user, text)
        return (await self.api.calls.nth_send(expected) - injected) * 1000

    async def measure_latency(self, count: int) -> None:
        """``count`` sequential ``/rsvp 1``, the users taking turns across chunks."""
        for user in self.warmup_users[:REWARM]:
            await self.command(user, LATENCY_COMMAND)
        for _ in range(count):
            user = self.users[len(self.latencies_ms) % len(self.users)]
            self.latencies_ms.append(await self.command(user, LATENCY_COMMAND))
        await asyncio.sleep(self.quiet_after)

    async def burst(self, count: int) -> float:
        """``count`` commands injected at once; commands per second until the last reply."""
        expected = len(self.api.calls.send_times) + count
        started = time.perf_counter()
        for i in range(count):
            text = THROUGHPUT_MIX[i % len(THROUGHPUT_MIX)]
            self.api.send_text(self.group, self.users[i % len(self.users)], text)
        self.commands_sent += count
        finished = await self.api.calls.nth_send(expected)
        return count / (finished - started)

    async def measure_throughput(self, count: int) -> None:
        await self.burst(count)  # warm-up: opens the connections a burst needs
        for _ in range(BURSTS):
            self.bursts.append(await self.burst(count))

    @property
    def throughput(self) -> float:
        return statistics.median(self.bursts)

    async def check_one_reply_per_command(self) -> None:
        """All counting above assumes exactly one sendMessage per command: make sure, once
        stragglers had a moment, and that the fake accepted every one of them."""
        await asyncio.sleep(0.5)
        sent = len(self.api.calls.send_times)
        stored = len(self.api.sent(self.group))
        if not sent == stored == self.commands_sent:
            raise RuntimeError(
                f"{self.name}: {self.commands_sent} commands but {sent} sendMessage calls "
                f"and {stored} messages stored; the numbers above would be wrong"
            )

    def quantile(self, percent: int) -> float:
        # "inclusive": the samples are the whole population, so p99 of 200 lies between the
        # two slowest rather than being extrapolated beyond the slowest.
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[percent - 1]


# ------------------------------------------------------------------------------ the two bots

BotFactory = Callable[[FakeBotApi], AbstractAsyncContextManager[None]]


@asynccontextmanager
async def floor_bot(api: FakeBotApi) -> AsyncIterator[None]:
    """A bare PTB echo bot, built and polling the way the adapter does (minus the limiter)."""

    async def echo(update: Update, _context: object) -> None:
        message = update.effective_message
        assert message is not None
        assert message.text is not None
        await message.get_bot().send_message(
            message.chat_id,
            html.escape(message.text),
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )

    app = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(f"{api.base_url}/bot")
        .base_file_url(f"{api.base_url}/file/bot")
        .concurrent_updates(True)
        .build()
    )
    app.add_handler(CommandHandler(["rsvp", "who", "events"], echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES)
        try:
            yield
        finally:
            await app.updater.stop()
            await app.stop()


@asynccontextmanager
async def gatherbot(api: FakeBotApi, db_dir: Path) -> AsyncIterator[None]:
    """The real adapter and core, on a fresh SQLite database, without the rate limiter."""
    settings = TelegramSection(token=SecretStr(api.token), api_base_url=api.base_url)
    # No rate limiter, like the floor: with one, both rows would mostly measure its waiting.
    adapter = TelegramAdapter(settings, rate_limited=False)
    url = f"sqlite+aiosqlite:///{db_dir / 'bench.db'}"
    async with running_bot(BotSection(timezone="UTC"), [adapter], database_url=url):
        yield


@asynccontextmanager
async def subject(
    name: str, bot: BotFactory, setup: Sequence[str] = (), quiet_after: float = 0.0
) -> AsyncIterator[Subject]:
    """A fake server with a group and users, the bot started against it, set up and warm."""
    async with TimedBotApi() as api:
        group = api.group(GROUP_ID, "Bench")
        users = [api.user(1000 + i, f"User{i}") for i in range(USERS)]
        warmup_users = [api.user(2000 + i, f"Warmup{i}") for i in range(WARMUP_USERS)]
        async with bot(api):
            measured = Subject(name, api, group, users, warmup_users, quiet_after)
            for text in setup:
                await measured.command(warmup_users[0], text)
            for user in warmup_users:
                for text in WARMUP_SCRIPT:
                    await measured.command(user, text)
            await asyncio.sleep(quiet_after)
            yield measured
            await measured.check_one_reply_per_command()


async def run(count: int, rounds: int) -> tuple[Subject, Subject]:
    # Far enough ahead that the event is upcoming whenever this runs.
    when = (date.today() + timedelta(days=365)).isoformat()
    async with AsyncExitStack() as stack:
        db_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gatherbot-bench-")))
        floor = await stack.enter_async_context(subject("floor", floor_bot))
        bot = await stack.enter_async_context(
            subject(
                "gatherbot",
                lambda api: gatherbot(api, db_dir),
                setup=[f"/newevent Bench meetup | {when} 18:00 | Café Nero"],
                # Each chunk of RSVPs leaves one coalesced card edit pending for up to
                # EDIT_INTERVAL; let it go out before the floor's turn so it is not charged
                # to the floor.
                quiet_after=EDIT_INTERVAL + 0.2,
            )
        )
        for chunk in chunks(count, rounds):
            await floor.measure_latency(chunk)
            await bot.measure_latency(chunk)
        await floor.measure_throughput(count)
        await bot.measure_throughput(count)
    return floor, bot


# ------------------------------------------------------------------------------ report


def report(floor: Subject, bot: Subject, count: int, rounds: int) -> bool:
    """Print the machine, the table and the verdict; True when the goal is met."""
    print(f"date:     {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine:  nproc {os.cpu_count()}, {cpu_model()}, {platform.platform()}")
    print(
        f"software: Python {platform.python_version()}, python-telegram-bot "
        f"{telegram.__version__}, SQLite {sqlite3.sqlite_version}"
    )
    print(
        f"latency:  {count} sequential '{LATENCY_COMMAND}' from {USERS} users in turn, "
        f"{rounds} rounds alternating floor and gatherbot"
    )
    print(
        f"burst:    {count} commands at once ({', '.join(THROUGHPUT_MIX)}) from {USERS} users; "
        f"median of {BURSTS} after a warm-up burst"
    )
    print(
        f"both:     long polling (timeout {POLL_TIMEOUT} s), concurrent updates, "
        "no rate limiter, fake Bot API on 127.0.0.1"
    )
    return print_table(floor, bot, "goal (issue 3): gatherbot")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(
        "python -m bench.telegram_latency",
        "Telegram latency and throughput of gatherbot against a bare PTB echo bot.",
        argv,
    )
    floor, bot = asyncio.run(run(args.count, args.rounds))
    report(floor, bot, args.count, args.rounds)
    return 0  # a missed goal is a result to read, not a failure of the benchmark


if __name__ == "__main__":
    sys.exit(main())
