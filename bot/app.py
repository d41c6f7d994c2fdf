"""The one place that wires the bot together and takes it apart again, in reverse order."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager

from bot.config import BotSection, WebSection
from bot.core import Clock, Core, utc_now
from bot.health import Health
from bot.ports import Adapter, Outbox
from bot.scheduler import Dispatcher
from storage import Database, redact_url

log = logging.getLogger(__name__)


@asynccontextmanager
async def running_bot(
    settings: BotSection,
    adapters: Sequence[Adapter],
    *,
    database_url: str | None = None,
    clock: Clock = utc_now,
    web: WebSection | None = None,
) -> AsyncIterator[Core]:
    """Open the database (migrating it), build the core, start every adapter, then the
    scheduler (what came due while the bot was down goes out to connected networks); on exit
    stop them in reverse and close the database last."""
    url = database_url or settings.database_url
    async with AsyncExitStack() as stack:
        database = Database(url)
        stack.push_async_callback(database.dispose)
        await database.upgrade()
        log.info("database ready: %s", redact_url(url))
        outbox = Outbox()
        core = Core(database, settings, outbox, clock, web=web)
        for adapter in adapters:
            outbox.register(adapter)
            await adapter.start(core)
            stack.push_async_callback(adapter.stop)
            log.info("adapter started: %s:%s", adapter.platform, adapter.network)
        dispatcher = Dispatcher(database, outbox, settings, clock)
        await dispatcher.start()
        stack.push_async_callback(dispatcher.stop)
        core.health = Health(database, adapters, dispatcher)
        core.deliveries_settled = dispatcher.settled
        # Everything built so far (libraries, models, compiled queries) lives as long as the
        # bot: kept out of the garbage collector's full passes, which otherwise walk all of
        # it and held the event loop for ~90 ms at a time (bench/scheduler_load.py).
        gc.freeze()
        yield core
