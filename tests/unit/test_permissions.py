"""Who may do what: one table for managing an event, creating one and configuring a channel.

Roles are always those seen from the channel the person writes in; ``home_channel`` says
whether the event was created in that channel.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.domain import Role, UserRef
from bot.permissions import (
    can_configure_channel,
    can_create_event,
    can_manage_event,
    same_person,
)

ORGANIZER = UserRef("telegram", "telegram", "100", "olga")
NOBODY: frozenset[Role] = frozenset()
ADMIN = frozenset({Role.ADMIN})
CHANNEL_ADMIN = frozenset({Role.CHANNEL_ADMIN})


def person(user_id: str, *, verified: bool = True) -> UserRef:
    return UserRef("telegram", "telegram", user_id, f"user {user_id}", verified)


@dataclass(frozen=True)
class Case:
    actor: UserRef
    roles: frozenset[Role]
    home_channel: bool
    manage: bool
    create: bool
    configure: bool


CASES = {
    "the organizer": Case(ORGANIZER, NOBODY, True, manage=True, create=True, configure=False),
    "the organizer, writing in another channel": Case(
        ORGANIZER, NOBODY, False, manage=True, create=True, configure=False
    ),
    "a config admin": Case(person("7"), ADMIN, False, manage=True, create=True, configure=True),
    "a channel admin of the channel it was created in": Case(
        person("8"), CHANNEL_ADMIN, True, manage=True, create=True, configure=True
    ),
    "a channel admin of another channel (one it is announced in too)": Case(
        person("9"), CHANNEL_ADMIN, False, manage=False, create=True, configure=True
    ),
    "a stranger in the channel it was created in": Case(
        person("10"), NOBODY, True, manage=False, create=True, configure=False
    ),
    "an unverified user": Case(
        person("11", verified=False), NOBODY, True, manage=False, create=False, configure=False
    ),
    "an unverified user using the organizer's id": Case(
        UserRef("telegram", "telegram", "100", "olga", verified=False),
        NOBODY,
        True,
        manage=False,
        create=False,
        configure=False,
    ),
    "an unverified user the adapter calls a channel admin": Case(
        person("12", verified=False),
        CHANNEL_ADMIN,
        True,
        manage=False,
        create=False,
        configure=False,
    ),
    "an unverified user listed as a config admin": Case(
        person("13", verified=False), ADMIN, True, manage=False, create=False, configure=False
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_who_may_manage_an_event(case: Case) -> None:
    allowed = can_manage_event(case.actor, ORGANIZER, case.roles, home_channel=case.home_channel)
    assert allowed is case.manage


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_who_may_create_an_event(case: Case) -> None:
    assert can_create_event(case.actor) is case.create


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_who_may_configure_the_channel_they_write_in(case: Case) -> None:
    assert can_configure_channel(case.actor, case.roles) is case.configure


def test_a_renamed_person_is_still_the_same_person() -> None:
    assert same_person(ORGANIZER, UserRef("telegram", "telegram", "100", "olga_renamed"))


def test_someone_using_the_organizers_name_is_not_the_organizer() -> None:
    impostor = UserRef("telegram", "telegram", "666", "olga")
    assert not same_person(ORGANIZER, impostor)
    assert not can_manage_event(impostor, ORGANIZER, NOBODY, home_channel=True)


def test_the_same_id_on_another_network_is_another_person() -> None:
    assert not same_person(ORGANIZER, UserRef("irc", "libera", "100", "olga"))
    assert not same_person(ORGANIZER, UserRef("telegram", "other", "100", "olga"))
