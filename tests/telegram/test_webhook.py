"""Webhook mode: the real python-telegram-bot and the bot's webhook server, with the local Bot
API server posting updates to it as Telegram does (through ``webhook_proxy``, the stand-in
for the reverse proxy with TLS)."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from pydantic import SecretStr
from telegram import Bot
from telegram.error import Conflict

from adapters.telegram import TelegramAdapter
from bot.app import running_bot
from bot.config import BotSection, TelegramSection
from tests.ahead import SATURDAY
from tests.telegram.fake_api import SECRET_HEADER, FakeBotApi, command_entities

SECRET = "webhook_Secret-42"
PUBLIC_URL = "https://gatherbot.example.org/telegram/updates"
GROUP = -100321


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def settings(api: FakeBotApi, webhook_port: int | None) -> TelegramSection:
    """Polling without a port; webhook mode listening on ``webhook_port``."""
    if webhook_port is None:
        return TelegramSection(token=SecretStr(api.token), api_base_url=api.base_url)
    return TelegramSection(
        token=SecretStr(api.token),
        api_base_url=api.base_url,
        webhook_url=PUBLIC_URL,
        webhook_listen=f"127.0.0.1:{webhook_port}",
        secret_token=SecretStr(SECRET),
    )


@asynccontextmanager
async def running(
    api: FakeBotApi, tmp_path: Path, webhook_port: int | None = None
) -> AsyncIterator[TelegramAdapter]:
    """The bot on one database in ``tmp_path``, so that runs one after another share it."""
    adapter = TelegramAdapter(
        settings(api, webhook_port), poll_timeout=1, retry_base_delay=0.05, request_timeout=2
    )
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    async with running_bot(BotSection(), [adapter], database_url=url):
        yield adapter


def texts(api: FakeBotApi) -> list[str]:
    return [message.text or "" for message in api.sent(GROUP)]


async def test_in_webhook_mode_the_bot_answers_commands_and_buttons_telegram_posts_to_it(
    tmp_path: Path,
) -> None:
    port = free_port()
    async with FakeBotApi() as api:
        api.webhook_proxy = f"http://127.0.0.1:{port}"
        group, alice, bob = api.group(GROUP, "Devs"), api.user(11, "Alice"), api.user(22, "Bob")
        async with running(api, tmp_path, port) as adapter:
            assert api.webhook == {
                "url": PUBLIC_URL,
                "secret_token": SECRET,
                "allowed_updates": ["message", "callback_query"],
            }
            assert api.calls_to("setWebhook")[0]["drop_pending_updates"] is False
            assert adapter.problem() is None

            api.send_text(group, alice, f"/newevent Coffee | {SATURDAY} 18:00 | Café Nero")
            [card] = await api.wait_for(lambda: api.sent(group))
            assert (card.text or "").startswith("Created <b>#1 Coffee</b>")
            api.press_button(group, bob, card.message_id, "rsvp:1:going")
            answers = await api.wait_for(lambda: api.answers)
            assert answers[0]["text"] == "You're going"

        assert [delivery.status for delivery in api.deliveries] == [200, 200]
        assert api.calls_to("getUpdates") == []
        assert adapter.problem() == "webhook server not running"


def forged(text: str, user: dict[str, Any], chat: dict[str, Any]) -> dict[str, Any]:
    """An update as Telegram would post it, but from someone who does not know the secret."""
    message = {"message_id": 900, "from": user, "chat": chat, "date": int(time.time())}
    message.update(text=text, entities=command_entities(text))
    return {"update_id": 900, "message": message}


async def test_a_post_without_the_right_secret_gets_403_is_not_handled_and_logs_no_secret(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # PTB's own DEBUG lines too: it logs setWebhook's parameters, secret_token among them.
    caplog.set_level(logging.DEBUG, logger="telegram")
    port = free_port()
    async with FakeBotApi() as api:
        api.webhook_proxy = f"http://127.0.0.1:{port}"
        group, alice = api.group(GROUP, "Devs"), api.user(11, "Alice")
        wrong = [
            {},
            {SECRET_HEADER: "guess"},
            {SECRET_HEADER: api.token},
            {SECRET_HEADER: SECRET + "x"},
        ]
        async with running(api, tmp_path, port), ClientSession() as http:
            statuses = []
            for headers in wrong:
                update = forged(f"/newevent Forged | {SATURDAY} 18:00 | Nowhere", alice, group)
                async with http.post(
                    f"http://127.0.0.1:{port}/telegram/updates", json=update, headers=headers
                ) as answer:
                    statuses.append(answer.status)
            # An update with the secret, after them: answered, so theirs would have been by now.
            api.send_text(group, alice, "/events")
            await api.wait_for(lambda: api.sent(group))

    assert statuses == [403, 403, 403, 403]
    assert len(texts(api)) == 1
    assert "Forged" not in texts(api)[0]
    refusals = [r for r in caplog.records if "refused a webhook request" in r.getMessage()]
    assert [r.levelno for r in refusals] == [logging.WARNING] * 4
    assert "no secret token" in refusals[0].getMessage()
    assert "wrong secret token" in refusals[1].getMessage()
    for record in refusals:
        # Not merely blanked by the log filter: never written into the line at all.
        assert "<secret>" not in record.getMessage()
    assert "setWebhook" in caplog.text
    assert SECRET.lower() not in caplog.text.lower()
    assert api.token.lower() not in caplog.text.lower()


async def test_switching_modes_deletes_the_webhook_and_keeps_updates_sent_in_between(
    tmp_path: Path,
) -> None:
    port = free_port()
    async with FakeBotApi() as api:
        api.webhook_proxy = f"http://127.0.0.1:{port}"
        group, alice = api.group(GROUP, "Devs"), api.user(11, "Alice")
        async with running(api, tmp_path):
            api.send_text(group, alice, "/events")
            await api.wait_for(lambda: len(api.sent(group)) == 1)
        async with running(api, tmp_path, port):
            # Through a local name: narrowing api.webhook itself would make mypy take it as
            # set for the rest of the test, past the restart below that deletes it.
            webhook = api.webhook
            assert webhook is not None
            api.send_text(group, alice, "/help")
            await api.wait_for(lambda: len(api.sent(group)) == 2)

        # Down, with the webhook still set: Telegram cannot deliver and keeps the update.
        api.send_text(group, alice, f"/newevent Coffee | {SATURDAY} 18:00 | Café Nero")
        await api.wait_for(lambda: api.deliveries[-1].status is None)
        assert len(api.pending_updates) == 1

        before = len(api.calls)
        async with running(api, tmp_path):
            await api.wait_for(lambda: len(api.sent(group)) == 3)
        assert texts(api)[2].startswith("Created <b>#1 Coffee</b>")
        assert api.webhook is None
        methods = [call.method for call in api.calls[before:]]
        assert methods.index("deleteWebhook") < methods.index("getUpdates")
        assert api.calls_to("deleteWebhook")[-1].get("drop_pending_updates") in (None, False)


async def test_the_local_server_refuses_get_updates_while_a_webhook_is_set() -> None:
    async with FakeBotApi() as api, Bot(api.token, base_url=f"{api.base_url}/bot") as bot:
        await bot.set_webhook(PUBLIC_URL, secret_token=SECRET)
        with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
            await bot.get_updates()
        assert (await bot.get_webhook_info()).url == PUBLIC_URL
        await bot.delete_webhook()
        assert await bot.get_updates() == ()
