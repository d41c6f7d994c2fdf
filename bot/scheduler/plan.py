"""Which reminders and "starting now" posts an event needs, written down as deliveries.

Planning is idempotent: it computes the wanted deliveries from the event as it is now, adds
the missing ones (a key already there, sent or not, is left alone) and drops pending ones
that are no longer wanted. So an edit moves reminders (the new start makes new keys), a
cancellation drops them, and a reminder whose time has passed is never planned late.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from bot.domain import EventStatus
from bot.language.durations import format_offset, format_offsets, parse_offsets
from bot.when.recurrence import next_starts, occurrence_key
from storage import UnitOfWork
from storage.deliveries import REMIND, START, Planned, planned_key
from storage.models import ChannelRow, EventRow

# How many occurrences of a repeating event are planned ahead at most; the next ones are
# planned when one starts (see Dispatcher).
AHEAD = 8


def occurrence_id(start: datetime) -> str:
    """How a delivery names the occurrence it is about: its start, so a moved event gets
    fresh reminders and the old ones are dropped."""
    return start.isoformat(timespec="minutes")


async def plan_events(
    uow: UnitOfWork, event_ids: Sequence[int], now: datetime, defaults: tuple[timedelta, ...]
) -> None:
    """Bring the planned deliveries of ``event_ids`` in line with the events (inside ``uow``;
    the caller commits). Each fact is read for all of them at once: a changed `[bot]
    reminders` asks for every event to be planned again, and reminders due meanwhile wait
    behind the plans."""
    events = [
        event
        for event in await uow.events.get_many(event_ids)
        if event.status is EventStatus.SCHEDULED
    ]
    scheduled = [event.id for event in events]
    channels = await uow.channels.linked_to_each(scheduled)
    people = await uow.reminders.person_ids_of(scheduled)
    cancelled = await uow.events.cancelled_of(scheduled)
    wanted = [
        planned
        for event in events
        for planned in wanted_deliveries(
            event,
            channels.get(event.id, []),
            people.get(event.id, []),
            now,
            defaults,
            set(cancelled.get(event.id, {})),
        )
    ]
    await uow.deliveries.replan_events(event_ids, wanted, now)


async def replan_if_defaults_changed(
    uow: UnitOfWork, defaults: tuple[timedelta, ...], now: datetime
) -> int:
    """When the config's default reminders are not those the planned reminders were made
    with, ask for every event that may follow them to be planned again (inside ``uow``; the
    caller commits). Returns how many events were asked for.

    A database that has no defaults recorded (from before they were, or freshly imported)
    has reminders planned with whatever the config said then, which nobody knows: it is
    planned again once rather than trusted (a plan that was right already stays as it is).
    An event with a `remind=` of its own does not follow the defaults and is left alone; one
    whose channels all set their own is planned again all the same, which changes nothing.

    Two bots starting at once with new defaults: only one of them asks (see
    ReminderDefaultsRepository.adopt); had both asked, planning an event twice is planning
    it once (see above), so the second ask would only cost time."""
    if not await uow.reminder_defaults.adopt(format_offsets(defaults), now):
        return 0
    return await uow.reminder_defaults.request_plans(now)


def wanted_deliveries(
    event: EventRow,
    channels: list[ChannelRow],
    people: list[int],
    now: datetime,
    defaults: tuple[timedelta, ...],
    cancelled: Collection[str] = (),
) -> list[Planned]:
    """Every reminder and start post of the coming occurrences (not called off) that is
    still ahead."""
    offsets = {channel.id: reminder_offsets(event, channel, defaults) for channel in channels}
    origin = next((c for c in channels if c.id == event.origin_channel_id), None)
    personal = reminder_offsets(event, origin, defaults)
    longest = max([*(o for each in offsets.values() for o in each), *personal], default=None)
    wanted: list[Planned] = []
    for start in _coming(event, now, longest, cancelled):
        # Keys name the start, so a moved event gets fresh reminders; the answers' key (a
        # date of a repeating event) says which occurrence the message shows.
        named = occurrence_id(start)
        occurrence = occurrence_key(start, event.timezone, event.repeat)
        targets = [(f"c{c.id}", {"channel_id": c.id}, offsets[c.id], True) for c in channels]
        targets += [(f"p{p}", {"person_id": p}, personal, False) for p in people]
        for target, where, target_offsets, posts_start in targets:
            kinds = [(REMIND + format_offset(o), start - o) for o in target_offsets]
            if posts_start:
                kinds.append((START, start))
            wanted += [
                Planned(
                    planned_key(event.id, named, kind, target),
                    kind,
                    due,
                    event_id=event.id,
                    occurrence=occurrence,
                    payload=named,
                    **where,
                )
                for kind, due in kinds
                if due > now
            ]
    return wanted


def reminder_offsets(
    event: EventRow, channel: ChannelRow | None, defaults: tuple[timedelta, ...]
) -> tuple[timedelta, ...]:
    """When ``event`` is reminded in ``channel``: the event's own `remind=`, else the
    channel's default, else the config's. A personal reminder follows the channel the event
    was created in."""
    if event.reminders is not None:
        return parse_offsets(event.reminders)
    if channel is None or channel.reminders is None:
        return defaults
    return parse_offsets(channel.reminders)


def _coming(
    event: EventRow, now: datetime, longest: timedelta | None, cancelled: Collection[str]
) -> list[datetime]:
    """Starts of the occurrences whose reminders may still be ahead: every one that starts
    within the longest reminder offset, and the first after that."""
    starts = next_starts(
        event.starts_at, event.timezone, event.repeat, after=now, count=AHEAD, skip=cancelled
    )
    horizon = now + (longest or timedelta())
    coming: list[datetime] = []
    for start in starts:
        coming.append(start)
        if start > horizon:
            break
    return coming
