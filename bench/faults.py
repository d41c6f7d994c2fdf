"""Reminders under faults: `kill -9` of the bot, and two bots on one database restarted in turn.

Run from the repository root (a benchmark: pytest runs a small version of each scenario in
tests/faults/test_crash_and_instances.py)::

    .venv/bin/python -m bench.faults                       # SQLite and PostgreSQL, ~3 min
    .venv/bin/python -m bench.faults --reminders 10000 --channels 50 --kills 3
    .venv/bin/python -m bench.faults --postgres ''         # SQLite only

What runs: real `gatherbot run --config FILE` processes against a `FakeBotApi` (real HTTP on
127.0.0.1, tests/telegram/fake_api.py) in this process. The database is seeded through the
real migrations and models with ``--reminders`` events, each in one of ``--channels``
Telegram groups with one reminder (its own `remind=2h`, the rows written by the planner's
``wanted_deliveries``), due one after another over ``--window`` seconds. The fake server
records every sendMessage: **delivered** counts reminders it received at least once,
**duplicated** the extra copies, per (group, event).

- kill: one bot; each time a further 1/(kills+1) of the reminders has arrived, SIGKILL it
  (no clean shutdown), wait until nothing more arrives from it, and start a new process on the
  same database. **At risk** is what the design allows to be sent twice: reminders the server
  received whose rows the dead process had not yet marked sent (still claimed).
- rolling: two bots on one PostgreSQL database and one fake server; as the reminders arrive
  each bot in turn gets SIGTERM, exits, and is started again (the other keeps sending).

Both bots poll getUpdates with one token; the fake server, like Telegram, ends the older of two
long polls with 409 Conflict, which python-telegram-bot logs and retries. No command is sent in
these runs, so that costs only log lines: what is measured is sending.

Config of every bot: `[telegram] flood_limits = false` (with Telegram's 20 messages a minute
per group, 1,000 reminders in 20 groups would take 2.5 minutes; the pacing decides when a send
happens, not whether it is claimed or marked) and `[bot] delivery_lease` (``--lease``, 5 s;
the default is 60): claims of a killed bot are taken over after the lease, so the lease is how
late its unsent claimed reminders arrive.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import re
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.common import cpu_model
from bot.domain import ChannelKind, DeliveryState, EventStatus
from bot.scheduler.plan import wanted_deliveries
from storage import Database
from storage.deliveries import REMIND, row_values
from storage.models import ChannelRow, DeliveryRow, EventChannelRow, EventRow, PersonRow
from tests.seeding import bulk_values
from tests.telegram.fake_api import FakeBotApi

GATHERBOT = Path(sys.executable).with_name("gatherbot")
# The Telegram group of channel i.
FIRST_CHAT = -1001000000000
# Each event's one reminder: `remind=2h` and a start two hours after it is due.
OFFSET = "2h"
# The dispatcher sends this many deliveries at once (Dispatcher's default concurrency): the
# most a killed bot can have had answered by Telegram but not yet marked sent.
CONCURRENCY = 8
# A reminder's text names its event: "Reminder: <b>#12 Fault 12</b> starts in 2 h."
_EVENT = re.compile(r"^Reminder: <b>#(\d+) ")


@dataclass(frozen=True, slots=True)
class Load:
    reminders: int
    channels: int
    # Seconds over which the reminders come due, the first ``lead`` s after seeding.
    window: float
    lead: float = 2.0
    lease: float = 5.0


@dataclass(slots=True)
class Result:
    scenario: str
    database: str
    load: Load
    faults: str
    expected: int
    delivered: int = 0
    duplicated: int = 0
    # Reminders the server had answered whose rows a killed bot had not marked (kill only).
    at_risk: int = 0
    # The latest a reminder arrived after it was due, s.
    max_late: float = 0.0
    seconds: float = 0.0
    # Deliveries marked sent by each bot process (claimed_by), largest first.
    senders: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    # Duplicated reminders whose copies do not straddle a kill (must be none).
    unexplained: list[int] = field(default_factory=list)


def chat_of(channel: int) -> int:
    return FIRST_CHAT - channel


async def seed(url: str, load: Load) -> dict[int, tuple[int, datetime]]:
    """Migrate the database and write the load; each event's (chat, due time) by id."""
    database = Database(url)
    await database.upgrade()
    now = datetime.now(UTC)
    first_due = now + timedelta(seconds=load.lead)
    channels = [
        ChannelRow(
            id=i + 1,
            platform="telegram",
            network="telegram",
            external_id=str(chat_of(i)),
            kind=ChannelKind.GROUP,
            title=f"Group {i}",
            timezone=None,
            reminders=None,
            digest=None,
            created_at=now,
        )
        for i in range(load.channels)
    ]
    events, links, deliveries = [], [], []
    expected: dict[int, tuple[int, datetime]] = {}
    for j in range(load.reminders):
        event_id = j + 1
        channel = channels[j % load.channels]
        due = first_due + timedelta(seconds=load.window) * j / load.reminders
        event = EventRow(
            id=event_id,
            title=f"Fault {event_id}",
            starts_at=due + timedelta(hours=2),
            ends_at=None,
            timezone="UTC",
            capacity=None,
            status=EventStatus.SCHEDULED,
            reminders=OFFSET,
            organizer_id=1,
            origin_channel_id=channel.id,
            created_at=now,
            updated_at=now,
        )
        events.append(bulk_values(event))
        links.append({"event_id": event_id, "channel_id": channel.id, "linked_at": now})
        planned = [
            p for p in wanted_deliveries(event, [channel], [], now, ()) if p.kind.startswith(REMIND)
        ]
        assert len(planned) == 1, planned
        deliveries.append(row_values(planned[0], now))
        expected[event_id] = (chat_of(j % load.channels), planned[0].due_at)
    async with database.engine.begin() as connection:
        await connection.execute(
            insert(ChannelRow),
            [bulk_values(row) for row in channels],
        )
        await connection.execute(
            insert(PersonRow),
            [
                {
                    "id": 1,
                    "platform": "telegram",
                    "network": "telegram",
                    "external_id": "7",
                    "display_name": "Organizer",
                    "verified": True,
                    "created_at": now,
                }
            ],
        )
        for start in range(0, len(events), 1000):
            await connection.execute(insert(EventRow), events[start : start + 1000])
            await connection.execute(insert(EventChannelRow), links[start : start + 1000])
            await connection.execute(insert(DeliveryRow), deliveries[start : start + 1000])
    await database.dispose()
    return expected


async def reset_postgres(url: str) -> None:
    """An empty schema (the same as tests/conftest.py's)."""
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


class Tally:
    """What the fake server received: each (chat, event)'s copies and when the first came."""

    def __init__(self, api: FakeBotApi, expected: dict[int, tuple[int, datetime]]) -> None:
        self._api = api
        self._expected = expected
        self._seen = 0
        # Copies by event id, each as the number of kills before it arrived.
        self.copies: dict[int, list[int]] = {}
        self.first: dict[int, datetime] = {}
        self.strays = 0  # sendMessage calls that are no expected reminder
        self.kills = 0

    def update(self) -> None:
        calls = self._api.calls
        for call in calls[self._seen :]:
            if call.method != "sendMessage":
                continue
            match = _EVENT.match(str(call.params.get("text", "")))
            event_id = int(match.group(1)) if match else 0
            if event_id not in self._expected or self._expected[event_id][0] != call.params.get(
                "chat_id"
            ):
                self.strays += 1
                continue
            self.copies.setdefault(event_id, []).append(self.kills)
            self.first.setdefault(event_id, datetime.now(UTC))
        self._seen = len(calls)

    @property
    def delivered(self) -> int:
        return len(self.copies)

    @property
    def duplicated(self) -> int:
        return sum(len(c) - 1 for c in self.copies.values())

    def sends(self) -> int:
        return self.delivered + self.duplicated + self.strays


class BotProcess:
    """One `gatherbot run` process; its log goes to a file beside the config."""

    def __init__(self, folder: Path, name: str, url: str, api: FakeBotApi, lease: float) -> None:
        self.name = name
        self._folder = folder
        self._api = api
        self.config = folder / f"{name}.toml"
        self.config.write_text(
            f'[bot]\ndatabase_url = "{url}"\nreminders = []\ndelivery_lease = {lease}\n'
            f'[telegram]\napi_base_url = "{api.base_url}"\nflood_limits = false\n'
        )
        self.process: asyncio.subprocess.Process | None = None
        self.generation = 0
        self.log_path = folder / f"{name}.log"
        self._log: IO[bytes] | None = None

    async def start(self) -> None:
        self.generation += 1
        self.log_path = self._folder / f"{self.name}-{self.generation}.log"
        self._log = self.log_path.open("wb")
        self.process = await asyncio.create_subprocess_exec(
            str(GATHERBOT),
            "run",
            "--config",
            str(self.config),
            cwd=self._folder,
            env={**os.environ, "GATHERBOT_TELEGRAM_TOKEN": self._api.token},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=self._log,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def ready(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109 - a deadline
        await until(
            lambda: "gatherbot is running" in self.log(), timeout, f"{self.name} ready", [self]
        )

    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, claims stay as they are."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()
        self._close()

    async def stop(self, timeout: float = 30.0) -> int:  # noqa: ASYNC109 - a deadline
        """SIGTERM, as systemd or Docker stop a bot; its exit code."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.kill()
            code = await self.process.wait()
        self._close()
        return code

    def _close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


async def until(
    condition: Callable[[], object],
    timeout: float,  # noqa: ASYNC109 - a deadline
    what: str,
    bots: Sequence[BotProcess] = (),
    interval: float = 0.05,
) -> None:
    """Poll ``condition``; fail at the deadline, or at once when one of ``bots`` has died."""
    deadline = time.monotonic() + timeout
    while not condition():
        for bot in bots:
            if bot.process is not None and not bot.alive():
                raise RuntimeError(f"{bot.name} exited ({bot.process.returncode}):\n{bot.log()}")
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {b.name}\n{b.log()[-3000:]}" for b in bots)
            raise TimeoutError(f"{what}: not within {timeout:.0f} s\n{logs}")
        await asyncio.sleep(interval)


async def quiet(tally: Tally, seconds: float = 0.3, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Wait until no sendMessage has arrived for ``seconds``: requests a killed bot wrote
    before it died are read and answered by the server (as Telegram would) first."""
    deadline = time.monotonic() + timeout
    count, since = tally.sends(), time.monotonic()
    while time.monotonic() - since < seconds and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        tally.update()
        if tally.sends() != count:
            count, since = tally.sends(), time.monotonic()


async def claimed_event_ids(url: str, pid: int | None = None) -> set[int]:
    """Events whose reminder is claimed and not marked (by process ``pid``: a claim names
    its sender `host:pid:random`)."""
    database = Database(url)
    claimed = DeliveryRow.state == DeliveryState.CLAIMED
    if pid is not None:
        claimed = claimed & DeliveryRow.claimed_by.contains(f":{pid}:")
    try:
        async with database.engine.connect() as connection:
            rows = await connection.execute(select(DeliveryRow.event_id).where(claimed))
            return {int(r) for r in rows.scalars() if r is not None}
    finally:
        await database.dispose()


async def senders(url: str) -> list[int]:
    """How many reminders each process marked sent, largest first."""
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            rows = await connection.execute(
                select(DeliveryRow.claimed_by).where(DeliveryRow.state == DeliveryState.SENT)
            )
            counts: dict[str, int] = {}
            for name in rows.scalars():
                counts[name] = counts.get(name, 0) + 1
            return sorted(counts.values(), reverse=True)
    finally:
        await database.dispose()


def _groups(api: FakeBotApi, load: Load) -> None:
    for i in range(load.channels):
        api.group(chat_of(i), f"Group {i}")


def _finish(result: Result, tally: Tally, started: float, expected: dict[int, Any]) -> Result:
    result.delivered = tally.delivered
    result.duplicated = tally.duplicated
    result.missing = sorted(set(expected) - set(tally.copies))
    result.max_late = max(
        ((tally.first[e] - expected[e][1]).total_seconds() for e in tally.first), default=0.0
    )
    result.seconds = time.monotonic() - started
    return result


def _deadline(load: Load) -> float:
    """Generous: the window, a lease per fault, start-ups, and a slow shared machine."""
    return load.lead + load.window + 4 * load.lease + 60.0


async def kill_scenario(
    folder: Path, url: str, load: Load, kills: int = 1, database: str = "sqlite"
) -> Result:
    """Kill the bot with SIGKILL ``kills`` times while the reminders come due."""
    expected = await seed(url, load)
    started = time.monotonic()
    result = Result("kill -9", database, load, f"{kills} x SIGKILL", len(expected))
    async with FakeBotApi() as api:
        _groups(api, load)
        tally = Tally(api, expected)
        bot = BotProcess(folder, "bot", url, api, load.lease)
        await bot.start()
        try:
            for k in range(kills):
                share = (k + 1) / (kills + 1)

                def reached(share: float = share) -> bool:
                    tally.update()
                    return tally.delivered >= share * len(expected)

                await until(reached, _deadline(load), f"{share:.0%} delivered", [bot])
                assert bot.process is not None
                pid = bot.process.pid
                await bot.kill()
                await quiet(tally)
                tally.kills += 1
                # What the dead bot left claimed though the server has it: sent again later.
                result.at_risk += len((await claimed_event_ids(url, pid)) & set(tally.copies))
                await bot.start()

            def done() -> bool:
                tally.update()
                return tally.delivered == len(expected)

            await until(done, _deadline(load), "every reminder delivered", [bot])
            # Re-sends of what was at risk come after the lease: wait for all of them.
            await _settle(tally, url)
        finally:
            await bot.stop()
    result.unexplained = [
        e for e, c in tally.copies.items() if len(c) > 1 and len(set(c)) != len(c)
    ]
    result.senders = await senders(url)
    return _finish(result, tally, started, expected)


async def _settle(tally: Tally, url: str, timeout: float = 60.0) -> None:  # noqa: ASYNC109
    """Wait until no reminder is claimed any more (a claimed one may be sent again), then
    for the server to go quiet."""
    deadline = time.monotonic() + timeout
    while await claimed_event_ids(url):
        if time.monotonic() > deadline:
            raise TimeoutError("reminders still claimed")
        await asyncio.sleep(0.2)
    await quiet(tally)


async def rolling_scenario(folder: Path, url: str, load: Load, restarts: int = 2) -> Result:
    """Two bots on one database; one after the other is stopped and started again."""
    expected = await seed(url, load)
    started = time.monotonic()
    result = Result("rolling", "postgresql", load, f"2 bots, {restarts} x SIGTERM", len(expected))
    async with FakeBotApi() as api:
        _groups(api, load)
        tally = Tally(api, expected)
        bots = [BotProcess(folder, name, url, api, load.lease) for name in ("a", "b")]
        for bot in bots:
            await bot.start()
        try:
            for bot in bots:
                await bot.ready()
            for k in range(restarts):
                share = (k + 1) / (restarts + 1)

                def reached(share: float = share) -> bool:
                    tally.update()
                    return tally.delivered >= share * len(expected)

                await until(reached, _deadline(load), f"{share:.0%} delivered", bots)
                bot = bots[k % 2]
                code = await bot.stop()
                if code != 0:
                    raise RuntimeError(f"{bot.name} exited with {code}:\n{bot.log()}")
                await bot.start()
                await bot.ready()

            def done() -> bool:
                tally.update()
                return tally.delivered == len(expected)

            await until(done, _deadline(load), "every reminder delivered", bots)
            await _settle(tally, url)
        finally:
            for bot in bots:
                await bot.stop()
    result.unexplained = [e for e, c in tally.copies.items() if len(c) > 1]
    result.senders = await senders(url)
    return _finish(result, tally, started, expected)


# ------------------------------------------------------------------------------ command line


def _row(result: Result) -> str:
    load = result.load
    return (
        f"| {result.scenario} | {result.database} | {load.reminders:,} reminders in "
        f"{load.channels} groups over {load.window:.0f} s | {result.faults} | "
        f"{result.expected:,} | {result.delivered:,} | {result.duplicated} "
        f"(at risk {result.at_risk}) | {result.max_late:.1f} s |"
    )


async def _main(args: argparse.Namespace) -> int:
    # A killed bot's half-written requests make aiohttp log a traceback each: noise here.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    load = Load(args.reminders, args.channels, args.window, lease=args.lease)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="gatherbot-faults-") as tmp:
        folder = Path(tmp)
        url = f"sqlite+aiosqlite:///{folder / 'faults.db'}"
        print(f"kill -9 x {args.kills}, SQLite ...", flush=True)
        results.append(await kill_scenario(folder, url, load, args.kills, "sqlite"))
        if args.postgres:
            await reset_postgres(args.postgres)
            print(f"kill -9 x {args.kills}, PostgreSQL ...", flush=True)
            results.append(
                await kill_scenario(folder, args.postgres, load, args.kills, "postgresql")
            )
            await reset_postgres(args.postgres)
            print(f"rolling restarts x {args.restarts}, PostgreSQL ...", flush=True)
            results.append(await rolling_scenario(folder, args.postgres, load, args.restarts))
    print()
    print(
        f"{datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores, {cpu_model()}, "
        f"Python {platform.python_version()}, lease {args.lease:g} s"
    )
    print()
    print(
        "| scenario | database | load | faults | expected | delivered | duplicated "
        "| latest after due |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    ok = True
    for result in results:
        print(_row(result))
        ok = ok and not result.missing and not result.unexplained
        ok = ok and result.duplicated <= result.at_risk
    print()
    for result in results:
        print(
            f"{result.scenario} ({result.database}): {result.seconds:.1f} s; "
            f"sent by processes: {result.senders}"
        )
    print(f"verdict: {'every reminder delivered, none twice beyond the at-risk' if ok else 'FAIL'}")
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.faults", description=__doc__.split("\n")[0])
    parser.add_argument("--reminders", type=int, default=1000)
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--window", type=float, default=15.0, help="seconds (default 15)")
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--restarts", type=int, default=4)
    parser.add_argument("--lease", type=float, default=5.0, help="[bot] delivery_lease, s")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("GATHERBOT_TEST_DATABASE_URL", ""),
        help="an empty database to use (its schema is dropped); '' to skip PostgreSQL",
    )
    args = parser.parse_args(argv)
    return asyncio.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())
