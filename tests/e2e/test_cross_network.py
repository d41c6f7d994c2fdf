"""One event across networks, end to end (issue 6 items 2 and 7).

One running bot with both real adapters: python-telegram-bot over HTTP against the fake Bot
API server, and the IRC adapter on a real ngIRCd. Telegram people are updates injected into
the fake server; IRC people are real clients in the channel the event is linked to. Each test
asserts what people on each network would see.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.irc import IrcAdapter
from adapters.telegram import TelegramAdapter
from bot.app import running_bot
from bot.config import BotSection, IrcSection, TelegramSection
from bot.core import Core
from tests.harness import start_soon
from tests.irc.bot import from_bot
from tests.irc.client import IrcUser, IrcUsers, Message, unique_name
from tests.irc.conftest import irc_users, ngircd  # noqa: F401 - the IRC tests' fixtures
from tests.irc.servers import Ngircd
from tests.telegram.fake_api import FakeBotApi, SentMessage

GROUP = -1001234
NETWORK = "testnet"
# Card edits are coalesced over this interval; waits allow several of them.
EDIT_INTERVAL = 1.0
WAIT = 15.0


@dataclass
class CrossNetwork:
    """The running bot, the Telegram group and the IRC channel of one test, and the people
    in them."""

    api: FakeBotApi
    core: Core
    group: dict[str, Any]
    olga: dict[str, Any]  # the organizer, on Telegram
    tom: dict[str, Any]  # an attendee on Telegram
    channel: str
    bot_nick: str
    ann: IrcUser
    ben: IrcUser

    async def say(self, text: str, answer: str, user: dict[str, Any] | None = None) -> SentMessage:
        """``text`` in the Telegram group; returns the bot's first new message there that
        starts with ``answer`` (a command may be answered with more than one message, and
        the last command's may still be arriving)."""
        before = len(self.api.sent(GROUP))
        self.api.send_text(self.group, user or self.olga, text)
        return await self.next_in_group(before, lambda message: message.startswith(answer))

    async def next_in_group(
        self, before: int, matching: Callable[[str], bool] = bool
    ) -> SentMessage:
        """The first message the bot posted in the group after the first ``before`` whose
        text matches."""

        def found() -> SentMessage | None:
            new = self.api.sent(GROUP)[before:]
            return next((m for m in new if matching(m.text or "")), None)

        message: SentMessage = await self.api.wait_for(found, timeout=WAIT)
        return message

    async def press(self, user: dict[str, Any], card: SentMessage, choice: str) -> str:
        """``user`` presses a button on a card; returns the toast Telegram shows them."""
        answered = len(self.api.answers)
        self.api.press_button(self.group, user, card.message_id, f"rsvp:1:{choice}")
        answers = await self.api.wait_for(lambda: self.api.answers[answered:], timeout=WAIT)
        return str(answers[0]["text"])

    async def rsvp_on_irc(self, user: IrcUser, answer: str) -> Message:
        await user.privmsg(self.channel, "!rsvp 1")
        return await user.wait_for(self.in_channel(f"{user.nick}: {answer}"), timeout=WAIT)

    def in_channel(self, part: str) -> Callable[[Message], bool]:
        """A line from the bot in the IRC channel containing ``part`` (bold removed)."""

        def predicate(message: Message) -> bool:
            return (
                from_bot(self.bot_nick)(message)
                and message.target.lower() == self.channel.lower()
                and part in message.text.replace("\x02", "")
            )

        return predicate

    def in_private(self, part: str) -> Callable[[Message], bool]:
        """A private line from the bot to the IRC user it is checked on."""

        def predicate(message: Message) -> bool:
            return (
                from_bot(self.bot_nick)(message)
                and not message.target.startswith("#")
                and part in message.text.replace("\x02", "")
            )

        return predicate


@dataclass
class Linked:
    """An event created in the Telegram group and announced in the IRC channel."""

    card: SentMessage  # the card in the Telegram group, with its buttons
    announced: SentMessage  # the bot's answer to `/announce` in the group
    irc_card: list[Message]  # the card's lines as the IRC channel saw them


@pytest.fixture
async def xnet(
    ngircd: Ngircd,  # noqa: F811 - the fixture imported above
    irc_users: IrcUsers,  # noqa: F811
    tmp_path: Path,
) -> AsyncIterator[CrossNetwork]:
    channel, bot_nick = f"#{unique_name('xnet')}", unique_name("gatherbot")
    async with FakeBotApi() as api:
        telegram = TelegramAdapter(
            TelegramSection(token=SecretStr(api.token), api_base_url=api.base_url),
            poll_timeout=1,
            edit_interval=EDIT_INTERVAL,
            retry_base_delay=0.05,
            request_timeout=5,
        )
        irc = IrcAdapter(
            IrcSection(
                name=NETWORK,
                host=ngircd.host,
                port=ngircd.port,
                tls=False,
                nick=bot_nick,
                channels=(channel,),
                # A quick pace: the server has no flood penalties, and tests wait on lines.
                burst=20,
                lines_per_second=10,
            )
        )
        url = f"sqlite+aiosqlite:///{tmp_path / 'xnet.db'}"
        async with running_bot(BotSection(), [telegram, irc], database_url=url) as core:
            async with asyncio.timeout(WAIT):
                await irc.ready()
            ann, ben = await irc_users.connect_many(ngircd, unique_name("ann"), unique_name("ben"))
            for user in (ann, ben):
                await user.join(channel)
            yield CrossNetwork(
                api,
                core,
                api.group(GROUP, "Warsaw Devs"),
                api.user(11, "Olga", "olga"),
                api.user(22, "Tom"),
                channel,
                bot_nick,
                ann,
                ben,
            )


@pytest.fixture
async def linked(xnet: CrossNetwork) -> Linked:
    """Olga creates an event for two in the Telegram group and, as its organizer, announces
    it in the IRC channel from there."""
    card = await xnet.say(
        "/newevent Coffee | in 2 hours | Café Nero | limit=2 remind=1m", "Created <b>#1 Coffee</b>"
    )
    announced = await xnet.say(f"/announce 1 irc:{NETWORK}/{xnet.channel}", "#1 Coffee:")
    irc_card = [
        await xnet.ann.wait_for(xnet.in_channel("#1 Coffee"), timeout=WAIT),
        await xnet.ann.wait_for(xnet.in_channel("!rsvp 1"), timeout=WAIT),
    ]
    return Linked(card, announced, irc_card)


async def fill_up(xnet: CrossNetwork, linked: Linked) -> None:
    """Two seats: Tom takes one on Telegram, Ann the other on IRC, Ben is waitlisted."""
    assert await xnet.press(xnet.tom, linked.card, "going") == "You're going"
    await xnet.rsvp_on_irc(xnet.ann, "you're going to #1 Coffee")
    await xnet.rsvp_on_irc(xnet.ben, "#1 Coffee is full, so you're on the waitlist at position 1")


def plain(text: str) -> list[str]:
    """The lines of a message without markup (Telegram's HTML, IRC's bold)."""
    return re.sub(r"<[^>]+>|\x02", "", text).splitlines()


async def test_rsvps_from_telegram_and_irc_count_against_one_limit_and_one_list(
    xnet: CrossNetwork, linked: Linked
) -> None:
    assert linked.announced.text is not None
    assert f"irc:{NETWORK}/{xnet.channel}: announced, card posted." in linked.announced.text
    summary, how = (m.text.replace("\x02", "") for m in linked.irc_card)
    assert summary.startswith("#1 Coffee · ")
    assert summary.endswith(" · Café Nero · 0/2 going")
    assert how.startswith("RSVP: !rsvp 1")

    await fill_up(xnet, linked)

    await xnet.ben.privmsg(xnet.channel, "!who 1")
    going_irc = await xnet.ben.wait_for(xnet.in_channel("Going (2): "), timeout=WAIT)
    waiting_irc = await xnet.ben.wait_for(xnet.in_channel("Waitlist (1): "), timeout=WAIT)
    who = await xnet.say("/who 1", "<b>#1 Coffee</b>")
    assert who.text is not None
    # The same list on both networks, each person marked with theirs.
    irc = f"irc:{NETWORK}, unverified"
    going = f"Going (2): Tom [telegram], {xnet.ann.nick} [{irc}]"
    waiting = f"Waitlist (1): 1. {xnet.ben.nick} [{irc}]"
    assert plain(going_irc.text) == [going]
    assert plain(waiting_irc.text) == [waiting]
    assert plain(who.text)[1:] == [going, waiting]


async def test_an_rsvp_on_irc_edits_the_telegram_card(xnet: CrossNetwork, linked: Linked) -> None:
    def card_edited_to(count: str) -> Callable[[], bool]:
        return lambda: any(
            call["message_id"] == linked.card.message_id
            and call["chat_id"] == GROUP
            and count in (call.get("text") or "")
            for call in xnet.api.calls_to("editMessageText")
        )

    await xnet.rsvp_on_irc(xnet.ann, "you're going to #1 Coffee")
    await xnet.api.wait_for(card_edited_to("1/2 going"), timeout=WAIT)
    await xnet.rsvp_on_irc(xnet.ben, "you're going to #1 Coffee")
    await xnet.api.wait_for(card_edited_to("2/2 going"), timeout=WAIT)
    # The card as the group sees it now: the new count, and still its buttons.
    card = next(m for m in xnet.api.sent(GROUP) if m.message_id == linked.card.message_id)
    assert card.text is not None
    assert "2/2 going" in card.text
    assert card.reply_markup is not None


async def test_a_reminder_reaches_the_telegram_group_and_the_irc_channel(
    xnet: CrossNetwork, linked: Linked
) -> None:
    before = len(xnet.api.sent(GROUP))
    await start_soon(xnet.core.database, 1, timedelta(seconds=62))  # reminders due in 2 s
    in_group = await xnet.next_in_group(before, lambda text: text.startswith("Reminder:"))
    assert in_group.text is not None
    assert in_group.text.startswith("Reminder: <b>#1 Coffee</b> starts in 1 min.")
    in_channel = await xnet.ann.wait_for(xnet.in_channel("Reminder: "), timeout=WAIT)
    assert in_channel.text.replace("\x02", "").startswith("Reminder: #1 Coffee starts in 1 min.")


async def test_a_freed_seat_an_edit_and_a_cancellation_on_telegram_reach_irc_too(
    xnet: CrossNetwork, linked: Linked
) -> None:
    await fill_up(xnet, linked)
    # Tom drops out on Telegram: Ben, waitlisted on IRC, moves up and is told in private.
    assert await xnet.press(xnet.tom, linked.card, "not_going") == "You're not going"
    promoted = await xnet.ben.wait_for(xnet.in_private("a seat opened up"), timeout=WAIT)
    assert promoted.target == xnet.ben.nick
    assert promoted.text.startswith(f"Good news, {xnet.ben.nick}: a seat opened up")

    await xnet.say("/edit 1 where=Room 2", "Updated #1 Coffee: where → Room 2")
    changed = await xnet.ann.wait_for(xnet.in_channel("#1 Coffee has changed"), timeout=WAIT)
    assert "where → Room 2" in changed.text

    await xnet.say("/cancel 1 the venue is closed", "Cancelled #1 Coffee")
    notice = await xnet.ann.wait_for(xnet.in_channel("is cancelled"), timeout=WAIT)
    assert notice.text.replace("\x02", "").startswith("#1 Coffee (")
    assert notice.text.endswith("Reason: the venue is closed")
    # The group the edit was made in read the reply, not a notice as well (the edit's notices
    # were all sent in a round before the cancellation's).
    assert not [m for m in xnet.api.sent(GROUP) if "has changed" in (m.text or "")]
    # And its card says the event is off, without buttons.
    await xnet.api.wait_for(
        lambda: next(
            m.text.startswith("[CANCELLED]") and m.reply_markup is None
            for m in xnet.api.sent(GROUP)
            if m.message_id == linked.card.message_id and m.text
        ),
        timeout=WAIT,
    )
