"""Repositories: the queries the core needs, returning rows or neutral views."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import and_, case, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.domain import (
    Attendee,
    ChannelRef,
    Counts,
    EventStatus,
    EventView,
    RsvpStatus,
    UserRef,
)
from bot.language.durations import parse_offsets
from storage.models import (
    Base,
    ChannelRow,
    EventChannelRow,
    EventRow,
    PersonRow,
    PostedCardRow,
    ReminderOptInRow,
    RsvpRow,
)

RowT = TypeVar("RowT", bound=Base)


def person_ref(row: PersonRow) -> UserRef:
    return UserRef(row.platform, row.network, row.external_id, row.display_name, row.verified)


def channel_ref(row: ChannelRow) -> ChannelRef:
    return ChannelRef(row.platform, row.network, row.external_id, row.kind, row.title)


def event_view(row: EventRow, counts: Counts) -> EventView:
    return EventView(
        id=row.id,
        title=row.title,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        timezone=row.timezone,
        venue=row.venue,
        url=row.url,
        description=row.description,
        capacity=row.capacity,
        stored_status=row.status,
        organizer=person_ref(row.organizer),
        counts=counts,
        reminders=None if row.reminders is None else parse_offsets(row.reminders),
        repeat=row.repeat,
        cancel_reason=row.cancel_reason,
    )


async def _insert_ignoring_duplicates(
    session: AsyncSession, model: type[Any], values: dict[str, Any]
) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: two first messages from one person at once must not
    fail on the unique key."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(insert(model).values(**values).on_conflict_do_nothing())


async def _find_or_insert(
    session: AsyncSession, model: type[RowT], key: dict[str, Any], values: dict[str, Any]
) -> RowT:
    """The row with ``key``, inserted with ``values`` when missing."""
    where = [getattr(model, column) == value for column, value in key.items()]
    row = await session.scalar(select(model).where(*where))
    if row is None:
        await _insert_ignoring_duplicates(session, model, {**key, **values})
        row = (await session.scalars(select(model).where(*where))).one()
    return row


class PeopleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def upsert(self, ref: UserRef, now: datetime) -> PersonRow:
        """The person for ``ref``, created on first sight; the display name follows renames."""
        row = await _find_or_insert(
            self._session,
            PersonRow,
            {"platform": ref.platform, "network": ref.network, "external_id": ref.id},
            {"display_name": ref.display, "verified": ref.verified, "created_at": now},
        )
        if row.display_name != ref.display or row.verified != ref.verified:
            row.display_name, row.verified = ref.display, ref.verified
        return row


class ChannelRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, ref: ChannelRef) -> ChannelRow | None:
        return await self._session.scalar(
            select(ChannelRow).where(
                ChannelRow.platform == ref.platform,
                ChannelRow.network == ref.network,
                ChannelRow.external_id == ref.id,
            )
        )

    async def upsert(self, ref: ChannelRef, now: datetime) -> ChannelRow:
        row = await _find_or_insert(
            self._session,
            ChannelRow,
            {"platform": ref.platform, "network": ref.network, "external_id": ref.id},
            {"kind": ref.kind, "title": ref.title, "timezone": None, "created_at": now},
        )
        if ref.title and row.title != ref.title:
            row.title = ref.title
        return row

    async def linked_to(self, event_id: int) -> list[ChannelRow]:
        rows = await self._session.scalars(
            select(ChannelRow)
            .join(EventChannelRow, EventChannelRow.channel_id == ChannelRow.id)
            .where(EventChannelRow.event_id == event_id)
            .order_by(EventChannelRow.linked_at, ChannelRow.id)
        )
        return list(rows)


class EventRepository:
    def __init__(self, session: AsyncSession, *, lock_rows: bool) -> None:
        self._session = session
        self._lock_rows = lock_rows

    def add(self, row: EventRow) -> None:
        self._session.add(row)

    async def flush(self) -> None:
        await self._session.flush()

    async def get(self, event_id: int, *, for_update: bool = False) -> EventRow | None:
        """The event with its organizer. ``for_update`` takes the row lock that serialises
        seat changes on PostgreSQL (SQLite's `BEGIN IMMEDIATE` already holds the write lock)."""
        query = (
            select(EventRow)
            .where(EventRow.id == event_id)
            .options(selectinload(EventRow.organizer))
        )
        if for_update and self._lock_rows:
            query = query.with_for_update(of=EventRow)
        return await self._session.scalar(query)

    async def link(self, event_id: int, channel_id: int, now: datetime) -> None:
        await _insert_ignoring_duplicates(
            self._session,
            EventChannelRow,
            {
                "event_id": event_id,
                "channel_id": channel_id,
                "linked_at": now,
            },
        )

    async def is_linked(self, event_id: int, channel_id: int) -> bool:
        found = await self._session.scalar(
            select(EventChannelRow.event_id).where(
                EventChannelRow.event_id == event_id, EventChannelRow.channel_id == channel_id
            )
        )
        return found is not None

    async def upcoming_in_channel(
        self, channel_id: int, now: datetime, limit: int
    ) -> tuple[list[EventRow], int]:
        """Scheduled events linked to the channel that have not ended, soonest first, and how
        many there are in all."""
        not_over = or_(
            and_(EventRow.ends_at.is_not(None), EventRow.ends_at > now),
            and_(EventRow.ends_at.is_(None), EventRow.starts_at > now),
        )
        where = (
            EventChannelRow.channel_id == channel_id,
            EventRow.status == EventStatus.SCHEDULED,
            not_over,
        )
        base = select(EventRow).join(EventChannelRow, EventChannelRow.event_id == EventRow.id)
        total = await self._session.scalar(
            select(func.count()).select_from(base.where(*where).subquery())
        )
        rows = await self._session.scalars(
            base.where(*where)
            .options(selectinload(EventRow.organizer))
            .order_by(EventRow.starts_at, EventRow.id)
            .limit(limit)
        )
        return list(rows), total or 0

    async def counts(self, event_ids: Sequence[int]) -> dict[int, Counts]:
        if not event_ids:
            return {}
        rows = await self._session.execute(
            select(
                RsvpRow.event_id,
                RsvpRow.status,
                func.count(),
                func.sum(case((RsvpRow.status == RsvpStatus.GOING, 1 + RsvpRow.guests), else_=0)),
            )
            .where(RsvpRow.event_id.in_(event_ids))
            .group_by(RsvpRow.event_id, RsvpRow.status)
        )
        tallies: dict[int, dict[str, int]] = {i: {} for i in event_ids}
        for event_id, status, number, seats in rows:
            tallies[event_id][RsvpStatus(status).value] = number
            tallies[event_id]["seats"] = tallies[event_id].get("seats", 0) + int(seats or 0)
        return {
            event_id: Counts(
                going=t.get(RsvpStatus.GOING.value, 0),
                seats=t.get("seats", 0),
                waitlisted=t.get(RsvpStatus.WAITLISTED.value, 0),
                maybe=t.get(RsvpStatus.MAYBE.value, 0),
                not_going=t.get(RsvpStatus.NOT_GOING.value, 0),
            )
            for event_id, t in tallies.items()
        }

    async def view(self, row: EventRow) -> EventView:
        return event_view(row, (await self.counts([row.id]))[row.id])


class RsvpRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, row: RsvpRow) -> None:
        self._session.add(row)

    async def flush(self) -> None:
        await self._session.flush()

    async def find(self, event_id: int, person_id: int) -> RsvpRow | None:
        return await self._session.scalar(
            select(RsvpRow).where(RsvpRow.event_id == event_id, RsvpRow.person_id == person_id)
        )

    async def seats_taken(self, event_id: int) -> int:
        taken = await self._session.scalar(
            select(func.coalesce(func.sum(1 + RsvpRow.guests), 0)).where(
                RsvpRow.event_id == event_id, RsvpRow.status == RsvpStatus.GOING
            )
        )
        return int(taken or 0)

    async def waitlist(self, event_id: int) -> list[RsvpRow]:
        """The waitlist in the order it is served: first come, first served."""
        rows = await self._session.scalars(
            select(RsvpRow)
            .where(RsvpRow.event_id == event_id, RsvpRow.status == RsvpStatus.WAITLISTED)
            .options(selectinload(RsvpRow.person))
            .order_by(RsvpRow.waitlist_seq, RsvpRow.id)
        )
        return list(rows)

    async def next_waitlist_seq(self, event_id: int) -> int:
        """The next place in line; call with the event locked."""
        last = await self._session.scalar(
            select(func.max(RsvpRow.waitlist_seq)).where(RsvpRow.event_id == event_id)
        )
        return (last or 0) + 1

    async def attendees(self, event_id: int) -> list[Attendee]:
        """Everyone who answered, going first (in RSVP order), then the waitlist in order,
        then maybe, then not going."""
        rank = case(
            (RsvpRow.status == RsvpStatus.GOING, 0),
            (RsvpRow.status == RsvpStatus.WAITLISTED, 1),
            (RsvpRow.status == RsvpStatus.MAYBE, 2),
            else_=3,
        )
        rows = await self._session.scalars(
            select(RsvpRow)
            .where(RsvpRow.event_id == event_id)
            .options(selectinload(RsvpRow.person))
            .order_by(rank, RsvpRow.waitlist_seq, RsvpRow.created_at, RsvpRow.id)
        )
        attendees: list[Attendee] = []
        position = 0
        for row in rows:
            if row.status is RsvpStatus.WAITLISTED:
                position += 1
            attendees.append(
                Attendee(
                    person=person_ref(row.person),
                    status=row.status,
                    guests=row.guests,
                    note=row.note,
                    position=position if row.status is RsvpStatus.WAITLISTED else 0,
                )
            )
        return attendees


class CardRepository:
    """Where each event's cards were posted, per network."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def remember(
        self,
        event_id: int,
        platform: str,
        network: str,
        chat_id: str,
        message_id: str,
        now: datetime,
    ) -> None:
        await _insert_ignoring_duplicates(
            self._session,
            PostedCardRow,
            {
                "event_id": event_id,
                "platform": platform,
                "network": network,
                "chat_id": chat_id,
                "message_id": message_id,
                "posted_at": now,
            },
        )

    async def of_event(self, event_id: int, platform: str, network: str) -> list[tuple[str, str]]:
        """(chat id, message id) of every card of the event on that network, oldest first."""
        rows = await self._session.execute(
            select(PostedCardRow.chat_id, PostedCardRow.message_id)
            .where(
                PostedCardRow.event_id == event_id,
                PostedCardRow.platform == platform,
                PostedCardRow.network == network,
            )
            .order_by(PostedCardRow.id)
        )
        return [(chat_id, message_id) for chat_id, message_id in rows]


class ReminderOptInRepository:
    """Who asked for a private reminder before which event."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def set(self, event_id: int, person_id: int, wanted: bool, now: datetime) -> None:
        if wanted:
            await _insert_ignoring_duplicates(
                self._session,
                ReminderOptInRow,
                {"event_id": event_id, "person_id": person_id, "created_at": now},
            )
        else:
            await self._session.execute(
                delete(ReminderOptInRow).where(
                    ReminderOptInRow.event_id == event_id,
                    ReminderOptInRow.person_id == person_id,
                )
            )

    async def people(self, event_id: int) -> list[UserRef]:
        rows = await self._session.scalars(
            select(PersonRow)
            .join(ReminderOptInRow, ReminderOptInRow.person_id == PersonRow.id)
            .where(ReminderOptInRow.event_id == event_id)
            .order_by(ReminderOptInRow.id)
        )
        return [person_ref(row) for row in rows]
