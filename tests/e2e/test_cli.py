"""The `gatherbot` command line: config checks, migrations, and `run` without networks."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from tests.ahead import SATURDAY
from tests.e2e.cli import gatherbot

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:SECRET-TOKEN-never-print-me"


def test_the_example_config_is_valid(tmp_path: Path) -> None:
    result = gatherbot("check-config", str(ROOT / "config.example.toml"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "config.example.toml: OK" in result.stdout
    assert "irc libera: gatherbot at irc.libera.chat:6697 (TLS, SASL)" in result.stdout
    assert "replace-me" not in result.stdout + result.stderr


def test_a_bad_config_names_the_key_and_never_shows_the_token(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[bot]\ntimezone = "Europe/Warsow"\n[telegram]\ntoken = "{TOKEN}"\napi_base = "x"\n'
    )
    result = gatherbot("check-config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert "[bot] timezone: Unknown time zone 'Europe/Warsow'. Did you mean Europe/Warsaw?" in (
        result.stderr
    )
    assert "[telegram] api_base: unknown key" in result.stderr
    assert TOKEN not in result.stdout + result.stderr


def test_the_token_can_come_from_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[telegram]\n")
    missing = gatherbot("check-config", str(config), cwd=tmp_path)
    assert "[telegram] token: missing" in missing.stderr
    given = gatherbot(
        "check-config", str(config), cwd=tmp_path, env={"GATHERBOT_TELEGRAM_TOKEN": TOKEN}
    )
    assert given.returncode == 0
    assert "telegram: network telegram" in given.stdout
    assert TOKEN not in given.stdout + given.stderr


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    result = gatherbot("db", "upgrade", "--database", url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"database is up to date: {url}"
    with sqlite3.connect(tmp_path / "bot.db") as connection:
        tables = {row[0] for row in connection.execute("select name from sqlite_master")}
    assert {"events", "rsvps", "people", "channels", "alembic_version"} <= tables


def test_run_says_what_is_missing_when_no_network_can_start(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[bot]\ntimezone = "Europe/Berlin"\n')
    result = gatherbot("run", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert "no network to start: configure [telegram] or an [[irc]] network" in result.stderr


def test_a_database_that_cannot_be_opened_gets_one_line_without_the_password(
    tmp_path: Path,
) -> None:
    cases = {
        "sqlite+aiosqlite:////nonexistent/folder/x.db": "unable to open database file",
        "postgresql+asyncpg://postgres:hunter2@127.0.0.1:1/x": "Connect call failed",
        "not a url": "not a database URL",
        # SQLAlchemy's default drivers are not asyncio ones: the fix is named.
        "sqlite:///x.db": "cannot use sqlite:///x.db: write sqlite+aiosqlite:///x.db",
        "postgresql://postgres:hunter2@db/x": (
            "write postgresql+asyncpg://postgres:***@db/x (gatherbot supports sqlite+aiosqlite "
            "and postgresql+asyncpg)"
        ),
        "mysql+aiomysql://u@db/x": "gatherbot supports sqlite+aiosqlite and postgresql+asyncpg",
    }
    for url, reason in cases.items():
        result = gatherbot("console", "--database", url, cwd=tmp_path, stdin="!events\n")
        assert result.returncode == 2
        assert result.stderr.startswith("gatherbot: "), result.stderr
        assert reason in result.stderr
        assert "Traceback" not in result.stderr
        assert "hunter2" not in result.stderr


def test_export_of_a_mistyped_sqlite_path_says_so_and_creates_nothing(tmp_path: Path) -> None:
    typo = tmp_path / "gatherbto.db"
    url = f"sqlite+aiosqlite:///{typo}"
    result = gatherbot("export", "out.json", "--database", url, cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.strip() == (
        f"gatherbot: {url} holds no gatherbot database: there is no file {typo} (check "
        "--database or the config's database_url)"
    )
    assert not typo.exists()
    assert not (tmp_path / "out.json").exists()


def test_export_and_import_move_the_bot_to_another_database(tmp_path: Path) -> None:
    old = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    new = f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
    session = f"!newevent Coffee | {SATURDAY} 18:00 | Café | limit=1\n!rsvp 1\n"
    gatherbot("console", "--as", "alice", "--database", old, cwd=tmp_path, stdin=session)
    gatherbot("console", "--as", "bob", "--database", old, cwd=tmp_path, stdin="!rsvp 1\n")

    exported = gatherbot("export", "moving.json", "--database", old, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    # Deliveries: the event's reminders and start post, planned when it was created.
    assert re.fullmatch(
        rf"exported {re.escape(old)} to moving\.json: "
        r"1 event, 2 RSVPs, 2 people, 1 channel, [1-9]\d* deliveries",
        exported.stdout.strip(),
    )
    imported = gatherbot("import", "moving.json", "--database", new, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.startswith(f"imported moving.json into {new}: 1 event, 2 RSVPs")

    who = gatherbot("console", "--database", new, cwd=tmp_path, stdin="!who 1\n")
    assert "Going (1): alice" in who.stdout
    assert "Waitlist (1): 1. bob" in who.stdout

    again = gatherbot("import", "moving.json", "--database", new, cwd=tmp_path)
    assert again.returncode == 2
    assert again.stderr.startswith("gatherbot import: the database already holds data (")
    assert "import only into an empty database" in again.stderr

    (tmp_path / "notes.json").write_text("[1, 2]")
    wrong = gatherbot("import", "notes.json", "--database", new, cwd=tmp_path)
    assert wrong.returncode == 2
    assert (
        wrong.stderr.strip()
        == "gatherbot import: not a gatherbot export (made by `gatherbot export FILE`)"
    )
