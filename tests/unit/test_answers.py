"""Reading what people answer after `rsvp ID`: keywords, answers said in words, guests."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import RsvpStatus
from bot.errors import UserError
from bot.language.answers import MAX_NOTE, Answer, read_answer

GOING, MAYBE, NO = RsvpStatus.GOING, RsvpStatus.MAYBE, RsvpStatus.NOT_GOING


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Keywords are the answer and stay out of the note.
        pytest.param("", Answer(GOING, None, None), id="nothing-is-yes"),
        pytest.param("yes running late", Answer(GOING, None, "running late"), id="yes-note"),
        pytest.param("Yes, running late", Answer(GOING, None, "running late"), id="yes-comma"),
        pytest.param("no sorry, ill", Answer(NO, None, "sorry, ill"), id="no-note"),
        pytest.param("maybe?", Answer(MAYBE, None, None), id="maybe-question"),
        pytest.param("?", Answer(MAYBE, None, None), id="question-mark"),
        pytest.param("nah", Answer(NO, None, None), id="nah"),
        # Answers said in words: the sentence is the note when more follows.
        pytest.param("not sure yet", Answer(MAYBE, None, "not sure yet"), id="not-sure"),
        pytest.param("not sure", Answer(MAYBE, None, None), id="not-sure-alone"),
        pytest.param(
            "no idea if I can come", Answer(MAYBE, None, "no idea if I can come"), id="no-idea"
        ),
        pytest.param("dunno", Answer(MAYBE, None, None), id="dunno"),
        pytest.param("can't make it", Answer(NO, None, None), id="cant-make-it"),
        pytest.param("can\u2019t make it", Answer(NO, None, None), id="curly-apostrophe"),
        pytest.param(
            "can't make it, sorry", Answer(NO, None, "can't make it, sorry"), id="cant-sorry"
        ),
        pytest.param("count me out", Answer(NO, None, None), id="count-me-out"),
        pytest.param("count me in", Answer(GOING, None, None), id="count-me-in"),
        pytest.param("not this time", Answer(NO, None, "not this time"), id="not-this-time"),
        pytest.param(
            "no worries, see you there",
            Answer(GOING, None, "no worries, see you there"),
            id="no-worries-is-not-no",
        ),
        pytest.param("sure thing", Answer(GOING, None, "sure thing"), id="sure-thing"),
        # Guests before or after the answer, or in the note.
        pytest.param("+2 maybe", Answer(MAYBE, 2, None), id="guests-first"),
        pytest.param("maybe +2 late", Answer(MAYBE, 2, "late"), id="guests-then-note"),
        pytest.param(
            "yes bringing my partner +1",
            Answer(GOING, 1, "bringing my partner +1"),
            id="guests-in-note",
        ),
        pytest.param(
            "bringing my partner (+1)",
            Answer(GOING, 1, "bringing my partner (+1)"),
            id="guests-in-brackets",
        ),
        pytest.param("+0", Answer(GOING, 0, None), id="no-guests"),
        pytest.param("bringing cake", Answer(GOING, None, "bringing cake"), id="note-only"),
    ],
)
def test_answers_are_read_as_meant(text: str, expected: Answer) -> None:
    assert read_answer(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("+1 +2", "Give the number of guests once ('+2' is one too many)", id="two"),
        pytest.param(
            "+1 my kid and her +1", "Give the number of guests once ('+1'", id="again-in-note"
        ),
        pytest.param("bringing +1 and +2", "Give the number of guests once", id="two-in-note"),
        pytest.param("-1", "'-1' is not a number of guests", id="negative"),
        pytest.param("+11", "At most +10 guests per person.", id="too-many"),
        pytest.param("yes no", "Give one answer, not two ('yes no')", id="two-answers"),
        pytest.param("not sure, can't make it", "Give one answer, not two", id="two-phrases"),
        pytest.param("x" * (MAX_NOTE + 1), "The note is too long (141 characters", id="long"),
    ],
)
def test_unclear_answers_are_refused(text: str, message: str) -> None:
    with pytest.raises(UserError) as refused:
        read_answer(text)
    assert str(refused.value).startswith(message)


@given(st.text(max_size=200))
def test_any_text_is_an_answer_or_a_clear_refusal(text: str) -> None:
    try:
        answer = read_answer(text)
    except UserError:
        return  # refused with a message; any other exception fails the test
    assert answer.note is None or 0 < len(answer.note) <= MAX_NOTE
    assert answer.guests is None or 0 <= answer.guests <= 10
    # The note is the person's own words: nothing is made up.
    assert answer.note is None or set(answer.note.split()) <= set(text.split())
