"""`/healthz`: 200 when every part of the bot works, 503 naming the part that does not;
`/metrics`: Prometheus' text format.

Served by the web server, or on `[health] listen` alone when `[web]` is not configured.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from adapters.web.serving import serving
from bot.health import OK, Health
from bot.metrics import exposition
from storage import Database


def health_routes(health: Health, database: Database) -> list[web.RouteDef]:
    async def healthz(_request: web.Request) -> web.Response:
        parts = await health.check()
        failing = sorted(name for name, state in parts.items() if state != OK)
        body = {"status": "ok" if not failing else "failing", "failing": failing, "parts": parts}
        return web.json_response(
            body, status=503 if failing else 200, headers={"Cache-Control": "no-store"}
        )

    async def metrics(_request: web.Request) -> web.Response:
        body = await exposition(database)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return [web.get("/healthz", healthz), web.get("/metrics", metrics)]


@asynccontextmanager
async def running_health(
    host: str, port: int, health: Health, database: Database
) -> AsyncIterator[None]:
    app = web.Application()
    app.add_routes(health_routes(health, database))
    async with serving(app, host, port):
        yield
