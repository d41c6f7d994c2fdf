"""An edit that changes an event's dates takes its answers and called-off dates along
(bot/when/moved_dates.py says where each goes). Whoever was coming is told, one notice each:
where their answer went, or that their date is gone and they should answer again."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain import RsvpStatus, UserRef, length_of
from bot.when.moved_dates import Dates, follow
from storage import UnitOfWork
from storage.models import EventRow

# How many dates the organizer's reply names before "and N more".
SHOWN = 3


def dates_of(event: EventRow) -> Dates:
    return Dates(
        event.starts_at, length_of(event.starts_at, event.ends_at), event.timezone, event.repeat
    )


@dataclass(frozen=True, slots=True)
class DatesFollowed:
    """What an edit did to the answers of the dates it moved."""

    # (old day, new day, answers), for dates that moved to another day.
    moved: list[tuple[str, str, int]] = field(default_factory=list)
    # (old day, new day): called-off dates, called off on their new day.
    still_off: list[tuple[str, str]] = field(default_factory=list)
    # (day, answers): dates with no new date near them; their answers are gone.
    gone: list[tuple[str, int]] = field(default_factory=list)
    # What to tell each person who was coming, and which date the notice shows ("": the
    # next one).
    news: dict[UserRef, tuple[str, list[str]]] = field(default_factory=dict)
    # Those of them whose date is gone.
    asked_again: list[UserRef] = field(default_factory=list)

    def summary(self) -> list[str]:
        """For the organizer's reply, a sentence per kind of change."""
        said = []
        if self.moved:
            said.append(
                "Answers moved with their dates: "
                + _some(f"{before} → {after} ({count})" for before, after, count in self.moved)
                + "."
            )
        if self.still_off:
            said.append(
                "Still called off: "
                + _some(f"{after} (was {before})" for before, after in self.still_off)
                + "."
            )
        if self.gone:
            count = sum(answers for _, answers in self.gone)
            told = " Whoever was coming was told to answer again." if self.asked_again else ""
            said.append(
                f"No new date near {_some(day for day, _ in self.gone)}: "
                f"{count} answer{'s' if count != 1 else ''} removed.{told}"
            )
        return said


async def follow_dates(
    uow: UnitOfWork, event_id: int, old: Dates, new: Dates, now: datetime
) -> DatesFollowed:
    """Move what ``event_id`` keeps per date from ``old``'s dates to ``new``'s; call with
    the event locked, before anything counts seats on the new dates."""
    since = (now - old.length).astimezone(ZoneInfo(old.timezone)).date().isoformat()
    followed = follow(old, new, await uow.moved_dates.kept_keys(event_id, since), now)
    moves = {key: to for key, to in followed.items() if to is not None and to != key}
    gone = [key for key, to in followed.items() if to is None]
    if not moves and not gone:
        return DatesFollowed()
    cancelled = await uow.events.cancelled_occurrences(event_id)
    answers = await uow.moved_dates.answers(event_id, [*moves, *gone])
    outcome = DatesFollowed()
    for key, to in sorted(moves.items()):
        before, after = old.day_of(key), new.day_of(to)
        if key in cancelled:
            outcome.still_off.append((before, after))
        elif before != after:  # "" to the same day: the one-off began to repeat
            outcome.moved.append((before, after, len(answers.get(key, []))))
            for person in _coming(answers.get(key, [])):
                _tell(outcome, person, to, f"Your answer for {before} now counts for {after}.")
    for key in sorted(gone):
        if key not in cancelled:  # a called-off date that is no date any more: nothing to say
            outcome.gone.append((old.day_of(key), len(answers.get(key, []))))
            for person in _coming(answers.get(key, [])):
                outcome.asked_again.append(person)
                _tell(
                    outcome,
                    person,
                    "",
                    f"{old.day_of(key)} is no longer one of its dates, so your answer for it "
                    "was removed: answer again if you can come on another.",
                )
    await uow.moved_dates.move(event_id, moves)
    await uow.moved_dates.drop(event_id, gone)
    return outcome


def _coming(answers: list[tuple[UserRef, RsvpStatus]]) -> list[UserRef]:
    return [person for person, status in answers if status is not RsvpStatus.NOT_GOING]


def _tell(outcome: DatesFollowed, person: UserRef, key: str, phrase: str) -> None:
    """Add ``phrase`` to what ``person`` is told; a notice about several dates shows the
    next one."""
    shown, phrases = outcome.news.get(person, (key, []))
    outcome.news[person] = (shown if shown == key else "", [*phrases, phrase])


def _some(items: Iterable[str]) -> str:
    listed = list(items)
    more = len(listed) - SHOWN
    return ", ".join(listed[:SHOWN]) + (f" and {more} more" if more > 0 else "")
