"""Seat rules, kept pure so they can be tested without a database.

Capacity counts people plus their guests. The waitlist is served first come, first served;
a party that does not fit yet keeps its place while smaller parties behind it may take the
seats that are left ("first fit"), so no seat stays empty while someone who fits is waiting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


def fits(capacity: int | None, taken: int, seats: int) -> bool:
    return capacity is None or taken + seats <= capacity


@dataclass(frozen=True, slots=True)
class Party(Generic[T]):
    key: T
    seats: int


def promotions(capacity: int | None, taken: int, waitlist: Sequence[Party[T]]) -> list[T]:
    """Who moves from the waitlist to going, in waitlist order."""
    promoted: list[T] = []
    for party in waitlist:
        if fits(capacity, taken, party.seats):
            promoted.append(party.key)
            taken += party.seats
    return promoted
