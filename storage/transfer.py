"""Moving a whole gatherbot database to another one (SQLite to PostgreSQL and back):
`gatherbot export FILE` writes every table as versioned JSON, `gatherbot import FILE` loads it
into an empty database of either kind.

Every table of the schema is written, so whatever a later migration adds travels too: events,
occurrences called off, answers, people and their linked identities, channel links, cards,
polls and the deliveries still pending. All but `bot_state`, which describes the config of
the bots that ran on the old database (the default reminders their plans were made with), not
the community's data: the first bot to start on the new one records its own and plans the
events' reminders again once. The file names the schema revision it was written at; it is
loaded only by a gatherbot at that same revision (upgrade the old database first).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Enum, Integer, Table, delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database import READ_ONLY, Database, head_revision, schema_revision
from storage.models import Base, BotStateRow, UTCDateTime

FORMAT = "gatherbot-export"
VERSION = 1
# Rows per INSERT: executemany in batches keeps memory flat for large databases.
BATCH = 500
# The tables moved, in an order that inserts what rows refer to first.
TABLES = [t for t in Base.metadata.sorted_tables if t.name != BotStateRow.__tablename__]


class TransferError(Exception):
    """The export cannot be written or loaded; the message says why and what to do."""


def _is_instant(column: Column[Any]) -> bool:
    return isinstance(column.type, UTCDateTime | DateTime)


def _dump(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if _is_instant(column):
        assert isinstance(value, datetime)
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _load(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if _is_instant(column):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Enum) and column.type.enum_class is not None:
        return column.type.enum_class(value)
    return value


async def export_data(database: Database, now: datetime) -> dict[str, Any]:
    """Every row of every table, read in one transaction (one consistent snapshot)."""
    engine = database.engine.execution_options(**{READ_ONLY: True})
    if not database.is_sqlite:
        # PostgreSQL's default gives each statement its own snapshot; a snapshot for the
        # whole export keeps answers and their events consistent while the bot runs.
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    async with engine.connect() as connection:
        revision = await connection.run_sync(schema_revision)
        if revision != head_revision():
            raise TransferError(
                f"the database is at schema {revision or 'none'}, this gatherbot's is "
                f"{head_revision()}: run `gatherbot db upgrade` first"
            )
        tables: dict[str, Any] = {}
        for table in TABLES:
            result = await connection.execute(select(table).order_by(*table.primary_key.columns))
            columns = list(table.columns)
            tables[table.name] = {
                "columns": [column.name for column in columns],
                "rows": [
                    [_dump(column, value) for column, value in zip(columns, row, strict=True)]
                    for row in result
                ],
            }
    return {
        "format": FORMAT,
        "version": VERSION,
        "schema": revision,
        "exported_at": now.isoformat(),
        "tables": tables,
    }


def counts(data: dict[str, Any]) -> dict[str, int]:
    """Rows per table in an export, for the summary people read."""
    return {name: len(table["rows"]) for name, table in data["tables"].items()}


def _check(data: Any) -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TransferError("not a gatherbot export (made by `gatherbot export FILE`)")
    if data.get("version") != VERSION:
        raise TransferError(
            f"export format version {data.get('version')!r}; this gatherbot reads {VERSION}"
        )
    if data.get("schema") != head_revision():
        raise TransferError(
            f"the export is of schema {data.get('schema')}, this gatherbot's is "
            f"{head_revision()}: import it with the gatherbot version that wrote it, or "
            "upgrade the old database (`gatherbot db upgrade`) and export it again"
        )
    known = {table.name for table in TABLES}
    tables = data.get("tables")
    if not isinstance(tables, dict) or set(tables) - known:
        raise TransferError("the export's tables do not match this gatherbot's schema")
    for name, table in tables.items():
        expected = [column.name for column in Base.metadata.tables[name].columns]
        if table.get("columns") != expected:
            raise TransferError(f"the export's table {name} does not match this schema")


async def import_data(database: Database, data: Any) -> None:
    """Load an export into ``database``, which must be empty: all of it, or nothing."""
    _check(data)
    await database.upgrade()
    async with database.engine.begin() as connection:
        filled = await _filled_tables(connection)
        if filled:
            raise TransferError(
                "the database already holds data (" + ", ".join(filled) + "): import only "
                "into an empty database, so nothing in it is mixed up or overwritten"
            )
        # A bot that ran on this empty database recorded its defaults; the plans coming in
        # were made with the old database's: forgotten, the next start plans them again.
        await connection.execute(delete(BotStateRow))
        for table in TABLES:
            exported = data["tables"].get(table.name)
            if exported:
                await _insert(connection, table, exported["rows"])
        if not database.is_sqlite:
            await _advance_sequences(connection)


async def _filled_tables(connection: AsyncConnection) -> list[str]:
    filled = []
    for table in TABLES:
        rows = await connection.scalar(select(func.count()).select_from(table))
        if rows:
            filled.append(f"{rows} in {table.name}")
    return filled


async def _insert(connection: AsyncConnection, table: Table, rows: list[list[Any]]) -> None:
    columns = list(table.columns)
    for start in range(0, len(rows), BATCH):
        batch = [
            {column.name: _load(column, value) for column, value in zip(columns, row, strict=True)}
            for row in rows[start : start + BATCH]
        ]
        await connection.execute(insert(table), batch)


async def _advance_sequences(connection: AsyncConnection) -> None:
    """Rows came with their ids: PostgreSQL's id sequences must start after them, or the next
    event would get an id that is taken."""
    for table in TABLES:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer) or keys[0].name != "id":
            continue
        await connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )
        )
