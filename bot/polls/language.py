"""Arguments of `poll`, `vote` and `pick`, parsed from the text after the command name.

Pure, like bot.language.arguments: the times stay text until the poll's zone is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import UserError
from bot.language.arguments import EventFields, check_title, parse_fields
from bot.language.invocation import first_word

MIN_OPTIONS = 2
MAX_OPTIONS = 10
# Details of the event a poll turns into; the time comes from the option picked, and a poll
# of one-off times does not repeat.
EVENT_KEYS = ("where", "url", "description", "limit", "remind", "tz")
_OPTION_START = re.compile(r"[A-Za-z_]+=")
_CLEAR = frozenset({"none", "-", "clear", "off"})


@dataclass(frozen=True, slots=True)
class NewPollArgs:
    title: str
    options: tuple[str, ...]  # each a WHEN as typed
    fields: EventFields
    fields_text: str  # the options as typed, kept for the event (see PollRow.event_fields)


@dataclass(frozen=True, slots=True)
class ShowPollArgs:
    poll_id: int


@dataclass(frozen=True, slots=True)
class VoteArgs:
    poll_id: int
    positions: frozenset[int]  # empty: take back every vote


@dataclass(frozen=True, slots=True)
class PickArgs:
    poll_id: int
    position: int | None  # None: close the poll without an event


def parse_poll_id(text: str, command: str) -> int:
    token = text.strip()
    if not token:
        raise UserError("Which poll? Give its number.", command=command)
    if token.startswith("#"):
        raise UserError(
            f"Polls are numbered on their own, without #: {command} {token[1:][:9]} …",
            command=command,
        )
    if not token.isdigit():
        raise UserError(f"'{token[:20]}' is not a poll number.", command=command)
    if len(token) > 9:
        raise UserError(
            f"There is no poll {token[:12]}: poll numbers are shorter.", command=command
        )
    return int(token)


def parse_poll(rest: str) -> NewPollArgs | ShowPollArgs:
    rest = rest.strip()
    if "|" not in rest:
        if rest.isdigit() or rest.startswith("#"):
            return ShowPollArgs(parse_poll_id(rest, "poll"))
        raise UserError(
            "Give a title and 2 to 10 times, separated by |, or a poll's number to see it.",
            command="poll",
        )
    title, *parts = (part.strip() for part in rest.split("|"))
    if not title:
        raise UserError("The title is missing: give it before the first |.", command="poll")
    options: list[str] = []
    details: list[str] = []
    for part in parts:
        if _OPTION_START.match(part) or details:
            details.append(part)
        elif not part:
            raise UserError(f"Option {len(options) + 1} is empty.", command="poll")
        else:
            options.append(part)
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise UserError(
            f"A poll needs {MIN_OPTIONS} to {MAX_OPTIONS} times to choose from "
            f"(got {len(options)}).",
            command="poll",
        )
    fields_text = " ".join(details)
    fields = parse_fields(fields_text, "poll", known=EVENT_KEYS)
    other = [key for key in fields.given() if key not in EVENT_KEYS]
    if other:
        raise UserError(
            f"{other[0]}= does not go with a poll: each time is its own part (a range like "
            f"18:00-20:00 gives the end). Details: {', '.join(EVENT_KEYS)}.",
            command="poll",
        )
    return NewPollArgs(check_title(title, "poll"), tuple(options), fields, fields_text)


def parse_vote(rest: str) -> VoteArgs:
    head, tail = first_word(rest.strip())
    poll_id = parse_poll_id(head, "vote")
    words = tail.replace(",", " ").split()
    if not words:
        raise UserError(
            f"Which options? Give their numbers, e.g. vote {poll_id} 1 3, or vote {poll_id} none "
            "to take your votes back.",
            command="vote",
        )
    if len(words) == 1 and words[0].lower() in _CLEAR:
        return VoteArgs(poll_id, frozenset())
    positions: set[int] = set()
    for word in words:
        if not word.isdigit() or len(word) > 2 or int(word) < 1:
            raise UserError(
                f"'{word[:12]}' is not the number of an option in the poll (1, 2, …).",
                command="vote",
            )
        positions.add(int(word))
    return VoteArgs(poll_id, frozenset(positions))


def parse_pick(rest: str) -> PickArgs:
    head, tail = first_word(rest.strip())
    poll_id = parse_poll_id(head, "pick")
    tail = tail.strip()
    if not tail:
        raise UserError(f"Which option? Give its number, e.g. pick {poll_id} 2.", command="pick")
    if tail.lower() in _CLEAR:
        return PickArgs(poll_id, None)
    if not tail.isdigit() or len(tail) > 2 or int(tail) < 1:
        raise UserError(
            f"'{tail[:12]}' is not the number of an option in the poll: pick one, e.g. "
            f"pick {poll_id} 2, or close the poll without a date: pick {poll_id} none.",
            command="pick",
        )
    return PickArgs(poll_id, int(tail))
