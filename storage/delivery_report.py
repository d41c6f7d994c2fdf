"""The operator's view of deliveries that need attention (`gatherbot deliveries`): those the
networks refused for good or that failed too often, those being retried, and putting failed
ones back to be sent again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain import ChannelRef, DeliveryState, UserRef
from storage.deliveries import PLAN
from storage.models import ChannelRow, DeliveryRow, EventRow, IdentityLinkRow, PersonRow
from storage.repositories import channel_ref, person_ref

_FAILED = DeliveryRow.state == DeliveryState.FAILED
# Tried and given back to be tried again later (the dispatcher's backoff).
_RETRYING = and_(DeliveryRow.state == DeliveryState.PENDING, DeliveryRow.attempts > 0)
# Plans are the scheduler's own work, not messages anyone waits for.
_A_MESSAGE = DeliveryRow.kind != PLAN


@dataclass(frozen=True, slots=True)
class Problem:
    """A delivery that failed or is being retried: what it is, about what, to whom."""

    id: int
    state: DeliveryState
    kind: str
    event_id: int | None  # None for a digest
    event_title: str
    target: UserRef | ChannelRef | None
    due_at: datetime  # for one being retried: its next try
    attempts: int
    last_error: str


@dataclass(frozen=True, slots=True)
class ProblemCounts:
    failed: int
    retrying: int


@dataclass(frozen=True, slots=True)
class RetryOutcome:
    retried: list[Problem]  # pending again, due at once
    # Refused, in the order asked: the state and attempts so far of one that is not failed,
    # None for no such message (never was, pruned, or a plan: the scheduler's own work).
    refused: dict[int, tuple[DeliveryState, int] | None]


class DeliveryReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def problems(self, *, failed_only: bool, limit: int) -> list[Problem]:
        """Failed deliveries and (unless ``failed_only``) those being retried, the latest
        first by when they were due (for one being retried: its next try), at most
        ``limit``."""
        wanted = _FAILED if failed_only else or_(_FAILED, _RETRYING)
        rows = await self._session.execute(
            _problems()
            .where(wanted, _A_MESSAGE)
            .order_by(DeliveryRow.due_at.desc(), DeliveryRow.id.desc())
            .limit(limit)
        )
        return [_problem(d, t, p, c) for d, t, p, c in rows]

    async def counts(self) -> ProblemCounts:
        """How many messages failed and how many are being retried, all of them."""
        failed = func.count().filter(_FAILED)
        retrying = func.count().filter(_RETRYING)
        row = (
            await self._session.execute(
                select(failed, retrying).where(or_(_FAILED, _RETRYING), _A_MESSAGE)
            )
        ).one()
        return ProblemCounts(int(row[0]), int(row[1]))

    async def retry(self, ids: Sequence[int], now: datetime) -> RetryOutcome:
        """Put the failed messages among ``ids`` back as if just planned: pending, due
        ``now``, no attempts, no claim, no error; leave the others as they are.

        One guarded statement: a row is changed only if it is still failed as it is written
        (the running bots never touch a failed row but to prune it)."""
        wanted = list(dict.fromkeys(ids))
        result = await self._session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id.in_(wanted), _FAILED, _A_MESSAGE)
            .values(
                state=DeliveryState.PENDING,
                due_at=now,
                attempts=0,
                claimed_by="",
                claimed_until=None,
                last_error="",
            )
            .returning(DeliveryRow.id)
        )
        changed = set(result.scalars())
        rest = [i for i in wanted if i not in changed]
        found = await self._session.execute(
            select(DeliveryRow.id, DeliveryRow.state, DeliveryRow.attempts).where(
                DeliveryRow.id.in_(rest), _A_MESSAGE
            )
        )
        states = {delivery_id: (state, attempts) for delivery_id, state, attempts in found}
        retried = await self._session.execute(
            _problems().where(DeliveryRow.id.in_(changed)).order_by(DeliveryRow.id)
        )
        return RetryOutcome(
            retried=[_problem(d, t, p, c) for d, t, p, c in retried],
            refused={i: states.get(i) for i in rest},
        )


def _problems() -> Select[DeliveryRow, str, PersonRow, ChannelRow]:
    """Deliveries with their event's title and where they go. A private message goes to the
    identity its person chose for private messages (`dm_here`), as the dispatcher looks it
    up when it sends (storage/deliveries.py, ``claim``): that is where it failed and where
    a retry goes."""
    person = aliased(PersonRow)
    channel = aliased(ChannelRow)
    own_link, chosen = aliased(IdentityLinkRow), aliased(IdentityLinkRow)
    primary_id = func.coalesce(own_link.primary_id, DeliveryRow.person_id)
    return (
        select(DeliveryRow, EventRow.title, person, channel)
        .outerjoin(EventRow, EventRow.id == DeliveryRow.event_id)
        .outerjoin(own_link, own_link.person_id == DeliveryRow.person_id)
        .outerjoin(chosen, and_(chosen.primary_id == primary_id, chosen.private))
        .outerjoin(person, person.id == func.coalesce(chosen.person_id, primary_id))
        .outerjoin(channel, channel.id == DeliveryRow.channel_id)
    )


def _problem(
    row: DeliveryRow, title: str | None, person: PersonRow | None, channel: ChannelRow | None
) -> Problem:
    target: UserRef | ChannelRef | None = None
    if person is not None:
        target = person_ref(person)
    elif channel is not None:
        target = channel_ref(channel)
    return Problem(
        id=row.id,
        state=row.state,
        kind=row.kind,
        event_id=row.event_id,
        event_title=title or "",
        target=target,
        due_at=row.due_at,
        attempts=row.attempts,
        last_error=row.last_error,
    )
