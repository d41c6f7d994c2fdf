"""The fake Bot API server speaks Telegram's wire format well enough for the real PTB.

These tests drive python-telegram-bot itself over HTTP: if PTB cannot parse a result, sends a
parameter the fake misreads, or stops retrying a 429, they fail here rather than in the
adapter's tests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    ChatMemberAdministrator,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, InvalidToken, NetworkError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)
from telegram.request import HTTPXRequest

from tests.telegram.fake_api import ANONYMOUS_ADMIN_ID, FakeBotApi

TOKEN = "123456:TEST-token"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN, bot_username="GatherBot") as server:
        yield server


def make_bot(api: FakeBotApi, token: str = TOKEN) -> Bot:
    return Bot(token, base_url=f"{api.base_url}/bot", base_file_url=f"{api.base_url}/file/bot")


App = Application[Any, Any, Any, Any, Any, Any]


def make_app(api: FakeBotApi, *, rate_limiter: AIORateLimiter | None = None) -> App:
    builder = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{api.base_url}/bot")
        .base_file_url(f"{api.base_url}/file/bot")
    )
    if rate_limiter is None:
        return builder.build()
    return builder.rate_limiter(rate_limiter).build()


@asynccontextmanager
async def polling(app: App) -> AsyncIterator[App]:
    """Run ``app`` with long polling for the duration of the block, then stop it cleanly."""
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def test_get_me_returns_the_bot(api: FakeBotApi) -> None:
    async with make_bot(api) as bot:
        me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "GatherBot", True)


async def test_wrong_token_is_unauthorized(api: FakeBotApi) -> None:
    with pytest.raises(InvalidToken, match="rejected by the server"):
        async with make_bot(api, token="123456:WRONG") as bot:
            await bot.get_me()
    assert api.calls == []


async def test_command_reply_button_and_edit_round_trip(api: FakeBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Going", callback_data="rsvp:1")]])
        await update.message.reply_text(f"args={context.args}", reply_markup=keyboard)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Noted")
        await query.edit_message_text(f"{query.from_user.first_name} pressed {query.data}")

    app = make_app(api)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    devs = api.group(-1001, "Devs")
    ada = api.user(42, "Ada", "ada")

    async with polling(app):
        api.send_text(devs, ada, "/start@GatherBot hi")
        params = await api.wait_for_call("sendMessage")
        [card] = api.sent(devs)
        api.press_button(devs, ada, card.message_id, "rsvp:1")
        await api.wait_for_call("editMessageText")

    assert params["chat_id"] == -1001
    assert card.text == "args=['hi']"
    assert card.message_id == 2  # message 1 is Ada's command: ids are shared per chat
    assert card.reply_to == 1  # PTB's reply_text quotes by default in groups
    assert card.reply_markup == {
        "inline_keyboard": [[{"text": "Going", "callback_data": "rsvp:1"}]]
    }
    [edited] = api.sent(devs)
    assert (edited.text, edited.reply_markup, edited.edits) == ("Ada pressed rsvp:1", None, 1)
    assert [answer["text"] for answer in api.answers] == ["Noted"]
    assert api.pending_updates == []


# PTB's own RetryAfter.__init__ warns that retry_after will become a timedelta (PTB_TIMEDELTA).
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_429_is_retried_by_the_rate_limiter(api: FakeBotApi) -> None:
    app = make_app(api, rate_limiter=AIORateLimiter(max_retries=2))
    devs = api.group(-1001, "Devs")
    api.fail_next("sendMessage", status=429, retry_after=1)

    async with app:
        started = time.monotonic()
        await app.bot.send_message(devs["id"], "Saturday 10:00, bring snacks")
        waited = time.monotonic() - started

    assert [m.text for m in api.sent(devs)] == ["Saturday 10:00, bring snacks"]
    assert len(api.calls_to("sendMessage")) == 2
    assert waited >= 1


async def test_bad_gateway_and_slow_answers(api: FakeBotApi) -> None:
    """502 is a NetworkError; a late answer is a client timeout although Telegram acted."""
    devs = api.group(-1001, "Devs")
    api.fail_next("sendMessage", status=502)
    api.fail_next("sendMessage", status=200, delay=2)
    bot = Bot(TOKEN, base_url=f"{api.base_url}/bot", request=HTTPXRequest(read_timeout=0.2))
    async with bot:
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(-1001, "first")
        with pytest.raises(TimedOut):
            await bot.send_message(-1001, "second")

    assert [m.text for m in api.sent(devs)] == ["second"]


async def test_set_my_commands_is_stored_per_scope(api: FakeBotApi) -> None:
    menu = [BotCommand("rsvp", "Answer an event"), BotCommand("events", "What's on")]
    async with make_bot(api) as bot:
        assert await bot.set_my_commands(menu)
        assert await bot.set_my_commands(menu[:1], scope=BotCommandScopeChat(-1001))
        default = await bot.get_my_commands()

    assert [c.command for c in default] == ["rsvp", "events"]
    assert api.commands() == [
        {"command": "rsvp", "description": "Answer an event"},
        {"command": "events", "description": "What's on"},
    ]
    assert api.commands({"type": "chat", "chat_id": -1001}) == [
        {"command": "rsvp", "description": "Answer an event"}
    ]


async def test_invalid_command_names_are_refused_like_telegram(api: FakeBotApi) -> None:
    async with make_bot(api) as bot:
        # PTB capitalizes descriptions: Telegram's "BOT_COMMAND_INVALID" arrives like this.
        with pytest.raises(BadRequest, match=r"^Bot_command_invalid$"):
            await bot.set_my_commands([BotCommand("RSVP-now", "Shouting")])


async def test_results_parse_as_ptb_objects(api: FakeBotApi) -> None:
    """Every result shape PTB de-serialises must carry the fields PTB requires."""
    devs = api.group(-1001, "Devs")
    api.set_member_status(devs, 7, "creator")
    async with make_bot(api) as bot:
        chat = await bot.get_chat(-1001)
        owner = await bot.get_chat_member(-1001, 7)
        anonymous = await bot.get_chat_member(-1001, ANONYMOUS_ADMIN_ID)
        plain = await bot.get_chat_member(-1001, 8)
        doc = await bot.send_document(-1001, b"BEGIN:VCALENDAR", filename="meetup.ics")
        file = await bot.get_file(doc.document.file_id)  # type: ignore[union-attr]
        downloaded = await file.download_as_bytearray()
        webhook = await bot.get_webhook_info()
        assert await bot.delete_message(-1001, doc.message_id)

    assert (chat.title, chat.type) == ("Devs", "supergroup")
    assert isinstance(owner, ChatMemberOwner)
    assert isinstance(anonymous, ChatMemberAdministrator)
    assert anonymous.user.username == "GroupAnonymousBot"
    assert plain.status == "member"
    assert downloaded == b"BEGIN:VCALENDAR"
    assert webhook.url == ""
    assert api.sent(devs) == []
    [deleted] = api.sent(devs, include_deleted=True)
    assert deleted.document is not None
    assert deleted.document.filename == "meetup.ics"


async def test_unchanged_edit_is_not_modified(api: FakeBotApi) -> None:
    devs = api.group(-1001, "Devs")
    async with make_bot(api) as bot:
        message = await bot.send_message(-1001, "<b>hi</b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"^Message is not modified"):
            await bot.edit_message_text("<b>hi</b>", -1001, message.message_id, parse_mode="HTML")
        with pytest.raises(BadRequest, match="Message to edit not found"):
            await bot.edit_message_text("x", -1001, 99)

    [sent] = api.sent(devs)
    assert (sent.text, sent.parse_mode) == ("<b>hi</b>", "HTML")


async def test_anonymous_admin_message(api: FakeBotApi) -> None:
    devs = api.group(-1001, "Devs")
    api.send_anonymous_admin_text(devs, "/rsvp 3")
    async with make_bot(api) as bot:
        [update] = await bot.get_updates(timeout=0)

    assert update.message is not None
    assert update.message.from_user is not None
    assert update.message.from_user.id == ANONYMOUS_ADMIN_ID
    assert update.message.sender_chat is not None
    assert update.message.sender_chat.id == -1001
    assert update.message.entities[0].type == "bot_command"


async def test_raw_wire_json_body_and_unknown_method(api: FakeBotApi) -> None:
    """Telegram also accepts JSON bodies; unknown methods are a JSON 404."""
    api.group(-1001, "Devs")
    url = f"{api.base_url}/bot{TOKEN}"
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{url}/sendMessage", json={"chat_id": -1001, "text": "42"}) as r:
            sent = await r.json()
        async with session.post(f"{url}/sendSticker", data={"chat_id": "-1001"}) as r:
            missing = (r.status, await r.json())
        async with session.get(f"{api.base_url}/botWRONG/getMe") as r:
            wrong = (r.status, await r.json())

    assert sent["ok"] is True
    assert sent["result"]["text"] == "42"
    assert missing == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert wrong == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})


async def test_long_poll_times_out_empty_and_ends_at_shutdown() -> None:
    """A poll with no updates answers [] after ``timeout``; stopping the server does not wait
    for a long poll still pending."""
    server = FakeBotApi(token=TOKEN)
    await server.start()
    url = f"{server.base_url}/bot{TOKEN}/getUpdates"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data={"timeout": "0.2"}) as response:
            assert (await response.json())["result"] == []

        async def long_poll() -> object:
            async with session.post(url, data={"timeout": "30"}) as response:
                return (await response.json())["result"]

        poll = asyncio.create_task(long_poll())
        await server.wait_for(lambda: len(server.calls) == 2)
        started = time.monotonic()
        await server.stop()
        assert await asyncio.wait_for(poll, 2) == []
    assert time.monotonic() - started < 2
