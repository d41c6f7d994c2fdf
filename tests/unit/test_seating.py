"""Seat rules: capacity counts people plus guests; the waitlist is served first fit, in order."""

from __future__ import annotations

import pytest

from bot.seating import Party, fits, promotions


@pytest.mark.parametrize(
    ("capacity", "taken", "seats", "expected"),
    [
        pytest.param(None, 0, 1, True, id="no limit, empty"),
        pytest.param(None, 10_000, 11, True, id="no limit, crowded"),
        pytest.param(10, 0, 1, True, id="empty event"),
        pytest.param(10, 9, 1, True, id="the last seat"),
        pytest.param(10, 8, 2, True, id="a party that fills it exactly"),
        pytest.param(10, 9, 2, False, id="a party one seat too big"),
        pytest.param(10, 10, 1, False, id="full"),
        pytest.param(10, 12, 1, False, id="over full after the limit was lowered"),
    ],
)
def test_a_party_fits_when_its_seats_do_not_exceed_the_limit(
    capacity: int | None, taken: int, seats: int, *, expected: bool
) -> None:
    assert fits(capacity, taken, seats) is expected


def waitlist(*parties: tuple[str, int]) -> list[Party[str]]:
    return [Party(name, seats) for name, seats in parties]


def test_nobody_moves_up_from_an_empty_waitlist() -> None:
    assert promotions(10, 3, []) == []


def test_nobody_moves_up_while_the_event_is_full() -> None:
    assert promotions(2, 2, waitlist(("ann", 1), ("ben", 1))) == []


def test_the_waitlist_is_served_in_order_until_the_seats_run_out() -> None:
    parties = waitlist(("ann", 1), ("ben", 1), ("cat", 1), ("dan", 1))
    assert promotions(5, 3, parties) == ["ann", "ben"]


def test_guests_take_seats_when_promoting() -> None:
    parties = waitlist(("ann", 2), ("ben", 1), ("cat", 1))
    assert promotions(4, 1, parties) == ["ann", "ben"]


def test_a_party_that_does_not_fit_keeps_its_place_while_a_smaller_one_behind_it_is_seated() -> (
    None
):
    parties = waitlist(("ann", 3), ("ben", 1), ("cat", 2), ("dan", 1))
    # Two seats free: ann (3) does not fit, ben (1) does, cat (2) no longer does, dan (1) does.
    assert promotions(4, 2, parties) == ["ben", "dan"]


def test_the_head_of_the_waitlist_is_seated_first_when_both_fit() -> None:
    parties = waitlist(("ann", 2), ("ben", 2))
    assert promotions(4, 2, parties) == ["ann"]


def test_removing_the_limit_seats_the_whole_waitlist_in_order() -> None:
    parties = waitlist(("ann", 4), ("ben", 1), ("cat", 11))
    assert promotions(None, 50, parties) == ["ann", "ben", "cat"]


def test_nobody_moves_up_while_the_event_is_over_full() -> None:
    assert promotions(3, 5, waitlist(("ann", 1))) == []
