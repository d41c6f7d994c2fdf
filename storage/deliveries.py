"""Deliveries: what the bot sends on its own, recorded before it is sent, claimed by one
sender, and marked when done (see models.DeliveryRow)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from bot.domain import ChannelRef, DeliveryState, UserRef
from storage.models import ChannelRow, DeliveryRow, IdentityLinkRow, PersonRow
from storage.repositories import channel_ref, person_ref

# A kind that asks the scheduler to (re)plan an event's reminders: written in the same
# transaction as the change that calls for it, so no change is ever left unplanned.
PLAN = "plan"
# Kinds planned from the event itself; everything else (notices, plans) is written once and
# never replaced by planning.
START = "start"
REMIND = "remind:"
# Notices to people, written by the change that causes them.
PROMOTED = "promoted"
CHANGED = "changed"
CANCELLED = "cancelled"
# A cancellation undone (`reopen`): the event, or the date of a series, is back on.
REOPENED = "reopened"
# From the organizer (`notify`) to everyone coming; the payload is `messages.message_payload`.
MESSAGE = "message"
# To each voter of a poll turned into the event; the payload is `POLL_ID` or `POLL_ID yours`
# (they voted for the time picked).
POLL_PICKED = "poll_picked"
# A channel's weekly digest of upcoming events.
DIGEST = "digest"

_OPEN = (DeliveryState.PENDING, DeliveryState.CLAIMED)


@dataclass(frozen=True, slots=True)
class Planned:
    """A delivery to record: ``key`` says what it is, so planning it twice changes nothing."""

    key: str
    kind: str
    due_at: datetime
    event_id: int | None = None
    occurrence: str = ""
    channel_id: int | None = None
    person_id: int | None = None
    payload: str = ""


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery this sender holds, with where it goes."""

    id: int
    key: str
    kind: str
    event_id: int | None
    occurrence: str
    due_at: datetime
    attempts: int  # including this one
    payload: str
    target: UserRef | ChannelRef | None  # None for a plan


def row_values(planned: Planned, now: datetime) -> dict[str, Any]:
    """The columns of a new, pending delivery."""
    return {
        "key": planned.key,
        "event_id": planned.event_id,
        "occurrence": planned.occurrence,
        "kind": planned.kind,
        "channel_id": planned.channel_id,
        "person_id": planned.person_id,
        "due_at": planned.due_at,
        "state": DeliveryState.PENDING,
        "attempts": 0,
        "claimed_by": "",
        "payload": planned.payload,
        "last_error": "",
        "created_at": now,
    }


def planned_key(event_id: int, occurrence: str, kind: str, target: str) -> str:
    return f"e{event_id}/{occurrence}/{kind}/{target}"


def unique_suffix() -> str:
    return uuid.uuid4().hex[:12]


class DeliveryRepository:
    def __init__(self, session: AsyncSession, *, lock_rows: bool) -> None:
        self._session = session
        self._lock_rows = lock_rows
        # The soonest delivery added in this unit of work: after the commit the scheduler is
        # woken for it (UnitOfWork.commit).
        self.earliest: datetime | None = None

    async def add(self, planned: Iterable[Planned], now: datetime) -> int:
        """Record deliveries; one whose key exists already (pending, sent or skipped) is left
        as it is. Returns how many were new."""
        values = [row_values(p, now) for p in planned]
        if not values:
            return 0
        dialect = self._session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        added = 0
        # Bounded statements: SQLite allows 32k parameters per statement.
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            result = await self._session.execute(
                insert(DeliveryRow)
                .values(chunk)
                .on_conflict_do_nothing(index_elements=[DeliveryRow.key])
                .returning(DeliveryRow.due_at)
            )
            due = list(result.scalars())
            added += len(due)
            if due:
                soonest = min(due)
                self.earliest = soonest if self.earliest is None else min(self.earliest, soonest)
        return added

    async def request_plan(self, event_id: int, now: datetime) -> None:
        """Ask the scheduler to plan ``event_id`` again (after it was created or changed)."""
        await self.request_plans([event_id], now)

    async def request_plans(self, event_ids: Iterable[int], now: datetime) -> None:
        await self.add(
            [
                Planned(f"e{event_id}/{PLAN}/{unique_suffix()}", PLAN, now, event_id=event_id)
                for event_id in event_ids
            ],
            now,
        )

    async def notify(
        self,
        event_id: int,
        occurrence: str,
        kind: str,
        people: Sequence[UserRef],
        now: datetime,
        payload: str = "",
    ) -> None:
        """A notice to each of ``people`` about ``event_id`` (promoted, changed, cancelled,
        reopened)."""
        if not people:
            return
        ids = await self._session.execute(
            select(PersonRow.id).where(
                tuple_(PersonRow.platform, PersonRow.network, PersonRow.external_id).in_(
                    [(p.platform, p.network, p.id) for p in people]
                )
            )
        )
        await self._notices(
            event_id, occurrence, kind, now, payload, person_ids=list(ids.scalars())
        )

    async def notify_each(
        self,
        event_id: int,
        kind: str,
        told: Mapping[UserRef, tuple[str, str]],
        now: datetime,
    ) -> None:
        """A notice to each person in ``told`` with their own (occurrence, payload); those
        told the same are written together."""
        alike: dict[tuple[str, str], list[UserRef]] = {}
        for person, what in told.items():
            alike.setdefault(what, []).append(person)
        for (occurrence, payload), people in alike.items():
            await self.notify(event_id, occurrence, kind, people, now, payload)

    async def notify_channels(
        self,
        event_id: int,
        occurrence: str,
        kind: str,
        channel_ids: Sequence[int],
        now: datetime,
        payload: str = "",
    ) -> None:
        """A notice about ``event_id`` posted in each of ``channel_ids`` (changed, cancelled,
        reopened)."""
        await self._notices(event_id, occurrence, kind, now, payload, channel_ids=channel_ids)

    async def _notices(
        self,
        event_id: int,
        occurrence: str,
        kind: str,
        now: datetime,
        payload: str,
        *,
        person_ids: Sequence[int] = (),
        channel_ids: Sequence[int] = (),
    ) -> None:
        """One notice per person and per channel, due now; the keys are new each time, so a
        second change of the same kind is told again."""
        once = unique_suffix()
        # (key's target part, channel id, person id)
        targets: list[tuple[str, int | None, int | None]] = [(f"p{p}", None, p) for p in person_ids]
        targets += [(f"c{c}", c, None) for c in channel_ids]
        await self.add(
            [
                Planned(
                    planned_key(event_id, occurrence, f"{kind}:{once}", target),
                    kind,
                    now,
                    event_id=event_id,
                    occurrence=occurrence,
                    channel_id=channel_id,
                    person_id=person_id,
                    payload=payload,
                )
                for target, channel_id, person_id in targets
            ],
            now,
        )

    async def replan_events(
        self, event_ids: Sequence[int], wanted: Sequence[Planned], now: datetime
    ) -> None:
        """Make ``wanted`` the reminders and start posts of ``event_ids`` still to be sent."""
        await self._replace([DeliveryRow.event_id.in_(event_ids), _planned_kind()], wanted, now)

    async def replan_digest(
        self, channel_id: int, wanted: Sequence[Planned], now: datetime
    ) -> None:
        """Make ``wanted`` the channel's digests still to be sent."""
        await self._replace(
            [DeliveryRow.channel_id == channel_id, DeliveryRow.kind == DIGEST], wanted, now
        )

    async def _replace(
        self, chosen: Sequence[Any], wanted: Sequence[Planned], now: datetime
    ) -> None:
        """Drop the pending deliveries ``chosen`` selects that are not ``wanted`` (the event
        moved, a channel was unlinked, someone opted out), and add the missing ones; those
        already there, sent or not, are left as they are."""
        pending = await self._session.scalars(
            select(DeliveryRow.key).where(DeliveryRow.state == DeliveryState.PENDING, *chosen)
        )
        await self._drop(set(pending) - {p.key for p in wanted})
        await self.add(wanted, now)

    async def _drop(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        for start in range(0, len(keys), 500):
            await self._session.execute(
                delete(DeliveryRow).where(
                    DeliveryRow.key.in_(keys[start : start + 500]),
                    DeliveryRow.state == DeliveryState.PENDING,
                )
            )

    async def claim(
        self,
        now: datetime,
        *,
        worker: str,
        lease_until: datetime,
        limit: int,
        busy: Collection[int] = (),
    ) -> list[Claimed]:
        """Take up to ``limit`` deliveries that are due, soonest first: pending ones, and
        claimed ones whose sender's lease ran out (it died before finishing). ``busy``: this
        sender's own sends under way, never taken again even if a stalled event loop let
        their lease run out (that would send them twice).

        PostgreSQL skips rows another sender has locked, so two bots share the work without
        waiting for each other; on SQLite the unit of work holds the write lock already."""
        due = (
            select(DeliveryRow.id)
            .where(
                DeliveryRow.state.in_(_OPEN),
                DeliveryRow.due_at <= now,
                or_(
                    DeliveryRow.state == DeliveryState.PENDING,
                    DeliveryRow.claimed_until < now,
                ),
                DeliveryRow.id.not_in(busy),
            )
            .order_by(DeliveryRow.due_at, DeliveryRow.id)
            .limit(limit)
        )
        if self._lock_rows:
            due = due.with_for_update(skip_locked=True)
        ids = list(await self._session.scalars(due))
        if not ids:
            return []
        await self._session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id.in_(ids))
            .values(
                state=DeliveryState.CLAIMED,
                claimed_by=worker,
                claimed_until=lease_until,
                attempts=DeliveryRow.attempts + 1,
            )
        )
        person = aliased(PersonRow)
        channel = aliased(ChannelRow)
        # A private message goes to the identity its person chose for them (`dm_here`),
        # looked up now: the choice, or a link, may be newer than the delivery.
        own_link, chosen = aliased(IdentityLinkRow), aliased(IdentityLinkRow)
        primary_id = func.coalesce(own_link.primary_id, DeliveryRow.person_id)
        rows = await self._session.execute(
            select(DeliveryRow, person, channel)
            .outerjoin(own_link, own_link.person_id == DeliveryRow.person_id)
            .outerjoin(chosen, and_(chosen.primary_id == primary_id, chosen.private))
            .outerjoin(person, person.id == func.coalesce(chosen.person_id, primary_id))
            .outerjoin(channel, channel.id == DeliveryRow.channel_id)
            .where(DeliveryRow.id.in_(ids))
            .order_by(DeliveryRow.due_at, DeliveryRow.id)
            .execution_options(populate_existing=True)
        )
        return [_claimed(d, p, c) for d, p, c in rows]

    async def finish(
        self, delivery_id: int, worker: str, state: DeliveryState, now: datetime, note: str = ""
    ) -> bool:
        """Mark a claimed delivery sent, skipped or failed; False if this sender no longer
        held it (its lease ran out and another took it)."""
        return await self.finish_all([delivery_id], worker, state, now, note) == 1

    async def finish_all(
        self,
        delivery_ids: Sequence[int],
        worker: str,
        state: DeliveryState,
        now: datetime,
        note: str = "",
    ) -> int:
        """``finish`` for several; how many this sender still held."""
        result = await self._session.execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.id.in_(delivery_ids),
                DeliveryRow.claimed_by == worker,
                DeliveryRow.state == DeliveryState.CLAIMED,
            )
            .values(
                state=state,
                sent_at=now if state is DeliveryState.SENT else None,
                claimed_until=None,
                last_error=note[:255],
            )
        )
        return _count(result)

    async def retry(self, delivery_id: int, worker: str, at: datetime, error: str) -> None:
        """Give a claimed delivery back to be tried again at ``at``."""
        await self._session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == delivery_id, DeliveryRow.claimed_by == worker)
            .values(
                state=DeliveryState.PENDING,
                due_at=at,
                claimed_by="",
                claimed_until=None,
                last_error=error[:255],
            )
        )

    async def release(self, worker: str, ids: Sequence[int], note: str) -> None:
        """Give back claims this sender did not start sending (it is stopping): pending
        again, due as before, the claim's attempt not counted."""
        for held in _still_held(worker, ids):
            await self._session.execute(
                update(DeliveryRow)
                .where(*held)
                .values(
                    state=DeliveryState.PENDING,
                    attempts=DeliveryRow.attempts - 1,
                    claimed_by="",
                    claimed_until=None,
                    last_error=note[:255],
                )
            )

    async def renew(self, worker: str, ids: Sequence[int], lease_until: datetime) -> None:
        """Extend this sender's claims on deliveries it is still sending."""
        for held in _still_held(worker, ids):
            await self._session.execute(
                update(DeliveryRow).where(*held).values(claimed_until=lease_until)
            )

    async def pending_by_network(self) -> dict[str, int]:
        """Open deliveries (pending or claimed) per `platform:network` of their target;
        plans, which have none, under "none"."""
        network = func.coalesce(
            ChannelRow.platform + ":" + ChannelRow.network,
            PersonRow.platform + ":" + PersonRow.network,
            "none",
        )
        rows = await self._session.execute(
            select(network, func.count())
            .select_from(DeliveryRow)
            .outerjoin(ChannelRow, ChannelRow.id == DeliveryRow.channel_id)
            .outerjoin(PersonRow, PersonRow.id == DeliveryRow.person_id)
            .where(DeliveryRow.state.in_([DeliveryState.PENDING, DeliveryState.CLAIMED]))
            .group_by(network)
        )
        return {str(name): int(count) for name, count in rows}

    async def next_due(self, busy: Collection[int] = ()) -> datetime | None:
        """When the soonest open delivery is due (an expired claim counts from its expiry).
        ``busy``: the caller's own sends under way, which it never claims again (see
        :meth:`claim`), so their leases are not its business."""
        pending = await self._session.scalar(
            select(func.min(DeliveryRow.due_at)).where(DeliveryRow.state == DeliveryState.PENDING)
        )
        claimed = await self._session.scalar(
            select(func.min(DeliveryRow.claimed_until)).where(
                DeliveryRow.state == DeliveryState.CLAIMED, DeliveryRow.id.not_in(busy)
            )
        )
        times = [t for t in (pending, claimed) if t is not None]
        return min(times) if times else None

    async def prune(self, before: datetime) -> int:
        """Delete finished deliveries due before ``before``: planning never recreates them,
        as it plans only what is still ahead."""
        result = await self._session.execute(
            delete(DeliveryRow).where(DeliveryRow.state.not_in(_OPEN), DeliveryRow.due_at < before)
        )
        return _count(result)

    async def states(self) -> dict[str, DeliveryState]:
        """Every delivery's state by key (for tests and the operator's view)."""
        rows = await self._session.execute(select(DeliveryRow.key, DeliveryRow.state))
        return {key: state for key, state in rows}


def _planned_kind() -> Any:
    return or_(DeliveryRow.kind == START, DeliveryRow.kind.startswith(REMIND))


def _count(result: Any) -> int:
    return int(result.rowcount)


def _claimed(row: DeliveryRow, person: PersonRow | None, channel: ChannelRow | None) -> Claimed:
    target: UserRef | ChannelRef | None = None
    if person is not None:
        target = person_ref(person)
    elif channel is not None:
        target = channel_ref(channel)
    return Claimed(
        row.id,
        row.key,
        row.kind,
        row.event_id,
        row.occurrence,
        row.due_at,
        row.attempts,
        row.payload,
        target,
    )


def _still_held(worker: str, ids: Sequence[int]) -> Iterator[tuple[ColumnElement[bool], ...]]:
    """The conditions for ``ids`` that ``worker`` still holds, 500 ids at a time (bound
    parameters have limits: SQLite's is 32,766 per statement)."""
    for start in range(0, len(ids), 500):
        yield (
            DeliveryRow.id.in_(ids[start : start + 500]),
            DeliveryRow.claimed_by == worker,
            DeliveryRow.state == DeliveryState.CLAIMED,
        )
