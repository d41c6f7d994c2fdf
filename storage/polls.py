"""Date polls: their options, votes, the channels they were in and their cards."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import PollOption, PollStatus, PollView, UserRef
from storage.models import (
    ChannelRow,
    PersonRow,
    PollChannelRow,
    PollOptionRow,
    PollRow,
    PollVoteRow,
)
from storage.repositories import _insert_ignoring_duplicates, person_ref


@dataclass(frozen=True, slots=True)
class Voter:
    """Someone who voted, with the positions they voted for."""

    person_id: int
    person: UserRef
    positions: frozenset[int]


class PollRepository:
    def __init__(self, session: AsyncSession, *, lock_rows: bool) -> None:
        self._session = session
        self._lock_rows = lock_rows

    async def add(self, poll: PollRow, options: Sequence[PollOptionRow]) -> int:
        """Store a new poll with its options; returns its number."""
        self._session.add(poll)
        await self._session.flush()
        for option in options:
            option.poll_id = poll.id
        self._session.add_all(options)
        await self._session.flush()
        return poll.id

    async def get(self, poll_id: int, *, for_update: bool = False) -> PollRow | None:
        """The poll; ``for_update`` serialises votes and the pick on PostgreSQL (SQLite's
        `BEGIN IMMEDIATE` already holds the write lock)."""
        query = select(PollRow).where(PollRow.id == poll_id)
        if for_update and self._lock_rows:
            query = query.with_for_update()
        return await self._session.scalar(query)

    async def view(self, poll: PollRow) -> PollView:
        """The poll with its options and who voted for each, in the order they voted."""
        creator = await self._session.get(PersonRow, poll.creator_id)
        assert creator is not None
        options = await self._session.scalars(
            select(PollOptionRow)
            .where(PollOptionRow.poll_id == poll.id)
            .order_by(PollOptionRow.position)
        )
        voters: dict[int, list[UserRef]] = {}
        for position, person in await self._session.execute(
            select(PollVoteRow.position, PersonRow)
            .join(PersonRow, PersonRow.id == PollVoteRow.person_id)
            .where(PollVoteRow.poll_id == poll.id)
            .order_by(PollVoteRow.voted_at, PersonRow.id)
        ):
            voters.setdefault(position, []).append(person_ref(person))
        return PollView(
            id=poll.id,
            title=poll.title,
            timezone=poll.timezone,
            status=PollStatus(poll.status),
            creator=person_ref(creator),
            options=tuple(
                PollOption(o.position, o.starts_at, o.ends_at, tuple(voters.get(o.position, ())))
                for o in options
            ),
            picked=poll.picked,
            event_id=poll.event_id,
        )

    async def votes_of(self, poll_id: int, person_id: int) -> frozenset[int]:
        rows = await self._session.scalars(
            select(PollVoteRow.position).where(
                PollVoteRow.poll_id == poll_id, PollVoteRow.person_id == person_id
            )
        )
        return frozenset(rows)

    async def set_votes(
        self, poll_id: int, person_id: int, positions: Iterable[int], now: datetime
    ) -> None:
        """Make ``positions`` the person's votes (none: no votes); call with the poll locked.
        A vote kept from before keeps its time, so the tally lists voters in the order they
        first chose an option."""
        wanted = set(positions)
        had = await self.votes_of(poll_id, person_id)
        if had - wanted:
            await self._session.execute(
                delete(PollVoteRow).where(
                    PollVoteRow.poll_id == poll_id,
                    PollVoteRow.person_id == person_id,
                    PollVoteRow.position.in_(had - wanted),
                )
            )
        if wanted - had:
            await self._session.execute(
                insert(PollVoteRow).values(
                    [
                        {"poll_id": poll_id, "position": p, "person_id": person_id, "voted_at": now}
                        for p in sorted(wanted - had)
                    ]
                )
            )

    async def voters(self, poll_id: int) -> list[Voter]:
        """Everyone who voted, once each, in the order they first voted."""
        found: dict[int, tuple[PersonRow, set[int]]] = {}
        for position, person in await self._session.execute(
            select(PollVoteRow.position, PersonRow)
            .join(PersonRow, PersonRow.id == PollVoteRow.person_id)
            .where(PollVoteRow.poll_id == poll_id)
            .order_by(PollVoteRow.voted_at, PersonRow.id)
        ):
            found.setdefault(person.id, (person, set()))[1].add(position)
        return [
            Voter(person_id, person_ref(person), frozenset(positions))
            for person_id, (person, positions) in found.items()
        ]

    async def link(self, poll_id: int, channel_id: int, now: datetime) -> None:
        """The poll was in this channel: the event it turns into is announced there too."""
        await _insert_ignoring_duplicates(
            self._session,
            PollChannelRow,
            {"poll_id": poll_id, "channel_id": channel_id, "linked_at": now},
        )

    async def channels(self, poll_id: int) -> list[ChannelRow]:
        """The channels the poll was in, in the order it came to them."""
        rows = await self._session.scalars(
            select(ChannelRow)
            .join(PollChannelRow, PollChannelRow.channel_id == ChannelRow.id)
            .where(PollChannelRow.poll_id == poll_id)
            .order_by(PollChannelRow.linked_at, ChannelRow.id)
        )
        return list(rows)
