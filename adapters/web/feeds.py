"""Calendar files over HTTP: an event, a channel's feed, a person's feed (see bot.feeds).

A link that is not right (wrong signature or token, no such event) is a plain 404, the same
as a path that never existed: nothing tells a guesser they came close.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from bot import feeds
from bot.calendar import MEDIA_TYPE

if TYPE_CHECKING:
    from adapters.web.server import WebContext

# An id is at most 9 digits (the chat refuses longer), a signature SIGNATURE_LENGTH hex
# digits, a token URL-safe base64: anything else never reaches the database.
_ID = r"\d{1,9}"
_SIGNATURE = rf"[0-9a-f]{{{feeds.SIGNATURE_LENGTH}}}"
_TOKEN = r"[A-Za-z0-9_-]{16,64}"
# Calendar programs ask again every hour or so; an edit shows within minutes.
_SHARED = "public, max-age=300"


class CalendarFeeds:
    """The routes of the calendar files; ``build_app`` adds ``routes()``."""

    def __init__(self, context: WebContext) -> None:
        self._context = context

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get(f"/events/{{event_id:{_ID}}}-{{signature:{_SIGNATURE}}}.ics", self._event),
            web.get(
                f"/channels/{{channel_id:{_ID}}}-{{signature:{_SIGNATURE}}}.ics", self._channel
            ),
            web.get(f"/me/{{token:{_TOKEN}}}.ics", self._person),
        ]

    async def _event(self, request: web.Request) -> web.Response:
        context = self._context
        event_id = int(request.match_info["event_id"])
        body = await feeds.event_calendar(
            context.database, context.web, event_id, request.match_info["signature"]
        )
        return _calendar(body, f"event-{event_id}.ics", cache=_SHARED)

    async def _channel(self, request: web.Request) -> web.Response:
        context = self._context
        channel_id = int(request.match_info["channel_id"])
        body = await feeds.channel_calendar(
            context.database,
            context.web,
            channel_id,
            request.match_info["signature"],
            context.clock(),
        )
        return _calendar(body, f"channel-{channel_id}.ics", cache=_SHARED)

    async def _person(self, request: web.Request) -> web.Response:
        context = self._context
        body = await feeds.person_calendar(
            context.database, context.web, request.match_info["token"], context.clock()
        )
        # Someone's own answers: no copy kept on the way, and a fresh one each time.
        return _calendar(body, "my-gatherings.ics", cache="private, no-store")


def _calendar(body: bytes | None, filename: str, *, cache: str) -> web.Response:
    if body is None:
        raise web.HTTPNotFound()
    return web.Response(
        body=body,
        content_type=MEDIA_TYPE,
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": cache,
            # Links are shared in chats; keep them out of search engines.
            "X-Robots-Tag": "noindex",
        },
    )
