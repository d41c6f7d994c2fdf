"""The IRC adapter on a real ngIRCd: commands, replies, output safety, roles, nick, reconnect.

ngIRCd has no services, so everyone here is unverified (identified by nick!user@host): they
may RSVP but not organise. Events are created the way another network would create them,
through the core, by a verified organizer in the same channel. Accounts are tested on the
services network (test_services.py).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.core import Core
from bot.domain import ChannelKind, ChannelRef, IncomingMessage, Role, UserRef
from bot.replies import ReplyKind, bold, line, reply
from tests.ahead import SATURDAY
from tests.irc.bot import from_bot, irc_bot
from tests.irc.client import IrcUser, IrcUsers, Message, unique_name
from tests.irc.servers import Ngircd

ORGANIZER = UserRef("irc", "testnet", "olga", "olga")


def channel_ref(name: str) -> ChannelRef:
    return ChannelRef("irc", "testnet", name.lower(), ChannelKind.GROUP, name)


async def create_event(core: Core, channel: str, text: str) -> None:
    """An event linked to ``channel``, created by a verified organizer."""
    [card] = await core.handle(
        IncomingMessage(ORGANIZER, channel_ref(channel), text, datetime.now(UTC))
    )
    assert card.kind is ReplyKind.EVENT_CARD, card.plain_text


def said(part: str) -> Callable[[Message], bool]:
    """A line from the bot containing ``part``."""
    return lambda message: from_bot()(message) and part in message.text.replace("\x02", "")


def wire_safe(message: Message) -> None:
    """What the server relayed from the bot is one whole IRC line within 512 bytes."""
    assert len(message.raw) + 2 <= 512, message.raw
    assert not re.search(rb"[\x00\r\n]", message.raw)
    assert not re.search(r"[\x00-\x01\x03-\x1f\x7f]", message.text), message.text


async def test_commands_in_every_form_are_answered_where_they_were_asked(
    ngircd: Ngircd, irc_users: IrcUsers, tmp_path: Path
) -> None:
    channel = f"#{unique_name('forms')}"
    async with irc_bot(ngircd, tmp_path, channels=(channel,)) as bot:
        await create_event(bot.core, channel, "!newevent Coffee | tomorrow 18:00 | Café Nero")
        alice = await irc_users.connect(ngircd, unique_name("alice"))
        await alice.join(channel)
        # A colour-coded command is the command (a client that colours everything).
        for text in ("!events", "gatherbot: events", "GatherBot, events", "\x0304!events\x03"):
            await alice.privmsg(channel, text)
            answer = await alice.wait_for(said("Coffee"))
            assert answer.target == channel
        await alice.privmsg("gatherbot", "!event 1")
        private = await alice.wait_for(said("Coffee"))
        assert private.target == alice.nick
        # Other bots' commands are none of our business in a channel.
        mark = alice.mark()
        await alice.privmsg(channel, "!weather Warsaw")
        await alice.assert_no_message(
            lambda m: from_bot()(m) and m.target == channel, within=1.0, since=mark
        )


async def test_only_someone_in_the_channel_sees_its_event_in_private(
    ngircd: Ngircd, irc_users: IrcUsers, tmp_path: Path
) -> None:
    channel = f"#{unique_name('seen')}"
    async with irc_bot(ngircd, tmp_path, channels=(channel,)) as bot:
        await create_event(bot.core, channel, "!newevent Coffee | tomorrow 18:00 | Café Nero")
        frank = await irc_users.connect(ngircd, unique_name("frank"))
        await frank.privmsg("gatherbot", "!who 1")
        refused = await frank.wait_for(from_bot())
        assert refused.text.startswith("#1 is shown only in the channels it is announced in")
        await frank.join(channel)
        await frank.privmsg("gatherbot", "!who 1")
        assert (await frank.wait_for(from_bot())).text.startswith("\x02#1 Coffee\x02")
        await frank.wait_for(said("Nobody is going yet"))
        await frank.part(channel)
        await frank.privmsg("gatherbot", "!rsvp 1")
        assert (await frank.wait_for(from_bot())).text.startswith("#1 is shown only")


async def test_someone_without_an_account_may_rsvp_but_not_organise(
    ngircd: Ngircd, irc_users: IrcUsers, tmp_path: Path
) -> None:
    channel = f"#{unique_name('rsvp')}"
    async with irc_bot(ngircd, tmp_path, channels=(channel,)) as bot:
        bob, carol = await irc_users.connect_many(ngircd, unique_name("bob"), unique_name("carol"))
        await bob.join(channel)
        await carol.join(channel)
        await bob.privmsg(channel, "!newevent Picnic | tomorrow 12:00 | Park")
        refused = await bob.wait_for(from_bot())
        assert refused.text.startswith(f"{bob.nick}: Only people logged in")
        assert "NickServ IDENTIFY" in refused.text

        await create_event(bot.core, channel, "!newevent Coffee | tomorrow 18:00 | limit=1")
        # A red "1": the colour's own digits are not part of the number.
        await bob.privmsg(channel, "!rsvp \x03041\x03")
        await bob.wait_for(said(f"{bob.nick}: you're going"))
        await carol.privmsg(channel, "!rsvp 1")
        await carol.wait_for(said("you're on the waitlist at position 1"))
        await carol.privmsg(channel, "!who 1")
        # Everyone here is marked unverified: a nick proves nothing.
        await carol.wait_for(said(f"Going (1): {bob.nick} [unverified]"))
        await carol.wait_for(said(f"Waitlist (1): 1. {carol.nick} [unverified]"))


async def test_a_3000_byte_reply_arrives_as_whole_lines_within_512_bytes(
    ngircd: Ngircd, irc_users: IrcUsers, tmp_path: Path
) -> None:
    channel = f"#{unique_name('long')}"
    words = [f"słowo{i}-日本語-👩‍👩‍👧" for i in range(120)]
    text = " ".join(words)
    assert len(text.encode()) > 3000
    async with irc_bot(ngircd, tmp_path, channels=(channel,), settings={"burst": 20}) as bot:
        dora = await irc_users.connect(ngircd, unique_name("dora"))
        await dora.join(channel)
        await bot.adapter.send(channel_ref(channel), reply(line(bold("Long"), " ", text)))
        received: list[str] = []
        while len(" ".join(received).split()) < len(words) + 1:
            message = await dora.wait_for(from_bot())
            wire_safe(message)
            received.append(message.text.replace("\x02", ""))
        assert len(received) >= 7
        # Nothing cut off or mangled: every word arrives whole, in order.
        assert " ".join(received).split() == ["Long", *words]


async def test_a_long_list_in_a_channel_is_cut_short_and_whole_in_private(
    ngircd: Ngircd, irc_users: IrcUsers, tmp_path: Path
) -> None:
    channel = f"#{unique_name('who')}"
    async with irc_bot(ngircd, tmp_path, channels=(channel,), settings={"burst": 20}) as bot:
        await create_event(bot.core, channel, "!newevent Conference | tomorrow 09:00")
        names = [f"attendee-with-a-long-name-{i:03}" for i in range(80)]
        for name in names:
            person = UserRef("irc", "testnet", name, name)
            await bot.core.handle(
                IncomingMessage(person, channel_ref(channel), "!rsvp 1", datetime.now(UTC))
            )
        erin = await irc_users.connect(ngircd, unique_name("erin"))
        await erin.join(channel)
        await erin.privmsg(channel, "gatherbot: who 1")
        shown = [await erin.wait_for(from_bot()) for _ in range(4)]
        assert re.fullmatch(
            r"… and \d+ more lines: ask me in private \(/msg gatherbot !who 1\)", shown[-1].text
        )
        await erin.assert_no_message(from_bot(), within=0.5)

        await erin.privmsg("gatherbot", "!who 1")
        lines: list[Message] = []
        while not any(names[-1] in m.text for m in lines):
            lines.append(await erin.wait_for(from_bot()))
        for message in lines:
            wire_safe(message)
        everyone = " ".join(m.text for m in lines)
        assert all(name in everyone for name in names)


async def test_a_list_of_events_cut_short_in_a_channel_is_whole_when_asked_in_private(
    ngircd: Ngircd, irc_users: IrcUsers, tmp_path: Path
) -> None:
    """The cut-short reply says to ask in private; there, `!events` lists the events of the
    channels the person is in, so it is the same list, whole."""
    channel = f"#{unique_name('talks')}"
    async with irc_bot(ngircd, tmp_path, channels=(channel,), settings={"burst": 20}) as bot:
        for number in range(1, 8):
            starts = SATURDAY + timedelta(days=number)
            await create_event(bot.core, channel, f"!newevent Talk {number} | {starts} 18:00")
        fay = await irc_users.connect(ngircd, unique_name("fay"))
        await fay.join(channel)
        await fay.privmsg(channel, "!events")
        shown = [await fay.wait_for(from_bot()) for _ in range(4)]
        assert shown[-1].text == "… and 5 more lines: ask me in private (/msg gatherbot !events)"
        await fay.assert_no_message(from_bot(), within=0.5)

        await fay.privmsg("gatherbot", "!events")
        whole = [await fay.wait_for(from_bot()) for _ in range(8)]
        assert {message.target for message in whole} == {fay.nick}
        texts = [message.text.replace("\x02", "") for message in whole]
        assert texts[0] == f"Upcoming events in {channel} (7):"
        assert [text.split(" · ")[0] for text in texts[1:]] == [
            f"#{number} Talk {number}" for number in range(1, 8)
        ]
        await fay.assert_no_message(from_bot(), within=0.5)


async def test_control_characters_in_user_text_never_become_irc_commands(
    ngircd: Ngircd, irc_users: IrcUsers, tmp_path: Path
) -> None:
    channel, other = f"#{unique_name('safe')}", f"#{unique_name('other')}"
    async with irc_bot(ngircd, tmp_path, channels=(channel, other)) as bot:
        frank = await irc_users.connect(ngircd, unique_name("frank"))
        await frank.join(channel)
        await frank.join(other)
        evil = "Party\r\nQUIT :x\rPRIVMSG #other :spam\nMODE gatherbot -o\x00\x03\x034,5red\x02"
        await bot.adapter.send(channel_ref(channel), reply(line(bold(evil), " at noon")))
        message = await frank.wait_for(from_bot())
        wire_safe(message)
        assert message.target == channel
        assert message.text.replace("\x02", "") == (
            "Party QUIT :x PRIVMSG #other :spam MODE gatherbot -ored at noon"
        )
        # Still connected and serving: nothing quit, nothing reached the other channel.
        await frank.privmsg(channel, "!events")
        assert (await frank.wait_for(from_bot())).target == channel
        assert not [m for m in frank.messages if m.command == "QUIT"]
        assert not [m for m in frank.messages_from("gatherbot") if m.target == other]


async def test_channel_operators_are_admins_of_their_channel(
    ngircd: Ngircd, irc_users: IrcUsers, tmp_path: Path
) -> None:
    channel = f"#{unique_name('ops')}"
    gina, hugo = await irc_users.connect_many(ngircd, unique_name("gina"), unique_name("hugo"))
    await gina.join(channel)  # first in: ngIRCd makes her an operator
    async with irc_bot(ngircd, tmp_path, channels=(channel,)) as bot:
        await hugo.join(channel)

        async def roles(nick: str, expected: set[Role]) -> frozenset[Role]:
            """The bot's view of ``nick`` once it is ``expected`` (the bot reads the JOIN or
            MODE a moment after the user's own copy), or as it is after 10 s."""
            person = UserRef("irc", "testnet", nick, nick, verified=False)
            for _ in range(200):
                found = await bot.adapter.roles(person, channel_ref(channel))
                if found == expected:
                    break
                await asyncio.sleep(0.05)
            return found

        admin, member = Role.CHANNEL_ADMIN, Role.MEMBER
        assert await roles(gina.nick, {admin, member}) == {admin, member}
        assert await roles(hugo.nick, {member}) == {member}
        assert await roles("nobody-here", set()) == frozenset()
        await gina.send_raw(f"MODE {channel} +o {hugo.nick}")
        assert await roles(hugo.nick, {admin, member}) == {admin, member}
        await gina.send_raw(f"MODE {channel} -o {gina.nick}")
        assert await roles(gina.nick, {member}) == {member}


async def test_the_bot_takes_its_nick_back_when_it_frees(
    ngircd: Ngircd, irc_users: IrcUsers, tmp_path: Path
) -> None:
    nick = unique_name("botnick")
    squatter = await irc_users.connect(ngircd, nick)
    channel = f"#{unique_name('nick')}"
    async with irc_bot(
        ngircd, tmp_path, nick=nick, channels=(channel,), regain_interval=0.5
    ) as bot:
        assert bot.adapter.nick == f"{nick}_"
        ivan = await irc_users.connect(ngircd, unique_name("ivan"))
        await ivan.join(channel)
        # The squatter shares no channel with the bot: it tries the nick now and then.
        await squatter.quit()
        await ivan.wait_for(lambda m: m.command == "NICK" and m.params[0] == nick)
        await ivan.privmsg(channel, f"{nick}: events")
        assert (await ivan.wait_for(from_bot(nick))).target == channel


async def test_after_the_server_restarts_the_bot_is_back_and_queued_lines_arrive(
    fresh_ngircd: Ngircd, tmp_path: Path
) -> None:
    channel = f"#{unique_name('back')}"
    async with irc_bot(fresh_ngircd, tmp_path, channels=(channel,), reconnect_delay=1.0) as bot:
        fresh_ngircd.kill()
        for _ in range(100):
            if not bot.adapter.connected:
                break
            await asyncio.sleep(0.05)
        # A reminder the scheduler hands over meanwhile: the send returns (and the reminder
        # is marked sent) only once its line was written, after the reconnect.
        sending = asyncio.create_task(
            bot.adapter.send(channel_ref(channel), reply("Reminder: Coffee starts in 1 hour"))
        )
        await asyncio.sleep(0.2)
        assert not sending.done()
        fresh_ngircd.start()
        # The user is back before the bot (its first retry waits at least a second).
        jack = await IrcUser.connect(fresh_ngircd.host, fresh_ngircd.port, unique_name("jack"))
        try:
            await jack.join(channel)
            await jack.wait_for(lambda m: m.command == "JOIN" and m.nick == "gatherbot")
            reminder = await jack.wait_for(from_bot(), timeout=15)
            assert reminder.text == "Reminder: Coffee starts in 1 hour"
            await asyncio.wait_for(sending, 1)
            await jack.privmsg(channel, "!events")
            assert (await jack.wait_for(from_bot())).target == channel
            # Delivered once, not again on some later flush.
            await jack.assert_no_message(
                lambda m: m.command == "PRIVMSG" and "Reminder" in m.text, within=1.0
            )
        finally:
            await jack.close()


async def test_a_reply_is_not_starved_behind_a_100_line_announcement_and_nobody_floods(
    ngircd_penalties: Ngircd, irc_users: IrcUsers, tmp_path: Path
) -> None:
    """Default pacing (burst 4, then 1 line/s) on ngIRCd's default flood penalties."""
    channel = f"#{unique_name('flood')}"
    async with irc_bot(ngircd_penalties, tmp_path, channels=(channel,)) as bot:
        kate = await irc_users.connect(ngircd_penalties, unique_name("kate"))
        await kate.join(channel)
        # Handed over at once, as the scheduler hands over what is due (each send returns
        # once its line is out).
        sends = [
            asyncio.create_task(
                bot.adapter.send(channel_ref(channel), reply(f"Announcement line {number}"))
            )
            for number in range(1, 101)
        ]
        await kate.wait_for(lambda m: m.text == "Announcement line 5", timeout=30)
        await kate.privmsg("gatherbot", "!events")
        answer = await kate.wait_for(
            lambda m: m.command == "PRIVMSG" and m.target == kate.nick, timeout=15
        )
        bulk_before_answer = sum(
            1 for m in kate.messages[: kate.messages.index(answer)] if "Announcement" in m.text
        )
        assert bulk_before_answer < 15
        last = await kate.wait_for(lambda m: m.text == "Announcement line 100", timeout=150)
        assert bot.adapter.connected
        numbers = [
            int(m.text.rsplit(" ", 1)[1])
            for m in kate.messages[: kate.messages.index(last) + 1]
            if m.text.startswith("Announcement line")
        ]
        assert numbers == list(range(1, 101))
        assert not [m for m in kate.messages if m.command == "QUIT" and m.nick == "gatherbot"]
        await asyncio.wait_for(asyncio.gather(*sends), 1)


async def test_tls_certificates_are_checked_unless_self_signed_ones_are_allowed(
    tls_ngircd: Ngircd, irc_users: IrcUsers, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    channel = f"#{unique_name('tls')}"
    over_tls = SimpleNamespace(host=tls_ngircd.host, port=tls_ngircd.tls_port)
    async with irc_bot(
        over_tls, tmp_path, channels=(channel,), wait=False, settings={"tls": True}
    ) as bot:
        assert not bot.adapter.connected
    assert "CERTIFICATE_VERIFY_FAILED" in caplog.text

    lisa = await irc_users.connect(tls_ngircd, unique_name("lisa"))
    await lisa.join(channel)
    async with irc_bot(
        over_tls, tmp_path, channels=(channel,), settings={"tls": True, "tls_verify": False}
    ):
        await lisa.privmsg(channel, "!events")
        await lisa.wait_for(said("No upcoming events here."))


async def test_an_operator_may_invite_the_bot_and_anyone_else_is_declined(
    ngircd: Ngircd, irc_users: IrcUsers, tmp_path: Path
) -> None:
    ours, theirs = f"#{unique_name('ours')}", f"#{unique_name('theirs')}"
    olive, paul, quinn = await irc_users.connect_many(
        ngircd, unique_name("olive"), unique_name("paul"), unique_name("quinn")
    )
    await olive.join(ours)  # first in: operator
    await paul.join(theirs)  # operator of theirs
    await quinn.join(theirs)  # not an operator there
    async with irc_bot(ngircd, tmp_path, settings={"accept_invites": True}):
        await olive.send_raw(f"INVITE gatherbot {ours}")
        await olive.wait_for(lambda m: m.command == "JOIN" and m.nick == "gatherbot")
        await olive.privmsg(ours, "!events")
        await olive.wait_for(said("No upcoming events here."))

        await quinn.send_raw(f"INVITE gatherbot {theirs}")
        await paul.wait_for(lambda m: m.command == "JOIN" and m.nick == "gatherbot")
        left = await paul.wait_for(lambda m: m.command == "PART" and m.nick == "gatherbot")
        assert "not an operator" in left.params[-1]
        await olive.assert_no_message(lambda m: m.command == "PART", within=0.5)


async def test_stopping_lets_queued_lines_go_out_before_quitting(
    ngircd: Ngircd, irc_users: IrcUsers, tmp_path: Path
) -> None:
    channel = f"#{unique_name('stop')}"
    async with irc_bot(ngircd, tmp_path, channels=(channel,)) as bot:
        rita = await irc_users.connect(ngircd, unique_name("rita"))
        await rita.join(channel)
        # Six lines at the default pace: four at once, then one a second.
        await bot.adapter.send(channel_ref(channel), reply(*(f"Line {n}" for n in range(1, 7))))
    quit_message = await rita.wait_for(lambda m: m.command == "QUIT" and m.nick == "gatherbot")
    before_quit = rita.messages[: rita.messages.index(quit_message)]
    assert [m.text for m in before_quit if from_bot()(m)] == [f"Line {n}" for n in range(1, 7)]


async def test_a_server_gone_silent_is_left_and_rejoined_when_it_answers_again(
    fresh_ngircd: Ngircd, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    channel = f"#{unique_name('silent')}"
    async with irc_bot(
        fresh_ngircd,
        tmp_path,
        channels=(channel,),
        ping_interval=0.6,
        connect_timeout=2.0,
        reconnect_delay=0.3,
    ) as bot:
        fresh_ngircd.freeze()
        try:
            for _ in range(100):
                if not bot.adapter.connected:
                    break
                await asyncio.sleep(0.05)
            assert not bot.adapter.connected
        finally:
            fresh_ngircd.thaw()
        async with asyncio.timeout(20):
            await bot.adapter.ready()
        sam = await IrcUser.connect(fresh_ngircd.host, fresh_ngircd.port, unique_name("sam"))
        try:
            await sam.join(channel)
            await sam.privmsg(channel, "!events")
            await sam.wait_for(said("No upcoming events here."))
        finally:
            await sam.close()
    assert "no answer for" in caplog.text


async def test_a_stand_in_nick_fits_a_server_with_9_character_nicks(
    short_nick_ngircd: Ngircd, irc_users: IrcUsers, tmp_path: Path
) -> None:
    squatter = await irc_users.connect(short_nick_ngircd, "gatherbot")
    channel = f"#{unique_name('short')}"
    async with irc_bot(
        short_nick_ngircd, tmp_path, channels=(channel,), regain_interval=0.5
    ) as bot:
        assert bot.adapter.nick == "gatherb_2"  # `gatherbot_` is one character too long
        tina = await irc_users.connect(short_nick_ngircd, "tina")
        await tina.join(channel)
        await squatter.quit()
        await tina.wait_for(lambda m: m.command == "NICK" and m.params[0] == "gatherbot")
