"""While the database cannot be reached, a command gets an honest answer, not "something went
wrong on my side". (The restart itself, against a real bot process: tests/faults.)"""

from __future__ import annotations

import socket

from sqlalchemy.exc import OperationalError

from bot.core import DATABASE_UNREACHABLE
from storage import Database
from storage.database import unreachable
from tests.harness import Chat


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_command_while_postgresql_refuses_connections_says_to_try_again_later() -> None:
    database = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/gatherbot")
    chat = Chat(database)
    try:
        answer = await chat.say("!newevent Coffee | tomorrow 18:00 | Café")
        assert answer == DATABASE_UNREACHABLE
        assert answer == (
            "I can't reach my database right now; nothing was changed. "
            "Please try again in a minute."
        )
    finally:
        await database.dispose()


def test_a_statement_the_database_refused_is_not_an_outage() -> None:
    # SQLite says "no such table" with an OperationalError too: a bug, not a restart.
    refused = OperationalError("SELECT 1 FROM nowhere", {}, Exception("no such table: nowhere"))
    assert not unreachable(refused)
    assert unreachable(OperationalError("SELECT 1", {}, ConnectionResetError("reset by peer")))
