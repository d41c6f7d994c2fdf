"""The boundary between the core and the networks."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.domain import ChannelRef, Choice, EventView, IncomingMessage, PollView, Role, UserRef
from bot.replies import Notice, Reply

log = logging.getLogger(__name__)

# What an adapter calls for every message; it sends the returned replies back where the
# message came from.
MessageHandler = Callable[[IncomingMessage], Awaitable[list[Reply]]]


class CoreApi(Protocol):
    """What adapters may ask of the core."""

    async def handle(self, message: IncomingMessage) -> list[Reply]:
        """Run the command in ``message``; the replies go back where it came from."""
        ...

    async def press(
        self, sender: UserRef, channel: ChannelRef, event_id: int, choice: Choice
    ) -> str:
        """An RSVP button; returns a short answer for the person who pressed it."""
        ...

    async def remember_card(self, channel: ChannelRef, message_id: str, event_id: int) -> None:
        """A card of ``event_id`` was posted as ``message_id`` in ``channel``."""
        ...

    async def settled(self) -> None:
        """Return once the notices and reminders due now have been sent."""
        ...

    async def cards_of(self, event_id: int, platform: str, network: str) -> list[tuple[str, str]]:
        """(chat id, message id) of the event's cards on one network."""
        ...

    def event_card(self, event: EventView, platform: str) -> Reply:
        """The card of ``event`` as that network shows it (with its command prefix)."""
        ...

    async def vote(self, sender: UserRef, channel: ChannelRef, poll_id: int, position: int) -> str:
        """A poll card's button: toggles a vote; returns a short answer for the presser."""
        ...

    async def remember_poll_card(self, channel: ChannelRef, message_id: str, poll_id: int) -> None:
        """A card of ``poll_id`` was posted as ``message_id`` in ``channel``."""
        ...

    async def poll_cards_of(
        self, poll_id: int, platform: str, network: str
    ) -> list[tuple[str, str]]:
        """(chat id, message id) of the poll's cards on one network."""
        ...

    def poll_card(self, poll: PollView, platform: str) -> Reply:
        """The card of ``poll`` as that network shows it (with its command prefix)."""
        ...


class Adapter(Protocol):
    """A network connection. It translates; it holds no business rules."""

    @property
    def platform(self) -> str: ...

    @property
    def network(self) -> str: ...

    async def start(self, core: CoreApi) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, target: UserRef | ChannelRef, reply: Reply) -> None:
        """Deliver a reply to a channel, or privately to a person; raise Undeliverable (or
        any error) when it surely did not go out, and return when it did or may have: the
        scheduler sends again only what raised."""
        ...

    async def roles(self, user: UserRef, channel: ChannelRef) -> frozenset[Role]:
        """Platform roles of ``user`` in ``channel`` (chat admin, channel operator)."""
        ...

    async def event_changed(self, event: EventView) -> None:
        """Counts or details of ``event`` changed: refresh whatever shows it (cards)."""
        ...

    def problem(self) -> str | None:
        """None while connected and serving; otherwise what is wrong, in a few words
        (`/healthz`)."""
        ...

    async def poll_changed(self, poll: PollView) -> None:
        """Votes or the state of ``poll`` changed: refresh whatever shows it (cards)."""
        ...


class Undeliverable(Exception):
    """A network could not deliver a notice. ``retry`` says whether trying later may work
    (the connection is down, the person is offline) or not (they blocked the bot)."""

    def __init__(self, reason: str, *, retry: bool) -> None:
        super().__init__(reason)
        self.retry = retry


class Outbox:
    """Reaches the networks for the core and the scheduler, picking the adapter by
    platform and network."""

    def __init__(self) -> None:
        self._adapters: dict[tuple[str, str], Adapter] = {}

    def register(self, adapter: Adapter) -> None:
        self._adapters[(adapter.platform, adapter.network)] = adapter

    def networks(self, platform: str) -> list[str]:
        """The networks of ``platform`` that run here, in the order they were registered."""
        return [network for kind, network in self._adapters if kind == platform]

    def _adapter(self, target: UserRef | ChannelRef) -> Adapter | None:
        return self._adapters.get((target.platform, target.network))

    async def send(self, notice: Notice) -> None:
        """Deliver a notice, or raise (Undeliverable, or the adapter's own error)."""
        adapter = self._adapter(notice.target)
        if adapter is None:
            # Kept for later: the network may be back in the config after a restart.
            raise Undeliverable(
                f"no network {notice.target.platform}:{notice.target.network} is running",
                retry=True,
            )
        await adapter.send(notice.target, notice.reply)

    async def event_changed(self, event: EventView) -> None:
        """Tell every network; one failing network does not keep the others stale."""
        for adapter in self._adapters.values():
            try:
                await adapter.event_changed(event)
            except Exception:
                log.exception(
                    "could not refresh event #%s on %s:%s",
                    event.id,
                    adapter.platform,
                    adapter.network,
                )

    async def poll_changed(self, poll: PollView) -> None:
        """As event_changed, for a poll's cards."""
        for adapter in self._adapters.values():
            try:
                await adapter.poll_changed(poll)
            except Exception:
                log.exception(
                    "could not refresh poll %s on %s:%s", poll.id, adapter.platform, adapter.network
                )

    async def roles(self, user: UserRef, channel: ChannelRef) -> frozenset[Role]:
        adapter = self._adapter(channel)
        return frozenset() if adapter is None else await adapter.roles(user, channel)
