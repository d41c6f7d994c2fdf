"""RSVPs and the waitlist, with the seat lock taken before anything is counted."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain import Counts, EventStatus, EventView, RsvpStatus, UserRef
from bot.errors import UserError
from bot.language.answers import MAX_GUESTS
from bot.replies import cmd
from bot.seating import Party, fits, promotions
from bot.services.occurrences import choose, over_at
from storage import UnitOfWork
from storage.deliveries import PROMOTED
from storage.models import EventRow
from storage.repositories import Answer, Waiting


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
    _refuse_closed(event.id, event.title, event.status, over_at(event, now), now)
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
    occurrence: str | None = None,
) -> RsvpOutcome:
    """Record an answer. ``guests=None`` keeps the person's guests (plus ``more_guests``, for
    a "+1 guest" button, counted under the lock like everything else). For a repeating
    event the answer is for ``occurrence`` (a date key), or with None for the next one that
    has not started; seats and the waitlist are per occurrence.

    One query locks the event and reads its counts and the person's answer; one statement
    stores the answer; the waitlist is read only when a seat may be free for someone on it.
    The counts in the reply follow from those read under the lock and what changed here.
    A repeating event takes two more queries, under the same lock: its called-off dates,
    then the counts and answer of the occurrence."""
    seating = await uow.rsvps.seating(event_id, person)
    if seating is None:
        raise missing_event(event_id, command)
    key = ""
    if seating.event.repeat or occurrence is not None:
        cancelled = await uow.events.cancelled_occurrences(event_id)
        if seating.event.stored_status is not EventStatus.CANCELLED:
            key = choose(seating.event, occurrence, cancelled, now, command)
        if key:
            seating = await uow.rsvps.seating(
                event_id, person, key, cancelled=cancelled, lock=False
            )
            assert seating is not None  # the event is locked: it cannot have gone
    event = seating.event
    _refuse_closed(event.id, event.title, event.stored_status, event.over_at, now)
    person_id = seating.person_id
    if person_id is None or seating.person_as_stored != (person.display, person.verified):
        person_id = await uow.people.save(person, now)
    before = seating.answer
    previous = None if before is None else before.status
    taken = event.counts.seats  # counted under the lock, before this person's answer changes
    # Guests carry over while the answer is still "coming" in some form; after a "no" a
    # plain yes means just the person. A note belongs to the answer it was given with.
    if guests is None:
        kept = before.guests if before is not None and previous is not RsvpStatus.NOT_GOING else 0
        guests = kept + more_guests
        if guests > MAX_GUESTS:
            raise UserError(f"At most +{MAX_GUESTS} guests per person.", command=command)
    if note is not None or status is not previous or before is None:
        note = note or ""
    else:
        note = before.note
    if status is RsvpStatus.GOING and event.capacity is not None and 1 + guests > event.capacity:
        raise UserError(
            f"#{event.id} {event.title} has {event.capacity} seats in all; you with +{guests} "
            f"would need {1 + guests}.",
            command=command,
        )
    refused: int | None = None
    if status is not RsvpStatus.GOING:
        after = Answer(status, guests, note)
    elif before is not None and previous is RsvpStatus.GOING:
        if fits(event.capacity, taken - before.seats, 1 + guests):
            after = Answer(RsvpStatus.GOING, guests, note)
        else:
            after, refused = Answer(RsvpStatus.GOING, before.guests, note), guests
    elif before is not None and previous is RsvpStatus.WAITLISTED:
        # Keeps its place; promoted below if it fits now.
        after = replace(before, guests=guests, note=note)
    elif fits(event.capacity, taken, 1 + guests):
        after = Answer(RsvpStatus.GOING, guests, note)
    else:
        # The place in line is handed out under the event lock, so it follows the order in
        # which RSVPs were really taken, not the clocks of the messages.
        after = Answer(RsvpStatus.WAITLISTED, guests, note, now, seating.last_seq + 1)
    await uow.rsvps.save_answer(event.id, person_id, after, now, new=before is None, occurrence=key)
    counts = _moved(event.counts, before, after)
    # Where this person stands in line if nobody moves up: behind those already ahead, or
    # last when they just joined.
    position = 0
    if after.status is RsvpStatus.WAITLISTED:
        position = 1 + (
            seating.ahead if previous is RsvpStatus.WAITLISTED else counts.waitlisted - 1
        )
    promoted: list[Waiting] = []
    if _seat_may_be_free(event.capacity, counts):
        waitlist = await uow.rsvps.waiting(event.id, key)
        promoted = await _promote(
            uow, event.id, event.capacity, counts.seats, waitlist, now, actor_id=person_id, key=key
        )
        counts = _promoted(counts, promoted)
        if any(party.person_id == person_id for party in promoted):
            after, position = Answer(RsvpStatus.GOING, after.guests, after.note), 0
        elif after.status is RsvpStatus.WAITLISTED:
            moved_up = {party.person_id for party in promoted}
            still = [party.person_id for party in waitlist if party.person_id not in moved_up]
            position = 1 + still.index(person_id)
    await uow.commit()
    return RsvpOutcome(
        event=replace(event, counts=counts),
        status=after.status,
        guests=after.guests,
        position=position,
        refused_guests=refused,
        promoted=[party.person for party in promoted if party.person_id != person_id],
    )


def _refuse_closed(
    event_id: int, title: str, status: EventStatus, over_at: datetime, now: datetime
) -> None:
    if status is EventStatus.CANCELLED:
        raise UserError(f"#{event_id} {title} was cancelled.")
    if over_at <= now:
        raise UserError(f"#{event_id} {title} is already over.")


def _moved(counts: Counts, before: Answer | None, after: Answer) -> Counts:
    """``counts`` with one answer changed from ``before`` to ``after``."""
    tally = {
        RsvpStatus.GOING: counts.going,
        RsvpStatus.WAITLISTED: counts.waitlisted,
        RsvpStatus.MAYBE: counts.maybe,
        RsvpStatus.NOT_GOING: counts.not_going,
    }
    seats = counts.seats
    if before is not None:
        tally[before.status] -= 1
        seats -= before.seats if before.status is RsvpStatus.GOING else 0
    tally[after.status] += 1
    seats += after.seats if after.status is RsvpStatus.GOING else 0
    return Counts(
        going=tally[RsvpStatus.GOING],
        seats=seats,
        waitlisted=tally[RsvpStatus.WAITLISTED],
        maybe=tally[RsvpStatus.MAYBE],
        not_going=tally[RsvpStatus.NOT_GOING],
    )


def _promoted(counts: Counts, promoted: list[Waiting]) -> Counts:
    return replace(
        counts,
        going=counts.going + len(promoted),
        seats=counts.seats + sum(party.seats for party in promoted),
        waitlisted=counts.waitlisted - len(promoted),
    )


def _seat_may_be_free(capacity: int | None, counts: Counts) -> bool:
    """Could anyone on the waitlist move up? Not without a waitlist or a free seat."""
    return counts.waitlisted > 0 and (capacity is None or counts.seats < capacity)


async def _promote(
    uow: UnitOfWork,
    event_id: int,
    capacity: int | None,
    taken: int,
    waitlist: list[Waiting],
    now: datetime,
    *,
    actor_id: int | None = None,
    key: str = "",
) -> list[Waiting]:
    """Move whoever fits up on occurrence ``key``, and tell them (not ``actor_id``, who reads
    it in the reply)."""
    lucky = promotions(capacity, taken, [Party(party, party.seats) for party in waitlist])
    await uow.rsvps.promote(event_id, [party.person_id for party in lucky], now, key)
    # The notice says how many seats: a party of three reads that all three are in (the
    # payload is the guests, see messages.promoted).
    told = {
        party.person: (key, str(party.seats - 1) if party.seats > 1 else "")
        for party in lucky
        if party.person_id != actor_id
    }
    await uow.deliveries.notify_each(event_id, PROMOTED, told, now)
    return lucky


async def promote_waitlist(uow: UnitOfWork, event: EventRow, now: datetime) -> list[UserRef]:
    """Move whoever fits from the waitlist to going (on every coming date of a repeating
    event); call with the event locked."""
    keys = [""]
    if event.repeat:
        today = now.astimezone(ZoneInfo(event.timezone)).date().isoformat()
        keys = await uow.rsvps.waitlisted_occurrences(event.id, today)
    moved: list[UserRef] = []
    for key in keys:
        taken = await uow.rsvps.seats_taken(event.id, key)
        waitlist = await uow.rsvps.waiting(event.id, key)
        lucky = await _promote(uow, event.id, event.capacity, taken, waitlist, now, key=key)
        moved += [party.person for party in lucky if party.person not in moved]
    return moved
