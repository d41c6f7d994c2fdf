"""The IRC adapter: jaraco's `irc` library on the bot's own event loop, one per network.

It turns channel and private messages into IncomingMessage for the core, identifies people by
their services account, sends replies as clean lines within 512 bytes through a paced queue,
and keeps the connection up: reconnect with backoff, re-authenticate, rejoin, take the nick
back. No business rules live here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from irc.client import Event, ServerConnection
from irc.client_aio import AioConnection, AioReactor

from adapters.irc.capabilities import Negotiation, SaslResult
from adapters.irc.lines import clean, payload_limit, worst_case_source
from adapters.irc.pacing import OutgoingQueue, Receipt
from adapters.irc.people import People, fold
from adapters.irc.render import fit, reply_texts
from adapters.secrets import hide_in_logs
from bot.config import IrcSection
from bot.domain import (
    ChannelKind,
    ChannelRef,
    EventView,
    IncomingMessage,
    PollView,
    Role,
    UserRef,
)
from bot.logs import message_scope
from bot.metrics import QUEUED_LINES, RECONNECTS, REPLIES
from bot.ports import CoreApi, Undeliverable
from bot.replies import Reply, ReplyKind

log = logging.getLogger(__name__)

PLATFORM = "irc"
# How long lines queued while away wait for us to be back in the channels they are for.
JOIN_WAIT = 10.0
# Stand-in nicks tried while the configured one is taken, before giving up on a connection.
MAX_STAND_INS = 5
# How long stopping waits for queued lines to go out.
STOP_DRAIN = 3.0


class IrcAdapter:
    platform = PLATFORM

    def __init__(
        self,
        settings: IrcSection,
        *,
        reconnect_delay: float = 2.0,
        reconnect_max: float = 300.0,
        ping_interval: float = 90.0,
        connect_timeout: float = 30.0,
        regain_interval: float = 30.0,
    ) -> None:
        self.network = settings.name
        self._settings = settings
        self._password = (
            settings.sasl_password.get_secret_value() if settings.sasl_password else None
        )
        self._reconnect_delay = reconnect_delay
        self._reconnect_max = reconnect_max
        self._ping_interval = ping_interval
        self._connect_timeout = connect_timeout
        self._regain_interval = regain_interval
        self._core: CoreApi | None = None
        self._connection: AioConnection | None = None
        self._people = People()
        self._queue: OutgoingQueue | None = None
        self._negotiation = Negotiation()
        self._runner: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._lost = asyncio.Event()
        self._registered = False
        self._welcomed = asyncio.Event()
        self._first_try = asyncio.Event()  # the first connection attempt is over, either way
        self._joined: set[str] = set()
        self._invited_by: dict[str, str] = {}
        self._source = ""  # our own nick!user@host, as the server prefixes our lines
        self._last_heard = 0.0
        self._last_regain = 0.0
        self._stand_ins = 0  # stand-in nicks tried while registering
        self._stopping = asyncio.Event()
        # Registered, in every configured channel (or given up waiting), queue flowing.
        self._ready = asyncio.Event()
        self._all_joined = asyncio.Event()

    # --- lifecycle --------------------------------------------------------------------------

    @property
    def nick(self) -> str:
        """The nick the bot has now (the configured one, or a stand-in while it is taken)."""
        connection = self._connection
        return connection.real_nickname if connection is not None else self._settings.nick

    @property
    def connected(self) -> bool:
        return self._registered

    def problem(self) -> str | None:
        # Lines for the network wait in the queue meanwhile; the reconnect loop is on it.
        return None if self._registered else "not connected (reconnecting)"

    async def start(self, core: CoreApi) -> None:
        """Connect in the background; a network that is down does not stop the bot, it is
        retried. Waits for the first attempt so start-up logs say how it went."""
        self._core = core
        if self._password:
            hide_in_logs(self._password)
        loop = asyncio.get_running_loop()
        reactor = AioReactor(loop=loop)
        reactor.add_global_handler("all_events", self._on_event, -10)
        self._connection = reactor.server()
        self._queue = OutgoingQueue(
            self._write, burst=self._settings.burst, rate=self._settings.lines_per_second
        )
        self._queue.pause()  # nothing goes out before we are registered and in our channels
        self._queue.start()
        queue = self._queue
        QUEUED_LINES.labels(f"{PLATFORM}:{self.network}").set_function(lambda: queue.pending)
        self._runner = asyncio.create_task(self._stay_connected(), name=f"irc:{self.network}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._first_try.wait(), 2 * self._connect_timeout)
        if not self._registered:
            log.warning("irc %s: not connected yet; retrying in the background", self.network)

    async def stop(self) -> None:
        self._stopping.set()
        queue = self._queue
        if queue is not None and self._registered:
            # Answers already on their way get a moment to go out before we quit.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(queue.drained(), STOP_DRAIN)
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        if queue is not None:
            unsent = await queue.close()
            if unsent:
                log.warning("irc %s: %d queued lines were not sent", self.network, len(unsent))
        for task in list(self._tasks):
            task.cancel()
        connection = self._connection
        if connection is not None and connection.is_connected():
            connection.disconnect("gatherbot is stopping")

    async def ready(self) -> None:
        """Registered, in the configured channels and sending (for tests and benchmarks)."""
        await self._ready.wait()

    async def _stay_connected(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                await self._connect()
                await self._lost.wait()
            except (OSError, TimeoutError) as exc:
                log.warning("irc %s: cannot connect: %s", self.network, _describe(exc))
            finally:
                self._disconnected()
                self._first_try.set()
            if self._stopping.is_set():
                return
            # A connection that lasted a while was a success: start the backoff afresh.
            failures = 0 if time.monotonic() - started > 60 else failures + 1
            delay = min(self._reconnect_max, self._reconnect_delay * 2 ** min(failures, 10))
            delay *= random.uniform(0.5, 1.0)  # jitter: many bots must not return in step
            RECONNECTS.labels(f"{PLATFORM}:{self.network}").inc()
            log.info("irc %s: reconnecting in %.1f s", self.network, delay)
            await asyncio.sleep(delay)

    async def _connect(self) -> None:
        connection = self._connection
        assert connection is not None
        self._lost.clear()
        self._negotiation = Negotiation(self._settings.sasl_username, self._password)
        self._people.clear()
        self._joined.clear()
        self._source = ""
        self._stand_ins = 0
        self._last_heard = time.monotonic()
        settings = self._settings
        await asyncio.wait_for(
            connection.connect(
                settings.host,
                settings.port,
                settings.nick,
                username=settings.nick,
                ircname="gatherbot: events and RSVPs",
                connect_factory=self._open_socket,
            ),
            self._connect_timeout,
        )
        log.info("irc %s: connected to %s:%d", self.network, settings.host, settings.port)
        self._spawn(self._watch_connection(), "watch")

    async def _open_socket(
        self, protocol: asyncio.Protocol, address: tuple[str, int]
    ) -> tuple[asyncio.BaseTransport, asyncio.Protocol]:
        """TCP (or TLS), then `CAP LS 302` before the library's NICK and USER: a server that
        has seen CAP LS holds registration until CAP END, which leaves room for SASL."""
        loop = asyncio.get_running_loop()
        context: ssl.SSLContext | None = None
        if self._settings.tls:
            context = ssl.create_default_context()
            if not self._settings.tls_verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
        transport, _ = await loop.create_connection(
            lambda: protocol,
            *address,
            ssl=context,
            server_hostname=address[0] if context else None,
        )
        transport.write(b"CAP LS 302\r\n")
        return transport, protocol

    async def _watch_connection(self) -> None:
        """Ping timeout: a server that went silent is gone even if TCP has not noticed, and
        one that never lets us register is as good as gone. Also takes the configured nick
        back when it frees."""
        connected_at = time.monotonic()
        while self._connection is not None and not self._lost.is_set():
            await asyncio.sleep(min(self._ping_interval / 3, self._regain_interval))
            connection = self._connection
            if not self._welcomed.is_set() and time.monotonic() - connected_at > (
                self._connect_timeout
            ):
                log.warning("irc %s: registration timed out; reconnecting", self.network)
                self._drop(connection, "registration timed out")
                return
            silent = time.monotonic() - self._last_heard
            if silent > 2 * self._ping_interval:
                log.warning("irc %s: no answer for %.0f s; reconnecting", self.network, silent)
                self._drop(connection, "ping timeout")
                return
            if silent > self._ping_interval:
                self._raw(f"PING :{int(time.time())}")
            self._regain_nick()

    def _disconnected(self) -> None:
        self._registered = False
        self._welcomed.clear()
        self._ready.clear()
        self._all_joined.clear()
        if self._queue is not None:
            self._queue.pause()

    def _drop(self, connection: ServerConnection, reason: str) -> None:
        if connection.is_connected():
            connection.disconnect(reason)  # fires "disconnect", which sets _lost
        self._lost.set()

    # --- incoming ---------------------------------------------------------------------------

    def _on_event(self, connection: ServerConnection, event: Event) -> None:
        self._last_heard = time.monotonic()
        handler: Callable[[ServerConnection, Event], None] | None = getattr(
            self, f"_on_{event.type}", None
        )
        if handler is not None:
            try:
                handler(connection, event)
            except Exception:
                # One odd line from the server must not take the connection down.
                log.exception("irc %s: could not handle %s", self.network, event.type)

    def _on_disconnect(self, _connection: ServerConnection, _event: Event) -> None:
        if self._registered:
            log.warning("irc %s: disconnected", self.network)
        self._registered = False
        self._lost.set()

    def _on_cap(self, _connection: ServerConnection, event: Event) -> None:
        self._raw_lines(self._negotiation.on_cap(list(event.arguments)))

    def _on_authenticate(self, _connection: ServerConnection, event: Event) -> None:
        pieces = self._negotiation.on_authenticate(str(event.target))
        for piece in pieces:
            hide_in_logs(piece.removeprefix("AUTHENTICATE "))
        self._raw_lines(pieces)

    def _on_saslsuccess(self, _connection: ServerConnection, _event: Event) -> None:
        log.info("irc %s: logged in with SASL", self.network)
        self._raw_lines(self._negotiation.on_sasl_numeric(succeeded=True))

    def _on_sasl_failure(self, _connection: ServerConnection, event: Event) -> None:
        log.warning("irc %s: SASL login failed (%s)", self.network, event.type)
        self._raw_lines(self._negotiation.on_sasl_numeric(succeeded=False))

    _on_nicklocked = _on_saslfail = _on_sasltoolong = _on_sasl_failure
    _on_saslaborted = _on_saslalready = _on_sasl_failure

    def _on_welcome(self, connection: ServerConnection, _event: Event) -> None:
        self._negotiation.finished = True
        self._registered = True
        log.info("irc %s: registered as %s", self.network, connection.real_nickname)

    def _on_nicknameinuse(self, connection: ServerConnection, _event: Event) -> None:
        """Registration needs some nick: a stand-in until the configured one frees (it is
        taken back then). `gatherbot_` first; then forms that fit RFC 1459's 9 characters,
        for servers whose NICKLEN (which we learn only after registering) is that short."""
        if self._registered:
            return
        self._stand_ins += 1
        if self._stand_ins > MAX_STAND_INS:
            self._drop(connection, "no usable nick")
            return
        nick, attempt = self._settings.nick, self._stand_ins
        suffix = "_" if attempt == 1 else f"_{attempt}"
        connection.nick(f"{nick[: 9 - len(suffix)] if attempt > 1 else nick}{suffix}")

    _on_erroneusnickname = _on_nickcollision = _on_unavailresource = _on_nicknameinuse

    def _on_endofmotd(self, connection: ServerConnection, _event: Event) -> None:
        """Registration is complete: identify, mark ourselves a bot, join our channels."""
        if self._welcomed.is_set():
            return
        features = connection.features
        prefix = getattr(features, "prefix", None)
        if prefix:
            self._people.prefixes = dict(prefix)
        bot_mode = getattr(features, "bot", None)
        if isinstance(bot_mode, str) and len(bot_mode) == 1:
            self._raw(f"MODE {connection.real_nickname} +{bot_mode}")
        self._identify_with_nickserv()
        for channel in self._settings.channels:
            self._raw(f"JOIN {channel}")
        self._welcomed.set()
        self._first_try.set()
        self._spawn(self._open_queue_when_joined(), "queue")

    _on_nomotd = _on_endofmotd

    def _identify_with_nickserv(self) -> None:
        username, password = self._settings.sasl_username, self._password
        if username and password and self._negotiation.sasl is not SaslResult.SUCCEEDED:
            log.info("irc %s: no SASL login; identifying with NickServ", self.network)
            self._raw(f"PRIVMSG NickServ :IDENTIFY {username} {password}")

    async def _open_queue_when_joined(self) -> None:
        """Lines queued while we were away go out once we are back in the channels they
        are for (or after a while: a channel we cannot join must not hold up the rest)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._all_joined.wait(), JOIN_WAIT)
        if self._queue is not None and self._registered:
            self._queue.resume()
            self._ready.set()

    def _in_all_channels(self) -> bool:
        return all(fold(channel) in self._joined for channel in self._settings.channels)

    def _on_join(self, connection: ServerConnection, event: Event) -> None:
        channel = str(event.target)
        nick = event.source.nick
        # extended-join: `JOIN #chan account :realname`, `*` for no account.
        account: str | None = None
        if "extended-join" in self._negotiation.enabled and event.arguments:
            account = _account(str(event.arguments[0]))
        if _same(nick, connection.real_nickname):
            self._source = str(event.source)
            self._joined.add(fold(channel))
            if self._in_all_channels():
                self._all_joined.set()
            log.info("irc %s: joined %s", self.network, channel)
            if getattr(connection.features, "whox", None) is not None:
                # Everyone's account at once (WHOX), for people who were there before us.
                self._raw(f"WHO {channel} %tna,42")
            return
        self._people.joined(channel, nick, account)
        self._account_from_tags(nick, event.tags)

    def _on_namreply(self, _connection: ServerConnection, event: Event) -> None:
        # `353 me = #chan :@alice +bob`: target is us, arguments are [type, channel, names].
        if len(event.arguments) >= 3:
            self._people.names(str(event.arguments[1]), str(event.arguments[2]).split())

    def _on_endofnames(self, connection: ServerConnection, event: Event) -> None:
        channel = str(event.arguments[0]) if event.arguments else ""
        inviter = self._invited_by.pop(fold(channel), None)
        if inviter is not None and not self._people.is_operator(channel, inviter):
            log.info(
                "irc %s: %s invited us to %s but is no operator", self.network, inviter, channel
            )
            self._raw(f"PART {channel} :Invited by someone who is not an operator here")

    def _on_whospcrpl(self, _connection: ServerConnection, event: Event) -> None:
        # `354 me 42 nick account` for our `WHO #chan %tna,42`.
        arguments = [str(a) for a in event.arguments]
        if len(arguments) >= 3 and arguments[0] == "42":
            self._people.saw_account(arguments[1], _account(arguments[2], none="0"))

    def _on_account(self, _connection: ServerConnection, event: Event) -> None:
        # account-notify: `:nick!u@h ACCOUNT name` (`*` when logging out).
        self._people.saw_account(event.source.nick, _account(str(event.target)))

    def _on_mode(self, _connection: ServerConnection, event: Event) -> None:
        channel = str(event.target)
        arguments = [str(a) for a in event.arguments]
        if not arguments:
            return
        with_argument = self._modes_with_argument()
        parameters = iter(arguments[1:])
        sign = "+"
        for char in arguments[0]:
            if char in "+-":
                sign = char
                continue
            takes = char in with_argument["always"] or (
                sign == "+" and char in with_argument["set"]
            )
            parameter = next(parameters, None) if takes else None
            if parameter is not None and char in self._people.prefixes.values():
                self._people.mode(channel, sign, char, parameter)

    def _modes_with_argument(self) -> dict[str, str]:
        """Which channel modes take an argument, from ISUPPORT CHANMODES and PREFIX."""
        connection = self._connection
        chanmodes = getattr(connection.features, "chanmodes", None) if connection else None
        groups = list(chanmodes) if isinstance(chanmodes, list) else ["b", "k", "l", ""]
        groups += [""] * (4 - len(groups))
        always = groups[0] + groups[1] + "".join(self._people.prefixes.values())
        return {"always": always, "set": groups[2]}

    def _on_part(self, connection: ServerConnection, event: Event) -> None:
        self._left(connection, str(event.target), event.source.nick)

    def _on_kick(self, connection: ServerConnection, event: Event) -> None:
        if event.arguments:
            self._left(connection, str(event.target), str(event.arguments[0]))

    def _left(self, connection: ServerConnection, channel: str, nick: str) -> None:
        if _same(nick, connection.real_nickname):
            self._joined.discard(fold(channel))
            self._people.we_left(channel)
            log.info("irc %s: left %s", self.network, channel)
        else:
            self._people.left(channel, nick)

    def _on_quit(self, _connection: ServerConnection, event: Event) -> None:
        self._people.quit(event.source.nick)
        if _same(event.source.nick, self._settings.nick):
            self._regain_nick(now=True)

    def _on_nick(self, connection: ServerConnection, event: Event) -> None:
        old, new = event.source.nick, str(event.target)
        self._people.renamed(old, new)
        if _same(new, connection.real_nickname) and self._source:
            self._source = f"{new}!{self._source.partition('!')[2]}"
        elif _same(old, self._settings.nick):
            self._regain_nick(now=True)

    def _on_invite(self, connection: ServerConnection, event: Event) -> None:
        channel = str(event.arguments[0]) if event.arguments else ""
        if not self._settings.accept_invites or not channel:
            return
        # Whether the inviter is an operator there shows once we see the channel's NAMES.
        self._invited_by[fold(channel)] = event.source.nick
        self._raw(f"JOIN {channel}")

    def _on_pubmsg(self, connection: ServerConnection, event: Event) -> None:
        self._message(connection, event, direct=False)

    def _on_privmsg(self, connection: ServerConnection, event: Event) -> None:
        self._message(connection, event, direct=True)

    def _message(self, connection: ServerConnection, event: Event, *, direct: bool) -> None:
        source = event.source
        if (
            self._core is None
            or not event.arguments
            or _same(source.nick, connection.real_nickname)
        ):
            return
        # Colours and bold in what people type are not part of the command: `\x0304!rsvp 2`
        # is `!rsvp 2`, not `04!rsvp 2`.
        text = clean(str(event.arguments[0])).strip()
        self._account_from_tags(source.nick, event.tags)
        sender = self._person(source.nick, f"{source.user}@{source.host}", event.tags)
        if direct:
            channel = ChannelRef(PLATFORM, self.network, sender.id, ChannelKind.DIRECT, source.nick)
            reply_to = source.nick
        else:
            target = str(event.target)
            channel = ChannelRef(PLATFORM, self.network, fold(target), ChannelKind.GROUP, target)
            reply_to = target
        nick = connection.real_nickname
        tags = _tags(event.tags)
        incoming = IncomingMessage(
            sender=sender,
            channel=channel,
            text=text,
            sent_at=_server_time(tags.get("time")),
            message_id=tags.get("msgid") or "",
            addressed=direct or _addresses(text, nick),
            bot_name=nick,
        )
        self._spawn(self._answer(incoming, reply_to, direct=direct), "message")

    def _account_from_tags(self, nick: str, tags: list[dict[str, Any]] | None) -> None:
        if "account-tag" in self._negotiation.enabled:
            # With account-tag a message without the tag comes from someone not logged in.
            self._people.saw_account(nick, _tags(tags).get("account") or None)

    def _person(self, nick: str, userhost: str, tags: list[dict[str, Any]] | None) -> UserRef:
        if "account-tag" in self._negotiation.enabled:
            # The message says itself, even from someone who shares no channel with us.
            account = _tags(tags).get("account")
        else:
            account = self._people.account(nick)
        if account:
            return UserRef(PLATFORM, self.network, fold(account), nick)
        # Anyone can use a nick: without an account the full mask is the identity, marked
        # unverified (may RSVP, may not organize).
        return UserRef(PLATFORM, self.network, f"{nick}!{userhost}", nick, verified=False)

    async def _answer(self, incoming: IncomingMessage, reply_to: str, *, direct: bool) -> None:
        assert self._core is not None
        with message_scope(f"{PLATFORM}:{self.network}", incoming.channel.id):
            try:
                replies = await self._core.handle(incoming)
            except Exception:
                log.exception("irc %s: a command failed", self.network)
                return
            asker = incoming.sender.display
            # "sent" here is handed to the outgoing queue, which keeps lines across reconnects.
            REPLIES.labels(f"{PLATFORM}:{self.network}", "sent").inc(len(replies))
            for reply in replies:
                if direct:
                    self._enqueue(reply_to, reply, bulk=False)
                else:
                    self._enqueue(
                        reply_to,
                        reply,
                        bulk=False,
                        asker=asker,
                        command=_as_typed_in_private(incoming),
                    )

    # --- outgoing ---------------------------------------------------------------------------

    async def send(self, target: UserRef | ChannelRef, reply: Reply) -> None:
        """A notice from the core (promotion, reminder, announcement): queued as bulk, so
        replies to people go first. Returns once every line of it was written to the server
        (the scheduler then marks it sent); while disconnected its lines wait and go out after
        the reconnect. A send called off (the bot stopping) takes back what was not written,
        so a bot that stops or dies with a backlog leaves it to the next start, not lost."""
        if isinstance(target, ChannelRef) and target.kind is ChannelKind.GROUP:
            await self._written(self._enqueue(target.title or target.id, reply, bulk=True))
            return
        if isinstance(target, UserRef):
            identity, last_nick = target.id, target.display
        else:
            identity, last_nick = target.id, target.title
        nick = self._nick_for(identity)
        if nick is None:
            # Kept by the scheduler and tried again: they may come online before the event.
            raise Undeliverable(f"{last_nick} is not online on {self.network}", retry=True)
        await self._written(self._enqueue(nick, reply, bulk=True))

    async def _written(self, receipt: Receipt) -> None:
        """Wait for the notice's lines to be written. Called off (the scheduler stopping) or
        cut off (the adapter stopping), what was not written is taken back; when that is
        all of it, the notice surely did not go out and the scheduler keeps it for the next
        start. One cut off halfway is sent again in full later: the start read twice rather
        than the rest lost."""
        try:
            await receipt.written()
        except asyncio.CancelledError:
            if self._queue is not None:
                self._queue.withdraw(receipt)
            if receipt.lines_written:
                raise
            reason = f"called off before sending on {self.network}"
            raise Undeliverable(reason, retry=True) from None
        except ConnectionError:
            if receipt.lines_written:
                raise
            raise Undeliverable(f"{self.network} stopped before sending", retry=True) from None

    def _nick_for(self, identity: str) -> str | None:
        """Where to reach a person now. An account is reached at the nick logged into it;
        an unverified person at the nick of their mask."""
        if "!" in identity:
            return identity.partition("!")[0]
        return self._people.nick_of(identity)

    def _enqueue(
        self,
        target: str,
        reply: Reply,
        *,
        bulk: bool,
        asker: str | None = None,
        command: str = "",
    ) -> Receipt:
        """Queue a reply for ``target``. A reply to ``asker`` in a channel names them when it
        is an error or a question, and is cut short when long (``command`` is what to ask in
        private for the whole of it). The receipt tells when its lines were written."""
        queue = self._queue
        if queue is None:
            raise RuntimeError("the IRC adapter is not running")
        texts = reply_texts(reply, use_bold=self._settings.bold)
        if asker is not None and texts and reply.kind in (ReplyKind.ERROR, ReplyKind.PROMPT):
            texts[0] = f"{clean(asker)}: {texts[0]}"
        nick = self.nick

        def more(hidden: int) -> str:
            return f"… and {hidden} more lines: ask me in private (/msg {nick} {command.strip()})"

        pieces = fit(
            texts,
            payload_limit(self._source or worst_case_source(nick), "PRIVMSG", target),
            max_lines=self._settings.channel_lines if asker is not None else None,
            more=more,
        )
        receipt = Receipt(len(pieces))
        for piece in pieces:
            queue.put(f"PRIVMSG {target} :{piece}", bulk=bulk, receipt=receipt)
        return receipt

    def _write(self, line: str) -> None:
        connection = self._connection
        if connection is None or not self._registered or not connection.is_connected():
            raise ConnectionError("not connected")
        connection.send_raw(line)

    def _raw(self, line: str) -> None:
        """Protocol lines (CAP, JOIN, PONG...) skip the queue: they are few, and
        registration cannot wait behind replies."""
        connection = self._connection
        if connection is not None and connection.is_connected():
            connection.send_raw(line)

    def _raw_lines(self, lines: list[str]) -> None:
        for line in lines:
            self._raw(line)

    def _regain_nick(self, *, now: bool = False) -> None:
        wanted = self._settings.nick
        connection = self._connection
        if connection is None or not self._registered or _same(connection.real_nickname, wanted):
            return
        if now or time.monotonic() - self._last_regain >= self._regain_interval:
            self._last_regain = time.monotonic()
            self._raw(f"NICK {wanted}")

    async def event_changed(self, event: EventView) -> None:
        """IRC messages cannot be edited: there are no cards to refresh."""

    async def poll_changed(self, poll: PollView) -> None:
        """Nor poll cards: `!poll ID` shows the tally."""

    # --- roles ------------------------------------------------------------------------------

    async def roles(self, user: UserRef, channel: ChannelRef) -> frozenset[Role]:
        if channel.kind is ChannelKind.DIRECT:
            return frozenset({Role.CHANNEL_ADMIN}) if channel.id == user.id else frozenset()
        roles = set()
        if self._people.is_member(channel.id, user.display):
            roles.add(Role.MEMBER)
        if self._people.is_operator(channel.id, user.display):
            roles.add(Role.CHANNEL_ADMIN)
        return frozenset(roles)

    def _spawn(self, coroutine: Any, name: str) -> None:
        task = asyncio.create_task(coroutine, name=f"irc:{self.network}:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _same(a: str, b: str) -> bool:
    return fold(a) == fold(b)


def _account(value: str, *, none: str = "*") -> str | None:
    return None if value in (none, "") else value


def _tags(tags: list[dict[str, Any]] | None) -> dict[str, str]:
    return {str(tag["key"]): str(tag["value"] or "") for tag in tags or ()}


def _addresses(text: str, nick: str) -> bool:
    head = text[: len(nick) + 1]
    return len(text) > len(nick) and _same(head[:-1], nick) and head[-1] in ":,"


def _as_typed_in_private(message: IncomingMessage) -> str:
    """`gatherbot: who 3` in a channel is `!who 3` in a private message."""
    text = message.text.strip()
    if _addresses(text, message.bot_name):
        return f"!{text[len(message.bot_name) + 1 :].strip()}"
    return text


def _server_time(value: str | None) -> datetime:
    """server-time says when the server saw the message; our clock is the fallback."""
    if value:
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    return datetime.now(UTC)


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
