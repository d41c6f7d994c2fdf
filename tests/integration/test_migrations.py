"""The Alembic migrations build exactly the schema the models describe, on SQLite and
PostgreSQL, and can be run again, undone and redone."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage import Database
from storage.database import alembic_config
from storage.models import Base
from tests.harness import Chat

TABLES = {
    "alembic_version",
    "channels",
    "people",
    "events",
    "event_channels",
    "rsvps",
    "posted_cards",
    "reminder_optins",
    "cancelled_occurrences",
    "deliveries",
    "identity_links",
    "link_codes",
    "link_failures",
    "feed_tokens",
    "polls",
    "poll_options",
    "poll_votes",
    "poll_channels",
    "poll_cards",
    "bot_state",
}
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _model_diff(connection: Connection) -> list[Any]:
    """What `alembic check` would find: the models against the migrated database."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _downgrade_to_base(connection: Connection) -> None:
    command.downgrade(alembic_config(connection), "base")


async def run(database: Database, step: Any) -> Any:
    async with database.engine.begin() as connection:
        return await connection.run_sync(step)


async def test_upgrading_an_empty_database_creates_the_schema(database_url: str) -> None:
    database = Database(database_url)
    try:
        assert await run(database, _tables) == set()
        await database.upgrade()
        assert await run(database, _tables) == TABLES
        assert await run(database, _revision) == HEAD
    finally:
        await database.dispose()


async def test_the_models_and_the_migrations_agree(database: Database) -> None:
    assert await run(database, _model_diff) == []


async def test_upgrading_again_changes_nothing_and_keeps_the_data(database: Database) -> None:
    chat = Chat(database)
    await chat.say("!newevent Coffee | tomorrow 18:00 | Café Nero | limit=2", "olga")
    await chat.say("!rsvp 1 +1", "bob")
    who = await chat.say("!who 1")

    await database.upgrade()

    assert await run(database, _revision) == HEAD
    assert await run(database, _model_diff) == []
    assert await chat.say("!who 1") == who


async def test_downgrading_to_base_and_upgrading_again_works(database: Database) -> None:
    await run(database, _downgrade_to_base)
    assert await run(database, _tables) == {"alembic_version"}
    assert await run(database, _revision) is None

    await database.upgrade()

    assert await run(database, _tables) == TABLES
    assert await run(database, _model_diff) == []
    chat = Chat(database)
    assert (await chat.say("!newevent Coffee | tomorrow 18:00", "olga")).startswith(
        "Created #1 Coffee"
    )
