"""How a poll reads: its tally, in neutral spans every adapter can render."""

from __future__ import annotations

from bot.domain import PollOption, PollStatus, PollView, UserRef
from bot.replies import Line, Reply, ReplyKind, SpanLike, bold, cmd, line
from bot.when import format_span


def option_time(poll: PollView, option: PollOption) -> str:
    """`Fri 2026-11-27 18:00-20:00 UTC`, in the poll's zone."""
    return format_span(option.starts_at, option.ends_at, poll.zone)


def votes_text(count: int) -> str:
    return "no votes" if not count else f"{count} vote{'s' if count != 1 else ''}"


def _voter(person: UserRef) -> str:
    return person.display if person.verified else f"{person.display} [unverified]"


def poll_card(poll: PollView, *, headline: str = "", not_here: Line | None = None) -> Reply:
    """The tally: each time with its votes and voters, the leader (or the pick) marked, and
    how to vote (adapters may add a button per time). ``not_here``: shown instead of how to
    answer the event the poll became, where that would be refused."""
    head: list[SpanLike] = [headline, bold(f"Poll {poll.id}: {poll.title}")]
    head.append(f" · by {poll.creator.display}")
    if poll.status is PollStatus.PICKED:
        head.append(f" · picked: option {poll.picked} → event #{poll.event_id}")
    elif poll.status is PollStatus.CLOSED:
        head.append(" · closed")
    lines: list[Line] = [line(*head)]
    leaders = poll.leaders if poll.status is PollStatus.OPEN else frozenset()
    for option in poll.options:
        voters = ", ".join(_voter(person) for person in option.voters)
        mark = ""
        if option.position in leaders:
            mark = "  ← leading"
        elif option.position == poll.picked:
            mark = "  ← picked"
        lines.append(
            line(
                f"{option.position}. {option_time(poll, option)} · "
                f"{votes_text(len(option.voters))}{': ' if voters else ''}{voters}{mark}"
            )
        )
    if poll.status is PollStatus.OPEN:
        example = " ".join(str(o.position) for o in poll.options[::2][:3])
        lines.append(
            line(
                "Vote for every time that suits you: ",
                cmd(f"vote {poll.id} {example}"),
                " · take your votes back: ",
                cmd(f"vote {poll.id} none"),
            )
        )
    elif poll.event_id is not None:
        lines.append(
            not_here
            or line(
                "RSVP: ",
                cmd(f"rsvp {poll.event_id}"),
                "  ·  details: ",
                cmd(f"event {poll.event_id}"),
            )
        )
    return Reply(tuple(lines), ReplyKind.POLL_CARD, poll=poll)
