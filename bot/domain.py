"""Neutral types shared by the core, the storage layer and every adapter.

Nothing here knows about a network: an adapter turns its updates into these types and
renders replies built from them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


class EventStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    # Never stored: an event is past once its end (or start) has gone by, see EventView.status.
    PAST = "past"


class RsvpStatus(enum.StrEnum):
    GOING = "going"
    MAYBE = "maybe"
    NOT_GOING = "not_going"
    WAITLISTED = "waitlisted"


class DeliveryState(enum.StrEnum):
    """Where a message the bot sends on its own stands (see storage.models.DeliveryRow)."""

    PENDING = "pending"
    CLAIMED = "claimed"  # a sender is on it; taken again once its claim expires
    SENT = "sent"
    SKIPPED = "skipped"  # not sent on purpose: too late, superseded, event gone
    FAILED = "failed"  # given up after retries


class Choice(enum.StrEnum):
    """What a card's button says (Telegram's Going / Maybe / Can't / +1 guest / Remind me)."""

    GOING = "going"
    MAYBE = "maybe"
    NOT_GOING = "not_going"
    PLUS_ONE = "plus_one"
    REMIND = "remind"


class ChannelKind(enum.StrEnum):
    GROUP = "group"
    DIRECT = "direct"


class Role(enum.StrEnum):
    """What a person may be, seen from one channel."""

    # Listed in the config's [bot] admins: may manage everything everywhere.
    ADMIN = "admin"
    # Reported by the adapter: Telegram chat admin, IRC channel operator, console --admin.
    CHANNEL_ADMIN = "channel_admin"
    # Reported by the adapter: in the channel now (a Telegram chat member, on an IRC
    # channel's member list). May see what is announced there, also in a private chat.
    MEMBER = "member"


@dataclass(frozen=True, slots=True)
class UserRef:
    """A person on one network.

    ``id`` is stable on that network (a Telegram user id, an IRC services account): never a
    bare nick or display name, which anyone can take.
    """

    platform: str
    network: str
    id: str
    display: str
    # False for identities a network cannot vouch for (an IRC user without an account).
    verified: bool = True

    @property
    def key(self) -> str:
        """The ``platform:network:id`` form used in the config's admin list."""
        return f"{self.platform}:{self.network}:{self.id}"


@dataclass(frozen=True, slots=True)
class ChannelRef:
    platform: str
    network: str
    id: str
    kind: ChannelKind = ChannelKind.GROUP
    title: str = ""

    @property
    def label(self) -> str:
        return self.title or self.id


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    sender: UserRef
    channel: ChannelRef
    text: str
    sent_at: datetime
    message_id: str = ""
    # True when the message was meant for the bot whatever its form: a private chat, a
    # mention, or a console line. Decides whether unknown commands get an answer.
    addressed: bool = False
    # The bot's own name on that network, so `/cmd@BotName` and `botnick: cmd` are recognised.
    bot_name: str = ""


@dataclass(frozen=True, slots=True)
class Counts:
    going: int = 0  # people with status going
    seats: int = 0  # going people plus their guests: what capacity is measured against
    waitlisted: int = 0
    maybe: int = 0
    not_going: int = 0


# An event given no end is taken to last this long: until then people may still answer it,
# and `events`, `myevents` and the pages still list it (a meetup at 18:00 is not over at
# 18:01 for whoever is running late).
OPEN_ENDED = timedelta(hours=2)


def length_of(starts_at: datetime, ends_at: datetime | None) -> timedelta:
    """How long an event (each date of a series) lasts; OPEN_ENDED when it has no end."""
    return OPEN_ENDED if ends_at is None else ends_at - starts_at


@dataclass(frozen=True, slots=True)
class EventView:
    """A read-only picture of an event, the way replies and adapters see it."""

    id: int
    title: str
    starts_at: datetime  # aware, UTC
    ends_at: datetime | None  # aware, UTC
    timezone: str
    venue: str
    url: str
    description: str
    capacity: int | None
    stored_status: EventStatus
    organizer: UserRef
    counts: Counts = field(default_factory=Counts)
    reminders: tuple[timedelta, ...] | None = None
    repeat: str = ""
    cancel_reason: str = ""
    # A repeating event is seen one occurrence at a time: ``starts_at``, ``ends_at`` and
    # ``counts`` are that occurrence's, ``occurrence`` is its key (its local date, see
    # bot.when.recurrence), and ``stored_status`` is CANCELLED when that date is called off.
    # "" for an event that happens once.
    occurrence: str = ""
    # The series' first start (as stored), for working out its other dates; None when the
    # event happens once.
    first_starts_at: datetime | None = None
    # The series has an occurrence after this one: it is not over when this one is.
    continues: bool = False

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def target(self) -> str:
        """How commands name this event (this date of a series): `12` or `12@2026-12-12`."""
        return f"{self.id}@{self.occurrence}" if self.occurrence else str(self.id)

    def status(self, now: datetime) -> EventStatus:
        if self.stored_status is EventStatus.CANCELLED:
            return EventStatus.CANCELLED
        if self.over_at <= now and not self.continues:
            return EventStatus.PAST
        return EventStatus.SCHEDULED

    @property
    def over_at(self) -> datetime:
        """When this event (this date of a series) is over: its end, or OPEN_ENDED after
        its start."""
        return self.starts_at + length_of(self.starts_at, self.ends_at)

    @property
    def seats_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.counts.seats, 0)


@dataclass(frozen=True, slots=True)
class Attendee:
    person: UserRef
    status: RsvpStatus
    guests: int
    note: str
    # Position on the waitlist, 1 for the head; 0 for anyone not waitlisted.
    position: int = 0


class PollStatus(enum.StrEnum):
    OPEN = "open"
    PICKED = "picked"  # turned into an event (PollView.event_id)
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class PollOption:
    """One time a poll offers, with who voted for it."""

    position: int  # 1 to 10, as people vote for it
    starts_at: datetime  # aware, UTC
    ends_at: datetime | None
    voters: tuple[UserRef, ...] = ()


@dataclass(frozen=True, slots=True)
class PollView:
    """A read-only picture of a date poll, the way replies and adapters see it."""

    id: int
    title: str
    timezone: str
    status: PollStatus
    creator: UserRef
    options: tuple[PollOption, ...]
    picked: int | None = None  # the option turned into an event
    event_id: int | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def leaders(self) -> frozenset[int]:
        """Positions with the most votes (ties share the lead); none before the first vote."""
        most = max(len(option.voters) for option in self.options)
        return frozenset(o.position for o in self.options if most and len(o.voters) == most)
