"""The real bot on a real IRC server: gatherbot's own start-up path with one [[irc]] network."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from adapters.irc import IrcAdapter
from bot.app import running_bot
from bot.config import BotSection, IrcSection
from bot.core import Core
from tests.irc.client import Message


@dataclass
class RunningBot:
    adapter: IrcAdapter
    core: Core
    settings: IrcSection


@asynccontextmanager
async def irc_bot(
    server: Any,
    tmp_path: Path,
    *,
    channels: tuple[str, ...] = (),
    nick: str = "gatherbot",
    sasl: tuple[str, str] | None = None,
    admins: tuple[str, ...] = (),
    wait: bool = True,
    settings: dict[str, Any] | None = None,
    **adapter_options: Any,
) -> AsyncIterator[RunningBot]:
    """Start the bot (SQLite in ``tmp_path``) and, unless ``wait`` is False, wait until it
    is registered and in its channels."""
    fields: dict[str, Any] = {
        "name": "testnet",
        "host": server.host,
        "port": server.port,
        "tls": False,
        "nick": nick,
        "channels": channels,
        "sasl_username": sasl[0] if sasl else None,
        "sasl_password": SecretStr(sasl[1]) if sasl else None,
    }
    section = IrcSection(**(fields | (settings or {})))
    adapter = IrcAdapter(section, **adapter_options)
    url = f"sqlite+aiosqlite:///{tmp_path / 'irc-bot.db'}"
    async with running_bot(BotSection(admins=admins), [adapter], database_url=url) as core:
        if wait:
            async with asyncio.timeout(15):
                await adapter.ready()
        yield RunningBot(adapter, core, section)


def from_bot(nick: str = "gatherbot") -> Any:
    """A predicate for a PRIVMSG the bot sent."""

    def predicate(message: Message) -> bool:
        return message.command == "PRIVMSG" and (message.nick or "").lower() == nick.lower()

    return predicate
