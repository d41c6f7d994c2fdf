"""`Prepared` statements (the RSVP's hot path on SQLite) give the same rows, with the same
types, as `session.execute`, write what it would write, and stay in the session's transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from bot.domain import ChannelKind, EventStatus, RsvpStatus
from storage import Database
from storage.models import ChannelRow, EventRow, PersonRow, RsvpRow
from storage.sqlite_connection import Prepared
from tests.harness import START


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'prepared.db'}")
    await db.upgrade()
    async with db.engine.begin() as connection:
        for n in range(3):
            await connection.execute(
                insert(PersonRow).values(
                    platform="test",
                    network="net",
                    external_id=str(n),
                    display_name=f"p{n}",
                    verified=n != 2,
                    created_at=START,
                )
            )
        await connection.execute(
            insert(ChannelRow).values(
                platform="test",
                network="net",
                external_id="#c",
                kind=ChannelKind.GROUP,
                created_at=START,
            )
        )
        await connection.execute(
            insert(EventRow).values(
                title="Meetup",
                starts_at=START + timedelta(days=3),
                timezone="UTC",
                capacity=1,
                status=EventStatus.SCHEDULED,
                organizer_id=1,
                origin_channel_id=1,
                created_at=START,
                updated_at=START,
            )
        )
        for person_id, status, seq in ((1, RsvpStatus.GOING, None), (3, RsvpStatus.WAITLISTED, 1)):
            await connection.execute(
                insert(RsvpRow).values(
                    event_id=1,
                    person_id=person_id,
                    status=status,
                    guests=0,
                    note="a note",
                    waitlisted_at=START if seq else None,
                    waitlist_seq=seq,
                    created_at=START,
                    updated_at=START,
                )
            )
    yield db
    await db.dispose()


def _seating_parameters(external_id: str) -> dict[str, Any]:
    return {
        "event_id": 1,
        "occurrence": "",
        "platform": "test",
        "network": "net",
        "external_id": external_id,
    }


@pytest.mark.parametrize("external_id", ["0", "1", "2", "nobody"])
async def test_the_seating_row_is_the_same_as_through_sqlalchemy(
    sqlite: Database, external_id: str
) -> None:
    from storage.repositories import _SEATING

    parameters = _seating_parameters(external_id)
    async with sqlite.unit_of_work() as uow:
        expected = (await uow._session.execute(_SEATING, parameters)).all()
    async with sqlite.unit_of_work() as uow:
        got = await Prepared(_SEATING).rows(uow._session, parameters)
    assert len(got) == len(expected) == 1
    assert got[0]._asdict() == expected[0]._asdict()
    assert [type(v) for v in got[0]] == [type(v) for v in expected[0]]


async def test_an_update_is_written_in_the_sessions_transaction(sqlite: Database) -> None:
    from storage.repositories import _UPDATE_ANSWER

    later = START + timedelta(hours=1)
    parameters = {
        "a_event_id": 1,
        "a_occurrence": "",
        "a_person_id": 3,
        "a_status": RsvpStatus.GOING,
        "a_guests": 2,
        "a_note": "",
        "a_waitlisted_at": None,
        "a_waitlist_seq": None,
        "a_now": later,
    }
    async with sqlite.unit_of_work() as uow:
        assert await Prepared(_UPDATE_ANSWER).rows(uow._session, parameters) == []
        # Not committed: rolled back with the session.
    async with sqlite.unit_of_work() as uow:
        row = await uow._session.scalar(select(RsvpRow).where(RsvpRow.person_id == 3))
        assert row is not None
        assert row.status is RsvpStatus.WAITLISTED
    async with sqlite.unit_of_work() as uow:
        await Prepared(_UPDATE_ANSWER).rows(uow._session, parameters)
        await uow.commit()
    async with sqlite.unit_of_work() as uow:
        row = await uow._session.scalar(select(RsvpRow).where(RsvpRow.person_id == 3))
        assert row is not None
        assert (row.status, row.guests, row.waitlist_seq, row.updated_at) == (
            RsvpStatus.GOING,
            2,
            None,
            later,
        )


async def test_pending_orm_changes_are_flushed_first(sqlite: Database) -> None:
    from storage.repositories import _SEATING

    async with sqlite.unit_of_work() as uow:
        person = await uow._session.get(PersonRow, 3)
        assert person is not None
        person.display_name = "renamed"
        [row] = await Prepared(_SEATING).rows(uow._session, _seating_parameters("2"))
        assert row.person_display == "renamed"
