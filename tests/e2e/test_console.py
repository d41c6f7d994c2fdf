"""The console chat end to end: the real `gatherbot console` process with piped input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.ahead import SATURDAY, day, zone_abbreviation
from tests.e2e.cli import gatherbot


def tomorrow_utc() -> str:
    return f"{datetime.now(UTC) + timedelta(days=1):%a %Y-%m-%d}"


def test_a_newcomer_creates_an_event_rsvps_with_a_guest_and_sees_who_comes(
    tmp_path: Path,
) -> None:
    day = tomorrow_utc()
    result = gatherbot(
        "console",
        "--as",
        "alice",
        cwd=tmp_path,
        stdin="!newevent Coffee | tomorrow 18:00 | Café Nero | limit=2\n!rsvp 1 +1\n!who 1\n",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"Created #1 Coffee · {day} 18:00 UTC · Café Nero · 0/2 going",
        "RSVP: !rsvp 1  ·  details: !event 1",
        "alice: you're going to #1 Coffee with +1.",
        f"#1 Coffee · {day} 18:00 UTC · Café Nero · 2/2 going",
        f"#1 Coffee · {day} 18:00 UTC · Café Nero · 2/2 going",
        "Going (2): alice +1",
    ]
    assert "Traceback" not in result.stderr
    assert (tmp_path / "gatherbot.db").exists()


def test_the_console_keeps_events_between_runs_and_serves_the_waitlist(tmp_path: Path) -> None:
    gatherbot(
        "console",
        "--as",
        "alice",
        cwd=tmp_path,
        stdin="!newevent Coffee | tomorrow 18:00 | Café Nero | limit=1\n!rsvp 1\n",
    )
    result = gatherbot(
        "console",
        "--as",
        "bob",
        cwd=tmp_path,
        stdin="!events\n!rsvp 1\n:as alice\n!unrsvp 1\n!who 1\n",
    )
    out = result.stdout
    assert "Upcoming events (1):" in out
    assert "bob: #1 Coffee is full, so you're on the waitlist at position 1." in out
    assert "(you are now alice)" in out
    assert "(to bob) Good news, bob: a seat opened up and you're now going to #1 Coffee." in out
    assert "Off the waitlist and now going: bob." in out
    assert out.rstrip().endswith("Can't make it (1): alice")


def test_bad_input_gets_a_short_error_with_usage_and_the_console_keeps_going(
    tmp_path: Path,
) -> None:
    result = gatherbot(
        "console",
        cwd=tmp_path,
        stdin="!newevent Coffee | tomrrow 18:00\n!rsvp 7\n!frobnicate\n!events\n",
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 0
    assert lines[0].startswith("Can't understand the time 'tomrrow 18:00'.")
    assert lines[1].startswith("Usage: !newevent TITLE | WHEN")
    assert lines[2] == "There is no event #7. See !events for the events in this channel."
    assert lines[4] == "Unknown command 'frobnicate'. All commands: !help"
    assert lines[5].startswith("No upcoming events here.")


def test_only_an_admin_sets_the_channel_time_zone(tmp_path: Path) -> None:
    refused = gatherbot("console", "--as", "bob", cwd=tmp_path, stdin="!tz Europe/Warsaw\n")
    assert refused.stdout.strip() == "Only an admin of this channel can change its time zone."
    allowed = gatherbot(
        "console",
        "--as",
        "alice",
        "--admin",
        cwd=tmp_path,
        stdin=f"!tz Europe/Warsaw\n!newevent Gathering | {SATURDAY} 18:00 | Café Nero\n",
    )
    assert "Time zone for this channel is now Europe/Warsaw" in allowed.stdout
    warsaw = zone_abbreviation(SATURDAY, "18:00", "Europe/Warsaw")
    created = f"Created #1 Gathering · {day(SATURDAY)} 18:00 {warsaw} (Europe/Warsaw)"
    assert created in allowed.stdout


def test_the_console_takes_the_database_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'elsewhere.db'}"
    result = gatherbot(
        "console", "--database", url, cwd=tmp_path, stdin="!newevent Coffee | in 2 hours\n"
    )
    assert result.stdout.startswith("Created #1 Coffee")
    assert (tmp_path / "elsewhere.db").exists()
    assert not (tmp_path / "gatherbot.db").exists()
