"""`myevents`: the upcoming events someone said yes or maybe to, or waits for a seat at.

In a private chat it lists them all; in a group only those announced there, since the others
may belong to private groups whose members the group should not learn about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.cards import summary_line
from bot.context import Context
from bot.domain import ChannelKind, Counts, EventStatus, EventView, RsvpStatus
from bot.language.paging import PageArgs
from bot.paging import Paging
from bot.replies import Line, Reply, SpanLike, cmd, line, reply
from storage import UnitOfWork
from storage.models import EventRow, RsvpRow
from storage.repositories import at_occurrence, event_view

# Events to a page; the pages after it are counted ("… 3 more: !myevents 2").
PER_PAGE = 10
# Answers read at most: a series' dates and long-past events are sorted out in Python.
READ_AT_MOST = 500


@dataclass(frozen=True, slots=True)
class Answered:
    event: EventView  # at the date answered for, with its counts
    status: RsvpStatus
    guests: int
    position: int  # on the waitlist; 0 when not waitlisted


async def myevents(ctx: Context, args: PageArgs) -> list[Reply]:
    private = ctx.message.channel.kind is ChannelKind.DIRECT
    paging = Paging("myevents", args.number, PER_PAGE)
    async with ctx.database.unit_of_work(read_only=True) as uow:
        person_id = await uow.people.answering_as(ctx.message.sender)
        channel = None if private else await uow.channels.find(ctx.message.channel)
        upcoming: list[tuple[EventView, RsvpRow]] = []
        shown: list[Answered] = []
        if person_id is not None and (private or channel is not None):
            upcoming = await _upcoming(
                uow, person_id, ctx.now, None if channel is None else channel.id
            )
            # Places in line are looked up for the lines shown only.
            page = upcoming[paging.offset : paging.offset + paging.size]
            shown = [await _answered(uow, person_id, *each) for each in page]
    here = "" if private else " here"
    if not upcoming:
        return [_nothing(here, private)]
    if paging.past_the_end(len(upcoming)):
        raise paging.no_such_page(len(upcoming), f"your upcoming events{here}")
    lines = [paging.heading(f"Your upcoming events{here}", len(upcoming))]
    lines += [_answer_line(each, ctx.now) for each in shown]
    lines += paging.next_page(len(upcoming))
    first = shown[0].event
    footer: list[SpanLike] = ["Can't make it? ", cmd(f"rsvp {first.target} no")]
    if not private:
        footer += ["  ·  every channel's, in a private chat: ", cmd("myevents")]
    elif ctx.web is not None:
        footer += ["  ·  as a calendar: ", cmd("myfeed")]
    lines.append(line(*footer))
    return [reply(*lines)]


def _nothing(here: str, private: bool) -> Reply:
    then: tuple[SpanLike, ...] = (
        ("Answer one in its channel: ", cmd("rsvp ID"))
        if private
        else ("See what's on: ", cmd("events"))
    )
    return reply(
        line(f"You haven't said yes or maybe to any upcoming event{here}. ", *then),
    )


async def _upcoming(
    uow: UnitOfWork, person_id: int, now: datetime, channel_id: int | None
) -> list[tuple[EventView, RsvpRow]]:
    """The person's answers for dates that have not ended and are not called off, each with
    its event at that date, soonest first."""
    rows = await uow.rsvps.answers_of(person_id, now, READ_AT_MOST, channel_id=channel_id)
    keys = [(event.id, answer.occurrence) for event, answer in rows]
    counts = await uow.events.counts_at(keys)
    cancelled = await uow.events.cancelled_of(
        sorted({event.id for event, answer in rows if answer.occurrence})
    )
    found: list[tuple[EventView, RsvpRow]] = []
    for event, answer in rows:
        view = _at(event, answer, counts[event.id, answer.occurrence], cancelled)
        if view.stored_status is not EventStatus.CANCELLED and view.over_at > now:
            found.append((view, answer))
    found.sort(key=lambda each: (each[0].starts_at, each[0].id))
    return found


async def _answered(uow: UnitOfWork, person_id: int, view: EventView, answer: RsvpRow) -> Answered:
    position = 0
    if answer.status is RsvpStatus.WAITLISTED:
        line_up = await uow.rsvps.waiting(view.id, answer.occurrence)
        position = next(
            (n for n, waiting in enumerate(line_up, 1) if waiting.person_id == person_id), 0
        )
    return Answered(view, answer.status, answer.guests, position)


def _at(
    event: EventRow, answer: RsvpRow, counts: Counts, cancelled: dict[int, dict[str, str]]
) -> EventView:
    view = event_view(event, counts)
    if not answer.occurrence:
        return view
    return at_occurrence(view, answer.occurrence, counts, cancelled.get(event.id, {}))


def _answer_line(answered: Answered, now: datetime) -> Line:
    if answered.status is RsvpStatus.GOING:
        said = f"going +{answered.guests}" if answered.guests else "going"
    elif answered.status is RsvpStatus.WAITLISTED:
        said = f"waitlisted, position {answered.position}"
    else:
        said = "maybe"
    return line(*summary_line(answered.event, now), f" · you: {said}")
