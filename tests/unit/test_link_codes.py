"""Link codes (bot.identity): what `link` hands out and what `link CODE` accepts."""

from __future__ import annotations

import hashlib

import pytest

from bot.identity import ALPHABET, CODE_LENGTH, code_hash, new_code, normalized, shown


def test_a_new_code_has_eight_characters_from_crockfords_alphabet() -> None:
    codes = {new_code() for _ in range(200)}
    assert all(len(c) == CODE_LENGTH and set(c) <= set(ALPHABET) for c in codes)
    assert len(codes) == 200  # from secrets: no two alike in a handful
    assert not set("ILOU") & set(ALPHABET)


def test_a_code_is_shown_with_a_dash_in_the_middle() -> None:
    assert shown("7KQ2M9XD") == "7KQ2-M9XD"


@pytest.mark.parametrize(
    "typed",
    ["7KQ2-M9XD", "7kq2-m9xd", "7KQ2M9XD", " 7kq2 m9xd ", "7KQ2 - M9XD"],
)
def test_dash_spaces_and_case_do_not_matter(typed: str) -> None:
    assert normalized(typed) == "7KQ2M9XD"


def test_letters_left_out_of_the_alphabet_read_as_the_digits_they_look_like() -> None:
    assert normalized("O1IL-ABCD") == "0111ABCD"


@pytest.mark.parametrize("typed", ["", "7KQ2-M9X", "7KQ2-M9XDD", "7KQ2-M9X!", "UUUU-UUUU"])
def test_what_cannot_be_a_code_is_not_one(typed: str) -> None:
    assert normalized(typed) is None


def test_only_the_sha256_of_a_code_is_kept() -> None:
    assert code_hash("7KQ2M9XD") == hashlib.sha256(b"7KQ2M9XD").hexdigest()
