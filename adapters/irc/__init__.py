"""IRC: jaraco's `irc` library on the bot's event loop, one connection per [[irc]] network."""

from adapters.irc.adapter import IrcAdapter

__all__ = ["IrcAdapter"]
