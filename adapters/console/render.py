"""Plain-text rendering for the terminal."""

from __future__ import annotations

import re

from bot.replies import Reply, Style

# Terminal control sequences in user text could move the cursor or recolour the screen.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def render_plain(reply: Reply) -> str:
    lines = []
    for spans in reply.lines:
        parts = []
        for span in spans:
            text = _CONTROL.sub("", span.text)
            if span.style is Style.LINK and span.url and span.url != span.text:
                text = f"{text} <{_CONTROL.sub('', span.url)}>"
            parts.append(text)
        lines.append("".join(parts))
    return "\n".join(lines)
