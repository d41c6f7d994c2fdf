"""What the calendar feeds read: a channel's events and the tokens of personal feeds (a
person's answers: RsvpRepository.answers_of)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import EventChannelRow, EventRow, FeedTokenRow, IdentityLinkRow
from storage.repositories import _insert_ignoring_duplicates, ends_since

# 32 URL-safe characters: 192 random bits, beyond any guessing.
_TOKEN_BYTES = 24


class FeedRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def token(self, person_id: int, now: datetime) -> str:
        """The person's feed token, made on first use."""
        await _insert_ignoring_duplicates(
            self._session,
            FeedTokenRow,
            {"person_id": person_id, "token": _new_token(), "created_at": now},
        )
        found = await self._session.scalars(
            select(FeedTokenRow.token).where(FeedTokenRow.person_id == person_id)
        )
        return found.one()

    async def new_token(self, person_id: int, now: datetime) -> str:
        """A fresh token for the person; the old one stops working."""
        await self._session.execute(delete(FeedTokenRow).where(FeedTokenRow.person_id == person_id))
        token = _new_token()
        self._session.add(FeedTokenRow(person_id=person_id, token=token, created_at=now))
        await self._session.flush()
        return token

    async def person_of(self, token: str) -> int | None:
        """Whose feed ``token`` opens: a linked account's token shows its primary's answers,
        where they all are since the link."""
        person_id: int | None = await self._session.scalar(
            select(func.coalesce(IdentityLinkRow.primary_id, FeedTokenRow.person_id))
            .select_from(FeedTokenRow)
            .outerjoin(IdentityLinkRow, IdentityLinkRow.person_id == FeedTokenRow.person_id)
            .where(FeedTokenRow.token == token)
        )
        return person_id

    async def channel_events(self, channel_id: int, since: datetime, limit: int) -> list[EventRow]:
        """Events linked to the channel, cancelled ones too: every repeating one, and those
        happening once that end (or start) at ``since`` or later, soonest first; at most
        ``limit`` of each kind."""
        linked = EventRow.id.in_(
            select(EventChannelRow.event_id).where(EventChannelRow.channel_id == channel_id)
        )
        rows = await self._session.scalars(
            _with_organizer()
            .where(linked, EventRow.repeat == "", ends_since(since))
            .order_by(EventRow.starts_at, EventRow.id)
            .limit(limit)
        )
        series = await self._session.scalars(
            _with_organizer()
            .where(linked, EventRow.repeat != "")
            .order_by(EventRow.starts_at, EventRow.id)
            .limit(limit)
        )
        return [*rows, *series]


def _with_organizer() -> Select[EventRow]:
    return select(EventRow).options(selectinload(EventRow.organizer))


def _new_token() -> str:
    return secrets.token_urlsafe(_TOKEN_BYTES)
