"""`newevent` alone asks for each detail, checks every answer like the one-line form, and
belongs to the person who started it."""

from __future__ import annotations

from storage import Database
from tests.harness import Chat


async def test_the_bot_asks_step_by_step_and_creates_the_event(database: Database) -> None:
    chat = Chat(database, timezone="Europe/Warsaw")
    assert (await chat.say("!newevent")).startswith("Let's set up an event. What is it called?")
    assert await chat.say("Developers Gathering") == (
        "When is Developers Gathering? For example tomorrow 18:00, next friday 18:00-20:00, "
        "every tuesday 19:00 or every first friday 19:00 (times in Europe/Warsaw, unless you "
        "write a zone)."
    )
    assert (await chat.say("2026-12-04 18:00-20:00")).startswith(
        "Fri 2026-12-04 18:00-20:00 CET (Europe/Warsaw). Where?"
    )
    assert (await chat.say("Café Nero")).startswith("How many seats")
    assert (await chat.say("20")).startswith(
        "Created #1 Developers Gathering · Fri 2026-12-04 18:00-20:00 CET (Europe/Warsaw) · "
        "Café Nero · 0/20 going"
    )
    assert await chat.say("just chatting") == ""  # the conversation is over


async def test_a_bad_answer_is_explained_and_asked_again(database: Database) -> None:
    chat = Chat(database)
    await chat.say("!newevent")
    await chat.say("Coffee")
    again = await chat.say("yesterday 10:00")
    assert again.startswith("That time is in the past")
    assert "Try again, or !cancel to stop." in again
    assert (await chat.say("tomorrow 18:00")).startswith("Sun 2026-11-22 18:00 UTC. Where?")
    await chat.say("https://meet.example/coffee")
    assert "limit must be a whole number" in await chat.say("lots")
    created = await chat.say("-")
    assert created.startswith(
        "Created #1 Coffee · Sun 2026-11-22 18:00 UTC · https://meet.example/coffee · 0 going"
    )


async def test_cancel_stops_it_and_nothing_is_stored(database: Database) -> None:
    chat = Chat(database)
    await chat.say("!newevent")
    await chat.say("Coffee")
    assert await chat.say("!cancel") == "Okay, no new event."
    assert await chat.say("tomorrow 18:00") == ""
    assert (await chat.say("!events")).startswith("No upcoming events here.")


async def test_the_conversation_belongs_to_whoever_started_it(database: Database) -> None:
    chat = Chat(database)
    await chat.say("!newevent", "alice")
    assert await chat.say("I'm just chatting", "bob") == ""
    assert (await chat.say("Coffee", "alice")).startswith("When is Coffee?")
    # Other commands still work in the middle of it, for both of them.
    assert (await chat.say("!events", "alice")).startswith("No upcoming events here.")
    assert (await chat.say("!events", "bob")).startswith("No upcoming events here.")
    assert (await chat.say("tomorrow 18:00", "alice")).startswith("Sun 2026-11-22 18:00 UTC.")


async def test_a_forgotten_conversation_expires(database: Database) -> None:
    chat = Chat(database)
    await chat.say("!newevent")
    chat.clock.advance(minutes=11)
    assert await chat.say("Coffee") == ""


async def test_a_time_that_says_how_it_repeats_makes_a_series(database: Database) -> None:
    chat = Chat(database)
    await chat.say("!newevent")
    await chat.say("Board games")
    assert (await chat.say("every other friday 19:00")).startswith(
        "Fri 2026-11-27 19:00 UTC, then every 2 weeks. Where?"
    )
    await chat.say("The Pub")
    assert (await chat.say("-")).startswith(
        "Created #1 Board games · Fri 2026-11-27 19:00 UTC · every 2 weeks · The Pub"
    )
    assert "Next dates: Fri 2026-11-27, Fri 2026-12-11, Fri 2026-12-25" in await chat.say(
        "!event 1"
    )


async def test_every_first_friday_starts_on_the_first_friday_and_a_wrong_day_is_asked_again(
    database: Database,
) -> None:
    chat = Chat(database)
    await chat.say("!newevent")
    await chat.say("Meetup")
    again = await chat.say("every first friday 2026-11-28 19:00")
    assert again.splitlines() == [
        "Sat 2026-11-28 is not a date of this repeat (every month on the first Friday). "
        "The first one after it: Fri 2026-12-04. "
        "Example: !newevent ... | 2026-12-04 19:00 | repeat=FREQ=MONTHLY;BYDAY=1FR",
        "Try again, or !cancel to stop.",
    ]
    assert (await chat.say("every first friday of the month 19:00")).startswith(
        "Fri 2026-12-04 19:00 UTC, then every month on the first Friday. Where?"
    )
    await chat.say("The Pub")
    assert (await chat.say("-")).startswith(
        "Created #1 Meetup · Fri 2026-12-04 19:00 UTC · every month on the first Friday · The Pub"
    )
