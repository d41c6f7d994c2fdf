"""The core: one entry point for every message from every network."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from bot import handlers, polls
from bot.cards import event_card
from bot.commands import UnknownCommand, dated, find, parse_command
from bot.config import BotSection, WebSection
from bot.context import Context
from bot.domain import (
    ChannelKind,
    ChannelRef,
    Choice,
    EventView,
    IncomingMessage,
    PollView,
    UserRef,
)
from bot.errors import UserError
from bot.guided import DraftKey, Drafts, key_of
from bot.health import Health
from bot.language.invocation import preferred_prefix, split_invocation
from bot.language.text import clean_input
from bot.logs import name_command
from bot.metrics import COMMANDS
from bot.polls.cards import poll_card
from bot.ports import Outbox
from bot.replies import Reply, ReplyKind, cmd, line, with_prefix
from storage import Database
from storage.database import unreachable

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# The answer while the database is down (restarting, cut off). "Nothing was changed" holds
# but for one rare case: the connection dropping just after the server received COMMIT,
# which no client can tell apart from a COMMIT that never arrived.
DATABASE_UNREACHABLE = (
    "I can't reach my database right now; nothing was changed. Please try again in a minute."
)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Core:
    """Parses a message, runs its command in a unit of work, and returns neutral replies for
    the adapter to send back; what it tells other people is written down as deliveries, for
    the scheduler to send."""

    def __init__(
        self,
        database: Database,
        settings: BotSection,
        outbox: Outbox,
        clock: Clock = utc_now,
        *,
        web: WebSection | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.web = web
        self.outbox = outbox
        self._clock = clock
        self.drafts = Drafts()
        # Set by running_bot once every part has started (`/healthz` reads it), and the
        # scheduler's wait for what is due now to be sent (the console's, see settled()).
        self.health: Health | None = None
        self.deliveries_settled: Callable[[], Awaitable[None]] | None = None
        # Where each event's cards are, per network: read from the database once, then kept
        # in step by remember_card, so refreshing cards after an RSVP costs no query. Cards
        # of a network are posted only by the process that runs its adapter, this one.
        self._cards: dict[tuple[int, str, str], tuple[tuple[str, str], ...]] = {}
        self._cards_remembered = 0  # remember_card calls so far; see cards_of

    async def handle(self, message: IncomingMessage) -> list[Reply]:
        prefix = preferred_prefix(message.channel.platform)
        draft = key_of(message.channel, message.sender)
        if self.drafts.active(draft, self._clock()) is not None:
            answered = await self._guided(message, draft, prefix)
            if answered is not None:
                return answered
        try:
            parsed = parse_command(message.text, message.bot_name)
        except UnknownCommand as exc:
            answer = (
                message.addressed
                or exc.invocation.named_bot
                or message.channel.kind is ChannelKind.DIRECT
            )
            # In a shared group other bots' commands are none of our business, unless it
            # looks like a typo of ours.
            if not answer and exc.suggestion is None:
                return []
            return [with_prefix(_error(exc, self._clock()), prefix)]
        except UserError as exc:
            return [with_prefix(_error(exc, self._clock()), prefix)]
        if parsed is None:
            if message.addressed:
                return [
                    with_prefix(Reply((line("I answer commands: try ", cmd("help"), "."),)), prefix)
                ]
            return []
        spec, args = parsed.spec, parsed.args
        return await self._run(message, spec.name, lambda ctx: spec.handler(ctx, args), prefix)

    async def _guided(
        self, message: IncomingMessage, draft: DraftKey, prefix: str
    ) -> list[Reply] | None:
        """In a guided `newevent`: plain text answers the question and a bare `cancel`
        stops it; any other command runs as usual (None)."""
        text = clean_input(message.text)
        invocation = split_invocation(text, message.bot_name)
        if invocation is None:
            return await self._run(
                message, "newevent", lambda ctx: handlers.continue_newevent(ctx, text), prefix
            )
        if invocation.name == "cancel" and not invocation.rest:
            self.drafts.drop(draft)
            return [with_prefix(Reply((line("Okay, no new event."),)), prefix)]
        return None

    async def _run(
        self,
        message: IncomingMessage,
        name: str,
        call: Callable[[Context], Awaitable[list[Reply]]],
        prefix: str,
    ) -> list[Reply]:
        """Run one command in its own context; what it changed is announced afterwards."""
        context = self._context(message)
        channel = message.channel
        name_command(f"{channel.platform}:{channel.network}", channel.id, name)
        try:
            replies = await call(context)
            outcome = "ok"
        except UserError as exc:
            replies, outcome = [_error(exc, context.now)], "refused"
        except Exception as exc:
            if unreachable(exc):
                # An outage, not a bug: say so, and spare the log a traceback per command.
                # The error's name only: its text may quote the statement's parameters,
                # which hold what people typed.
                log.warning(
                    "command %s failed: the database is unreachable (%s)",
                    name,
                    type(exc).__name__,
                )
                replies = [Reply((line(DATABASE_UNREACHABLE),), ReplyKind.ERROR)]
            else:
                log.exception("command %s failed", name)
                replies = [_failure()]
            outcome = "failed"
        log.info("command %s: %s", name, outcome)
        COMMANDS.labels(f"{channel.platform}:{channel.network}", name, outcome).inc()
        await self._deliver(context)
        return [with_prefix(r, prefix) for r in replies]

    def _context(self, message: IncomingMessage) -> Context:
        return Context(
            message,
            self._clock(),
            self.database,
            self.settings,
            self.outbox,
            self.drafts,
            self.web,
        )

    async def settled(self) -> None:
        """Return once the notices and reminders due now have been sent."""
        if self.deliveries_settled is not None:
            await self.deliveries_settled()

    async def press(
        self, sender: UserRef, channel: ChannelRef, event_id: int, choice: Choice
    ) -> str:
        """An RSVP button pressed on a card; returns the short answer for the presser."""
        return await self._button(
            sender,
            channel,
            lambda ctx: handlers.press(ctx, event_id, choice),
            f"{choice.value} for #{event_id}",
        )

    async def vote(self, sender: UserRef, channel: ChannelRef, poll_id: int, position: int) -> str:
        """A vote button pressed on a poll card; returns the short answer for the presser."""
        return await self._button(
            sender,
            channel,
            lambda ctx: polls.press(ctx, poll_id, position),
            f"vote {position} in poll {poll_id}",
        )

    async def _button(
        self,
        sender: UserRef,
        channel: ChannelRef,
        call: Callable[[Context], Awaitable[str]],
        what: str,
    ) -> str:
        message = IncomingMessage(sender, channel, text="", sent_at=self._clock())
        context = self._context(message)
        name_command(f"{channel.platform}:{channel.network}", channel.id, "button")
        try:
            answer = await call(context)
        except UserError as exc:
            # With the network's prefix: "See /events", not "See events".
            refusal = Reply((exc.line,), ReplyKind.ERROR)
            answer = with_prefix(refusal, preferred_prefix(channel.platform)).plain_text
        except Exception as exc:
            if unreachable(exc):
                log.warning(
                    "button %s failed: the database is unreachable (%s)", what, type(exc).__name__
                )
                answer = DATABASE_UNREACHABLE
            else:
                log.exception("button %s failed", what)
                answer = "Sorry, that didn't work. Please try again."
        await self._deliver(context)
        return answer

    async def remember_poll_card(self, channel: ChannelRef, message_id: str, poll_id: int) -> None:
        async with self.database.unit_of_work() as uow:
            await uow.poll_cards.remember(
                poll_id, channel.platform, channel.network, channel.id, message_id, self._clock()
            )
            await uow.commit()

    async def poll_cards_of(
        self, poll_id: int, platform: str, network: str
    ) -> list[tuple[str, str]]:
        # Not cached as event cards are: a vote is far rarer than an RSVP.
        async with self.database.unit_of_work(read_only=True) as uow:
            return await uow.poll_cards.of(poll_id, platform, network)

    def poll_card(self, poll: PollView, platform: str) -> Reply:
        return with_prefix(poll_card(poll), preferred_prefix(platform))

    async def remember_card(self, channel: ChannelRef, message_id: str, event_id: int) -> None:
        async with self.database.unit_of_work() as uow:
            await uow.cards.remember(
                event_id, channel.platform, channel.network, channel.id, message_id, self._clock()
            )
            await uow.commit()
        self._cards_remembered += 1
        key = (event_id, channel.platform, channel.network)
        cached = self._cards.get(key)
        if cached is not None and (channel.id, message_id) not in cached:
            self._cards[key] = (*cached, (channel.id, message_id))

    async def cards_of(self, event_id: int, platform: str, network: str) -> list[tuple[str, str]]:
        key = (event_id, platform, network)
        cached = self._cards.get(key)
        if cached is None:
            remembered = self._cards_remembered
            async with self.database.unit_of_work(read_only=True) as uow:
                cached = tuple(await uow.cards.of(event_id, platform, network))
            # A card remembered while this read ran may be missing from it: keep it only
            # if none was.
            if remembered == self._cards_remembered:
                self._cards[key] = cached
        return list(cached)

    def event_card(self, event: EventView, platform: str) -> Reply:
        return with_prefix(event_card(event, self._clock()), preferred_prefix(platform))

    async def _deliver(self, context: Context) -> None:
        """After the handler committed: fresh counts to every network."""
        for event in context.changed.values():
            await self.outbox.event_changed(event)
        for poll in context.changed_polls.values():
            await self.outbox.poll_changed(poll)


def _error(exc: UserError, now: datetime) -> Reply:
    lines = [exc.line]
    spec = find(exc.command) if exc.command else None
    if spec is not None:
        example = dated(spec.examples[0], now.date())
        lines.append(line("Usage: ", cmd(spec.usage_line), " · e.g. ", cmd(example)))
    return Reply(tuple(lines), ReplyKind.ERROR)


def _failure() -> Reply:
    return Reply(
        (
            line(
                "Sorry, something went wrong on my side and nothing was changed. "
                "Please try again in a moment."
            ),
        ),
        ReplyKind.ERROR,
    )
