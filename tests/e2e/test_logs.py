"""What `gatherbot` writes to its log while commands run: the command's network, channel and
name on every line, never what people typed."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.cli import gatherbot

PRIVATE = "my-phone-is-555-0100"
SESSION = f"!newevent Coffee | tomorrow 18:00 | Café Nero\n!rsvp 1 {PRIVATE}\n!rsvp 99\n"


def test_json_logs_name_network_channel_and_command_and_never_the_message(
    tmp_path: Path,
) -> None:
    result = gatherbot(
        "console",
        "--as",
        "alice",
        "--log-level",
        "info",
        "--log-format",
        "json",
        cwd=tmp_path,
        stdin=SESSION,
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(text) for text in result.stderr.splitlines()]
    outcomes = [
        (r["network"], r["channel"], r["command"], r["message"]) for r in records if r["command"]
    ]
    assert outcomes == [
        ("console:local", "#console", "newevent", "command newevent: ok"),
        ("console:local", "#console", "rsvp", "command rsvp: ok"),
        ("console:local", "#console", "rsvp", "command rsvp: refused"),
    ]
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    assert all(r["time"].endswith("Z") for r in records)
    assert PRIVATE not in result.stderr
    assert "Café" not in result.stderr


def test_text_logs_are_one_readable_line_tagged_with_the_command(tmp_path: Path) -> None:
    result = gatherbot(
        "console", "--as", "alice", "--log-level", "info", cwd=tmp_path, stdin=SESSION
    )
    assert result.returncode == 0, result.stderr
    tagged = [text for text in result.stderr.splitlines() if "[console:local #console" in text]
    assert len(tagged) == 3
    assert tagged[1].endswith("INFO bot.core: [console:local #console rsvp] command rsvp: ok")
    assert PRIVATE not in result.stderr
