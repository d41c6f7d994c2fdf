"""`announce` and `unlink`: one event in more channels, one list.

An event lives in the channel it was created in and in every channel it is announced in
(table ``event_channels``); each of them gets its card, its reminders and its "starting now"
post, and every RSVP, wherever it comes from, counts against the one limit.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from bot.cards import event_card
from bot.context import Context
from bot.domain import ChannelKind, ChannelRef, EventStatus, EventView, Role
from bot.errors import UserError
from bot.language.arguments import parse_event_id
from bot.language.invocation import first_word, preferred_prefix
from bot.permissions import can_link_event
from bot.ports import Undeliverable
from bot.replies import Line, Notice, Reply, ReplyKind, cmd, line, with_prefix
from bot.services.occurrences import over_at
from bot.services.rsvp import missing_event
from bot.visibility import require_event_visible
from storage import UnitOfWork
from storage.models import EventRow
from storage.repositories import person_ref

log = logging.getLogger(__name__)

MAX_TARGETS = 10
_TELEGRAM_CHAT = re.compile(r"-?\d{1,20}")
# RFC 1459 case folding, as the IRC adapter names channels (adapters/irc/people.fold).
_IRC_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ[]\\^", "abcdefghijklmnopqrstuvwxyz{}|~")


@dataclass(frozen=True, slots=True)
class Target:
    """A channel named in the command: `irc:libera/#dev`, `telegram:-100123`."""

    platform: str
    network: str  # "": the one network of that platform that runs here
    id: str
    text: str  # as typed, for the reply

    @property
    def kind(self) -> ChannelKind:
        # A positive Telegram chat id is a person's private chat with the bot.
        if self.platform == "telegram" and not self.id.startswith("-"):
            return ChannelKind.DIRECT
        return ChannelKind.GROUP


@dataclass(frozen=True, slots=True)
class LinkArgs:
    event_id: int
    targets: tuple[Target, ...] = ()  # none: the channel the command was sent in


def parse_announce(rest: str) -> LinkArgs:
    return _parse(rest, "announce")


def parse_unlink(rest: str) -> LinkArgs:
    return _parse(rest, "unlink")


def _parse(rest: str, command: str) -> LinkArgs:
    head, tail = first_word(rest.strip())
    event_id = parse_event_id(head, command)
    targets: list[Target] = []
    for token in tail.replace("|", " ").split():
        target = _target(token, command)
        if target not in targets:
            targets.append(target)
    if len(targets) > MAX_TARGETS:
        raise UserError(f"At most {MAX_TARGETS} channels at once.", command=command)
    return LinkArgs(event_id, tuple(targets))


def _target(token: str, command: str) -> Target:
    platform, colon, where = token.partition(":")
    platform = platform.lower()
    shown = token[:40]
    if not colon or not platform or not where:
        raise UserError(
            f"'{shown}' is not a channel: write telegram:CHAT_ID or irc:NETWORK/#channel.",
            command=command,
        )
    network, slash, channel = where.rpartition("/") if "/" in where else ("", "", where)
    if platform == "telegram":
        if not _TELEGRAM_CHAT.fullmatch(channel) or (slash and not network):
            raise UserError(
                f"'{shown}' is not a Telegram chat: give the chat's number, "
                "e.g. telegram:-1001234567890.",
                command=command,
            )
        return Target(platform, network, channel, token)
    if platform == "irc":
        if not network or not channel.startswith(("#", "&")) or len(channel) < 2:
            raise UserError(
                f"'{shown}' is not an IRC channel: name the network and the channel, "
                "e.g. irc:libera/#dev.",
                command=command,
            )
        return Target(platform, network, channel.translate(_IRC_FOLD), token)
    if not network or not channel:
        raise UserError(
            f"'{shown}' is not a channel: write PLATFORM:NETWORK/CHANNEL, "
            "e.g. irc:libera/#dev or telegram:-1001234567890.",
            command=command,
        )
    return Target(platform, network, channel, token)


def _network(ctx: Context, target: Target, *, running: bool) -> str:
    """The network ``target`` is on; raises a one-line reason when it cannot be used."""
    networks = ctx.outbox.networks(target.platform)
    if target.network:
        if running and target.network not in networks:
            raise _Skip(f"no network {target.platform}:{target.network} runs here")
        return target.network
    if len(networks) == 1:
        return networks[0]
    if not networks:
        raise _Skip(f"no {target.platform} network runs here")
    raise _Skip(
        f"several {target.platform} networks run here ({', '.join(networks)}): write "
        f"{target.platform}:{networks[0]}/{target.id}"
    )


class _Skip(Exception):
    """A named channel that is left alone, with the reason shown to the person."""


def _channels(
    ctx: Context, targets: tuple[Target, ...], *, running: bool, skipped: str
) -> tuple[dict[Target, str], list[tuple[Target, ChannelRef]]]:
    """The channels ``targets`` name, and for those that cannot be used the line saying so
    (``skipped``: what happens to them, e.g. "not announced")."""
    results: dict[Target, str] = {}
    refs: list[tuple[Target, ChannelRef]] = []
    for target in targets:
        try:
            network = _network(ctx, target, running=running)
        except _Skip as skip:
            results[target] = f"{skipped}: {skip}."
            continue
        refs.append((target, ChannelRef(target.platform, network, target.id, target.kind)))
    return results, refs


# --- announce ---------------------------------------------------------------------------


async def announce(ctx: Context, args: LinkArgs) -> list[Reply]:
    if args.targets:
        return await _announce_elsewhere(ctx, args)
    if ctx.message.channel.kind is ChannelKind.DIRECT:
        raise UserError(
            "This is a private chat: run it in the group channel, or name the channels, e.g. ",
            cmd(f"announce {args.event_id} irc:libera/#dev"),
            ".",
            command="announce",
        )
    roles = await ctx.roles()
    if Role.CHANNEL_ADMIN in roles:
        # A channel admin brings here only an event they could see: one announced where
        # they are, or that they answered. (Asks the network, so not under the lock.)
        async with ctx.database.unit_of_work(read_only=True) as uow:
            await require_event_visible(ctx, uow, args.event_id, "announce", by_sender=True)
    async with ctx.database.unit_of_work() as uow:
        row = await _announceable(uow, args.event_id, ctx)
        await _require_rights(ctx, uow, row, roles, "announce", here=True)
        channel = await uow.channels.upsert(ctx.message.channel, ctx.now)
        already = await uow.events.is_linked(row.id, channel.id)
        if not already:
            await uow.events.link(row.id, channel.id, ctx.now)
            # This channel gets the event's reminders and its "starting now" from now on.
            await uow.deliveries.request_plan(row.id, ctx.now)
        view = await uow.events.view(row, now=ctx.now)
        await uow.commit()
    return [event_card(view, ctx.now, headline="Already announced here: " if already else "")]


async def _announce_elsewhere(ctx: Context, args: LinkArgs) -> list[Reply]:
    roles = await ctx.roles()
    results, reachable = _channels(ctx, args.targets, running=True, skipped="not announced")
    fresh: dict[Target, int] = {}  # newly linked: the channel's row id
    async with ctx.database.unit_of_work() as uow:
        row = await _announceable(uow, args.event_id, ctx)
        await _require_rights(ctx, uow, row, roles, "announce", here=False)
        for target, ref in reachable:
            channel = await uow.channels.upsert(ref, ctx.now)
            if not await uow.events.is_linked(row.id, channel.id):
                await uow.events.link(row.id, channel.id, ctx.now)
                fresh[target] = channel.id
        if fresh:
            await uow.deliveries.request_plan(row.id, ctx.now)
        view = await uow.events.view(row, now=ctx.now)
        await uow.commit()
    failed: list[int] = []
    for target, ref in reachable:
        reason = await post_card(ctx, view, ref)
        if reason is not None:
            if target in fresh:
                failed.append(fresh[target])
                results[target] = f"not announced: the card could not be posted ({reason})."
            else:
                results[target] = (
                    f"already announced there; the card could not be posted again ({reason})."
                )
            continue
        results[target] = (
            "announced, card posted."
            if target in fresh
            else "already announced there; card posted again."
        )
    await unlink_unreached(ctx, view.id, failed)
    lines: list[Line] = [line(f"#{view.id} {view.title}:")]
    lines += [line(f"{target.text}: {results[target]}") for target in args.targets]
    done = any(r.startswith(("announced", "already")) for r in results.values())
    return [Reply(tuple(lines), ReplyKind.TEXT if done else ReplyKind.ERROR)]


async def post_card(ctx: Context, view: EventView, ref: ChannelRef) -> str | None:
    """Post the event's card in a channel other than the one asking; None when it went
    out, else why not."""
    card = event_card(view, ctx.now)
    try:
        await ctx.outbox.send(Notice(ref, with_prefix(card, preferred_prefix(ref.platform))))
    except Undeliverable as exc:
        return str(exc)
    except Exception:
        log.exception("could not post the card of #%s to %s:%s", view.id, ref.platform, ref.id)
        return "the network said no"
    return None


async def unlink_unreached(ctx: Context, event_id: int, channel_ids: list[int]) -> None:
    """Nothing half-done: a channel the card did not reach is not left linked."""
    if not channel_ids:
        return
    async with ctx.database.unit_of_work() as uow:
        for channel_id in channel_ids:
            await uow.events.unlink(event_id, channel_id)
        await uow.deliveries.request_plan(event_id, ctx.now)
        await uow.commit()


async def _announceable(uow: UnitOfWork, event_id: int, ctx: Context) -> EventRow:
    """The event, if it may still be announced: not cancelled, not over."""
    row = await uow.events.get(event_id, for_update=True)
    if row is None:
        raise missing_event(event_id, "announce")
    if row.status is EventStatus.CANCELLED:
        raise UserError(f"#{row.id} {row.title} was cancelled, so there is nothing to announce.")
    if over_at(row, ctx.now) <= ctx.now:
        raise UserError(f"#{row.id} {row.title} is already over, so there is nothing to announce.")
    return row


async def _require_rights(
    ctx: Context,
    uow: UnitOfWork,
    row: EventRow,
    roles: frozenset[Role],
    command: str,
    *,
    here: bool,
) -> None:
    sender = ctx.message.sender
    organizer = person_ref(row.organizer)
    if not sender.verified:
        raise UserError(
            f"Only people logged in to their network's services can {command} events: "
            "anyone could use your nick. Log in and try again."
        )
    linked = await uow.identities.linked_with(sender, row.organizer_id)
    if can_link_event(sender, organizer, roles, here=here, organizer_linked=linked):
        return
    if here:
        raise UserError(
            f"Only the organizer ({row.organizer.display_name}), an admin of this channel or "
            f"a bot admin can {command} #{row.id} here."
        )
    raise UserError(
        f"Only the organizer ({row.organizer.display_name}) or a bot admin can {command} "
        f"#{row.id} in channels named from elsewhere (I can't check who is an admin there). "
        "An admin of that channel can run ",
        cmd(f"{command} {row.id}"),
        " in it.",
    )


# --- unlink ----------------------------------------------------------------------------


async def unlink(ctx: Context, args: LinkArgs) -> list[Reply]:
    roles = await ctx.roles()
    here = not args.targets
    results, usable = _channels(ctx, args.targets, running=False, skipped="left as it was")
    refs: list[tuple[Target | None, ChannelRef]] = [(None, ctx.message.channel)] if here else []
    refs += usable
    async with ctx.database.unit_of_work() as uow:
        row = await uow.events.get(args.event_id, for_update=True)
        if row is None:
            raise missing_event(args.event_id, "unlink")
        await _require_rights(ctx, uow, row, roles, "unlink", here=here)
        removed = False
        for named, ref in refs:
            channel = await uow.channels.find(ref)
            if channel is not None and channel.id == row.origin_channel_id:
                if named is None:
                    raise UserError(
                        f"#{row.id} {row.title} was created in this channel, so it stays "
                        "here. To call it off everywhere: ",
                        cmd(f"cancel {row.id}"),
                    )
                results[named] = "left as it was: the event was created there (cancel it instead)."
            elif channel is None or not await uow.events.unlink(row.id, channel.id):
                if named is None:
                    raise UserError(f"#{row.id} {row.title} is not announced here.")
                results[named] = "was not announced there."
            else:
                removed = True
                if named is not None:
                    results[named] = "no longer announced there."
        if removed:
            # The channels taken out get no more reminders or "starting now" posts.
            await uow.deliveries.request_plan(row.id, ctx.now)
        await uow.commit()
    name = f"#{row.id} {row.title}"
    if here:
        return [
            Reply(
                (
                    line(
                        f"{name} is no longer announced here: no more reminders or start post "
                        "in this channel. RSVPs already given still count."
                    ),
                )
            )
        ]
    lines = [line(f"{name}:")]
    lines += [line(f"{target.text}: {results[target]}") for target in args.targets]
    return [Reply(tuple(lines), ReplyKind.TEXT if removed else ReplyKind.ERROR)]
