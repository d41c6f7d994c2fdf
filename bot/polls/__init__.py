"""Finding a date: a poll of times, voted on from any network, picked into an event."""

from bot.polls.handlers import pick, poll, press, vote
from bot.polls.language import parse_pick, parse_poll, parse_vote

__all__ = ["parse_pick", "parse_poll", "parse_vote", "pick", "poll", "press", "vote"]
