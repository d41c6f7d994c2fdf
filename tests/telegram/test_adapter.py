"""The Telegram adapter end to end: real python-telegram-bot, over HTTP, against the local
Bot API server, with the real core on SQLite."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.telegram import TelegramAdapter
from bot.app import running_bot
from bot.commands import COMMANDS
from bot.config import BotSection, TelegramSection
from bot.core import Core
from bot.domain import DeliveryState
from tests.ahead import SATURDAY, day, zone_abbreviation
from tests.harness import start_soon
from tests.telegram.fake_api import GET_UPDATES_CONFLICT, FakeBotApi, SentMessage

GROUP = -100123
DATE = SATURDAY.isoformat()
DAY = day(SATURDAY)
ABBR = zone_abbreviation(SATURDAY, "18:00", "Europe/Warsaw")


@dataclass
class Telegram:
    api: FakeBotApi
    adapter: TelegramAdapter
    core: Core
    group: dict[str, Any]
    alice: dict[str, Any]
    bob: dict[str, Any]

    async def say(self, text: str, user: dict[str, Any] | None = None) -> SentMessage:
        """Send ``text`` to the group and return the bot's next new message there."""
        before = len(self.api.sent(GROUP))
        self.api.send_text(self.group, user or self.alice, text)
        return await self.next_message(GROUP, before)

    async def next_message(self, chat: int, before: int) -> SentMessage:
        messages = await self.api.wait_for(lambda: self.api.sent(chat)[before:])
        return messages[0]  # type: ignore[no-any-return]

    def card(self, message_id: int) -> SentMessage:
        return next(m for m in self.api.sent(GROUP) if m.message_id == message_id)


@pytest.fixture
async def telegram(tmp_path: Path) -> AsyncIterator[Telegram]:
    async with FakeBotApi() as api:
        settings = TelegramSection(token=SecretStr(api.token), api_base_url=api.base_url)
        adapter = TelegramAdapter(
            settings,
            poll_timeout=1,
            edit_interval=0.5,
            retry_base_delay=0.05,
            request_timeout=2,
        )
        url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        async with running_bot(
            BotSection(timezone="Europe/Warsaw"), [adapter], database_url=url
        ) as core:
            yield Telegram(
                api,
                adapter,
                core,
                api.group(GROUP, "Warsaw Devs"),
                api.user(11, "Alice", "alice"),
                api.user(22, "Bob"),
            )


def buttons(message: SentMessage) -> list[str]:
    markup = message.reply_markup or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def test_the_command_menu_is_the_core_registry(telegram: Telegram) -> None:
    menu = [command["command"] for command in telegram.api.commands()]
    assert menu == [spec.name for spec in COMMANDS]


async def test_newevent_posts_an_escaped_card_with_rsvp_buttons_and_a_deep_link(
    telegram: Telegram,
) -> None:
    card = await telegram.say(
        f'/newevent <b>Coffee</b> & cake | {DATE} 18:00-20:00 | Café "Nero" | limit=20'
    )
    assert card.parse_mode == "HTML"
    assert card.text is not None
    assert card.text.startswith(
        f"Created <b>#1 &lt;b&gt;Coffee&lt;/b&gt; &amp; cake</b> · {DAY} 18:00-20:00 "
        f'{ABBR} (Europe/Warsaw) · Café "Nero" · 0/20 going'
    )
    assert "<code>/rsvp 1</code>" in card.text
    assert '<a href="https://t.me/GatherBot?start=ev_1">' in card.text
    assert buttons(card) == [
        "rsvp:1:going",
        "rsvp:1:maybe",
        "rsvp:1:not_going",
        "rsvp:1:plus_one",
        "rsvp:1:remind",
    ]


async def test_a_button_press_rsvps_answers_with_a_toast_and_updates_the_card(
    telegram: Telegram,
) -> None:
    card = await telegram.say(f"/newevent Coffee | {DATE} 18:00 | Café Nero | limit=1")
    telegram.api.press_button(telegram.group, telegram.bob, card.message_id, "rsvp:1:going")
    answer = await telegram.api.wait_for(lambda: telegram.api.answers)
    assert answer[0]["text"] == "You're going"
    edited = await telegram.api.wait_for(
        lambda: "1/1 going" in (telegram.card(card.message_id).text or "")
    )
    assert edited
    telegram.api.press_button(telegram.group, telegram.alice, card.message_id, "rsvp:1:going")
    await telegram.api.wait_for(lambda: len(telegram.api.answers) == 2)
    assert telegram.api.answers[1]["text"] == "Waitlisted, #1"


async def test_commands_from_chat_update_the_card_too(telegram: Telegram) -> None:
    card = await telegram.say(f"/newevent Coffee | {DATE} 18:00 | Café Nero | limit=5")
    reply = await telegram.say("/rsvp@GatherBot 1 +1", telegram.bob)
    assert reply.text is not None
    assert reply.text.startswith("Bob: you're going to #1 Coffee with +1.")
    await telegram.api.wait_for(lambda: "2/5 going" in (telegram.card(card.message_id).text or ""))


async def test_forged_or_stale_buttons_change_nothing(telegram: Telegram) -> None:
    card = await telegram.say(f"/newevent Coffee | {DATE} 18:00 | Café Nero")
    other = await telegram.say("/help")
    api = telegram.api
    api.press_button(telegram.group, telegram.bob, card.message_id, "rsvp:1:everything")
    api.press_button(telegram.group, telegram.bob, other.message_id, "rsvp:1:going")
    await api.wait_for(lambda: len(api.answers) == 2)
    assert [a["text"] for a in api.answers] == [
        "This button is not valid.",
        "This button is out of date.",
    ]
    who = await telegram.say("/who 1")
    assert who.text is not None
    assert "Nobody is going yet" in who.text


async def test_many_rsvps_at_once_make_only_a_few_card_edits(telegram: Telegram) -> None:
    card = await telegram.say(f"/newevent Coffee | {DATE} 18:00 | Café Nero")
    for number in range(30):
        person = telegram.api.user(1000 + number, f"P{number}")
        telegram.api.press_button(telegram.group, person, card.message_id, "rsvp:1:going")
    await telegram.api.wait_for(lambda: len(telegram.api.answers) == 30, timeout=10)
    await telegram.api.wait_for(
        lambda: "30 going" in (telegram.card(card.message_id).text or ""), timeout=10
    )
    edits = telegram.card(card.message_id).edits
    assert 1 <= edits <= 6, edits


async def test_a_deep_link_in_private_chat_shows_the_event_with_buttons(
    telegram: Telegram,
) -> None:
    await telegram.say(f"/newevent Coffee | {DATE} 18:00 | Café Nero")
    private = telegram.api.private(telegram.bob)
    telegram.api.send_text(private, telegram.bob, "/start ev_1")
    message = await telegram.next_message(telegram.bob["id"], 0)
    assert message.text is not None
    assert message.text.startswith(f"<b>#1 Coffee</b>\nWhen: {DAY} 18:00 {ABBR}")
    assert "rsvp:1:going" in buttons(message)


async def test_someone_who_left_the_group_is_not_shown_its_event_privately(
    telegram: Telegram,
) -> None:
    await telegram.say(f"/newevent Coffee | {DATE} 18:00 | Café Nero")
    await telegram.say("/rsvp 1 I bring the cake", telegram.bob)
    mallory = telegram.api.user(66, "Mallory")
    telegram.api.set_member_status(telegram.group, mallory, "left")
    private = telegram.api.private(mallory)
    telegram.api.send_text(private, mallory, "/who 1")
    refused = await telegram.next_message(mallory["id"], 0)
    assert refused.text == (
        "#1 is shown only in the channels it is announced in, and I can't see you in one of "
        "them. Ask there, e.g. <code>/who 1</code>."
    )
    # Back in the group, the card's link works at once.
    telegram.api.set_member_status(telegram.group, mallory, "member")
    telegram.api.send_text(private, mallory, "/start ev_1")
    card = await telegram.next_message(mallory["id"], 1)
    assert card.text is not None
    assert card.text.startswith("<b>#1 Coffee</b>")
    telegram.api.send_text(private, mallory, "/who 1")
    who = await telegram.next_message(mallory["id"], 2)
    assert who.text is not None
    assert "I bring the cake" in who.text


async def test_group_admins_and_anonymous_admins_may_set_the_zone_members_may_not(
    telegram: Telegram,
) -> None:
    refused = await telegram.say("/tz Europe/Berlin", telegram.bob)
    assert refused.text == "Only an admin of this channel can change its time zone."
    carol = telegram.api.user(33, "Carol")
    telegram.api.set_member_status(telegram.group, carol, "administrator")
    allowed = await telegram.say("/tz Europe/Berlin", carol)
    assert allowed.text is not None
    assert allowed.text.startswith("Time zone for this channel is now Europe/Berlin")
    before = len(telegram.api.sent(GROUP))
    telegram.api.send_anonymous_admin_text(telegram.group, "/tz Europe/Warsaw")
    anonymous = await telegram.next_message(GROUP, before)
    assert anonymous.text is not None
    assert anonymous.text.startswith("Time zone for this channel is now Europe/Warsaw")


async def test_a_flood_limit_delays_a_reply_but_does_not_lose_it(telegram: Telegram) -> None:
    telegram.api.fail_next("sendMessage", 429, retry_after=1)
    reply = await telegram.say("/events")
    assert reply.text is not None
    assert reply.text.startswith("No upcoming events here.")
    assert len(telegram.api.sent(GROUP)) == 1


async def test_a_server_error_is_retried_and_the_reply_arrives_once(telegram: Telegram) -> None:
    telegram.api.fail_next("sendMessage", 502, times=2)
    reply = await telegram.say("/events")
    assert reply.text is not None
    assert len(telegram.api.sent(GROUP)) == 1
    assert len(telegram.api.calls_to("sendMessage")) == 3


async def test_the_token_never_reaches_the_logs(
    telegram: Telegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    telegram.api.fail_next("sendMessage", 502)
    await telegram.say("/events")
    assert telegram.api.token not in caplog.text
    assert caplog.records


async def test_three_people_press_going_on_two_seats(telegram: Telegram) -> None:
    card = await telegram.say(f"/newevent Coffee | {DATE} 18:00 | Café Nero | limit=2")
    api = telegram.api
    for number, name in enumerate(("Ann", "Ben", "Cid")):
        person = api.user(100 + number, name)
        api.press_button(telegram.group, person, card.message_id, "rsvp:1:going")

        def answered(n: int = number) -> bool:
            return len(api.answers) == n + 1

        await api.wait_for(answered)
    assert [a["text"] for a in api.answers] == ["You're going", "You're going", "Waitlisted, #1"]
    await api.wait_for(
        lambda: "2/2 going · 1 waitlisted" in (telegram.card(card.message_id).text or "")
    )


async def test_only_the_organizer_or_a_group_admin_may_cancel(telegram: Telegram) -> None:
    card = await telegram.say(f"/newevent Coffee | {DATE} 18:00 | Café Nero", telegram.alice)
    refused = await telegram.say("/cancel 1", telegram.bob)
    assert refused.text == "Only the organizer (Alice) or an admin can cancel #1."
    admin = telegram.api.user(44, "Dana")
    telegram.api.set_member_status(telegram.group, admin, "creator")
    cancelled = await telegram.say("/cancel@GatherBot 1 venue closed", admin)
    assert cancelled.text is not None
    assert cancelled.text.startswith(f"Cancelled #1 Coffee ({DAY} 18:00 {ABBR}")
    assert "Reason: venue closed" in cancelled.text
    # The card says so and loses its buttons: nobody can answer a cancelled event.
    await telegram.api.wait_for(
        lambda: (
            (telegram.card(card.message_id).text or "").startswith("[CANCELLED]")
            and telegram.card(card.message_id).reply_markup is None
        )
    )


async def test_guided_newevent_asks_only_its_starter_with_force_reply(telegram: Telegram) -> None:
    api = telegram.api
    question = await telegram.say("/newevent@GatherBot")
    assert question.text is not None
    assert question.text.startswith("Let's set up an event. What is it called?")
    assert question.reply_markup == {"force_reply": True, "selective": True}
    assert question.reply_to is not None
    before = len(api.sent(GROUP))
    api.send_text(telegram.group, telegram.bob, "Bob is just chatting")
    for answer in ("Coffee & <cake>", f"{DATE} 18:00", "Café Nero", "2"):
        await telegram.say(answer)
    card = api.sent(GROUP)[-1]
    assert card.text is not None
    assert card.text.startswith(
        f"Created <b>#1 Coffee &amp; &lt;cake&gt;</b> · {DAY} 18:00 {ABBR} (Europe/Warsaw)"
        " · Café Nero · 0/2 going"
    )
    assert "rsvp:1:going" in buttons(card)
    assert len(api.sent(GROUP)) == before + 4  # Bob's chatter got no answer


async def test_polling_survives_server_errors_and_resumes(telegram: Telegram) -> None:
    api = telegram.api
    api.fail_next("getUpdates", 502, times=3)
    api.send_text(telegram.group, telegram.alice, "/events")
    # PTB backs off between failed polls, so this takes a few seconds.
    replies = await api.wait_for(lambda: api.sent(GROUP), timeout=30)
    assert replies[0].text.startswith("No upcoming events here.")


async def test_a_send_that_timed_out_after_arriving_is_not_sent_twice(
    telegram: Telegram, caplog: pytest.LogCaptureFixture
) -> None:
    api = telegram.api
    # Telegram performs the call but answers after the adapter stopped waiting.
    api.fail_next("sendMessage", 200, delay=4)
    api.send_text(telegram.group, telegram.alice, "/events")
    await api.wait_for(lambda: api.sent(GROUP), timeout=10)
    await api.wait_for(lambda: "may have arrived; not re-sent" in caplog.text, timeout=10)
    assert len(api.sent(GROUP)) == 1
    assert len(api.calls_to("sendMessage")) == 1


async def test_reminders_reach_the_group_and_whoever_pressed_remind_me(
    telegram: Telegram,
) -> None:
    card = await telegram.say("/newevent Coffee & cake | in 2 hours | remind=1m")
    telegram.api.private(telegram.bob)  # Bob has pressed Start in a private chat with the bot
    for person in (telegram.bob, telegram.alice):  # Alice never has
        telegram.api.press_button(telegram.group, person, card.message_id, "rsvp:1:remind")
    await telegram.api.wait_for(lambda: len(telegram.api.answers) == 2)
    before = len(telegram.api.sent(GROUP))
    await start_soon(telegram.core.database, 1, timedelta(seconds=62))  # reminders due in 2 s

    in_group = await telegram.next_message(GROUP, before)
    private = await telegram.next_message(telegram.bob["id"], 0)
    assert in_group.text is not None
    assert in_group.text.startswith("Reminder: <b>#1 Coffee &amp; cake</b> starts in 1 min.")
    assert private.text is not None
    assert private.text.startswith("Reminder, Bob: <b>#1 Coffee &amp; cake</b> starts in 1 min.")

    # Telegram refuses a private message to Alice: recorded as failed, not tried again.
    async def states() -> list[DeliveryState]:
        async with telegram.core.database.unit_of_work(read_only=True) as uow:
            found = await uow.deliveries.states()
        return sorted(state for key, state in found.items() if "remind:1m" in key)

    expected = [DeliveryState.FAILED, DeliveryState.SENT, DeliveryState.SENT]
    for _ in range(100):  # the private message to Alice may still be on its way
        if await states() == expected:
            break
        await asyncio.sleep(0.05)
    assert await states() == expected


async def test_an_event_announced_in_a_second_group_counts_answers_from_both_cards(
    telegram: Telegram,
) -> None:
    krakow = telegram.api.group(-100456, "Krakow Devs")
    first = await telegram.say(f"/newevent Coffee | {DATE} 18:00 | Café Nero | limit=2")
    telegram.api.send_text(krakow, telegram.alice, "/announce 1")
    second = await telegram.next_message(-100456, 0)
    assert second.text is not None
    assert second.text.startswith(f"<b>#1 Coffee</b> · {DAY} 18:00 {ABBR}")
    assert "rsvp:1:going" in buttons(second)

    telegram.api.press_button(krakow, telegram.bob, second.message_id, "rsvp:1:going")
    # The card in the first group counts Bob too.
    assert await telegram.api.wait_for(
        lambda: "1/2 going" in (telegram.card(first.message_id).text or "")
    )
    details = await telegram.say("/event 1")
    assert details.text is not None
    assert "Announced in: Warsaw Devs (telegram), Krakow Devs (telegram)" in details.text


async def test_a_second_poller_on_the_token_is_one_clear_warning_and_unhealthy_meanwhile(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Two bots run with one token: Telegram answers one of them 409 Conflict. PTB's own
    handling logs a traceback per attempt; the adapter says it once, and `/healthz` shows
    it while it lasts (a window of 1.5 s here, 60 s by default)."""
    caplog.set_level(logging.DEBUG)
    async with FakeBotApi() as api:
        settings = TelegramSection(token=SecretStr(api.token), api_base_url=api.base_url)
        adapter = TelegramAdapter(settings, poll_timeout=1, request_timeout=2, failure_window=1.5)
        url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        async with running_bot(BotSection(), [adapter], database_url=url):
            assert adapter.problem() is None
            api.fail_next("getUpdates", 409, description=GET_UPDATES_CONFLICT, times=2)
            problem = await api.wait_for(adapter.problem, timeout=10)
            assert problem == (
                "getting updates fails: another process is getting updates with this bot "
                "token (409 Conflict); only one may: stop the other one"
            )
            # Back to normal once the other poller is gone: answered, and healthy again.
            group = api.group(GROUP, "Warsaw Devs")
            before = len(api.sent(GROUP))
            api.send_text(group, api.user(11, "Alice", "alice"), "/events")
            await api.wait_for(lambda: api.sent(GROUP)[before:], timeout=10)
            await api.wait_for(lambda: adapter.problem() is None, timeout=5)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING and "409" in r.message]
    assert len(warnings) == 1, [r.message for r in warnings]
    assert not [r for r in caplog.records if r.exc_info and "polling" in r.message.lower()]
    assert api.token not in caplog.text
