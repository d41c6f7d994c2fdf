"""RSVP buttons under an event card, vote buttons under a poll card, and checking what
comes back from them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain import Choice, PollView

_LABELS = {
    Choice.GOING: "✅ Going",
    Choice.MAYBE: "🤔 Maybe",
    Choice.NOT_GOING: "❌ Can't",
    Choice.PLUS_ONE: "➕1 guest",
    Choice.REMIND: "🔔 Remind me",
}
# Telegram allows 64 bytes of callback data; anything else that arrives was not made by us.
_DATA = re.compile(r"rsvp:(\d{1,9}):(going|maybe|not_going|plus_one|remind)")


@dataclass(frozen=True, slots=True)
class Pressed:
    event_id: int
    choice: Choice


def keyboard(event_id: int) -> InlineKeyboardMarkup:
    def button(choice: Choice) -> InlineKeyboardButton:
        return InlineKeyboardButton(_LABELS[choice], callback_data=f"rsvp:{event_id}:{choice}")

    return InlineKeyboardMarkup(
        [
            [button(Choice.GOING), button(Choice.MAYBE), button(Choice.NOT_GOING)],
            [button(Choice.PLUS_ONE), button(Choice.REMIND)],
        ]
    )


def parse_pressed(data: str | None) -> Pressed | None:
    """The button behind ``data``, or None for forged or malformed data."""
    match = _DATA.fullmatch(data or "")
    if match is None:
        return None
    return Pressed(int(match.group(1)), Choice(match.group(2)))


# A vote button under a poll card: `vote:POLL_ID:POSITION`.
_VOTE_DATA = re.compile(r"vote:(\d{1,9}):(\d{1,2})")


@dataclass(frozen=True, slots=True)
class PressedVote:
    poll_id: int
    position: int


def poll_keyboard(poll: PollView) -> InlineKeyboardMarkup:
    """One button per time, on its own row: `2 · Sat 28 Nov 10:00 (3)`."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"{option.position} · {option.starts_at.astimezone(poll.zone):%a %d %b %H:%M}"
                    f" ({len(option.voters)})",
                    callback_data=f"vote:{poll.id}:{option.position}",
                )
            ]
            for option in poll.options
        ]
    )


def parse_vote(data: str | None) -> PressedVote | None:
    """The vote button behind ``data``, or None for anything else."""
    match = _VOTE_DATA.fullmatch(data or "")
    if match is None:
        return None
    return PressedVote(int(match.group(1)), int(match.group(2)))
