"""Growing past SQLite: `export` writes every row, `import` loads it into an empty database of
either kind, and a round trip SQLite → PostgreSQL → SQLite loses nothing."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.domain import DeliveryState
from storage import Database
from storage.models import Base
from storage.transfer import TransferError, import_data
from storage.transfer import export_data as export_rows
from tests.conftest import fresh_database_url
from tests.harness import START, Chat


async def community(database: Database) -> Chat:
    """A database as a season of use leaves it: events with a limit and a waitlist, a
    repeating event with a date called off, an event in two channels, private reminders
    asked for, a cancelled event, and deliveries still to send."""
    chat = Chat(database)
    await chat.say("!newevent Coffee | tomorrow 18:00 | Café Nero | limit=2", "olga")
    for name in ("bob", "carol", "dave"):
        await chat.say("!rsvp 1 +0 bringing cake", name)
    await chat.say("!rsvp 1 maybe", "erin")
    await chat.say("!remindme 1", "bob")
    await chat.say("!announce 1", "olga", channel="#second")
    await chat.say("!newevent Weekly | next monday 19:00 | Pub | repeat=weekly", "olga")
    await chat.say("!cancel 2@2026-11-30 holiday", "olga")
    await chat.say("!rsvp 2@2026-12-07", "bob")
    await chat.say("!newevent Called off | 2026-12-20 10:00", "olga")
    await chat.say("!cancel 3 venue closed", "olga")
    await chat.say("!rsvp 1 no", "carol")  # dave is promoted and told
    return chat


async def export_data(database: Database, now: datetime) -> dict[str, Any]:
    """An export as the file holds it: through JSON and back."""
    exported: dict[str, Any] = json.loads(json.dumps(await export_rows(database, now)))
    return exported


def rows(data: dict[str, Any]) -> dict[str, Any]:
    tables: dict[str, Any] = data["tables"]
    return tables


async def test_a_round_trip_through_postgresql_loses_nothing(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    source = Database(await fresh_database_url("sqlite", tmp_path / "a"))
    await source.upgrade()
    await community(source)
    exported = await export_data(source, START)
    await source.dispose()
    # Every table that holds something in use came along.
    filled = {name for name, table in rows(exported).items() if table["rows"]}
    assert {
        "people",
        "channels",
        "events",
        "event_channels",
        "rsvps",
        "reminder_optins",
        "cancelled_occurrences",
        "deliveries",
    } <= filled
    # All but the running bots' own state (tested below).
    assert set(rows(exported)) == {t.name for t in Base.metadata.sorted_tables} - {"bot_state"}

    postgres = Database(await fresh_database_url("postgresql", tmp_path))
    await import_data(postgres, exported)
    through_postgres = await export_data(postgres, START)
    assert rows(through_postgres) == rows(exported)

    back = Database(await fresh_database_url("sqlite", tmp_path / "b"))
    await import_data(back, through_postgres)
    assert rows(await export_data(back, START)) == rows(exported)
    await back.dispose()

    # The moved database is the same bot: the same list, and new rows get new ids.
    chat = Chat(postgres)
    going = next(x for x in (await chat.say("!who 1", "zoe")).splitlines() if "Going" in x)
    assert going.startswith("Going (2): bob")
    assert "dave" in going
    assert (await chat.say("!newevent Next | 2026-12-24 18:00", "olga")).startswith(
        "Created #4 Next"
    )
    await postgres.dispose()


async def test_an_imported_database_plans_its_reminders_again_at_the_next_start(
    tmp_path: Path,
) -> None:
    """The plans that come in were made with the old bot's `[bot] reminders`, which the new
    one may not share: not exported, and forgotten if a bot ran on the empty database."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    source = Database(await fresh_database_url("sqlite", tmp_path / "a"))
    await source.upgrade()
    await community(source)
    exported = await export_data(source, START)
    await source.dispose()
    target = Database(await fresh_database_url("sqlite", tmp_path / "b"))
    await target.upgrade()
    await Chat(target).dispatcher.follow_default_reminders()  # a bot started on it, empty

    await import_data(target, exported)
    await Chat(target).dispatcher.follow_default_reminders()

    async with target.unit_of_work(read_only=True) as uow:
        states = await uow.deliveries.states()
    await target.dispose()
    asked = {
        key.split("/")[0]
        for key, state in states.items()
        if "/plan/" in key and state is DeliveryState.PENDING
    }
    assert asked == {"e1", "e2"}  # Coffee and Weekly; not the cancelled one


async def test_importing_into_a_database_that_holds_data_is_refused_and_changes_nothing(
    database: Database,
) -> None:
    await community(database)
    exported = await export_data(database, START)
    with pytest.raises(TransferError, match=r"already holds data .*import only into an empty"):
        await import_data(database, exported)
    assert rows(await export_data(database, START)) == rows(exported)


async def test_a_file_that_is_not_an_export_or_of_another_schema_is_refused(
    database: Database,
) -> None:
    with pytest.raises(TransferError, match="not a gatherbot export"):
        await import_data(database, {"events": []})
    exported = await export_data(database, START)
    with pytest.raises(TransferError, match="the export is of schema 0001"):
        await import_data(database, {**exported, "schema": "0001"})
