"""RSVPs and the waitlist, with the seat lock taken before anything is counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain import EventStatus, EventView, RsvpStatus, UserRef
from bot.errors import UserError
from bot.language.arguments import MAX_GUESTS
from bot.permissions import same_person
from bot.replies import cmd
from bot.seating import Party, fits, promotions
from storage import UnitOfWork
from storage.models import EventRow, RsvpRow
from storage.repositories import person_ref


@dataclass(frozen=True, slots=True)
class RsvpOutcome:
    event: EventView
    status: RsvpStatus
    guests: int
    position: int  # on the waitlist; 0 when not waitlisted
    # Guests asked for that did not fit: the person keeps their seat with the old number.
    refused_guests: int | None
    promoted: list[UserRef]


async def open_event(uow: UnitOfWork, event_id: int, now: datetime, command: str) -> EventRow:
    """The event, locked for seat changes; refuses unknown, cancelled and finished events."""
    event = await uow.events.get(event_id, for_update=True)
    if event is None:
        raise missing_event(event_id, command)
    if event.status is EventStatus.CANCELLED:
        raise UserError(f"#{event.id} {event.title} was cancelled.")
    if (event.ends_at or event.starts_at) <= now:
        raise UserError(f"#{event.id} {event.title} is already over.")
    return event


def missing_event(event_id: int, command: str) -> UserError:
    return UserError(
        f"There is no event #{event_id}. See ",
        cmd("events"),
        " for the events in this channel.",
        command=command,
    )


async def set_rsvp(
    uow: UnitOfWork,
    *,
    event_id: int,
    person: UserRef,
    status: RsvpStatus,
    guests: int | None,
    note: str | None,
    now: datetime,
    command: str = "rsvp",
    more_guests: int = 0,
) -> RsvpOutcome:
    """Record an answer. ``guests=None`` keeps the person's guests (plus ``more_guests``, for
    a "+1 guest" button, counted under the lock like everything else)."""
    event = await open_event(uow, event_id, now, command)
    person_row = await uow.people.upsert(person, now)
    # Counted under the lock and before this person's row changes.
    taken = await uow.rsvps.seats_taken(event.id)
    row = await uow.rsvps.find(event.id, person_row.id)
    previous = None if row is None else row.status
    if row is None:
        row = RsvpRow(
            event_id=event.id,
            person_id=person_row.id,
            status=RsvpStatus.NOT_GOING,
            guests=0,
            note="",
            created_at=now,
            updated_at=now,
        )
        uow.rsvps.add(row)
    # Guests carry over while the answer is still "coming" in some form; after a "no" a
    # plain yes means just the person. A note belongs to the answer it was given with.
    if guests is None:
        guests = (row.guests if previous not in (None, RsvpStatus.NOT_GOING) else 0) + more_guests
        if guests > MAX_GUESTS:
            raise UserError(f"At most +{MAX_GUESTS} guests per person.", command=command)
    if note is not None or status is not previous:
        row.note = note or ""
    if status is RsvpStatus.GOING and event.capacity is not None and 1 + guests > event.capacity:
        raise UserError(
            f"#{event.id} {event.title} has {event.capacity} seats in all; you with +{guests} "
            f"would need {1 + guests}.",
            command=command,
        )
    refused: int | None = None
    if status is not RsvpStatus.GOING:
        row.status, row.guests = status, guests
        row.waitlisted_at = row.waitlist_seq = None
    elif previous is RsvpStatus.GOING:
        if fits(event.capacity, taken - row.seats, 1 + guests):
            row.guests = guests
        else:
            refused = guests
    elif previous is RsvpStatus.WAITLISTED:
        row.guests = guests  # keeps its place; promoted below if it fits now
    elif fits(event.capacity, taken, 1 + guests):
        row.status, row.guests = RsvpStatus.GOING, guests
    else:
        # The place in line is handed out under the event lock, so it follows the order in
        # which RSVPs were really taken, not the clocks of the messages.
        row.status, row.guests = RsvpStatus.WAITLISTED, guests
        row.waitlisted_at, row.waitlist_seq = now, await uow.rsvps.next_waitlist_seq(event.id)
    row.updated_at = now
    await uow.rsvps.flush()
    promoted = await promote_waitlist(uow, event, now)
    position = 0
    if row.status is RsvpStatus.WAITLISTED:
        position = 1 + [r.id for r in await uow.rsvps.waitlist(event.id)].index(row.id)
    view = await uow.events.view(event)
    await uow.commit()
    return RsvpOutcome(
        event=view,
        status=row.status,
        guests=row.guests,
        position=position,
        refused_guests=refused,
        promoted=[p for p in promoted if not same_person(p, person)],
    )


async def promote_waitlist(uow: UnitOfWork, event: EventRow, now: datetime) -> list[UserRef]:
    """Move whoever fits from the waitlist to going; call with the event locked."""
    taken = await uow.rsvps.seats_taken(event.id)
    waitlist = await uow.rsvps.waitlist(event.id)
    lucky = promotions(event.capacity, taken, [Party(row, row.seats) for row in waitlist])
    for row in lucky:
        row.status, row.updated_at = RsvpStatus.GOING, now
        row.waitlisted_at = row.waitlist_seq = None
    await uow.rsvps.flush()
    return [person_ref(row.person) for row in lucky]
