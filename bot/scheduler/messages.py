"""What the bot says on its own: reminders, "starting now", and notices to people.

Written when sent, from the event as it is then: the counts are current and "starts in"
is measured from the moment of sending, so a reminder sent late after a restart says so
honestly.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from bot.cards import counts_text, summary_line, when_text
from bot.domain import ChannelRef, EventView, UserRef
from bot.replies import Reply, ReplyKind, bold, cmd, line, reply
from bot.when import format_relative
from bot.when.recurrence import repeat_label


def starts_in(event: EventView, now: datetime) -> str:
    """`in 1 h`, not `in 59 min` for a reminder sent a second after its time."""
    ahead = event.starts_at - now
    rounded = timedelta(minutes=round(ahead.total_seconds() / 60))
    return format_relative(event.starts_at, event.starts_at - rounded)


def reminder(event: EventView, now: datetime, target: UserRef | ChannelRef) -> Reply:
    """In a channel: how to come along; in private: how to stop these."""
    private = isinstance(target, UserRef)
    whom = f"Reminder, {target.display}: " if isinstance(target, UserRef) else "Reminder: "
    where = f" · {event.venue}" if event.venue else ""
    lines = [
        line(whom, bold(f"#{event.id} {event.title}"), f" starts {starts_in(event, now)}."),
        line(when_text(event), where, " · ", counts_text(event)),
    ]
    if private:
        lines.append(line("No more of these: ", cmd(f"remindme {event.id} off")))
    elif event.seats_left != 0:
        lines.append(line("Coming? ", cmd(f"rsvp {event.id}")))
    return Reply(tuple(lines), ReplyKind.NOTICE, event)


def starting_now(event: EventView) -> Reply:
    where = f" at {event.venue}" if event.venue else ""
    return reply(
        line("Starting now: ", bold(f"#{event.id} {event.title}"), f"{where}."),
        line(counts_text(event)),
        kind=ReplyKind.NOTICE,
        event=event,
    )


def promoted(event: EventView, now: datetime, person: UserRef, guests: str = "") -> Reply:
    """``guests``: how many the person brings ("" for none), all of whom have a seat now."""
    seats = (
        f"seats opened up and you're now going with +{guests}"
        if guests
        else "a seat opened up and you're now going"
    )
    return reply(
        line(f"Good news, {person.display}: {seats} to #{event.id} {event.title}."),
        summary_line(event, now),
        kind=ReplyKind.NOTICE,
    )


def changed(event: EventView, now: datetime, changes: str) -> Reply:
    """``changes``: what changed, then on lines of their own what it did to the person's
    answers (see bot/services/moved_dates.py)."""
    what, *answers = changes.split("\n")
    return reply(
        line(f"#{event.id} {event.title} has changed: ", what),
        *(line(said) for said in answers),
        summary_line(event, now),
        kind=ReplyKind.NOTICE,
    )


def message_payload(sender: str, text: str) -> str:
    """What a `notify` delivery keeps: who wrote it and what (JSON: both may hold anything)."""
    return json.dumps({"from": sender, "text": text}, ensure_ascii=False)


def message(event: EventView, now: datetime, payload: str) -> Reply:
    """The organizer's message (``payload``: see message_payload), a line of text per line
    they wrote."""
    written = json.loads(payload)
    said = [line(part) for part in written["text"].split("\n") if part.strip()]
    return reply(
        line("Message about ", bold(f"#{event.id} {event.title}"), f" from {written['from']}:"),
        *said,
        summary_line(event, now),
        kind=ReplyKind.NOTICE,
    )


def poll_picked(event: EventView, now: datetime, payload: str) -> Reply:
    """To a voter: the poll they voted in became ``event`` (payload: see POLL_PICKED)."""
    poll_id, _, yours = payload.partition(" ")
    if yours:
        said, ask = "a time you voted for", "Coming? "
    else:
        said, ask = "a time you did not vote for", "If you can make it after all: "
    return reply(
        line(f"Poll {poll_id} is decided, on {said}:"),
        summary_line(event, now),
        line(ask, cmd(f"rsvp {event.id}"), "  ·  details: ", cmd(f"event {event.id}")),
        kind=ReplyKind.NOTICE,
    )


def cancelled(event: EventView, reason: str, *, series: bool) -> Reply:
    """One date called off, or (``series``) a repeating event with all its dates."""
    because = f" Reason: {reason}" if reason else ""
    what = (
        f" ({repeat_label(event.repeat)}) is cancelled: all its dates."
        if series
        else f" ({when_text(event)}) is cancelled."
    )
    return reply(
        line(bold(f"#{event.id} {event.title}"), f"{what}{because}"), kind=ReplyKind.NOTICE
    )


def reopened(
    event: EventView, now: datetime, target: UserRef | ChannelRef, *, series: bool
) -> Reply:
    """A cancellation undone: of the event, of the date ``event`` is at, or (``series``) of
    a repeating event, seen at its next date. In private the person's answers are as they
    were; in a channel, how to come along."""
    what = f"#{event.id} {event.title}"
    if event.occurrence and not series:
        what += f" on {event.starts_at.astimezone(event.zone):%a %Y-%m-%d}"
    stands = ""
    if isinstance(target, UserRef):
        stands = " Your answers stand." if series else " Your answer stands."
    lines = [
        line("Back on: ", bold(what), f" is no longer cancelled.{stands}"),
        summary_line(event, now),
    ]
    if isinstance(target, ChannelRef) and event.seats_left != 0:
        date = f"@{event.occurrence}" if event.occurrence and not series else ""
        lines.append(line("Coming? ", cmd(f"rsvp {event.id}{date}")))
    return Reply(tuple(lines), ReplyKind.NOTICE, event)
