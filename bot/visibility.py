"""Who may see an event: its details, the list of who is coming, and answering it.

Numbers are handed out in order, so anyone can guess one; what a number shows depends on
where it is asked. A group sees what is announced in it, whoever asks, since everyone there
reads the reply (a bot admin too: they can ask privately). In a private chat a person sees
what they organize or answered, and what is announced in a channel they are in on the same
network (the adapter says who is in a channel; a Telegram card's "open in a private chat"
link works for every member). Bot admins see everything privately.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.context import Context
from bot.domain import ChannelKind, Role
from bot.errors import UserError
from bot.replies import cmd
from bot.services.rsvp import missing_event
from storage import UnitOfWork
from storage.audience import Standing


async def require_event_visible(
    ctx: Context, uow: UnitOfWork, event_id: int, command: str, *, by_sender: bool = False
) -> None:
    """Refuse an event that may not be shown here. ``by_sender``: also in a group, what
    counts is whether the person asking may see it (a channel admin bringing an event
    into their channel must have seen it somewhere)."""
    message = ctx.message
    standing = await uow.audience.of_event(event_id, message.channel, message.sender)
    if standing is None:
        raise missing_event(event_id, command)
    private = by_sender or message.channel.kind is ChannelKind.DIRECT
    if await _may_see(ctx, uow, event_id, standing, private=private):
        return
    if not private:
        raise UserError(
            f"#{event_id} is not announced in this channel. See ",
            cmd("events"),
            " for the ones that are; its organizer can post it here with ",
            cmd(f"announce {event_id}"),
            ".",
        )
    if message.channel.kind is ChannelKind.GROUP:
        raise UserError(
            f"#{event_id} is announced only in channels I can't see you in, so you can't "
            "bring it here. Its organizer can, with ",
            cmd(f"announce {event_id}"),
            " here.",
        )
    raise UserError(
        f"#{event_id} is shown only in the channels it is announced in, and I can't see you "
        "in one of them. Ask there, e.g. ",
        cmd(f"{command} {event_id}"),
        ".",
    )


async def refusal_here(
    ctx: Context, uow: UnitOfWork, event_id: int, command: str
) -> UserError | None:
    """Why ``command`` on the event would be refused here, or None: for pointing at the
    event only where following the pointer works."""
    try:
        await require_event_visible(ctx, uow, event_id, command)
    except UserError as refusal:
        return refusal
    return None


@asynccontextmanager
async def changing_visible_event(
    ctx: Context, event_id: int, command: str
) -> AsyncIterator[UnitOfWork]:
    """A unit of work for changing an event (an answer, a reminder) the person may see.
    In a private chat that may mean asking the network who is in a channel: done before
    the write lock is taken, not while holding it. In a group it is one more query under
    the lock."""
    private = ctx.message.channel.kind is ChannelKind.DIRECT
    if private:
        async with ctx.database.unit_of_work(read_only=True) as uow:
            await require_event_visible(ctx, uow, event_id, command)
    async with ctx.database.unit_of_work() as uow:
        if not private:
            await require_event_visible(ctx, uow, event_id, command)
        yield uow


async def _may_see(
    ctx: Context, uow: UnitOfWork, event_id: int, standing: Standing, *, private: bool
) -> bool:
    if standing.shown_here:
        return True
    if not private:
        return False
    if standing.owner or standing.answered or ctx.bot_admin:
        return True
    sender = ctx.message.sender
    for channel in await uow.audience.event_channels(event_id):
        # Only the network the person writes from can say whether they are in a channel;
        # another would be asked about an id it does not know.
        if (
            channel.kind is ChannelKind.GROUP
            and (channel.platform, channel.network) == (sender.platform, sender.network)
            and Role.MEMBER in await ctx.outbox.roles(sender, channel)
        ):
            return True
    return False
