"""Webhook mode: Telegram posts each update to the bot instead of the bot polling for it.

A small aiohttp server of our own rather than PTB's ``Updater.start_webhook`` (tornado): PTB
answers a bad secret token with 403 too, but logs it only at DEBUG (invisible in a normal
run) and quotes the token it was sent, and changing that means reaching into its private
request handler. aiohttp already serves ``[web]``, so no second HTTP stack comes along. The
updates go into PTB's own update queue, so handlers run exactly as when polling.
"""

from __future__ import annotations

import asyncio
import hmac
import logging

from aiohttp import web
from telegram import Bot, Update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookServer:
    """Accepts updates on one path, only with the secret token Telegram was given."""

    __slots__ = ("_bot", "_path", "_queue", "_runner", "_secret")

    def __init__(self, path: str, secret: str, bot: Bot, queue: asyncio.Queue[object]) -> None:
        self._path = path
        self._secret = secret.encode()
        self._bot = bot
        self._queue = queue
        self._runner: web.AppRunner | None = None

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def start(self, host: str, port: int) -> None:
        app = web.Application()
        app.router.add_post(self._path, self._receive)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        log.info("telegram: webhook server listening on %s:%s", host, port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        # Constant time: a byte-by-byte comparison would let a stranger guess it piece by piece.
        if given is None or not hmac.compare_digest(given.encode(), self._secret):
            # What was sent is never logged: it may be an old secret, or a near miss of this one.
            log.warning(
                "telegram: refused a webhook request from %s: %s secret token (403)",
                request.remote,
                "no" if given is None else "wrong",
            )
            return web.Response(status=403)
        try:
            update = Update.de_json(await request.json(), self._bot)
        except Exception:
            # Telegram (it knew the secret) sent something that is not an update: a 400 makes
            # it give up on this one instead of retrying it forever.
            log.warning("telegram: a webhook request was not an update (400)", exc_info=True)
            return web.Response(status=400)
        await self._queue.put(update)
        return web.Response()
