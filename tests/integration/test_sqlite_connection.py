"""The SQLite connection that runs statements in the loop's thread behaves like aiosqlite under
SQLAlchemy (rows, many rows, streams, errors, rollbacks, locks), and waits for another
connection's lock without holding up the loop."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from bot.domain import UserRef
from storage import Database, sqlite_connection
from storage.models import PersonRow
from tests.harness import START, Chat


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'one-trip.db'}")
    await db.upgrade()
    yield db
    await db.dispose()


def person(n: int) -> dict[str, object]:
    return {
        "platform": "test",
        "network": "net",
        "external_id": str(n),
        "display_name": f"p{n}",
        "verified": True,
        "created_at": START,
    }


async def test_rows_written_in_a_transaction_are_read_back_in_order(sqlite: Database) -> None:
    async with sqlite.engine.begin() as connection:
        await connection.execute(insert(PersonRow), [person(n) for n in range(150)])
    async with sqlite.engine.connect() as connection:
        names = (await connection.scalars(select(PersonRow.display_name))).all()
        streamed = [row.display_name async for row in await connection.stream(select(PersonRow))]
    assert names == [f"p{n}" for n in range(150)]
    assert streamed == names


async def test_an_insert_reports_the_new_row_id(sqlite: Database) -> None:
    async with sqlite.engine.begin() as connection:
        first = await connection.execute(insert(PersonRow).values(**person(1)))
        second = await connection.execute(insert(PersonRow).values(**person(2)))
    assert (first.inserted_primary_key, second.inserted_primary_key) == ((1,), (2,))


async def test_a_failed_statement_rolls_back_and_the_connection_is_usable_again(
    sqlite: Database,
) -> None:
    async with sqlite.unit_of_work() as uow:
        await uow.people.upsert(
            UserRef("test", "net", "1", "p1"),
            START,
        )
        await uow.commit()
    async with sqlite.engine.connect() as connection:
        await connection.execute(insert(PersonRow).values(**person(2)))
        with pytest.raises(IntegrityError):
            await connection.execute(insert(PersonRow).values(**person(1)))
        await connection.rollback()
    async with sqlite.engine.connect() as connection:
        count = await connection.scalar(text("SELECT count(*) FROM people"))
    assert count == 1  # person 2 went with the failed transaction


async def test_a_unit_of_work_holds_the_write_lock_from_its_first_statement(
    sqlite: Database, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "one-trip.db", timeout=0, isolation_level=None)
    async with sqlite.unit_of_work() as uow:
        await uow.rsvps.seats_taken(1)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        await uow.commit()
    other.execute("BEGIN IMMEDIATE")  # free again
    other.execute("ROLLBACK")
    async with sqlite.unit_of_work(read_only=True) as uow:
        await uow.rsvps.seats_taken(1)
        other.execute("BEGIN IMMEDIATE")  # a reader does not hold it
        other.execute("ROLLBACK")
    other.close()


async def test_a_transaction_that_ran_nothing_leaves_no_lock_behind(
    sqlite: Database, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "one-trip.db", timeout=0, isolation_level=None)
    async with sqlite.engine.connect() as connection:
        await connection.begin()  # BEGIN IMMEDIATE would go with the next statement...
        await connection.commit()  # ...but none came
        # A statement outside any transaction, straight on the driver's cursor.
        await connection.run_sync(lambda sync: sync.connection.cursor().execute("SELECT 1"))
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    other.close()


async def test_waiting_for_another_connections_lock_does_not_hold_up_the_loop(
    sqlite: Database, tmp_path: Path
) -> None:
    chat = Chat(sqlite)
    await chat.say("!newevent Coffee | tomorrow 18:00 | Café Nero | limit=2", "olga")
    other = sqlite3.connect(tmp_path / "one-trip.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing, say
    answer = asyncio.create_task(chat.say("!rsvp 1", "bob"))
    ticks = 0
    while ticks < 20:  # the loop keeps turning while bob's RSVP waits for the lock
        await asyncio.sleep(0.001)
        ticks += 1
    assert not answer.done()
    other.execute("COMMIT")
    assert (await answer).startswith("bob: you're going to #1 Coffee.")
    other.close()


async def test_a_lock_held_too_long_is_an_error_not_a_hang(tmp_path: Path) -> None:
    path = str(tmp_path / "locked.db")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("CREATE TABLE t (x)")
    other.execute("BEGIN IMMEDIATE")
    connection = await sqlite_connection.connect(path, timeout=0.05, isolation_level=None)
    # Awaiting opens the connection and gives it back; aiosqlite types that as its own class.
    assert isinstance(connection, sqlite_connection.InlineConnection)
    connection.begin_with_next_statement("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        await connection.cursor().execute("SELECT count(*) FROM t")
    other.execute("COMMIT")
    connection.begin_with_next_statement("BEGIN IMMEDIATE")
    cursor = await connection.cursor().execute("SELECT count(*) FROM t")
    assert await cursor.fetchall() == [(0,)]
    await connection.rollback()
    await connection.close()
    other.close()


async def test_connections_use_wal_with_normal_sync_and_foreign_keys(sqlite: Database) -> None:
    async with sqlite.engine.connect() as connection:
        settings = [
            await connection.scalar(text(f"PRAGMA {name}"))
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        ]
    # synchronous 1 is NORMAL; no busy timeout: the connection waits between tries itself.
    assert settings == ["wal", 1, 1, 0]


async def test_the_wal_is_copied_into_the_database_file_after_enough_changes(
    sqlite: Database, tmp_path: Path
) -> None:
    db_file = tmp_path / "one-trip.db"
    async with sqlite.engine.begin() as connection:
        await connection.execute(insert(PersonRow), [person(n) for n in range(10)])
    size = db_file.stat().st_size
    async with sqlite.engine.begin() as connection:
        assert await connection.scalar(text("PRAGMA wal_autocheckpoint")) == 0
        many = [person(n) for n in range(10, 10 + sqlite_connection.CHECKPOINT_AFTER_CHANGES)]
        await connection.execute(insert(PersonRow), many)
    # Checkpointed by the committing connection, not left to SQLite inside the COMMIT.
    assert db_file.stat().st_size > size


async def test_a_new_connection_waits_for_a_lock_held_elsewhere(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("CREATE TABLE t (x)")  # not in WAL mode yet: switching needs the lock
    other.execute("BEGIN EXCLUSIVE")
    database = Database(f"sqlite+aiosqlite:///{path}")

    async def count() -> int | None:
        async with database.engine.connect() as connection:
            found: int | None = await connection.scalar(text("SELECT count(*) FROM t"))
            return found

    counting = asyncio.create_task(count())
    for _ in range(20):
        await asyncio.sleep(0.001)
    assert not counting.done()
    other.execute("COMMIT")
    assert await counting == 0
    await database.dispose()
    other.close()
