"""One function per command: check who asks, call the service, say what happened."""

from __future__ import annotations

from datetime import timedelta

from bot.cards import (
    channel_label,
    event_card,
    event_details,
    reminders_text,
    summary_line,
    who_reply,
)
from bot.context import Context
from bot.domain import ChannelKind, Choice, EventStatus, EventView, RsvpStatus, UserRef
from bot.errors import UserError
from bot.events_in_private import events_in_your_channels
from bot.guided import key_of, prompt
from bot.language.arguments import (
    CancelArgs,
    EditArgs,
    EventFields,
    EventIdArgs,
    GuidedNewEvent,
    NewEventArgs,
    RemindArgs,
    RsvpArgs,
    ZoneArgs,
)
from bot.language.durations import format_offsets
from bot.language.paging import PageArgs
from bot.paging import Paging
from bot.permissions import can_configure_channel, can_create_event, can_manage_event
from bot.replies import Line, Reply, ReplyKind, SpanLike, cmd, line, reply
from bot.scheduler.plan import reminder_offsets
from bot.services.events import (
    cancel_event,
    cancel_occurrence,
    channel_zone,
    create_event,
    edit_event,
)
from bot.services.occurrences import ALL, choose, coming_dates, day_label
from bot.services.reopen import already_cancelled
from bot.services.rsvp import RsvpOutcome, missing_event, open_event, set_rsvp
from bot.visibility import changing_visible_event, require_event_visible
from bot.when import format_instant, zone_label
from bot.when.recurrence import repeat_label
from storage import UnitOfWork
from storage.models import EventRow
from storage.repositories import person_ref

EVENTS_PER_PAGE = 10
# Dates of a repeating event listed by `event ID`.
DATES_SHOWN = 5


def _require_verified_creator(ctx: Context) -> None:
    if not can_create_event(ctx.message.sender):
        raise UserError(
            "Only people logged in to their network's services can organise events: "
            "anyone could use your nick. Log in (e.g. /msg NickServ IDENTIFY name password) "
            "and try again."
        )


async def newevent(ctx: Context, args: NewEventArgs | GuidedNewEvent) -> list[Reply]:
    _require_verified_creator(ctx)
    if isinstance(args, GuidedNewEvent):
        async with ctx.database.unit_of_work() as uow:
            channel = await uow.channels.upsert(ctx.message.channel, ctx.now)
            zone = channel_zone(channel, ctx.settings.timezone).key
            await uow.commit()
        key = key_of(ctx.message.channel, ctx.message.sender)
        return [ctx.drafts.start(key, zone, ctx.now)]
    return await _create(ctx, args.title, args.when, args.fields)


async def continue_newevent(ctx: Context, text: str) -> list[Reply]:
    """The next answer in a guided `newevent`."""
    key = key_of(ctx.message.channel, ctx.message.sender)
    try:
        step = ctx.drafts.answer(key, text, ctx.now)
    except UserError as exc:
        return [prompt(exc.line, line("Try again, or ", cmd("cancel"), " to stop."))]
    if isinstance(step, Reply):
        return [step]
    return await _create(ctx, step.title, step.when, step.fields)


async def _create(ctx: Context, title: str, when: str, fields: EventFields) -> list[Reply]:
    async with ctx.database.unit_of_work() as uow:
        event = await create_event(
            uow,
            organizer=ctx.message.sender,
            channel=ctx.message.channel,
            title=title,
            when_text=when,
            fields=fields,
            default_zone=ctx.settings.timezone,
            now=ctx.now,
        )
        await uow.commit()
    return [event_card(event, ctx.now, headline="Created ")]


async def events(ctx: Context, args: PageArgs) -> list[Reply]:
    paging = Paging("events", args.number, EVENTS_PER_PAGE)
    if ctx.message.channel.kind is ChannelKind.DIRECT:
        return await events_in_your_channels(ctx, paging)
    async with ctx.database.unit_of_work(read_only=True) as uow:
        channel = await uow.channels.find(ctx.message.channel)
        known = uow.channels.up_to_date(channel, ctx.message.channel)
        if channel is not None and known:
            views, total = await uow.events.upcoming(
                [channel.id], ctx.now, paging.size, paging.offset
            )
    if not known:  # a new channel, or a new title: remembered as with any other command
        async with ctx.database.unit_of_work() as uow:
            channel = await uow.channels.upsert(ctx.message.channel, ctx.now)
            views, total = await uow.events.upcoming(
                [channel.id], ctx.now, paging.size, paging.offset
            )
            await uow.commit()
    if not total:
        return [
            reply(
                line(
                    "No upcoming events here. Create one: ",
                    cmd("newevent Coffee | tomorrow 18:00 | Café Nero"),
                )
            )
        ]
    if paging.past_the_end(total):
        raise paging.no_such_page(total, "upcoming events here")
    lines = [paging.heading("Upcoming events", total)]
    lines += [summary_line(view, ctx.now) for view in views]
    lines += paging.next_page(total)
    return [reply(*lines)]


async def event(ctx: Context, args: EventIdArgs) -> list[Reply]:
    async with ctx.database.unit_of_work(read_only=True) as uow:
        view, cancelled = await _read(ctx, uow, args, "event")
        channels = await uow.channels.linked_to(view.id)
        row = await uow.events.get(view.id)
        assert row is not None
        # The reminders this channel gets; asked in a private chat, its home channel's.
        here = await uow.channels.find(ctx.message.channel)
        linked_here = here is not None and any(c.id == here.id for c in channels)
        channel = here if linked_here else await uow.channels.get(row.origin_channel_id)
    dates = [
        (start, key, key in cancelled)
        for start, key in coming_dates(view, ctx.now, cancelled, DATES_SHOWN)
    ]
    announced_in = [
        channel_label(c.title or c.external_id, c.platform, c.network) for c in channels
    ]
    offsets = reminder_offsets(row, channel, ctx.settings.reminder_offsets)
    whose = (
        ""
        if row.reminders is not None
        else "the channel's setting"
        if channel is not None and channel.reminders is not None
        else "the default"
    )
    reminders = reminders_text(offsets, whose)
    return [event_details(view, ctx.now, reminders, dates, announced_in)]


async def who(ctx: Context, args: EventIdArgs) -> list[Reply]:
    async with ctx.database.unit_of_work(read_only=True) as uow:
        view, _ = await _read(ctx, uow, args, "who")
        attendees = await uow.rsvps.attendees(view.id, view.occurrence)
        linked = await uow.identities.networks(view.id, view.occurrence) if attendees else {}
    return [who_reply(view, attendees, ctx.now, linked)]


async def _read(
    ctx: Context, uow: UnitOfWork, args: EventIdArgs, command: str
) -> tuple[EventView, dict[str, str]]:
    """The event as `event` and `who` show it: for a repeating one, the date asked for
    (which must be one of its dates) or its next one; and its called-off dates."""
    await require_event_visible(ctx, uow, args.event_id, command)
    view = await uow.events.view_of(args.event_id, now=ctx.now)
    if view is None:
        raise missing_event(args.event_id, command)
    cancelled: dict[str, str] = {}
    if view.repeat or args.occurrence is not None:
        cancelled = await uow.events.cancelled_occurrences(view.id)
        key = choose(view, args.occurrence, cancelled, ctx.now, command, answering=False)
        if key != view.occurrence:
            found = await uow.events.view_of(view.id, key)
            assert found is not None
            view = found
    return view, cancelled


async def rsvp(ctx: Context, args: RsvpArgs) -> list[Reply]:
    return await _rsvp(ctx, args, "rsvp")


async def unrsvp(ctx: Context, args: RsvpArgs) -> list[Reply]:
    return await _rsvp(ctx, args, "unrsvp")


async def _rsvp(ctx: Context, args: RsvpArgs, command: str) -> list[Reply]:
    outcome = await _answer(
        ctx,
        args.event_id,
        args.status,
        guests=args.guests,
        note=args.note,
        command=command,
        occurrence=args.occurrence,
    )
    return [_rsvp_reply(ctx.message.sender, outcome, ctx, args.note)]


async def _answer(
    ctx: Context,
    event_id: int,
    status: RsvpStatus,
    *,
    guests: int | None = None,
    note: str | None = None,
    command: str = "rsvp",
    more_guests: int = 0,
    occurrence: str | None = None,
) -> RsvpOutcome:
    """Record an answer (command or button) and queue what follows from it: notices to
    whoever moved up, and fresh cards everywhere."""
    async with changing_visible_event(ctx, event_id, command) as uow:
        outcome = await set_rsvp(
            uow,
            event_id=event_id,
            person=ctx.message.sender,
            status=status,
            guests=guests,
            note=note,
            now=ctx.now,
            command=command,
            more_guests=more_guests,
            occurrence=occurrence,
        )
    ctx.touched(outcome.event)
    return outcome


def _seats(count: int) -> str:
    return f"{count} seat{'s' if count != 1 else ''}"


def _rsvp_reply(
    person: UserRef, outcome: RsvpOutcome, ctx: Context, note: str | None = None
) -> Reply:
    event = outcome.event
    name = f"#{event.id} {event.title}"
    if event.occurrence:
        name += f" on {day_label(event.starts_at, event.zone)}"
    guests = f" with +{outcome.guests}" if outcome.guests else ""
    if outcome.status is RsvpStatus.GOING:
        said = f"you're going to {name}{guests}."
    elif outcome.status is RsvpStatus.WAITLISTED:
        left = event.seats_left or 0
        why = (
            f"{name} has only {_seats(left)} left, not enough for you{guests}"
            if left
            else f"{name} is full"
        )
        said = (
            f"{why}, so you're on the waitlist at position {outcome.position}"
            f"{guests if not left else ''}. You'll move up automatically when "
            f"{'seats free' if left else 'a seat frees'}."
        )
    elif outcome.status is RsvpStatus.MAYBE:
        said = f"you're a maybe for {name}{guests}."
    else:
        said = f"you're not going to {name}."
    # Said back, so a word taken as the note rather than as the answer shows.
    noted = f' Your note: "{note}".' if note else ""
    lines = [line(f"{person.display}: {said}{noted}")]
    if outcome.refused_guests is not None:
        left = event.seats_left or 0
        lines.append(
            line(
                f"Not enough seats for +{outcome.refused_guests} ({left} free): "
                f"you keep your seat with +{outcome.guests}."
            )
        )
    if outcome.promoted:
        lines.append(_promoted_line(outcome.promoted))
    summary = summary_line(event, ctx.now)
    return Reply((*tuple(lines), summary), ReplyKind.TEXT, event)


def _promoted_line(promoted: list[UserRef]) -> Line:
    return line(f"Off the waitlist and now going: {', '.join(p.display for p in promoted)}.")


async def edit(ctx: Context, args: EditArgs) -> list[Reply]:
    async with ctx.database.unit_of_work() as uow:
        found = await uow.events.get(args.event_id, for_update=True)
        if found is not None and found.status is EventStatus.CANCELLED:
            # Whoever may manage it learns the way back (open_event would only say it was
            # cancelled).
            await require_manager(ctx, uow, found, "edit")
            cancelled = await uow.events.cancelled_occurrences(found.id) if found.repeat else {}
            raise already_cancelled(
                found, "", cancelled, ctx.now, advice="To change it, reopen it first: "
            )
        row = await open_event(uow, args.event_id, ctx.now, "edit")
        await require_manager(ctx, uow, row, "edit")
        outcome = await edit_event(
            uow, row, args.fields, ctx.now, ctx.message.sender, here=ctx.message.channel
        )
    name = f"#{outcome.event.id} {outcome.event.title}"
    ctx.touched(outcome.event)
    lines = [line(f"Updated {name}: ", "; ".join(outcome.changes), ".")]
    lines += [line(said) for said in outcome.followed.summary()]
    if outcome.promoted:
        lines.append(_promoted_line(outcome.promoted))
    event = outcome.event
    if event.capacity is not None and event.counts.seats > event.capacity:
        # Seats already given are kept: taking them back would be worse than a full room.
        lines.append(
            line(
                f"{event.counts.seats} seats are already taken, more than the new "
                f"limit of {event.capacity}. Nobody loses their seat; new RSVPs join "
                "the waitlist."
            )
        )
    return [reply(*lines), event_card(event, ctx.now)]


async def cancel(ctx: Context, args: CancelArgs) -> list[Reply]:
    async with ctx.database.unit_of_work() as uow:
        # Cancelled already: whoever may manage it is told how to undo that (open_event,
        # which reads it again, would only say it was cancelled).
        found = await uow.events.get(args.event_id, for_update=True)
        if found is not None and found.status is EventStatus.CANCELLED:
            await require_manager(ctx, uow, found, "cancel")
            cancelled = await uow.events.cancelled_occurrences(found.id) if found.repeat else {}
            raise already_cancelled(found, "", cancelled, ctx.now)
        row = await open_event(uow, args.event_id, ctx.now, "cancel")
        await require_manager(ctx, uow, row, "cancel")
        one_date = args.occurrence not in (None, ALL)
        if row.repeat and args.occurrence is None:
            raise _which_dates(await uow.events.view(row, now=ctx.now), args.reason)
        if one_date:
            cancelled = await uow.events.cancelled_occurrences(row.id)
            if args.occurrence in cancelled:
                raise already_cancelled(row, args.occurrence, cancelled, ctx.now)
            series = await uow.events.view(row, now=ctx.now)
            key = choose(series, args.occurrence, cancelled, ctx.now, "cancel")
            outcome = await cancel_occurrence(
                uow, row, key, args.reason, ctx.now, ctx.message.sender, here=ctx.message.channel
            )
            # Cards show the next date: it may be another one now.
            ctx.touched(await uow.events.view(row, now=ctx.now))
        else:
            outcome = await cancel_event(
                uow, row, args.reason, ctx.now, ctx.message.sender, here=ctx.message.channel
            )
    view = outcome.event
    when = format_instant(view.starts_at, view.zone)
    because = f" Reason: {args.reason}" if args.reason else ""
    if one_date:
        what = f"#{view.id} {view.title} on {when}. The series goes on."
    else:
        ctx.touched(view)
        dates = f", every date ({repeat_label(view.repeat)})" if view.repeat else f" ({when})"
        what = f"#{view.id} {view.title}{dates}."
    told = told_text(len(outcome.attendees_to_tell))
    undo: list[SpanLike] = []
    if view.starts_at > ctx.now:
        # A mistake is noticed here if anywhere: the way back is shown while it is open.
        undo = [" Undo: ", cmd(f"reopen {view.target if one_date else view.id}")]
    return [reply(line(f"Cancelled {what}{because}"), line(told, *undo))]


def told_text(count: int) -> str:
    """Who a cancellation (or its undoing) was told to, besides the one who asked."""
    if not count:
        return "Nobody else had answered yet."
    return f"Told {count} attendee{'s' if count != 1 else ''}."


def _which_dates(series: EventView, reason: str) -> UserError:
    """`cancel 12` on a repeating event: one date or all of them? Asked, not guessed."""
    why = f" {reason}" if reason else ""
    return UserError(
        f"#{series.id} {series.title} repeats ({repeat_label(series.repeat)}). Call off one date: ",
        cmd(f"cancel {series.id}@{series.occurrence}{why}"),
        " (the next one), or every date: ",
        cmd(f"cancel {series.id}@all{why}"),
    )


async def require_manager(ctx: Context, uow: UnitOfWork, row: EventRow, command: str) -> None:
    channel = await uow.channels.find(ctx.message.channel)
    roles = await ctx.roles()
    sender = ctx.message.sender
    if not can_manage_event(
        sender,
        person_ref(row.organizer),
        roles,
        home_channel=channel is not None and channel.id == row.origin_channel_id,
        organizer_linked=await uow.identities.linked_with(sender, row.organizer_id),
    ):
        raise UserError(
            f"Only the organizer ({row.organizer.display_name}) or an admin "
            f"can {command} #{row.id}."
        )


async def tz(ctx: Context, args: ZoneArgs) -> list[Reply]:
    async with ctx.database.unit_of_work() as uow:
        channel = await uow.channels.upsert(ctx.message.channel, ctx.now)
        if args.zone is None:
            zone = channel_zone(channel, ctx.settings.timezone)
            await uow.commit()
            source = "set for this channel" if channel.timezone else "the bot's default"
            return [
                reply(
                    line(
                        f"Time zone here: {zone_label(ctx.now, zone)}, {source}. "
                        f"Now it is {format_instant(ctx.now, zone)}."
                    ),
                    line("Admins can change it: ", cmd("tz Europe/Warsaw")),
                )
            ]
        if not can_configure_channel(ctx.message.sender, await ctx.roles()):
            raise UserError("Only an admin of this channel can change its time zone.")
        channel.timezone = args.zone
        await uow.commit()
    zone_now = format_instant(ctx.now, channel_zone(channel, ctx.settings.timezone))
    where = "chat" if ctx.message.channel.kind is ChannelKind.DIRECT else "channel"
    return [
        reply(
            line(
                f"Time zone for this {where} is now {args.zone} (it is {zone_now}). "
                "New events here use it unless they say otherwise."
            )
        )
    ]


async def remindme(ctx: Context, args: RemindArgs) -> list[Reply]:
    event, offsets = await _set_reminder(ctx, args.event_id, wanted=args.wanted)
    name = f"#{event.id} {event.title}"
    who = ctx.message.sender.display
    if not args.wanted:
        return [reply(f"{who}: no private reminders for {name}.")]
    if not offsets:
        return [reply(f"{who}: {name} has no reminder times (remind=none), so none will come.")]
    how = {
        "telegram": "If we have never talked in private, open a chat with me and press Start "
        "once, so I can write to you. ",
        "irc": "They come as private messages while you are online. ",
    }.get(ctx.message.channel.platform, "")
    return [
        reply(
            line(
                f"{who}: I'll remind you privately before {name} "
                f"({format_offsets(offsets)} before it starts)."
            ),
            line(how, "Stop with ", cmd(f"remindme {event.id} off"), "."),
        )
    ]


async def _set_reminder(
    ctx: Context, event_id: int, *, wanted: bool
) -> tuple[EventView, tuple[timedelta, ...]]:
    """Turn someone's private reminders on or off; returns the event and when they come."""
    async with changing_visible_event(ctx, event_id, "remindme") as uow:
        row = await open_event(uow, event_id, ctx.now, "remindme")
        # A linked identity's reminders are its primary's, as its answers are.
        person_id = await uow.people.save(ctx.message.sender, ctx.now)
        await uow.reminders.set(row.id, person_id, wanted, ctx.now)
        await uow.deliveries.request_plan(row.id, ctx.now)
        origin = await uow.channels.get(row.origin_channel_id)
        offsets = reminder_offsets(row, origin, ctx.settings.reminder_offsets)
        view = await uow.events.view(row, now=ctx.now)
        await uow.commit()
    return view, offsets


_BUTTON_STATUS = {
    Choice.GOING: RsvpStatus.GOING,
    Choice.PLUS_ONE: RsvpStatus.GOING,
    Choice.MAYBE: RsvpStatus.MAYBE,
    Choice.NOT_GOING: RsvpStatus.NOT_GOING,
}


async def press(ctx: Context, event_id: int, choice: Choice) -> str:
    """A card's button: the same rules as `rsvp` (or `remindme`), answered with a toast."""
    if choice is Choice.REMIND:
        event, _ = await _set_reminder(ctx, event_id, wanted=True)
        return f"🔔 I'll remind you privately before #{event.id}"
    outcome = await _answer(
        ctx,
        event_id,
        _BUTTON_STATUS[choice],
        more_guests=1 if choice is Choice.PLUS_ONE else 0,
    )
    return toast(outcome)


def toast(outcome: RsvpOutcome) -> str:
    """`You're going (+1)`, `Waitlisted, #3`: what fits in a Telegram toast."""
    guests = f" (+{outcome.guests})" if outcome.guests else ""
    if outcome.refused_guests is not None:
        left = outcome.event.seats_left or 0
        return f"Only {_seats(left)} free: you stay going{guests}"
    if outcome.status is RsvpStatus.GOING:
        return f"You're going{guests}"
    if outcome.status is RsvpStatus.WAITLISTED:
        return f"Waitlisted, #{outcome.position}{guests}"
    if outcome.status is RsvpStatus.MAYBE:
        return "You're a maybe"
    return "You're not going"
