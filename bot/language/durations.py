"""Reminder offsets such as `1d,2h,30m`."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.errors import UserError

_PART = re.compile(r"(\d{1,4})\s*(w|d|h|m)")
_UNITS = {
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
}
MAX_OFFSET = timedelta(days=60)
MAX_REMINDERS = 6
OFF_WORDS = frozenset({"none", "off", "no"})


def parse_offsets(text: str, *, command: str = "newevent") -> tuple[timedelta, ...]:
    """`1d,2h,30m` -> offsets before the start, largest first; `none` -> no reminders.

    ``command`` names the command whose usage follows an error (newevent or edit).
    """
    text = text.strip().lower()
    if text in OFF_WORDS:
        return ()
    offsets: set[timedelta] = set()
    for item in re.split(r"[,\s]+", text):
        if not item:
            continue
        offsets.add(_parse_one(item, command))
    if not offsets:
        raise _bad(text, command)
    if len(offsets) > MAX_REMINDERS:
        raise UserError(f"At most {MAX_REMINDERS} reminders per event.", command=command)
    return tuple(sorted(offsets, reverse=True))


def _parse_one(item: str, command: str) -> timedelta:
    pos, total = 0, timedelta()
    for match in _PART.finditer(item):
        if match.start() != pos:
            raise _bad(item, command)
        total += int(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(item) or total <= timedelta():
        raise _bad(item, command)
    if total > MAX_OFFSET:
        raise UserError(
            f"Reminder '{item}' is too far ahead: at most 60d before the start.", command=command
        )
    return total


def _bad(item: str, command: str) -> UserError:
    return UserError(
        f"Can't read the reminder '{item}': use amounts like 1d, 2h or 30m, "
        "separated by commas (remind=1d,2h), or remind=none.",
        command=command,
    )


def format_offset(offset: timedelta) -> str:
    """timedelta(hours=26) -> '1d2h'."""
    minutes = int(offset.total_seconds()) // 60
    parts = []
    for unit, size in (("w", 7 * 24 * 60), ("d", 24 * 60), ("h", 60), ("m", 1)):
        if minutes >= size:
            amount, minutes = divmod(minutes, size)
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0m"


def format_offsets(offsets: tuple[timedelta, ...]) -> str:
    return ",".join(format_offset(o) for o in offsets) if offsets else "none"
