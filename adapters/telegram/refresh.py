"""Keeping cards current without flooding: edits of one card are coalesced.

The first change is shown at once; changes that follow within ``interval`` seconds are
folded into one edit with the newest counts. 100 RSVPs in a few seconds make a handful of
edits per card, well inside Telegram's limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

# What a card shows: an event (EventView) or a poll (PollView).
Shown = TypeVar("Shown")


class CardRefresher(Generic[Shown]):
    def __init__(self, edit: Callable[[str, str, Shown], Awaitable[None]], interval: float) -> None:
        self._edit = edit
        self._interval = interval
        self._newest: dict[tuple[str, str], Shown] = {}
        self._last_edit: dict[tuple[str, str], float] = {}
        self._pending: dict[tuple[str, str], asyncio.Task[None]] = {}

    def schedule(self, chat_id: str, message_id: str, shown: Shown) -> None:
        key = (chat_id, message_id)
        self._newest[key] = shown
        if key in self._pending:
            return  # the pending edit will carry the newest counts
        wait = self._last_edit.get(key, float("-inf")) + self._interval - time.monotonic()
        self._pending[key] = asyncio.create_task(self._edit_after(key, max(wait, 0.0)))

    async def _edit_after(self, key: tuple[str, str], wait: float) -> None:
        await asyncio.sleep(wait)
        shown = self._newest.pop(key)
        self._last_edit[key] = time.monotonic()
        del self._pending[key]
        await self._edit(*key, shown)

    async def close(self) -> None:
        """Send what is pending now rather than lose it at shutdown."""
        for task in list(self._pending.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        pending, self._newest = self._newest, {}
        self._pending.clear()
        for (chat_id, message_id), shown in pending.items():
            await self._edit(chat_id, message_id, shown)
