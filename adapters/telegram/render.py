"""Replies as Telegram HTML: every piece of user text escaped, long replies split."""

from __future__ import annotations

import html

from bot.replies import Line, Reply, Style

MAX_MESSAGE = 4096
# A single line longer than a message is cut by its text, in pieces that stay under the limit
# even if every character needs escaping (`&quot;` is six characters).
_RAW_PIECE = MAX_MESSAGE // 6


def span_html(text: str, style: Style, url: str) -> str:
    escaped = html.escape(text, quote=False)
    if style is Style.BOLD:
        return f"<b>{escaped}</b>"
    if style in (Style.CODE, Style.COMMAND):
        return f"<code>{escaped}</code>"
    if style is Style.LINK and url:
        return f'<a href="{html.escape(url, quote=True)}">{escaped}</a>'
    return escaped


def line_html(spans: Line) -> str:
    return "".join(span_html(span.text, span.style, span.url) for span in spans)


def to_html(reply: Reply, extra_lines: tuple[str, ...] = ()) -> list[str]:
    """The reply as one or more HTML messages, split at line boundaries."""
    lines: list[str] = []
    for spans in reply.lines:
        rendered = line_html(spans)
        if len(rendered) <= MAX_MESSAGE:
            lines.append(rendered)
        else:
            raw = "".join(span.text for span in spans)
            lines += [
                html.escape(raw[i : i + _RAW_PIECE], quote=False)
                for i in range(0, len(raw), _RAW_PIECE)
            ]
    lines += extra_lines
    messages: list[str] = []
    current = ""
    for text in lines:
        candidate = f"{current}\n{text}" if current else text
        if len(candidate) > MAX_MESSAGE and current:
            messages.append(current)
            candidate = text
        current = candidate
    if current:
        messages.append(current)
    return messages
