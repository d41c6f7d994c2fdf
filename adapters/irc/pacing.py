"""Outgoing IRC lines paced to stay under the server's flood limit, without blocking the loop.

irc's own ``connection.set_rate_limit()`` waits with ``time.sleep``, which would freeze every
other network and the scheduler sharing the event loop; this queue waits with asyncio instead.

Servers let a client send a few lines at once and then about one a second before they start
delaying or disconnecting it (a penalty counter), which a token bucket models: up to ``burst``
lines at once, then ``rate`` lines a second.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable

from irc.client import ServerNotConnectedError

log = logging.getLogger(__name__)


class OutgoingQueue:
    """The lines for one connection, sent by a background task through ``write``.

    Replies to people go before any waiting bulk line (announcements, reminders), first in
    first out within each. While paused (disconnected) lines wait and nothing is sent.

    Lines put with a :class:`Receipt` let the caller wait until all of them were written
    (:meth:`Receipt.written`), or take back those not written yet (:meth:`withdraw`).

    ``write`` must either send the whole line or raise without sending any of it, which holds
    for irc's asyncio connection (it raises before writing, or buffers the whole line). A
    ``write`` that raises one of ``retry_on`` (the connection is gone) puts the line back at
    the head of its lane and pauses the queue: it goes out once, after :meth:`resume`. Any
    other exception is a bug in the line or in ``write``; that line is logged and dropped,
    because retrying it would block every line behind it forever.

    ``clock`` measures the bucket; the waits are the event loop's, so a fake clock only makes
    sense if it runs at the loop's pace.
    """

    __slots__ = (
        "_burst",
        "_clock",
        "_closed",
        "_idle",
        "_lanes",
        "_paused",
        "_rate",
        "_retry_on",
        "_stamp",
        "_task",
        "_tokens",
        "_wake",
        "_write",
    )

    def __init__(
        self,
        write: Callable[[str], None],
        *,
        burst: int = 4,
        rate: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        retry_on: tuple[type[Exception], ...] | None = None,
    ) -> None:
        if burst < 1 or rate <= 0:
            raise ValueError(f"burst must be at least 1 and rate positive, got {burst}, {rate}")
        self._write = write
        self._burst = burst
        self._rate = rate
        self._clock = clock
        self._retry_on = (OSError, ServerNotConnectedError) if retry_on is None else retry_on
        # Replies, then bulk; each line with the receipt it counts towards, if any.
        self._lanes: tuple[deque[_Queued], deque[_Queued]] = (deque(), deque())
        self._tokens = float(burst)
        self._stamp = clock()
        self._paused = False
        self._closed = False
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def pending(self) -> int:
        """Lines waiting to be sent."""
        return len(self._lanes[0]) + len(self._lanes[1])

    @property
    def paused(self) -> bool:
        return self._paused

    def put(self, line: str, *, bulk: bool = False, receipt: Receipt | None = None) -> None:
        """Queue ``line`` (without CR LF); it is written at once when nothing waits before it
        and the bucket has a token. After :meth:`close` the line is dropped: the connection
        is going away and nothing would send it."""
        if self._closed:
            log.warning("irc: a line was queued after the queue closed; dropped")
            if receipt is not None:
                receipt.lost()
            return
        self._lanes[bulk].append((line, receipt))
        self._idle.clear()
        if (
            self.pending == 1
            and not self._paused
            and self._task is not None
            and self._until_token() <= 0
        ):
            # Nothing waits and a token is there: out at once, as the task would send it after
            # waking up (one pass of the event loop later).
            self._send_next()
            return
        self._wake.set()

    def withdraw(self, receipt: Receipt) -> int:
        """Take back the lines of ``receipt`` not written yet; returns how many."""
        taken = 0
        for lane in self._lanes:
            kept = [queued for queued in lane if queued[1] is not receipt]
            taken += len(lane) - len(kept)
            lane.clear()
            lane.extend(kept)
        if not self.pending:
            self._idle.set()
        return taken

    def pause(self) -> None:
        """The connection is down: keep every line, send none."""
        self._paused = True

    def resume(self) -> None:
        """The connection is usable again. A new connection starts with a fresh penalty
        counter on the server, so a full burst may go at once."""
        self._paused = False
        self._tokens = float(self._burst)
        self._stamp = self._clock()
        self._wake.set()

    def start(self) -> None:
        """Start sending, from a task on the running loop."""
        if self._task is not None or self._closed:
            raise RuntimeError("the queue was already started")
        self._task = asyncio.get_running_loop().create_task(self._run(), name="irc:outgoing")
        self._task.add_done_callback(_report_crash)

    async def close(self) -> list[str]:
        """Stop sending and return the lines never sent (replies first), for the caller to
        log or drop; later :meth:`put` calls drop their line."""
        self._closed = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            # wait() rather than awaiting the task: a cancellation of close() itself still
            # propagates, and a crash was already logged by _report_crash.
            await asyncio.wait({task})
        unsent = [line for lane in self._lanes for line, _ in lane]
        for lane in self._lanes:
            for _, receipt in lane:
                if receipt is not None:
                    receipt.lost()
            lane.clear()
        self._idle.set()
        return unsent

    async def drained(self) -> None:
        """Return once no line is waiting (never while paused with lines queued)."""
        await self._idle.wait()

    async def _run(self) -> None:
        while True:
            # Cleared before looking, so a put() or resume() from here on wakes the wait.
            self._wake.clear()
            if self._paused or not self.pending:
                await self._wake.wait()
                continue
            delay = self._until_token()
            if delay > 0:
                await self._sleep(delay)
                continue
            self._send_next()

    def _until_token(self) -> float:
        """Seconds until a whole token is available, after refilling for the time passed."""
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self._rate

    async def _sleep(self, delay: float) -> None:
        """Wait for the next token, or less if a resume() refills the bucket meanwhile."""
        try:
            async with asyncio.timeout(delay):
                await self._wake.wait()
        except TimeoutError:
            pass

    def _send_next(self) -> None:
        lane = self._lanes[0] if self._lanes[0] else self._lanes[1]
        queued = lane.popleft()
        line, receipt = queued
        try:
            self._write(line)
        except self._retry_on as exc:
            lane.appendleft(queued)
            self._paused = True
            log.info("irc: sending failed (%s); holding %d lines", _describe(exc), self.pending)
            return
        except Exception:
            log.exception("irc: a line could not be sent and was dropped")
        # Counted and spent even when write() failed oddly: part of the line may have left.
        if receipt is not None:
            receipt.sent()
        self._tokens -= 1
        if not self.pending:
            self._idle.set()


class Receipt:
    """Tells whoever queued ``lines`` lines when the last of them was written to the socket.

    Written means handed to the connection's socket (the kernel), which is as far as IRC
    confirms anything: the server never acknowledges a PRIVMSG."""

    __slots__ = ("_done", "_expected", "_written")

    def __init__(self, lines: int) -> None:
        self._done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._expected = lines
        self._written = 0

    @property
    def lines_written(self) -> int:
        return self._written

    async def written(self) -> None:
        """Return once every line was written; raise ConnectionError if the queue closed
        first. Waits through disconnects: held lines go out after the reconnect."""
        if self._written < self._expected:
            await asyncio.shield(self._done)

    def sent(self) -> None:
        self._written += 1
        if self._written >= self._expected and not self._done.done():
            self._done.set_result(None)

    def lost(self) -> None:
        if not self._done.done():
            self._done.set_exception(ConnectionError("the connection closed before sending"))
            # Nobody may be waiting any more (a stopping bot): no warning about it at exit.
            self._done.exception()


_Queued = tuple[str, Receipt | None]


def _report_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("irc: the outgoing queue stopped", exc_info=task.exception())


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
