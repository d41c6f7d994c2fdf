from storage import Database
from tests.harness import Chat


async def test_a_newcomer_creates_an_event_and_rsvps_with_a_guest(database: Database) -> None:
    chat = Chat(database)
    created = await chat.say("!newevent Coffee | tomorrow 18:00 | Café Nero | limit=2")
    assert created.startswith("Created #1 Coffee · Sun 2026-11-22 18:00 UTC · Café Nero · 0/2")
    assert "alice: you're going to #1 Coffee with +1." in await chat.say("!rsvp 1 +1")
    who = await chat.say("!who 1")
    assert "Going (2): alice +1" in who
