"""`reopen`: undo `cancel`, so an organizer who cancelled by mistake need not make a new
event and have everyone answer again."""

from __future__ import annotations

from bot.cards import counts_text
from bot.context import Context
from bot.errors import UserError
from bot.handlers import require_manager, told_text
from bot.language.arguments import EventIdArgs, split_target
from bot.replies import Reply, line, reply
from bot.services.occurrences import ALL, day_label
from bot.services.reopen import reopen as reopen_cancelled
from bot.services.rsvp import missing_event
from bot.when import format_instant
from bot.when.recurrence import repeat_label

# Dates of a reopened series still called off on their own, named in the reply.
DAYS_SHOWN = 3


def parse_reopen(rest: str) -> EventIdArgs:
    # `12@all` is how the whole series was cancelled: undoing it may be written alike.
    event_id, occurrence, tail = split_target(rest, "reopen", whole_series=True)
    if tail:
        raise UserError(f"Unexpected '{tail[:30]}' after the event number.", command="reopen")
    return EventIdArgs(event_id, None if occurrence == ALL else occurrence)


async def reopen(ctx: Context, args: EventIdArgs) -> list[Reply]:
    async with ctx.database.unit_of_work() as uow:
        row = await uow.events.get(args.event_id, for_update=True)
        if row is None:
            raise missing_event(args.event_id, "reopen")
        await require_manager(ctx, uow, row, "reopen")
        outcome = await reopen_cancelled(
            uow, row, args.occurrence, ctx.now, ctx.message.sender, here=ctx.message.channel
        )
        card = outcome.event
        if args.occurrence is not None:
            # Cards show the next date: the date reopened may be it now.
            card = await uow.events.view(row, now=ctx.now)
    ctx.touched(card)
    view = outcome.event
    name = f"#{view.id} {view.title}"
    when = format_instant(view.starts_at, view.zone)
    if args.occurrence is None and view.repeat:
        what = (
            f"{name}, every date ({repeat_label(view.repeat)}), answers as they were. "
            f"Next: {when} · {counts_text(view)}."
        )
        if outcome.still_cancelled:
            days = [day_label(start, view.zone) for start in outcome.still_cancelled]
            more = len(days) - DAYS_SHOWN
            what += f" Still called off: {', '.join(days[:DAYS_SHOWN])}"
            what += f" and {more} more." if more > 0 else "."
    else:
        on = f" on {when}" if view.occurrence else f" ({when})"
        what = f"{name}{on}, answers as they were: {counts_text(view)}."
    return [reply(line(f"Reopened {what}"), line(told_text(len(outcome.attendees_to_tell))))]
