"""The page of a long list a person asks for: `events 2` or `events page 2`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.errors import UserError
from bot.replies import cmd

# More digits than any list could have pages; it also keeps the offset a database is given
# (page number times page size) far inside a 64-bit integer.
MAX_PAGE_DIGITS = 9

_NUMBER = re.compile(r"-?[0-9]+")


@dataclass(frozen=True, slots=True)
class PageArgs:
    number: int = 1  # counted from 1


def parse_page(command: str) -> Callable[[str], PageArgs]:
    """A parser for ``command [PAGE]``: nothing is the first page, `2` or `page 2` the
    second. Only whether it is a page number is checked here; whether the list is that long
    only the database knows."""

    def parse(rest: str) -> PageArgs:
        words = rest.split()
        if words and words[0].lower() == "page":
            words = words[1:]
            if not words:
                raise UserError("Which page? Give its number, e.g. ", cmd(f"{command} 2"), ".")
        if not words:
            return PageArgs()
        token = " ".join(words)
        shown = token if len(token) <= 20 else token[:20] + "…"
        if not _NUMBER.fullmatch(token):
            raise UserError(
                f"'{shown}' is not a page number: e.g. ",
                cmd(f"{command} 2"),
                " for the second page.",
            )
        if token.startswith("-") or not token.strip("0"):
            raise UserError(
                f"There is no page {shown}: the first is ",
                cmd(command),
                ", the second ",
                cmd(f"{command} 2"),
                ".",
            )
        if len(token.lstrip("0")) > MAX_PAGE_DIGITS:
            raise UserError(f"There is no page {shown}: no list is that long.")
        return PageArgs(int(token))

    return parse
