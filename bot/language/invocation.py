"""Recognise a command in a chat line, in every form the networks use.

`/rsvp 3`, `!rsvp 3`, `/rsvp@GatherBot 3` and `gatherbot: rsvp 3` (or `gatherbot, rsvp 3`)
all become ``Invocation("rsvp", "3")``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIXES = ("!", "/")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}")


@dataclass(frozen=True, slots=True)
class Invocation:
    name: str  # lower-cased, as typed (may be an alias)
    rest: str  # everything after the name, stripped
    # The line named the bot (`/cmd@Bot`, `bot: cmd`): it was meant for us even in a group.
    named_bot: bool = False


def split_invocation(text: str, bot_name: str = "") -> Invocation | None:
    """Return the command in ``text``, or None when the line is not a command for this bot."""
    text = text.strip()
    named_bot = False
    if bot_name:
        addressed = _strip_address(text, bot_name)
        if addressed is not None:
            text, named_bot = addressed, True
    if text[:1] in PREFIXES:
        text = text[1:]
    elif not named_bot:
        return None
    head, rest = first_word(text)
    head, at, target = head.partition("@")
    if at and target.lower() != bot_name.lower():
        return None  # `/cmd@OtherBot` in a group with several bots
    if not _NAME.fullmatch(head):
        return None
    return Invocation(head.lower(), rest.strip(), named_bot or bool(at))


def first_word(text: str) -> tuple[str, str]:
    """`rsvp\n3 maybe` -> ("rsvp", "3 maybe"): a line break or a tab ends a word too (a
    Telegram message may put the arguments on the next line)."""
    for index, char in enumerate(text):
        if char.isspace():
            # Leading whitespace gives an empty word: `! wow` is chat, not the command `wow`.
            return text[:index], text[index:].strip()
    return text, ""


def _strip_address(text: str, bot_name: str) -> str | None:
    """`gatherbot: rsvp 3` -> `rsvp 3`; None when the line does not start with the bot's name."""
    match = re.match(rf"{re.escape(bot_name)}\s*[:,]\s*", text, re.IGNORECASE)
    return text[match.end() :] if match else None


def preferred_prefix(platform: str) -> str:
    """The prefix shown in help and examples: Telegram's command menu uses `/`."""
    return "/" if platform == "telegram" else "!"
