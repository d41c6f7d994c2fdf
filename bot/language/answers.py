"""What someone answers after `rsvp ID`: yes, maybe or no, how many guests, and a note.

People answer in words as well as keywords (`can't make it`, `not sure yet`, `count me out`),
and a misread answer is worse than a refused one: `no idea if I can come` is a maybe, not a
no with the note "idea if I can come". So whole phrases are matched before single words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain import RsvpStatus
from bot.errors import UserError
from bot.replies import cmd

MAX_GUESTS = 10
MAX_NOTE = 140

_GOING, _MAYBE, _NO = RsvpStatus.GOING, RsvpStatus.MAYBE, RsvpStatus.NOT_GOING

# Keywords: the answer alone, left out of the note (`yes running late` notes "running late").
_KEYWORDS = {
    **dict.fromkeys(
        ("yes", "y", "yeah", "yep", "yup", "ok", "okay", "going", "go", "attending"),
        _GOING,
    ),
    **dict.fromkeys(("maybe", "m", "perhaps", "?", "tentative"), _MAYBE),
    **dict.fromkeys(("no", "n", "nope", "nah"), _NO),
}
# Words and phrases that start a sentence: with more after them the whole sentence is the
# note, as written ("can't make it, sorry"). Longer phrases are tried first, so `not sure`
# is a maybe before `not` is a no.
_PHRASES = {
    **dict.fromkeys(
        (
            "in", "sure", "i'm in", "im in", "count me in", "i'll be there", "ill be there",
            "no problem", "no worries",
        ),
        _GOING,
    ),
    **dict.fromkeys(
        ("not sure", "unsure", "no idea", "don't know", "dont know", "dunno", "idk"), _MAYBE
    ),
    **dict.fromkeys(
        (
            "not", "out", "i'm out", "im out", "count me out", "can't", "cant", "cannot",
            "won't", "wont", "not going", "not coming", "can't make it", "cant make it",
            "can't come", "cant come",
        ),
        _NO,
    ),
}  # fmt: skip
_LONGEST_PHRASE = max(len(phrase.split()) for phrase in _PHRASES)
_GUESTS = re.compile(r"\+(\d+)")
_LOOKS_LIKE_GUESTS = re.compile(r"\+|-\d")
# What may stick to a word in a sentence: `no, sorry`, `(+1)`, `maybe!`.
_PUNCTUATION = ",.!;:()[]"


@dataclass(frozen=True, slots=True)
class Answer:
    status: RsvpStatus
    guests: int | None  # None: not said (keep what the person had)
    note: str | None  # None: no note given


def read_answer(text: str) -> Answer:
    """`maybe +2 running late`, `can't make it`, `yes, bringing my partner +1`..."""
    words = text.split()
    status, guests, seen_status, position = _GOING, None, False, 0
    sentence_from: int | None = None  # where a phrase kept in the note starts
    while position < len(words):
        answer = None if seen_status else _answer_at(words, position)
        if answer is not None:
            status, length, keyword = answer
            if not keyword:
                sentence_from = position
            seen_status, position = True, position + length
            continue
        word = _bare(words[position])
        if guests is None and _GUESTS.fullmatch(word):
            guests = _guest_count(word)
        elif _LOOKS_LIKE_GUESTS.match(word):
            # `-1`, `+1.5`, `+abc` are meant as guests; storing them as a note would hide that.
            raise _not_guests(word, guests is not None)
        else:
            break
        position += 1
    rest = words[position:]
    if seen_status and _is_answer(rest):
        raise UserError(
            f"Give one answer, not two ('{text.strip()[:30]}'); a note goes after it: ",
            cmd("rsvp 12 yes running late"),
            command="rsvp",
        )
    guests = _guests_in_note(rest, guests)
    # A phrase with nothing after it is only the answer (`can't make it`); with more, the
    # note is the sentence as written (`can't make it, sorry`).
    note = " ".join(words[sentence_from:] if sentence_from is not None and rest else rest)
    if len(note) > MAX_NOTE:
        raise UserError(
            f"The note is too long ({len(note)} characters, at most {MAX_NOTE}).", command="rsvp"
        )
    return Answer(status, guests, note or None)


def _is_answer(words: list[str]) -> bool:
    said = " ".join(map(_bare, words))
    return said in _PHRASES or said in _KEYWORDS


def _answer_at(words: list[str], position: int) -> tuple[RsvpStatus, int, bool] | None:
    """The answer that starts at ``words[position]``: (status, how many words, keyword?)."""
    for length in range(min(_LONGEST_PHRASE, len(words) - position), 0, -1):
        phrase = " ".join(_bare(word) for word in words[position : position + length])
        if phrase in _PHRASES:
            return _PHRASES[phrase], length, False
    first = _bare(words[position])
    return (_KEYWORDS[first], 1, True) if first in _KEYWORDS else None


def _guests_in_note(rest: list[str], guests: int | None) -> int | None:
    """`yes bringing my partner +1` counts the partner: a `+N` in the note is the guests,
    unless they were given already (then it is one number too many)."""
    found = [word for word in map(_bare, rest) if _GUESTS.fullmatch(word)]
    if not found:
        return guests
    if guests is not None or len(found) > 1:
        raise _not_guests(found[-1], True)
    return _guest_count(found[0])


def _guest_count(word: str) -> int:
    guests = int(word[1:])
    if guests > MAX_GUESTS:
        raise UserError(f"At most +{MAX_GUESTS} guests per person.", command="rsvp")
    return guests


def _not_guests(word: str, already: bool) -> UserError:
    if already:
        return UserError(
            f"Give the number of guests once ('{word[:12]}' is one too many), e.g. ",
            cmd("rsvp 12 +2 bringing my kids"),
            command="rsvp",
        )
    return UserError(
        f"'{word[:12]}' is not a number of guests: write +1, +2 … (or +0 for none).",
        command="rsvp",
    )


def _bare(word: str) -> str:
    """The word lower-cased, without the punctuation a sentence puts on it (a lone `?` stays:
    it is an answer)."""
    bare = word.lower().replace("\u2019", "'").strip(_PUNCTUATION)  # phones type can\u2019t
    return bare.rstrip("?") or bare
