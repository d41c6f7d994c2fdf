"""`settings`: a channel's defaults for reminders and its weekly digest, shown to anyone and
changed by the channel's admins."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.context import Context
from bot.domain import ChannelKind
from bot.errors import UserError
from bot.language.digest import parse_digest
from bot.language.durations import format_offsets, parse_offsets
from bot.permissions import can_configure_channel
from bot.replies import Line, Reply, cmd, line, reply
from bot.scheduler.digest import digest_spec, next_digest, plan_digest
from bot.services.events import channel_zone
from bot.when import format_instant
from storage.models import ChannelRow

# Given as a value, puts the channel back on the bot's default.
DEFAULT = "default"
_OPTION = re.compile(r"(remind|reminders|digest)\s*=\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SettingsArgs:
    # None: leave as it is; DEFAULT: back to the bot's default; else the new value.
    reminders: str | None = None
    digest: str | None = None

    @property
    def changes(self) -> bool:
        return self.reminders is not None or self.digest is not None


def parse_settings(rest: str) -> SettingsArgs:
    """`remind=2h,30m`, `digest=mon 09:00`, both, or nothing (show)."""
    text = rest.strip()
    if not text:
        return SettingsArgs()
    found = list(_OPTION.finditer(text))
    if not found or found[0].start() != 0:
        word = re.split(r"[\s=]", text, maxsplit=1)[0]
        raise UserError(
            f"There is no setting '{word[:30]}': a channel has remind= and digest=.",
            command="settings",
        )
    values: dict[str, str] = {}
    for index, match in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(text)
        key = "digest" if match.group(1).lower() == "digest" else "remind"
        if key in values:
            raise UserError(f"Give {key}= once.", command="settings")
        values[key] = text[match.end() : end].strip()
    return SettingsArgs(
        _value(values.get("remind"), _offsets),
        _value(values.get("digest"), parse_digest),
    )


def _offsets(text: str) -> str:
    return format_offsets(parse_offsets(text, command="settings"))


def _value(raw: str | None, parse: Callable[[str], str]) -> str | None:
    if raw is None:
        return None
    return DEFAULT if raw.lower() == DEFAULT else parse(raw)


async def settings(ctx: Context, args: SettingsArgs) -> list[Reply]:
    if ctx.message.channel.kind is ChannelKind.DIRECT:
        raise UserError("Settings belong to a group channel: ask there.", command="settings")
    async with ctx.database.unit_of_work() as uow:
        channel = await uow.channels.upsert(ctx.message.channel, ctx.now)
        if not args.changes:
            await uow.commit()
            return [reply(*_show(ctx, channel))]
        if not can_configure_channel(ctx.message.sender, await ctx.roles()):
            raise UserError("Only an admin of this channel can change its settings.")
        if args.reminders is not None:
            channel.reminders = None if args.reminders == DEFAULT else args.reminders
            # Events announced here follow the new default (those with remind= keep theirs).
            await uow.deliveries.request_plans(await uow.events.scheduled_in(channel.id), ctx.now)
        if args.digest is not None:
            channel.digest = None if args.digest == DEFAULT else args.digest
            await plan_digest(uow, channel, ctx.settings, ctx.now)
        await uow.commit()
    return [reply(line("Saved."), *_show(ctx, channel))]


def _show(ctx: Context, channel: ChannelRow) -> list[Line]:
    zone = channel_zone(channel, ctx.settings.timezone)
    own_zone = "set here" if channel.timezone else "the bot's default"
    if channel.reminders is not None:
        reminders = f"{channel.reminders} (set here)"
    else:
        reminders = f"{format_offsets(ctx.settings.reminder_offsets)} (the bot's default)"
    spec = digest_spec(channel, ctx.settings)
    source = "set here" if channel.digest is not None else "the bot's default"
    if spec:
        at = format_instant(next_digest(spec, zone, ctx.now), zone)
        digest = f"{spec} ({source}); next: {at}"
    else:
        digest = f"off ({source})"
    return [
        line(f"Time zone: {zone.key} ({own_zone}) · change with ", cmd("tz ZONE")),
        line(f"Reminders before events: {reminders} · change with ", cmd("settings remind=2h")),
        line(f"Weekly digest: {digest} · change with ", cmd("settings digest=mon 09:00")),
    ]
