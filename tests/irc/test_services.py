"""The IRC adapter on InspIRCd with Atheme services: SASL, accounts as identities, operators,
the bot mode; and several networks in one process.

The network is shared by the session: every test uses fresh nicks, accounts and channels.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.irc import IrcAdapter
from bot.app import running_bot
from bot.config import BotSection, IrcSection
from tests.irc.bot import from_bot, irc_bot
from tests.irc.client import IrcUsers, Message, unique_name
from tests.irc.servers import Ngircd, ServicesNet

PASSWORD = "correct-horse-battery"


def said(bot: str, part: str) -> Callable[[Message], bool]:
    return lambda message: from_bot(bot)(message) and part in message.text.replace("\x02", "")


async def registered(net: ServicesNet, *prefixes: str) -> list[str]:
    names = [unique_name(prefix) for prefix in prefixes]
    await asyncio.gather(*(net.register_account(name, PASSWORD) for name in names))
    return names


async def test_accounts_not_nicks_decide_who_is_who(
    services_net: ServicesNet, irc_users: IrcUsers, tmp_path: Path
) -> None:
    bot_nick, alice_account, bob_account = await registered(services_net, "gbot", "alice", "bob")
    channel = f"#{unique_name('meet')}"
    async with irc_bot(
        services_net, tmp_path, nick=bot_nick, channels=(channel,), sasl=(bot_nick, PASSWORD)
    ):
        alice, bob = await asyncio.gather(
            irc_users.connect(services_net, alice_account, sasl=(alice_account, PASSWORD)),
            irc_users.connect(services_net, bob_account, sasl=(bob_account, PASSWORD)),
        )
        await alice.join(channel)
        await bob.join(channel)

        await alice.privmsg(channel, "!newevent Coffee | tomorrow 18:00 | Café Nero")
        card = await alice.wait_for(said(bot_nick, "Coffee"))
        # The bot itself logged in with SASL: the server tags its lines with its account.
        assert card.account == bot_nick
        await alice.privmsg(channel, "!rsvp 1")
        await alice.wait_for(said(bot_nick, f"{alice.nick}: you're going"))
        await bob.privmsg(channel, "!rsvp 1")
        await bob.wait_for(said(bot_nick, f"{bob.nick}: you're going"))
        await bob.privmsg(channel, "!who 1")
        who = await bob.wait_for(said(bot_nick, "Going (2):"))
        assert who.text.replace("\x02", "") == f"Going (2): {alice.nick}, {bob.nick}"

        # Bob comes back under another nick, logged in to the same account: same person.
        await bob.quit()
        robert = await irc_users.connect(
            services_net, unique_name("robert"), sasl=(bob_account, PASSWORD)
        )
        await robert.join(channel)
        await robert.privmsg(channel, "!rsvp 1 maybe")
        await robert.wait_for(said(bot_nick, "maybe"))
        await robert.privmsg(channel, "!who 1")
        going = await robert.wait_for(said(bot_nick, "Going (1):"))
        assert going.text.replace("\x02", "") == f"Going (1): {alice.nick}"
        maybe = await robert.wait_for(said(bot_nick, "Maybe (1):"))
        assert maybe.text.replace("\x02", "") == f"Maybe (1): {robert.nick}"

        # Someone takes the organizer's nick without logging in: they are not the organizer.
        await alice.quit()
        mallory = await irc_users.connect(services_net, alice_account)
        await mallory.join(channel)
        await mallory.privmsg(channel, "!cancel 1")
        refused = await mallory.wait_for(from_bot(bot_nick))
        assert refused.text.startswith(f"{alice_account}: ")
        assert "cancelled" not in refused.text.lower()
        await mallory.privmsg(channel, "!events")
        await mallory.wait_for(said(bot_nick, "Coffee"))

        # The real organizer, under any nick, may.
        back = await irc_users.connect(
            services_net, unique_name("alice_back"), sasl=(alice_account, PASSWORD)
        )
        await back.join(channel)
        await back.privmsg(channel, "!cancel 1")
        await back.wait_for(said(bot_nick, "Cancelled #1"))


async def test_a_channel_operator_manages_events_of_the_channel(
    services_net: ServicesNet, irc_users: IrcUsers, tmp_path: Path
) -> None:
    bot_nick, carol_account, dave_account, erin_account = await registered(
        services_net, "gbot", "carol", "dave", "erin"
    )
    channel = f"#{unique_name('ops')}"
    carol, dave, erin = await asyncio.gather(
        *(
            irc_users.connect(services_net, account, sasl=(account, PASSWORD))
            for account in (carol_account, dave_account, erin_account)
        )
    )
    assert "@" + carol.nick in await carol.join(channel)  # first in: operator
    async with irc_bot(services_net, tmp_path, nick=bot_nick, channels=(channel,)):
        await dave.join(channel)
        await erin.join(channel)
        await dave.privmsg(channel, "!newevent Talk night | tomorrow 19:00")
        await dave.wait_for(said(bot_nick, "Talk night"))
        await erin.privmsg(channel, "!cancel 1")
        refused = await erin.wait_for(said(bot_nick, f"{erin.nick}: "))
        assert "cancelled" not in refused.text.lower()
        await carol.privmsg(channel, "!cancel 1")
        await carol.wait_for(said(bot_nick, "Cancelled #1"))


async def test_a_wrong_password_is_survived_and_never_logged(
    services_net: ServicesNet,
    irc_users: IrcUsers,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    (bot_nick,) = await registered(services_net, "gbot")
    wrong = "not-the-password-0451"
    channel = f"#{unique_name('pw')}"
    async with irc_bot(
        services_net, tmp_path, nick=bot_nick, channels=(channel,), sasl=(bot_nick, wrong)
    ):
        frank = await irc_users.connect(services_net, unique_name("frank"))
        await frank.join(channel)
        await frank.privmsg(channel, "!events")
        answer = await frank.wait_for(from_bot(bot_nick))
        assert answer.account is None  # served, but not logged in
    logged = caplog.text
    assert "SASL login failed" in logged
    assert "identifying with NickServ" in logged
    payload = base64.b64encode(f"{bot_nick}\0{bot_nick}\0{wrong}".encode()).decode()
    assert wrong not in logged
    assert payload not in logged


async def test_someone_moved_off_the_waitlist_is_told_privately_at_their_current_nick(
    services_net: ServicesNet, irc_users: IrcUsers, tmp_path: Path
) -> None:
    bot_nick, alice_account, bob_account = await registered(services_net, "gbot", "alice", "bob")
    channel = f"#{unique_name('wait')}"
    async with irc_bot(services_net, tmp_path, nick=bot_nick, channels=(channel,)):
        alice, bobby = await asyncio.gather(
            irc_users.connect(services_net, alice_account, sasl=(alice_account, PASSWORD)),
            irc_users.connect(services_net, unique_name("bobby"), sasl=(bob_account, PASSWORD)),
        )
        await alice.join(channel)
        await bobby.join(channel)
        await alice.privmsg(channel, "!newevent Workshop | tomorrow 10:00 | limit=1")
        await alice.wait_for(said(bot_nick, "Workshop"))
        await alice.privmsg(channel, "!rsvp 1")
        await alice.wait_for(said(bot_nick, "you're going"))
        await bobby.privmsg(channel, "!rsvp 1")
        await bobby.wait_for(said(bot_nick, "waitlist at position 1"))
        await alice.privmsg(channel, "!unrsvp 1")
        told = await bobby.wait_for(said(bot_nick, "a seat opened up"))
        assert told.target == bobby.nick  # privately, at the nick logged in to bob's account


async def test_the_bot_marks_itself_a_bot_where_the_server_has_a_bot_mode(
    services_net: ServicesNet, irc_users: IrcUsers, tmp_path: Path
) -> None:
    bot_nick = unique_name("gbot")
    async with irc_bot(services_net, tmp_path, nick=bot_nick):
        mia = await irc_users.connect(services_net, unique_name("mia"))
        await mia.send_raw(f"WHOIS {bot_nick}")
        # 335 RPL_WHOISBOT comes only for users with the bot mode (+B on InspIRCd).
        await mia.wait_for(lambda m: m.command == "335" and bot_nick in m.params)


async def test_one_process_serves_several_networks(
    services_net: ServicesNet, ngircd: Ngircd, irc_users: IrcUsers, tmp_path: Path
) -> None:
    first, second = f"#{unique_name('one')}", f"#{unique_name('two')}"
    nick = unique_name("gbot")
    adapters = [
        IrcAdapter(
            IrcSection(
                name=name,
                host=server.host,
                port=server.port,
                tls=False,
                nick=nick,
                channels=(channel,),
            )
        )
        for name, server, channel in (("one", ngircd, first), ("two", services_net, second))
    ]
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    async with running_bot(BotSection(), adapters, database_url=url):
        async with asyncio.timeout(15):
            await asyncio.gather(*(adapter.ready() for adapter in adapters))
        nina, omar = await asyncio.gather(
            irc_users.connect(ngircd, unique_name("nina")),
            irc_users.connect(services_net, unique_name("omar")),
        )
        await nina.join(first)
        await omar.join(second)
        await nina.privmsg(first, "!events")
        await omar.privmsg(second, "!events")
        await nina.wait_for(said(nick, "No upcoming events here."))
        await omar.wait_for(said(nick, "No upcoming events here."))


async def test_a_private_message_carries_its_own_account_outside_any_shared_channel(
    services_net: ServicesNet, irc_users: IrcUsers, tmp_path: Path
) -> None:
    bot_nick, uma_account = await registered(services_net, "gbot", "uma")
    async with irc_bot(services_net, tmp_path, nick=bot_nick):
        uma, victor = await asyncio.gather(
            irc_users.connect(services_net, unique_name("uma"), sasl=(uma_account, PASSWORD)),
            irc_users.connect(services_net, unique_name("victor")),
        )
        # Setting the zone of one's own private chat needs a verified identity.
        await uma.privmsg(bot_nick, "!tz Europe/Warsaw")
        await uma.wait_for(said(bot_nick, "Time zone for this chat is now Europe/Warsaw"))
        await victor.privmsg(bot_nick, "!tz Europe/Warsaw")
        refused = await victor.wait_for(from_bot(bot_nick))
        assert "Time zone for this chat is now" not in refused.text
