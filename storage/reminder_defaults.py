"""The config's default reminder offsets (`[bot] reminders`) that the planned reminders were
made with, and asking for the events that may follow them to be planned again when a bot
starts with other defaults (bot/scheduler/plan.py)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import String, cast, insert, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import EventStatus
from storage.deliveries import PLAN, Planned, row_values, unique_suffix
from storage.models import BotStateRow, DeliveryRow, EventRow

KEY = "default_reminders"
# Events asked for per statement. On SQLite every statement runs in the event loop's thread
# (storage/sqlite_connection.py): 5,000 take about 30 ms, and the loop gets a pass between.
CHUNK = 5000


class ReminderDefaultsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def adopt(self, offsets: str, now: datetime) -> bool:
        """Record ``offsets`` as the defaults reminders are planned with. True when that is
        news (other defaults were recorded, or none): the caller then plans again, in the
        same transaction, so the record and the plans it calls for are written together.

        One statement that writes only when the value differs: of two bots starting at once
        with the same new defaults, the second waits for the first's row (PostgreSQL's
        primary key, SQLite's write lock), then finds it up to date and gets False."""
        dialect = self._session.get_bind().dialect.name
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        new = upsert(BotStateRow).values(key=KEY, value=offsets, updated_at=now)
        changed = await self._session.scalar(
            new.on_conflict_do_update(
                index_elements=[BotStateRow.key],
                set_={"value": new.excluded.value, "updated_at": new.excluded.updated_at},
                where=BotStateRow.value != new.excluded.value,
            ).returning(BotStateRow.key)
        )
        return changed is not None

    async def request_plans(self, now: datetime) -> int:
        """Ask for every event whose reminders may follow the defaults and may still be ahead
        to be planned again; returns how many. Those are the scheduled events without a
        `remind=` of their own that have not begun, or repeat (the stored start of a series
        is its first date); soonest first, so the reminders due soonest are planned first.

        The PLAN deliveries are those DeliveryRepository.request_plans writes, but copied from
        the events by the database. That one builds each row in Python and compiles a new
        statement per 500 rows: about 70 s for 100,000 events on a 2-core VM, where this
        takes 1 s on SQLite and 3 s on PostgreSQL and holds the loop 0.3 s at most."""
        events = list(
            await self._session.scalars(
                select(EventRow.id)
                .where(
                    EventRow.status == EventStatus.SCHEDULED,
                    EventRow.reminders.is_(None),
                    or_(EventRow.starts_at > now, EventRow.repeat != ""),
                )
                .order_by(EventRow.starts_at, EventRow.id)
            )
        )
        # One suffix for all: with the event's id, each key is new and unique.
        key = literal("e") + cast(EventRow.id, String) + literal(f"/{PLAN}/{unique_suffix()}")
        same = row_values(Planned("", PLAN, now), now)
        del same["key"], same["event_id"]
        columns = DeliveryRow.__table__.c
        for start in range(0, len(events), CHUNK):
            rows = (
                select(key, EventRow.id, *(literal(v, columns[c].type) for c, v in same.items()))
                .where(EventRow.id.in_(events[start : start + CHUNK]))
                .order_by(EventRow.starts_at, EventRow.id)
            )
            await self._session.execute(
                insert(DeliveryRow).from_select(["key", "event_id", *same], rows)
            )
            await asyncio.sleep(0)
        return len(events)
