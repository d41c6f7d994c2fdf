"""Date polls on Telegram: real python-telegram-bot over HTTP against the local Bot API
server, the real core on SQLite, and a second (fake) network voting alongside."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.telegram import TelegramAdapter
from bot.app import running_bot
from bot.config import BotSection, TelegramSection
from bot.core import Core
from bot.domain import ChannelRef, IncomingMessage, UserRef
from tests.ahead import SATURDAY, SUNDAY, day, zone_abbreviation
from tests.harness import FakeNetwork
from tests.telegram.fake_api import FakeBotApi, SentMessage

GROUP = -100123
POLL = f"/poll Coffee & cake | {SATURDAY} 18:00 | {SUNDAY} 18:00-20:00"
SAT_ABBR = zone_abbreviation(SATURDAY, "18:00", "Europe/Warsaw")
SUN_ABBR = zone_abbreviation(SUNDAY, "18:00", "Europe/Warsaw")


@dataclass
class Telegram:
    api: FakeBotApi
    core: Core
    irc: FakeNetwork
    group: dict[str, Any]
    alice: dict[str, Any]
    bob: dict[str, Any]

    async def say(self, text: str, user: dict[str, Any] | None = None) -> SentMessage:
        """Send ``text`` to the group and return the bot's next new message there."""
        before = len(self.api.sent(GROUP))
        self.api.send_text(self.group, user or self.alice, text)
        messages = await self.api.wait_for(lambda: self.api.sent(GROUP)[before:])
        return messages[0]  # type: ignore[no-any-return]

    def card(self, message_id: int) -> SentMessage:
        return next(m for m in self.api.sent(GROUP) if m.message_id == message_id)

    async def press(self, user: dict[str, Any], card: SentMessage, data: str) -> str:
        """Press a button under ``card``; returns the toast."""
        before = len(self.api.answers)
        self.api.press_button(self.group, user, card.message_id, data)
        answers = await self.api.wait_for(lambda: self.api.answers[before:])
        return str(answers[0]["text"])


@pytest.fixture
async def telegram(tmp_path: Path) -> AsyncIterator[Telegram]:
    async with FakeBotApi() as api:
        settings = TelegramSection(token=SecretStr(api.token), api_base_url=api.base_url)
        adapter = TelegramAdapter(
            settings, poll_timeout=1, edit_interval=0.2, retry_base_delay=0.05, request_timeout=2
        )
        irc = FakeNetwork("irc", "libera")
        url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        async with running_bot(
            BotSection(timezone="Europe/Warsaw"), [adapter, irc], database_url=url
        ) as core:
            yield Telegram(
                api,
                core,
                irc,
                api.group(GROUP, "Warsaw Devs"),
                api.user(11, "Alice", "alice"),
                api.user(22, "Bob"),
            )


def buttons(message: SentMessage) -> list[tuple[str, str]]:
    markup = message.reply_markup or {}
    return [
        (b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row
    ]


async def test_a_poll_card_has_a_button_per_time(telegram: Telegram) -> None:
    card = await telegram.say(POLL)
    assert card.text is not None
    assert card.text.splitlines() == [
        "Created <b>Poll 1: Coffee &amp; cake</b> · by Alice",
        f"1. {day(SATURDAY)} 18:00 {SAT_ABBR} (Europe/Warsaw) · no votes",
        f"2. {day(SUNDAY)} 18:00-20:00 {SUN_ABBR} (Europe/Warsaw) · no votes",
        "Vote for every time that suits you: <code>/vote 1 1</code> · take your votes back: "
        "<code>/vote 1 none</code>",
    ]
    assert buttons(card) == [
        (f"1 · {SATURDAY:%a %d %b} 18:00 (0)", "vote:1:1"),
        (f"2 · {SUNDAY:%a %d %b} 18:00 (0)", "vote:1:2"),
    ]


async def test_pressing_a_button_toggles_the_vote_and_edits_the_card(telegram: Telegram) -> None:
    card = await telegram.say(POLL)
    assert await telegram.press(telegram.bob, card, "vote:1:2") == "Voted for 2 · your votes: 2"
    await telegram.api.wait_for(
        lambda: "1 vote: Bob" in (telegram.card(card.message_id).text or "")
    )
    assert buttons(telegram.card(card.message_id))[1] == (
        f"2 · {SUNDAY:%a %d %b} 18:00 (1)",
        "vote:1:2",
    )
    assert await telegram.press(telegram.bob, card, "vote:1:2") == (
        "Took back your vote for 2 · your votes: none"
    )
    await telegram.api.wait_for(lambda: "1 vote" not in (telegram.card(card.message_id).text or ""))


async def test_a_vote_from_another_network_edits_the_card(telegram: Telegram) -> None:
    card = await telegram.say(POLL)
    # The adapter remembers a card once Telegram has answered the send: wait for that, as
    # a person could not vote on IRC within those milliseconds anyway.
    for _ in range(100):
        if await telegram.core.poll_cards_of(1, "telegram", "telegram"):
            break
        await asyncio.sleep(0.01)
    message = IncomingMessage(
        UserRef("irc", "libera", "carol", "carol"),
        ChannelRef("irc", "libera", "#dev", title="#dev"),
        "!vote 1 1",
        datetime.now(UTC),
    )
    [answer] = await telegram.core.handle(message)
    assert answer.plain_text.startswith("carol: your votes in poll 1 (Coffee & cake): 1.")
    await telegram.api.wait_for(
        lambda: "1 vote: carol  ← leading" in (telegram.card(card.message_id).text or "")
    )


async def test_picking_takes_the_buttons_off_and_posts_the_event_card(telegram: Telegram) -> None:
    card = await telegram.say(POLL)
    await telegram.press(telegram.bob, card, "vote:1:2")
    before = len(telegram.api.sent(GROUP))
    telegram.api.send_text(telegram.group, telegram.alice, "/pick 1 2")
    reply, event_card = await telegram.api.wait_for(
        lambda: (
            telegram.api.sent(GROUP)[before:][:2]
            if len(telegram.api.sent(GROUP)) >= before + 2
            else None
        )
    )
    assert (reply.text or "").startswith("Picked option 2 of poll 1 (1 vote): it is now event #1.")
    assert buttons(event_card)[0] == ("✅ Going", "rsvp:1:going")
    edited = await telegram.api.wait_for(
        lambda: "picked: option 2 → event #1" in (telegram.card(card.message_id).text or "")
    )
    assert edited
    assert buttons(telegram.card(card.message_id)) == []
    assert (await telegram.press(telegram.bob, card, "vote:1:1")).startswith(
        "Poll 1 is decided: option 2 became event #1."
    )


async def test_a_vote_button_under_another_message_changes_nothing(telegram: Telegram) -> None:
    await telegram.say(POLL)
    other = await telegram.say("/help")
    assert await telegram.press(telegram.bob, other, "vote:1:1") == "This button is out of date."
    assert "no votes" in (await telegram.say("/poll 1")).text.splitlines()[1]  # type: ignore[union-attr]


async def test_a_poll_closed_without_a_date_loses_its_buttons(telegram: Telegram) -> None:
    card = await telegram.say(POLL)
    reply = await telegram.say("/pick 1 none")
    assert (reply.text or "").startswith("Closed poll 1 (Coffee &amp; cake) without a date")
    edited = await telegram.api.wait_for(
        lambda: "· closed" in (telegram.card(card.message_id).text or "")
    )
    assert edited
    assert buttons(telegram.card(card.message_id)) == []
    assert await telegram.press(telegram.bob, card, "vote:1:1") == (
        "Poll 1 was closed without a date. To try again, start a new one: /poll"
    )
