"""A minimal raw IRC client for the test users around the bot (never the bot itself).

It speaks just enough IRC to register (with optional IRCv3 capabilities and SASL PLAIN),
join, talk, and record every line it receives, raw bytes included, so a test can wait for
a reply and also assert on everything that was seen:

    alice = await IrcUser.connect(server.host, server.port, "alice")
    await alice.join("#meetup")
    await alice.privmsg("#meetup", "!events")
    reply = await alice.wait_for(lambda m: m.command == "PRIVMSG" and m.nick == "gatherbot")

`wait_for` keeps a cursor: each call searches the messages after the one the previous call
returned, so consecutive waits read a conversation in order, and a line that arrived before
the wait began is still found.
"""

# Helpers take `timeout=` so that a test's wait reads as one line.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol, Self

# Requested when the server offers them; `sasl` is added when `sasl=` is given.
DEFAULT_CAPS: tuple[str, ...] = (
    "message-tags",
    "server-time",
    "account-tag",
    "extended-join",
    "account-notify",
)

_TAG_ESCAPES = {":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}
_SASL_FAILURES = {"902", "904", "905", "906", "907"}
_JOIN_FAILURES = {"403", "405", "471", "473", "474", "475", "476", "477"}
_REGISTRATION_FAILURES = {"431", "432", "433", "436", "437", "464", "465"}

_names = itertools.count(1)


def unique_name(prefix: str = "user") -> str:
    """A nick (and account name) no other test in this run uses: `prefix` plus a number."""
    return f"{prefix[:20]}{next(_names)}"


def unescape_tag_value(value: str) -> str:
    """IRCv3 message-tags: `\\:` is `;`, `\\s` a space, `\\\\` a backslash, `\\r`/`\\n` CR/LF;
    a backslash before any other character is dropped, and so is a trailing one."""
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        escaped = next(chars, "")
        out.append(_TAG_ESCAPES.get(escaped, escaped))
    return "".join(out)


@dataclass(frozen=True, slots=True, eq=False)
class Message:
    """One line from the server, parsed. `raw` is the exact bytes without the CR LF."""

    raw: bytes
    tags: dict[str, str]
    prefix: str | None
    command: str
    params: list[str]
    received_at: float = field(default_factory=time.monotonic)

    @property
    def line(self) -> str:
        """The whole line, decoded (invalid UTF-8 shows as U+FFFD)."""
        return self.raw.decode("utf-8", "replace")

    @property
    def body(self) -> bytes:
        """The raw line without its tags: the part IRC's 512-byte limit applies to."""
        if self.raw.startswith(b"@"):
            return self.raw.partition(b" ")[2].lstrip(b" ")
        return self.raw

    @property
    def nick(self) -> str | None:
        """The sender's nick (or server name) from the prefix."""
        if self.prefix is None:
            return None
        return self.prefix.partition("!")[0].partition("@")[0]

    @property
    def userhost(self) -> str | None:
        """`user@host` of the sender, if the prefix has one."""
        if self.prefix is None or "!" not in self.prefix:
            return None
        return self.prefix.partition("!")[2]

    @property
    def target(self) -> str:
        return self.params[0] if self.params else ""

    @property
    def text(self) -> str:
        """The last parameter: a PRIVMSG's or NOTICE's text, a numeric's message."""
        return self.params[-1] if self.params else ""

    @property
    def account(self) -> str | None:
        """The sender's services account from the `account` tag (IRCv3 account-tag)."""
        return self.tags.get("account")

    def __repr__(self) -> str:
        return f"<Message {self.line!r}>"


def parse_line(raw: bytes) -> Message:
    """Parse one IRC line (without CR LF), IRCv3 tags included."""
    rest = raw.decode("utf-8", "replace")
    tags: dict[str, str] = {}
    if rest.startswith("@"):
        tag_text, _, rest = rest[1:].partition(" ")
        for item in tag_text.split(";"):
            if item:
                key, _, value = item.partition("=")
                tags[key] = unescape_tag_value(value)
        rest = rest.lstrip(" ")
    prefix = None
    if rest.startswith(":"):
        prefix, _, rest = rest[1:].partition(" ")
        rest = rest.lstrip(" ")
    trailing = None
    if " :" in rest:
        rest, _, trailing = rest.partition(" :")
    elif rest.startswith(":"):
        rest, trailing = "", rest[1:]
    words = rest.split()
    command = words[0].upper() if words else ""
    params = words[1:]
    if trailing is not None:
        params.append(trailing)
    return Message(raw=raw, tags=tags, prefix=prefix, command=command, params=params)


Predicate = Callable[[Message], bool] | str | re.Pattern[str]


def _matcher(predicate: Predicate) -> Callable[[Message], bool]:
    if callable(predicate):
        return predicate
    pattern = re.compile(predicate) if isinstance(predicate, str) else predicate
    return lambda message: pattern.search(message.line) is not None


class IrcError(Exception):
    """The server refused something (a nick, a join, SASL); `message` is its reply."""

    def __init__(self, text: str, message: Message | None = None) -> None:
        super().__init__(text if message is None else f"{text}: {message.line}")
        self.message = message

    @property
    def code(self) -> str | None:
        return self.message.command if self.message else None


class SaslError(IrcError):
    """SASL failed: `code` is the numeric (904 wrong password, 908 mechanisms, ...)."""


def _same(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


class IrcUser:
    """A test user's IRC connection. Create it with `await IrcUser.connect(...)`."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, nick: str
    ) -> None:
        self.nick = nick
        self.messages: list[Message] = []
        self.server_caps: dict[str, str] = {}  # offered by CAP LS: name -> value ("" if none)
        self.caps: set[str] = set()  # acknowledged
        self.isupport: dict[str, str] = {}
        self.account: str | None = None  # set by 900 (logged in)
        self._reader = reader
        self._writer = writer
        self._cursor = 0
        self._arrived = asyncio.Event()
        self._closed = False
        self._read_task: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"<IrcUser {self.nick} {'closed' if self._closed else 'open'}>"

    # ---- connecting -----------------------------------------------------------------

    @classmethod
    async def connect(
        cls,
        host: str,
        port: int,
        nick: str,
        *,
        sasl: tuple[str, str] | None = None,
        caps: Sequence[str] = DEFAULT_CAPS,
        username: str | None = None,
        realname: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
    ) -> IrcUser:
        """Connect and register; return once the welcome (and MOTD) are through.

        `caps` are requested only if the server offers them; `sasl=(account, password)` logs
        in with SASL PLAIN and raises `SaslError` when it fails (904 for a wrong password).
        """
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, limit=1 << 16), timeout
        )
        user = cls(reader, writer, nick)
        user._read_task = asyncio.create_task(user._read_loop(), name=f"irc-user-{nick}")
        try:
            async with asyncio.timeout(timeout):
                await user._register(
                    sasl, caps, username or nick.lower()[:10], realname or nick, password
                )
        except TimeoutError:
            await user.close()
            raise TimeoutError(
                f"{nick}: not registered within {timeout} s; last lines:\n{user._recent()}"
            ) from None
        except BaseException:
            await user.close()
            raise
        return user

    async def _register(
        self,
        sasl: tuple[str, str] | None,
        caps: Sequence[str],
        username: str,
        realname: str,
        password: str | None,
    ) -> None:
        start = len(self.messages)
        await self.send_raw("CAP LS 302")
        if password is not None:
            await self.send_raw(f"PASS {password}")
        await self.send_raw(f"NICK {self.nick}")
        await self.send_raw(f"USER {username} 0 * :{realname}")

        # Read the capability list (possibly several lines); a server without CAP just
        # goes on registering, and answers 001 instead.
        welcome = None
        while True:
            message = await self._next(
                lambda m: (
                    (m.command == "CAP" and m.params[1:2] == ["LS"])
                    or m.command == "001"
                    or m.command in _REGISTRATION_FAILURES
                    or m.command == "ERROR"
                ),
                since=start,
            )
            start = self.messages.index(message) + 1
            if message.command != "CAP":
                self._check_registration(message)
                welcome = message
                break
            for item in message.text.split():
                name, _, value = item.partition("=")
                self.server_caps[name] = value
            if message.params[2:3] != ["*"]:  # the last line of a multi-line list
                break

        if welcome is None:
            wanted = [cap for cap in caps if cap in self.server_caps and cap != "sasl"]
            if sasl is not None:
                if "sasl" not in self.server_caps:
                    raise SaslError("the server offers no SASL")
                wanted.append("sasl")
            if wanted:
                await self.send_raw(f"CAP REQ :{' '.join(wanted)}")
                reply = await self._next(
                    lambda m: m.command == "CAP" and m.params[1:2] in (["ACK"], ["NAK"]),
                    since=start,
                )
                start = self.messages.index(reply) + 1
                if reply.params[1] == "NAK":
                    raise IrcError("the server refused the capabilities", reply)
                self.caps.update(reply.text.split())
            if sasl is not None:
                start = await self._authenticate(*sasl, since=start)
            await self.send_raw("CAP END")
        elif sasl is not None:
            raise SaslError("the server does not speak CAP, so no SASL")

        if welcome is None:
            welcome = await self._next(
                lambda m: m.command in {"001", "ERROR"} | _REGISTRATION_FAILURES, since=start
            )
            self._check_registration(welcome)
        self.nick = welcome.target
        # Wait out the welcome burst (ISUPPORT, MOTD) so tests start from a quiet line.
        await self._next(lambda m: m.command in {"376", "422"}, since=start)
        self._cursor = len(self.messages)

    @staticmethod
    def _check_registration(message: Message) -> None:
        if message.command != "001":
            raise IrcError("registration failed", message)

    async def _authenticate(self, account: str, password: str, *, since: int) -> int:
        await self.send_raw("AUTHENTICATE PLAIN")
        prompt = await self._next(
            lambda m: m.command == "AUTHENTICATE" or m.command in _SASL_FAILURES | {"908"},
            since=since,
        )
        if prompt.command != "AUTHENTICATE":
            raise SaslError("SASL PLAIN refused", prompt)
        # authzid empty: "log me in as the account I authenticate as".
        payload = base64.b64encode(f"\0{account}\0{password}".encode()).decode()
        chunks = [payload[i : i + 400] for i in range(0, len(payload), 400)]
        if len(payload) % 400 == 0:
            chunks.append("+")
        for chunk in chunks:
            await self.send_raw(f"AUTHENTICATE {chunk}")
        result = await self._next(
            lambda m: m.command == "903" or m.command in _SASL_FAILURES, since=since
        )
        if result.command != "903":
            raise SaslError("SASL authentication failed", result)
        return self.messages.index(result) + 1

    # ---- reading ----------------------------------------------------------------------

    async def _read_loop(self) -> None:
        try:
            while True:
                line = await self._reader.readline()
                if not line:
                    break
                if line.endswith(b"\n"):
                    line = line[:-1]
                if line.endswith(b"\r"):
                    line = line[:-1]
                if not line:
                    continue
                message = parse_line(line)
                self.messages.append(message)
                self._track(message)
                self._arrived.set()
        except (ConnectionError, OSError, ValueError, asyncio.IncompleteReadError):
            pass
        finally:
            self._closed = True
            self._arrived.set()
            self._writer.close()

    def _track(self, message: Message) -> None:
        """Keep the little state a test user needs: PONGs, its nick, ISUPPORT, account."""
        command = message.command
        if command == "PING":
            self._write(f"PONG :{message.text}")
        elif command == "NICK" and message.nick and _same(message.nick, self.nick):
            self.nick = message.text
        elif command == "005":
            for token in message.params[1:-1]:
                key, _, value = token.partition("=")
                self.isupport[key.upper()] = value
        elif command == "900" and len(message.params) >= 3:
            self.account = message.params[2]
        elif command == "901":
            self.account = None
        elif command == "CAP" and message.params[1:2] in (["NEW"], ["DEL"]):
            for item in message.text.split():
                name, _, value = item.partition("=")
                if message.params[1] == "NEW":
                    self.server_caps[name] = value
                else:
                    self.server_caps.pop(name, None)
                    self.caps.discard(name)

    async def _next(self, predicate: Callable[[Message], bool], *, since: int) -> Message:
        """The first message at or after index `since` that matches (no timeout here)."""
        index = since
        while True:
            while index < len(self.messages):
                message = self.messages[index]
                index += 1
                if predicate(message):
                    return message
            if self._closed:
                raise ConnectionError(f"{self.nick}: the server closed the connection")
            self._arrived.clear()
            await self._arrived.wait()

    def mark(self) -> int:
        """An index into `messages`; pass it as `since=` to search only what came later."""
        return len(self.messages)

    async def wait_for(
        self, predicate: Predicate, timeout: float = 10.0, *, since: int | None = None
    ) -> Message:
        """The next message that matches, waiting up to `timeout` seconds.

        `predicate` is a function of a `Message`, or a regular expression searched in the
        decoded line (tags included). The search starts after the message the previous
        `wait_for` returned (or at `since`, an index from `mark()`), so a line is not matched
        twice and a line that came before the call is still found.
        """
        start = self._cursor if since is None else since
        message = await self._wait(_matcher(predicate), timeout, since=start, what=predicate)
        self._cursor = self.messages.index(message, start) + 1
        return message

    async def _wait(
        self, match: Callable[[Message], bool], timeout: float, *, since: int, what: object
    ) -> Message:
        """Like `wait_for`, without moving the cursor."""
        try:
            async with asyncio.timeout(timeout):
                return await self._next(match, since=since)
        except TimeoutError:
            raise TimeoutError(
                f"{self.nick}: nothing matching {what!r} within {timeout} s; "
                f"last lines:\n{self._recent()}"
            ) from None

    async def assert_no_message(
        self, predicate: Predicate, within: float = 1.0, *, since: int | None = None
    ) -> None:
        """Fail if a matching message arrives (or has arrived since the cursor) in `within`."""
        match = _matcher(predicate)
        start = self._cursor if since is None else since
        try:
            async with asyncio.timeout(within):
                message = await self._next(match, since=start)
        except (TimeoutError, ConnectionError):
            return
        raise AssertionError(f"{self.nick}: unexpected {message.line!r}")

    def messages_from(self, nick: str) -> list[Message]:
        """Every message received so far whose sender is `nick` (case-insensitive)."""
        return [m for m in self.messages if m.nick is not None and _same(m.nick, nick)]

    def _recent(self, count: int = 15) -> str:
        return "\n".join(f"  {m.line}" for m in self.messages[-count:]) or "  (nothing)"

    # ---- writing ----------------------------------------------------------------------

    def _write(self, line: str | bytes) -> None:
        data = line.encode() if isinstance(line, str) else line
        if not self._writer.is_closing():
            self._writer.write(data + b"\r\n")

    async def send_raw(self, line: str | bytes) -> None:
        """Send one line as is (CR LF is added). A str must not contain CR or LF."""
        if isinstance(line, str) and ("\r" in line or "\n" in line):
            raise ValueError(f"one line at a time: {line!r}")
        if self._closed:
            raise ConnectionError(f"{self.nick}: connection closed")
        self._write(line)
        await self._writer.drain()

    async def privmsg(self, target: str, text: str) -> None:
        await self.send_raw(f"PRIVMSG {target} :{text}")

    async def notice(self, target: str, text: str) -> None:
        await self.send_raw(f"NOTICE {target} :{text}")

    async def join(self, channel: str, key: str | None = None, timeout: float = 10.0) -> list[str]:
        """Join and wait for the end of NAMES; return the names with their prefixes (`@op`).

        Does not move the `wait_for` cursor: the JOIN echo and NAMES can still be waited for.
        """
        start = self.mark()
        await self.send_raw(f"JOIN {channel}" + (f" {key}" if key else ""))
        end = await self._wait(
            lambda m: (
                (m.command == "366" or m.command in _JOIN_FAILURES)
                and len(m.params) > 1
                and _same(m.params[1], channel)
            ),
            timeout,
            since=start,
            what=f"the end of NAMES for {channel}",
        )
        if end.command != "366":
            raise IrcError(f"could not join {channel}", end)
        names: list[str] = []
        for message in self.messages[start : self.messages.index(end, start)]:
            if message.command == "353" and _same(message.params[-2], channel):
                names.extend(message.text.split())
        return names

    async def part(self, channel: str, reason: str = "bye", timeout: float = 10.0) -> None:
        start = self.mark()
        await self.send_raw(f"PART {channel} :{reason}")
        await self._wait(
            lambda m: m.command == "PART" and _same(m.nick or "", self.nick),
            timeout,
            since=start,
            what=f"our PART from {channel}",
        )

    # ---- closing ----------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once the connection is gone (QUIT, server gone, or `close()`)."""
        return self._closed

    async def wait_closed(self, timeout: float = 10.0) -> None:
        """Wait until the server closes the connection."""
        async with asyncio.timeout(timeout):
            while not self._closed:
                self._arrived.clear()
                await self._arrived.wait()

    async def quit(self, message: str = "bye", timeout: float = 5.0) -> None:
        """QUIT and wait for the server to close the connection (then close regardless)."""
        if not self._closed:
            try:
                await self.send_raw(f"QUIT :{message}")
                await self.wait_closed(timeout)
            except (ConnectionError, TimeoutError):
                pass
        await self.close()

    async def close(self) -> None:
        """Drop the connection without a QUIT."""
        self._closed = True
        self._writer.close()
        if self._read_task is not None:
            self._read_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._read_task
            self._read_task = None
        with contextlib.suppress(ConnectionError, OSError):
            await self._writer.wait_closed()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.quit()


class _Server(Protocol):
    host: str
    port: int


class IrcUsers:
    """Connects test users and quits them all at the end (the `irc_users` fixture)."""

    def __init__(self) -> None:
        self.users: list[IrcUser] = []

    async def connect(self, server: _Server, nick: str | None = None, **options: Any) -> IrcUser:
        """One user on `server` (a fresh unique nick unless given); options as `IrcUser.connect`."""
        user = await IrcUser.connect(server.host, server.port, nick or unique_name(), **options)
        self.users.append(user)
        return user

    async def connect_many(self, server: _Server, *nicks: str, **options: Any) -> list[IrcUser]:
        """Several users at once: InspIRCd takes about a second to welcome each one, in parallel."""
        return list(
            await asyncio.gather(*(self.connect(server, nick, **options) for nick in nicks))
        )

    async def close(self) -> None:
        users, self.users = self.users, []
        await asyncio.gather(*(user.quit(timeout=2.0) for user in users), return_exceptions=True)
