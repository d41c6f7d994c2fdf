"""Log set-up: human-readable lines by default, one JSON object per line with
``--log-format json``; every line logged while a command runs names its network, channel
and command (never the message's text)."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

FORMATS = ("text", "json")


@dataclass(frozen=True, slots=True)
class CommandScope:
    network: str  # platform:network, e.g. irc:libera
    channel: str
    command: str


# A context variable, not an argument: lines logged deep inside storage or an adapter while
# a message is handled are tagged too, and each message's task has its own value.
_scope: ContextVar[CommandScope | None] = ContextVar("gatherbot_command", default=None)


@contextmanager
def message_scope(network: str, channel: str) -> Iterator[None]:
    """Tag every line logged inside with where the message came from; adapters wrap the
    handling of one message (the command and sending its replies) in it."""
    token = _scope.set(CommandScope(network, channel, ""))
    try:
        yield
    finally:
        _scope.reset(token)


def name_command(network: str, channel: str, command: str) -> None:
    """The core knows which command a message is: tag the rest of its handling with it,
    up to the end of the adapter's ``message_scope``."""
    _scope.set(CommandScope(network, channel, command))


class _Tag(logging.Filter):
    """Copies the running command's scope onto each record ("" outside a command)."""

    def filter(self, record: logging.LogRecord) -> bool:
        scope = _scope.get()
        record.network = scope.network if scope else ""
        record.channel = scope.channel if scope else ""
        record.command = scope.command if scope else ""
        record.scope = f" [{scope.network} {scope.channel} {scope.command}]" if scope else ""
        return True


def setup_logging(level: str, log_format: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_Tag())
    formatter: logging.Formatter
    if log_format == "json":
        formatter = JsonFormatter(
            ["asctime", "levelname", "name", "message", "network", "channel", "command"],
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            datefmt="%Y-%m-%dT%H:%M:%SZ",
            # `scope` is the text form's; the JSON form has the three fields.
            reserved_attrs=[*RESERVED_ATTRS, "scope"],
        )
        # Machine readers want UTC instants, not the host's local time.
        formatter.converter = time.gmtime
    else:
        formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s:%(scope)s %(message)s")
    handler.setFormatter(formatter)
    logging.basicConfig(level=getattr(logging, level.upper()), handlers=[handler], force=True)
