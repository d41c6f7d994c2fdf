"""`events` in a private chat: the upcoming events of the channels the person is in.

The channels are those of the network they write from that the network says they are in (the
rule bot/visibility.py uses for one event), and this chat itself, where they may have created
an event before announcing it. An event announced in two of them is listed once.

A bot admin, who may open any event privately, gets the same list as anyone: it is the list
of *their* channels, which an admin asks for like anyone else; every channel's events would
bury those in a bot that serves many communities, and one event is still open to them by its
number.
"""

from __future__ import annotations

import asyncio

from bot.cards import SEP, summary_line
from bot.context import Context
from bot.domain import ChannelKind, EventView, Role
from bot.paging import Paging
from bot.replies import Line, Reply, cmd, line, reply
from storage.models import ChannelRow
from storage.repositories import channel_ref

# Channels named on a line; the rest are counted ("in #dev, #ops and 2 more"): an event is
# rarely in more, and a line that lists them all would wrap.
NAMED_ON_A_LINE = 2


async def events_in_your_channels(ctx: Context, paging: Paging) -> list[Reply]:
    async with ctx.database.unit_of_work(read_only=True) as uow:
        found = await uow.channels.with_upcoming_events(ctx.message.channel, ctx.now)
    # Asked with no unit of work open: on Telegram each channel is an HTTP call, which must
    # hold neither a lock nor a database connection.
    places = await _yours(ctx, found)
    views: list[EventView] = []
    total = 0
    announced: dict[int, list[ChannelRow]] = {}
    if places:
        async with ctx.database.unit_of_work(read_only=True) as uow:
            ids = [place.id for place in places]
            views, total = await uow.events.upcoming(ids, ctx.now, paging.size, paging.offset)
            if len(places) > 1 and views:
                announced = await uow.channels.linked_to_each([view.id for view in views])
    if not total:
        return [_nothing()]
    # With one place the heading names it; with more, each line does.
    where = f"in {_name(places[0])}" if len(places) == 1 else "in your channels"
    if paging.past_the_end(total):
        raise paging.no_such_page(total, f"upcoming events {where}")
    lines = [paging.heading(f"Upcoming events {where}", total)]
    if len(places) == 1:
        lines += [summary_line(view, ctx.now) for view in views]
    else:
        yours = {place.id for place in places}
        for view in views:
            linked = [channel for channel in announced.get(view.id, []) if channel.id in yours]
            lines.append(_with_places(summary_line(view, ctx.now), linked))
    lines += paging.next_page(total)
    return [reply(*lines)]


async def _yours(ctx: Context, found: list[ChannelRow]) -> list[ChannelRow]:
    """Of ``found``, the groups the network says the sender is in, and this chat. Asked all
    at once: one at a time, a Telegram user in 20 groups would wait for 20 round trips."""
    sender = ctx.message.sender
    groups = [row for row in found if row.kind is ChannelKind.GROUP]
    roles = await asyncio.gather(*(ctx.outbox.roles(sender, channel_ref(row)) for row in groups))
    members = [row for row, held in zip(groups, roles, strict=True) if Role.MEMBER in held]
    return members + [row for row in found if row.kind is ChannelKind.DIRECT]


def _name(place: ChannelRow) -> str:
    """`#dev`, a Telegram group's title, or "this chat". The network goes unsaid: they are
    all on the one the person writes from."""
    if place.kind is ChannelKind.DIRECT:
        return "this chat"
    return place.title or place.external_id


def _with_places(summary: Line, linked: list[ChannelRow]) -> Line:
    """The summary, then where it is announced: the groups, by name, so that two lines
    naming the same groups read alike; this chat only when it is in none of them."""
    groups = [channel for channel in linked if channel.kind is ChannelKind.GROUP]
    names = sorted((_name(channel) for channel in groups or linked), key=str.casefold)
    if not names:  # unlinked between the two queries (PostgreSQL reads each afresh)
        return summary
    shown = ", ".join(names[:NAMED_ON_A_LINE])
    if len(names) > NAMED_ON_A_LINE:
        shown += f" and {len(names) - NAMED_ON_A_LINE} more"
    return line(*summary, f"{SEP}in {shown}")


def _nothing() -> Reply:
    return reply(
        line(
            "No upcoming events in the channels we share. Ask in a channel with ",
            cmd("events"),
            ", or create one there: ",
            cmd("newevent Coffee | tomorrow 18:00 | Café Nero"),
        )
    )
