"""About one message a second to one private chat, as Telegram asks.

AIORateLimiter covers the overall (30/s) and per-group (20/min) limits but not private
chats; a burst of notices to one person (promotion, edit, cancellation) is spaced out here.
"""

from __future__ import annotations

import asyncio
import time


class PrivatePacer:
    def __init__(self, interval: float = 1.0) -> None:
        self._interval = interval
        self._next_slot: dict[int, float] = {}

    def reserve(self, chat_id: int, now: float) -> float:
        """Take the chat's next free slot; returns how long to wait for it."""
        slot = max(now, self._next_slot.get(chat_id, now))
        self._next_slot[chat_id] = slot + self._interval
        return slot - now

    async def wait(self, chat_id: int) -> None:
        delay = self.reserve(chat_id, time.monotonic())
        if delay > 0:
            await asyncio.sleep(delay)
