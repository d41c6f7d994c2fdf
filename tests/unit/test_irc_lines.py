"""IRC text: nothing a user types can end a line or start formatting, and no line the bot
sends is longer than the server accepts, whatever the text and wherever it is cut."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.irc.lines import (
    BOLD,
    MAX_LINE,
    bold,
    clean,
    page,
    payload_limit,
    split_text,
    worst_case_source,
)

SOURCE = "gatherbot!~gatherbot@127.0.0.1"
CHANNEL = "#gatherings"

# Characters that matter to IRC or to splitting, mixed into arbitrary text more often than
# st.characters() alone would pick them.
_AWKWARD = [
    "\r", "\n", "\r\n", "\x00", "\t", "\x01", "\x02", "\x03", "\x0312", "\x0304,12", "\x03,5",
    "\x04", "\x04ff00AA", "\x0f", "\x11", "\x16", "\x1d", "\x1e", "\x1f", "\x7f", "\x85", "\x9b",
    "\u2028", "\u2029", " ", "  ", "é", "e\u0301", "日本語", "👩\u200d👩\u200d👧", "👍🏽", "\ufe0f",
    "QUIT :bye", "PRIVMSG #x :hi",
]  # fmt: skip
texts = st.lists(st.one_of(st.text(), st.sampled_from(_AWKWARD)), max_size=40).map("".join)
limits = st.integers(min_value=16, max_value=500)


def _unsafe(char: str) -> bool:
    """Control characters (C0, DEL, C1), Unicode line breaks and surrogates."""
    return unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs")


def _bold_runs(pieces: list[str]) -> list[tuple[str, bool]]:
    """Each visible character with whether it shows in bold; every piece starts plain, as
    every IRC message does."""
    runs = []
    for piece in pieces:
        on = False
        for char in piece:
            if char == BOLD:
                on = not on
            elif char != " ":
                runs.append((char, on))
    return runs


def _rejoins(pieces: list[str], text: str) -> bool:
    """``text`` is the pieces in order, with only spaces (or nothing) between them."""
    plain = [piece.replace(BOLD, "") for piece in pieces]
    pattern = " *" + " *".join(re.escape(piece) for piece in plain) + " *"
    return re.fullmatch(pattern, text.replace(BOLD, ""), flags=re.DOTALL) is not None


# --- clean -------------------------------------------------------------------------------------


@given(texts)
def test_clean_leaves_no_control_character_line_break_or_formatting(text: str) -> None:
    cleaned = clean(text)
    assert not any(_unsafe(char) for char in cleaned)
    cleaned.encode("utf-8")


@given(texts)
def test_clean_is_idempotent(text: str) -> None:
    assert clean(clean(text)) == clean(text)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Coffee\r\nQUIT :bye", "Coffee QUIT :bye"),
        ("a\nb\rc\td", "a b c d"),
        ("line\u2028break\u2029para\x85next", "line break para next"),
        ("\x02b\x02 \x1di\x1d \x1fu\x1f \x1es\x1e \x11m\x11 \x16r\x16\x0f", "b i u s m r"),
        ("\x0304red\x03 \x0304,12on blue\x0f", "red on blue"),
        ("\x03,5 stays", ",5 stays"),
        ("\x0312,x", ",x"),
        ("\x04FF0000hex\x04 \x04ff0000,00ff00both", "hex both"),
        ("\x16rev\x16 nul\x00 del\x7f c1\x9b", "rev nul del c1"),
        ("\ud800lone surrogate", "lone surrogate"),
        ("café 日本語 👩\u200d👩\u200d👧", "café 日本語 👩\u200d👩\u200d👧"),
    ],
)  # fmt: skip
def test_clean_turns_breaks_into_spaces_and_drops_codes(raw: str, shown: str) -> None:
    assert clean(raw) == shown


def test_bold_wraps_cleaned_text_in_one_pair_of_markers() -> None:
    assert bold("\x02Coffee\r\n") == "\x02Coffee \x02"


# --- split_text --------------------------------------------------------------------------------


@given(texts, limits)
def test_every_piece_fits_the_limit_and_is_whole_utf8(text: str, limit: int) -> None:
    for piece in split_text(clean(text), limit):
        encoded = piece.encode("utf-8")
        assert len(encoded) <= limit
        assert encoded.decode("utf-8") == piece


@given(texts, limits)
def test_no_piece_can_end_a_line_or_is_blank(text: str, limit: int) -> None:
    for piece in split_text(text, limit):  # even uncleaned text: split_text cleans it too
        assert not any(_unsafe(char) for char in piece.replace(BOLD, ""))
        assert piece.strip(f" {BOLD}")


@given(texts, limits)
def test_the_pieces_are_the_text_less_the_spaces_they_were_split_at(text: str, limit: int) -> None:
    cleaned = clean(text)
    pieces = split_text(cleaned, limit)
    assert _rejoins(pieces, cleaned)


# Long spans and small limits, so that pieces often end and start inside a bold run.
_spans = st.one_of(texts, st.text(alphabet="ab é日👍", min_size=10, max_size=80))


@given(
    st.lists(st.tuples(_spans, st.booleans()), max_size=8),
    st.one_of(st.integers(min_value=16, max_value=40), limits),
)
def test_bold_text_stays_bold_across_pieces_and_each_piece_closes_it(
    spans: list[tuple[str, bool]], limit: int
) -> None:
    text = "".join(bold(span) if is_bold else clean(span) for span, is_bold in spans)
    pieces = split_text(text, limit)
    assert all(len(piece.encode()) <= limit for piece in pieces)
    assert all(piece.count(BOLD) % 2 == 0 for piece in pieces)
    assert _rejoins(pieces, text)
    assert _bold_runs(pieces) == _bold_runs([text])


@given(st.lists(st.text(alphabet="abc日👍", min_size=1, max_size=30), min_size=1), limits)
def test_text_is_split_at_spaces_when_words_fit(words: list[str], limit: int) -> None:
    pieces = split_text(" ".join(words), max(limit, 4 * 30))
    assert [word for piece in pieces for word in piece.split(" ")] == words


_combining = st.characters(categories=["Mn", "Mc", "Me"])
_clusters = st.tuples(st.sampled_from("aeoxё日 "), st.lists(_combining, max_size=3)).map(
    lambda cluster: cluster[0] + ("" if cluster[0] == " " else "".join(cluster[1]))
)


@given(st.lists(_clusters, min_size=1, max_size=200).map("".join), limits)
def test_a_combining_mark_stays_with_its_base(text: str, limit: int) -> None:
    for piece in split_text(text, limit):
        assert not unicodedata.category(piece[0]).startswith("M")


def test_a_base_with_more_marks_than_fit_is_cut_between_marks_rather_than_overflow() -> None:
    text = "a" + "\u0301" * 100 + " b"
    pieces = split_text(text, 16)
    assert all(len(piece.encode()) <= 16 for piece in pieces)
    assert _rejoins(pieces, text)
    assert pieces[0].startswith("a\u0301")


@pytest.mark.parametrize("limit", [0, 1, 15])
def test_a_limit_too_small_for_any_text_is_refused(limit: int) -> None:
    with pytest.raises(ValueError, match="at least 16"):
        split_text("hello", limit)


@pytest.mark.parametrize("text", ["", " ", "   ", "\r\n", "\x02\x02", "\x02 \x02", "\x0304"])
def test_blank_text_gives_no_pieces(text: str) -> None:
    assert split_text(text, 100) == []


def test_a_title_with_a_line_break_cannot_smuggle_a_command() -> None:
    title = "Coffee\r\nQUIT :pwned\r\nPRIVMSG #other :spam"
    text = f"Created #1 {bold(title)} · Sun 18:00 · {clean(title)}"
    wire = "".join(
        f"PRIVMSG {CHANNEL} :{piece}\r\n"
        for piece in split_text(text, payload_limit(SOURCE, "PRIVMSG", CHANNEL))
    )
    lines = wire.split("\r\n")[:-1]
    assert lines
    assert all(line.startswith(f"PRIVMSG {CHANNEL} :") for line in lines)
    assert not any("\r" in line or "\n" in line for line in lines)


def test_a_long_text_becomes_lines_the_server_relays_whole() -> None:
    text = " ".join(f"word{n}" for n in range(600))
    assert len(text.encode()) > 3000
    limit = payload_limit(SOURCE, "PRIVMSG", CHANNEL)
    pieces = split_text(text, limit)
    # Only the last piece may be short of the limit by more than one word and its space.
    assert all(len(piece.encode()) > limit - len("word599 ") for piece in pieces[:-1])
    for piece in pieces:
        relayed = f":{SOURCE} PRIVMSG {CHANNEL} :{piece}\r\n".encode()
        assert len(relayed) <= MAX_LINE
    assert " ".join(pieces) == text


def test_multibyte_text_is_never_cut_inside_a_character_or_an_emoji_sequence() -> None:
    family = "👩\u200d👩\u200d👧"
    words = ["é", "日本語", family, "👍🏽", "e\u0301"] * 40
    for limit in range(18, 60):  # the family emoji alone is 18 bytes
        pieces = split_text(" ".join(words), limit)
        assert [word for piece in pieces for word in piece.split(" ")] == words
        unspaced = split_text("".join(words), limit)
        assert "".join(unspaced) == "".join(words)
        assert all(not piece.startswith(("\u200d", "\U0001f3fd", "\u0301")) for piece in unspaced)


def test_a_run_of_cjk_is_cut_hard_at_character_boundaries() -> None:
    text = "日本語" * 100
    pieces = split_text(text, 16)
    assert "".join(pieces) == text
    assert all(len(piece.encode()) == 15 for piece in pieces)  # five 3-byte characters


def test_the_closing_bold_marker_counts_towards_the_limit() -> None:
    pieces = split_text(bold("x" * 40), 16)
    assert pieces == [BOLD + "x" * 14 + BOLD] * 2 + [BOLD + "x" * 12 + BOLD]


# --- sizes -------------------------------------------------------------------------------------


def test_the_payload_limit_fills_a_relayed_line_to_exactly_512_bytes() -> None:
    limit = payload_limit(SOURCE, "PRIVMSG", CHANNEL)
    relayed = f":{SOURCE} PRIVMSG {CHANNEL} :{'x' * limit}\r\n".encode()
    assert len(relayed) == MAX_LINE
    assert limit == 512 - len(f":{SOURCE} PRIVMSG {CHANNEL} :\r\n")


def test_the_worst_case_source_is_at_least_as_long_as_any_real_one() -> None:
    real = f"gatherbot!~{'u' * 10}@{'h' * 63}"
    assert len(worst_case_source("gatherbot")) >= len(real)
    assert payload_limit(worst_case_source("gatherbot"), "PRIVMSG", CHANNEL) <= payload_limit(
        real, "PRIVMSG", CHANNEL
    )


# --- page --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "max_items", "shown", "hidden"),
    [(0, 3, 0, 0), (3, 3, 3, 0), (4, 3, 2, 2), (10, 1, 0, 10), (10, 5, 4, 6)],
)
def test_page_leaves_room_for_the_and_more_line(
    count: int, max_items: int, shown: int, hidden: int
) -> None:
    items = [f"line {n}" for n in range(count)]
    visible, left_out = page(items, max_items)
    assert visible == items[:shown]
    assert left_out == hidden
    assert len(visible) + (1 if left_out else 0) <= max_items


def test_page_refuses_to_show_nothing() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        page(["a"], 0)
