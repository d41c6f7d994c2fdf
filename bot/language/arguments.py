"""Typed arguments of every command, parsed from the text after the command name.

Parsing here is pure: it needs no database and no clock. Times stay as text until the core
resolves them in the right zone (see bot.when).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, timedelta

from bot.domain import RsvpStatus
from bot.errors import UserError
from bot.language.answers import MAX_NOTE, read_answer
from bot.language.durations import parse_offsets
from bot.language.invocation import first_word
from bot.language.repeat import parse_repeat, split_every
from bot.language.text import is_blank
from bot.replies import cmd
from bot.when import parse_zone

MAX_TITLE = 100
MAX_PLACE = 200
MAX_URL = 500
MAX_DESCRIPTION = 1000
MAX_REASON = 300
MAX_CAPACITY = 100_000

_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_UNLIMITED = frozenset({"none", "off", "no", "unlimited", "-"})
# What clears a text field in `edit` (a place called "none" is not one anybody means).
_NOTHING = frozenset({"none", "-", ""})


@dataclass(frozen=True, slots=True)
class EventFields:
    """The fields `newevent` options and `edit` may set; None means "not given"."""

    title: str | None = None
    when: str | None = None
    ends: str | None = None
    where: str | None = None
    url: str | None = None
    description: str | None = None
    tz: str | None = None
    # `limit=none` removes the limit: ``capacity_given`` tells it from "not given".
    capacity: int | None = None
    capacity_given: bool = False
    reminders: tuple[timedelta, ...] | None = None
    repeat: str | None = None

    def given(self) -> list[str]:
        names = [f.name for f in fields(self) if f.name not in ("capacity", "capacity_given")]
        given = [name for name in names if getattr(self, name) is not None]
        return [*given, "limit"] if self.capacity_given else given


OPTION_KEYS = (
    "title",
    "when",
    "ends",
    "where",
    "url",
    "description",
    "tz",
    "limit",
    "remind",
    "repeat",
)
_KEY_ALIASES = {
    "venue": "where",
    "place": "where",
    "end": "ends",
    "capacity": "limit",
    "max": "limit",
    "timezone": "tz",
    "reminders": "remind",
    "desc": "description",
    "start": "when",
    "link": "url",
    "name": "title",
}


@dataclass(frozen=True, slots=True)
class NewEventArgs:
    title: str
    when: str
    fields: EventFields


@dataclass(frozen=True, slots=True)
class EventIdArgs:
    event_id: int
    # `12@2026-12-12`: that date of a repeating event; None: its next one.
    occurrence: str | None = None


@dataclass(frozen=True, slots=True)
class RsvpArgs:
    event_id: int
    status: RsvpStatus
    guests: int | None = None  # None: keep what the person had (0 for a first RSVP)
    note: str | None = None  # None: keep the note
    occurrence: str | None = None  # as in EventIdArgs


@dataclass(frozen=True, slots=True)
class EditArgs:
    event_id: int
    fields: EventFields


@dataclass(frozen=True, slots=True)
class RemindArgs:
    event_id: int
    wanted: bool  # False for `remindme ID off`


@dataclass(frozen=True, slots=True)
class CancelArgs:
    event_id: int
    reason: str
    # `12@2026-12-12`: one date of a repeating event; `12@all`: the whole series.
    occurrence: str | None = None


@dataclass(frozen=True, slots=True)
class ZoneArgs:
    zone: str | None  # None: show the current zone


@dataclass(frozen=True, slots=True)
class HelpArgs:
    topic: str | None


@dataclass(frozen=True, slots=True)
class NoArgs:
    pass


def parse_no_args(rest: str) -> NoArgs:
    return NoArgs()


def parse_event_id(text: str, command: str) -> int:
    token = text.strip().removeprefix("#")
    if not token:
        raise UserError("Which event? Give its number.", command=command)
    number, at, _ = token.partition("@")
    if at and number.isdigit():
        raise UserError(
            f"{command} is about every date of an event: give the number alone, e.g. {number}.",
            command=command,
        )
    if token.isdigit() and len(token) > 9:
        shown = token if len(token) <= 12 else token[:12] + "…"
        raise UserError(f"There is no event #{shown}: event numbers are shorter.", command=command)
    if not token.isdigit():
        raise UserError(f"'{text.strip()[:20]}' is not an event number.", command=command)
    return int(token)


def _split_id(rest: str, command: str) -> tuple[int, str]:
    head, tail = first_word(rest.strip())
    return parse_event_id(head, command), tail.strip()


_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_SPACED_DATE = re.compile(r"^(#?\d+)(?:\s*@\s*|\s+(?=\d{4}-\d{2}-\d{2}(?:\s|$)))")


def split_target(
    rest: str, command: str, *, whole_series: bool = False
) -> tuple[int, str | None, str]:
    """`12@2026-12-12 maybe` -> (12, "2026-12-12", "maybe"); without `@`, (12, None, ...).
    With ``whole_series``, `12@all` is allowed too. `12 @2026-12-12` and `12 2026-12-12`
    mean the same date: read as a note, it would answer for the next date instead."""
    head, tail = first_word(_SPACED_DATE.sub(r"\1@", rest.strip(), count=1))
    number, at, which = head.partition("@")
    event_id = parse_event_id(number, command)
    if not at:
        return event_id, None, tail.strip()
    if whole_series and which.lower() == "all":
        return event_id, "all", tail.strip()
    match = _DATE.fullmatch(which)
    if match is not None:
        try:
            date(*(int(part) for part in match.groups()))
        except ValueError:
            raise UserError(f"'{which}' is not a date on the calendar.", command=command) from None
    else:
        also = f" or {event_id}@all for every date" if whole_series else ""
        raise UserError(
            f"'{head[:30]}': after @ comes a date of the event as YYYY-MM-DD{also}; ",
            cmd(f"event {event_id}"),
            " lists its dates.",
            command=command,
        )
    return event_id, which, tail.strip()


def parse_event_only(command: str) -> Callable[[str], EventIdArgs]:
    def parse(rest: str) -> EventIdArgs:
        event_id, occurrence, tail = split_target(rest, command)
        if tail:
            raise UserError(f"Unexpected '{tail[:30]}' after the event number.", command=command)
        return EventIdArgs(event_id, occurrence)

    return parse


@dataclass(frozen=True, slots=True)
class GuidedNewEvent:
    """`newevent` alone: ask for the details one by one."""


def parse_newevent(rest: str) -> NewEventArgs | GuidedNewEvent:
    if not rest.strip():
        return GuidedNewEvent()
    parts = [p.strip() for p in rest.split("|")]
    if len(parts) >= 2 and not parts[0] and parts[1]:
        raise UserError("The title is missing: give it before the first |.", command="newevent")
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise UserError("Give at least a title and a time, separated by |.", command="newevent")
    title, when, *more = parts
    where = ""
    if more and not _starts_with_option(more[0]):
        where = more.pop(0)
    options = _parse_options(" ".join(more), command="newevent")
    for key in ("title", "when"):
        if key in options:
            raise UserError(f"Give the {key} as its own part, not as {key}=.", command="newevent")
    when = _take_repeat(when, options, "newevent")
    if where:
        if "where" in options:
            raise UserError(
                "Give the place once: as the third part or as where=.", command="newevent"
            )
        # `| https://meet.example/abc` as the place is an online event.
        options["url" if looks_like_url(where) and "url" not in options else "where"] = where
    return NewEventArgs(check_title(title, "newevent"), when, _fields(options, "newevent"))


def parse_rsvp(rest: str) -> RsvpArgs:
    event_id, occurrence, tail = split_target(rest, "rsvp")
    answer = read_answer(tail)
    return RsvpArgs(event_id, answer.status, answer.guests, answer.note, occurrence)


def parse_unrsvp(rest: str) -> RsvpArgs:
    event_id, occurrence, tail = split_target(rest, "unrsvp")
    if len(tail) > MAX_NOTE:
        raise UserError(f"The note is too long (at most {MAX_NOTE} characters).", command="unrsvp")
    return RsvpArgs(event_id, RsvpStatus.NOT_GOING, None, tail or None, occurrence)


def parse_edit(rest: str) -> EditArgs:
    event_id, tail = _split_id(rest, "edit")
    options = _parse_options(tail, command="edit")
    if not options:
        raise UserError("Say what to change, e.g. limit=30 or when=friday 19:00.", command="edit")
    if "when" in options:
        options["when"] = _take_repeat(options["when"], options, "edit")
    return EditArgs(event_id, _fields(options, "edit"))


def _take_repeat(when: str, options: dict[str, str], command: str) -> str:
    """`every tuesday 19:00` is `tuesday 19:00` with repeat=weekly (put in ``options``)."""
    every = split_every(when, command)
    if every is None:
        return when
    if "repeat" in options:
        raise UserError(
            f"Say how it repeats once: '{when[:40]}' or repeat={options['repeat'][:20]}.",
            command=command,
        )
    first, options["repeat"] = every
    return first


def parse_remindme(rest: str) -> RemindArgs:
    event_id, tail = _split_id(rest, "remindme")
    if tail.lower() not in ("", "on", "yes", "off", "no", "stop"):
        raise UserError(f"Say on or off, not '{tail[:20]}'.", command="remindme")
    return RemindArgs(event_id, tail.lower() not in ("off", "no", "stop"))


def parse_cancel(rest: str) -> CancelArgs:
    event_id, occurrence, reason = split_target(rest, "cancel", whole_series=True)
    if len(reason) > MAX_REASON:
        raise UserError(
            f"The reason is too long (at most {MAX_REASON} characters).", command="cancel"
        )
    return CancelArgs(event_id, reason, occurrence)


def parse_zone_args(rest: str) -> ZoneArgs:
    text = rest.strip()
    if not text:
        return ZoneArgs(None)
    return ZoneArgs(parse_zone(text, command="tz").key)


def parse_help(rest: str) -> HelpArgs:
    topic = rest.strip().lstrip("!/").lower()
    return HelpArgs(topic or None)


def _starts_with_option(text: str) -> bool:
    match = re.match(r"([A-Za-z_]+)=", text)
    return match is not None and _canonical_key(match.group(1)) is not None


def _canonical_key(key: str) -> str | None:
    key = key.lower()
    key = _KEY_ALIASES.get(key, key)
    return key if key in OPTION_KEYS else None


def _parse_options(text: str, command: str, known: tuple[str, ...] = OPTION_KEYS) -> dict[str, str]:
    """`limit=20 where=Café Nero url=https://x?a=b` -> {limit: 20, where: Café Nero, url: ...}.

    A value runs until the next ` key=`, so values may contain spaces without quotes; a quoted
    value may also contain ` key=` (`description="max=2 per person"`).
    """
    text = text.strip()
    if not text:
        return {}
    markers = _option_markers(text)
    if not markers or markers[0].start() != 0:
        stray = text[: markers[0].start()].strip() if markers else text
        raise UserError(
            f"Don't know what to do with '{stray[:40]}'. Options look like "
            "limit=20 or remind=1d,2h.",
            command=command,
        )
    options: dict[str, str] = {}
    previous = ""
    for index, marker in enumerate(markers):
        key = _canonical_key(marker.group(1))
        if key is None and previous == "description":
            continue  # free text: `description=wifi pass=abc123`
        if key is None:
            raise UserError(
                f"Unknown option '{marker.group(1)[:20]}'. Known options: {', '.join(known)}.",
                command=command,
            )
        if key in options:
            raise UserError(f"The option {key}= is given twice.", command=command)
        options[key] = _unquote(text[marker.end() : _value_end(text, markers, index)].strip())
        previous = key
    return options


def _value_end(text: str, markers: list[re.Match[str]], index: int) -> int:
    """Where the value of option ``index`` ends: at the next known ` key=`."""
    for marker in markers[index + 1 :]:
        if _canonical_key(marker.group(1)) is not None:
            return marker.start()
    return len(text)


def _option_markers(text: str) -> list[re.Match[str]]:
    """Each ` key=` that starts an option, skipping those inside a quoted value."""
    markers: list[re.Match[str]] = []
    quoted_until = -1
    for marker in re.finditer(r"(?:^|(?<=\s))([A-Za-z_]+)=", text):
        if marker.start() < quoted_until:
            continue
        markers.append(marker)
        opening = text[marker.end() : marker.end() + 1]
        if opening in ("'", '"'):
            quoted_until = text.find(opening, marker.end() + 1)
    return markers


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1].strip()
    return value


def _fields(options: dict[str, str], command: str) -> EventFields:
    values: dict[str, object] = {}
    for key, value in options.items():
        if key == "limit":
            values["capacity"] = parse_limit(value, command)
            values["capacity_given"] = True
        elif key == "remind":
            values["reminders"] = parse_offsets(value, command=command)
        elif key == "repeat":
            values["repeat"] = parse_repeat(value, command=command)
        elif key == "tz":
            values["tz"] = parse_zone(value, command=command).key
        elif key == "url":
            values["url"] = _check_url(value, command)
        elif key == "title":
            values["title"] = check_title(value, command)
        elif key == "where":
            values["where"] = (
                "" if _clears(value) else _check_length(value, MAX_PLACE, "place", command)
            )
        elif key == "description":
            values["description"] = (
                ""
                if _clears(value)
                else _check_length(value, MAX_DESCRIPTION, "description", command)
            )
        elif key in ("when", "ends"):
            if not value:
                raise UserError(f"{key}= needs a time, e.g. {key}=20:00.", command=command)
            values[key] = value
    return EventFields(**values)  # type: ignore[arg-type]


def parse_fields(text: str, command: str, *, known: tuple[str, ...] = OPTION_KEYS) -> EventFields:
    """`limit=20 where=Café Nero` as `newevent` reads its options; ``known`` are the ones an
    unknown option's refusal offers (a poll takes fewer)."""
    return _fields(_parse_options(text, command, known), command)


def parse_limit(value: str, command: str) -> int | None:
    if value.lower() in _UNLIMITED:
        if command == "newevent":
            raise UserError("Leave out limit= for an event without a limit.", command=command)
        return None
    if not re.fullmatch(r"-?\d{1,9}", value):
        raise UserError(f"limit must be a whole number, not '{value[:20]}'.", command=command)
    limit = int(value)
    if limit < 1:
        raise UserError(f"limit must be at least 1 (got {limit}).", command=command)
    if limit > MAX_CAPACITY:
        raise UserError(f"limit can be at most {MAX_CAPACITY}.", command=command)
    return limit


def check_title(title: str, command: str) -> str:
    title = " ".join(title.split())
    if is_blank(title):
        raise UserError("The title is empty.", command=command)
    return _check_length(title, MAX_TITLE, "title", command)


def _clears(value: str) -> bool:
    """Does ``value`` clear a field (`where=none`, `description=-`, `url=`), as `limit=none`
    and `remind=none` do?"""
    return value.strip().lower() in _NOTHING


def _check_url(url: str, command: str) -> str:
    url = url.strip()
    if url.lower() in _UNLIMITED or _clears(url):
        return ""
    if not _URL.fullmatch(url):
        raise UserError(
            f"'{url[:40]}' is not a web address (http:// or https://).", command=command
        )
    return _check_length(url, MAX_URL, "url", command)


def _check_length(value: str, limit: int, what: str, command: str) -> str:
    if len(value) > limit:
        raise UserError(
            f"The {what} is too long ({len(value)} characters, at most {limit}).", command=command
        )
    return value


def parse_place(text: str, command: str) -> tuple[str, str]:
    """A place as (venue, url): a web address is an online event; `-` means none."""
    text = " ".join(text.split())
    if text in ("-", "") or text.lower() in _UNLIMITED:
        return "", ""
    if looks_like_url(text):
        return "", _check_url(text, command)
    return _check_length(text, MAX_PLACE, "place", command), ""


def looks_like_url(text: str) -> bool:
    return bool(_URL.fullmatch(text.strip()))
