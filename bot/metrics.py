"""Prometheus metrics (`/metrics`): what the bot handled and sent, what waits, how late
reminders went out. One registry for the process, with Python's process and GC figures."""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    gc_collector,
    generate_latest,
    platform_collector,
    process_collector,
)

from bot.domain import ChannelRef, UserRef
from storage import Database

REGISTRY = CollectorRegistry()
process_collector.ProcessCollector(registry=REGISTRY)
platform_collector.PlatformCollector(registry=REGISTRY)
gc_collector.GCCollector(registry=REGISTRY)

COMMANDS = Counter(
    "gatherbot_commands",
    "Commands handled, by network, command and outcome (ok, refused, failed).",
    ["network", "command", "outcome"],
    registry=REGISTRY,
)
REPLIES = Counter(
    "gatherbot_replies",
    "Replies to commands handed to a network (sent) or given up on (failed).",
    ["network", "outcome"],
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "gatherbot_deliveries",
    "Messages the bot sends on its own (reminders, notices, digests), by network and "
    "outcome: sent, retried, failed, skipped.",
    ["network", "outcome"],
    registry=REGISTRY,
)
PENDING = Gauge(
    "gatherbot_deliveries_pending",
    "Deliveries not yet sent (due later, or waiting for a retry), by network.",
    ["network"],
    registry=REGISTRY,
)
QUEUED_LINES = Gauge(
    "gatherbot_irc_queued_lines",
    "Lines waiting in an IRC connection's outgoing queue (flood control).",
    ["network"],
    registry=REGISTRY,
)
RECONNECTS = Counter(
    "gatherbot_irc_reconnects",
    "Times an IRC connection was lost and tried again.",
    ["network"],
    registry=REGISTRY,
)
LATENESS = Histogram(
    "gatherbot_reminder_lateness_seconds",
    "How long after its due time a reminder or start post went out.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600),
    registry=REGISTRY,
)


def network_of(target: UserRef | ChannelRef | None) -> str:
    return "none" if target is None else f"{target.platform}:{target.network}"


async def exposition(database: Database) -> bytes:
    """The text format, with the pending deliveries counted now."""
    async with database.unit_of_work(read_only=True) as uow:
        pending = await uow.deliveries.pending_by_network()
    PENDING.clear()
    for network, count in pending.items():
        PENDING.labels(network).set(count)
    return generate_latest(REGISTRY)
