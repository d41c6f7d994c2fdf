"""A unit of work: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.audience import AudienceRepository
from storage.deliveries import DeliveryRepository
from storage.delivery_report import DeliveryReportRepository
from storage.feeds import FeedRepository
from storage.identities import IdentityRepository
from storage.models import PollCardRow, PostedCardRow
from storage.moved_dates import MovedDatesRepository
from storage.pages import PageRepository
from storage.polls import PollRepository
from storage.reminder_defaults import ReminderDefaultsRepository
from storage.repositories import (
    CardRepository,
    ChannelRepository,
    EventRepository,
    PeopleRepository,
    ReminderOptInRepository,
    RsvpRepository,
)


class UnitOfWork:
    """`async with db.unit_of_work() as uow: ...; await uow.commit()`.

    One per incoming message or scheduled job: an AsyncSession must not be shared between
    tasks. ``db.unit_of_work(read_only=True)`` only reads and cannot commit.
    """

    people: PeopleRepository
    channels: ChannelRepository
    events: EventRepository
    rsvps: RsvpRepository
    cards: CardRepository
    poll_cards: CardRepository
    reminders: ReminderOptInRepository
    deliveries: DeliveryRepository
    delivery_report: DeliveryReportRepository
    feeds: FeedRepository
    identities: IdentityRepository
    pages: PageRepository
    polls: PollRepository
    reminder_defaults: ReminderDefaultsRepository
    audience: AudienceRepository
    moved_dates: MovedDatesRepository

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        lock_rows: bool,
        read_only: bool = False,
        on_planned: Callable[[datetime], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._lock_rows = lock_rows
        self._read_only = read_only
        self._on_planned = on_planned
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> UnitOfWork:
        session = self._sessions()
        self._session = session
        self.people = PeopleRepository(session)
        self.channels = ChannelRepository(session)
        self.events = EventRepository(session, lock_rows=self._lock_rows)
        self.rsvps = RsvpRepository(session, lock_rows=self._lock_rows)
        self.cards = CardRepository(session, PostedCardRow, PostedCardRow.event_id)
        self.poll_cards = CardRepository(session, PollCardRow, PollCardRow.poll_id)
        self.reminders = ReminderOptInRepository(session)
        self.deliveries = DeliveryRepository(session, lock_rows=self._lock_rows)
        self.delivery_report = DeliveryReportRepository(session)
        self.feeds = FeedRepository(session)
        self.identities = IdentityRepository(session, lock_rows=self._lock_rows)
        self.pages = PageRepository(session)
        self.polls = PollRepository(session, lock_rows=self._lock_rows)
        self.reminder_defaults = ReminderDefaultsRepository(session)
        self.audience = AudienceRepository(session)
        self.moved_dates = MovedDatesRepository(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            await self._session.close()  # rolls back whatever was not committed
        finally:
            self._session = None

    async def commit(self) -> None:
        assert self._session is not None
        if self._read_only:
            # On SQLite it runs without the write lock: seats counted there are not safe.
            raise RuntimeError("a read-only unit of work cannot commit")
        await self._session.commit()
        earliest, self.deliveries.earliest = self.deliveries.earliest, None
        if earliest is not None and self._on_planned is not None:
            # Something new is due: wake the scheduler now rather than at its next poll.
            self._on_planned(earliest)
