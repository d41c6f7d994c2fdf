"""Replies as IRC lines: user text cleaned of control characters, every line within 512 bytes,
and long replies in a channel cut short with a pointer to the whole reply in private."""

from __future__ import annotations

from collections.abc import Callable

from adapters.irc.lines import bold, clean, page, split_text
from bot.replies import Reply, Style


def reply_texts(reply: Reply, *, use_bold: bool) -> list[str]:
    """One text per reply line; IRC has no empty messages, so blank lines go."""
    texts = []
    for spans in reply.lines:
        parts = []
        for span in spans:
            if span.style is Style.BOLD and use_bold:
                parts.append(bold(span.text))
            elif span.style is Style.LINK and span.url and span.url != span.text:
                parts.append(f"{clean(span.text)} <{clean(span.url)}>")
            else:
                parts.append(clean(span.text))
        text = "".join(parts)
        if text.strip():
            texts.append(text.rstrip())
    return texts


def fit(
    texts: list[str], limit: int, *, max_lines: int | None, more: Callable[[int], str]
) -> list[str]:
    """Split every text into pieces of at most ``limit`` bytes. With ``max_lines`` (a reply
    in a channel), a longer reply keeps its first lines and ends with ``more(hidden)``, a
    line saying how many lines were left out and where to see them."""
    pieces = [piece for text in texts for piece in split_text(text, limit)]
    if max_lines is None:
        return pieces
    shown, hidden = page(pieces, max_lines)
    if not hidden:
        return shown
    return shown + split_text(clean(more(hidden)), limit)[:1]
