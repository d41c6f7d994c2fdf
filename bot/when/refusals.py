"""The refusal every step of reading a time falls back on: the text can't be read exactly."""

from __future__ import annotations

from bot.errors import UserError

# No example date: a written one would pass one day and the bot would refuse its own advice.
_EXAMPLES = "Try next friday 18:00, tomorrow 7pm, in 2 hours or YYYY-MM-DD 18:00."


def cant_understand(text: str, command: str) -> UserError:
    return UserError(f"Can't understand the time '{text[:60]}'. {_EXAMPLES}", command=command)
