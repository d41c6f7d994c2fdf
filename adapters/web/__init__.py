"""The bot's small HTTP server: calendar feeds and public pages (started with `[web]`)."""

from adapters.web.server import WebContext, running_web

__all__ = ["WebContext", "running_web"]
