"""aiosqlite with one trip to its thread per statement.

aiosqlite runs every call of the sqlite3 API on a worker thread, and SQLAlchemy's adapter
makes four such calls per statement: open a cursor, execute, fetch all rows, close. Each trip
is a queue hand-off to the thread and a wake-up of the event loop (about 30-80 µs on a small
VM), which is more than SQLite needs to run the statement itself. The cursor here does all
four in one trip and keeps the rows. `BEGIN` rides along with the first statement of a
transaction, and a rollback with no transaction open (the pool's reset after a commit) makes
no trip at all.

It is still aiosqlite's ``Connection`` (same thread, same queue, same ``commit``/``close``), so
SQLAlchemy's aiosqlite dialect uses it as is, through the public ``async_creator`` hook.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Sequence
from types import TracebackType
from typing import Any, cast

import aiosqlite

Description = tuple[tuple[str, None, None, None, None, None, None], ...] | None


class OneTripCursor:
    """The part of ``aiosqlite.Cursor`` SQLAlchemy uses; ``execute`` also fetches and
    closes, in the same trip to the connection's thread."""

    __slots__ = ("_connection", "_rows", "arraysize", "description", "lastrowid", "rowcount")

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self._rows: list[Any] = []
        self.description: Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> OneTripCursor:
        await self._run(_run_one, sql, () if parameters is None else parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> OneTripCursor:
        await self._run(_run_many, sql, parameters)
        return self

    async def _run(self, step: Step, sql: str, parameters: Any) -> None:
        connection = self._connection
        begin, connection._begin = connection._begin, None
        # aiosqlite's own way onto its thread (what its Cursor.execute uses too).
        on_thread = cast(Callable[..., Awaitable[Outcome]], connection._execute)
        outcome = await on_thread(step, connection, begin, sql, parameters)
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
        self._rows = []  # the sqlite3 cursor was closed in the thread already

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._each()

    async def _each(self) -> AsyncIterator[Any]:
        while self._rows:
            yield self._rows.pop(0)

    # `await connection.cursor()` and `async with connection.cursor() as cursor` both work,
    # as with aiosqlite; neither needs a trip to the thread.
    def __await__(self) -> Generator[Any, None, OneTripCursor]:
        return self._itself().__await__()

    async def _itself(self) -> OneTripCursor:
        return self

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


Outcome = tuple[Description, list[Any], int, int | None]
Step = Callable[["OneTripConnection", str | None, str, Any], Outcome]


def _run_one(
    connection: OneTripConnection, begin: str | None, sql: str, parameters: Any
) -> Outcome:
    """In the connection's thread: begin a transaction if asked to, run one statement and take
    everything it returned."""
    sqlite = connection._conn
    cursor = sqlite.cursor()
    try:
        if begin is not None:
            cursor.execute(begin)
        cursor.execute(sql, parameters)
        return _taken(cursor)
    finally:
        cursor.close()
        connection._in_transaction = sqlite.in_transaction


def _run_many(
    connection: OneTripConnection, begin: str | None, sql: str, parameters: Any
) -> Outcome:
    sqlite = connection._conn
    cursor = sqlite.cursor()
    try:
        if begin is not None:
            cursor.execute(begin)
        cursor.executemany(sql, parameters)
        return _taken(cursor)
    finally:
        cursor.close()
        connection._in_transaction = sqlite.in_transaction


def _taken(cursor: sqlite3.Cursor) -> Outcome:
    description = cursor.description
    rows = cursor.fetchall() if description else []
    return description, rows, cursor.rowcount, cursor.lastrowid


class OneTripConnection(aiosqlite.Connection):
    """``aiosqlite.Connection`` whose cursors make one trip per statement."""

    # Written only in the worker thread after a statement, and read by the loop between
    # statements of the same session: never at the same time.
    _in_transaction = True  # not known yet: assume a rollback may be needed
    _begin: str | None = None  # see begin_with_next_statement

    def cursor(self) -> OneTripCursor:  # type: ignore[override]
        return OneTripCursor(self)

    def begin_with_next_statement(self, begin: str) -> None:
        """Start a transaction with ``begin`` (`BEGIN IMMEDIATE`, say) in the same trip as the
        statement that follows, rather than in a trip of its own. Nothing happens in between,
        so the lock is taken at the same point as before: before the first statement."""
        self._begin = begin

    async def commit(self) -> None:
        self._begin = None  # a transaction that never ran a statement never began
        await super().commit()
        self._in_transaction = False

    async def rollback(self) -> None:
        self._begin = None
        if self._in_transaction:
            await super().rollback()
            self._in_transaction = False


def connect(database: str, **kwargs: Any) -> OneTripConnection:
    """Like ``aiosqlite.connect``; await the result to open it."""

    def connector() -> sqlite3.Connection:
        opened: sqlite3.Connection = sqlite3.connect(database, **kwargs)
        return opened

    connection = OneTripConnection(connector, iter_chunk_size=64)
    # Like SQLAlchemy's own aiosqlite set-up: a forgotten connection must not keep the
    # process alive at exit.
    connection._thread.daemon = True
    return connection
