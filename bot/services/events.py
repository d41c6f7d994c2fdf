"""Creating, editing and cancelling events."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import ChannelRef, EventStatus, EventView, RsvpStatus, UserRef
from bot.errors import UserError
from bot.language.arguments import EventFields
from bot.language.durations import format_offsets
from bot.permissions import same_person
from bot.services.moved_dates import DatesFollowed, dates_of, follow_dates
from bot.services.rsvp import promote_waitlist
from bot.when import (
    When,
    format_instant,
    format_span,
    parse_end,
    time_only,
    to_utc,
)
from bot.when.recurrence import names_its_days, occurrence_starts, repeat_label
from bot.when.series_start import (
    check_new_series,
    check_series_start,
    edit_example,
    resolve_first,
)
from storage import UnitOfWork
from storage.deliveries import CANCELLED, CHANGED
from storage.models import ChannelRow, EventRow


def channel_zone(channel: ChannelRow | None, default: str) -> ZoneInfo:
    return ZoneInfo(channel.timezone if channel is not None and channel.timezone else default)


async def create_event(
    uow: UnitOfWork,
    *,
    organizer: UserRef,
    channel: ChannelRef,
    title: str,
    when_text: str,
    fields: EventFields,
    default_zone: str,
    now: datetime,
) -> EventView:
    """Store a new event and plan its reminders; the caller commits (a poll picked also
    links channels and queues notices in the same transaction)."""
    channel_row = await uow.channels.upsert(channel, now)
    read_in = channel_zone(channel_row, default_zone)
    zone = ZoneInfo(fields.tz) if fields.tz else read_in
    repeat = fields.repeat or ""
    when = resolve_first(
        when_text,
        repeat,
        now=now,
        zone=zone,
        ends=fields.ends or "",
        zone_given=fields.tz is not None,
    )
    if repeat:
        check_new_series(when, repeat, now=now, read_in=read_in.key)
    person = await uow.people.upsert(organizer, now)
    row = EventRow(
        title=title,
        description=fields.description or "",
        starts_at=when.starts_at,
        ends_at=when.ends_at,
        timezone=when.timezone,
        venue=fields.where or "",
        url=fields.url or "",
        capacity=fields.capacity,
        status=EventStatus.SCHEDULED,
        cancel_reason="",
        reminders=None if fields.reminders is None else format_offsets(fields.reminders),
        repeat=fields.repeat or "",
        organizer=person,
        origin_channel_id=channel_row.id,
        created_at=now,
        updated_at=now,
    )
    uow.events.add(row)
    await uow.events.flush()
    await uow.events.link(row.id, channel_row.id, now)
    await uow.deliveries.request_plan(row.id, now)
    return await uow.events.view(row, now=now)


@dataclass(frozen=True, slots=True)
class EditOutcome:
    event: EventView
    changes: list[str]  # "limit 2 → 5", one per changed field
    promoted: list[UserRef]
    # People to tell because the time or the place moved.
    attendees_to_tell: list[UserRef]
    followed: DatesFollowed  # what happened to the answers of dates that moved


async def edit_event(
    uow: UnitOfWork,
    event: EventRow,
    fields: EventFields,
    now: datetime,
    actor: UserRef,
    *,
    here: ChannelRef | None = None,
) -> EditOutcome:
    """Apply ``fields`` to a locked, open event (see ``open_event``); ``here``: the channel
    the change was asked in, which reads the reply instead of a notice."""
    changes: list[str] = []
    place_changed = False
    old_dates = dates_of(event)
    old_zone = event.timezone
    new_when = _new_when(event, fields, now)
    moved = (new_when.starts_at, new_when.ends_at) != (event.starts_at, event.ends_at)
    if moved or new_when.timezone != event.timezone:
        event.starts_at, event.ends_at, event.timezone = (
            new_when.starts_at,
            new_when.ends_at,
            new_when.timezone,
        )
        changes.append(
            f"when → {format_span(event.starts_at, event.ends_at, ZoneInfo(event.timezone))}"
        )
    for name, attribute in (
        ("title", "title"),
        ("where", "venue"),
        ("url", "url"),
        ("description", "description"),
        ("repeat", "repeat"),
    ):
        value = getattr(fields, name)
        if value is not None and value != getattr(event, attribute):
            setattr(event, attribute, value)
            place_changed = place_changed or name in ("where", "url")
            changes.append(_change(name, value))
    if event.repeat and (moved or fields.repeat is not None):
        check_series_start(
            When(event.starts_at, event.ends_at, event.timezone),
            event.repeat,
            now=now,
            command="edit",
            example=lambda instead: edit_example(
                event.id, instead, fields.repeat, read_in=old_zone
            ),
        )
    new_dates = dates_of(event)
    followed = DatesFollowed()
    if (old_dates.starts_at, old_dates.timezone, old_dates.repeat) != (
        new_dates.starts_at,
        new_dates.timezone,
        new_dates.repeat,
    ):
        followed = await follow_dates(uow, event.id, old_dates, new_dates, now)
    if fields.reminders is not None and format_offsets(fields.reminders) != event.reminders:
        event.reminders = format_offsets(fields.reminders)
        changes.append(f"reminders → {event.reminders}")
    promoted: list[UserRef] = []
    if fields.capacity_given and fields.capacity != event.capacity:
        before = "none" if event.capacity is None else str(event.capacity)
        event.capacity = fields.capacity
        changes.append(f"limit {before} → {fields.capacity or 'none'}")
        await uow.events.flush()
        promoted = await promote_waitlist(uow, event, now)
    if not changes:
        raise UserError("Nothing changed: those are already the event's values.", command="edit")
    event.updated_at = now
    # Calendars that imported or subscribed to the event replace it when SEQUENCE grows.
    event.sequence += 1
    tell: list[UserRef] = []
    said = "; ".join(changes)
    # Only a new time or place is worth a message; a place typed again as it was is not.
    if moved or place_changed:
        tell = [
            person
            for person in await coming_to(uow, event, now)
            if not same_person(person, actor)
            and person not in promoted
            and person not in followed.news
        ]
    await uow.deliveries.notify(event.id, "", CHANGED, tell, now, said)
    # Whose answers moved or went with their dates: what happened to theirs, a line each
    # (see messages.changed).
    told = {
        person: (shown, "\n".join([said, *phrases]))
        for person, (shown, phrases) in followed.news.items()
        if not same_person(person, actor)
    }
    tell += told
    await uow.deliveries.notify_each(event.id, CHANGED, told, now)
    await tell_channels(uow, event.id, "", CHANGED, here, now, said)
    await uow.deliveries.request_plan(event.id, now)
    view = await uow.events.view(event, now=now)
    await uow.commit()
    return EditOutcome(view, changes, promoted, tell, followed)


def _change(name: str, value: str | int | None) -> str:
    """How the reply to an edit names one changed detail."""
    if name == "description":
        return "description updated" if value else "description removed"
    if name == "repeat":
        return f"repeat → {repeat_label(str(value))}" if value else "repeat → none (happens once)"
    return f"{name} → {value or '(none)'}"


def _new_when(event: EventRow, fields: EventFields, now: datetime) -> When:
    zone = ZoneInfo(fields.tz or event.timezone)
    if fields.when is not None:
        when = _resolve_keeping_day(event, fields, zone, now)
        if when.ends_at is None and event.ends_at is not None and fields.ends is None:
            # A new start alone keeps the event's length.
            return When(
                when.starts_at, when.starts_at + (event.ends_at - event.starts_at), when.timezone
            )
        return when
    starts_at, ends_at = event.starts_at, event.ends_at
    if fields.tz is not None:
        # tz= alone fixes a wrong zone: the same wall-clock time, read in the new zone.
        wall = event.starts_at.astimezone(ZoneInfo(event.timezone)).replace(tzinfo=None)
        starts_at = to_utc(wall, zone, "edit")
        if ends_at is not None:
            ends_at = starts_at + (ends_at - event.starts_at)
        if starts_at <= now and not event.repeat:
            raise UserError(
                f"In {zone.key} that time is in the past: {format_instant(starts_at, zone)}.",
                command="edit",
            )
    if fields.ends is not None:
        ends_at = parse_end(fields.ends, start=starts_at, zone=zone, command="edit")
    return When(starts_at, ends_at, zone.key)


def _resolve_keeping_day(
    event: EventRow, fields: EventFields, zone: ZoneInfo, now: datetime
) -> When:
    """``when=`` read for an edit. A time alone (`when=20:00`) changes the time and keeps
    the day, where a new event's would mean today: the event's date, or a series' next date
    on which that time is still ahead (so it keeps its weekday). With a new rule that
    chooses its days (`when=every first friday 19:00`), it is on the first of those instead:
    the days of the rule it replaces may not be among them."""
    assert fields.when is not None

    def read(text: str, repeat: str = "") -> When:
        return resolve_first(
            text,
            repeat,
            now=now,
            zone=zone,
            ends=fields.ends or "",
            zone_given=fields.tz is not None,
            command="edit",
        )

    if fields.repeat and names_its_days(fields.repeat):
        return read(fields.when, fields.repeat)
    if not time_only(fields.when, "edit"):
        return read(fields.when)
    days = [event.starts_at]
    if event.repeat:
        days = occurrence_starts(
            event.starts_at, event.timezone, event.repeat, after=now - timedelta(days=1), count=3
        )
    local = ZoneInfo(event.timezone)
    *sooner, last = [f"{day.astimezone(local):%Y-%m-%d} {fields.when}" for day in days]
    for text in sooner:
        with suppress(UserError):  # that day's time has passed: the next date
            return read(text)
    return read(last)


@dataclass(frozen=True, slots=True)
class CancelOutcome:
    event: EventView
    attendees_to_tell: list[UserRef]


async def cancel_event(
    uow: UnitOfWork,
    event: EventRow,
    reason: str,
    now: datetime,
    actor: UserRef,
    *,
    here: ChannelRef | None = None,
) -> CancelOutcome:
    event.status, event.cancel_reason, event.updated_at = EventStatus.CANCELLED, reason, now
    event.sequence += 1
    tell = [person for person in await coming_to(uow, event, now) if not same_person(person, actor)]
    await uow.deliveries.notify(event.id, "", CANCELLED, tell, now, reason)
    await tell_channels(uow, event.id, "", CANCELLED, here, now, reason)
    await uow.deliveries.request_plan(event.id, now)
    view = await uow.events.view(event, now=now)
    await uow.commit()
    return CancelOutcome(view, tell)


async def cancel_occurrence(
    uow: UnitOfWork,
    event: EventRow,
    key: str,
    reason: str,
    now: datetime,
    actor: UserRef,
    *,
    here: ChannelRef | None = None,
) -> CancelOutcome:
    """Call off one date of a repeating event (``key``, checked by the caller); the series
    goes on. Everyone who answered for that date, except with no, is told."""
    await uow.events.cancel_occurrence(event.id, key, reason, now)
    # The series' calendar entry changes (one more EXDATE).
    event.sequence, event.updated_at = event.sequence + 1, now
    tell = [
        a.person
        for a in await uow.rsvps.attendees(event.id, key)
        if a.status is not RsvpStatus.NOT_GOING and not same_person(a.person, actor)
    ]
    await uow.deliveries.notify(event.id, key, CANCELLED, tell, now, reason)
    await tell_channels(uow, event.id, key, CANCELLED, here, now, reason)
    await uow.deliveries.request_plan(event.id, now)
    view = await uow.events.view(event, key)
    await uow.commit()
    return CancelOutcome(view, tell)


async def tell_channels(
    uow: UnitOfWork,
    event_id: int,
    occurrence: str,
    kind: str,
    here: ChannelRef | None,
    now: datetime,
    payload: str,
) -> None:
    """A change, a cancellation or its undoing is posted in every channel the event is
    announced in, not only told to its attendees: an IRC channel has no card to refresh,
    and whoever read the announcement there would otherwise come to a moved or cancelled
    event (or stay away from one back on). ``here`` has the command's own reply already."""
    asked_in = await uow.channels.find(here) if here is not None else None
    others = [
        channel.id
        for channel in await uow.channels.linked_to(event_id)
        if asked_in is None or channel.id != asked_in.id
    ]
    await uow.deliveries.notify_channels(event_id, occurrence, kind, others, now, payload)


async def coming_to(uow: UnitOfWork, event: EventRow, now: datetime) -> list[UserRef]:
    """Who answered anything but no: for a repeating event, for any date from today on."""
    if event.repeat:
        today = now.astimezone(ZoneInfo(event.timezone)).date().isoformat()
        return await uow.rsvps.coming_from(event.id, today)
    return [
        a.person
        for a in await uow.rsvps.attendees(event.id)
        if a.status is not RsvpStatus.NOT_GOING
    ]
