"""The engine and session factory, with what each database needs to keep seats honest."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

import migrations
from storage import sqlite_connection
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

DEFAULT_URL = "sqlite+aiosqlite:///gatherbot.db"
# Execution option of read-only units of work.
READ_ONLY = "gatherbot_read_only"
SQLITE_BUSY_SECONDS = 30
# SQLSTATEs of a server that is gone or not there yet: class 08 (connection exception), and
# admin shutdown, crash shutdown, "the database system is starting up".
_GONE_STATES = ("57P01", "57P02", "57P03")


class DatabaseError(Exception):
    """The database cannot be used. The message names it (password hidden) and the reason."""


def redact_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def require_existing(url: str) -> None:
    """Refuse a SQLite URL naming a file that is not there: opening it would create an
    empty database, and a command that only reads or exports one should not leave that
    behind a mistyped path."""
    parsed = make_url(url)
    name = parsed.database
    if parsed.get_backend_name() != "sqlite" or not name or name == ":memory:":
        return
    if name.startswith("file:") or Path(name).exists():
        return  # a URI's own mode= decides; an existing file is opened as it is
    raise DatabaseError(
        f"{redact_url(url)} holds no gatherbot database: there is no file {name} "
        "(check --database or the config's database_url)"
    )


# What gatherbot runs on, backend and driver: SQLAlchemy's async engine needs an asyncio
# driver, and the SQLite connection (sqlite_connection.py) is built on aiosqlite's.
_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}
_SUPPORTED = "gatherbot supports sqlite+aiosqlite and postgresql+asyncpg"


def supported_url(url: str) -> URL:
    """``url`` parsed, or a DatabaseError saying what to write instead (`sqlite:///x.db`
    would load a driver the async engine refuses, with a traceback)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        # Not echoed: a mistyped URL may still hold a password.
        raise DatabaseError(
            "not a database URL; expected e.g. sqlite+aiosqlite:///gatherbot.db or "
            "postgresql+asyncpg://user:password@host/dbname"
        ) from None
    backend = parsed.get_backend_name()
    wanted = _DRIVERS.get(backend)
    if wanted is None:
        raise DatabaseError(f"cannot use {redact_url(url)}: {_SUPPORTED}")
    if parsed.get_driver_name() != wanted:
        fixed = parsed.set(drivername=f"{backend}+{wanted}").render_as_string(hide_password=True)
        raise DatabaseError(f"cannot use {redact_url(url)}: write {fixed} ({_SUPPORTED})")
    return parsed


class Database:
    """One engine per process; a fresh session for every unit of work."""

    def __init__(self, url: str = DEFAULT_URL) -> None:
        parsed = supported_url(url)
        self.url = url
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        # A failed statement's error (and its traceback in the log) would otherwise quote the
        # parameters: what people typed, which never goes to the logs.
        options: dict[str, Any] = {"hide_parameters": True}
        if self.is_sqlite:
            options["async_creator"] = _sqlite_creator(parsed)
        else:
            # After PostgreSQL restarted, the pooled connections are dead but look fine: the
            # first unit of work to take one failed ("connection was closed in the middle of
            # operation") although the server was back. A ping on checkout (one round trip)
            # replaces a dead connection with a new one instead (tests/faults).
            options["pool_pre_ping"] = True
        try:
            self.engine: AsyncEngine = create_async_engine(parsed, **options)
        except (NoSuchModuleError, ArgumentError, ImportError) as exc:
            raise DatabaseError(
                f"cannot use {redact_url(url)}: {_reason(exc)} ({_SUPPORTED})"
            ) from None
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # Called with the due time of deliveries a unit of work committed (the scheduler
        # sets it to wake up for them).
        self.on_planned: Callable[[datetime], None] | None = None
        # Same pool; the option tells SQLite's `begin` listener not to take the write lock.
        self._read_sessions = async_sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )

    def unit_of_work(self, *, read_only: bool = False) -> UnitOfWork:
        """A unit of work; ``read_only`` for one that only reads: on SQLite it then neither
        waits for nor holds the write lock (WAL readers see the last commit)."""
        if read_only:
            return UnitOfWork(self._read_sessions, lock_rows=False, read_only=True)
        return UnitOfWork(self._sessions, lock_rows=not self.is_sqlite, on_planned=self.on_planned)

    async def upgrade(self) -> None:
        """Bring the schema to the newest migration (idempotent)."""
        try:
            async with self.engine.begin() as connection:
                await connection.run_sync(_upgrade)
        except (OSError, SQLAlchemyError) as exc:
            raise DatabaseError(f"cannot open {redact_url(self.url)}: {_reason(exc)}") from exc

    async def schema(self) -> str | None:
        """The migration the database is at (see schema_revision), read without SQLite's write
        lock, so a running bot is not held up; DatabaseError when it cannot be opened."""
        try:
            async with self.engine.execution_options(**{READ_ONLY: True}).connect() as connection:
                return await connection.run_sync(schema_revision)
        except (OSError, SQLAlchemyError) as exc:
            raise DatabaseError(f"cannot open {redact_url(self.url)}: {_reason(exc)}") from exc

    async def dispose(self) -> None:
        await self.engine.dispose()


def unreachable(exc: BaseException) -> bool:
    """True when ``exc`` says the database could not be reached or dropped the connection
    (a restart, a network cut), rather than refusing a statement: worth trying again later.

    Looks through the whole chain (SQLAlchemy wraps the driver's error, asyncpg raises a
    refused connection as a bare OSError)."""
    seen: set[int] = set()
    waiting: list[BaseException | None] = [exc]
    while waiting:
        current = waiting.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, DBAPIError):
            if current.connection_invalidated:
                return True
            waiting.append(current.orig)
        if isinstance(current, OSError):  # refused, reset, unreachable, timed out
            return True
        state = getattr(current, "sqlstate", None)
        if isinstance(state, str) and (state.startswith("08") or state in _GONE_STATES):
            return True
        waiting += [current.__cause__, current.__context__]
    return False


def _reason(exc: BaseException) -> str:
    """The driver's own words, first line only (SQLAlchemy appends SQL and a link)."""
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    return text or cause.__class__.__name__


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's config pointing at the packaged migrations, so it works from an install."""
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration: the schema this gatherbot reads and writes."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def schema_revision(connection: Connection) -> str | None:
    """The migration the database is at; None for one without gatherbot's schema."""
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def _sqlite_creator(url: URL) -> Callable[[], Awaitable[Any]]:
    """Opens connections the way SQLAlchemy's aiosqlite dialect would (its own reading of the
    URL: path, `uri=true`, memory), running statements in the loop's thread and waiting for
    locks without blocking it (storage/sqlite_connection.py)."""
    (database,), options = url.get_dialect()().create_connect_args(url)
    options["timeout"] = SQLITE_BUSY_SECONDS

    async def creator() -> Any:
        return await sqlite_connection.opened(sqlite_connection.connect(database, **options))

    return creator


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL with `synchronous=NORMAL`, foreign keys, and `BEGIN IMMEDIATE` for every
    transaction that may write.

    `synchronous=NORMAL` is SQLite's advice for WAL: a commit is no longer flushed to the disk
    on its own (the WAL is synced at each checkpoint), which took 0.1-1 ms per commit on the
    benchmark's VM, in the loop's thread. The database cannot be corrupted by a crash; after a
    power cut or an OS crash (not a crash of gatherbot) the last commits before it may be
    missing.

    SQLite's default deferred transactions let two writers both read "49 seats taken" and both
    insert: the write lock must be taken before counting. The driver's own transaction handling
    is switched off so SQLAlchemy's `begin` is the only place a transaction starts. A read-only
    unit of work begins a deferred transaction: one consistent snapshot, no lock.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # No busy timeout: SQLite would wait for another connection's lock inside the call, in
        # the loop's thread. The connection waits between tries instead (sqlite_connection).
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"
        driver = connection.connection.driver_connection
        if isinstance(driver, sqlite_connection.InlineConnection):
            driver.begin_with_next_statement(begin)
        else:
            connection.exec_driver_sql(begin)
