"""The console adapter: reads chat lines from a terminal or a pipe, prints the bot's answers.

Everything typed counts as said in one group channel by one person (`--as`, `--channel`).
Two console-only lines help try things out: `:as NAME` to speak as someone else (for
waitlists and permissions) and `:quit`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TextIO

from adapters.console.render import render_plain
from bot.domain import (
    ChannelKind,
    ChannelRef,
    EventView,
    IncomingMessage,
    PollView,
    Role,
    UserRef,
)
from bot.language.text import clean_input
from bot.logs import message_scope
from bot.ports import CoreApi, MessageHandler
from bot.replies import Reply

PLATFORM = "console"
NETWORK = "local"


class ConsoleAdapter:
    platform = PLATFORM
    network = NETWORK

    def __init__(
        self,
        *,
        user: str,
        channel: str,
        admin: bool,
        stdin: TextIO,
        stdout: TextIO,
        prompt: bool,
    ) -> None:
        self._admin_user = user if admin else None
        self._user = user
        self._channel = ChannelRef(PLATFORM, NETWORK, channel, ChannelKind.GROUP, channel)
        self._stdin = stdin
        self._stdout = stdout
        self._prompt = prompt
        self._on_message: MessageHandler | None = None
        self._settled: Callable[[], Awaitable[None]] | None = None
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        # At a terminal the next prompt waits until the answers to the last line are printed.
        self._answered = threading.Event()
        self._answered.set()

    async def start(self, core: CoreApi) -> None:
        self._on_message = core.handle
        self._settled = core.settled
        loop = asyncio.get_running_loop()

        def read() -> None:
            # A daemon thread, not asyncio.to_thread: a blocked read must not keep the
            # process alive after Ctrl-C.
            while True:
                self._answered.wait()
                self._answered.clear()
                text = input(self._prompt_text()) if self._prompt else self._stdin.readline()
                if not self._prompt and text == "":
                    break
                loop.call_soon_threadsafe(self._lines.put_nowait, text.rstrip("\r\n"))
            loop.call_soon_threadsafe(self._lines.put_nowait, None)

        def guarded() -> None:
            try:
                read()
            except (EOFError, KeyboardInterrupt, ValueError):
                loop.call_soon_threadsafe(self._lines.put_nowait, None)

        threading.Thread(target=guarded, name="console-input", daemon=True).start()

    def _prompt_text(self) -> str:
        return f"{self._user}@{self._channel.id}> "

    async def serve(self) -> None:
        """Answer every line until end of input or `:quit`."""
        settled = self._settled
        assert settled is not None, "start() first"
        while (text := await self._lines.get()) is not None:
            try:
                if text.strip() in (":quit", ":q"):
                    break
                await self._answer(text)
                # What the line set off (a notice to someone who moved up) is shown before
                # the next line is read, as a chat would show it.
                await settled()
            finally:
                self._answered.set()

    async def _answer(self, text: str) -> None:
        assert self._on_message is not None
        line = text.strip()
        if line == ":as" or line.startswith(":as "):
            name = clean_input(line[3:]).strip()
            if not name or " " in name:
                self._write("(say who you are: :as NAME, one word)")
                return
            self._user = name
            self._write(f"(you are now {self._user})")
            return
        if not line:
            return
        message = IncomingMessage(
            sender=UserRef(PLATFORM, NETWORK, self._user, self._user),
            channel=self._channel,
            text=text,
            sent_at=datetime.now(UTC),
            addressed=True,
            bot_name="gatherbot",
        )
        with message_scope(f"{PLATFORM}:{NETWORK}", self._channel.id):
            for reply in await self._on_message(message):
                self._write(render_plain(reply))

    async def stop(self) -> None:
        self._on_message = None

    async def send(self, target: UserRef | ChannelRef, reply: Reply) -> None:
        label = f"to {target.display}" if isinstance(target, UserRef) else f"in {target.label}"
        # Every line of a private message carries its label: it is not said in the channel.
        self._write("\n".join(f"({label}) {text}" for text in render_plain(reply).splitlines()))

    async def event_changed(self, event: EventView) -> None:
        """Nothing to refresh: the console prints, it keeps no cards."""

    def problem(self) -> str | None:
        return None

    async def poll_changed(self, poll: PollView) -> None:
        """Nothing to refresh, as for events."""

    async def roles(self, user: UserRef, channel: ChannelRef) -> frozenset[Role]:
        # Whoever types at the console is in its one channel.
        if user.id == self._admin_user:
            return frozenset({Role.CHANNEL_ADMIN, Role.MEMBER})
        return frozenset({Role.MEMBER})

    def _write(self, text: str) -> None:
        self._stdout.write(text + "\n")
        self._stdout.flush()
