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
from adapters.web.pages import PublicPages
from bot.config import BotSection, WebSection
from bot.core import Clock, utc_now
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


CONTEXT = web.AppKey("context", WebContext)


def build_app(context: WebContext) -> web.Application:
    app = web.Application()
    app[CONTEXT] = context
    app.add_routes(PublicPages(context).routes())
    app.add_routes(CalendarFeeds(context).routes())
    return app


@asynccontextmanager
async def running_web(context: WebContext) -> AsyncIterator[web.Application]:
    """Serve on ``[web] listen`` until the block ends."""
    app = build_app(context)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, context.web.host, context.web.port)
        await site.start()
        log.info(
            "web server listening on %s (public: %s)", context.web.listen, context.web.public_url
        )
        yield app
    finally:
        await runner.cleanup()
