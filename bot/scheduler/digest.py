"""The weekly digest: a channel's upcoming events, posted at its digest time (off unless the
channel or the config sets one). Each post is a delivery like a reminder, so it goes out
once; the next one is planned when one is done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.cards import summary_line
from bot.config import BotSection
from bot.domain import ChannelKind, EventView
from bot.replies import Reply, ReplyKind, cmd, line
from bot.services.events import channel_zone
from storage import UnitOfWork
from storage.deliveries import DIGEST, Planned
from storage.models import ChannelRow

# What a digest lists: the events starting within this long.
AHEAD = timedelta(days=7)
# At most this many events in one digest; the rest are counted.
SHOWN = 10


def digest_spec(channel: ChannelRow, settings: BotSection) -> str:
    """The channel's digest time (`mon 09:00`), else the config's; "" when off."""
    if channel.kind is not ChannelKind.GROUP:
        return ""
    return channel.digest if channel.digest is not None else settings.digest


def next_digest(spec: str, zone: ZoneInfo, after: datetime) -> datetime:
    """The first digest time after ``after``, on the channel's wall clock (DST included)."""
    days, clock = spec.split(" ")
    hour, minute = clock.split(":")
    trigger = CronTrigger(day_of_week=days, hour=int(hour), minute=int(minute), timezone=zone)
    at: datetime = trigger.get_next_fire_time(None, after + timedelta(seconds=1))
    return at.astimezone(UTC)


async def plan_digest(
    uow: UnitOfWork, channel: ChannelRow, settings: BotSection, now: datetime
) -> None:
    """Plan the channel's next digest (and drop a pending one at a time no longer set)."""
    wanted: list[Planned] = []
    spec = digest_spec(channel, settings)
    if spec:
        at = next_digest(spec, channel_zone(channel, settings.timezone), now)
        named = at.isoformat(timespec="minutes")
        key = f"{DIGEST}/c{channel.id}/{named}"
        wanted.append(Planned(key, DIGEST, at, channel_id=channel.id, payload=named))
    await uow.deliveries.replan_digest(channel.id, wanted, now)


def digest(channel_label: str, events: list[EventView], total: int, now: datetime) -> Reply:
    lines = [line(f"Coming up in {channel_label} this week ({total}):")]
    lines += [summary_line(event, now) for event in events]
    if total > len(events):
        lines.append(line(f"… and {total - len(events)} more: ", cmd("events")))
    lines.append(line("Coming? ", cmd("rsvp ID"), "  ·  details: ", cmd("event ID")))
    return Reply(tuple(lines), ReplyKind.NOTICE)


async def compose_digest(
    uow: UnitOfWork, channel: ChannelRow, now: datetime
) -> tuple[Reply | None, str]:
    views, _ = await uow.events.upcoming([channel.id], now, 100)
    soon = [view for view in views if view.starts_at < now + AHEAD]
    if not soon:
        return None, "nothing is coming up this week"
    return digest(channel.title or channel.external_id, soon[:SHOWN], len(soon), now), ""
