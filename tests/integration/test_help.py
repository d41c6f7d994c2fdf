"""`help`: its examples are commands a person can copy, on whatever day they ask."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storage import Database
from tests.harness import Chat, Clock


@pytest.mark.parametrize(
    "today",
    [datetime(2026, 11, 21, 12, tzinfo=UTC), datetime(2031, 2, 27, 23, 30, tzinfo=UTC)],
    ids=["harness-day", "years-later"],
)
async def test_the_dated_examples_of_help_are_ahead_and_the_bot_takes_them(
    database: Database, today: datetime
) -> None:
    chat = Chat(database, clock=Clock(today))
    ahead = "2026-12-05" if today.year == 2026 else "2031-03-13"
    help_newevent = await chat.say("!help newevent")
    example = f"!newevent Online meetup | {ahead} 19:00 Europe/Warsaw | https://meet.example/dev"
    assert f"Example: {example}" in help_newevent.splitlines()
    assert f"WHEN: {ahead} 18:00, a range 18:00-20:00" in help_newevent

    created = await chat.say(example)
    assert created.startswith("Created #1 Online meetup · ")
    assert f"{ahead} 19:00 CET (Europe/Warsaw)" in created


async def test_a_refusal_shows_a_dated_example_that_is_ahead(database: Database) -> None:
    chat = Chat(database, clock=Clock(datetime(2031, 2, 27, 23, 30, tzinfo=UTC)))
    await chat.say("!newevent Coffee | 2031-03-01 18:00 | repeat=weekly")
    assert "Example: !event 12@2031-03-13" in await chat.say("!help event")
    refused = await chat.say("!who 1@soon")
    assert refused.splitlines() == [
        "'1@soon': after @ comes a date of the event as YYYY-MM-DD; !event 1 lists its dates.",
        "Usage: !who ID[@DATE] · e.g. !who 12",
    ]
