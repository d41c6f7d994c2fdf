"""Network and database faults against a real `gatherbot run` process, for the tests in
test_network_faults.py (short) and bench/faults_network.py (long).

Each scenario seeds a database (events whose reminders fall due at known moments, and
events for people to answer), starts the bot as a deployment runs it, drives people
through a real server (ngIRCd, the fake Bot API), breaks something mid-way, and counts what
people saw: every reminder, every reply. It returns a `Result` row; the tests assert on it,
the benchmark prints it.

How a reply or reminder is recognised: every command names an event of its own (one event
per command, "Load N"), so its reply is found by that number; reminders are for "Due N".
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import os
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from bot.domain import ChannelKind, EventStatus
from bot.scheduler.plan import wanted_deliveries
from storage import Database
from storage.deliveries import START, row_values
from storage.models import ChannelRow, DeliveryRow, EventChannelRow, EventRow, PersonRow
from tests.irc.client import IrcUser, Message
from tests.irc.servers import Ngircd
from tests.seeding import bulk_values
from tests.telegram.fake_api import FakeBotApi, Fault

GATHERBOT = Path(sys.executable).with_name("gatherbot")
# The Telegram adapter's read timeout (adapters/telegram/adapter.py, request_timeout): an
# answer held back longer than this is a send that "timed out and may have arrived".
TELEGRAM_READ_TIMEOUT = 10.0
AMBIGUOUS_LOG = "timed out and may have arrived"
# Seconds before an IRC server's death in which what the bot wrote may be lost unnoticed.
KILL_WINDOW = 2.0
# Control characters IRC formatting puts into lines (bold).
_FORMATTING = re.compile(r"[\x02\x03\x0f\x1d\x1f]")
_REMINDER = re.compile(r"Reminder: #(\d+) Due ")


@dataclass
class Result:
    """One row of the Reliability table."""

    scenario: str
    load: str
    faults: str
    expected: int  # reminders (and replies, where the row says so) that must arrive
    delivered: int
    duplicated: int
    ambiguous: int = 0  # sends the bot logged as "timed out and may have arrived"
    recovery_s: float = 0.0  # from the fault's end until the bot served again
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------ the bot


class BotProcess:
    """`gatherbot run` with JSON logs; every log record is kept with the time it arrived."""

    def __init__(self, config: Path, env: dict[str, str] | None = None) -> None:
        self.config = config
        self.env = {**os.environ, **(env or {})}
        self.records: list[tuple[float, dict[str, Any]]] = []
        self.returncode: int | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._arrived = asyncio.Event()

    async def start(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            str(GATHERBOT),
            *("run", "--config", str(self.config), "--log-format", "json"),
            cwd=self.config.parent,
            env=self.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._process is not None
        assert self._process.stderr is not None
        async for raw in self._process.stderr:
            try:
                record = json.loads(raw)
            except ValueError:
                record = {"message": raw.decode(errors="replace").rstrip()}
            self.records.append((time.monotonic(), record))
            self._arrived.set()

    def messages(self, since: float = 0.0) -> list[str]:
        return [str(r.get("message", "")) for at, r in self.records if at >= since]

    def count(self, part: str) -> int:
        return sum(part in message for message in self.messages())

    def commands(self) -> Counter[str]:
        """Commands the bot handled, by outcome ("command rsvp: ok" lines)."""
        found = (re.fullmatch(r"command (\w+): (\w+)", m) for m in self.messages())
        return Counter(match.group(2) for match in found if match)

    async def wait_for_log(self, part: str, timeout: float, since: float = 0.0) -> float:  # noqa: ASYNC109
        """When a log line containing ``part`` arrived (after ``since``)."""
        async with asyncio.timeout(timeout):
            while True:
                for at, record in self.records:
                    if at >= since and part in str(record.get("message", "")):
                        return at
                if self._process is not None and self._process.returncode is not None:
                    raise RuntimeError(f"the bot exited:\n{self.tail()}")
                self._arrived.clear()
                await self._arrived.wait()

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.messages()[-lines:])

    async def stop(self) -> str:
        """SIGTERM, as systemd stops it; the whole log as text."""
        process = self._process
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, 5)
        self.returncode = process.returncode if process is not None else None
        return "\n".join(self.messages())


# ------------------------------------------------------------------------------ the database


@dataclass(frozen=True)
class Place:
    platform: str
    network: str
    external_id: str
    title: str


async def seed(
    url: str, places: list[Place], load_events: int, due: list[tuple[int, datetime]]
) -> dict[int, tuple[int, datetime]]:
    """A migrated database with ``places`` (channels), ``load_events`` events "Load N" to
    answer (ids 1..N, spread over the places, no reminders) and one event "Due N" per
    ``due`` entry (place index, due time) with a `2h` reminder due then. Returns the due
    events: id -> (place index, due time)."""
    now = datetime.now(UTC)
    database = Database(url)
    await database.upgrade()
    try:
        async with database.engine.begin() as connection:
            await connection.execute(
                insert(PersonRow).values(
                    id=1,
                    platform="console",
                    network="local",
                    external_id="organizer",
                    display_name="Organizer",
                    verified=True,
                    created_at=now,
                )
            )
            channels = [
                ChannelRow(
                    id=i + 1,
                    platform=p.platform,
                    network=p.network,
                    external_id=p.external_id,
                    kind=ChannelKind.GROUP,
                    title=p.title,
                    timezone=None,
                    reminders="none",
                    digest=None,
                    created_at=now,
                )
                for i, p in enumerate(places)
            ]
            await connection.execute(insert(ChannelRow), [bulk_values(c) for c in channels])
            events, links, deliveries = [], [], []
            far = now.replace(microsecond=0) + timedelta(days=30)
            for n in range(1, load_events + 1):
                channel = channels[n % len(channels)]
                events.append(_event(n, f"Load {n}", far + timedelta(hours=n), channel.id, now))
            due_events: dict[int, tuple[int, datetime]] = {}
            for j, (index, at) in enumerate(due, start=load_events + 1):
                channel = channels[index]
                row = _event(j, f"Due {j}", at + timedelta(hours=2), channel.id, now)
                row.reminders = "2h"
                events.append(row)
                planned = wanted_deliveries(row, [channel], [], now, ())
                deliveries += [row_values(p, now) for p in planned if p.kind != START]
                due_events[j] = (index, at)
            for row in events:
                links.append(
                    {"event_id": row.id, "channel_id": row.origin_channel_id, "linked_at": now}
                )
            await connection.execute(insert(EventRow), [bulk_values(e) for e in events])
            await connection.execute(insert(EventChannelRow), links)
            if deliveries:
                await connection.execute(insert(DeliveryRow), deliveries)
            if not database.is_sqlite:
                # Ids were given: move the sequences past them, as `gatherbot import` does.
                for table in ("people", "channels", "events"):
                    await connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
    finally:
        await database.dispose()
    return due_events


def _event(event_id: int, title: str, starts_at: datetime, origin: int, now: datetime) -> EventRow:
    return EventRow(
        id=event_id,
        title=title,
        description="",
        starts_at=starts_at,
        ends_at=None,
        timezone="UTC",
        venue="Café Nero",
        url="",
        capacity=None,
        status=EventStatus.SCHEDULED,
        cancel_reason="",
        reminders="none",
        repeat="",
        sequence=0,
        organizer_id=1,
        origin_channel_id=origin,
        created_at=now,
        updated_at=now,
    )


def due_times(first: datetime, count: int, every: float) -> list[datetime]:
    return [first + timedelta(seconds=every * i) for i in range(count)]


def tally(numbers: Iterable[int]) -> tuple[Counter[int], int]:
    """How often each number was seen, and how many were seen more than once."""
    seen = Counter(numbers)
    return seen, sum(1 for n in seen.values() if n > 1)


async def wait_until(
    condition: Callable[[], bool],
    timeout: float,  # noqa: ASYNC109
    interval: float = 0.05,
) -> bool:
    """Poll ``condition`` until it holds (True) or ``timeout`` passes (False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(interval)
    return True


# ------------------------------------------------------------------------------ IRC


@dataclass
class IrcLoad:
    """People in the channel sending `!rsvp N maybe` and `!who N`, each N once."""

    users: list[IrcUser]
    channel: str
    rate: float  # commands a second, all users together
    numbers: Iterable[int]
    sent: dict[int, str] = field(default_factory=dict)  # N -> command, written to a socket
    sent_at: dict[int, float] = field(default_factory=dict)  # N -> monotonic time
    refused: int = 0  # not sent: the user's connection was down
    running: bool = True

    async def run(self) -> None:
        numbers = iter(self.numbers)
        for turn in itertools.count():
            if not self.running:
                return
            user = self.users[turn % len(self.users)]
            n = next(numbers)
            command = f"!rsvp {n} maybe" if n % 2 else f"!who {n}"
            try:
                if user.closed:
                    raise ConnectionError("disconnected")
                await user.privmsg(self.channel, command)
                self.sent[n] = command
                self.sent_at[n] = time.monotonic()
            except (ConnectionError, OSError):
                self.refused += 1
            await asyncio.sleep(1 / self.rate)


def irc_replies(lines: list[Message], bot: str) -> tuple[list[int], list[int]]:
    """(numbers of the commands answered, one per reply; reminders seen, one per line)."""
    answered, reminded = [], []
    for message in lines:
        if message.command != "PRIVMSG" or (message.nick or "").casefold() != bot.casefold():
            continue
        line = _FORMATTING.sub("", message.text)
        if (match := re.search(r"you're a maybe for #(\d+) ", line)) or (
            match := re.search(r"Be the first: !rsvp (\d+)$", line)
        ):
            answered.append(int(match.group(1)))
        elif match := _REMINDER.search(line):
            reminded.append(int(match.group(1)))
    return answered, reminded


async def irc_server_restart(
    folder: Path,
    *,
    load_seconds: float,
    outage: float,
    rate: float,
    users: int = 3,
    reminders: int = 12,
) -> Result:
    """ngIRCd killed (SIGKILL) mid-way through a steady command load and started again on
    the same port; reminders fall due before, during and after."""
    server = Ngircd(penalties=False)
    await asyncio.to_thread(server.start)
    bot_nick, channel = "faultbot", "#faults"
    people: list[IrcUser] = []
    process: BotProcess | None = None
    try:
        url = f"sqlite+aiosqlite:///{folder / 'bot.db'}"
        lead = 6.0  # the bot's start-up (imports, connecting) comes before the first one
        first = datetime.now(UTC) + timedelta(seconds=lead)
        spacing = (load_seconds + outage) / reminders
        due = await seed(
            url,
            [Place("irc", "local", channel, channel)],
            load_events=int(rate * (load_seconds + outage + 30)) + 50,
            due=[(0, at) for at in due_times(first, reminders, spacing)],
        )
        config = folder / "config.toml"
        config.write_text(
            f'[bot]\ndatabase_url = "{url}"\n'
            f'[[irc]]\nname = "local"\nhost = "{server.host}"\nport = {server.port}\n'
            f'tls = false\nnick = "{bot_nick}"\nchannels = ["{channel}"]\n'
            # The steady load needs about two lines a second per command a second.
            "burst = 20\nlines_per_second = 10\n"
        )

        async def join(nick: str) -> IrcUser:
            user = await IrcUser.connect(server.host, server.port, nick)
            await user.join(channel)
            return user

        watcher = await join("watcher")
        people = [watcher, *[await join(f"user{i}") for i in range(users)]]
        heard: list[Message] = []  # everything the watcher heard, across its connections
        process = BotProcess(config)
        await process.start()
        await watcher.wait_for(lambda m: m.command == "JOIN" and m.nick == bot_nick, timeout=30)

        load = IrcLoad(people[1:], channel, rate, itertools.count(1))
        load_task = asyncio.create_task(load.run())
        await asyncio.sleep(load_seconds / 2)

        # The fault: the server vanishes without a word, every connection with it.
        killed_at, killed_wall = time.monotonic(), datetime.now(UTC)
        server.kill()
        await asyncio.sleep(outage)
        # Start it again when the bot's next try is at least a second away, so the people
        # are back in the channel before the bot is and see what it sends on its return.
        search_from = killed_at
        while True:
            at = await process.wait_for_log("reconnecting in", 60, since=search_from)
            message = next(str(r["message"]) for t, r in process.records if t == at)
            wait = re.search(r"reconnecting in ([\d.]+) s", message)
            if wait is not None and at + float(wait.group(1)) - time.monotonic() > 1.0:
                break
            search_from = at + 0.001  # the next "reconnecting in" line
        await asyncio.to_thread(server.start)
        restarted_at = time.monotonic()
        heard += watcher.messages
        for user in people:
            await user.close()
        watcher = await join("watcher")
        people[:] = [watcher, *[await join(f"user{i}") for i in range(users)]]
        load.users = people[1:]
        await watcher.wait_for(lambda m: m.command == "JOIN" and m.nick == bot_nick, timeout=60)
        recovery = time.monotonic() - restarted_at
        outage_seconds = restarted_at - killed_at
        back_wall = datetime.now(UTC)
        await asyncio.sleep(load_seconds / 2)
        load.running = False
        await load_task

        # Drain: every reply and reminder the bot will send has gone out when the bot's
        # handled commands are all answered and every reminder was seen (or time is up).
        def seen() -> tuple[list[int], list[int]]:
            return irc_replies(heard + watcher.messages, bot_nick)

        def done() -> bool:
            answered, reminded = seen()
            handled = sum(process.commands().values()) if process else 0
            return len(answered) >= handled and set(reminded) >= set(due)

        # Everything is normally in within seconds; a line lost at the kill never comes.
        await wait_until(done, timeout=20)
        await asyncio.sleep(1.0)  # a duplicate would come right behind
        answered, reminded = seen()
    finally:
        log = await process.stop() if process is not None else ""
        for user in people:
            await user.close()
        await asyncio.to_thread(server.close)

    handled = process.commands()
    replies, duplicated_replies = tally(answered)
    reminder_seen, duplicated_reminders = tally(reminded)
    during = [n for n, (_, at) in due.items() if killed_wall <= at <= back_wall]
    # IRC has no acknowledgement: a line the bot wrote just before the server died, which
    # the server never relayed, counts as sent. Such losses can only be of what was due, or
    # asked, in the moment before the kill.
    at_kill = timedelta(seconds=KILL_WINDOW)
    due_at_kill = [n for n, (_, at) in due.items() if killed_wall - at_kill <= at < killed_wall]
    asked_at_kill = [
        n for n, at in load.sent_at.items() if killed_at - KILL_WINDOW <= at < killed_at
    ]
    result = Result(
        scenario="IRC server killed and restarted",
        load=f"{rate:g} commands/s from {users} people, {len(due)} reminders",
        faults=f"ngIRCd SIGKILL, down {outage_seconds:.1f} s",
        expected=len(due) + sum(handled.values()),
        delivered=len(set(reminder_seen) & set(due)) + len(replies),
        duplicated=duplicated_replies + duplicated_reminders,
        recovery_s=recovery,
        details={
            "commands_sent": len(load.sent),
            "commands_not_sent": load.refused,
            "commands_handled": dict(handled),
            "replies": len(replies),
            "reminders": len(due),
            "reminders_seen": len(set(reminder_seen) & set(due)),
            "reminders_due_while_down": len(during),
            "missing_reminders": sorted(set(due) - set(reminder_seen)),
            "reminders_due_just_before_kill": due_at_kill,
            "commands_sent_just_before_kill": len(asked_at_kill),
            "returncode": process.returncode,
            "log_tail": log.splitlines()[-20:],
        },
    )
    lost_on_the_wire = len(load.sent) - sum(handled.values())
    result.notes.append(
        f"{len(during)} reminders fell due while the bot was away; "
        f"{lost_on_the_wire + load.refused} commands never reached the bot (their senders "
        "were cut off too)"
    )
    return result


# ------------------------------------------------------------------------------ Telegram

# Mixed faults for a Bot API window, in turn: half the calls fail, one way or another.
API_FAULTS: tuple[Fault | None, ...] = (
    Fault(502),  # nginx's HTML page
    None,
    Fault(500),
    None,
    Fault(429, retry_after=1),
    None,
    # Performed, then answered too late: the message is there, the bot cannot know.
    Fault(200, delay=TELEGRAM_READ_TIMEOUT + 1),
    None,
    # Not performed, answered too late: the message is not there, the bot cannot know.
    Fault(502, delay=TELEGRAM_READ_TIMEOUT + 1),
    None,
)


def telegram_config(folder: Path, api: FakeBotApi, url: str) -> Path:
    config = folder / "config.toml"
    config.write_text(
        f'[bot]\ndatabase_url = "{url}"\n'
        f'[telegram]\napi_base_url = "{api.base_url}"\n'
        # The fake enforces no flood limits; 429s come from the fault window instead.
        "flood_limits = false\n"
    )
    return config


@dataclass
class TelegramLoad:
    """People in the groups sending `/rsvp N maybe` and `/who N`, each N once, in the group
    event N belongs to."""

    api: FakeBotApi
    groups: list[int]
    people: list[dict[str, Any]]
    rate: float
    first: int = 1
    sent: dict[int, str] = field(default_factory=dict)
    running: bool = True

    async def run(self) -> None:
        for n in itertools.count(self.first):
            if not self.running:
                return
            command = f"/rsvp {n} maybe" if n % 2 else f"/who {n}"
            group = self.groups[n % len(self.groups)]
            self.api.send_text(group, self.people[n % len(self.people)], command)
            self.sent[n] = command
            await asyncio.sleep(1 / self.rate)


def telegram_numbers(texts: Iterable[str]) -> tuple[list[int], list[int]]:
    """(commands answered, one per reply; reminders, one per message) in the bot's messages."""
    answered, reminded = [], []
    for raw in texts:
        message = html.unescape(re.sub(r"<[^>]+>", "", raw))
        if (match := re.search(r"you're a maybe for #(\d+) ", message)) or (
            match := re.search(r"Be the first: /rsvp (\d+)", message)
        ):
            answered.append(int(match.group(1)))
        elif match := _REMINDER.search(message):
            reminded.append(int(match.group(1)))
    return answered, reminded


def _reminder_number(text_: str) -> int | None:
    _, reminded = telegram_numbers([text_])
    return reminded[0] if reminded else None


async def bot_api_faults(
    folder: Path, *, window: float, rate: float, groups: int = 4, reminders: int = 16
) -> Result:
    """For ``window`` seconds the Bot API answers sendMessage with 502s, 500s, 429s and
    answers too late (performed or not), half the calls; reminders fall due in the window
    in several groups while people send commands."""
    async with FakeBotApi() as api:
        chats = [-1001000 - i for i in range(groups)]
        for i, chat in enumerate(chats):
            api.group(chat, f"Group {i}")
        people = [api.user(7000 + i, f"Person{i}") for i in range(4)]
        url = f"sqlite+aiosqlite:///{folder / 'bot.db'}"
        lead = 6.0
        first = datetime.now(UTC) + timedelta(seconds=lead)
        spacing = window / reminders
        places = [Place("telegram", "telegram", str(c), f"Group {i}") for i, c in enumerate(chats)]
        load_events = int(rate * (window + 40)) + 50
        due = await seed(
            url,
            places,
            load_events=load_events,
            due=[(i % groups, at) for i, at in enumerate(due_times(first, reminders, spacing))],
        )
        process = BotProcess(
            telegram_config(folder, api, url), {"GATHERBOT_TELEGRAM_TOKEN": api.token}
        )
        await process.start()
        load = TelegramLoad(api, chats, people, rate)
        load_task: asyncio.Task[None] | None = None
        try:
            await process.wait_for_log("adapter started: telegram", 30)
            load_task = asyncio.create_task(load.run())
            # The window opens just before the first reminder is due.
            await asyncio.sleep(max(0.0, (first - datetime.now(UTC)).total_seconds() - 0.5))
            api.fail_for("sendMessage", window, API_FAULTS)
            await asyncio.sleep(window)
            closed = time.monotonic()
            await asyncio.sleep(2.0)
            load.running = False
            await load_task

            def texts() -> list[str]:
                return [m.text or "" for chat in chats for m in api.sent(chat)]

            def lost() -> tuple[set[int], set[int]]:
                """Commands and reminders whose only send was answered late, not performed."""
                failed = [str(x.call.params.get("text", "")) for x in api.late if not x.performed]
                return tuple(set(found) for found in telegram_numbers(failed))  # type: ignore[return-value]

            last_change, last_seen = time.monotonic(), 0

            def done() -> bool:
                nonlocal last_change, last_seen
                answered, reminded = telegram_numbers(texts())
                if len(answered) + len(reminded) != last_seen:
                    last_seen, last_change = len(answered) + len(reminded), time.monotonic()
                lost_replies, lost_reminders = lost()
                handled = sum(process.commands().values())
                return (
                    # every answer held back has run into the bot's timeout
                    process.count(AMBIGUOUS_LOG) >= len(api.late)
                    and len(set(answered) | lost_replies) + process.count("gave up") >= handled
                    and set(reminded) | lost_reminders >= set(due)
                )

            # Sends given up after 5 tries are tried again by the scheduler 15 s later.
            await wait_until(done, timeout=90)
            await asyncio.sleep(1.0)  # a duplicate would come right behind
        finally:
            if load_task is not None and not load_task.done():
                load.running = False
                await load_task
            log = await process.stop()
        answered, reminded = telegram_numbers(texts())
        lost_replies, lost_reminders = lost()
        late_performed = [late for late in api.late if late.performed]
        late_failed = [late for late in api.late if not late.performed]
        sends = api.calls_to("sendMessage")

    handled = process.commands()
    replies, duplicated_replies = tally(answered)
    reminder_seen, duplicated_reminders = tally(reminded)
    ambiguous = process.count(AMBIGUOUS_LOG)
    gave_up = process.count("gave up")
    result = Result(
        scenario="Bot API faults",
        load=(f"{rate:g} commands/s in {groups} groups, {len(due)} reminders due in the window"),
        faults=f"sendMessage {window:g} s: 502, 500, 429, late answers ({len(sends)} calls)",
        expected=len(due),
        delivered=len(set(reminder_seen) & set(due)),
        duplicated=duplicated_reminders + duplicated_replies,
        ambiguous=ambiguous,
        recovery_s=max(0.0, last_change - closed),
        details={
            "commands_sent": len(load.sent),
            "commands_handled": dict(handled),
            "replies": len(replies),
            "replies_given_up": gave_up,
            "late_performed": len(late_performed),
            "late_not_performed": len(late_failed),
            "reminders_lost_in_late_failures": sorted(lost_reminders),
            "replies_lost_in_late_failures": sorted(lost_replies),
            "missing_reminders": sorted(set(due) - set(reminder_seen)),
            "returncode": process.returncode,
            "log_tail": log.splitlines()[-20:],
        },
    )
    result.notes.append(
        f"{len(late_performed)} late answers had been performed, {len(late_failed)} had not "
        f"({len(lost_reminders)} reminders, {len(lost_replies)} replies lost); the bot "
        "re-sent neither"
    )
    return result


# ------------------------------------------------------------------------------ PostgreSQL


async def postgres_restart(
    folder: Path, *, outage: float, commands: int = 3, reminders: int = 3
) -> Result:
    """A private PostgreSQL stopped (immediate: a crash to its clients) while people send
    commands, and started again; reminders fall due while it is down."""
    from bot.core import DATABASE_UNREACHABLE
    from tests.faults.private_postgres import PrivatePostgres

    postgres = await asyncio.to_thread(lambda: PrivatePostgres().start())
    try:
        async with FakeBotApi() as api:
            chat = -1002000
            api.group(chat, "Devs")
            person = api.user(7100, "Ada")
            lead = 8.0  # start-up and the first commands come before the outage
            first = datetime.now(UTC) + timedelta(seconds=lead)
            spacing = outage / (reminders + 1)
            due = await seed(
                postgres.url,
                [Place("telegram", "telegram", str(chat), "Devs")],
                load_events=3 * commands + 10,
                due=[
                    (0, at)
                    for at in due_times(first + timedelta(seconds=spacing), reminders, spacing)
                ],
            )
            process = BotProcess(
                telegram_config(folder, api, postgres.url), {"GATHERBOT_TELEGRAM_TOKEN": api.token}
            )
            await process.start()
            numbers = itertools.count(1)

            async def ask() -> str:
                """One command, and the bot's next message in the group (plain text)."""
                before = len(api.sent(chat))
                api.send_text(chat, person, f"/rsvp {next(numbers)} maybe")
                sent = await api.wait_for(lambda: api.sent(chat)[before:], timeout=30)
                return html.unescape(re.sub(r"<[^>]+>", "", sent[0].text or ""))

            answers: dict[str, list[str]] = {"before": [], "during": [], "after": []}
            try:
                await process.wait_for_log("adapter started: telegram", 30)
                for _ in range(commands):
                    answers["before"].append(await ask())
                await asyncio.sleep(max(0.0, (first - datetime.now(UTC)).total_seconds()))
                await asyncio.to_thread(postgres.stop)
                stopped = time.monotonic()
                for _ in range(commands):
                    answers["during"].append(await ask())
                await asyncio.sleep(max(0.0, outage - (time.monotonic() - stopped)))
                await asyncio.to_thread(postgres.start)
                started = time.monotonic()
                for _ in range(commands):
                    answers["after"].append(await ask())
                served_again = time.monotonic()

                def reminded() -> list[int]:
                    return telegram_numbers(m.text or "" for m in api.sent(chat))[1]

                await wait_until(lambda: set(reminded()) >= set(due), timeout=60)
                all_sent = time.monotonic()
                # A restart nobody noticed (no command while it was down): the pool's old
                # connections are all dead, and the next command must not be the one to
                # find out.
                await asyncio.to_thread(postgres.stop)
                await asyncio.to_thread(postgres.start)
                answers["after"].append(await ask())
                await asyncio.sleep(1.0)  # a duplicate would come right behind
                seen, duplicated = tally(reminded())
            finally:
                log = await process.stop()
    finally:
        await asyncio.to_thread(postgres.close)

    honest = [a for a in answers["during"] if a == DATABASE_UNREACHABLE]
    normal = [a for key in ("before", "after") for a in answers[key] if "you're a maybe for" in a]
    asked = len(answers["before"]) + len(answers["after"])
    result = Result(
        scenario="PostgreSQL restarted",
        load=f"{3 * commands + 1} commands, {len(due)} reminders due in the outage",
        faults=f"pg_ctl stop -m immediate, down {started - stopped:.1f} s",
        expected=len(due),
        delivered=len(set(seen) & set(due)),
        duplicated=duplicated,
        recovery_s=all_sent - started,
        details={
            "answers": answers,
            "honest_during": len(honest),
            "normal_before_and_after": len(normal),
            "asked_before_and_after": asked,
            "first_answer_after_s": served_again - started,
            "returncode": process.returncode,
            "log_tail": log.splitlines()[-20:],
        },
    )
    result.notes.append(
        f"{len(honest)}/{commands} commands in the outage told to try again; "
        f"{len(normal)}/{asked} answered normally before and after (the last one after a "
        "second, unnoticed restart)"
    )
    return result
