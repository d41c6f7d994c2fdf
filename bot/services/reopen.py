"""Undoing a cancellation (`reopen`): the event, or one called-off date of a series, is on
again. Cancelling never touched anyone's answers, so they come back as they were; only the
status, the reminders and what calendars show change back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain import ChannelRef, EventStatus, EventView, RsvpStatus, UserRef
from bot.errors import UserError
from bot.permissions import same_person
from bot.replies import cmd
from bot.services.events import coming_to, tell_channels
from bot.services.occurrences import day_label, happens_once, no_date_on
from bot.when import format_instant
from bot.when.recurrence import (
    next_starts,
    occurrence_key,
    occurrence_on,
)
from storage import UnitOfWork
from storage.deliveries import REOPENED
from storage.models import EventRow


@dataclass(frozen=True, slots=True)
class ReopenOutcome:
    # The event; the date reopened; or a reopened series at its next date.
    event: EventView
    attendees_to_tell: list[UserRef]
    # Of a reopened series: the starts of its dates ahead still called off on their own.
    still_cancelled: list[datetime]


async def reopen(
    uow: UnitOfWork,
    event: EventRow,
    occurrence: str | None,
    now: datetime,
    actor: UserRef,
    *,
    here: ChannelRef | None = None,
) -> ReopenOutcome:
    """Reopen ``event`` (locked, checked by the caller that ``actor`` may manage it) or, with
    ``occurrence`` (a date typed after `@`), that date of it. Refuses what is not cancelled,
    has already begun or is no date of it. Everyone who answered anything but no is told,
    as they were told of the cancellation; ``here`` reads the reply instead of a post."""
    cancelled = await uow.events.cancelled_occurrences(event.id) if event.repeat else {}
    if occurrence is None:
        return await _reopen_event(uow, event, cancelled, now, actor, here)
    key = _called_off_date(event, occurrence, cancelled, now)
    await uow.events.reopen_occurrence(event.id, key)
    # The series' calendar entry changes (one EXDATE fewer).
    event.sequence, event.updated_at = event.sequence + 1, now
    tell = [
        a.person
        for a in await uow.rsvps.attendees(event.id, key)
        if a.status is not RsvpStatus.NOT_GOING and not same_person(a.person, actor)
    ]
    return await _announce(uow, event, key, tell, now, here, [])


async def _reopen_event(
    uow: UnitOfWork,
    event: EventRow,
    cancelled: Mapping[str, str],
    now: datetime,
    actor: UserRef,
    here: ChannelRef | None,
) -> ReopenOutcome:
    if event.status is not EventStatus.CANCELLED:
        raise _not_cancelled(f"#{event.id} {event.title}", event, cancelled, now)
    if not _dates_ahead(event, cancelled, now):
        raise _too_late(event)
    event.status, event.cancel_reason = EventStatus.SCHEDULED, ""
    # Calendars that imported or subscribed to the event replace it when SEQUENCE grows.
    event.sequence, event.updated_at = event.sequence + 1, now
    tell = [person for person in await coming_to(uow, event, now) if not same_person(person, actor)]
    return await _announce(
        uow, event, "", tell, now, here, _called_off_ahead(event, cancelled, now)
    )


async def _announce(
    uow: UnitOfWork,
    event: EventRow,
    key: str,
    tell: list[UserRef],
    now: datetime,
    here: ChannelRef | None,
    still_cancelled: list[datetime],
) -> ReopenOutcome:
    """Tell people and channels, plan the reminders again (cancelling dropped those not sent
    yet; one already sent is never sent twice), and commit."""
    await uow.deliveries.notify(event.id, key, REOPENED, tell, now)
    await tell_channels(uow, event.id, key, REOPENED, here, now, "")
    await uow.deliveries.request_plan(event.id, now)
    view = await uow.events.view(event, key or None, now=now)
    await uow.commit()
    return ReopenOutcome(view, tell, still_cancelled)


def _called_off_date(
    event: EventRow, wanted: str, cancelled: Mapping[str, str], now: datetime
) -> str:
    """``wanted`` if it is a called-off date of ``event`` that has not begun."""
    name = f"#{event.id} {event.title}"
    if not event.repeat:
        raise happens_once(event.id, event.title, "reopen")
    if event.status is EventStatus.CANCELLED:
        # One status for the whole series: a single date of it cannot be on without the rest.
        raise UserError(
            f"{name} is cancelled with all its dates: reopen them with ", cmd(f"reopen {event.id}")
        )
    start = occurrence_on(event.starts_at, event.timezone, event.repeat, wanted)
    if start is None:
        raise UserError(no_date_on(name, wanted, event.repeat), command="reopen")
    if wanted not in cancelled:
        raise _not_cancelled(
            f"{name} on {day_label(start, ZoneInfo(event.timezone))}", event, cancelled, now
        )
    if start <= now:
        raise _too_late(event, start)
    return wanted


def already_cancelled(
    event: EventRow,
    key: str,
    cancelled: Mapping[str, str],
    now: datetime,
    *,
    advice: str = "Undo: ",
) -> UserError:
    """`cancel` (or `edit`) of what is cancelled already (``key``: that date of a series;
    ``cancelled``: its called-off dates): said plainly, with ``advice`` and how to undo it
    while that is still possible, since whoever cancels twice is most likely looking for a
    way back."""
    name = f"#{event.id} {event.title}"
    target = str(event.id)
    start: datetime | None = event.starts_at
    if key:
        start = occurrence_on(event.starts_at, event.timezone, event.repeat, key)
        name += f" on {day_label(start, ZoneInfo(event.timezone)) if start else key}"
        target += f"@{key}"
    elif event.repeat:
        name += ", every date,"
        start = _dates_ahead(event, cancelled, now)
    if start is None or start <= now:
        return UserError(f"{name} is already cancelled.")
    return UserError(f"{name} is already cancelled. {advice}", cmd(f"reopen {target}"))


def _called_off_ahead(
    event: EventRow, cancelled: Mapping[str, str], now: datetime
) -> list[datetime]:
    """The starts of the dates of a series called off on their own that have not begun,
    soonest first."""
    starts = [
        occurrence_on(event.starts_at, event.timezone, event.repeat, key) for key in cancelled
    ]
    return sorted(start for start in starts if start is not None and start > now)


def _not_cancelled(
    name: str, event: EventRow, cancelled: Mapping[str, str], now: datetime
) -> UserError:
    """Refusing to reopen what is on. Of a series, the next date called off on its own is
    named: most likely the one meant."""
    ahead = _called_off_ahead(event, cancelled, now)
    if not ahead:
        return UserError(f"{name} is not cancelled.", command="reopen")
    key = occurrence_key(ahead[0], event.timezone, event.repeat)
    return UserError(
        f"{name} is not cancelled. Its next called-off date is "
        f"{day_label(ahead[0], ZoneInfo(event.timezone))}: ",
        cmd(f"reopen {event.id}@{key}"),
    )


def _dates_ahead(event: EventRow, cancelled: Mapping[str, str], now: datetime) -> datetime | None:
    """When the event, or the next date of a series not called off on its own, starts, if
    it has not begun."""
    starts = next_starts(
        event.starts_at, event.timezone, event.repeat, after=now, count=1, skip=cancelled.keys()
    )
    return starts[0] if starts else None


def _too_late(event: EventRow, date_start: datetime | None = None) -> UserError:
    """Reopening what has begun (the event, the date starting at ``date_start``, or a series
    with no date left) would only announce the past."""
    name = f"#{event.id} {event.title}"
    zone = ZoneInfo(event.timezone)
    if date_start is not None:
        return UserError(
            f"{name} was to start {format_instant(date_start, zone)}: too late to reopen that date."
        )
    said = (
        "has no dates ahead"
        if event.repeat
        else f"was to start {format_instant(event.starts_at, zone)}"
    )
    return UserError(
        f"{name} {said}: too late to reopen it. Plan it again: ",
        cmd(f"newevent {event.title} | WHEN"),
    )
