"""How events and attendee lists read, in neutral spans every adapter can render."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from bot.domain import Attendee, EventStatus, EventView, RsvpStatus, UserRef
from bot.language.durations import format_offsets
from bot.replies import Line, Reply, ReplyKind, SpanLike, bold, cmd, line, link, reply_lines
from bot.when import format_relative, format_span
from bot.when.recurrence import repeat_label

SEP = " · "


def counts_text(event: EventView) -> str:
    """`3/20 going · 2 waitlisted · 1 maybe`; seats count guests."""
    seats = event.counts.seats
    parts = [f"{seats}/{event.capacity} going" if event.capacity else f"{seats} going"]
    if event.counts.waitlisted:
        parts.append(f"{event.counts.waitlisted} waitlisted")
    if event.counts.maybe:
        parts.append(f"{event.counts.maybe} maybe")
    return SEP.join(parts)


def when_text(event: EventView) -> str:
    return format_span(event.starts_at, event.ends_at, event.zone)


def summary_line(event: EventView, now: datetime) -> Line:
    """`#12 Developers Gathering · Fri 2026-12-05 18:00-20:00 CET (Europe/Warsaw) · Café Nero ·
    0/20 going`."""
    status = event.status(now)
    parts: list[SpanLike] = []
    if status is not EventStatus.SCHEDULED:
        parts.append(f"[{status.value.upper()}] ")
    parts += [bold(f"#{event.id} {event.title}"), SEP, when_text(event)]
    if event.repeat:
        # One date of a series: say it is one of many.
        parts += [SEP, repeat_label(event.repeat)]
    if event.venue:
        parts += [SEP, event.venue]
    elif event.url:
        parts += [SEP, link(event.url, event.url)]
    parts += [SEP, counts_text(event)]
    return line(*parts)


def event_card(event: EventView, now: datetime, *, headline: str = "") -> Reply:
    """The short card posted when an event is created or announced (adapters add buttons)."""
    lines = [line(headline, *summary_line(event, now)) if headline else summary_line(event, now)]
    if event.status(now) is EventStatus.SCHEDULED:
        lines.append(
            line("RSVP: ", cmd(f"rsvp {event.id}"), "  ·  details: ", cmd(f"event {event.id}"))
        )
    return Reply(tuple(lines), ReplyKind.EVENT_CARD, event)


def event_details(
    event: EventView,
    now: datetime,
    reminders: str,
    dates: Sequence[tuple[datetime, str, bool]] = (),
    announced_in: Sequence[str] = (),
) -> Reply:
    """The whole event; ``reminders`` says when the channel asking gets reminders (see
    reminders_text); for a repeating event ``dates`` are its next few as (start, key, called
    off); ``announced_in`` names the channels it is linked to (see channel_label)."""
    status = event.status(now)
    lines: list[Line] = [line(bold(f"#{event.id} {event.title}"))]
    if status is EventStatus.CANCELLED:
        reason = f": {event.cancel_reason}" if event.cancel_reason else ""
        lines.append(line(f"Cancelled{reason}"))
    when = when_text(event)
    relative = format_relative(event.starts_at, now)
    lines.append(
        line(
            "When: ",
            when,
            f" ({relative})"
            if status is EventStatus.SCHEDULED
            else " (over)"
            if status is EventStatus.PAST
            else "",
        )
    )
    if event.venue:
        lines.append(line("Where: ", event.venue))
    if event.url:
        lines.append(line("Online: ", link(event.url, event.url)))
    lines.append(line("Organizer: ", event.organizer.display))
    if announced_in:
        lines.append(line("Announced in: ", ", ".join(announced_in)))
    limit = f" (limit {event.capacity})" if event.capacity else ""
    lines.append(line("Attendance: ", counts_text(event), limit))
    lines.append(line(f"Reminders: {reminders}"))
    if event.repeat:
        # As typed in repeat= (FREQ=...), for copying into another event.
        rule = event.repeat.removeprefix("RRULE:")
        lines.append(line(f"Repeats: {repeat_label(event.repeat)} ({rule})"))
        if dates and status is not EventStatus.CANCELLED:
            shown = [
                start.astimezone(event.zone).strftime("%a %Y-%m-%d")
                + (" (cancelled)" if cancelled else "")
                for start, _, cancelled in dates
            ]
            lines.append(line("Next dates: ", ", ".join(shown)))
    if event.description:
        lines.append(line(event.description))
    if status is EventStatus.SCHEDULED:
        coming = [key for _, key, cancelled in dates if not cancelled]
        # A plain `rsvp 12` answers for the next date: a later one shown needs its @DATE.
        shown_later = bool(event.repeat and coming and event.occurrence != coming[0])
        target = f"{event.id}@{event.occurrence}" if shown_later else str(event.id)
        lines.append(
            line(
                "RSVP: ",
                cmd(f"rsvp {target} [yes|maybe|no] [+N] [note]"),
                " · who's coming: ",
                cmd(f"who {target}"),
            )
        )
        later = [key for key in coming if key != event.occurrence]
        if event.repeat and later and not shown_later:
            lines.append(
                line("That is for the next date; another one: ", cmd(f"rsvp {event.id}@{later[0]}"))
            )
    return Reply(tuple(lines), ReplyKind.EVENT_CARD, event)


def network_label(platform: str, network: str) -> str:
    """`irc:libera`, `telegram`: where a channel or a person is."""
    return platform if network == platform else f"{platform}:{network}"


def reminders_text(offsets: tuple[timedelta, ...], whose: str = "") -> str:
    """`1d,1h before (the default)`: when reminders come and, unless the event's own, whose
    choice that is."""
    said = f"{format_offsets(offsets)} before" if offsets else "none"
    return f"{said} ({whose})" if whose else said


def channel_label(title: str, platform: str, network: str) -> str:
    """`#main (irc:libera)`, `Warsaw Devs (telegram)`: a channel and where it is."""
    return f"{title} ({network_label(platform, network)})"


# (platform, network) of the identities linked to a person, by the person's
# (platform, network, id): see storage.identities.
LinkedNetworks = Mapping[tuple[str, str, str], Sequence[tuple[str, str]]]


def _person(attendee: Attendee, networks: Sequence[str]) -> str:
    guests = (
        f" +{attendee.guests}"
        if attendee.guests and attendee.status is not RsvpStatus.NOT_GOING
        else ""
    )
    note = f" ({attendee.note})" if attendee.note else ""
    marks = [*networks, *([] if attendee.person.verified else ["unverified"])]
    marked = f" [{', '.join(marks)}]" if marks else ""
    return f"{attendee.person.display}{marked}{guests}{note}"


def _networks_of(attendees: list[Attendee], linked: LinkedNetworks) -> dict[UserRef, list[str]]:
    """Each attendee's networks (a linked person's all of them); none when everyone is on
    one network, where marking them would say nothing."""
    networks: dict[UserRef, list[str]] = {}
    for attendee in attendees:
        person = attendee.person
        places = [(person.platform, person.network)]
        places += linked.get((person.platform, person.network, person.id), ())
        networks[person] = [network_label(*place) for place in dict.fromkeys(places)]
    if len({label for labels in networks.values() for label in labels}) < 2:
        return {}
    return networks


def who_reply(
    event: EventView,
    attendees: list[Attendee],
    now: datetime,
    linked: LinkedNetworks | None = None,
) -> Reply:
    """Who answered; each person's network is marked when they are on more than one."""
    networks = _networks_of(attendees, linked or {})

    def entry(attendee: Attendee) -> str:
        return _person(attendee, networks.get(attendee.person, []))

    by_status: dict[RsvpStatus, list[Attendee]] = {status: [] for status in RsvpStatus}
    for attendee in attendees:
        by_status[attendee.status].append(attendee)
    lines: list[Line] = [summary_line(event, now)]
    going = by_status[RsvpStatus.GOING]
    if going:
        lines.append(
            line(bold(f"Going ({event.counts.seats}): "), ", ".join(entry(a) for a in going))
        )
    elif event.status(now) is EventStatus.SCHEDULED:
        lines.append(line("Nobody is going yet. Be the first: ", cmd(f"rsvp {event.target}")))
    else:  # cancelled or over: nobody can answer any more
        lines.append(line("Nobody was going."))
    waiting = by_status[RsvpStatus.WAITLISTED]
    if waiting:
        lines.append(
            line(
                bold(f"Waitlist ({len(waiting)}): "),
                ", ".join(f"{a.position}. {entry(a)}" for a in waiting),
            )
        )
    maybe = by_status[RsvpStatus.MAYBE]
    if maybe:
        lines.append(line(bold(f"Maybe ({len(maybe)}): "), ", ".join(entry(a) for a in maybe)))
    not_going = by_status[RsvpStatus.NOT_GOING]
    if not_going:
        lines.append(
            line(f"Can't make it ({len(not_going)}): ", ", ".join(entry(a) for a in not_going))
        )
    return reply_lines(lines)
