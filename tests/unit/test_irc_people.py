"""Accounts and operators as the server reports them; a nick alone proves nothing."""

from __future__ import annotations

from adapters.irc.people import People


def test_extended_join_and_account_notify_keep_the_account_current() -> None:
    people = People()
    people.joined("#meetup", "alice", "Alice")
    assert people.account("ALICE") == "Alice"
    people.saw_account("alice", None)  # ACCOUNT * : logged out
    assert people.account("alice") is None
    people.saw_account("alice", "Alice")
    assert people.nick_of("alice") == "alice"


def test_a_plain_join_says_nothing_about_an_account() -> None:
    people = People()
    people.joined("#meetup", "mallory")
    assert people.account("mallory") is None


def test_a_nick_change_carries_the_account_and_frees_the_old_nick() -> None:
    people = People()
    people.joined("#meetup", "alice", "alice")
    people.renamed("alice", "alice_away")
    assert people.account("alice_away") == "alice"
    assert people.account("alice") is None
    assert people.nick_of("alice") == "alice_away"


def test_someone_who_shares_no_channel_any_more_is_forgotten() -> None:
    people = People()
    people.joined("#a", "alice", "alice")
    people.joined("#b", "alice", "alice")
    people.left("#a", "alice")
    assert people.account("alice") == "alice"
    people.left("#b", "alice")
    assert people.account("alice") is None
    people.joined("#a", "bob", "bob")
    people.quit("bob")
    assert people.nick_of("bob") is None


def test_operators_come_from_names_prefixes_and_mode_changes() -> None:
    people = People()
    people.prefixes = {"~": "q", "@": "o", "%": "h", "+": "v"}
    people.names("#meetup", ["~owner", "@+op", "%half", "+voiced", "plain!u@h"])
    assert people.is_operator("#MEETUP", "owner")
    assert people.is_operator("#meetup", "op")
    assert not people.is_operator("#meetup", "half")
    assert not people.is_operator("#meetup", "voiced")
    assert not people.is_operator("#meetup", "plain")
    people.mode("#meetup", "+", "o", "plain")
    people.mode("#meetup", "-", "o", "op")
    assert people.is_operator("#meetup", "plain")
    assert not people.is_operator("#meetup", "op")
    assert not people.is_operator("#other", "plain")


def test_leaving_a_channel_drops_what_we_knew_of_it() -> None:
    people = People()
    people.names("#meetup", ["@alice"])
    people.we_left("#meetup")
    assert not people.is_operator("#meetup", "alice")
    people.names("#meetup", ["@alice"])
    people.renamed("alice", "[alice]")
    assert people.is_operator("#meetup", "{ALICE}")  # RFC 1459 case folding


def test_a_channel_member_is_on_its_list_until_they_part_quit_or_are_renamed_away() -> None:
    people = People()
    people.names("#meetup", ["@olga", "+bob!b@host"])
    people.joined("#meetup", "alice")
    assert all(people.is_member("#MEETUP", nick) for nick in ("olga", "Bob", "alice"))
    assert not people.is_member("#other", "alice")
    people.left("#meetup", "alice")
    people.quit("bob")
    people.renamed("olga", "olga_away")
    assert not any(people.is_member("#meetup", nick) for nick in ("alice", "bob", "olga"))
    assert people.is_member("#meetup", "olga_away")
