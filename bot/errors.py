"""Errors a person caused and should be told about."""

from __future__ import annotations

from bot.replies import Line, SpanLike, line


class UserError(Exception):
    """Bad input or a refused action: shown to the person, nothing is changed.

    ``command`` names the command whose usage and example should follow the message.
    """

    def __init__(self, *parts: SpanLike, command: str | None = None) -> None:
        self.line: Line = line(*parts)
        self.command = command
        super().__init__("".join(span.text for span in self.line))
