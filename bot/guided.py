"""Guided `newevent`: the bot asks for title, time, place and limit one at a time.

Each answer is checked as the one-line form checks it, and a bad answer is asked again.
A conversation belongs to one person in one channel: others there are not captured. Drafts
live in memory; a restart or ten quiet minutes end them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import ChannelRef, UserRef
from bot.language.arguments import EventFields, check_title, parse_limit, parse_place
from bot.language.repeat import split_every
from bot.replies import Line, Reply, ReplyKind, cmd, line, reply
from bot.when import format_span
from bot.when.recurrence import repeat_label
from bot.when.series_start import check_new_series, resolve_first

EXPIRES_AFTER = timedelta(minutes=10)
_NO_LIMIT = frozenset({"-", "none", "no", "unlimited", "0"})

DraftKey = tuple[str, str, str, str]


class Step(enum.Enum):
    TITLE = "title"
    WHEN = "when"
    WHERE = "where"
    LIMIT = "limit"


@dataclass(slots=True)
class Draft:
    zone: str  # the channel's, which the one-line form would use too
    touched_at: datetime
    step: Step = Step.TITLE
    title: str = ""
    when: str = ""
    repeat: str = ""  # `every tuesday 19:00` as the time
    venue: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True)
class Finished:
    """Everything asked for: create the event with these."""

    title: str
    when: str
    fields: EventFields


def key_of(channel: ChannelRef, person: UserRef) -> DraftKey:
    return (channel.platform, channel.network, channel.id, person.id)


@dataclass(slots=True)
class Drafts:
    _drafts: dict[DraftKey, Draft] = field(default_factory=dict)

    def start(self, key: DraftKey, zone: str, now: datetime) -> Reply:
        self._drafts[key] = Draft(zone=zone, touched_at=now)
        return prompt(line("Let's set up an event. What is it called? (", cmd("cancel"), " stops)"))

    def active(self, key: DraftKey, now: datetime) -> Draft | None:
        draft = self._drafts.get(key)
        if draft is not None and now - draft.touched_at > EXPIRES_AFTER:
            del self._drafts[key]
            return None
        return draft

    def drop(self, key: DraftKey) -> None:
        self._drafts.pop(key, None)

    def answer(self, key: DraftKey, text: str, now: datetime) -> Reply | Finished:
        """Take the answer to the current question: the next question, or the finished
        draft (which is then forgotten). A bad answer raises UserError; the step stays."""
        draft = self._drafts[key]
        draft.touched_at = now
        text = " ".join(text.split())
        if draft.step is Step.TITLE:
            draft.title = check_title(text, "newevent")
            draft.step = Step.WHEN
            return prompt(
                f"When is {draft.title}? For example tomorrow 18:00, next friday "
                "18:00-20:00, every tuesday 19:00 or every first friday 19:00 (times in "
                f"{draft.zone}, unless you write a zone)."
            )
        if draft.step is Step.WHEN:
            first, repeat = split_every(text, "newevent") or (text, "")
            when = resolve_first(first, repeat, now=now, zone=ZoneInfo(draft.zone))
            if repeat:  # refused here, not once every other detail has been asked for
                check_new_series(when, repeat, now=now, read_in=draft.zone)
            draft.when, draft.repeat, draft.step = first, repeat, Step.WHERE
            span = format_span(when.starts_at, when.ends_at, ZoneInfo(when.timezone))
            repeats = f", then {repeat_label(repeat)}" if repeat else ""
            return prompt(
                f"{span}{repeats}. Where? A place, a link for an online event, or - for none."
            )
        if draft.step is Step.WHERE:
            draft.venue, draft.url = parse_place(text, "newevent")
            draft.step = Step.LIMIT
            return prompt("How many seats, guests included? A number, or - for no limit.")
        capacity = None if text.lower() in _NO_LIMIT else parse_limit(text, "newevent")
        del self._drafts[key]
        fields = EventFields(
            where=draft.venue or None,
            url=draft.url or None,
            capacity=capacity,
            capacity_given=capacity is not None,
            repeat=draft.repeat or None,
        )
        return Finished(draft.title, draft.when, fields)


def prompt(*lines: Line | str) -> Reply:
    """A question for the person; adapters that can ask for a reply (Telegram) do."""
    return Reply(reply(*lines).lines, ReplyKind.PROMPT)
