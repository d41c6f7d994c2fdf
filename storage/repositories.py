"""Repositories: the queries the core needs, returning rows or neutral views."""

from __future__ import annotations

import enum
import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Row,
    Select,
    Table,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, selectinload
from sqlalchemy.sql import ColumnElement, Executable, FromClause, Join

from bot.domain import (
    OPEN_ENDED,
    Attendee,
    ChannelKind,
    ChannelRef,
    Counts,
    EventStatus,
    EventView,
    RsvpStatus,
    UserRef,
)
from bot.language.durations import parse_offsets
from bot.when.recurrence import (
    last_start,
    next_starts,
    occurrence_key,
    occurrence_on,
    occurrence_starts,
    parse_occurrence_key,
    wall_to_utc,
)
from storage.models import (
    Base,
    CancelledOccurrenceRow,
    ChannelRow,
    EventChannelRow,
    EventRow,
    IdentityLinkRow,
    PersonRow,
    PollCardRow,
    PostedCardRow,
    ReminderOptInRow,
    RsvpRow,
)

RowT = TypeVar("RowT", bound=Base)

# Answers of someone who means to come: what their calendars and lists show.
_COMING = (RsvpStatus.GOING, RsvpStatus.MAYBE, RsvpStatus.WAITLISTED)


def ends_since(since: datetime) -> ColumnElement[bool]:
    """An event that happens once and ends at ``since`` or later (OPEN_ENDED after its start
    when it has no end)."""
    return or_(
        EventRow.ends_at >= since,
        and_(EventRow.ends_at.is_(None), EventRow.starts_at >= since - OPEN_ENDED),
    )


def person_ref(row: PersonRow) -> UserRef:
    return UserRef(row.platform, row.network, row.external_id, row.display_name, row.verified)


_identity_links = cast(Table, IdentityLinkRow.__table__)


# In an INSERT's RETURNING: the primary of the person row just written (see
# storage/identities.py), else the row itself. SQLAlchemy does not correlate a subquery with
# the table an INSERT writes (it would read `people` afresh), so the row is named outright.
_WRITTEN_PERSON: ColumnElement[int] = literal_column(f"{PersonRow.__tablename__}.id")
_PRIMARY_OF_WRITTEN = func.coalesce(
    select(_identity_links.c.primary_id)
    .where(_identity_links.c.person_id == _WRITTEN_PERSON)
    .scalar_subquery(),
    _WRITTEN_PERSON,
)


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
        first_starts_at=row.starts_at if row.repeat else None,
    )


# --------------------------------------------------------------------- prebuilt statements
# The hot path (an RSVP) runs these: built once, so a call skips building the statement and
# its cache key; each does in one round trip what took several. Plain Core on the tables: no
# ORM bookkeeping is needed for rows that are only read, or written by key.

_events_table = cast(Table, EventRow.__table__)
_people = cast(Table, PersonRow.__table__)
_rsvps = cast(Table, RsvpRow.__table__)
_organizer_table = _people.alias("organizer")
_me_table = _people.alias("me")
_mine_table = _rsvps.alias("mine")
_ahead_table = _rsvps.alias("ahead")
_events, _r = _events_table.c, _rsvps.c
_organizer, _me, _mine, _ahead = (
    _organizer_table.c,
    _me_table.c,
    _mine_table.c,
    _ahead_table.c,
)


# Constants written into the SQL rather than bound: fewer parameters to build per call.
_ZERO: ColumnElement[int] = literal_column("0")
_ONE: ColumnElement[int] = literal_column("1")


def _is(column: Any, value: enum.StrEnum) -> Any:
    return column == literal_column(f"'{value}'")


def _number_of(status: RsvpStatus) -> Any:
    return func.coalesce(func.sum(case((_is(_r.status, status), _ONE), else_=_ZERO)), _ZERO)


# One row (an aggregate without GROUP BY) even when nobody answered yet.
_tally = (
    select(
        _number_of(RsvpStatus.GOING).label("going"),
        func.coalesce(
            func.sum(case((_is(_r.status, RsvpStatus.GOING), _ONE + _r.guests), else_=_ZERO)),
            _ZERO,
        ).label("seats"),
        _number_of(RsvpStatus.WAITLISTED).label("waitlisted"),
        _number_of(RsvpStatus.MAYBE).label("maybe"),
        _number_of(RsvpStatus.NOT_GOING).label("not_going"),
        func.coalesce(func.max(_r.waitlist_seq), _ZERO).label("last_seq"),
    )
    .where(_r.event_id == bindparam("event_id"), _r.occurrence == bindparam("occurrence"))
    .subquery("tally")
)


_EVENT_FROM = _events_table.join(_organizer_table, _organizer.id == _events.organizer_id).join(
    _tally, true()
)


_EVENT_AND_ORGANIZER = (
    _events.id,
    _events.title,
    _events.starts_at,
    _events.ends_at,
    _events.timezone,
    _events.venue,
    _events.url,
    _events.description,
    _events.capacity,
    _events.status,
    _events.reminders,
    _events.repeat,
    _events.cancel_reason,
    _organizer.platform.label("organizer_platform"),
    _organizer.network.label("organizer_network"),
    _organizer.external_id.label("organizer_id"),
    _organizer.display_name.label("organizer_display"),
    _organizer.verified.label("organizer_verified"),
)


def _event_with_counts(from_: FromClause, *columns: Any) -> Select[Any]:
    """An event with its organizer and counts (plus ``columns``), by ``:event_id``."""
    return (
        select(
            *_EVENT_AND_ORGANIZER,
            _tally.c.going,
            _tally.c.seats,
            _tally.c.waitlisted,
            _tally.c.maybe,
            _tally.c.not_going,
            _tally.c.last_seq,
            *columns,
        )
        .select_from(from_)
        .where(_events.id == bindparam("event_id"))
    )


_EVENT_VIEW = _event_with_counts(_EVENT_FROM)

# The same, plus one person (by platform, network and id; answers are stored on the primary
# of a linked identity), their answer, and how many waitlisted parties are ahead of theirs.
_my_link_table = _identity_links.alias("my_link")
_my_link = _my_link_table.c
# Who the person joined by with_me() answers and organizes as: a linked account as its
# primary (storage/identities.py); NULL when they were never seen.
my_id = func.coalesce(_my_link.primary_id, _me.id)


def with_me(from_: FromClause, prefix: str = "") -> Join:
    """``from_`` with one person outer-joined as `me` (bound as ``{prefix}platform``,
    ``{prefix}network`` and ``{prefix}external_id``) and their identity link, for my_id."""
    return from_.outerjoin(
        _me_table,
        and_(
            _me.platform == bindparam(f"{prefix}platform"),
            _me.network == bindparam(f"{prefix}network"),
            _me.external_id == bindparam(f"{prefix}external_id"),
        ),
    ).outerjoin(_my_link_table, _my_link.person_id == _me.id)


_SEATING = _event_with_counts(
    with_me(_EVENT_FROM).outerjoin(
        _mine_table,
        and_(
            _mine.event_id == _events.id,
            _mine.occurrence == bindparam("occurrence"),
            _mine.person_id == my_id,
        ),
    ),
    my_id.label("person_id"),
    _me.display_name.label("person_display"),
    _me.verified.label("person_verified"),
    _mine.status.label("answer_status"),
    _mine.guests.label("answer_guests"),
    _mine.note.label("answer_note"),
    _mine.waitlisted_at.label("answer_waitlisted_at"),
    _mine.waitlist_seq.label("answer_waitlist_seq"),
    case(
        (
            _is(_mine.status, RsvpStatus.WAITLISTED),
            select(func.count())
            .select_from(_ahead_table)
            .where(
                _ahead.event_id == _events.id,
                _ahead.occurrence == _mine.occurrence,
                _is(_ahead.status, RsvpStatus.WAITLISTED),
                or_(
                    _ahead.waitlist_seq < _mine.waitlist_seq,
                    and_(_ahead.waitlist_seq == _mine.waitlist_seq, _ahead.id < _mine.id),
                ),
            )
            .scalar_subquery(),
        ),
        else_=_ZERO,
    ).label("answer_ahead"),
)
# PostgreSQL: the row lock that serialises seat changes, taken before anything is counted
# (counted in the same statement, the counts would be those from before the wait).
_LOCK_EVENT = select(_events.id).where(_events.id == bindparam("event_id")).with_for_update()

# Bind names differ from column names: insert() and update() reserve those for themselves.
_ANSWER_VALUES = {
    "status": bindparam("a_status", type_=_r.status.type),
    "guests": bindparam("a_guests"),
    "note": bindparam("a_note"),
    "waitlisted_at": bindparam("a_waitlisted_at", type_=_r.waitlisted_at.type),
    "waitlist_seq": bindparam("a_waitlist_seq", type_=_r.waitlist_seq.type),
    "updated_at": bindparam("a_now", type_=_r.updated_at.type),
}
_INSERT_ANSWER = insert(_rsvps).values(
    event_id=bindparam("a_event_id"),
    occurrence=bindparam("a_occurrence"),
    person_id=bindparam("a_person_id"),
    created_at=bindparam("a_now", type_=_r.created_at.type),
    **_ANSWER_VALUES,
)
_UPDATE_ANSWER = (
    update(_rsvps)
    .where(
        _r.event_id == bindparam("a_event_id"),
        _r.occurrence == bindparam("a_occurrence"),
        _r.person_id == bindparam("a_person_id"),
    )
    .values(**_ANSWER_VALUES)
)

_WAITLIST = (
    select(
        _r.person_id,
        _r.guests,
        _people.c.platform,
        _people.c.network,
        _people.c.external_id,
        _people.c.display_name,
        _people.c.verified,
    )
    .select_from(_rsvps.join(_people, _people.c.id == _r.person_id))
    .where(
        _r.event_id == bindparam("event_id"),
        _r.occurrence == bindparam("occurrence"),
        _r.status == RsvpStatus.WAITLISTED,
    )
    .order_by(_r.waitlist_seq, _r.id)
)


def _number_for_each_event(status: RsvpStatus, *, seats: bool = False) -> Any:
    """How many answered ``status`` (or, with ``seats``, the seats they take) for the event
    of the row, by the (event_id, status) index."""
    each = _rsvps.alias()
    counted = func.coalesce(func.sum(_ONE + each.c.guests), _ZERO) if seats else func.count()
    return (
        select(counted)
        .select_from(each)
        .where(
            each.c.event_id == _events.id,
            each.c.occurrence == literal_column("''"),
            _is(each.c.status, status),
        )
        .scalar_subquery()
    )


_event_channels = cast(Table, EventChannelRow.__table__).c

# An event that happens once and has not ended at :now (one without an end takes latecomers
# until OPEN_ENDED after its start: :started_after is :now minus that).
_NOT_ENDED = or_(
    and_(_events.ends_at.is_not(None), _events.ends_at > bindparam("now")),
    and_(_events.ends_at.is_(None), _events.starts_at > bindparam("started_after")),
)
_COMING_ONCE = (
    _is(_events.status, EventStatus.SCHEDULED),
    _events.repeat == literal_column("''"),
    _NOT_ENDED,
)


@dataclass(frozen=True, slots=True)
class _Listing:
    """What `EventRepository.upcoming` runs for the events that one FROM and WHERE link to
    the channels asked about."""

    page: Select[Any]  # one-off events not ended, soonest first, with organizer and counts
    total: Select[Any]  # how many of them there are in all
    # Repeating events, listed by their next occurrence worked out in Python (those whose
    # series has ended are dropped then).
    series: Select[Any]


def _listing(linked: FromClause, *where: ColumnElement[bool]) -> _Listing:
    # The page is chosen first, so the counts are worked out for the events shown only: in a
    # channel with thousands of events, counting for all of them before the limit took 30 ms.
    page = (
        select(_events.id)
        .select_from(linked)
        .where(*where, *_COMING_ONCE)
        .order_by(_events.starts_at, _events.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery("page")
    )
    return _Listing(
        page=select(
            *_EVENT_AND_ORGANIZER,
            _number_for_each_event(RsvpStatus.GOING).label("going"),
            _number_for_each_event(RsvpStatus.GOING, seats=True).label("seats"),
            _number_for_each_event(RsvpStatus.WAITLISTED).label("waitlisted"),
            _number_for_each_event(RsvpStatus.MAYBE).label("maybe"),
            _number_for_each_event(RsvpStatus.NOT_GOING).label("not_going"),
        )
        .select_from(
            _events_table.join(page, page.c.id == _events.id).join(
                _organizer_table, _organizer.id == _events.organizer_id
            )
        )
        .order_by(_events.starts_at, _events.id),
        total=select(func.count()).select_from(linked).where(*where, *_COMING_ONCE),
        series=select(*_EVENT_AND_ORGANIZER)
        .select_from(linked.join(_organizer_table, _organizer.id == _events.organizer_id))
        .where(
            *where,
            _is(_events.status, EventStatus.SCHEDULED),
            _events.repeat != literal_column("''"),
        ),
    )


# Linked to one channel (:channel_id): a join, since an event is linked to a channel once.
# SQLite reads the channel's links by index and goes straight to their events; the semi-join
# below makes it copy the links into a list first: a channel with 350 of 20,000 events took
# 2.7 ms instead of 1.4, one with 8,700 took 47 ms instead of 31 (PostgreSQL plans both alike).
_IN_ONE_CHANNEL = _listing(
    _events_table.join(
        _event_channels.event_id.table,
        and_(
            _event_channels.event_id == _events.id,
            _event_channels.channel_id == bindparam("channel_id"),
        ),
    )
)
# Linked to any of several channels (:channel_ids): a semi-join, so that an event linked to
# two of them is one row (a join would repeat it, and the page and count with it).
_IN_CHANNELS = _listing(
    _events_table,
    _events.id.in_(
        select(_event_channels.event_id).where(
            _event_channels.channel_id.in_(bindparam("channel_ids", expanding=True))
        )
    ),
)
# A channel with something to list: an event linked to it that happens once and has not
# ended, or a scheduled series (whether it has a date left is worked out in Python).
_HAS_UPCOMING = (
    select(_event_channels.event_id)
    .join(_events_table, _events.id == _event_channels.event_id)
    .where(
        _event_channels.channel_id == ChannelRow.id,
        _is(_events.status, EventStatus.SCHEDULED),
        or_(_events.repeat != literal_column("''"), _NOT_ENDED),
    )
    .exists()
)

_ATTENDEES = (
    select(
        _r.status,
        _r.guests,
        _r.note,
        _people.c.platform,
        _people.c.network,
        _people.c.external_id,
        _people.c.display_name,
        _people.c.verified,
    )
    .select_from(_rsvps.join(_people, _people.c.id == _r.person_id))
    .where(_r.event_id == bindparam("event_id"), _r.occurrence == bindparam("occurrence"))
    .order_by(
        case(
            (_is(_r.status, RsvpStatus.GOING), _ZERO),
            (_is(_r.status, RsvpStatus.WAITLISTED), _ONE),
            (_is(_r.status, RsvpStatus.MAYBE), literal_column("2")),
            else_=literal_column("3"),
        ),
        _r.waitlist_seq,
        _r.created_at,
        _r.id,
    )
)

_PROMOTE = (
    update(_rsvps)
    .where(
        _r.event_id == bindparam("a_event_id"),
        _r.occurrence == bindparam("a_occurrence"),
        _r.person_id.in_(bindparam("a_person_ids", expanding=True)),
    )
    .values(
        status=RsvpStatus.GOING,
        waitlisted_at=None,
        waitlist_seq=None,
        updated_at=bindparam("a_now", type_=_r.updated_at.type),
    )
)


def _order(view: EventView) -> tuple[datetime, int]:
    """Where an event comes in a list: soonest first; at one time, the older event first."""
    return view.starts_at, view.id


def _view_of(row: Row[Any], counts: Counts | None = None) -> EventView:
    """The view of a row of _EVENT_AND_ORGANIZER with counts (or with ``counts`` given)."""
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
        organizer=UserRef(
            row.organizer_platform,
            row.organizer_network,
            row.organizer_id,
            row.organizer_display,
            row.organizer_verified,
        ),
        counts=_counts_of(row) if counts is None else counts,
        reminders=None if row.reminders is None else parse_offsets(row.reminders),
        repeat=row.repeat,
        cancel_reason=row.cancel_reason,
        first_starts_at=row.starts_at if row.repeat else None,
    )


def _counts_of(row: Row[Any]) -> Counts:
    return Counts(row.going, row.seats, row.waitlisted, row.maybe, row.not_going)


def at_occurrence(
    series: EventView, key: str, counts: Counts, cancelled: dict[str, str]
) -> EventView:
    """``series`` (any view of a repeating event) seen at the occurrence ``key``: its start
    and end, its counts, cancelled if that date is called off. A key that is no date of the
    series (it was moved since) gets the series' time of day on that date."""
    first = series.first_starts_at
    assert first is not None
    start = occurrence_on(first, series.timezone, series.repeat, key)
    if start is None:
        day = parse_occurrence_key(key)
        assert day is not None, key
        wall = first.astimezone(series.zone).time()
        start = wall_to_utc(datetime.combine(day, wall), series.zone)
    length = None if series.ends_at is None else series.ends_at - series.starts_at
    reason = cancelled.get(key)
    return replace(
        series,
        starts_at=start,
        ends_at=None if length is None else start + length,
        counts=counts,
        occurrence=key,
        stored_status=EventStatus.CANCELLED if reason is not None else series.stored_status,
        cancel_reason=reason if reason is not None else series.cancel_reason,
        continues=bool(
            occurrence_starts(first, series.timezone, series.repeat, after=start, count=1)
        ),
    )


def next_occurrence(series: EventView, now: datetime, cancelled: dict[str, str]) -> str:
    """The key of the next occurrence not yet started and not called off; when the series
    has no more, its last one."""
    first = series.first_starts_at
    assert first is not None
    zone, repeat = series.timezone, series.repeat
    coming = next_starts(first, zone, repeat, after=now, count=1, skip=cancelled.keys())
    start = coming[0] if coming else last_start(first, zone, repeat, before=now) or first
    return occurrence_key(start, zone, repeat)


def local_today(series: EventView, now: datetime) -> str:
    """Today's date in the event's zone, as an occurrence key: keys from it on are not past."""
    return now.astimezone(series.zone).date().isoformat()


@dataclass(frozen=True, slots=True)
class Answer:
    """One person's RSVP as the seat rules see it."""

    status: RsvpStatus
    guests: int
    note: str = ""
    waitlisted_at: datetime | None = None
    waitlist_seq: int | None = None

    @property
    def seats(self) -> int:
        return 1 + self.guests


@dataclass(frozen=True, slots=True)
class Seating:
    """An event locked for seat changes: its view with the counts before the change, and one
    person's standing in it."""

    event: EventView
    last_seq: int  # the highest place in line handed out so far; 0 for none
    person_id: int | None  # None: never seen before
    person_as_stored: tuple[str, bool] | None  # (display name, verified)
    answer: Answer | None  # None: has not answered yet
    ahead: int  # waitlisted parties ahead of theirs (when waitlisted)


@dataclass(frozen=True, slots=True)
class Waiting:
    """A party on the waitlist, in the order it is served."""

    person_id: int
    person: UserRef
    seats: int


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


@functools.cache
def _save_person(dialect: str) -> Executable:
    """`PeopleRepository.save`'s upsert, built once per dialect: building it took about
    0.35 ms of Python per call, a third of a first RSVP (bench/irc_latency.py)."""
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    columns = PersonRow.__table__.c
    names = ("platform", "network", "external_id", "display_name", "verified", "created_at")
    values = insert_(PersonRow).values(
        {name: bindparam(name, type_=columns[name].type) for name in names}
    )
    return values.on_conflict_do_update(
        index_elements=[PersonRow.platform, PersonRow.network, PersonRow.external_id],
        set_={
            "display_name": values.excluded.display_name,
            "verified": values.excluded.verified,
        },
    ).returning(_PRIMARY_OF_WRITTEN)


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

    async def answering_as(self, ref: UserRef) -> int | None:
        """The id ``ref``'s answers are stored under (its primary's for a linked identity),
        without writing anything; None for someone the bot has never seen."""
        person_id: int | None = await self._session.scalar(
            select(func.coalesce(IdentityLinkRow.primary_id, PersonRow.id))
            .select_from(PersonRow)
            .outerjoin(IdentityLinkRow, IdentityLinkRow.person_id == PersonRow.id)
            .where(
                PersonRow.platform == ref.platform,
                PersonRow.network == ref.network,
                PersonRow.external_id == ref.id,
            )
        )
        return person_id

    async def save(self, ref: UserRef, now: datetime) -> int:
        """Like ``upsert`` in one statement, for callers that need the id their answers,
        reminders and votes are stored under: the primary's for a linked identity."""
        statement = _save_person(self._session.get_bind().dialect.name)
        values = {
            "platform": ref.platform,
            "network": ref.network,
            "external_id": ref.id,
            "display_name": ref.display,
            "verified": ref.verified,
            "created_at": now,
        }
        person_id: int = (await self._session.execute(statement, values)).scalar_one()
        return person_id


class ChannelRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, channel_id: int) -> ChannelRow | None:
        return await self._session.get(ChannelRow, channel_id)

    async def with_digest(self, *, by_default: bool) -> list[ChannelRow]:
        """Group channels that get a weekly digest: those that set a time, and, when the
        config sets one (``by_default``), those that set nothing."""
        chosen = ChannelRow.digest != ""
        if not by_default:
            chosen = and_(ChannelRow.digest.is_not(None), chosen)
        else:
            chosen = or_(ChannelRow.digest.is_(None), chosen)
        rows = await self._session.scalars(
            select(ChannelRow).where(ChannelRow.kind == ChannelKind.GROUP, chosen)
        )
        return list(rows)

    async def find(self, ref: ChannelRef) -> ChannelRow | None:
        return await self._session.scalar(
            select(ChannelRow).where(
                ChannelRow.platform == ref.platform,
                ChannelRow.network == ref.network,
                ChannelRow.external_id == ref.id,
            )
        )

    @staticmethod
    def up_to_date(row: ChannelRow | None, ref: ChannelRef) -> bool:
        """Whether ``upsert(ref)`` would leave ``row`` as it is."""
        return row is not None and (not ref.title or row.title == ref.title)

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

    async def with_upcoming_events(self, chat: ChannelRef, now: datetime) -> list[ChannelRow]:
        """The group channels on the network of the private chat ``chat``, and ``chat``
        itself, that have upcoming events linked to them (or a series, which may have no
        date left): where someone asking there may find events, before the network is
        asked which of them they are in."""
        rows = await self._session.scalars(
            select(ChannelRow).where(
                ChannelRow.platform == chat.platform,
                ChannelRow.network == chat.network,
                or_(ChannelRow.kind == ChannelKind.GROUP, ChannelRow.external_id == chat.id),
                _HAS_UPCOMING,
            ),
            {"now": now, "started_after": now - OPEN_ENDED},
        )
        return list(rows)

    async def linked_to(self, event_id: int) -> list[ChannelRow]:
        return (await self.linked_to_each([event_id])).get(event_id, [])

    async def linked_to_each(self, event_ids: Sequence[int]) -> dict[int, list[ChannelRow]]:
        """The channels each event is linked to, in the order they were (none: missing)."""
        rows = await self._session.execute(
            select(EventChannelRow.event_id, ChannelRow)
            .join(EventChannelRow, EventChannelRow.channel_id == ChannelRow.id)
            .where(EventChannelRow.event_id.in_(event_ids))
            .order_by(EventChannelRow.linked_at, ChannelRow.id)
        )
        found: dict[int, list[ChannelRow]] = {}
        for event_id, channel in rows:
            found.setdefault(event_id, []).append(channel)
        return found


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

    async def get_many(self, event_ids: Sequence[int]) -> list[EventRow]:
        """The events of ``event_ids`` that exist, without their organizers."""
        return list(await self._session.scalars(select(EventRow).where(EventRow.id.in_(event_ids))))

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

    async def scheduled_in(self, channel_id: int) -> list[int]:
        """Ids of the events linked to the channel that are not cancelled (past ones too: a
        repeating event's stored start is its first date)."""
        rows = await self._session.scalars(
            select(EventChannelRow.event_id)
            .join(EventRow, EventRow.id == EventChannelRow.event_id)
            .where(
                EventChannelRow.channel_id == channel_id,
                EventRow.status == EventStatus.SCHEDULED,
            )
        )
        return list(rows)

    async def unlink(self, event_id: int, channel_id: int) -> bool:
        """Take the event out of the channel; False when it was not linked there."""
        result = await self._session.execute(
            delete(EventChannelRow).where(
                EventChannelRow.event_id == event_id, EventChannelRow.channel_id == channel_id
            )
        )
        return bool(cast(Any, result).rowcount)

    async def is_linked(self, event_id: int, channel_id: int) -> bool:
        found = await self._session.scalar(
            select(EventChannelRow.event_id).where(
                EventChannelRow.event_id == event_id, EventChannelRow.channel_id == channel_id
            )
        )
        return found is not None

    async def upcoming(
        self, channel_ids: Collection[int], now: datetime, limit: int, offset: int = 0
    ) -> tuple[list[EventView], int]:
        """Scheduled events linked to any of the channels that have not ended, soonest first,
        with their counts, each once however many of the channels it is linked to: ``limit``
        of them after the first ``offset``; and how many there are in all. A repeating event
        is there once, as its next occurrence that has not started and is not called off.
        Two queries when no repeating event is linked there (three when more follow the
        page); two more when some are. None for no channels."""
        if not channel_ids:
            return [], 0
        linked: dict[str, object]
        if len(channel_ids) == 1:
            [channel_id] = channel_ids
            listing, linked = _IN_ONE_CHANNEL, {"channel_id": channel_id}
        else:
            listing, linked = _IN_CHANNELS, {"channel_ids": list(channel_ids)}
        where = {**linked, "now": now, "started_after": now - OPEN_ENDED}
        series = [
            _view_of(row, Counts()) for row in await self._session.execute(listing.series, linked)
        ]
        # The database pages the one-off events. Each series dated before the page pushes
        # them back by one, so the page's one-off events are among the ``len(series)``
        # before ``offset`` and the ``limit`` from it: that window is read.
        start = max(0, offset - len(series))
        window = offset + limit - start
        rows = await self._session.execute(
            listing.page, {**where, "offset": start, "limit": window}
        )
        once = [_view_of(row) for row in rows]
        if len(once) < window and (once or start == 0):  # the last one-off event is read
            total = start + len(once)
        else:
            total = await self._session.scalar(listing.total, where) or 0
        if not series:
            return once[offset - start :], total
        dates = await self._next_dates(series, now)
        total += len(dates)
        before = start  # how many of the whole list come before ``listed``
        if start:
            # A date before the window's first event is before the page too: fewer than
            # ``len(series)`` dates and ``start`` one-off events come before it.
            later = [view for view in dates if once and _order(view) > _order(once[0])]
            before += len(dates) - len(later)
            dates = later
        listed = sorted(once + dates, key=_order)
        return listed[offset - before : offset - before + limit], total

    async def _next_dates(self, series: list[EventView], now: datetime) -> list[EventView]:
        """Each series at its next date that has not started and is not called off, with
        its counts; a series with no such date is left out."""
        cancelled = await self.cancelled_of([s.id for s in series])
        coming: list[tuple[EventView, str]] = []
        for each in series:
            assert each.first_starts_at is not None
            skip = cancelled.get(each.id, {})
            starts = next_starts(
                each.first_starts_at, each.timezone, each.repeat, after=now, count=1, skip=skip
            )
            if starts:
                coming.append((each, occurrence_key(starts[0], each.timezone, each.repeat)))
        counts = await self.counts_at([(each.id, key) for each, key in coming])
        return [
            at_occurrence(each, key, counts[each.id, key], cancelled.get(each.id, {}))
            for each, key in coming
        ]

    async def counts(self, event_ids: Sequence[int]) -> dict[int, Counts]:
        """Counts of events that happen once (occurrence "")."""
        counted = await self.counts_at([(event_id, "") for event_id in event_ids])
        return {event_id: counted[event_id, ""] for event_id in event_ids}

    async def counts_at(
        self, occurrences: Sequence[tuple[int, str]]
    ) -> dict[tuple[int, str], Counts]:
        """Counts of each (event id, occurrence key), in one query."""
        if not occurrences:
            return {}
        rows = await self._session.execute(
            select(
                RsvpRow.event_id,
                RsvpRow.occurrence,
                RsvpRow.status,
                func.count(),
                func.sum(case((RsvpRow.status == RsvpStatus.GOING, 1 + RsvpRow.guests), else_=0)),
            )
            .where(tuple_(RsvpRow.event_id, RsvpRow.occurrence).in_(list(occurrences)))
            .group_by(RsvpRow.event_id, RsvpRow.occurrence, RsvpRow.status)
        )
        tallies: dict[tuple[int, str], dict[str, int]] = {key: {} for key in occurrences}
        for event_id, occurrence, status, number, seats in rows:
            tally = tallies[event_id, occurrence]
            tally[RsvpStatus(status).value] = number
            tally["seats"] = tally.get("seats", 0) + int(seats or 0)
        return {
            key: Counts(
                going=t.get(RsvpStatus.GOING.value, 0),
                seats=t.get("seats", 0),
                waitlisted=t.get(RsvpStatus.WAITLISTED.value, 0),
                maybe=t.get(RsvpStatus.MAYBE.value, 0),
                not_going=t.get(RsvpStatus.NOT_GOING.value, 0),
            )
            for key, t in tallies.items()
        }

    async def view(
        self, row: EventRow, occurrence: str | None = None, *, now: datetime | None = None
    ) -> EventView:
        """The event as replies show it; for a repeating event, the occurrence ``occurrence``
        (None: the next one not yet started at ``now``, see ``view_of``)."""
        if not row.repeat:
            return event_view(row, (await self.counts([row.id]))[row.id])
        return await self._at(event_view(row, Counts()), occurrence, now)

    async def view_of(
        self, event_id: int, occurrence: str | None = None, *, now: datetime | None = None
    ) -> EventView | None:
        """The event with its organizer and counts (nothing locked); for a repeating event,
        the occurrence whose key is ``occurrence`` (a local date, as in deliveries), or with
        None the next one that has not started at ``now`` (default: the clock) and is not
        called off; once the series is over, its last one. One query for an event that
        happens once, three for a repeating one."""
        row = (
            await self._session.execute(_EVENT_VIEW, {"event_id": event_id, "occurrence": ""})
        ).one_or_none()
        if row is None:
            return None
        view = _view_of(row)
        if not view.repeat:
            return view
        return await self._at(view, occurrence, now)

    async def _at(
        self, series: EventView, occurrence: str | None, now: datetime | None
    ) -> EventView:
        cancelled = await self.cancelled_occurrences(series.id)
        if not occurrence:  # "": news about the whole series, shown at its next date
            occurrence = next_occurrence(series, now or datetime.now(UTC), cancelled)
        counts = (await self.counts_at([(series.id, occurrence)]))[series.id, occurrence]
        return at_occurrence(series, occurrence, counts, cancelled)

    async def cancelled_occurrences(self, event_id: int) -> dict[str, str]:
        """The called-off dates of a repeating event, with their reasons."""
        return (await self.cancelled_of([event_id])).get(event_id, {})

    async def cancelled_of(self, event_ids: Sequence[int]) -> dict[int, dict[str, str]]:
        """The called-off dates of several repeating events, by event id (none: missing)."""
        rows = await self._session.execute(
            select(
                CancelledOccurrenceRow.event_id,
                CancelledOccurrenceRow.occurrence,
                CancelledOccurrenceRow.reason,
            ).where(CancelledOccurrenceRow.event_id.in_(event_ids))
        )
        found: dict[int, dict[str, str]] = {}
        for event_id, occurrence, reason in rows:
            found.setdefault(event_id, {})[occurrence] = reason
        return found

    async def cancel_occurrence(
        self, event_id: int, occurrence: str, reason: str, now: datetime
    ) -> None:
        """Call off one date of a repeating event; the series goes on."""
        await _insert_ignoring_duplicates(
            self._session,
            CancelledOccurrenceRow,
            {"event_id": event_id, "occurrence": occurrence, "reason": reason, "cancelled_at": now},
        )

    async def reopen_occurrence(self, event_id: int, occurrence: str) -> None:
        """Undo calling off one date of a repeating event: its answers were kept all along."""
        await self._session.execute(
            delete(CancelledOccurrenceRow).where(
                CancelledOccurrenceRow.event_id == event_id,
                CancelledOccurrenceRow.occurrence == occurrence,
            )
        )


class RsvpRepository:
    def __init__(self, session: AsyncSession, *, lock_rows: bool = False) -> None:
        self._session = session
        self._lock_rows = lock_rows

    async def seating(
        self,
        event_id: int,
        person: UserRef,
        occurrence: str = "",
        *,
        cancelled: dict[str, str] | None = None,
        lock: bool = True,
    ) -> Seating | None:
        """The event locked for seat changes, the counts of ``occurrence`` ("" for an event
        that happens once) and ``person``'s answer for it; None when there is no such event.
        The lock is SQLite's `BEGIN IMMEDIATE` (taken as the unit of work began) or, on
        PostgreSQL, the event's row lock taken here first (``lock=False``: it is held
        already). For a repeating event the view is that occurrence's (``cancelled``: its
        called-off dates)."""
        session = self._session
        if (
            lock
            and self._lock_rows
            and await session.scalar(_LOCK_EVENT, {"event_id": event_id}) is None
        ):
            return None
        row = (
            await session.execute(
                _SEATING,
                {
                    "event_id": event_id,
                    "occurrence": occurrence,
                    "platform": person.platform,
                    "network": person.network,
                    "external_id": person.id,
                },
            )
        ).one_or_none()
        if row is None:
            return None
        answer = None
        if row.answer_status is not None:
            answer = Answer(
                row.answer_status,
                row.answer_guests,
                row.answer_note,
                row.answer_waitlisted_at,
                row.answer_waitlist_seq,
            )
        event = _view_of(row)
        if occurrence:
            event = at_occurrence(event, occurrence, _counts_of(row), cancelled or {})
        return Seating(
            event=event,
            last_seq=row.last_seq,
            person_id=row.person_id,
            person_as_stored=None
            if row.person_id is None
            else (row.person_display, row.person_verified),
            answer=answer,
            ahead=row.answer_ahead,
        )

    async def save_answer(
        self,
        event_id: int,
        person_id: int,
        answer: Answer,
        now: datetime,
        *,
        new: bool,
        occurrence: str = "",
    ) -> None:
        """Store ``answer``: a new row when ``new``, else the person's row is changed."""
        await self._session.execute(
            _INSERT_ANSWER if new else _UPDATE_ANSWER,
            {
                "a_event_id": event_id,
                "a_occurrence": occurrence,
                "a_person_id": person_id,
                "a_status": answer.status,
                "a_guests": answer.guests,
                "a_note": answer.note,
                "a_waitlisted_at": answer.waitlisted_at,
                "a_waitlist_seq": answer.waitlist_seq,
                "a_now": now,
            },
        )

    async def waiting(self, event_id: int, occurrence: str = "") -> list[Waiting]:
        """The waitlist of one occurrence in the order it is served, in one query."""
        rows = await self._session.execute(
            _WAITLIST, {"event_id": event_id, "occurrence": occurrence}
        )
        return [
            Waiting(
                row.person_id,
                UserRef(row.platform, row.network, row.external_id, row.display_name, row.verified),
                1 + row.guests,
            )
            for row in rows
        ]

    async def promote(
        self, event_id: int, person_ids: Sequence[int], now: datetime, occurrence: str = ""
    ) -> None:
        """Move these people from the waitlist to going; call with the event locked."""
        if person_ids:
            await self._session.execute(
                _PROMOTE,
                {
                    "a_event_id": event_id,
                    "a_occurrence": occurrence,
                    "a_person_ids": list(person_ids),
                    "a_now": now,
                },
            )

    async def answers_of(
        self, person_id: int, since: datetime, limit: int, *, channel_id: int | None = None
    ) -> list[tuple[EventRow, RsvpRow]]:
        """(event, answer) for each answer yes, maybe or waitlisted of the person: events
        happening once that end (or start) at ``since`` or later, and dates of repeating
        events from the day before ``since`` on (a date is local to its event, whose zone may
        be behind UTC: callers compare the date's real start); cancelled ones too. With
        ``channel_id``, only events announced in that channel. At most ``limit``, events
        happening once by their start, series by their first."""
        day_before = (since - timedelta(days=1)).date().isoformat()
        query = (
            select(EventRow, RsvpRow)
            .options(selectinload(EventRow.organizer))
            .join(RsvpRow, RsvpRow.event_id == EventRow.id)
            .where(
                RsvpRow.person_id == person_id,
                RsvpRow.status.in_(_COMING),
                or_(
                    and_(
                        RsvpRow.occurrence == "",
                        ends_since(since),
                    ),
                    and_(RsvpRow.occurrence != "", RsvpRow.occurrence >= day_before),
                ),
            )
            .order_by(EventRow.starts_at, RsvpRow.occurrence, EventRow.id)
            .limit(limit)
        )
        if channel_id is not None:
            query = query.where(
                EventRow.id.in_(
                    select(EventChannelRow.event_id).where(EventChannelRow.channel_id == channel_id)
                )
            )
        return [(event, answer) for event, answer in await self._session.execute(query)]

    def add(self, row: RsvpRow) -> None:
        self._session.add(row)

    async def flush(self) -> None:
        await self._session.flush()

    async def find(self, event_id: int, person_id: int, occurrence: str = "") -> RsvpRow | None:
        return await self._session.scalar(
            select(RsvpRow).where(
                RsvpRow.event_id == event_id,
                RsvpRow.occurrence == occurrence,
                RsvpRow.person_id == person_id,
            )
        )

    async def seats_taken(self, event_id: int, occurrence: str = "") -> int:
        taken = await self._session.scalar(
            select(func.coalesce(func.sum(1 + RsvpRow.guests), 0)).where(
                RsvpRow.event_id == event_id,
                RsvpRow.occurrence == occurrence,
                RsvpRow.status == RsvpStatus.GOING,
            )
        )
        return int(taken or 0)

    async def waitlist(self, event_id: int, occurrence: str = "") -> list[RsvpRow]:
        """The waitlist in the order it is served: first come, first served."""
        rows = await self._session.scalars(
            select(RsvpRow)
            .where(
                RsvpRow.event_id == event_id,
                RsvpRow.occurrence == occurrence,
                RsvpRow.status == RsvpStatus.WAITLISTED,
            )
            .options(selectinload(RsvpRow.person))
            .order_by(RsvpRow.waitlist_seq, RsvpRow.id)
        )
        return list(rows)

    async def next_waitlist_seq(self, event_id: int, occurrence: str = "") -> int:
        """The next place in line; call with the event locked."""
        last = await self._session.scalar(
            select(func.max(RsvpRow.waitlist_seq)).where(
                RsvpRow.event_id == event_id, RsvpRow.occurrence == occurrence
            )
        )
        return (last or 0) + 1

    async def waitlisted_occurrences(self, event_id: int, since: str) -> list[str]:
        """Occurrences from ``since`` on (keys compare as dates) with someone waitlisted."""
        rows = await self._session.scalars(
            select(RsvpRow.occurrence)
            .where(
                RsvpRow.event_id == event_id,
                RsvpRow.occurrence >= since,
                RsvpRow.status == RsvpStatus.WAITLISTED,
            )
            .distinct()
            .order_by(RsvpRow.occurrence)
        )
        return list(rows)

    async def coming_from(self, event_id: int, since: str) -> list[UserRef]:
        """Everyone who answered anything but no for an occurrence from ``since`` on, once
        each (for news of a whole series)."""
        rows = await self._session.scalars(
            select(PersonRow)
            .where(
                PersonRow.id.in_(
                    select(RsvpRow.person_id).where(
                        RsvpRow.event_id == event_id,
                        RsvpRow.occurrence >= since,
                        RsvpRow.status != RsvpStatus.NOT_GOING,
                    )
                )
            )
            .order_by(PersonRow.id)
        )
        return [person_ref(row) for row in rows]

    async def attendees(self, event_id: int, occurrence: str = "") -> list[Attendee]:
        """Everyone who answered (for ``occurrence`` of a repeating event), going first (in
        RSVP order), then the waitlist in order, then maybe, then not going; in one query."""
        rows = await self._session.execute(
            _ATTENDEES, {"event_id": event_id, "occurrence": occurrence}
        )
        attendees: list[Attendee] = []
        position = 0
        for row in rows:
            if row.status is RsvpStatus.WAITLISTED:
                position += 1
            attendees.append(
                Attendee(
                    person=UserRef(
                        row.platform, row.network, row.external_id, row.display_name, row.verified
                    ),
                    status=row.status,
                    guests=row.guests,
                    note=row.note,
                    position=position if row.status is RsvpStatus.WAITLISTED else 0,
                )
            )
        return attendees


class CardRepository:
    """Where the cards showing something (an event, a poll) were posted, per network: the
    ``model``'s table, whose ``owner`` column says what each card shows."""

    def __init__(
        self,
        session: AsyncSession,
        model: type[PostedCardRow] | type[PollCardRow],
        owner: InstrumentedAttribute[int],
    ) -> None:
        self._session = session
        self._model = model
        self._owner = owner

    async def remember(
        self,
        owner_id: int,
        platform: str,
        network: str,
        chat_id: str,
        message_id: str,
        now: datetime,
    ) -> None:
        await _insert_ignoring_duplicates(
            self._session,
            self._model,
            {
                self._owner.key: owner_id,
                "platform": platform,
                "network": network,
                "chat_id": chat_id,
                "message_id": message_id,
                "posted_at": now,
            },
        )

    async def of(self, owner_id: int, platform: str, network: str) -> list[tuple[str, str]]:
        """(chat id, message id) of every card of ``owner_id`` on that network, oldest first."""
        model = self._model
        rows = await self._session.execute(
            select(model.chat_id, model.message_id)
            .where(self._owner == owner_id, model.platform == platform, model.network == network)
            .order_by(model.id)
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

    async def person_ids_of(self, event_ids: Sequence[int]) -> dict[int, list[int]]:
        """Who asked to be reminded of each event, in the order they did (none: missing)."""
        rows = await self._session.execute(
            select(ReminderOptInRow.event_id, ReminderOptInRow.person_id)
            .where(ReminderOptInRow.event_id.in_(event_ids))
            .order_by(ReminderOptInRow.id)
        )
        found: dict[int, list[int]] = {}
        for event_id, person_id in rows:
            found.setdefault(event_id, []).append(person_id)
        return found

    async def people(self, event_id: int) -> list[UserRef]:
        rows = await self._session.scalars(
            select(PersonRow)
            .join(ReminderOptInRow, ReminderOptInRow.person_id == PersonRow.id)
            .where(ReminderOptInRow.event_id == event_id)
            .order_by(ReminderOptInRow.id)
        )
        return [person_ref(row) for row in rows]
