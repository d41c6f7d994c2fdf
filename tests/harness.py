"""A chat harness for the core: say a line as someone, get back what they would read.

Works like errbot's test backend: no network, the real core and the real database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from adapters.console.render import render_plain
from bot.config import BotSection, WebSection
from bot.core import Core
from bot.domain import (
    ChannelKind,
    ChannelRef,
    EventView,
    IncomingMessage,
    PollView,
    Role,
    UserRef,
)
from bot.ports import CoreApi, Outbox
from bot.replies import Reply
from bot.scheduler import Dispatcher
from storage import Database

# A fixed "now" so tests can speak of "tomorrow" and know the answer: Sat 2026-11-21 12:00 UTC.
START = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class FakeNetwork:
    """An adapter that records what it is asked to send and reports the roles it is told."""

    platform: str = "test"
    network: str = "net"
    sent: list[tuple[UserRef | ChannelRef, Reply]] = field(default_factory=list)
    channel_admins: set[tuple[str, str]] = field(default_factory=set)  # (user id, channel id)
    # Everyone is in every channel but these (user id, channel id).
    absent: set[tuple[str, str]] = field(default_factory=set)
    changed: list[EventView] = field(default_factory=list)  # refreshes asked for, in order
    polls_changed: list[PollView] = field(default_factory=list)

    async def start(self, core: CoreApi) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def send(self, target: UserRef | ChannelRef, reply: Reply) -> None:
        self.sent.append((target, reply))

    async def event_changed(self, event: EventView) -> None:
        self.changed.append(event)

    def problem(self) -> str | None:
        return None

    async def poll_changed(self, poll: PollView) -> None:
        self.polls_changed.append(poll)

    async def roles(self, user: UserRef, channel: ChannelRef) -> frozenset[Role]:
        if (user.id, channel.id) in self.absent:
            return frozenset()
        if (user.id, channel.id) in self.channel_admins:
            return frozenset({Role.CHANNEL_ADMIN, Role.MEMBER})
        return frozenset({Role.MEMBER})

    def sent_to(self, user_id: str) -> list[str]:
        return [render_plain(r) for t, r in self.sent if isinstance(t, UserRef) and t.id == user_id]

    def posted_in(self, channel: str) -> list[str]:
        """What the bot posted on its own in ``channel`` (reminders, start posts)."""
        return [
            render_plain(r) for t, r in self.sent if isinstance(t, ChannelRef) and t.id == channel
        ]


async def start_soon(database: Database, event_id: int, after: timedelta) -> datetime:
    """Move an event's start to ``after`` from now on the real clock and re-plan it, as if it
    had been created that way: a person types minutes at the finest, tests want seconds.
    Returns the new start."""
    starts_at = datetime.now(UTC) + after
    async with database.unit_of_work() as uow:
        event = await uow.events.get(event_id)
        assert event is not None
        event.starts_at = starts_at
        await uow.deliveries.request_plan(event_id, datetime.now(UTC))
        await uow.commit()
    return starts_at


class Chat:
    """`await chat.say("!rsvp 1", "bob")` returns the plain text bob would read."""

    def __init__(
        self,
        database: Database,
        *,
        timezone: str = "UTC",
        admins: tuple[str, ...] = (),
        clock: Clock | None = None,
        digest: str = "",
        reminders: tuple[str, ...] = ("1d", "1h"),
        web: WebSection | None = None,
    ) -> None:
        self.clock = clock or Clock()
        self.network = FakeNetwork()
        # A second network for what crosses networks (linked channels and identities, polls):
        # `say(..., on="other")`.
        self.other = FakeNetwork("other", "net2")
        outbox = Outbox()
        outbox.register(self.network)
        outbox.register(self.other)
        settings = BotSection(timezone=timezone, admins=admins, digest=digest, reminders=reminders)
        self.core = Core(database, settings, outbox, self.clock, web=web)
        # Not started: `deliver` runs what is due by the chat's clock, as the bot's scheduler
        # would at that moment. Like the bot's, it is woken when a command plans something.
        self.dispatcher = Dispatcher(database, outbox, settings, self.clock)
        self._woken = False
        database.on_planned = self._wake

    def _on(self, on: str) -> FakeNetwork:
        return self.other if on == "other" else self.network

    def user(self, name: str, *, verified: bool = True, on: str = "test") -> UserRef:
        network = self._on(on)
        return UserRef(network.platform, network.network, f"id-{name}", name, verified)

    def channel(
        self, name: str = "#main", kind: ChannelKind = ChannelKind.GROUP, *, on: str = "test"
    ) -> ChannelRef:
        network = self._on(on)
        return ChannelRef(network.platform, network.network, name, kind, name)

    async def replies(
        self,
        text: str,
        who: str = "alice",
        *,
        channel: str = "#main",
        verified: bool = True,
        addressed: bool = False,
        kind: ChannelKind = ChannelKind.GROUP,
        on: str = "test",
    ) -> list[Reply]:
        message = IncomingMessage(
            sender=self.user(who, verified=verified, on=on),
            channel=self.channel(channel, kind, on=on),
            text=text,
            sent_at=self.clock.now,
            addressed=addressed,
            bot_name="GatherBot",
        )
        replies = await self.core.handle(message)
        if self._woken:
            self._woken = False
            await self.deliver()
        return replies

    async def posts_at(self, moment: datetime, channel: str = "#main") -> list[str]:
        """Move the clock to ``moment``, send what is due, return what the bot posted in
        ``channel`` on its own meanwhile."""
        before = len(self.network.posted_in(channel))
        self.clock.now = moment
        await self.deliver()
        return self.network.posted_in(channel)[before:]

    def _wake(self, when: datetime) -> None:
        self._woken = True

    async def deliver(self) -> int:
        """Send whatever is due now (notices at once, reminders when the clock gets there)."""
        return await self.dispatcher.run_due()

    async def say(self, text: str, who: str = "alice", **kwargs: object) -> str:
        replies = await self.replies(text, who, **kwargs)  # type: ignore[arg-type]
        return "\n".join(render_plain(r) for r in replies)

    def make_channel_admin(self, who: str, channel: str = "#main") -> None:
        self.network.channel_admins.add((f"id-{who}", channel))

    def leave(self, who: str, channel: str = "#main", *, on: str = "test") -> None:
        """``who`` is not in ``channel`` (everyone is in every channel until told)."""
        self._on(on).absent.add((f"id-{who}", channel))
