"""One aiohttp server for everything the bot shows on the web; each part adds its routes.

Like the chat adapters it only translates: HTTP requests in, the core's data rendered out.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from adapters.web.feeds import CalendarFeeds
from adapters.web.health import health_routes
from adapters.web.pages import PublicPages
from adapters.web.serving import serving
from bot.config import BotSection, WebSection
from bot.core import Clock, utc_now
from bot.health import Health
from storage import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WebContext:
    """What a request handler needs: read it with ``request.app[CONTEXT]``."""

    database: Database
    settings: BotSection
    web: WebSection
    clock: Clock = utc_now
    # `[telegram] network`: the network of the `telegram:CHAT` channels a page lists.
    telegram_network: str = "telegram"
    health: Health | None = None


CONTEXT = web.AppKey("context", WebContext)


def build_app(context: WebContext) -> web.Application:
    app = web.Application()
    app[CONTEXT] = context
    app.add_routes(PublicPages(context).routes())
    app.add_routes(CalendarFeeds(context).routes())
    if context.health is not None:
        app.add_routes(health_routes(context.health, context.database))
    return app


@asynccontextmanager
async def running_web(context: WebContext) -> AsyncIterator[web.Application]:
    """Serve on ``[web] listen`` until the block ends."""
    app = build_app(context)
    async with serving(app, context.web.host, context.web.port):
        log.info("web server's public address: %s", context.web.public_url)
        yield app
