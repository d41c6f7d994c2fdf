"""`notify`: the organizer's message to everyone coming, sent to each of them privately.

Written as deliveries in the same transaction as the check that allowed it, so each person
gets it exactly once, retried while their network cannot take it, and not at all once the
event is over or cancelled (see the dispatcher's `_compose`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import Context
from bot.domain import RsvpStatus
from bot.errors import UserError
from bot.handlers import require_manager
from bot.language.arguments import split_target
from bot.language.text import is_blank
from bot.permissions import same_person
from bot.replies import Reply, line, reply
from bot.scheduler.messages import message_payload
from bot.services.events import coming_to
from bot.services.occurrences import choose
from bot.services.rsvp import open_event
from bot.when import format_instant
from storage.deliveries import MESSAGE

# Long enough for a paragraph of news; a notice that long is still one screen on IRC.
MAX_MESSAGE = 500
# Lines of a message kept (a Telegram message may have many; IRC sends each as a line).
MAX_LINES = 6


@dataclass(frozen=True, slots=True)
class NotifyArgs:
    event_id: int
    occurrence: str | None  # `12@2026-12-12`: the people coming on that date of a series
    text: str


def parse_notify(rest: str) -> NotifyArgs:
    event_id, occurrence, text = split_target(rest, "notify")
    lines = [part.strip() for part in text.split("\n") if not is_blank(part)]
    if not lines:
        raise UserError(
            "What should I tell them? Write it after the event number.", command="notify"
        )
    text = "\n".join(lines)
    if len(text) > MAX_MESSAGE:
        raise UserError(
            f"The message is too long ({len(text)} characters, at most {MAX_MESSAGE}).",
            command="notify",
        )
    if len(lines) > MAX_LINES:
        raise UserError(
            f"The message has {len(lines)} lines; at most {MAX_LINES}.", command="notify"
        )
    return NotifyArgs(event_id, occurrence, text)


async def notify(ctx: Context, args: NotifyArgs) -> list[Reply]:
    sender = ctx.message.sender
    async with ctx.database.unit_of_work() as uow:
        row = await open_event(uow, args.event_id, ctx.now, "notify")
        await require_manager(ctx, uow, row, "notify")
        if args.occurrence is None:
            # Of a series: everyone coming on any date still ahead.
            key = ""
            coming = await coming_to(uow, row, ctx.now)
        else:
            series = await uow.events.view(row, now=ctx.now)
            cancelled = await uow.events.cancelled_occurrences(row.id)
            key = choose(series, args.occurrence, cancelled, ctx.now, "notify")
            coming = [
                a.person
                for a in await uow.rsvps.attendees(row.id, key)
                if a.status is not RsvpStatus.NOT_GOING
            ]
        tell = [person for person in coming if not same_person(person, sender)]
        view = await uow.events.view(row, key or None, now=ctx.now)
        name = f"#{view.id} {view.title}"
        if key:
            name += f" on {format_instant(view.starts_at, view.zone)}"
        if not tell:
            return [reply(line(f"Nobody else has said yes or maybe to {name} yet: nothing sent."))]
        payload = message_payload(sender.display, args.text)
        await uow.deliveries.notify(row.id, key, MESSAGE, tell, ctx.now, payload)
        await uow.commit()
    people = f"{len(tell)} {'person' if len(tell) == 1 else 'people'}"
    return [
        reply(
            line(f"Sending your message about {name} to {people} privately."),
            line("Everyone who said yes or maybe, or is on the waitlist, gets it once."),
        )
    ]
