"""A fake Telegram Bot API server, for driving the real python-telegram-bot in tests.

Why a server and not mocks: the Telegram adapter must be tested through the real library and
the real wire format, so that a PTB upgrade, a wrong parameter name or a result PTB cannot
parse fails a test instead of production. ``FakeBotApi`` listens on 127.0.0.1 and answers the
Bot API methods the adapter uses with the same JSON shapes Telegram returns, including its
error shapes (401, 404, 400 "message is not modified", 429 with ``retry_after``).

Usage::

    async with FakeBotApi(token=TOKEN, bot_username="GatherBot") as api:
        app = (
            ApplicationBuilder()
            .token(TOKEN)
            .base_url(f"{api.base_url}/bot")
            .base_file_url(f"{api.base_url}/file/bot")
            .build()
        )
        devs = api.group(-1001, "Devs")
        api.send_text(devs, api.user(42, "Ada"), "/start@GatherBot")
        params = await api.wait_for_call("sendMessage")

What PTB 22 puts on the wire (checked against telegram/_bot.py and telegram/request/): every
method is a POST to ``base_url + token + "/" + method``. Without files the body is
``application/x-www-form-urlencoded``; with files it is ``multipart/form-data``. Either way
string values are sent raw, every other value JSON-encoded: numbers as ``"42"``, booleans as
``"true"``, objects such as ``reply_markup``, ``commands`` or ``scope`` as JSON text. ``None``
values are dropped, datetimes become Unix timestamps and timedeltas whole seconds.
``decode_param`` reverses that; a JSON body is accepted as well.

Webhooks: after setWebhook (an HTTPS URL, as Telegram requires) updates are no longer
available to getUpdates (409) but POSTed, oldest first, to the webhook with the
``X-Telegram-Bot-Api-Secret-Token`` header; ``deliveries`` records each attempt's HTTP status.
Tests run on plain HTTP loopback, so ``webhook_proxy`` plays the reverse proxy in front of the
bot: the URL's scheme and host are replaced by it, the path kept. An update whose delivery
fails stays pending and is tried again with the next update (Telegram retries on a timer) or
handed to getUpdates after deleteWebhook.

Deliberate simplifications: ``parse_mode`` is not applied (the raw text is echoed and kept, so
tests can assert on the exact markup the adapter produced); messages are only checked for
emptiness and, without ``parse_mode``, for Telegram's 4096-character limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from typing import Any, NamedTuple, Self
from urllib.parse import urlsplit

from aiohttp import ClientError, ClientSession, ClientTimeout, web

JsonDict = dict[str, Any]
ChatLike = int | Mapping[str, Any]
"""A chat or user: its numeric id, or the dict that ``group``/``private``/``user`` returned."""

ANONYMOUS_ADMIN_ID = 1087968824
"""Telegram's ``GroupAnonymousBot``: the ``from`` of messages sent by anonymous group admins."""

ANONYMOUS_ADMIN: JsonDict = {
    "id": ANONYMOUS_ADMIN_ID,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}

MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "left", "kicked"})

MAX_MESSAGE_LENGTH = 4096

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
GET_UPDATES_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")

# Parameters whose value is free text or an identifier: never JSON-decoded, so that a message
# "42" or "true" stays a string. Every other form value is JSON-decoded when it parses.
TEXT_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "language_code",
        "url",
        "title",
        "description",
        "short_description",
        "name",
        "custom_title",
        "secret_token",
        "ip_address",
        "file_id",
        "document",
        "photo",
        "audio",
        "video",
        "animation",
        "voice",
        "video_note",
        "sticker",
        "thumbnail",
    }
)

_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_manage_topics",
)

# Telegram marks a leading "/cmd" or "/cmd@BotName" as a bot_command entity.
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_])")
_BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")

_BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class ApiError(Exception):
    """A Bot API error answer: raised by a method handler, turned into Telegram's error JSON."""

    def __init__(self, code: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


class Call(NamedTuple):
    """One Bot API request as the fake received it (decoded; uploads as ``UploadedFile``)."""

    method: str
    params: JsonDict


class Delivery(NamedTuple):
    """One POST of an update to the webhook: the HTTP status, None if none came back."""

    update_id: int
    status: int | None


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file the bot uploaded; ``file_id`` is set once the fake has stored it."""

    filename: str
    mime_type: str
    content: bytes
    file_id: str = ""


@dataclass(frozen=True, slots=True)
class SentMessage:
    """The current state of one message the bot sent (after any edits), for assertions."""

    chat_id: int
    message_id: int
    text: str | None
    parse_mode: str | None
    reply_markup: JsonDict | None
    caption: str | None = None
    document: UploadedFile | None = None
    reply_to: int | None = None
    edits: int = 0
    deleted: bool = False


@dataclass(slots=True)
class _Record:
    """A stored message: its wire form as Telegram would return it now, plus bookkeeping."""

    wire: JsonDict
    by_bot: bool
    parse_mode: str | None = None
    document: UploadedFile | None = None
    # A force reply or reply keyboard the bot sent: Telegram acts on it but never returns it
    # in a Message (whose reply_markup is an inline keyboard or nothing).
    keyboard: JsonDict | None = None
    edits: int = 0
    deleted: bool = False

    def snapshot(self) -> SentMessage:
        reply_to = self.wire.get("reply_to_message")
        return SentMessage(
            chat_id=self.wire["chat"]["id"],
            message_id=self.wire["message_id"],
            text=self.wire.get("text"),
            parse_mode=self.parse_mode,
            reply_markup=copy.deepcopy(self.wire.get("reply_markup") or self.keyboard),
            caption=self.wire.get("caption"),
            document=self.document,
            reply_to=reply_to["message_id"] if reply_to else None,
            edits=self.edits,
            deleted=self.deleted,
        )


@dataclass(slots=True)
class _Fault:
    """An injected failure for the next ``times`` calls of one method."""

    status: int
    retry_after: int
    delay: float
    description: str | None
    times: int = field(default=1)

    def response(self) -> web.Response:
        if self.status == HTTPStatus.BAD_GATEWAY and self.description is None:
            # Telegram's front end answers 502 with nginx's HTML page, not JSON.
            return web.Response(status=502, text=_BAD_GATEWAY_HTML, content_type="text/html")
        if self.status == HTTPStatus.TOO_MANY_REQUESTS:
            description = self.description or f"Too Many Requests: retry after {self.retry_after}"
            return error_response(ApiError(429, description, {"retry_after": self.retry_after}))
        description = self.description or HTTPStatus(self.status).phrase
        return error_response(ApiError(self.status, description))


@dataclass(frozen=True, slots=True)
class Fault:
    """One way a call fails during a ``fail_for`` window (fields as in ``fail_next``)."""

    status: int
    retry_after: int = 1
    delay: float = 0.0
    description: str | None = None


@dataclass(frozen=True, slots=True)
class LateAnswer:
    """A call the fake held back ``delay`` seconds; ``performed``: it was done (a 200)."""

    call: Call
    delay: float
    performed: bool


def decode_param(key: str, value: Any) -> Any:
    """Undo PTB's form encoding: JSON-decode a value unless it is free text (``TEXT_PARAMS``)."""
    if not isinstance(value, str) or key in TEXT_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def command_entities(text: str) -> list[JsonDict]:
    """The entities Telegram attaches to a message starting with ``/cmd`` or ``/cmd@Bot``."""
    match = _COMMAND_RE.match(text)
    if match is None:
        return []
    length = len(match.group().encode("utf-16-le")) // 2  # Telegram counts UTF-16 units.
    return [{"type": "bot_command", "offset": 0, "length": length}]


def error_response(error: ApiError) -> web.Response:
    body: JsonDict = {"ok": False, "error_code": error.code, "description": error.description}
    if error.parameters:
        body["parameters"] = error.parameters
    return web.json_response(body, status=error.code)


def ok_response(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def id_of(chat_or_user: ChatLike) -> int:
    return chat_or_user if isinstance(chat_or_user, int) else int(chat_or_user["id"])


def chat_member(status: str, user: JsonDict) -> JsonDict:
    """A ChatMember object with the fields PTB requires for ``status``."""
    member: JsonDict = {"status": status, "user": user}
    if status == "administrator":
        member["can_be_edited"] = False
        member["is_anonymous"] = user["id"] == ANONYMOUS_ADMIN_ID
        member.update(dict.fromkeys(_ADMIN_RIGHTS, True))
    elif status == "creator":
        member["is_anonymous"] = False
    elif status == "kicked":
        member["until_date"] = 0
    return member


def check_reply_markup(markup: Any) -> None:
    """Reject markup Telegram rejects: not an object, or callback_data outside 1-64 bytes."""
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def _keyboard(params: JsonDict) -> JsonDict | None:
    """The reply_markup of a send that is not an inline keyboard (force reply, reply keyboard)."""
    markup = params.get("reply_markup")
    return None if markup is None or "inline_keyboard" in markup else markup


def check_commands(commands: Any) -> list[JsonDict]:
    """Validate setMyCommands' list the way Telegram does (lowercase names, 1-256 char text)."""
    if not isinstance(commands, list) or len(commands) > 100:
        raise ApiError(400, "Bad Request: can't parse commands JSON object")
    for command in commands:
        if not _BOT_COMMAND_RE.fullmatch(str(command.get("command", ""))):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
    return commands


def require(params: JsonDict, key: str, error: str | None = None) -> Any:
    value = params.get(key)
    if value is None or value == "":
        raise ApiError(400, error or f"Bad Request: {key} is empty")
    return value


def require_int(params: JsonDict, key: str) -> int:
    value = require(params, key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, f"Bad Request: invalid {key} specified")
    return value


Handler = Callable[[JsonDict], Awaitable[Any]]


class FakeBotApi:
    """A local Telegram Bot API server plus the test-side controls to script a conversation.

    All state lives in memory and is inspected directly: ``calls``, ``sent()``, ``answers``.
    Test-side methods are plain (non-async) and must be called from the event loop running
    the server, i.e. from the test itself.
    """

    def __init__(
        self,
        token: str = "123456:TEST-token",
        bot_username: str = "GatherBot",
        bot_first_name: str = "Gather Bot",
    ) -> None:
        self.token = token
        self.bot: JsonDict = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.base_url = ""
        self.calls: list[Call] = []
        self.answers: list[JsonDict] = []
        self.files: dict[str, UploadedFile] = {}
        self._chats: dict[int, JsonDict] = {}
        self._users: dict[int, JsonDict] = {ANONYMOUS_ADMIN_ID: ANONYMOUS_ADMIN}
        self._statuses: dict[tuple[int, int], str] = {}
        self._messages: dict[int, dict[int, _Record]] = {}
        self._last_message_id: dict[int, int] = {}
        self._pending: list[JsonDict] = []
        self._open_queries: set[str] = set()
        self._commands: dict[tuple[str, str], list[JsonDict]] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        # fail_for: method -> (loop time the window ends, faults in turn, calls so far)
        self._windows: dict[str, tuple[float, tuple[Fault | None, ...], itertools.count[int]]] = {}
        self.late: list[LateAnswer] = []
        self._claimed: set[int] = set()
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(4_000_000_000_000_000_001)
        self._file_ids = itertools.count(1)
        self._poll_generation = 0
        self._wakeup = asyncio.Event()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        # setWebhook's url, secret_token and allowed_updates while a webhook is set.
        self.webhook: JsonDict | None = None
        self.webhook_proxy: str | None = None
        self.deliveries: list[Delivery] = []
        self._deliverer: asyncio.Task[None] | None = None
        self._session: ClientSession | None = None
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in self._method_table().items()
        }

    # ----------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Bind to a free port on 127.0.0.1 and start serving."""
        self._closing.clear()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown_path)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"

    async def stop(self) -> None:
        """Stop serving. Pending long polls return [] and injected delays end at once."""
        self._closing.set()
        self._notify()
        if self._deliverer is not None:
            self._deliverer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._deliverer
            self._deliverer = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ----------------------------------------------------------------- test side: people, chats

    def user(
        self, user_id: int, first_name: str, username: str | None = None, **extra: Any
    ) -> JsonDict:
        """A User object (as in ``message.from``); remembered for getChatMember."""
        user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username is not None:
            user["username"] = username
        user.update(extra)
        self._users[user_id] = user
        return dict(user)

    def group(
        self,
        chat_id: int,
        title: str,
        *,
        chat_type: str = "supergroup",
        username: str | None = None,
    ) -> JsonDict:
        """A group Chat object the bot is in; sending to an unknown chat is "chat not found"."""
        chat: JsonDict = {"id": chat_id, "title": title, "type": chat_type}
        if username is not None:
            chat["username"] = username
        self._chats[chat_id] = chat
        return dict(chat)

    def private(self, user: Mapping[str, Any]) -> JsonDict:
        """The private Chat between ``user`` and the bot."""
        chat: JsonDict = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if key in user:
                chat[key] = user[key]
        self._chats[chat["id"]] = chat
        return dict(chat)

    def set_member_status(self, chat: ChatLike, user: ChatLike, status: str) -> None:
        """What getChatMember answers for this user in this chat (default "member")."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {sorted(MEMBER_STATUSES)}, not {status!r}")
        self._statuses[(id_of(chat), id_of(user))] = status

    # ----------------------------------------------------------------- test side: incoming updates

    def send_text(self, chat: ChatLike, user: Mapping[str, Any], text: str) -> int:
        """A user writes ``text`` in ``chat``; returns the update_id."""
        message = self._user_message(chat, text, sender=dict(user))
        return self.push_update({"message": message})

    def send_anonymous_admin_text(self, chat: ChatLike, text: str) -> int:
        """An anonymous admin writes in a group: Telegram sends it from GroupAnonymousBot with
        ``sender_chat`` set to the group itself."""
        group = self._chat(id_of(chat))
        message = self._user_message(group, text, sender=dict(ANONYMOUS_ADMIN), sender_chat=group)
        return self.push_update({"message": message})

    def press_button(
        self, chat: ChatLike, user: Mapping[str, Any], message_id: int, data: str
    ) -> str:
        """``user`` presses an inline button with ``data`` under the bot's message; returns the
        callback query id the bot must answer."""
        chat_id = id_of(chat)
        record = self._messages.get(chat_id, {}).get(message_id)
        if record is None or record.deleted or not record.by_bot:
            raise LookupError(f"no bot message {message_id} in chat {chat_id}")
        query_id = str(next(self._query_ids))
        self._open_queries.add(query_id)
        query = {
            "id": query_id,
            "from": dict(user),
            "message": copy.deepcopy(record.wire),
            "chat_instance": str(-abs(chat_id) * 7919),
            "data": data,
        }
        self.push_update({"callback_query": query})
        return query_id

    def push_update(self, content: Mapping[str, Any]) -> int:
        """Enqueue any update (e.g. ``{"my_chat_member": ...}``); returns its update_id."""
        update_id = next(self._update_ids)
        self._pending.append({"update_id": update_id, **copy.deepcopy(dict(content))})
        self._notify()
        self._deliver_soon()
        return update_id

    # ----------------------------------------------------------------- test side: inspection

    def sent(self, chat: ChatLike, *, include_deleted: bool = False) -> list[SentMessage]:
        """The bot's messages in ``chat``, oldest first, each in its current (edited) state."""
        records = self._messages.get(id_of(chat), {}).values()
        return [r.snapshot() for r in records if r.by_bot and (include_deleted or not r.deleted)]

    def calls_to(self, method: str) -> list[JsonDict]:
        """The params of every call of ``method`` so far, oldest first (failed ones too)."""
        return [call.params for call in self.calls if call.method.lower() == method.lower()]

    def commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[JsonDict]:
        """The command menu stored by setMyCommands for this scope and language."""
        return copy.deepcopy(self._commands.get(_scope_key(scope, language_code), []))

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates not yet confirmed by a getUpdates offset."""
        return copy.deepcopy(self._pending)

    def fail_next(
        self,
        method: str,
        status: int = 429,
        *,
        retry_after: int = 2,
        times: int = 1,
        delay: float = 0.0,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail like Telegram does.

        429 carries ``parameters.retry_after``; 502 is nginx's HTML page; other statuses get
        Telegram's JSON error with ``description`` (default: the HTTP phrase). ``delay`` holds
        the answer back to provoke client timeouts. ``status=200`` with a delay performs the
        call and then answers late: Telegram did it, but the client may not hear about it.
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        fault = _Fault(status, retry_after, delay, description, times)
        self._faults.setdefault(method.lower(), deque()).append(fault)

    def fail_for(self, method: str, seconds: float, faults: Sequence[Fault | None]) -> None:
        """For the next ``seconds``, the calls of ``method`` take ``faults`` in turn, round
        and round (``None``: answered normally): a Bot API having a bad half minute.

        ``fail_next`` faults come first. Every answer held back by a ``delay`` is noted in
        ``late``, with whether the call was performed (a 200 answered late), so a test can
        tell which timed-out sends arrived."""
        if seconds <= 0 or not faults:
            raise ValueError("a window needs a positive length and at least one fault")
        until = asyncio.get_running_loop().time() + seconds
        self._windows[method.lower()] = (until, tuple(faults), itertools.count())

    async def wait_for(
        self,
        condition: Callable[[], Any],
        timeout: float = 5.0,  # noqa: ASYNC109 - the deadline is the point of this helper
        interval: float = 0.01,
    ) -> Any:
        """Poll until ``condition()`` is truthy and return its value; TimeoutError otherwise."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (value := condition()):
            if loop.time() >= deadline:
                seen = [call.method for call in self.calls]
                raise TimeoutError(f"condition not met within {timeout}s; calls so far: {seen}")
            await asyncio.sleep(interval)
        return value

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[JsonDict], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - passed on to wait_for
    ) -> JsonDict:
        """Wait for a call of ``method`` (matching ``predicate``) and return its params.

        Each recorded call is handed out once, oldest first, so successive waits for
        "sendMessage" see successive messages. Failed attempts (injected faults) count too.
        """

        def find() -> JsonDict | None:
            for index, call in enumerate(self.calls):
                if index in self._claimed or call.method.lower() != method.lower():
                    continue
                if predicate is None or predicate(call.params):
                    self._claimed.add(index)
                    return call.params
            return None

        result: JsonDict = await self.wait_for(find, timeout)
        return result

    # ----------------------------------------------------------------- HTTP layer

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return error_response(ApiError(401, "Unauthorized"))
        try:
            params = await _read_params(request)
        except ApiError as error:
            return error_response(error)
        sent_name = request.match_info["method"]
        name, handler = self._methods.get(sent_name.lower(), (sent_name, None))
        self.calls.append(Call(name, params))
        if handler is None:
            return error_response(ApiError(404, "Not Found"))
        fault = self._take_fault(name)
        if fault is None:
            return await _run(handler, params)
        if fault.delay > 0:
            late = LateAnswer(self.calls[-1], fault.delay, fault.status == HTTPStatus.OK)
            self.late.append(late)
        if fault.status == HTTPStatus.OK:
            response = await _run(handler, params)
            await self._pause(fault.delay)
            return response
        await self._pause(fault.delay)
        return fault.response()

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return error_response(ApiError(401, "Unauthorized"))
        file_id = request.match_info["path"].rsplit("/", 1)[-1].split(".", 1)[0]
        uploaded = self.files.get(file_id)
        if uploaded is None:
            return error_response(ApiError(404, "Not Found"))
        return web.Response(body=uploaded.content, content_type=uploaded.mime_type)

    async def _handle_unknown_path(self, request: web.Request) -> web.StreamResponse:
        return error_response(ApiError(404, "Not Found"))

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method.lower())
        if not queue:
            return self._window_fault(method)
        fault = queue[0]
        fault.times -= 1
        if fault.times == 0:
            queue.popleft()
        return fault

    def _window_fault(self, method: str) -> _Fault | None:
        window = self._windows.get(method.lower())
        if window is None:
            return None
        until, faults, calls = window
        if asyncio.get_running_loop().time() >= until:
            del self._windows[method.lower()]
            return None
        fault = faults[next(calls) % len(faults)]
        if fault is None:
            return None
        return _Fault(fault.status, fault.retry_after, fault.delay, fault.description)

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake up at once when the server stops."""
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), seconds)

    def _notify(self) -> None:
        """Wake every long poll so it re-checks its condition."""
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    # ----------------------------------------------------------------- state helpers

    def _chat(self, chat_id: Any) -> JsonDict:
        if isinstance(chat_id, str):
            for chat in self._chats.values():
                if chat_id == f"@{chat.get('username')}":
                    return dict(chat)
        elif isinstance(chat_id, int) and chat_id in self._chats:
            return dict(self._chats[chat_id])
        raise ApiError(400, "Bad Request: chat not found")

    def _record(self, chat_id: int, message_id: int) -> _Record | None:
        record = self._messages.get(chat_id, {}).get(message_id)
        return None if record is None or record.deleted else record

    def _store(self, wire: JsonDict, *, by_bot: bool, **bookkeeping: Any) -> _Record:
        record = _Record(wire=wire, by_bot=by_bot, **bookkeeping)
        self._messages.setdefault(wire["chat"]["id"], {})[wire["message_id"]] = record
        return record

    def _new_message(self, chat: JsonDict, sender: JsonDict) -> JsonDict:
        """A message skeleton with the chat's next message_id (ids are per chat, shared by
        users and the bot, as in Telegram groups)."""
        message_id = self._last_message_id.get(chat["id"], 0) + 1
        self._last_message_id[chat["id"]] = message_id
        return {"message_id": message_id, "from": sender, "chat": chat, "date": int(time.time())}

    def _user_message(self, chat: ChatLike, text: str, sender: JsonDict, **extra: Any) -> JsonDict:
        message = self._new_message(self._chat(id_of(chat)), sender)
        message.update(extra)
        message["text"] = text
        if entities := command_entities(text):
            message["entities"] = entities
        self._store(message, by_bot=False)
        return copy.deepcopy(message)

    def _bot_message(self, params: JsonDict) -> JsonDict:
        """The common part of every send* result: ids, chat, sender, reply and an inline
        keyboard (any other markup is the caller's to keep: see ``_Record.keyboard``)."""
        chat = self._chat(require(params, "chat_id"))
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        message = self._new_message(chat, dict(self.bot))
        reply_to = self._reply_target(chat["id"], params)
        if reply_to is not None:
            message["reply_to_message"] = copy.deepcopy(reply_to.wire)
            message["reply_to_message"].pop("reply_to_message", None)
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    def _reply_target(self, chat_id: int, params: JsonDict) -> _Record | None:
        reply = params.get("reply_parameters") or {}
        if not isinstance(reply, dict):
            raise ApiError(400, "Bad Request: can't parse reply parameters JSON object")
        message_id = reply.get("message_id", params.get("reply_to_message_id"))
        if message_id is None:
            return None
        target = self._record(chat_id, message_id)
        if target is None and not reply.get("allow_sending_without_reply"):
            raise ApiError(400, "Bad Request: message to be replied not found")
        return target

    def _editable(self, params: JsonDict) -> _Record:
        if params.get("inline_message_id") is not None:
            raise ApiError(400, "Bad Request: inline messages are not supported by FakeBotApi")
        chat = self._chat(require(params, "chat_id"))
        record = self._record(chat["id"], require_int(params, "message_id"))
        if record is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not record.by_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return record

    def _upload(self, params: JsonDict, key: str) -> UploadedFile:
        """Resolve a file parameter: an upload in this request, attach://name, or a file_id."""
        value = require(params, key, f"Bad Request: there is no {key} in the request")
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value.removeprefix("attach://"))
        if isinstance(value, str) and value in self.files:
            return self.files[value]
        if not isinstance(value, UploadedFile):
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        stored = replace(value, file_id=f"BQACfake{next(self._file_ids)}")
        self.files[stored.file_id] = stored
        return stored

    # ----------------------------------------------------------------- Bot API methods

    def _method_table(self) -> dict[str, Handler]:
        return {
            "getMe": self._get_me,
            "logOut": self._true,
            "close": self._true,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "sendDocument": self._send_document,
            "getFile": self._get_file,
        }

    async def _true(self, params: JsonDict) -> bool:
        return True

    async def _get_me(self, params: JsonDict) -> JsonDict:
        return {
            **self.bot,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _set_webhook(self, params: JsonDict) -> bool:
        """An empty URL removes the webhook, as in Telegram; pending updates go out at once."""
        url = params.get("url") or ""
        if not url:
            return await self._delete_webhook(params)
        if not url.startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN_RE.fullmatch(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._pending.clear()
        allowed = params.get("allowed_updates")
        self.webhook = {"url": url, "secret_token": secret, "allowed_updates": allowed}
        self._deliver_soon()
        return True

    async def _delete_webhook(self, params: JsonDict) -> bool:
        if params.get("drop_pending_updates"):
            self._pending.clear()
        self.webhook = None
        return True

    async def _get_webhook_info(self, params: JsonDict) -> JsonDict:
        info: JsonDict = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook and self.webhook["allowed_updates"] is not None:
            info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    def _deliver_soon(self) -> None:
        """Start posting pending updates to the webhook, unless that is under way already."""
        if self.webhook is None or (self._deliverer is not None and not self._deliverer.done()):
            return
        self._deliverer = asyncio.get_running_loop().create_task(self._deliver())

    async def _deliver(self) -> None:
        """POST pending updates one at a time, oldest first; stop at the first failure (the
        update stays pending, as Telegram keeps it until delivered or deleteWebhook)."""
        if self._session is None:
            self._session = ClientSession(timeout=ClientTimeout(total=5))
        while self.webhook is not None and self._pending:
            update = self._pending[0]
            url = urlsplit(self.webhook["url"])
            if self.webhook_proxy is not None:
                url = url._replace(scheme="http", netloc=urlsplit(self.webhook_proxy).netloc)
            secret = self.webhook["secret_token"]
            headers = {SECRET_HEADER: secret} if secret else {}
            try:
                async with self._session.post(url.geturl(), json=update, headers=headers) as reply:
                    status: int | None = reply.status
            except (ClientError, TimeoutError):
                status = None
            self.deliveries.append(Delivery(update["update_id"], status))
            if status is None or not 200 <= status < 300:
                return
            if self._pending and self._pending[0] is update:
                self._pending.pop(0)

    async def _get_updates(self, params: JsonDict) -> list[JsonDict]:
        """Long polling: ``offset`` confirms older updates, then wait up to ``timeout`` s."""
        if self.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # Telegram ends an older, still-running getUpdates with 409.
        self._confirm(int(params.get("offset") or 0))
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        await self._await_updates(float(params.get("timeout") or 0), generation)
        if generation != self._poll_generation:
            raise ApiError(409, GET_UPDATES_CONFLICT)
        return copy.deepcopy(self._pending[:limit])

    def _confirm(self, offset: int) -> None:
        if offset < 0:  # "-N": keep only the last N updates, forget the rest.
            self._pending = self._pending[offset:]
        elif offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]

    async def _await_updates(self, seconds: float, generation: int) -> None:
        """Wait until an update is pending, a newer getUpdates starts, the server stops, or
        ``seconds`` pass."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not self._pending and generation == self._poll_generation:
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing.is_set():
                return
            try:
                await asyncio.wait_for(self._wakeup.wait(), remaining)
            except TimeoutError:
                return

    async def _send_message(self, params: JsonDict) -> JsonDict:
        text = require(params, "text", "Bad Request: message text is empty")
        parse_mode = params.get("parse_mode")
        if parse_mode is None and len(text) > MAX_MESSAGE_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        message = self._bot_message(params)
        message["text"] = text
        self._store(message, by_bot=True, parse_mode=parse_mode, keyboard=_keyboard(params))
        return copy.deepcopy(message)

    async def _send_document(self, params: JsonDict) -> JsonDict:
        document = self._upload(params, "document")
        message = self._bot_message(params)
        message["document"] = {
            "file_id": document.file_id,
            "file_unique_id": document.file_id.replace("BQAC", "AgAD"),
            "file_name": document.filename,
            "mime_type": document.mime_type,
            "file_size": len(document.content),
        }
        if params.get("caption"):
            message["caption"] = params["caption"]
        record = self._store(
            message,
            by_bot=True,
            parse_mode=params.get("parse_mode"),
            document=document,
            keyboard=_keyboard(params),
        )
        return copy.deepcopy(record.wire)

    async def _get_file(self, params: JsonDict) -> JsonDict:
        file_id = require(params, "file_id")
        uploaded = self.files.get(file_id)
        if uploaded is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        suffix = uploaded.filename.rsplit(".", 1)[-1] if "." in uploaded.filename else "bin"
        return {
            "file_id": file_id,
            "file_unique_id": file_id.replace("BQAC", "AgAD"),
            "file_size": len(uploaded.content),
            "file_path": f"documents/{file_id}.{suffix}",
        }

    async def _edit_message_text(self, params: JsonDict) -> JsonDict:
        """Telegram drops the inline keyboard when an edit carries no reply_markup."""
        record = self._editable(params)
        text = require(params, "text", "Bad Request: message text is empty")
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        parse_mode = params.get("parse_mode")
        old = (record.wire.get("text"), record.parse_mode, record.wire.get("reply_markup"))
        if old == (text, parse_mode, markup):
            raise ApiError(400, NOT_MODIFIED)
        record.wire["text"] = text
        record.parse_mode = parse_mode
        self._set_markup(record, markup)
        return copy.deepcopy(record.wire)

    async def _edit_message_reply_markup(self, params: JsonDict) -> JsonDict:
        record = self._editable(params)
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        if record.wire.get("reply_markup") == markup:
            raise ApiError(400, NOT_MODIFIED)
        self._set_markup(record, markup)
        return copy.deepcopy(record.wire)

    def _set_markup(self, record: _Record, markup: JsonDict | None) -> None:
        if markup is None:
            record.wire.pop("reply_markup", None)
        else:
            record.wire["reply_markup"] = markup
        record.wire["edit_date"] = int(time.time())
        record.edits += 1

    async def _delete_message(self, params: JsonDict) -> bool:
        chat = self._chat(require(params, "chat_id"))
        record = self._record(chat["id"], require_int(params, "message_id"))
        if record is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        record.deleted = True
        return True

    async def _answer_callback_query(self, params: JsonDict) -> bool:
        query_id = require(params, "callback_query_id")
        if query_id not in self._open_queries:
            raise ApiError(400, QUERY_INVALID)
        self._open_queries.discard(query_id)
        self.answers.append(dict(params))
        return True

    async def _set_my_commands(self, params: JsonDict) -> bool:
        commands = check_commands(require(params, "commands"))
        key = _scope_key(params.get("scope"), params.get("language_code") or "")
        self._commands[key] = commands
        return True

    async def _get_my_commands(self, params: JsonDict) -> list[JsonDict]:
        key = _scope_key(params.get("scope"), params.get("language_code") or "")
        return copy.deepcopy(self._commands.get(key, []))

    async def _delete_my_commands(self, params: JsonDict) -> bool:
        key = _scope_key(params.get("scope"), params.get("language_code") or "")
        self._commands.pop(key, None)
        return True

    async def _get_chat(self, params: JsonDict) -> JsonDict:
        chat = self._chat(require(params, "chat_id"))
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {**dict.fromkeys(gifts, False), "gifts_from_channels": False},
        }

    async def _get_chat_member(self, params: JsonDict) -> JsonDict:
        chat = self._chat(require(params, "chat_id"))
        user_id = require_int(params, "user_id")
        default = "administrator" if user_id == ANONYMOUS_ADMIN_ID else "member"
        status = self._statuses.get((chat["id"], user_id), default)
        return chat_member(status, self._user_object(user_id))

    def _user_object(self, user_id: int) -> JsonDict:
        if user_id == self.bot["id"]:
            return dict(self.bot)
        return dict(self._users.get(user_id, {"id": user_id, "is_bot": False, "first_name": "?"}))


def _scope_key(scope: Mapping[str, Any] | None, language_code: str) -> tuple[str, str]:
    """Commands are stored per (scope, language); no scope means BotCommandScopeDefault."""
    return json.dumps(dict(scope or {"type": "default"}), sort_keys=True), language_code


async def _read_params(request: web.Request) -> JsonDict:
    """All parameters of a request: query string, then a JSON, urlencoded or multipart body.

    Form values are decoded with ``decode_param``; multipart file parts become
    ``UploadedFile`` values under their part name.
    """
    params: JsonDict = {key: decode_param(key, value) for key, value in request.query.items()}
    if request.content_type == "application/json":
        body = await request.json() if request.can_read_body else {}
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: request body must be a JSON object")
        params.update({key: decode_param(key, value) for key, value in body.items()})
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                params[key] = UploadedFile(
                    filename=value.filename, mime_type=value.content_type, content=value.file.read()
                )
            else:
                params[key] = decode_param(key, value)
    return params


async def _run(handler: Handler, params: JsonDict) -> web.Response:
    try:
        return ok_response(await handler(params))
    except ApiError as error:
        return error_response(error)
