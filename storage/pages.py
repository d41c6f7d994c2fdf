"""What the public web pages read: the coming events of several channels at once, and which
of those channels each event is announced in. Only reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Select, and_, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.domain import OPEN_ENDED, ChannelRef, Counts, EventStatus, EventView
from bot.when.recurrence import next_starts, occurrence_key
from storage.models import ChannelRow, EventChannelRow, EventRow
from storage.repositories import EventRepository, at_occurrence, event_view


class PageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._events = EventRepository(session, lock_rows=False)

    async def channels(self, refs: Sequence[ChannelRef]) -> list[ChannelRow]:
        """The rows of the channels ``refs`` name (by platform, network and id), in that
        order; a channel the bot has never seen is left out."""
        if not refs:
            return []
        keys = [(ref.platform, ref.network, ref.id) for ref in refs]
        rows = await self._session.scalars(
            select(ChannelRow).where(
                tuple_(ChannelRow.platform, ChannelRow.network, ChannelRow.external_id).in_(keys)
            )
        )
        found = {(row.platform, row.network, row.external_id): row for row in rows}
        return [found[key] for key in dict.fromkeys(keys) if key in found]

    async def coming(
        self, channel_ids: Sequence[int], now: datetime, limit: int
    ) -> list[EventView]:
        """Events linked to any of the channels that have not ended, soonest first, with
        their counts, at most ``limit``. Cancelled events that happen once are there too
        (until their time has passed: someone may still plan to go); a repeating event is
        there as its next date that has not started and is not called off, unless the whole
        series is cancelled or over."""
        if not channel_ids:
            return []
        linked = EventRow.id.in_(
            select(EventChannelRow.event_id).where(EventChannelRow.channel_id.in_(channel_ids))
        )
        once = await self._session.scalars(
            _with_organizer()
            .where(
                linked,
                EventRow.repeat == "",
                or_(
                    and_(EventRow.ends_at.is_not(None), EventRow.ends_at > now),
                    and_(EventRow.ends_at.is_(None), EventRow.starts_at > now - OPEN_ENDED),
                ),
            )
            .order_by(EventRow.starts_at, EventRow.id)
            .limit(limit)
        )
        dates: list[tuple[EventView, str]] = [(event_view(row, Counts()), "") for row in once]
        series = [
            event_view(row, Counts())
            for row in await self._session.scalars(
                _with_organizer().where(
                    linked, EventRow.repeat != "", EventRow.status == EventStatus.SCHEDULED
                )
            )
        ]
        cancelled = await self._events.cancelled_of([each.id for each in series])
        for each in series:
            assert each.first_starts_at is not None
            starts = next_starts(
                each.first_starts_at,
                each.timezone,
                each.repeat,
                after=now,
                count=1,
                skip=cancelled.get(each.id, {}),
            )
            if starts:
                dates.append((each, occurrence_key(starts[0], each.timezone, each.repeat)))
        counts = await self._events.counts_at([(view.id, key) for view, key in dates])
        views = [
            at_occurrence(view, key, counts[view.id, key], cancelled.get(view.id, {}))
            if key
            else replace(view, counts=counts[view.id, key])
            for view, key in dates
        ]
        views.sort(key=lambda view: (view.starts_at, view.id))
        return views[:limit]

    async def linked_among(
        self, event_ids: Sequence[int], channel_ids: Sequence[int]
    ) -> dict[int, list[ChannelRow]]:
        """For each event, which of ``channel_ids`` it is linked to, in the order it was
        announced there (events linked to none of them are missing)."""
        if not event_ids or not channel_ids:
            return {}
        rows = await self._session.execute(
            select(EventChannelRow.event_id, ChannelRow)
            .join(ChannelRow, ChannelRow.id == EventChannelRow.channel_id)
            .where(
                EventChannelRow.event_id.in_(event_ids),
                EventChannelRow.channel_id.in_(channel_ids),
            )
            .order_by(EventChannelRow.linked_at, ChannelRow.id)
        )
        found: dict[int, list[ChannelRow]] = {}
        for event_id, channel in rows:
            found.setdefault(event_id, []).append(channel)
        return found


def _with_organizer() -> Select[EventRow]:
    return select(EventRow).options(selectinload(EventRow.organizer))
