"""Sends what is due, exactly once, across restarts and across bot processes.

The database says what must be sent (deliveries, see storage/deliveries.py); APScheduler
only says when to look. One wake-up job is armed for the soonest due delivery and re-armed
after each round, so 100,000 future reminders cost one job, not 100,000. A poll job catches
deliveries written by another process and claims abandoned by a dead one.

A round claims due deliveries in one transaction (each one then belongs to this process for
a lease, renewed while it is being sent) and starts sending them; each is marked sent once
its network took it. A process that dies between claim and mark leaves claims that expire
after the lease: the next round, here or in another process, takes them again.

Rounds do not wait for the sends they started: a network that is slow to take messages (IRC's
pacing of one line a second, a Telegram chat's flood limit, a server being reconnected to)
holds up only its own deliveries, never what is due on the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import BotSection
from bot.domain import ChannelRef, DeliveryState, EventStatus, UserRef
from bot.language.invocation import preferred_prefix
from bot.metrics import DELIVERIES, LATENESS, network_of
from bot.ports import Outbox, Undeliverable
from bot.replies import Notice, Reply, with_prefix
from bot.scheduler import messages
from bot.scheduler.digest import compose_digest, digest_spec, plan_digest
from bot.scheduler.plan import occurrence_id, plan_events, replan_if_defaults_changed
from storage import Database
from storage.database import unreachable
from storage.deliveries import (
    CANCELLED,
    CHANGED,
    DIGEST,
    MESSAGE,
    PLAN,
    POLL_PICKED,
    PROMOTED,
    REMIND,
    REOPENED,
    START,
    Claimed,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# How long a claim is this process's alone by default ([bot] delivery_lease); renewed every
# third of it while sending.
LEASE = timedelta(seconds=60)
# A "starting now" post later than this after the start is skipped: it would mislead.
START_GRACE = timedelta(minutes=10)
# Notices to people are tried this many times (about two hours with the backoff below).
MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(seconds=15)
LONGEST_RETRY = timedelta(minutes=15)
# A digest this late is dropped (the bot was down): the next one is planned instead.
DIGEST_GRACE = timedelta(hours=6)
# After a round failed (the database unreachable), the next one is tried this much later.
ROUND_RETRY = timedelta(seconds=5)
# How long stopping waits for the sends under way to finish.
STOP_WAIT = 3.0
# Deliveries claimed and not finished yet, at most (what a long outage of a network piles
# up); more wait in the database until some finish.
MOST_IN_FLIGHT = 2000
# Finished deliveries are kept this long after they were due, then pruned.
KEEP = timedelta(days=30)
# How often a sender looks at the table for what others (another process, an operator's
# `gatherbot deliveries retry`) made due, when nothing woke it sooner.
POLL = timedelta(seconds=30)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Dispatcher:
    """`start()` after the adapters, `stop()` before them."""

    def __init__(
        self,
        database: Database,
        outbox: Outbox,
        settings: BotSection,
        clock: Clock = _utc_now,
        *,
        name: str | None = None,
        batch: int = 200,
        concurrency: int = 8,
        poll: timedelta = POLL,
    ) -> None:
        self._database = database
        self._outbox = outbox
        self._settings = settings
        self._clock = clock
        # Claims are marked with this, so a process only finishes its own.
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{random.getrandbits(24):06x}"
        self._batch = batch
        # Deliveries sent at once, per network. Each step of each one runs its SQLite
        # statements in the loop's thread, so every one in flight adds to one pass of the
        # loop: with 200 at once a pass took 600 ms (bench/scheduler_load.py). Eight keep a
        # pass short and still send dozens a second; they also bound what a crash can leave
        # sent but not marked, and so sent again (README, "Reliability").
        self._concurrency = concurrency
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._sends: set[asyncio.Task[None]] = set()
        self._full = False  # MOST_IN_FLIGHT reached: a finishing send asks for another round
        self._poll = poll
        self._lease = timedelta(seconds=settings.delivery_lease)
        self._scheduler: AsyncIOScheduler | None = None
        self._wake_at: datetime | None = None
        self._kicked = asyncio.Event()
        # Set while no claim is under way or asked for (sends may still be).
        self._idle = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._in_flight: set[int] = set()
        # Set by stop(): claim nothing more, give back what has not started sending.
        self._stopping = False

    async def start(self) -> None:
        scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop(), timezone=UTC)
        # misfire_grace_time=None: a job that wakes late (a busy loop, a suspended laptop)
        # still runs. APScheduler 3's default of 1 s would drop it without a word.
        common = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}
        scheduler.add_job(
            self.kick, IntervalTrigger(seconds=self._poll.total_seconds()), id="poll", **common
        )
        scheduler.add_job(
            self._renew,
            IntervalTrigger(seconds=self._lease.total_seconds() / 3),
            id="renew",
            **common,
        )
        scheduler.add_job(self._prune, IntervalTrigger(hours=6), id="prune", **common)
        scheduler.start()
        self._scheduler = scheduler
        self._database.on_planned = self.due
        await self.plan_digests()
        await self.follow_default_reminders()
        self._worker = asyncio.create_task(self._work(), name="deliveries")
        self._stopping = False
        self.kick()  # whatever came due while the bot was down

    def problem(self) -> str | None:
        """For `/healthz`: the scheduler and the task that sends are alive."""
        if self._scheduler is None or not self._scheduler.running:
            return "not running"
        if self._worker is None or self._worker.done():
            return "the sending task has stopped"
        return None

    async def stop(self) -> None:
        self._database.on_planned = None
        # The sends under way finish and the deliveries not started yet are given back (below),
        # instead of being cancelled mid-send: a send cut off after Telegram took it and
        # before it was marked would be sent again by the next process, twice.
        self._stopping = True
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        deadline = asyncio.get_running_loop().time() + STOP_WAIT
        if self._worker is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(deadline):
                    await self._idle.wait()  # a claim under way
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
            self._worker = None
        if self._sends:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(deadline):
                    await asyncio.wait(set(self._sends))
            # Still waiting for its network (an IRC server being reconnected to): called
            # off; an IRC send takes back its lines, and its lease runs out for the next start.
            for task in self._sends:
                task.cancel()
            await asyncio.gather(*self._sends, return_exceptions=True)
        if self._in_flight:
            # Claimed, never started (or called off before any of it went out, as IRC can
            # tell): given back now rather than after the lease. A send cut off after
            # STOP_WAIT otherwise is not among them: it may have arrived; its lease runs out.
            log.info("giving back %d claimed deliveries", len(self._in_flight))
            await self._release(sorted(self._in_flight))

    async def settled(self) -> None:
        """Return once what is due now has been sent: no round asked for or under way, no
        send under way. (The console waits for it, so what a command set off is shown
        before the next command runs.)"""
        while True:
            if self._sends:
                await asyncio.wait(set(self._sends))
            elif not self._idle.is_set() and self._worker is not None:
                await self._idle.wait()
            else:
                return

    def due(self, when: datetime) -> None:
        """Something is due at ``when``: look then (or now, if that is sooner)."""
        if when <= self._clock():
            self.kick()
        elif self._wake_at is None or when < self._wake_at:
            self._arm(when)

    def kick(self) -> None:
        if self._stopping:
            return
        self._idle.clear()
        self._kicked.set()

    def _arm(self, when: datetime) -> None:
        if self._scheduler is None:
            return
        self._wake_at = when
        self._scheduler.add_job(
            self._woken,
            DateTrigger(run_date=when),
            id="wake",
            replace_existing=True,
            misfire_grace_time=None,
        )

    def _woken(self) -> None:
        self._wake_at = None
        self.kick()

    async def _work(self) -> None:
        """One round at a time; a kick during a round makes another round follow it. A
        round claims and starts what is due, without waiting for the sends."""
        while True:
            if not self._kicked.is_set():
                self._idle.set()
            await self._kicked.wait()
            self._kicked.clear()
            # Every statement on SQLite may finish without suspending (storage/
            # sqlite_connection.py): give the loop a pass, so no chain of kicks can starve it.
            await asyncio.sleep(0)
            try:
                more = True
                while more:
                    _, _, more = await self._start_due()
                # When full, a finishing send asks for the next round (_done).
                if not self._full:
                    async with self._database.unit_of_work(read_only=True) as uow:
                        soonest = await uow.deliveries.next_due(busy=sorted(self._in_flight))
                    if soonest is not None:
                        self.due(soonest)
            except Exception as exc:
                # The database is down or the like. Look again soon rather than at the next
                # poll, so what fell due in a short outage goes out seconds after it ends,
                # not up to a poll later (tests/faults: 23 s after PostgreSQL was back).
                self.due(self._clock() + ROUND_RETRY)
                if unreachable(exc):
                    log.warning("sending due deliveries failed: the database is unreachable")
                else:
                    log.exception("sending due deliveries failed; trying again shortly")

    async def run_due(self) -> int:
        """Claim and send everything due now, waiting for every send; returns how many
        deliveries were handled."""
        handled = 0
        while True:
            started, claimed, _ = await self._start_due()
            if not started:
                return handled
            await asyncio.gather(*started)
            handled += claimed

    async def _start_due(self) -> tuple[list[asyncio.Task[None]], int, bool]:
        """Claim a batch of what is due and start sending it; the tasks started, how many
        deliveries they handle, and whether more may be due."""
        limit = min(self._batch, MOST_IN_FLIGHT - len(self._in_flight))
        if self._stopping or limit <= 0:
            self._full = not self._stopping
            return [], 0, False
        now = self._clock()
        async with self._database.unit_of_work() as uow:
            batch = await uow.deliveries.claim(
                now,
                worker=self.name,
                lease_until=now + self._lease,
                limit=limit,
                busy=sorted(self._in_flight),
            )
            await uow.commit()
        self._in_flight.update(d.id for d in batch)
        superseded = _superseded(batch)
        # The batch's plans are made together, in one unit of work (see plan_events).
        plans = [d for d in batch if d.kind == PLAN]
        groups = [[d] for d in batch if d.kind != PLAN] + ([plans] if plans else [])
        started = []
        for group in groups:
            task = asyncio.create_task(self._handle(group, superseded), name="delivery")
            self._sends.add(task)
            task.add_done_callback(self._done)
            started.append(task)
        return started, len(batch), len(batch) == limit

    def _done(self, task: asyncio.Task[None]) -> None:
        self._sends.discard(task)
        exc = None if task.cancelled() else task.exception()
        if exc is not None:
            # Even marking it failed did not work: its lease runs out and it is taken again.
            if unreachable(exc):
                log.warning("a delivery could not be finished: the database is unreachable")
            else:
                log.error("a delivery could not be finished", exc_info=exc)
        if self._full:
            self._full = False
            self.kick()  # room for what waits in the database

    async def _handle(self, group: list[Claimed], superseded: set[int]) -> None:
        """Send one delivery, or make a batch's plans (``group``: one message, or plans)."""
        delivery = group[0]
        started = False
        try:
            async with self._slot(delivery.target):
                if self._stopping:
                    return  # not started: stop() gives it back (it stays in _in_flight)
                started = True
                try:
                    if delivery.id in superseded:
                        await self._finish(
                            delivery, DeliveryState.SKIPPED, "a later reminder is due"
                        )
                    elif delivery.kind == PLAN:
                        await self._plan(group)
                    else:
                        await self._send(delivery)
                except _CalledOff:
                    started = False  # nothing went out: stop() gives it back
                except Exception as exc:
                    log.exception("delivery %s failed", delivery.key)
                    for each in group:
                        await self._retry(each, type(exc).__name__)
        finally:
            if started:
                self._in_flight.difference_update(each.id for each in group)

    def _slot(self, target: UserRef | ChannelRef | None) -> asyncio.Semaphore:
        """A network's share of the sends at once (see ``_concurrency``)."""
        network = network_of(target)
        slot = self._slots.get(network)
        if slot is None:
            slot = self._slots[network] = asyncio.Semaphore(self._concurrency)
        return slot

    async def _plan(self, plans: list[Claimed]) -> None:
        now = self._clock()
        event_ids = sorted({plan.event_id for plan in plans if plan.event_id is not None})
        async with self._database.unit_of_work() as uow:
            await plan_events(uow, event_ids, now, self._settings.reminder_offsets)
            await uow.deliveries.finish_all(
                [plan.id for plan in plans], self.name, DeliveryState.SENT, now
            )
            await uow.commit()

    async def _send(self, delivery: Claimed) -> None:
        now = self._clock()
        target = delivery.target
        assert target is not None, f"delivery {delivery.key} has no target"
        reply, why_not = await self._compose(delivery, target, now)
        if reply is None:
            log.info("delivery %s skipped: %s", delivery.key, why_not)
            await self._finish(delivery, DeliveryState.SKIPPED, why_not)
        else:
            try:
                await self._outbox.send(
                    Notice(target, with_prefix(reply, preferred_prefix(target.platform)))
                )
            except Undeliverable as exc:
                if exc.retry and self._stopping:
                    raise _CalledOff from exc
                if exc.retry:
                    await self._retry(delivery, str(exc))
                else:
                    log.warning("delivery %s cannot be delivered: %s", delivery.key, exc)
                    await self._finish(delivery, DeliveryState.FAILED, str(exc))
                return
            if delivery.kind == START or delivery.kind.startswith(REMIND):
                LATENESS.observe(max(0.0, (now - delivery.due_at).total_seconds()))
            await self._finish(delivery, DeliveryState.SENT, "")
        if delivery.kind == START and delivery.event_id is not None:
            # An occurrence has begun: a repeating event's next ones are planned now.
            await self._plan_again(delivery.event_id)
        elif delivery.kind == DIGEST and isinstance(target, ChannelRef):
            async with self._database.unit_of_work() as uow:
                channel = await uow.channels.find(target)
                if channel is not None:
                    await plan_digest(uow, channel, self._settings, max(now, delivery.due_at))
                await uow.commit()

    async def _compose(
        self, delivery: Claimed, target: UserRef | ChannelRef, now: datetime
    ) -> tuple[Reply | None, str]:
        """The message, or None and why it is not worth sending any more."""
        if delivery.kind == DIGEST and isinstance(target, ChannelRef):
            if now - delivery.due_at > DIGEST_GRACE:
                return None, "too late: the next digest is nearer"
            async with self._database.unit_of_work(read_only=True) as uow:
                channel = await uow.channels.find(target)
                if channel is None or not digest_spec(channel, self._settings):
                    return None, "the channel's digest is off"
                return await compose_digest(uow, channel, now)
        assert delivery.event_id is not None
        async with self._database.unit_of_work(read_only=True) as uow:
            event = await uow.events.view_of(
                delivery.event_id, occurrence=delivery.occurrence, now=now
            )
        if event is None:
            return None, "the event is gone"
        kind = delivery.kind
        # A notice about no date in particular is about the whole series.
        series = bool(event.repeat) and not delivery.occurrence
        if kind == CANCELLED:
            if event.stored_status is not EventStatus.CANCELLED:
                # Still unsent (a network was down) when it was undone (`reopen`): it would
                # only contradict the "back on" notice.
                return None, "it is no longer cancelled"
            return messages.cancelled(event, delivery.payload, series=series), ""
        if event.stored_status is EventStatus.CANCELLED:
            return None, "the event is cancelled"
        if kind in (PROMOTED, CHANGED, POLL_PICKED, MESSAGE, REOPENED):
            if event.status(now) is not EventStatus.SCHEDULED:
                return None, "the event is over"
            if kind == REOPENED:
                return messages.reopened(event, now, target, series=series), ""
            if kind == CHANGED:
                return messages.changed(event, now, delivery.payload), ""
            if kind == MESSAGE:
                return messages.message(event, now, delivery.payload), ""
            if kind == POLL_PICKED:
                return messages.poll_picked(event, now, delivery.payload), ""
            if isinstance(target, UserRef):
                return messages.promoted(event, now, target, delivery.payload), ""
        if occurrence_id(event.starts_at) != delivery.payload:
            return None, "the event has moved since this was planned"
        if kind == START:
            if now - event.starts_at > START_GRACE:
                return None, "too late: it started a while ago"
            return messages.starting_now(event), ""
        if kind.startswith(REMIND):
            if event.starts_at <= now:
                return None, "too late: it has started"
            return messages.reminder(event, now, target), ""
        return None, f"unknown kind {kind}"

    async def _finish(self, delivery: Claimed, state: DeliveryState, note: str) -> None:
        if delivery.kind != PLAN:  # a plan is work for the bot, not a message
            DELIVERIES.labels(network_of(delivery.target), state.value).inc()
        async with self._database.unit_of_work() as uow:
            held = await uow.deliveries.finish(delivery.id, self.name, state, self._clock(), note)
            await uow.commit()
        if not held:
            log.warning("delivery %s was taken over by another sender", delivery.key)

    async def _retry(self, delivery: Claimed, error: str) -> None:
        now = self._clock()
        if delivery.attempts >= MAX_ATTEMPTS and not delivery.kind.startswith(REMIND):
            log.warning("delivery %s failed %d times; giving up", delivery.key, delivery.attempts)
            await self._finish(delivery, DeliveryState.FAILED, error)
            return
        DELIVERIES.labels(network_of(delivery.target), "retried").inc()
        delay = min(FIRST_RETRY * 2 ** (delivery.attempts - 1), LONGEST_RETRY)
        at = now + delay * random.uniform(0.8, 1.2)
        log.info("delivery %s: %s; trying again at %s", delivery.key, error, at.isoformat())
        async with self._database.unit_of_work() as uow:
            await uow.deliveries.retry(delivery.id, self.name, at, error)
            await uow.commit()

    async def _plan_again(self, event_id: int) -> None:
        now = self._clock()
        async with self._database.unit_of_work() as uow:
            await plan_events(uow, [event_id], now, self._settings.reminder_offsets)
            await uow.commit()

    async def plan_digests(self) -> None:
        """Plan the next digest of every channel that has one: after a restart, and when the
        config's digest time changed."""
        now = self._clock()
        async with self._database.unit_of_work() as uow:
            for channel in await uow.channels.with_digest(by_default=bool(self._settings.digest)):
                await plan_digest(uow, channel, self._settings, now)
            await uow.commit()

    async def follow_default_reminders(self) -> None:
        """After a restart with other `[bot] reminders` than the reminders were planned with:
        plan every event that may follow them again (once, whichever bot starts first)."""
        async with self._database.unit_of_work() as uow:
            events = await replan_if_defaults_changed(
                uow, self._settings.reminder_offsets, self._clock()
            )
            await uow.commit()
        if events:
            defaults = ",".join(self._settings.reminders) or "none"
            log.info("[bot] reminders is now %s: planning %d events again", defaults, events)

    async def _renew(self) -> None:
        if not self._in_flight:
            return
        async with self._database.unit_of_work() as uow:
            await uow.deliveries.renew(
                self.name, sorted(self._in_flight), self._clock() + self._lease
            )
            await uow.commit()

    async def _release(self, ids: list[int]) -> None:
        # One statement per 500: a row at a time, 200 took 3 s on a busy PostgreSQL.
        async with self._database.unit_of_work() as uow:
            await uow.deliveries.release(self.name, ids, "stopped before sending")
            await uow.commit()

    async def _prune(self) -> None:
        async with self._database.unit_of_work() as uow:
            pruned = await uow.deliveries.prune(self._clock() - KEEP)
            await uow.commit()
        if pruned:
            log.info("pruned %d finished deliveries", pruned)


class _CalledOff(Exception):
    """A send the stopping bot called off before any of it went out."""


def _superseded(batch: list[Claimed]) -> set[int]:
    """Reminders made pointless by a later one due in the same round (the bot was down
    through both): only the latest is sent, so nobody reads "in 1 day" and "in 1 h" at once."""
    latest: dict[tuple[int | None, str, object], Claimed] = {}
    for delivery in batch:
        if delivery.kind.startswith(REMIND):
            group = (delivery.event_id, delivery.payload, delivery.target)
            best = latest.get(group)
            if best is None or delivery.due_at > best.due_at:
                latest[group] = delivery
    keep = {d.id for d in latest.values()}
    return {d.id for d in batch if d.kind.startswith(REMIND) and d.id not in keep}
