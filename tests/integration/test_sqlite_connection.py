"""The SQLite connection that runs each statement in one trip to aiosqlite's thread behaves
like aiosqlite under SQLAlchemy: rows, many rows, streams, errors and rollbacks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from bot.domain import UserRef
from storage import Database
from storage.models import PersonRow
from tests.harness import START


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
