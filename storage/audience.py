"""Who an event may be shown to: where it is announced, and how one person stands to it.
The rule itself is bot/visibility.py's; these are the facts it needs, each in one query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, and_, bindparam, exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import ChannelRef, UserRef
from storage.models import (
    ChannelRow,
    EventChannelRow,
    EventRow,
    RsvpRow,
)
from storage.repositories import channel_ref, my_id, with_me


@dataclass(frozen=True, slots=True)
class Standing:
    """One person, asking in one channel, about one event."""

    shown_here: bool  # announced in the asking channel, or created there
    owner: bool  # they organize it, on this account or one linked to it
    answered: bool  # they answered it, for any of its dates


_channels = cast(Table, ChannelRow.__table__).c
_events = cast(Table, EventRow.__table__)
_links = cast(Table, EventChannelRow.__table__).c
_rsvps = cast(Table, RsvpRow.__table__).c

# The asking channel's row (none when the bot has never stored it).
_HERE = (
    select(_channels.id)
    .where(
        _channels.platform == bindparam("channel_platform"),
        _channels.network == bindparam("channel_network"),
        _channels.external_id == bindparam("channel_id"),
    )
    .scalar_subquery()
)
_STANDING = (
    select(
        or_(
            exists().where(_links.event_id == _events.c.id, _links.channel_id == _HERE),
            _events.c.origin_channel_id == _HERE,
        ),
        func.coalesce(_events.c.organizer_id == my_id, false()),
        and_(
            my_id.is_not(None),
            exists().where(_rsvps.event_id == _events.c.id, _rsvps.person_id == my_id),
        ),
    )
    .select_from(with_me(_events, "person_"))
    .where(_events.c.id == bindparam("event_id"))
)


class AudienceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def of_event(
        self, event_id: int, channel: ChannelRef, person: UserRef
    ) -> Standing | None:
        """How ``person``, asking in ``channel``, stands to the event; None: no such event."""
        row = (
            await self._session.execute(
                _STANDING,
                {
                    "event_id": event_id,
                    "channel_platform": channel.platform,
                    "channel_network": channel.network,
                    "channel_id": channel.id,
                    "person_platform": person.platform,
                    "person_network": person.network,
                    "person_external_id": person.id,
                },
            )
        ).one_or_none()
        return None if row is None else Standing(*(bool(value) for value in row))

    async def event_channels(self, event_id: int) -> list[ChannelRef]:
        """Where the event is shown: the channels it is announced in and the one it was
        created in."""
        linked = select(EventChannelRow.channel_id).where(EventChannelRow.event_id == event_id)
        origin = select(EventRow.origin_channel_id).where(EventRow.id == event_id)
        rows = await self._session.scalars(
            select(ChannelRow).where(or_(ChannelRow.id.in_(linked), ChannelRow.id.in_(origin)))
        )
        return [channel_ref(row) for row in rows]
