"""Is the bot working? The database answers, every network is connected, the scheduler runs.

Read by `/healthz` (and so by Docker's HEALTHCHECK and `gatherbot health`): each part is
"ok" or says what is wrong, so an operator knows where to look.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.ports import Adapter
from storage import Database

log = logging.getLogger(__name__)

OK = "ok"
# A database that takes longer than this to answer `SELECT 1` is as good as down for people
# waiting on a reply.
DATABASE_TIMEOUT = 3.0


class Checked(Protocol):
    def problem(self) -> str | None:
        """None while working; otherwise what is wrong, in a few words."""
        ...


class Health:
    def __init__(self, database: Database, adapters: Sequence[Adapter], scheduler: Checked) -> None:
        self._database = database
        self._adapters = adapters
        self._scheduler = scheduler

    async def check(self) -> dict[str, str]:
        """Each part's state: "ok", or what is wrong."""
        parts = {"database": await self._database_state()}
        for adapter in self._adapters:
            parts[f"{adapter.platform}:{adapter.network}"] = adapter.problem() or OK
        parts["scheduler"] = self._scheduler.problem() or OK
        return parts

    async def _database_state(self) -> str:
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT):
                async with self._database.engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
        except TimeoutError:
            return f"no answer within {DATABASE_TIMEOUT:.0f} s"
        except (OSError, SQLAlchemyError) as exc:
            log.warning("health: the database is unreachable: %s", type(exc).__name__)
            return f"unreachable ({type(exc).__name__})"
        return OK
