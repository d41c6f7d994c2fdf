"""Calendars of events: the signed links to them, what each calendar holds, and the `ics`
and `myfeed` commands that hand them out.

Links are where the public page (adapters/web/pages.py) and the chat commands get them:
``event_link``, ``channel_link`` and ``person_link``. An event's or a channel's link is
signed with ``[web] secret`` so a private group's events cannot be read by counting numbers;
a person's feed has a random token of its own (`myfeed reset` replaces it).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from bot.calendar import MEDIA_TYPE, CalendarEvent, calendar_file
from bot.config import WebSection
from bot.context import Context
from bot.domain import ChannelKind, Counts, EventStatus, EventView, length_of
from bot.errors import UserError
from bot.language.arguments import parse_event_id
from bot.replies import Attachment, Line, Reply, cmd, line, link, reply
from bot.services.rsvp import missing_event
from bot.visibility import require_event_visible
from bot.when.recurrence import occurrence_starts
from storage import Database, UnitOfWork
from storage.models import EventRow
from storage.repositories import at_occurrence, event_view

# Hex digits of HMAC-SHA256 in a link: 80 bits, beyond guessing.
SIGNATURE_LENGTH = 20
# Feeds show what is coming and what happened lately (a calendar keeps the rest).
RECENT = timedelta(days=30)
# A feed lists at most this many events (and series) of each kind.
FEED_LIMIT = 500
# The host in UIDs when there is no `[web] public_url` to take it from.
NO_HOST = "gatherbot.invalid"


# --------------------------------------------------------------------------------- links


def signature(web: WebSection, kind: str, number: int) -> str:
    """HMAC-SHA256 of `kind:number` (`event:12`, `channel:3`) with ``[web] secret``."""
    key = web.secret.get_secret_value().encode()
    digest = hmac.new(key, f"{kind}:{number}".encode(), hashlib.sha256).hexdigest()
    return digest[:SIGNATURE_LENGTH]


def signed(web: WebSection, kind: str, number: int, given: str) -> bool:
    return hmac.compare_digest(signature(web, kind, number), given)


def event_path(web: WebSection, event_id: int) -> str:
    return f"/events/{event_id}-{signature(web, 'event', event_id)}.ics"


def channel_path(web: WebSection, channel_id: int) -> str:
    """The feed of a channel, by its row id (channels.id)."""
    return f"/channels/{channel_id}-{signature(web, 'channel', channel_id)}.ics"


def person_path(token: str) -> str:
    return f"/me/{token}.ics"


def event_link(web: WebSection, event_id: int) -> str:
    return web.link(event_path(web, event_id))


def channel_link(web: WebSection, channel_id: int) -> str:
    return web.link(channel_path(web, channel_id))


def person_link(web: WebSection, token: str) -> str:
    return web.link(person_path(token))


def host(web: WebSection | None) -> str:
    """The host in UIDs: `[web] public_url`'s, so they stay the same as long as it does."""
    found = urlsplit(web.public_url).hostname if web is not None else None
    return found or NO_HOST


# ----------------------------------------------------------------------------- calendars


async def event_calendar(
    database: Database, web: WebSection, event_id: int, given_signature: str
) -> bytes | None:
    """The .ics of one event (a whole series with its called-off dates); None when the
    signature is wrong or there is no such event."""
    if not signed(web, "event", event_id, given_signature):
        return None
    async with database.unit_of_work(read_only=True) as uow:
        found = await _event_entry(uow, event_id)
    return None if found is None else calendar_file([found], host=host(web))


async def channel_calendar(
    database: Database, web: WebSection, channel_id: int, given_signature: str, now: datetime
) -> bytes | None:
    """The feed of a channel: its events of the last 30 days and to come, series whole
    (RRULE, called-off dates as EXDATE), cancelled ones as such so subscribers see it."""
    if not signed(web, "channel", channel_id, given_signature):
        return None
    since = now - RECENT
    async with database.unit_of_work(read_only=True) as uow:
        channel = await uow.channels.get(channel_id)
        if channel is None:
            return None
        rows = await uow.feeds.channel_events(channel_id, since, FEED_LIMIT)
        series = [row for row in rows if row.repeat and _dates_since(row, since)]
        cancelled = await uow.events.cancelled_of([row.id for row in series])
    entries = [_entry(row, _view(row)) for row in rows if not row.repeat]
    entries += [_entry(row, _view(row), cancelled.get(row.id, {})) for row in series]
    name = f"{channel.title or channel.external_id} · gatherings"
    return calendar_file(entries, host=host(web), name=name, feed=True)


async def person_calendar(
    database: Database, web: WebSection, token: str, now: datetime
) -> bytes | None:
    """A person's feed: what they answered yes, maybe or waitlisted for, of the last 30
    days and to come; of a series, each date they answered, as an entry of its own."""
    async with database.unit_of_work(read_only=True) as uow:
        person_id = await uow.feeds.person_of(token)
        if person_id is None:
            return None
        answered = await uow.rsvps.answers_of(person_id, now - RECENT, FEED_LIMIT)
        series_ids = sorted({row.id for row, answer in answered if answer.occurrence})
        cancelled = await uow.events.cancelled_of(series_ids)
    entries = []
    for row, answer in answered:
        view = _view(row)
        if answer.occurrence:
            view = at_occurrence(view, answer.occurrence, Counts(), cancelled.get(row.id, {}))
        entries.append(_entry(row, view))
    entries.sort(key=lambda entry: (entry.starts_at, entry.id))
    return calendar_file(entries, host=host(web), name="My gatherings", feed=True)


async def _event_entry(uow: UnitOfWork, event_id: int) -> CalendarEvent | None:
    row = await uow.events.get(event_id)
    if row is None:
        return None
    cancelled = await uow.events.cancelled_occurrences(row.id) if row.repeat else {}
    return _entry(row, _view(row), cancelled)


def _view(row: EventRow) -> EventView:
    return event_view(row, Counts())


def _entry(row: EventRow, view: EventView, cancelled: Collection[str] = ()) -> CalendarEvent:
    """``view`` (the event, its series, or one date of it) as a calendar entry; ``row``
    gives what views do not carry."""
    return CalendarEvent(
        id=view.id,
        title=view.title,
        description=view.description,
        venue=view.venue,
        url=view.url,
        starts_at=view.starts_at,
        ends_at=view.ends_at,
        timezone=view.timezone,
        sequence=row.sequence,
        created_at=row.created_at,
        updated_at=row.updated_at,
        cancelled=view.stored_status is EventStatus.CANCELLED,
        cancel_reason=view.cancel_reason,
        repeat="" if view.occurrence else view.repeat,
        cancelled_dates=tuple(sorted(cancelled)),
        occurrence=view.occurrence,
    )


def _dates_since(row: EventRow, since: datetime) -> bool:
    """Whether a series has a date that ends after ``since``."""
    length = length_of(row.starts_at, row.ends_at)
    return bool(
        occurrence_starts(row.starts_at, row.timezone, row.repeat, after=since - length, count=1)
    )


# ------------------------------------------------------------------------------ commands


@dataclass(frozen=True, slots=True)
class IcsArgs:
    event_id: int | None  # None: this channel's feed


def parse_ics(rest: str) -> IcsArgs:
    text = rest.strip()
    return IcsArgs(parse_event_id(text, "ics") if text else None)


@dataclass(frozen=True, slots=True)
class MyFeedArgs:
    reset: bool


def parse_myfeed(rest: str) -> MyFeedArgs:
    text = rest.strip().lower()
    if text not in ("", "reset"):
        raise UserError(
            f"Say myfeed for your link, or myfeed reset for a new one, not '{rest.strip()[:20]}'.",
            command="myfeed",
        )
    return MyFeedArgs(reset=text == "reset")


def _needs_web() -> Reply:
    return reply("Calendar links need [web] in the bot's config: ask whoever runs the bot.")


async def ics(ctx: Context, args: IcsArgs) -> list[Reply]:
    if args.event_id is None:
        return [await _channel_feed(ctx)]
    async with ctx.database.unit_of_work(read_only=True) as uow:
        await require_event_visible(ctx, uow, args.event_id, "ics")
        found = await _event_entry(uow, args.event_id)
    if found is None:
        raise missing_event(args.event_id, "ics")
    name = f"#{found.id} {found.title}"
    content = calendar_file([found], host=host(ctx.web))
    caption: tuple[Line, ...] = (line(f"{name} for your calendar."),)
    if ctx.web is None:
        lines = _needs_web().lines
    else:
        url = event_link(ctx.web, found.id)
        lines = (line(f"{name} for your calendar: ", link(url, url)),)
        caption += (line("Subscribe to it to keep up with changes: ", link(url, url)),)
    attachment = Attachment(f"event-{found.id}.ics", MEDIA_TYPE, content, caption)
    return [Reply(lines, attachment=attachment)]


async def _channel_feed(ctx: Context) -> Reply:
    if ctx.message.channel.kind is ChannelKind.DIRECT:
        raise UserError(
            "Which event? Give its number: ",
            cmd("ics 12"),
            ". The events you answered for, as a calendar: ",
            cmd("myfeed"),
            ".",
        )
    if ctx.web is None:
        return _needs_web()
    async with ctx.database.unit_of_work() as uow:
        channel = await uow.channels.upsert(ctx.message.channel, ctx.now)
        await uow.commit()
    url = channel_link(ctx.web, channel.id)
    return reply(
        line("Every event here in your calendar app (subscribe to the link): ", link(url, url)),
        line("One event as a file: ", cmd("ics 12")),
    )


async def myfeed(ctx: Context, args: MyFeedArgs) -> list[Reply]:
    if ctx.message.channel.kind is not ChannelKind.DIRECT:
        return [
            reply(
                line(
                    "Your calendar link is yours alone: ask me in a private chat with ",
                    cmd("myfeed"),
                    ".",
                )
            )
        ]
    if ctx.web is None:
        return [_needs_web()]
    async with ctx.database.unit_of_work() as uow:
        person_id = await uow.people.save(ctx.message.sender, ctx.now)
        if args.reset:
            token = await uow.feeds.new_token(person_id, ctx.now)
        else:
            token = await uow.feeds.token(person_id, ctx.now)
        await uow.commit()
    url = person_link(ctx.web, token)
    first = "A new link; the old one no longer works: " if args.reset else "Your calendar: "
    return [
        reply(
            line(first, link(url, url)),
            line(
                "It has the events you answered yes, maybe or waitlisted for, the last 30 "
                "days and all to come. Subscribe to it in your calendar app."
            ),
            line(
                "Keep it to yourself: anyone with the link sees these events. A new link: ",
                cmd("myfeed reset"),
            ),
        )
    ]
