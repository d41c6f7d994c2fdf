"""What `gatherbot deliveries` prints: the messages that failed or are being retried as a
table for the operator, and what `deliveries retry` did."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import ChannelRef, DeliveryState, UserRef
from bot.scheduler.dispatcher import POLL
from storage.deliveries import (
    CANCELLED,
    CHANGED,
    DIGEST,
    MESSAGE,
    POLL_PICKED,
    PROMOTED,
    REMIND,
    REOPENED,
    START,
)
from storage.delivery_report import Problem, ProblemCounts, RetryOutcome

KINDS = {
    START: "start post",
    PROMOTED: "notice: off waitlist",
    CHANGED: "notice: changed",
    CANCELLED: "notice: cancelled",
    REOPENED: "notice: back on",
    POLL_PICKED: "notice: poll decided",
    MESSAGE: "organizer's message",
    DIGEST: "weekly digest",
}
COLUMNS = ("id", "state", "kind", "event", "to", "due (UTC)", "tries", "last error")
# Widest shown of the free-text cells (a title, a name, an error) so the table stays readable
# in a terminal; ids and networks are always shown whole.
NAME_WIDTH = 26
ERROR_WIDTH = 80


def kind_label(kind: str) -> str:
    if kind.startswith(REMIND):
        return f"reminder {kind.removeprefix(REMIND)} before"
    return KINDS.get(kind, kind)


def target_label(target: UserRef | ChannelRef | None, width: int | None = None) -> str:
    if target is None:
        return "-"
    where = f"({target.platform}:{target.network})"
    if isinstance(target, UserRef):
        return f"person {_shorten(target.display, width)} {where}"
    return f"channel {_shorten(target.title or target.id, width)} {where}"


def event_label(problem: Problem, width: int | None = None) -> str:
    if problem.event_id is None:
        return "-"
    return f"#{problem.event_id} {_shorten(problem.event_title, width)}"


def describe(problem: Problem) -> str:
    """One delivery on one line: `#12 reminder 1h before for #3 Coffee to channel #main
    (irc:libera)`."""
    about = "" if problem.event_id is None else f" for {event_label(problem)}"
    return f"#{problem.id} {kind_label(problem.kind)}{about} to {target_label(problem.target)}"


def problems_table(problems: Sequence[Problem], counts: ProblemCounts, *, failed_only: bool) -> str:
    """The table (``problems`` come newest first), then a summary line."""
    lines = []
    if problems:
        rows = [COLUMNS, *(_row(p) for p in problems)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
        lines = [
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
        lines.append("")
    lines.append(summary(counts))
    total = counts.failed if failed_only else counts.failed + counts.retrying
    if len(problems) < total:
        lines.append(f"Showing the newest {len(problems)} of {total}: --limit N for more.")
    return "\n".join(lines)


def summary(counts: ProblemCounts) -> str:
    if not counts.failed and not counts.retrying:
        return "Nothing failed or waiting for a retry."
    line = f"{counts.failed} failed, {counts.retrying} being retried."
    if counts.failed:
        line += " Send failed ones again with: gatherbot deliveries retry ID [ID ...]"
    return line


def retry_report(outcome: RetryOutcome) -> tuple[list[str], list[str]]:
    """What to print on stdout (what will be sent again) and on stderr (each id refused)."""
    done = [f"{describe(p)}: will be sent again" for p in outcome.retried]
    if outcome.retried:
        # Every bot looks at the table at least every POLL, and composes each message
        # afresh, dropping what is pointless by then (``_compose`` in
        # bot/scheduler/dispatcher.py): retrying a stale reminder is harmless.
        done.append(
            "The running bot sends them at its next look at the database (within "
            f"{POLL.total_seconds():.0f} s). "
            "One no longer worth sending by then (the event has started, moved or was "
            "cancelled) is skipped instead."
        )
    refused = [f"#{i}: {_why_not(found)}" for i, found in outcome.refused.items()]
    return done, refused


def _why_not(found: tuple[DeliveryState, int] | None) -> str:
    if found is None:
        return "no such message"
    return f"not failed (it is {_state(*found)}); only failed ones can be retried"


def _state(state: DeliveryState, attempts: int) -> str:
    if state is DeliveryState.PENDING:
        return "being retried" if attempts else "waiting to be sent"
    return "being sent" if state is DeliveryState.CLAIMED else state.value


def _row(problem: Problem) -> tuple[str, ...]:
    return (
        str(problem.id),
        "failed" if problem.state is DeliveryState.FAILED else "retrying",
        kind_label(problem.kind),
        event_label(problem, NAME_WIDTH),
        target_label(problem.target, NAME_WIDTH),
        problem.due_at.strftime("%Y-%m-%d %H:%M"),
        str(problem.attempts),
        _shorten(problem.last_error, ERROR_WIDTH),
    )


def _shorten(text: str, width: int | None) -> str:
    text = _clean(text)
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def _clean(text: str) -> str:
    """Titles, names and errors come from people and networks: no control characters
    (a terminal escape sequence, a line break) reach the operator's terminal."""
    return "".join(ch if ch.isprintable() else " " for ch in text)
