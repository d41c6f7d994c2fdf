"""Who is who on one IRC connection: services accounts by nick, and channel operators.

A nick is not an identity (anyone can take a free nick), so an account comes only from the
server: the `account` tag on a message (account-tag), the JOIN of extended-join, ACCOUNT
lines (account-notify) and WHOX replies. A nick the server said nothing about is unverified.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from irc.strings import lower

# Modes that make someone an operator or better: owner (q, ~), admin (a, &), op (o, @).
OPERATOR_MODES = frozenset("qao")


def fold(name: str) -> str:
    """Nicks and channels compare case-insensitively, with RFC 1459's `[]\\~` = `{}|^`."""
    return str(lower(name))


@dataclass(slots=True)
class _Person:
    nick: str
    # The services account; None when the server said "not logged in" or said nothing.
    account: str | None = None
    channels: set[str] = field(default_factory=set)


class People:
    """What the server told us about the people in the channels the bot is in."""

    def __init__(self) -> None:
        self._people: dict[str, _Person] = {}
        # channel -> nick -> modes (o, v, ...)
        self._channels: dict[str, dict[str, set[str]]] = {}
        # Modes that come as a nick prefix in NAMES (@ -> o, + -> v), from ISUPPORT PREFIX.
        self.prefixes: dict[str, str] = {"@": "o", "+": "v"}

    def clear(self) -> None:
        """A new connection: nothing known survives a disconnect."""
        self._people.clear()
        self._channels.clear()

    # --- what the server says --------------------------------------------------------------

    def saw_account(self, nick: str, account: str | None) -> None:
        """ACCOUNT, a WHOX reply or a message's account tag; None means not logged in."""
        person = self._people.get(fold(nick))
        if person is not None:
            person.account = account

    def joined(self, channel: str, nick: str, account: str | None = None) -> None:
        """Someone joined (extended-join gives their account; a plain JOIN gives None)."""
        person = self._people.setdefault(fold(nick), _Person(nick))
        if account is not None or not person.channels:
            person.account = account
        person.channels.add(fold(channel))
        self._channels.setdefault(fold(channel), {}).setdefault(fold(nick), set())

    def names(self, channel: str, entries: list[str]) -> None:
        """A NAMES reply: `@alice`, `+bob`, `@+carol` (multi-prefix), `dave!u@h` (userhost)."""
        members = self._channels.setdefault(fold(channel), {})
        for entry in entries:
            modes = set()
            while entry and entry[0] in self.prefixes:
                modes.add(self.prefixes[entry[0]])
                entry = entry[1:]
            nick = entry.split("!", 1)[0]
            if nick:
                members[fold(nick)] = modes
                self._people.setdefault(fold(nick), _Person(nick)).channels.add(fold(channel))

    def mode(self, channel: str, sign: str, mode: str, nick: str) -> None:
        modes = self._channels.get(fold(channel), {}).get(fold(nick))
        if modes is not None:
            if sign == "+":
                modes.add(mode)
            else:
                modes.discard(mode)

    def left(self, channel: str, nick: str) -> None:
        """PART or KICK. Someone who shares no channel with the bot any more is forgotten:
        their ACCOUNT and NICK changes would no longer reach us."""
        key = fold(nick)
        self._channels.get(fold(channel), {}).pop(key, None)
        person = self._people.get(key)
        if person is not None:
            person.channels.discard(fold(channel))
            if not person.channels:
                del self._people[key]

    def we_left(self, channel: str) -> None:
        for key in self._channels.pop(fold(channel), {}):
            self.left(channel, key)

    def quit(self, nick: str) -> None:
        key = fold(nick)
        for members in self._channels.values():
            members.pop(key, None)
        self._people.pop(key, None)

    def renamed(self, old: str, new: str) -> None:
        person = self._people.pop(fold(old), None)
        if person is not None:
            person.nick = new
            self._people[fold(new)] = person
        for members in self._channels.values():
            modes = members.pop(fold(old), None)
            if modes is not None:
                members[fold(new)] = modes

    # --- what the adapter asks -------------------------------------------------------------

    def account(self, nick: str) -> str | None:
        """The services account the server reported for ``nick``, or None."""
        person = self._people.get(fold(nick))
        return None if person is None else person.account

    def nick_of(self, account: str) -> str | None:
        """The nick of someone logged in as ``account`` (to reach them privately)."""
        folded = fold(account)
        for person in self._people.values():
            if person.account is not None and fold(person.account) == folded:
                return person.nick
        return None

    def is_member(self, channel: str, nick: str) -> bool:
        return fold(nick) in self._channels.get(fold(channel), {})

    def is_operator(self, channel: str, nick: str) -> bool:
        modes = self._channels.get(fold(channel), {}).get(fold(nick), set())
        return bool(modes & OPERATOR_MODES)
