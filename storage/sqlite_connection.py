"""aiosqlite's connection, with SQLite's statements run in the event loop's thread.

aiosqlite runs every call of the sqlite3 API on a worker thread: a queue hand-off to the thread
and a wake-up of the event loop for each call (SQLAlchemy's adapter makes four per statement:
open a cursor, execute, fetch, close). A trip costs 30-80 µs on an idle 2-core VM, and much
more when the loop is busy; the statements of a `/rsvp` take about 30 µs in SQLite itself.
Worse, every trip hands the loop to whatever else is waiting, so a reply waits behind it.

So here the statements run right where SQLAlchemy asks for them, in the loop's thread, with
every call's results taken at once (execute, fetch all rows, close). What a thread was really
needed for is waiting: for another connection's lock. The connection is opened with a zero
busy timeout, so SQLite never waits inside a call; when it answers "busy" the wait happens
here, asynchronously (`asyncio.sleep` with SQLite's own back-off steps, up to the timeout
given), and the other connection's task gets on with its work meanwhile. Only statements that
are safe to repeat are retried: the one that begins a transaction (the transaction is rolled
back first), one outside any transaction, and `COMMIT`.

What may still block the loop is SQLite's file I/O: reads from the OS cache (microseconds) and
the WAL write at each commit (synced to the disk only at checkpoints: `synchronous=NORMAL`,
see storage/database.py). WAL checkpoints, which copy pages and sync the disk, run in
aiosqlite's thread (see CHECKPOINT_AFTER_CHANGES).

`BEGIN` rides along with the first statement of a transaction (so the lock is taken right
before it, as before), and a rollback with no transaction open, such as the pool's reset after
a commit, does nothing. aiosqlite's thread still opens and closes the connection, and
SQLAlchemy's aiosqlite dialect uses the connection as it is, through the public
``async_creator`` hook.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Sequence
from types import TracebackType
from typing import Any, cast

import aiosqlite

Description = tuple[tuple[str, None, None, None, None, None, None], ...] | None
Outcome = tuple[Description, list[Any], int, int | None]

log = logging.getLogger(__name__)

# Rows a connection changes between two WAL checkpoints, which it runs itself in aiosqlite's
# thread after a commit. SQLite's automatic checkpoint is off (wal_autocheckpoint=0): it would
# run inside a COMMIT, in the loop's thread, copying about 1000 pages and syncing the disk
# (3-12 ms on the benchmark's VM, every few hundred RSVPs).
CHECKPOINT_AFTER_CHANGES = 500

# SQLITE_BUSY and SQLITE_BUSY_RECOVERY: another connection holds a lock; waiting helps. Not
# SQLITE_BUSY_SNAPSHOT: a read snapshot that went stale does not get fresh by waiting.
_BUSY = {sqlite3.SQLITE_BUSY, getattr(sqlite3, "SQLITE_BUSY_RECOVERY", 261)}
# SQLite's own busy handler sleeps these steps (ms), then 100 ms at a time.
_PAUSES = (0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.025, 0.025, 0.025, 0.05, 0.05)
_LONGEST_PAUSE = 0.1


def _busy(exc: sqlite3.OperationalError) -> bool:
    return getattr(exc, "sqlite_errorcode", None) in _BUSY


class _Waits:
    """Waiting for another connection's lock the way SQLite's busy handler does, but without
    holding up the event loop."""

    __slots__ = ("_deadline", "_tries")

    def __init__(self, seconds: float) -> None:
        self._deadline = asyncio.get_running_loop().time() + seconds
        self._tries = 0

    async def pause(self, busy: sqlite3.OperationalError) -> None:
        """Sleep before the next try; re-raise ``busy`` once the time is up."""
        pause = _PAUSES[self._tries] if self._tries < len(_PAUSES) else _LONGEST_PAUSE
        if asyncio.get_running_loop().time() + pause > self._deadline:
            raise busy
        self._tries += 1
        await asyncio.sleep(pause)


class InlineCursor:
    """The part of ``aiosqlite.Cursor`` SQLAlchemy uses. ``execute`` runs the statement,
    takes all its rows and closes the sqlite3 cursor at once."""

    __slots__ = ("_connection", "_rows", "arraysize", "description", "lastrowid", "rowcount")

    def __init__(self, connection: InlineConnection) -> None:
        self._connection = connection
        self._rows: list[Any] = []
        self.description: Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        await self._run(sql, () if parameters is None else parameters, many=False)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        await self._run(sql, list(parameters), many=True)
        return self

    async def _run(self, sql: str, parameters: Any, *, many: bool) -> None:
        outcome = await self._connection._statement(sql, parameters, many=many)
        self.description, self._rows, self.rowcount, self.lastrowid = outcome

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        size = self.arraysize if size is None else size
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    async def close(self) -> None:
        self._rows = []  # the sqlite3 cursor is closed already

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._each()

    async def _each(self) -> AsyncIterator[Any]:
        while self._rows:
            yield self._rows.pop(0)

    # `await connection.cursor()` and `async with connection.cursor() as cursor` both work,
    # as with aiosqlite.
    def __await__(self) -> Generator[Any, None, InlineCursor]:
        return self._itself().__await__()

    async def _itself(self) -> InlineCursor:
        return self

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


class InlineConnection(aiosqlite.Connection):
    """``aiosqlite.Connection`` that runs statements in the caller's thread (see above)."""

    _busy_seconds = 5.0  # how long to wait for another connection's lock
    _begin: str | None = None  # see begin_with_next_statement
    _checkpointed_at = 0  # the connection's total_changes at its last checkpoint

    def cursor(self) -> InlineCursor:  # type: ignore[override]
        return InlineCursor(self)

    def begin_with_next_statement(self, begin: str) -> None:
        """Start a transaction with ``begin`` (`BEGIN IMMEDIATE`, say) right before the
        statement that follows: the lock is taken at the same point, without a call of its
        own."""
        self._begin = begin

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """aiosqlite's way to run ``fn`` on the connection (commit, rollback, close): here,
        at once."""
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    async def _statement(self, sql: str, parameters: Any, *, many: bool) -> Outcome:
        begin, self._begin = self._begin, None
        # Safe to repeat when busy: nothing has happened yet in this transaction (the BEGIN is
        # undone first), or there is no transaction.
        repeatable = begin is not None or not self._conn.in_transaction
        waits = None
        while True:
            try:
                return self._run(begin, sql, parameters, many)
            except sqlite3.OperationalError as exc:
                if not (repeatable and _busy(exc)):
                    raise
                waits = waits or _Waits(self._busy_seconds)
                await waits.pause(exc)

    def _run(self, begin: str | None, sql: str, parameters: Any, many: bool) -> Outcome:
        sqlite = self._conn
        cursor = sqlite.cursor()
        try:
            if begin is not None:
                cursor.execute(begin)
            try:
                if many:
                    cursor.executemany(sql, parameters)
                else:
                    cursor.execute(sql, parameters)
            except sqlite3.OperationalError as exc:
                if begin is not None and _busy(exc) and sqlite.in_transaction:
                    sqlite.rollback()  # a deferred BEGIN that could not read yet
                raise
            description = cursor.description
            rows = cursor.fetchall() if description else []
            return description, rows, cursor.rowcount, cursor.lastrowid
        finally:
            cursor.close()

    async def commit(self) -> None:
        self._begin = None  # a transaction that never ran a statement never began
        waits = None
        while True:
            try:
                self._conn.commit()  # never busy in WAL mode; in rollback-journal mode it can be
                break
            except sqlite3.OperationalError as exc:
                if not _busy(exc):
                    raise
                waits = waits or _Waits(self._busy_seconds)
                await waits.pause(exc)
        changes = self._conn.total_changes
        if changes - self._checkpointed_at >= CHECKPOINT_AFTER_CHANGES:
            self._checkpointed_at = changes
            await self._checkpoint()

    async def _checkpoint(self) -> None:
        """Copy the WAL into the database file, in aiosqlite's thread (the connection is not
        handed back meanwhile, so nothing else uses it). PASSIVE: it waits for nobody and
        copies what readers no longer need."""

        def checkpoint() -> None:
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

        on_thread = cast(Callable[..., Awaitable[None]], aiosqlite.Connection._execute)
        try:
            await on_thread(self, checkpoint)
        except sqlite3.Error as exc:  # committed all the same; the next one tries again
            log.warning("SQLite WAL checkpoint failed: %s", exc)

    async def rollback(self) -> None:
        self._begin = None
        sqlite = self._connection
        if sqlite is not None and sqlite.in_transaction:  # not after a commit: nothing to undo
            sqlite.rollback()


def connect(database: str, *, timeout: float = 5.0, **kwargs: Any) -> InlineConnection:
    """Like ``aiosqlite.connect``; await the result to open it. ``timeout`` is how long a
    statement waits for another connection's lock."""

    def connector() -> sqlite3.Connection:
        # Opened in aiosqlite's thread, used in the loop's: one at a time, never both.
        opened: sqlite3.Connection = sqlite3.connect(
            database, **{**kwargs, "timeout": 0, "check_same_thread": False}
        )
        opened.execute("PRAGMA wal_autocheckpoint=0")  # see CHECKPOINT_AFTER_CHANGES
        return opened

    connection = InlineConnection(connector, iter_chunk_size=64)
    connection._busy_seconds = timeout
    # Like SQLAlchemy's own aiosqlite set-up: a forgotten connection must not keep the
    # process alive at exit.
    connection._thread.daemon = True
    return connection


async def opened(connection: InlineConnection) -> aiosqlite.Connection:
    """Await ``connection`` open. When opening fails, aiosqlite tells its thread to stop but
    does not wait for it; the thread then reports back to the event loop, which by then may
    be closed (a `gatherbot` that exits on a bad database path printed that traceback)."""
    try:
        return await connection
    except BaseException:
        await asyncio.to_thread(connection._thread.join, 5)
        raise
