"""The outgoing queue: a burst, then a steady pace; people before announcements; nothing lost
or sent twice across a disconnect. Real time, at 50 lines a second, so the file stays fast."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest
from irc.client import ServerNotConnectedError

from adapters.irc.pacing import OutgoingQueue, Receipt

RATE = 50.0  # lines per second: one every 20 ms
SLACK = 0.002  # the loop may wake a little before its deadline


class FakeServer:
    """Records what was written and when; can refuse lines as a dropped connection does."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.times: list[float] = []
        self.refuse: type[Exception] | None = None
        self.refused: list[str] = []
        self.wrote = asyncio.Event()

    def write(self, line: str) -> None:
        if self.refuse is not None:
            self.refused.append(line)
            raise self.refuse("not connected")
        self.lines.append(line)
        self.times.append(time.monotonic())
        self.wrote.set()


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


@pytest.fixture
async def make_queue(server: FakeServer) -> AsyncIterator[Callable[..., OutgoingQueue]]:
    queues: list[OutgoingQueue] = []

    def make(
        *, burst: int = 4, rate: float = RATE, clock: Callable[[], float] = time.monotonic
    ) -> OutgoingQueue:
        queue = OutgoingQueue(server.write, burst=burst, rate=rate, clock=clock)
        queue.start()
        queues.append(queue)
        return queue

    yield make
    for queue in queues:
        await queue.close()


async def test_a_burst_goes_at_once_then_one_line_per_interval(
    server: FakeServer, make_queue: Callable[..., OutgoingQueue]
) -> None:
    queue = make_queue(burst=3)
    started = time.monotonic()
    for n in range(7):
        queue.put(f"PRIVMSG #g :{n}")
    await asyncio.wait_for(queue.drained(), 1)
    assert server.lines == [f"PRIVMSG #g :{n}" for n in range(7)]
    assert server.times[2] - started < 0.5 / RATE
    for n in range(3, 7):
        assert server.times[n] - started >= (n - 2) / RATE - SLACK
    assert server.times[-1] - started < 4 / RATE + 0.1


async def test_a_reply_to_a_person_goes_before_waiting_announcements(
    server: FakeServer, make_queue: Callable[..., OutgoingQueue]
) -> None:
    queue = make_queue(burst=1)
    for n in range(3):
        queue.put(f"announce {n}", bulk=True)
    await server.wrote.wait()
    queue.put("reply 0")
    queue.put("reply 1")
    queue.put("announce 3", bulk=True)
    await asyncio.wait_for(queue.drained(), 1)
    assert server.lines == [
        "announce 0",
        "reply 0",
        "reply 1",
        "announce 1",
        "announce 2",
        "announce 3",
    ]


async def test_a_paused_queue_keeps_its_lines_and_sends_them_in_order_on_resume(
    server: FakeServer, make_queue: Callable[..., OutgoingQueue]
) -> None:
    queue = make_queue(burst=2)
    queue.pause()
    queue.put("bulk a", bulk=True)
    queue.put("reply a")
    queue.put("bulk b", bulk=True)
    queue.put("reply b")
    await asyncio.sleep(3 / RATE)
    assert server.lines == []
    assert queue.pending == 4
    queue.resume()
    await asyncio.wait_for(queue.drained(), 1)
    assert server.lines == ["reply a", "reply b", "bulk a", "bulk b"]
    assert queue.pending == 0


async def test_pausing_while_waiting_for_the_pace_holds_the_next_line(
    server: FakeServer, make_queue: Callable[..., OutgoingQueue]
) -> None:
    queue = make_queue(burst=1)
    queue.put("one")
    queue.put("two")
    await server.wrote.wait()
    queue.pause()
    await asyncio.sleep(3 / RATE)
    assert server.lines == ["one"]
    queue.resume()
    await asyncio.wait_for(queue.drained(), 1)
    assert server.lines == ["one", "two"]


@pytest.mark.parametrize("error", [ConnectionResetError, ServerNotConnectedError])
async def test_a_line_the_connection_refused_goes_out_once_after_resume(
    server: FakeServer, make_queue: Callable[..., OutgoingQueue], error: type[Exception]
) -> None:
    queue = make_queue(burst=5)
    queue.put("a")
    await server.wrote.wait()
    server.refuse = error
    queue.put("b")
    queue.put("c", bulk=True)
    await asyncio.sleep(2 / RATE)
    assert queue.paused
    assert server.refused == ["b"]
    assert queue.pending == 2
    server.refuse = None
    queue.resume()
    await asyncio.wait_for(queue.drained(), 1)
    assert server.lines == ["a", "b", "c"]


async def test_a_line_that_fails_for_another_reason_is_dropped_and_the_rest_go(
    server: FakeServer, make_queue: Callable[..., OutgoingQueue]
) -> None:
    def write(line: str) -> None:
        if line == "bad":
            raise ValueError("invalid characters")
        server.write(line)

    queue = OutgoingQueue(write, rate=RATE)
    queue.start()
    for line in ("a", "bad", "c"):
        queue.put(line)
    await asyncio.wait_for(queue.drained(), 1)
    assert server.lines == ["a", "c"]
    assert not queue.paused
    await queue.close()


async def test_resume_after_a_reconnect_allows_a_full_burst_again(
    server: FakeServer, make_queue: Callable[..., OutgoingQueue]
) -> None:
    queue = make_queue(burst=3, rate=1.0)
    for n in range(4):
        queue.put(str(n))
    await asyncio.sleep(3 / RATE)
    assert server.lines == ["0", "1", "2"]  # the fourth waits about a second
    queue.pause()
    queue.resume()
    await asyncio.wait_for(queue.drained(), 0.2)
    assert server.lines == ["0", "1", "2", "3"]


async def test_waiting_for_the_next_line_does_not_spin(
    server: FakeServer, make_queue: Callable[..., OutgoingQueue]
) -> None:
    looks = 0

    def clock() -> float:
        nonlocal looks
        looks += 1
        return time.monotonic()

    queue = make_queue(burst=1, rate=10.0, clock=clock)
    queue.put("a")
    queue.put("b")
    await asyncio.sleep(0.05)
    assert server.lines == ["a"]
    assert looks <= 4
    await asyncio.wait_for(queue.drained(), 0.2)
    await asyncio.sleep(0.05)  # idle: nothing to send, nothing to look at
    assert looks <= 6


async def test_close_stops_sending_and_returns_what_was_never_sent(
    server: FakeServer,
) -> None:
    queue = OutgoingQueue(server.write, burst=1, rate=1.0)
    queue.start()
    queue.put("sent")
    queue.put("bulk", bulk=True)
    queue.put("reply")
    await server.wrote.wait()
    unsent = await asyncio.wait_for(queue.close(), 0.1)
    assert unsent == ["reply", "bulk"]
    queue.put("too late")
    assert queue.pending == 0
    await asyncio.sleep(0.01)
    assert server.lines == ["sent"]
    await asyncio.wait_for(queue.drained(), 0.1)


def put_all(queue: OutgoingQueue, lines: list[str]) -> Receipt:
    receipt = Receipt(len(lines))
    for line in lines:
        queue.put(line, bulk=True, receipt=receipt)
    return receipt


async def test_a_receipt_waits_for_its_last_line_through_a_disconnect(
    server: FakeServer, make_queue: Callable[..., OutgoingQueue]
) -> None:
    queue = make_queue(burst=1)
    receipt = put_all(queue, ["one", "two", "three"])
    waiting = asyncio.ensure_future(receipt.written())
    await server.wrote.wait()
    queue.pause()  # the connection dropped after the first line
    await asyncio.sleep(3 / RATE)
    assert not waiting.done()
    assert receipt.lines_written == 1
    queue.resume()
    await asyncio.wait_for(waiting, 1)
    assert server.lines == ["one", "two", "three"]


async def test_withdrawing_takes_back_only_the_unwritten_lines_of_that_notice(
    server: FakeServer, make_queue: Callable[..., OutgoingQueue]
) -> None:
    queue = make_queue(burst=1)
    first = put_all(queue, ["a1", "a2", "a3"])
    second = put_all(queue, ["b1", "b2"])
    await server.wrote.wait()
    assert queue.withdraw(first) == 2
    await asyncio.wait_for(second.written(), 1)
    assert server.lines == ["a1", "b1", "b2"]
    assert first.lines_written == 1
    assert queue.withdraw(first) == 0


async def test_closing_tells_a_receipt_its_lines_never_went(
    server: FakeServer,
) -> None:
    queue = OutgoingQueue(server.write, burst=1, rate=1.0)
    queue.start()
    receipt = put_all(queue, ["sent", "kept"])
    await server.wrote.wait()
    await queue.close()
    with pytest.raises(ConnectionError):
        await receipt.written()
    assert receipt.lines_written == 1
    late = put_all(queue, ["too late"])
    with pytest.raises(ConnectionError):
        await late.written()
    assert server.lines == ["sent"]


async def test_a_queue_starts_once() -> None:
    queue = OutgoingQueue(lambda line: None)
    queue.start()
    with pytest.raises(RuntimeError):
        queue.start()
    assert await queue.close() == []


@pytest.mark.parametrize(("burst", "rate"), [(0, 1.0), (1, 0.0), (1, -1.0)])
def test_a_queue_that_could_never_send_is_refused(burst: int, rate: float) -> None:
    with pytest.raises(ValueError, match="burst"):
        OutgoingQueue(lambda line: None, burst=burst, rate=rate)
