"""What an event keeps per date (answers, called-off dates), read and moved as a whole when
its dates change (bot/when/moved_dates.py decides where each date goes)."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import delete, or_, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import RsvpStatus, UserRef
from storage.models import CancelledOccurrenceRow, PersonRow, RsvpRow
from storage.repositories import person_ref

_KEPT_PER_DATE = (RsvpRow, CancelledOccurrenceRow)


class MovedDatesRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def kept_keys(self, event_id: int, since: str) -> set[str]:
        """The dates of ``event_id`` from ``since`` on (keys compare as dates), and "" (the
        date of an event that happens once), that hold answers or are called off."""
        rows = await self._session.scalars(
            union(
                *(
                    select(table.occurrence).where(
                        table.event_id == event_id,
                        or_(table.occurrence >= since, table.occurrence == ""),
                    )
                    for table in _KEPT_PER_DATE
                )
            )
        )
        return set(rows)

    async def answers(
        self, event_id: int, keys: Collection[str]
    ) -> dict[str, list[tuple[UserRef, RsvpStatus]]]:
        """Who answered what for each of ``keys`` (none: missing), in the order they did."""
        rows = await self._session.execute(
            select(RsvpRow.occurrence, RsvpRow.status, PersonRow)
            .join(PersonRow, PersonRow.id == RsvpRow.person_id)
            .where(RsvpRow.event_id == event_id, RsvpRow.occurrence.in_(keys))
            .order_by(RsvpRow.id)
        )
        found: dict[str, list[tuple[UserRef, RsvpStatus]]] = {}
        for key, status, person in rows:
            found.setdefault(key, []).append((person_ref(person), status))
        return found

    async def move(self, event_id: int, moves: Mapping[str, str]) -> None:
        """Keep under each new key what was kept under the old one. Every key is first set
        aside under one of its own (`~0`, `~1`: no date, and short enough for the column),
        since moves may chain (the 24th to the 25th, the 25th to the 26th) and each key is
        unique per person."""
        for table in _KEPT_PER_DATE:
            for step in (
                {old: f"~{number}" for number, old in enumerate(moves)},
                {f"~{number}": new for number, new in enumerate(moves.values())},
            ):
                for old, new in step.items():
                    await self._session.execute(
                        update(table)
                        .where(table.event_id == event_id, table.occurrence == old)
                        .values(occurrence=new)
                        .execution_options(synchronize_session=False)
                    )

    async def drop(self, event_id: int, keys: Collection[str]) -> None:
        """Forget the answers and the calling-off of dates the event no longer has."""
        for table in _KEPT_PER_DATE:
            await self._session.execute(
                delete(table)
                .where(table.event_id == event_id, table.occurrence.in_(keys))
                .execution_options(synchronize_session=False)
            )
