"""SQLAlchemy 2 models. Times are stored in UTC; an event keeps its IANA zone beside them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.domain import ChannelKind, DeliveryState, EventStatus, RsvpStatus

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (no zones) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _enum(kind: type[Any]) -> Enum:
    # Plain strings in the database: adding a value later needs no ALTER TYPE.
    return Enum(kind, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class PersonRow(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("platform", "network", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    network: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(255))
    verified: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelRow(Base):
    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("platform", "network", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    network: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[ChannelKind] = mapped_column(_enum(ChannelKind))
    title: Mapped[str] = mapped_column(String(255), default="")
    # None: the config's [bot] timezone applies.
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Reminder offsets as `1d,2h` for events announced here; None: the config's default.
    reminders: Mapped[str | None] = mapped_column(String(64))
    # When the weekly digest of upcoming events is posted here, as `mon 09:00` in the
    # channel's zone; None: the config's [bot] digest (off unless set).
    digest: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    venue: Mapped[str] = mapped_column(String(255), default="")
    url: Mapped[str] = mapped_column(String(512), default="")
    capacity: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[EventStatus] = mapped_column(_enum(EventStatus))
    cancel_reason: Mapped[str] = mapped_column(String(512), default="")
    # Reminder offsets as `1d,2h`; None: the channel's or the config's default applies.
    reminders: Mapped[str | None] = mapped_column(String(64))
    repeat: Mapped[str] = mapped_column(String(255), default="")
    # RFC 5545 SEQUENCE: bumped by every edit and cancellation, so calendar apps that
    # subscribed to a feed replace their copy instead of keeping the old one.
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    organizer_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    origin_channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    organizer: Mapped[PersonRow] = relationship(lazy="raise")


class EventChannelRow(Base):
    """The channels an event is announced in (its own channel included)."""

    __tablename__ = "event_channels"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RsvpRow(Base):
    __tablename__ = "rsvps"
    __table_args__ = (
        UniqueConstraint("event_id", "occurrence", "person_id"),
        Index("ix_rsvps_event_status", "event_id", "occurrence", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    # Which date of a repeating event (`2026-12-12`, in the event's zone); "" for an event
    # that happens once. A date, not an instant: moving a series to 19:00 keeps its answers.
    occurrence: Mapped[str] = mapped_column(String(10), default="")
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    status: Mapped[RsvpStatus] = mapped_column(_enum(RsvpStatus))
    guests: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(String(255), default="")
    # When the person joined the waitlist, and their place in line: handed out under the
    # event's lock, so it follows the order RSVPs were taken even when clocks disagree.
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waitlist_seq: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    person: Mapped[PersonRow] = relationship(lazy="raise")

    @property
    def seats(self) -> int:
        return 1 + self.guests


class PostedCardRow(Base):
    """A message showing an event (a Telegram card with buttons), kept so it can be updated
    when anyone answers, from any network, also after a restart."""

    __tablename__ = "posted_cards"
    __table_args__ = (UniqueConstraint("platform", "network", "chat_id", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    network: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(255))
    message_id: Mapped[str] = mapped_column(String(64))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReminderOptInRow(Base):
    """A person asked for a private reminder before an event (`remindme`)."""

    __tablename__ = "reminder_optins"
    __table_args__ = (UniqueConstraint("event_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CancelledOccurrenceRow(Base):
    """One date of a repeating event called off; the series goes on."""

    __tablename__ = "cancelled_occurrences"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    occurrence: Mapped[str] = mapped_column(String(10), primary_key=True)
    reason: Mapped[str] = mapped_column(String(512), default="")
    cancelled_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeliveryRow(Base):
    """One message the bot sends on its own (a reminder, a "starting now" post, a notice to
    a person, a digest), recorded before it is sent so it goes out exactly once.

    ``key`` names what it is, (event, occurrence, kind, target): the same reminder planned
    twice is one row. A sender claims rows (``claimed_until`` is its lease; an expired claim
    means the sender died, and the row is taken again) and marks them sent afterwards.
    """

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_state_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    # Which occurrence of the event the message is about, as in RsvpRow.occurrence.
    occurrence: Mapped[str] = mapped_column(String(32), default="")
    kind: Mapped[str] = mapped_column(String(32))
    # Exactly one of the two: a channel post or a private message.
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[DeliveryState] = mapped_column(_enum(DeliveryState))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str] = mapped_column(String(64), default="")
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the message needs beyond the event as it is when sent (which shows the counts of
    # that moment): the occurrence's start for a reminder, the changes for a "changed"
    # notice, the reason for a cancellation.
    payload: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IdentityLinkRow(Base):
    """One identity of a person linked to their primary one (`link` / `link CODE`): answers,
    feeds and private reminders of both are the primary's. The primary has no row here."""

    __tablename__ = "identity_links"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    primary_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    # True on the one identity (at most one per primary) that private messages go to
    # instead of the primary.
    private: Mapped[bool] = mapped_column(default=False)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LinkCodeRow(Base):
    """A one-time code given by `link`, kept only as its SHA-256: confirmed once by
    `link CODE` from another network, then deleted; worthless after ``expires_at``."""

    __tablename__ = "link_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LinkFailureRow(Base):
    """A wrong `link CODE`: counted per person over a window to stop guessing."""

    __tablename__ = "link_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FeedTokenRow(Base):
    """The unguessable token in a person's "my RSVPs" calendar feed URL (`myfeed`)."""

    __tablename__ = "feed_tokens"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PollRow(Base):
    """Finding a date: a question with 2 to 10 time options, voted on from any network."""

    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    creator_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    origin_channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    timezone: Mapped[str] = mapped_column(String(64))
    # The event's other details as typed after the options (`where=Café Nero limit=20`),
    # checked when the poll was made and given to the event it turns into.
    event_fields: Mapped[str] = mapped_column(Text, default="")
    # "open", "picked" (turned into ``event_id``) or "closed".
    status: Mapped[str] = mapped_column(String(16), default="open")
    picked: Mapped[int | None] = mapped_column(Integer)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PollOptionRow(Base):
    __tablename__ = "poll_options"

    poll_id: Mapped[int] = mapped_column(
        ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True
    )
    # 1 to 10, as people vote for them (`vote 3 1 2`).
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The option as the creator wrote it.
    label: Mapped[str] = mapped_column(String(255), default="")


class PollVoteRow(Base):
    __tablename__ = "poll_votes"

    poll_id: Mapped[int] = mapped_column(
        ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PollChannelRow(Base):
    """The channels a poll was posted in: the event it turns into is linked to all of them."""

    __tablename__ = "poll_channels"

    poll_id: Mapped[int] = mapped_column(
        ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PollCardRow(Base):
    """A message showing a poll with a button per option (Telegram), updated on each vote."""

    __tablename__ = "poll_cards"
    __table_args__ = (UniqueConstraint("platform", "network", "chat_id", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    network: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(255))
    message_id: Mapped[str] = mapped_column(String(64))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BotStateRow(Base):
    """What the running bots remember about their own config, by name: e.g. the default
    reminder offsets the planned reminders were made with (storage/reminder_defaults.py).
    Not exported: it describes the config of the bots on this database, not the community's
    data (storage/transfer.py)."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
