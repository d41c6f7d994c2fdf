"""The Telegram adapter: python-telegram-bot 22 sharing the bot's event loop.

It turns messages into IncomingMessage for the core, renders replies as HTML, posts event
cards with RSVP buttons and keeps them current, and answers the core's questions about
chat admins. No business rules live here.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

import httpx
from telegram import (
    BotCommand,
    CallbackQuery,
    Chat,
    ChatMemberRestricted,
    ForceReply,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBDeprecationWarning

from adapters.secrets import hide_in_logs
from adapters.telegram.buttons import keyboard, parse_pressed, parse_vote, poll_keyboard
from adapters.telegram.pacing import PrivatePacer
from adapters.telegram.refresh import CardRefresher
from adapters.telegram.render import to_html
from adapters.telegram.webhook import WebhookServer
from bot.commands import COMMANDS
from bot.config import TelegramSection
from bot.domain import (
    ChannelKind,
    ChannelRef,
    EventStatus,
    EventView,
    IncomingMessage,
    PollStatus,
    PollView,
    Role,
    UserRef,
)
from bot.logs import message_scope
from bot.metrics import REPLIES
from bot.ports import CoreApi, Undeliverable
from bot.replies import Attachment, Reply, ReplyKind

log = logging.getLogger(__name__)

PLATFORM = "telegram"
SEND_ATTEMPTS = 5
ROLE_CACHE_SECONDS = 60.0
# The updates the adapter handles; Telegram does not send the others, in either mode.
ALLOWED = (Update.MESSAGE, Update.CALLBACK_QUERY)
# A getUpdates that failed this recently makes the network unhealthy (`/healthz`). PTB tries
# again after 1 s, then up to every 30 s, so a lasting failure is never quieter than this.
POLLING_FAILURE_WINDOW = 60.0
T = TypeVar("T")


class TelegramAdapter:
    platform = PLATFORM

    def __init__(
        self,
        settings: TelegramSection,
        *,
        poll_timeout: int = 30,
        edit_interval: float = 3.0,
        retry_base_delay: float = 1.0,
        request_timeout: float = 10.0,
        rate_limited: bool = True,
        failure_window: float = POLLING_FAILURE_WINDOW,
    ) -> None:
        assert settings.token is not None, "the config check requires a token"
        self.network = settings.network
        self._token = settings.token.get_secret_value()
        self._api = settings.api_base_url.rstrip("/")
        self._poll_timeout = poll_timeout
        self._retry_base_delay = retry_base_delay
        self._app: Application | None = None  # type: ignore[type-arg]
        self._core: CoreApi | None = None
        self._refresher = CardRefresher(self._edit_card, edit_interval)
        self._poll_refresher = CardRefresher(self._edit_poll_card, edit_interval)
        self._pacer = PrivatePacer()
        self._request_timeout = request_timeout
        self._rate_limited = rate_limited
        self._role_cache: dict[tuple[int, int], tuple[float, frozenset[Role]]] = {}
        self._settings = settings
        self._webhook: WebhookServer | None = None
        self._failure_window = failure_window
        # The last failed getUpdates: what went wrong, and when (monotonic).
        self._polling_failure: tuple[str, float] | None = None
        self.username = ""

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self, core: CoreApi) -> None:
        self._core = core
        hide_in_logs(self._token)
        builder = (
            ApplicationBuilder()
            .token(self._token)
            .base_url(f"{self._api}/bot")
            .base_file_url(f"{self._api}/file/bot")
            .concurrent_updates(True)
            .read_timeout(self._request_timeout)
            .write_timeout(self._request_timeout)
        )
        if self._rate_limited:
            # PTB's limiter gives up on the first 429 unless told otherwise: a lost message.
            builder.rate_limiter(AIORateLimiter(max_retries=SEND_ATTEMPTS))
        app = builder.build()
        app.add_handler(
            MessageHandler(filters.TEXT & ~filters.UpdateType.EDITED_MESSAGE, self._on_text)
        )
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_error_handler(self._on_error)
        await app.initialize()
        self._app = app
        self.username = app.bot.username
        await app.bot.set_my_commands(
            [BotCommand(spec.name, spec.summary[:256]) for spec in COMMANDS]
        )
        await app.start()
        if self._settings.webhook_url is not None:
            await self._start_webhook(app, self._settings.webhook_url)
            return
        assert app.updater is not None
        # PTB deletes any webhook first (Telegram refuses getUpdates while one is set), keeping
        # the updates that were waiting for it.
        await app.updater.start_polling(
            timeout=self._poll_timeout,
            allowed_updates=ALLOWED,
            error_callback=self._polling_failed,
        )
        log.info("telegram: polling as @%s", self.username)

    async def _start_webhook(self, app: Application, url: str) -> None:  # type: ignore[type-arg]
        settings = self._settings
        assert settings.secret_token is not None, "the config check requires it with a URL"
        secret = settings.secret_token.get_secret_value()
        hide_in_logs(secret)  # PTB logs setWebhook's parameters at DEBUG
        server = WebhookServer(settings.webhook_path, secret, app.bot, app.update_queue)
        # Listening before Telegram is told where to post: its first update may come at once.
        await server.start(settings.webhook_host, settings.webhook_port)
        self._webhook = server
        await app.bot.set_webhook(
            url, secret_token=secret, allowed_updates=ALLOWED, drop_pending_updates=False
        )
        log.info("telegram: receiving updates at %s as @%s", url, self.username)

    def problem(self) -> str | None:
        app = self._app
        if self._settings.webhook_url is not None:
            if app is None or not app.running or self._webhook is None:
                return "webhook server not running"
        elif app is None or not app.running or app.updater is None or not app.updater.running:
            return "not polling for updates"
        failure = self._polling_failure
        if failure is not None and time.monotonic() - failure[1] < self._failure_window:
            return f"getting updates fails: {failure[0]}"
        return None

    def _polling_failed(self, exc: TelegramError) -> None:
        """PTB calls this for every failed getUpdates, then tries again: one warning per run
        of the same failure rather than a traceback every few seconds (PTB's default), and
        `/healthz` says what is wrong while it lasts."""
        if isinstance(exc, Conflict) and "webhook" in exc.message.lower():
            what = "a webhook is set for this bot token (409 Conflict)"
        elif isinstance(exc, Conflict):
            what = (
                "another process is getting updates with this bot token (409 Conflict); "
                "only one may: stop the other one"
            )
        else:
            what = f"{type(exc).__name__}: {exc.message}"
        what = what.replace(self._token, "<secret>")  # `/healthz` is no log: no filter there
        now = time.monotonic()
        last = self._polling_failure
        self._polling_failure = (what, now)
        if last is not None and last[0] == what and now - last[1] < self._failure_window:
            log.debug("telegram: getting updates failed again: %s", what)
        else:
            log.warning("telegram: getting updates failed: %s; trying again", what)

    async def stop(self) -> None:
        app = self._app
        if app is None:
            return
        await self._refresher.close()  # pending card edits go out before we disconnect
        await self._poll_refresher.close()
        self._app = None
        # The webhook stays set: Telegram keeps the updates until the bot is back, in either mode.
        webhook, self._webhook = self._webhook, None
        if webhook is not None:
            await webhook.stop()
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    # --- incoming ---------------------------------------------------------------------------

    async def _on_text(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.text is None or self._core is None:
            return
        channel = self._channel(message.chat)
        sender = self._sender(message)
        if sender is None:
            return
        text = self._deep_link(message.text)
        addressed = channel.kind is ChannelKind.DIRECT or (
            f"@{self.username}".lower() in text.lower()
        )
        incoming = IncomingMessage(
            sender=sender,
            channel=channel,
            text=text,
            sent_at=message.date,
            message_id=str(message.message_id),
            addressed=addressed,
            bot_name=self.username,
        )
        with message_scope(f"{PLATFORM}:{self.network}", channel.id):
            for reply in await self._core.handle(incoming):
                await self._post(channel, reply, reply_to=message.message_id)

    def _deep_link(self, text: str) -> str:
        """`/start ev_12` (from a card's link) shows event 12; a bare `/start` shows help."""
        head, _, payload = text.strip().partition(" ")
        if head.lower() not in ("/start", f"/start@{self.username}".lower()):
            return text
        payload = payload.strip()
        if payload.startswith("ev_") and payload[3:].isdigit():
            return f"/event {payload[3:]}"
        return "/help"

    async def _on_button(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or self._core is None:
            return
        chat = query.message.chat.id if query.message is not None else ""
        with message_scope(f"{PLATFORM}:{self.network}", str(chat)):
            answer = await self._button_answer(query)
            await self._deliver(lambda: query.answer(answer[:200]), what="a button answer")

    async def _button_answer(self, query: CallbackQuery) -> str:
        assert self._core is not None
        message = query.message
        vote = parse_vote(query.data)
        if vote is not None and isinstance(message, Message):
            polls = await self._core.poll_cards_of(vote.poll_id, PLATFORM, self.network)
            if (str(message.chat.id), str(message.message_id)) not in polls:
                return "This button is out of date."
            return await self._core.vote(
                self._person(query.from_user),
                self._channel(message.chat),
                vote.poll_id,
                vote.position,
            )
        pressed = parse_pressed(query.data)
        if pressed is None or not isinstance(message, Message):
            return "This button is not valid."
        cards = await self._core.cards_of(pressed.event_id, PLATFORM, self.network)
        if (str(message.chat.id), str(message.message_id)) not in cards:
            # Not a card we posted for that event: forged data or a card from another bot.
            return "This button is out of date."
        return await self._core.press(
            self._person(query.from_user),
            self._channel(message.chat),
            pressed.event_id,
            pressed.choice,
        )

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error(
            "telegram: handling an update failed: %s",
            type(context.error).__name__,
            exc_info=context.error,
        )

    def _channel(self, chat: Chat) -> ChannelRef:
        direct = chat.type == ChatType.PRIVATE
        title = chat.title or chat.full_name or str(chat.id)
        return ChannelRef(
            PLATFORM,
            self.network,
            str(chat.id),
            ChannelKind.DIRECT if direct else ChannelKind.GROUP,
            title,
        )

    def _sender(self, message: Message) -> UserRef | None:
        """Who wrote it. An anonymous admin speaks for the group: the group is the identity,
        and roles() knows it as an admin of that group."""
        sender_chat = message.sender_chat
        if sender_chat is not None and sender_chat.id == message.chat.id:
            title = sender_chat.title or "group"
            return UserRef(PLATFORM, self.network, f"chat:{sender_chat.id}", f"{title} admins")
        user = message.from_user
        if user is None or user.is_bot:
            return None
        return self._person(user)

    def _person(self, user: User) -> UserRef:
        name = user.full_name.strip() or (f"@{user.username}" if user.username else "someone")
        return UserRef(PLATFORM, self.network, str(user.id), name)

    # --- outgoing ---------------------------------------------------------------------------

    async def send(self, target: UserRef | ChannelRef, reply: Reply) -> None:
        """A notice: to a channel, or to a person's private chat with the bot."""
        if isinstance(target, UserRef):
            if target.id.startswith("chat:"):
                raise Undeliverable("an anonymous admin has no private chat", retry=False)
            channel = ChannelRef(PLATFORM, self.network, target.id, ChannelKind.DIRECT)
        else:
            channel = target
        await self._post(channel, reply, strict=True)

    async def _post(
        self,
        channel: ChannelRef,
        reply: Reply,
        reply_to: int | None = None,
        *,
        strict: bool = False,
    ) -> None:
        """Post ``reply``; ``strict`` raises Undeliverable for what surely did not arrive
        (a notice is then kept and tried again later), instead of logging it."""
        app = self._require_app()
        if reply.attachment is not None:
            await self._send_file(channel, reply.attachment, strict=strict)
            return
        event = reply.event if reply.kind is ReplyKind.EVENT_CARD else None
        # Vote buttons while the poll is open; a decided poll's card is plain text.
        poll = reply.poll if reply.kind is ReplyKind.POLL_CARD else None
        if poll is not None and poll.status is not PollStatus.OPEN:
            poll = None
        pieces = to_html(reply, self._card_links(event))
        quote = None
        if reply.kind is ReplyKind.PROMPT and reply_to is not None:
            # In a group with privacy mode the bot only hears replies to its own messages, and
            # a selective ForceReply asks only the person who is being asked.
            quote = ReplyParameters(reply_to, allow_sending_without_reply=True)
        for index, text in enumerate(pieces):
            if channel.kind is ChannelKind.DIRECT:
                await self._pacer.wait(int(channel.id))
            markup: InlineKeyboardMarkup | ForceReply | None = None
            last = index == len(pieces) - 1
            if event is not None and last and _open(event):
                markup = keyboard(event.id)
            elif poll is not None and last:
                markup = poll_keyboard(poll)
            elif quote is not None:
                markup = ForceReply(selective=True)
            sent = await self._deliver(
                lambda text=text, markup=markup: app.bot.send_message(  # type: ignore[misc]
                    int(channel.id),
                    text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    reply_parameters=quote,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                ),
                what=f"a message to {channel.id}",
                strict=strict,
            )
            if reply_to is not None:  # an answer to a command
                outcome = "sent" if sent is not None else "failed"
                REPLIES.labels(f"{PLATFORM}:{self.network}", outcome).inc()
            if sent is not None and isinstance(markup, InlineKeyboardMarkup):
                assert self._core is not None
                if event is not None:
                    await self._core.remember_card(channel, str(sent.message_id), event.id)
                elif poll is not None:
                    await self._core.remember_poll_card(channel, str(sent.message_id), poll.id)

    async def _send_file(self, channel: ChannelRef, file: Attachment, *, strict: bool) -> None:
        """A document, with the attachment's caption (lines short enough for one)."""
        app = self._require_app()
        caption = "\n".join(to_html(Reply(file.caption)))
        if channel.kind is ChannelKind.DIRECT:
            await self._pacer.wait(int(channel.id))
        await self._deliver(
            lambda: app.bot.send_document(
                int(channel.id),
                InputFile(file.content, filename=file.filename),
                caption=caption or None,
                parse_mode=ParseMode.HTML,
            ),
            what=f"a file to {channel.id}",
            strict=strict,
        )

    def _card_links(self, event: EventView | None) -> tuple[str, ...]:
        if event is None or not self.username:
            return ()
        link = f"https://t.me/{self.username}?start=ev_{event.id}"
        return (f'<a href="{link}">Open in a private chat with me</a>',)

    async def event_changed(self, event: EventView) -> None:
        if self._core is None:
            return
        for chat_id, message_id in await self._core.cards_of(event.id, PLATFORM, self.network):
            self._refresher.schedule(chat_id, message_id, event)

    async def _edit_card(self, chat_id: str, message_id: str, event: EventView) -> None:
        assert self._core is not None
        card = self._core.event_card(event, PLATFORM)
        text = to_html(card, self._card_links(event))[0]
        await self._edit(chat_id, message_id, text, keyboard(event.id) if _open(event) else None)

    async def poll_changed(self, poll: PollView) -> None:
        if self._core is None:
            return
        for chat_id, message_id in await self._core.poll_cards_of(poll.id, PLATFORM, self.network):
            self._poll_refresher.schedule(chat_id, message_id, poll)

    async def _edit_poll_card(self, chat_id: str, message_id: str, poll: PollView) -> None:
        assert self._core is not None
        text = to_html(self._core.poll_card(poll, PLATFORM))[0]
        markup = poll_keyboard(poll) if poll.status is PollStatus.OPEN else None
        await self._edit(chat_id, message_id, text, markup)

    async def _edit(
        self, chat_id: str, message_id: str, text: str, markup: InlineKeyboardMarkup | None
    ) -> None:
        app = self._require_app()
        try:
            await self._deliver(
                lambda: app.bot.edit_message_text(
                    text,
                    chat_id=int(chat_id),
                    message_id=int(message_id),
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                ),
                what=f"a card in {chat_id}",
                quiet=("not modified",),
            )
        except Exception:
            log.exception("telegram: could not refresh a card in %s", chat_id)

    async def _deliver(
        self,
        call: Callable[[], Awaitable[T]],
        *,
        what: str,
        quiet: tuple[str, ...] = (),
        strict: bool = False,
    ) -> T | None:
        """Send, retrying with backoff what surely did not arrive; never re-send what may
        have arrived (an answer that timed out after the request went out). ``strict``:
        raise Undeliverable instead of giving up quietly."""
        delay = self._retry_base_delay
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                return await call()
            except RetryAfter as exc:
                pause = _retry_after_seconds(exc)
                log.warning("telegram: flood limit on %s; waiting %.0f s", what, pause)
                await asyncio.sleep(pause)
            except TimedOut as exc:
                if not isinstance(exc.__cause__, httpx.ConnectTimeout | httpx.PoolTimeout):
                    log.warning("telegram: %s timed out and may have arrived; not re-sent", what)
                    return None
                log.warning("telegram: could not connect to send %s (try %d)", what, attempt)
            except (BadRequest, Forbidden) as exc:
                if strict:
                    # Blocked, never started a private chat, chat gone: trying later won't help.
                    raise Undeliverable(f"Telegram refused it: {exc}", retry=False) from None
                if not any(part in str(exc) for part in quiet):
                    log.warning("telegram: %s refused: %s", what, exc)
                return None
            except NetworkError as exc:
                log.warning("telegram: %s failed (%s), try %d", what, type(exc).__name__, attempt)
            if attempt < SEND_ATTEMPTS:
                await asyncio.sleep(delay)
                delay *= 2
        log.error("telegram: gave up on %s after %d tries", what, SEND_ATTEMPTS)
        if strict:
            raise Undeliverable("Telegram could not be reached", retry=True)
        return None

    # --- roles ------------------------------------------------------------------------------

    async def roles(self, user: UserRef, channel: ChannelRef) -> frozenset[Role]:
        if channel.kind is ChannelKind.DIRECT and user.id == channel.id:
            return frozenset({Role.CHANNEL_ADMIN})  # your own private chat
        if user.id == f"chat:{channel.id}":
            return frozenset({Role.CHANNEL_ADMIN, Role.MEMBER})  # an anonymous admin here
        if not user.id.lstrip("-").isdigit():
            return frozenset()
        key = (int(channel.id), int(user.id))
        cached = self._role_cache.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            member = await self._require_app().bot.get_chat_member(*key)
        except TelegramError as exc:
            log.warning("telegram: could not look up a chat member: %s", type(exc).__name__)
            return frozenset()
        admin = member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
        # A restricted member may still be in the chat (or may have left it).
        present = (
            admin
            or member.status == ChatMemberStatus.MEMBER
            or (isinstance(member, ChatMemberRestricted) and member.is_member)
        )
        roles = frozenset(
            ({Role.CHANNEL_ADMIN} if admin else set()) | ({Role.MEMBER} if present else set())
        )
        if present:
            # Not kept when absent: someone who just joined and opens a card's link
            # is let in at once.
            self._role_cache[key] = (time.monotonic() + ROLE_CACHE_SECONDS, roles)
        return roles

    def _require_app(self) -> Application:  # type: ignore[type-arg]
        if self._app is None:
            raise RuntimeError("the Telegram adapter is not running")
        return self._app


def _retry_after_seconds(exc: RetryAfter) -> float:
    # PTB 22 warns that retry_after becomes a timedelta; accept both without the warning.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


def _open(event: EventView) -> bool:
    """Buttons only while answering is possible; a cancelled card loses them."""
    return event.stored_status is EventStatus.SCHEDULED
