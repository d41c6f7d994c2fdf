"""Linked identities: one person's accounts on several networks (see models.IdentityLinkRow).

A linked identity's answers, reminder opt-ins and votes are stored on its primary person:
everything that finds a person for those resolves to the primary (see resolve_primary in
storage/repositories.py), and private messages go to the identity the person chose (see
DeliveryRepository.claim).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    delete,
    exists,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain import RsvpStatus, UserRef
from storage.models import (
    EventRow,
    FeedTokenRow,
    IdentityLinkRow,
    LinkCodeRow,
    LinkFailureRow,
    PersonRow,
    PollVoteRow,
    ReminderOptInRow,
    RsvpRow,
)
from storage.repositories import person_ref

# (platform, network) of each identity linked to a primary, by the primary's
# (platform, network, id).
Networks = dict[tuple[str, str, str], list[tuple[str, str]]]


@dataclass(frozen=True, slots=True)
class Identity:
    """One of a person's accounts."""

    person_id: int
    ref: UserRef
    primary: bool  # the person's answers are stored on this one
    private: bool  # private messages go here


class IdentityRepository:
    def __init__(self, session: AsyncSession, *, lock_rows: bool = False) -> None:
        self._session = session
        self._lock_rows = lock_rows

    # ----------------------------------------------------------------------- who is who

    async def primary_of(self, person_id: int) -> int:
        primary = await self._session.scalar(
            select(IdentityLinkRow.primary_id).where(IdentityLinkRow.person_id == person_id)
        )
        return person_id if primary is None else primary

    async def linked_with(self, ref: UserRef, person_id: int) -> bool:
        """Whether ``ref`` is another identity of the person ``person_id`` (`link`): the
        two share a primary. False for strangers and for the same identity itself."""
        ref_id = await self._session.scalar(
            select(PersonRow.id).where(
                PersonRow.platform == ref.platform,
                PersonRow.network == ref.network,
                PersonRow.external_id == ref.id,
            )
        )
        if ref_id is None or ref_id == person_id:
            return False
        return await self.primary_of(ref_id) == await self.primary_of(person_id)

    async def identities(self, primary_id: int) -> list[Identity]:
        """The primary first, then its linked identities in the order they were linked."""
        primary = await self._session.get(PersonRow, primary_id)
        assert primary is not None
        rows = await self._session.execute(
            select(PersonRow, IdentityLinkRow.private)
            .join(IdentityLinkRow, IdentityLinkRow.person_id == PersonRow.id)
            .where(IdentityLinkRow.primary_id == primary_id)
            .order_by(IdentityLinkRow.linked_at, PersonRow.id)
        )
        linked = [Identity(row.id, person_ref(row), False, private) for row, private in rows]
        chosen = any(each.private for each in linked)
        return [Identity(primary.id, person_ref(primary), True, not chosen), *linked]

    async def is_linked(self, person_id: int) -> bool:
        """Whether the identity belongs to a group: linked to a primary, or a primary."""
        found = await self._session.scalar(
            select(literal(1)).where(
                exists().where(
                    (IdentityLinkRow.person_id == person_id)
                    | (IdentityLinkRow.primary_id == person_id)
                )
            )
        )
        return found is not None

    async def networks(
        self, event_id: int, occurrence: str
    ) -> dict[tuple[str, str, str], list[tuple[str, str]]]:
        """For everyone who answered ``occurrence`` of the event (stored on their primary):
        the (platform, network) of each identity linked to them, by the primary's
        (platform, network, id)."""
        primary, other = aliased(PersonRow), aliased(PersonRow)
        rows = await self._session.execute(
            select(
                primary.platform,
                primary.network,
                primary.external_id,
                other.platform,
                other.network,
            )
            .select_from(IdentityLinkRow)
            .join(primary, primary.id == IdentityLinkRow.primary_id)
            .join(other, other.id == IdentityLinkRow.person_id)
            .where(
                IdentityLinkRow.primary_id.in_(
                    select(RsvpRow.person_id).where(
                        RsvpRow.event_id == event_id, RsvpRow.occurrence == occurrence
                    )
                )
            )
            .order_by(IdentityLinkRow.linked_at, other.id)
        )
        found: Networks = {}
        for platform, network, external_id, other_platform, other_network in rows:
            found.setdefault((platform, network, external_id), []).append(
                (other_platform, other_network)
            )
        return found

    # ----------------------------------------------------------------------- codes

    async def store_code(self, person_id: int, code_hash: str, expires_at: datetime) -> None:
        """Give ``person_id`` this code, replacing any older one of theirs."""
        await self._session.execute(delete(LinkCodeRow).where(LinkCodeRow.person_id == person_id))
        await self._session.execute(
            insert(LinkCodeRow).values(
                code_hash=code_hash, person_id=person_id, expires_at=expires_at
            )
        )

    async def take_code(self, code_hash: str, now: datetime) -> int | None:
        """The person who was given this code, if it is still valid; the code is used up
        (deleted) either way. Codes that ran out are cleared on the way."""
        taken = await self._session.execute(
            delete(LinkCodeRow)
            .where(LinkCodeRow.code_hash == code_hash)
            .returning(LinkCodeRow.person_id, LinkCodeRow.expires_at)
        )
        found = taken.one_or_none()
        await self._session.execute(delete(LinkCodeRow).where(LinkCodeRow.expires_at <= now))
        if found is None or found.expires_at <= now:
            return None
        person_id: int = found.person_id
        return person_id

    async def failures_since(self, person_id: int, since: datetime) -> list[datetime]:
        """When ``person_id`` typed a wrong code after ``since``, oldest first."""
        rows = await self._session.scalars(
            select(LinkFailureRow.failed_at)
            .where(LinkFailureRow.person_id == person_id, LinkFailureRow.failed_at > since)
            .order_by(LinkFailureRow.failed_at)
        )
        return list(rows)

    async def add_failure(self, person_id: int, now: datetime, forget_before: datetime) -> None:
        """Count a wrong code; this person's failures older than ``forget_before`` no
        longer count and are dropped."""
        await self._session.execute(
            delete(LinkFailureRow).where(
                LinkFailureRow.person_id == person_id, LinkFailureRow.failed_at <= forget_before
            )
        )
        await self._session.execute(
            insert(LinkFailureRow).values(person_id=person_id, failed_at=now)
        )

    # ----------------------------------------------------------------------- linking

    async def link(self, person_id: int, primary_id: int, now: datetime) -> None:
        await self._session.execute(
            insert(IdentityLinkRow).values(
                person_id=person_id, primary_id=primary_id, private=False, linked_at=now
            )
        )

    async def unlink(self, person_id: int) -> None:
        await self._session.execute(
            delete(IdentityLinkRow).where(IdentityLinkRow.person_id == person_id)
        )

    async def unlink_all(self, primary_id: int) -> None:
        await self._session.execute(
            delete(IdentityLinkRow).where(IdentityLinkRow.primary_id == primary_id)
        )

    async def choose_private(self, primary_id: int, person_id: int) -> None:
        """Private messages of ``primary_id`` go to ``person_id`` (the primary itself: the
        default)."""
        await self._session.execute(
            update(IdentityLinkRow)
            .where(IdentityLinkRow.primary_id == primary_id)
            .values(private=IdentityLinkRow.person_id == person_id)
        )

    # ----------------------------------------------------------------------- merging

    async def lock_answered_events(self, person_id: int) -> list[int]:
        """Ids of the events ``person_id`` answered for, in id order; on PostgreSQL their
        rows are locked (the seat lock of set_rsvp), in that order so two merges cannot
        deadlock. SQLite's unit of work holds the write lock already."""
        query = (
            select(EventRow.id)
            .where(EventRow.id.in_(select(RsvpRow.event_id).where(RsvpRow.person_id == person_id)))
            .order_by(EventRow.id)
        )
        if self._lock_rows:
            query = query.with_for_update()
        return list(await self._session.scalars(query))

    async def move_answers(
        self, from_id: int, into_id: int
    ) -> tuple[int, list[tuple[int, RsvpStatus]]]:
        """Give ``into_id`` the answers of ``from_id`` for dates it has not answered; drop
        the others of ``from_id`` (``into_id`` keeps its own). Returns how many moved, and
        the event and status of each one dropped."""
        theirs = aliased(RsvpRow)
        both = exists().where(
            theirs.person_id == into_id,
            theirs.event_id == RsvpRow.event_id,
            theirs.occurrence == RsvpRow.occurrence,
        )
        dropped = await self._session.execute(
            delete(RsvpRow)
            .where(RsvpRow.person_id == from_id, both)
            .returning(RsvpRow.event_id, RsvpRow.status)
        )
        gone = [(event_id, RsvpStatus(status)) for event_id, status in dropped]
        moved = await self._session.execute(
            update(RsvpRow).where(RsvpRow.person_id == from_id).values(person_id=into_id)
        )
        return int(cast(Any, moved).rowcount), gone

    async def move_reminders(self, from_id: int, into_id: int) -> list[int]:
        """Move reminder opt-ins (one per event); returns the events concerned."""
        moved = (
            await self._session.execute(
                delete(ReminderOptInRow)
                .where(ReminderOptInRow.person_id == from_id)
                .returning(ReminderOptInRow.event_id, ReminderOptInRow.created_at)
            )
        ).all()
        await self._insert_ignoring_duplicates(
            ReminderOptInRow,
            [{"event_id": e, "person_id": into_id, "created_at": c} for e, c in moved],
        )
        return [event_id for event_id, _ in moved]

    async def move_votes(self, from_id: int, into_id: int) -> None:
        """Move poll votes; a vote both had is kept once."""
        moved = (
            await self._session.execute(
                delete(PollVoteRow)
                .where(PollVoteRow.person_id == from_id)
                .returning(PollVoteRow.poll_id, PollVoteRow.position, PollVoteRow.voted_at)
            )
        ).all()
        await self._insert_ignoring_duplicates(
            PollVoteRow,
            [
                {"poll_id": p, "position": n, "person_id": into_id, "voted_at": v}
                for p, n, v in moved
            ],
        )

    async def move_feed_token(self, from_id: int, into_id: int) -> None:
        """A calendar subscribed to ``from_id``'s feed keeps working, now showing the
        primary's answers, when the primary has no feed of its own (one token a person)."""
        theirs = aliased(FeedTokenRow)
        await self._session.execute(
            update(FeedTokenRow)
            .where(
                FeedTokenRow.person_id == from_id,
                ~exists().where(theirs.person_id == into_id),
            )
            .values(person_id=into_id)
        )

    async def _insert_ignoring_duplicates(
        self, model: type[Any], values: Sequence[dict[str, Any]]
    ) -> None:
        if not values:
            return
        dialect = self._session.get_bind().dialect.name
        insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await self._session.execute(insert_(model).values(list(values)).on_conflict_do_nothing())
