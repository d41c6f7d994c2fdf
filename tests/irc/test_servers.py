"""The IRC test harness works: real servers start, and test users can talk through them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from tests.irc.client import IrcUser, IrcUsers, Message, SaslError, parse_line, unique_name
from tests.irc.servers import Ngircd, ServicesNet


def privmsg_from(nick: str, text: str | None = None) -> Callable[[Message], bool]:
    return lambda m: m.command == "PRIVMSG" and m.nick == nick and (text is None or m.text == text)


# ---- the line parser (no server) ---------------------------------------------------------


def test_a_line_is_parsed_into_tags_prefix_command_and_params() -> None:
    raw = (
        rb"@time=2026-11-21T12:00:00.000Z;account=al\sice\:x;flag "
        rb":alice!al@host PRIVMSG #c :hi there"
    )

    message = parse_line(raw)

    assert message.tags == {
        "time": "2026-11-21T12:00:00.000Z",
        "account": "al ice;x",
        "flag": "",
    }
    assert (message.prefix, message.nick, message.userhost) == ("alice!al@host", "alice", "al@host")
    assert (message.command, message.params) == ("PRIVMSG", ["#c", "hi there"])
    assert message.account == "al ice;x"
    assert message.raw == raw
    assert message.body == b":alice!al@host PRIVMSG #c :hi there"


def test_tag_values_unescape_backslashes_and_drop_a_trailing_one() -> None:
    message = parse_line(rb"@a=x\\y\r\n\q\ PING :t")

    assert message.tags == {"a": "x\\y\r\nq"}
    assert (message.prefix, message.command, message.params) == (None, "PING", ["t"])


# ---- ngIRCd ------------------------------------------------------------------------------


async def test_two_users_on_ngircd_see_each_others_messages(
    ngircd: Ngircd, irc_users: IrcUsers
) -> None:
    channel = "#" + unique_name("chat")
    alice, bob = await irc_users.connect_many(ngircd, unique_name("alice"), unique_name("bob"))
    await alice.join(channel)
    await bob.join(channel)

    await alice.privmsg(channel, "hello bob")
    heard = await bob.wait_for(privmsg_from(alice.nick, "hello bob"))
    await bob.privmsg(channel, "hi alice")
    answer = await alice.wait_for(privmsg_from(bob.nick))

    assert heard.target == channel
    assert heard.raw.endswith(f"PRIVMSG {channel} :hello bob".encode())
    assert answer.text == "hi alice"
    assert [m.text for m in bob.messages_from(alice.nick) if m.command == "PRIVMSG"] == [
        "hello bob"
    ]


async def test_on_ngircd_the_first_user_in_a_channel_is_its_operator(
    ngircd: Ngircd, irc_users: IrcUsers
) -> None:
    channel = "#" + unique_name("ops")
    alice, bob = await irc_users.connect_many(ngircd, unique_name("alice"), unique_name("bob"))

    first = await alice.join(channel)
    second = await bob.join(channel)

    assert first == [f"@{alice.nick}"]
    assert sorted(second) == sorted([f"@{alice.nick}", bob.nick])


async def test_ngircd_without_penalties_passes_a_burst_at_once(
    ngircd: Ngircd, irc_users: IrcUsers
) -> None:
    channel = "#" + unique_name("burst")
    alice, bob = await irc_users.connect_many(ngircd, unique_name("alice"), unique_name("bob"))
    await alice.join(channel)
    await bob.join(channel)

    began = time.monotonic()
    for n in range(30):
        await alice.privmsg(channel, f"line {n}")
    await bob.wait_for(privmsg_from(alice.nick, "line 29"), timeout=5)

    assert time.monotonic() - began < 2  # with penalties, ngIRCd would take about 15 s


async def test_ngircd_with_penalties_starts_and_welcomes_a_user(
    ngircd_penalties: Ngircd, irc_users: IrcUsers
) -> None:
    user = await irc_users.connect(ngircd_penalties)

    assert not user.closed
    assert "MaxPenaltyTime" not in ngircd_penalties.config_path.read_text()


async def test_a_killed_ngircd_starts_again_on_the_same_port(
    fresh_ngircd: Ngircd, irc_users: IrcUsers
) -> None:
    port = fresh_ngircd.port
    user = await irc_users.connect(fresh_ngircd)

    fresh_ngircd.kill()
    await user.wait_closed(timeout=5)
    with pytest.raises(ConnectionRefusedError):
        await IrcUser.connect(fresh_ngircd.host, port, unique_name("nobody"), timeout=2)
    fresh_ngircd.start()
    again = await irc_users.connect(fresh_ngircd)

    assert user.closed
    assert fresh_ngircd.port == port
    assert not again.closed


async def test_a_stopped_ngircd_closes_its_clients_and_restarts(
    fresh_ngircd: Ngircd, irc_users: IrcUsers
) -> None:
    user = await irc_users.connect(fresh_ngircd)

    fresh_ngircd.restart()
    await user.wait_closed(timeout=5)
    again = await irc_users.connect(fresh_ngircd, user.nick)

    assert again.nick == user.nick


# ---- InspIRCd + Atheme -------------------------------------------------------------------


async def test_a_sasl_user_is_seen_with_their_account_in_tags_and_joins(
    services_net: ServicesNet, irc_users: IrcUsers
) -> None:
    account = unique_name("carol")
    await services_net.register_account(account, "correct-horse")
    channel = "#" + unique_name("meetup")
    carol, dave = await asyncio.gather(
        irc_users.connect(services_net, account, sasl=(account, "correct-horse")),
        irc_users.connect(services_net, unique_name("dave")),
    )
    await dave.join(channel)

    await carol.join(channel)
    joined = await dave.wait_for(lambda m: m.command == "JOIN" and m.nick == carol.nick)
    await carol.privmsg(channel, "count me in")
    said = await dave.wait_for(privmsg_from(carol.nick, "count me in"))
    await dave.privmsg(channel, "welcome")
    unknown = await carol.wait_for(privmsg_from(dave.nick, "welcome"))

    assert carol.account == account
    assert {"sasl", "account-tag", "extended-join", "account-notify"} <= carol.caps
    assert joined.params[:2] == [channel, account]  # extended-join: channel, account, realname
    assert said.account == account
    assert "time" in said.tags  # server-time
    assert unknown.account is None  # dave is not logged in


async def test_a_wrong_sasl_password_is_refused_with_904(
    services_net: ServicesNet, irc_users: IrcUsers
) -> None:
    account = unique_name("erin")
    await services_net.register_account(account, "right-password")

    with pytest.raises(SaslError) as refused:
        await irc_users.connect(services_net, account, sasl=(account, "wrong-password"))

    assert refused.value.code == "904"
