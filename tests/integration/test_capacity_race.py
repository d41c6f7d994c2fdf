"""Many people answering at once never overbook an event, on SQLite and PostgreSQL.

Every RSVP runs in its own unit of work (its own connection), all at the same time, so the
seat count is only right if the event is locked before seats are counted (`BEGIN IMMEDIATE`
on SQLite, `SELECT ... FOR UPDATE` on PostgreSQL).
"""

from __future__ import annotations

import asyncio
import random
import re
import sys
from pathlib import Path

from sqlalchemy import func, select

from adapters.console.render import render_plain
from bot.domain import RsvpStatus
from storage import Database
from storage.models import RsvpRow
from tests.harness import Chat

WAITLIST_POSITION = re.compile(r"on the waitlist at position (\d+)")


async def answer_all_at_once(chat: Chat, lines: list[tuple[str, str]]) -> list[str]:
    """Send every (text, who) at the same time, straight to the core; what each one read."""
    replies = await asyncio.gather(*(chat.replies(text, who) for text, who in lines))
    return ["\n".join(render_plain(r) for r in rs) for rs in replies]


async def rows_by_status(
    database: Database, event_id: int = 1
) -> dict[RsvpStatus, tuple[int, int]]:
    """(people, seats) per RSVP status, counted in the database itself."""
    async with database.engine.connect() as connection:
        result = await connection.execute(
            select(RsvpRow.status, func.count(), func.sum(1 + RsvpRow.guests))
            .where(RsvpRow.event_id == event_id)
            .group_by(RsvpRow.status)
        )
        return {RsvpStatus(status): (people, int(seats)) for status, people, seats in result}


async def test_two_hundred_people_answering_at_once_fill_fifty_seats_exactly(
    database: Database,
) -> None:
    chat = Chat(database)
    await chat.say("!newevent Launch party | tomorrow 18:00 | Rooftop | limit=50", "olga")
    people = [f"p{n:03}" for n in range(200)]
    # Open every pooled connection first, so the crowd really does arrive all at once.
    await answer_all_at_once(chat, [("!who 1", "olga")] * 20)

    answers = await answer_all_at_once(chat, [("!rsvp 1", name) for name in people])

    going = [a for a in answers if "you're going to #1 Launch party." in a]
    positions = [int(m.group(1)) for a in answers if (m := WAITLIST_POSITION.search(a))]
    assert len(going) == 50, [a for a in answers if "going" not in a and "waitlist" not in a]
    assert sorted(positions) == list(range(1, 151))
    assert await rows_by_status(database) == {
        RsvpStatus.GOING: (50, 50),
        RsvpStatus.WAITLISTED: (150, 150),
    }
    who = (await chat.say("!who 1")).splitlines()
    assert who[0].endswith("Rooftop · 50/50 going · 150 waitlisted")
    # The waitlist is listed in the order the positions were handed out.
    told = {
        name: int(m.group(1))
        for name, a in zip(people, answers, strict=True)
        if (m := WAITLIST_POSITION.search(a))
    }
    listed = who[2].removeprefix("Waitlist (150): ").split(", ")
    assert listed == [f"{told[name]}. {name}" for name in sorted(told, key=told.__getitem__)]


async def test_crowds_with_guests_dropping_in_and_out_never_exceed_the_limit(
    database: Database,
) -> None:
    chat = Chat(database)
    rng = random.Random(20261121)
    # A few rounds: one round alone can happen to interleave harmlessly.
    for event_id in (1, 2, 3):
        await mixed_crowd(chat, database, event_id, rng)


async def mixed_crowd(chat: Chat, database: Database, event_id: int, rng: random.Random) -> None:
    created = await chat.say(f"!newevent Party {event_id} | tomorrow 18:00 | limit=50", "olga")
    assert created.startswith(f"Created #{event_id} ")
    early = [f"early{n:02}" for n in range(20)]
    for name in early:
        await chat.say(f"!rsvp {event_id}", name)
    # Open every pooled connection first, so the crowd really does arrive all at once.
    await answer_all_at_once(chat, [(f"!who {event_id}", "olga")] * 20)
    crowd = [(f"!rsvp {event_id} +{rng.randint(0, 3)}", f"p{n:03}") for n in range(100)]
    # While the crowd arrives, half the early birds leave and the other half bring friends.
    leaving = [(f"!unrsvp {event_id}", name) for name in early[:10]]
    growing = [(f"!rsvp {event_id} +{rng.randint(1, 4)}", name) for name in early[10:]]
    lines = crowd + leaving + growing
    rng.shuffle(lines)

    answers = await answer_all_at_once(chat, lines)

    assert not [a for a in answers if "something went wrong" in a]
    counted = await rows_by_status(database, event_id)
    going_people, going_seats = counted[RsvpStatus.GOING]
    waiting_people, _ = counted[RsvpStatus.WAITLISTED]
    assert going_seats <= 50
    assert going_people + waiting_people == 110
    who = (await chat.say(f"!who {event_id}")).splitlines()
    assert who[0].endswith(f" · {going_seats}/50 going · {waiting_people} waitlisted")
    waiting = who[2].removeprefix(f"Waitlist ({waiting_people}): ").split(", ")
    assert [entry.split(". ")[0] for entry in waiting] == [
        str(n) for n in range(1, waiting_people + 1)
    ]
    # First fit: nobody left waiting would fit in the seats that are still free.
    free = 50 - going_seats
    for entry in waiting:
        guests = re.search(r" \+(\d+)$", entry)
        assert 1 + (int(guests.group(1)) if guests else 0) > free, (entry, free)


def crowd_in_another_process(url: str, first: int, count: int) -> None:
    """Run by test_crowds_in_three_processes_...: ``count`` people answer at once, after the
    test says go (so that every process's crowd arrives together)."""

    async def crowd() -> None:
        database = Database(url)
        chat = Chat(database)
        await answer_all_at_once(chat, [("!who 1", "olga")] * 5)  # connections open
        print("ready", flush=True)
        sys.stdin.readline()
        answers = await answer_all_at_once(
            chat, [("!rsvp 1", f"p{n:03}") for n in range(first, first + count)]
        )
        assert not [a for a in answers if "something went wrong" in a], answers
        await database.dispose()

    asyncio.run(crowd())


async def test_crowds_in_three_processes_fill_fifty_seats_exactly(tmp_path: Path) -> None:
    """In one process, units of work on SQLite do not interleave; other processes' do. The
    write lock keeps them honest all the same."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    database = Database(url)
    await database.upgrade()
    chat = Chat(database)
    await chat.say("!newevent Launch party | tomorrow 18:00 | Rooftop | limit=50", "olga")
    others = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "from tests.integration.test_capacity_race import crowd_in_another_process as c; "
            f"c({url!r}, {first}, 60)",
            cwd=Path(__file__).parents[2],
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for first in (100, 200)
    ]
    for other in others:
        assert other.stdout is not None
        assert await other.stdout.readline() == b"ready\n"
    for other in others:
        assert other.stdin is not None
        other.stdin.write(b"go\n")
        await other.stdin.drain()
    here = await answer_all_at_once(chat, [("!rsvp 1", f"p{n:03}") for n in range(60)])
    for other in others:
        assert await other.wait() == 0

    assert not [a for a in here if "something went wrong" in a]
    assert await rows_by_status(database) == {
        RsvpStatus.GOING: (50, 50),
        RsvpStatus.WAITLISTED: (130, 130),
    }
    who = (await chat.say("!who 1")).splitlines()
    listed = who[2].removeprefix("Waitlist (130): ").split(", ")
    assert [entry.split(". ")[0] for entry in listed] == [str(n) for n in range(1, 131)]
    await database.dispose()
