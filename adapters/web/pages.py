"""The public pages: a community's coming gatherings (`/c/<slug>`) and one gathering
(`/c/<slug>/events/<id>`), listed from the channels `[[web.pages]]` names.

Plain server-rendered HTML (Jinja2, every value autoescaped): no JavaScript, nothing loaded
from elsewhere, readable on a phone. Only reads, in a read-only unit of work.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined

from adapters.irc.people import fold
from bot import feeds
from bot.cards import counts_text, when_text
from bot.config import WebPage
from bot.domain import ChannelRef, EventStatus, EventView
from bot.services.occurrences import coming_dates, day_label
from bot.when import format_relative
from bot.when.recurrence import repeat_label
from storage.models import ChannelRow

if TYPE_CHECKING:
    from adapters.web.server import WebContext

# A community page lists at most this many gatherings (and says so when there may be more).
PAGE_EVENTS = 100
# The next dates a repeating gathering's own page lists.
DATES_SHOWN = 5
_WEB_ADDRESS = re.compile(r"https?://\S+", re.IGNORECASE)
_HEADERS = {
    # An RSVP shows on the next load: the page is cheap to render, so nothing keeps it.
    "Cache-Control": "no-cache",
    # Nothing but the page's own inline style: no script, no outside resource, no framing.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@dataclass(frozen=True, slots=True)
class Place:
    """Where a community meets: one of the page's channels the bot has seen."""

    platform: str  # "Telegram", "IRC"
    name: str  # the group's title, the channel's name
    network: str  # "" for Telegram, the IRC network's name
    calendar: str  # the path of its calendar feed (signed)


@dataclass(frozen=True, slots=True)
class RsvpWay:
    """How to answer for an event in one of its channels on the page."""

    place: Place
    command: str  # `/rsvp 12`, `!rsvp 12`
    button: bool  # Telegram cards have a Going button


@dataclass(frozen=True, slots=True)
class Gathering:
    """An event as the page shows it (strings ready to print; the template escapes them)."""

    id: int
    title: str
    path: str
    when: str  # `Fri 2026-12-05 18:00-20:00 CET (Europe/Warsaw)`
    starts_at: str  # for `<time datetime>`: the start in the event's zone, with its offset
    relative: str  # `in 3 days`
    repeats: str  # `every week`; "" for an event that happens once
    venue: str
    venue_link: bool  # the venue is a web address (an online event)
    url: str  # a web address, or ""
    counts: str  # `3/20 going · 1 waitlisted · 2 maybe`
    seats_left: int | None
    status: str  # "scheduled", "cancelled", "past"
    cancel_reason: str
    description: str
    rsvp: tuple[RsvpWay, ...]
    calendar: str  # the path of its calendar file (signed)
    dates: tuple[tuple[str, bool], ...]  # next dates of a series: (label, called off)
    later: str  # the key of a later date to answer for (`rsvp 12@2026-12-12`), or ""


class PublicPages:
    """The request handlers; `app.add_routes(PublicPages(context).routes())`."""

    def __init__(self, context: WebContext) -> None:
        self._context = context
        self._pages = {page.slug: page for page in context.web.pages}
        # Links stay under public_url's path, for a proxy that serves the bot under a prefix.
        self._base = urlsplit(context.web.public_url).path.rstrip("/")
        self._templates = Environment(
            loader=PackageLoader("adapters.web", "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/", self.index),
            web.get("/c/{slug}", self.community),
            # Nine digits at most: a longer number is no event (and would overflow the column).
            web.get(r"/c/{slug}/events/{event_id:[0-9]{1,9}}", self.event),
        ]

    async def index(self, request: web.Request) -> web.StreamResponse:
        """The configured pages; straight to the page when there is only one."""
        pages = list(self._pages.values())
        if len(pages) == 1:
            raise web.HTTPFound(self._page_path(pages[0]))
        if not pages:
            return self._not_found("There are no public pages here.")
        return self._render(
            "index.html",
            pages=[(page.title, self._page_path(page)) for page in pages],
        )

    async def community(self, request: web.Request) -> web.StreamResponse:
        page = self._pages.get(request.match_info["slug"])
        if page is None:
            return self._not_found("There is no such page here.")
        now = self._context.clock()
        async with self._context.database.unit_of_work(read_only=True) as uow:
            channels = await uow.pages.channels(self._channel_refs(page))
            channel_ids = [channel.id for channel in channels]
            events = await uow.pages.coming(channel_ids, now, PAGE_EVENTS)
            linked = await uow.pages.linked_among([event.id for event in events], channel_ids)
        return self._render(
            "community.html",
            page=page,
            page_path=self._page_path(page),
            places=[self._place(channel) for channel in channels],
            gatherings=[
                self._gathering(page, event, linked.get(event.id, []), now) for event in events
            ],
            more=len(events) == PAGE_EVENTS,
        )

    async def event(self, request: web.Request) -> web.StreamResponse:
        page = self._pages.get(request.match_info["slug"])
        if page is None:
            return self._not_found("There is no such page here.")
        event_id = int(request.match_info["event_id"])
        now = self._context.clock()
        async with self._context.database.unit_of_work(read_only=True) as uow:
            channels = await uow.pages.channels(self._channel_refs(page))
            linked = await uow.pages.linked_among([event_id], [c.id for c in channels])
            # Only an event announced in one of the page's channels: the bot's other events
            # (other communities, private chats) are not this page's to show.
            event = await uow.events.view_of(event_id, now=now) if linked else None
            cancelled = await uow.events.cancelled_occurrences(event_id) if event else {}
        if event is None:
            return self._not_found(
                "There is no such gathering on this page.", back=self._page_path(page)
            )
        coming = coming_dates(event, now, cancelled, DATES_SHOWN)
        dates = tuple((day_label(start, event.zone), key in cancelled) for start, key in coming)
        later = next(
            (key for _, key in coming if key != event.occurrence and key not in cancelled), ""
        )
        return self._render(
            "event.html",
            page=page,
            page_path=self._page_path(page),
            gathering=self._gathering(page, event, linked[event_id], now, dates, later),
        )

    def _channel_refs(self, page: WebPage) -> list[ChannelRef]:
        """The page's channels as the adapters name them (config.py checked their form)."""
        refs = []
        for channel in page.channels:
            platform, _, where = channel.partition(":")
            if platform == "telegram":
                refs.append(ChannelRef(platform, self._context.telegram_network, where))
            else:
                network, _, name = where.partition("/")
                # IRC channel names compare case-insensitively; the adapter stores them folded.
                refs.append(ChannelRef(platform, network, fold(name)))
        return refs

    def _gathering(
        self,
        page: WebPage,
        event: EventView,
        channels: Sequence[ChannelRow],
        now: datetime,
        dates: tuple[tuple[str, bool], ...] = (),
        later: str = "",
    ) -> Gathering:
        status = event.status(now)
        return Gathering(
            id=event.id,
            title=event.title,
            path=f"{self._page_path(page)}/events/{event.id}",
            when=when_text(event),
            starts_at=event.starts_at.astimezone(event.zone).isoformat(timespec="minutes"),
            relative=format_relative(event.starts_at, now),
            repeats=repeat_label(event.repeat) if event.repeat else "",
            venue=event.venue,
            venue_link=bool(_WEB_ADDRESS.fullmatch(event.venue)),
            url=event.url if _WEB_ADDRESS.fullmatch(event.url) else "",
            counts=counts_text(event),
            seats_left=event.seats_left,
            status=status.value,
            cancel_reason=event.cancel_reason,
            description=event.description,
            # Answering is for events still to come.
            rsvp=tuple(self._rsvp_way(channel, event.id) for channel in channels)
            if status is EventStatus.SCHEDULED
            else (),
            calendar=self._base + feeds.event_path(self._context.web, event.id),
            dates=dates,
            later=later,
        )

    def _page_path(self, page: WebPage) -> str:
        return f"{self._base}/c/{page.slug}"

    def _render(self, template: str, *, status: int = 200, **values: Any) -> web.Response:
        html = self._templates.get_template(template).render(**values)
        return web.Response(
            text=html, status=status, content_type="text/html", charset="utf-8", headers=_HEADERS
        )

    def _not_found(self, message: str, *, back: str = "") -> web.Response:
        return self._render("not_found.html", status=404, message=message, back=back)

    def _place(self, channel: ChannelRow) -> Place:
        calendar = self._base + feeds.channel_path(self._context.web, channel.id)
        if channel.platform == "telegram":
            return Place("Telegram", channel.title or "the Telegram group", "", calendar)
        return Place("IRC", channel.title or channel.external_id, channel.network, calendar)

    def _rsvp_way(self, channel: ChannelRow, event_id: int) -> RsvpWay:
        telegram = channel.platform == "telegram"
        prefix = "/" if telegram else "!"
        return RsvpWay(self._place(channel), f"{prefix}rsvp {event_id}", button=telegram)
