"""The refusal every step of reading a time falls back on: the text can't be read exactly."""

from __future__ import annotations

from bot.errors import UserError

_EXAMPLES = "Try 2026-12-05 18:00, next friday 18:00, tomorrow 7pm or in 2 hours."


def cant_understand(text: str, command: str) -> UserError:
    return UserError(f"Can't understand the time '{text[:60]}'. {_EXAMPLES}", command=command)
