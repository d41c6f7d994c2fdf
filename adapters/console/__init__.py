"""A terminal chat with the full bot: same core, same storage, no network."""

from adapters.console.adapter import ConsoleAdapter
from adapters.console.render import render_plain

__all__ = ["ConsoleAdapter", "render_plain"]
