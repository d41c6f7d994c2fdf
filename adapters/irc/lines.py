"""Text made safe and sized for IRC: no character that could end a line or start formatting,
and no line over the protocol's 512 bytes, counted in UTF-8 as the server counts them.

Every function here is pure; the adapter decides what to send and when.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

BOLD = "\x02"

# RFC 1459/2812: a line is at most 512 bytes including the trailing CR LF. IRCv3 message tags
# have a budget of their own, so they are not counted here.
MAX_LINE = 512
_CRLF = 2

# The server relays our PRIVMSG to everyone else with our full `nick!user@host` in front, and
# that prefix counts towards *their* 512 bytes, so it has to come out of ours. Before the
# server tells us our host we assume the longest prefix common servers allow:
# - user: USERLEN is 10 on solanum/charybdis, hybrid, UnrealIRCd and InspIRCd (maxident);
#   some servers put the `~` of a failed ident check in front of those 10, hence 11.
# - host: HOSTLEN is 63 on most servers, but InspIRCd's default maxhost is 64, and cloaks and
#   vhosts are cut to the same limit.
# Guessing a byte or two too many only makes a line split a little earlier; guessing too few
# gets the end of a line cut off by the server for everyone else.
WORST_USER_LEN = 11
WORST_HOST_LEN = 64

# Below this a piece could not hold a 4-byte character plus a bold marker on each side with
# room to spare, and no real target gets this close to 512 bytes anyway.
MIN_LIMIT = 16

# Line breaks become a space so that the words on either side stay apart; CR LF is one break.
# U+0085, U+2028 and U+2029 are line breaks to Unicode (and to str.splitlines), so some clients
# and bridges would break the line there too.
_BREAKS = r"\r\n|[\t\n\v\f\r\x85\u2028\u2029]"
# mIRC colour (\x03) and hex colour (\x04) take their arguments with them, or the digits would
# show up as text; a comma without digits after it is the user's comma.
_COLOURS = r"\x03(?:[0-9]{1,2}(?:,[0-9]{1,2})?)?|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?"
# Every other C0/C1 control and DEL, which includes the formatting codes \x02 \x0f \x11 \x16
# \x1d \x1e \x1f. Lone surrogates (from surrogateescape decoding) cannot be encoded as UTF-8
# and would fail at send time, after the line was already counted.
_CONTROLS = r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]"
_UNSAFE = re.compile(f"(?P<brk>{_BREAKS})|{_COLOURS}|{_CONTROLS}")
_UNSAFE_BUT_BOLD = re.compile(f"(?P<brk>{_BREAKS})|{_COLOURS}|(?!{BOLD}){_CONTROLS}")

_ZWJ = "\u200d"
_SKIN_TONES = ("\U0001f3fb", "\U0001f3ff")


def _replace(match: re.Match[str]) -> str:
    return " " if match.group("brk") else ""


def clean(text: str) -> str:
    """User text with nothing that could end an IRC line or start formatting: line breaks and
    tabs become a space, every other control character and formatting code goes. Idempotent."""
    return _UNSAFE.sub(_replace, text)


def bold(text: str) -> str:
    """User text cleaned and shown in bold: the only formatting the bot emits."""
    return f"{BOLD}{clean(text)}{BOLD}"


def payload_limit(source: str, command: str, target: str) -> int:
    """Bytes left for ``text`` in ``:{source} {command} {target} :{text}\\r\\n``.

    ``source`` is the bot's own ``nick!user@host`` as the server will put it in front of the
    line it relays (see :func:`worst_case_source` while the host is unknown). The result can
    be small or negative for absurd targets; :func:`split_text` refuses those."""
    head = f":{source} {command} {target} :"
    return MAX_LINE - _CRLF - len(head.encode("utf-8"))


def worst_case_source(nick: str) -> str:
    """A stand-in ``nick!user@host`` as long as the real one may be, for :func:`payload_limit`
    before the server has told us our host."""
    return f"{nick}!{'u' * WORST_USER_LEN}@{'h' * WORST_HOST_LEN}"


def split_text(text: str, limit: int) -> list[str]:
    """One line of text as pieces of at most ``limit`` UTF-8 bytes each.

    The text is cleaned first except for bold markers, so CR, LF and NUL can never reach the
    wire even if a caller forgot :func:`clean`. Pieces break at the last space that fits (the
    space is dropped), else between characters but not before a combining mark or inside an
    emoji ZWJ sequence when a piece can avoid it. A bold run still open at the end of a piece
    is closed there and reopened at the start of the next one, so every piece carries an even
    number of ``\\x02`` and stands alone. Blank pieces are left out: a blank text gives ``[]``.
    """
    if limit < MIN_LIMIT:
        raise ValueError(f"an IRC text piece needs at least {MIN_LIMIT} bytes, got {limit}")
    text = _UNSAFE_BUT_BOLD.sub(_replace, text)
    # Most texts fit whole: the one piece the walk below would give, without walking it
    # character by character (tens of microseconds a line, on every reply).
    open_at_end = text.count(BOLD) % 2 == 1
    if len(text.encode("utf-8")) + open_at_end <= limit:
        piece = _balanced(text.rstrip(" "), False, open_at_end)
        return [piece] if piece.strip(f" {BOLD}") else []
    pieces: list[str] = []
    start = 0
    open_at_start = False
    while start < len(text):
        end, resume = _cut(text, start, limit, open_at_start)
        open_at_end = open_at_start != (text.count(BOLD, start, end) % 2 == 1)
        piece = _balanced(text[start:end].rstrip(" "), open_at_start, open_at_end)
        if piece.strip(f" {BOLD}"):
            pieces.append(piece)
        start, open_at_start = resume, open_at_end
    return pieces


def _balanced(piece: str, open_at_start: bool, open_at_end: bool) -> str:
    # A piece cut right next to a marker would get an empty bold run; dropping the pair keeps
    # the parity and the look, and saves the bytes.
    marked = f"{BOLD if open_at_start else ''}{piece}{BOLD if open_at_end else ''}"
    return marked.replace(BOLD * 2, "")


def _cut(text: str, start: int, limit: int, bold_open: bool) -> tuple[int, int]:
    """Where the piece starting at ``start`` ends, and where the next one starts. The marker
    closing bold is counted as the walk goes, because whether one is needed depends on where
    the cut falls."""
    budget = limit - bold_open  # the marker reopening bold
    used = 0
    last_space = last_clean = last_any = start
    for index in range(start, len(text)):
        char = text[index]
        if index > start and used + bold_open <= budget:
            last_any = index
            if char == " ":
                last_space = index
            if _may_cut_before(text, index):
                last_clean = index
        used += len(char.encode("utf-8"))
        if used > budget:
            break
        if char == BOLD:
            bold_open = not bold_open
    else:
        if used + bold_open <= budget:
            return len(text), len(text)
    if last_space > start:
        return last_space, _skip_spaces(text, last_space)
    end = last_clean if last_clean > start else last_any
    return end, end


def _may_cut_before(text: str, index: int) -> bool:
    """Cutting here would not tear a mark from its base, a skin tone from its emoji or an
    emoji ZWJ sequence apart."""
    char, before = text[index], text[index - 1]
    return not (
        unicodedata.category(char).startswith("M")
        or _ZWJ in (char, before)
        or _SKIN_TONES[0] <= char <= _SKIN_TONES[1]
    )


def _skip_spaces(text: str, index: int) -> int:
    while index < len(text) and text[index] == " ":
        index += 1
    return index


def page(items: Sequence[T], max_items: int) -> tuple[list[T], int]:
    """The items to show and how many are left out, so that the shown items plus one
    "... and N more" line never exceed ``max_items`` lines."""
    if max_items < 1:
        raise ValueError("max_items must be at least 1")
    if len(items) <= max_items:
        return list(items), 0
    shown = list(items[: max_items - 1])
    return shown, len(items) - len(shown)
