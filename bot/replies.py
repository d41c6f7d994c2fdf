"""Neutral replies: what the core wants to say, not how a network shows it.

A reply is lines of spans. Each adapter renders spans for its network (HTML-escaped on
Telegram, control characters removed on IRC, plain text on the console), so no user text
ever reaches a network unescaped.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace

from bot.domain import ChannelRef, EventView, PollView, UserRef


class Style(enum.StrEnum):
    PLAIN = "plain"
    BOLD = "bold"
    CODE = "code"  # literal text to type, already prefixed
    LINK = "link"
    # A command without its prefix ("rsvp 12"); the core adds the network's prefix before a
    # reply leaves it, so adapters only ever see CODE.
    COMMAND = "command"


class ReplyKind(enum.StrEnum):
    TEXT = "text"
    ERROR = "error"
    # An event card: adapters may add RSVP buttons for ``Reply.event``.
    EVENT_CARD = "event_card"
    # A date poll's tally: adapters may add a vote button per option of ``Reply.poll``.
    POLL_CARD = "poll_card"
    # Sent to a person or channel on the core's own initiative (promotion, cancellation).
    NOTICE = "notice"
    # A question to the sender (guided newevent); Telegram asks for a reply to it.
    PROMPT = "prompt"


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    style: Style = Style.PLAIN
    url: str = ""


Line = tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that goes with a reply. A network that takes files (Telegram) sends it with
    ``caption`` instead of the reply's lines; the others show the lines, which must do
    without the file (a link to it, or why there is none). The caption has no COMMAND
    spans: only the reply's lines get the network's prefix."""

    filename: str
    media_type: str
    content: bytes
    caption: tuple[Line, ...] = ()


@dataclass(frozen=True, slots=True)
class Reply:
    lines: tuple[Line, ...]
    kind: ReplyKind = ReplyKind.TEXT
    event: EventView | None = None
    poll: PollView | None = None
    attachment: Attachment | None = None

    @property
    def plain_text(self) -> str:
        return "\n".join("".join(span.text for span in line) for line in self.lines)


@dataclass(frozen=True, slots=True)
class Notice:
    """A reply the core sends on its own to a person or a channel."""

    target: UserRef | ChannelRef
    reply: Reply


SpanLike = Span | str


def line(*parts: SpanLike) -> Line:
    return tuple(p if isinstance(p, Span) else Span(p) for p in parts if p != "")


def bold(text: str) -> Span:
    return Span(text, Style.BOLD)


def code(text: str) -> Span:
    return Span(text, Style.CODE)


def cmd(text: str) -> Span:
    return Span(text, Style.COMMAND)


def link(text: str, url: str) -> Span:
    return Span(text, Style.LINK, url)


def reply(
    *lines: Line | str,
    kind: ReplyKind = ReplyKind.TEXT,
    event: EventView | None = None,
) -> Reply:
    return Reply(tuple(_as_line(x) for x in lines), kind, event)


def reply_lines(lines: Iterable[Line], kind: ReplyKind = ReplyKind.TEXT) -> Reply:
    return Reply(tuple(lines), kind)


def _as_line(value: Line | str) -> Line:
    return line(value) if isinstance(value, str) else value


def with_prefix(reply: Reply, prefix: str) -> Reply:
    """Give COMMAND spans the network's prefix (`/` or `!`): adapters only ever see CODE."""
    lines = tuple(
        tuple(
            Span(prefix + span.text, Style.CODE) if span.style is Style.COMMAND else span
            for span in spans
        )
        for spans in reply.lines
    )
    return replace(reply, lines=lines)
