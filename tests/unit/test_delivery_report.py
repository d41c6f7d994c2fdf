"""How `gatherbot deliveries` words what it shows, and the arguments it refuses before it
opens any database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.delivery_report import describe, kind_label, problems_table, retry_report
from bot.domain import ChannelKind, ChannelRef, DeliveryState, UserRef
from storage.delivery_report import Problem, ProblemCounts, RetryOutcome

DUE = datetime(2026, 11, 24, 18, 0, 42, tzinfo=UTC)
GROUP = ChannelRef("telegram", "telegram", "-100123", ChannelKind.GROUP, "Board games")


def problem(**changes: object) -> Problem:
    values: dict[str, object] = {
        "id": 7,
        "state": DeliveryState.FAILED,
        "kind": "remind:1h",
        "event_id": 3,
        "event_title": "Coffee",
        "target": GROUP,
        "due_at": DUE,
        "attempts": 1,
        "last_error": "Telegram refused it: Forbidden: bot was kicked from the group chat",
    }
    values.update(changes)
    return Problem(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("remind:1d2h", "reminder 1d2h before"),
        ("start", "start post"),
        ("promoted", "notice: off waitlist"),
        ("changed", "notice: changed"),
        ("cancelled", "notice: cancelled"),
        ("poll_picked", "notice: poll decided"),
        ("digest", "weekly digest"),
    ],
)
def test_every_kind_is_named_in_words(kind: str, label: str) -> None:
    assert kind_label(kind) == label


def test_a_row_names_the_event_the_target_and_the_error_shortened() -> None:
    long_title = problem(event_title="A very long title for a board games night at the pub")
    person = UserRef("irc", "libera", "bob", "bob")
    digest = problem(id=8, kind="digest", event_id=None, target=person, state=DeliveryState.PENDING)
    lines = problems_table([long_title, digest], ProblemCounts(1, 1), failed_only=False)
    error = "Telegram refused it: Forbidden: bot was kicked from the group chat"
    assert lines.splitlines() == [
        "id  state     kind                event                          to"
        + " " * 39
        + "due (UTC)         tries  last error",
        "7   failed    reminder 1h before  #3 A very long title for a b…  "
        f"channel Board games (telegram:telegram)  2026-11-24 18:00  1      {error}",
        "8   retrying  weekly digest       -                              "
        f"person bob (irc:libera)                  2026-11-24 18:00  1      {error}",
        "",
        "1 failed, 1 being retried. Send failed ones again with: "
        "gatherbot deliveries retry ID [ID ...]",
    ]


def test_what_people_and_networks_wrote_cannot_reach_the_terminal_as_control_codes() -> None:
    sneaky = problem(event_title="Coffee\x1b[2J", last_error="line one\nline two")
    shown = problems_table([sneaky], ProblemCounts(1, 0), failed_only=True)
    assert "\x1b" not in shown
    assert "line one line two" in shown
    assert describe(sneaky) == (
        "#7 reminder 1h before for #3 Coffee [2J to channel Board games (telegram:telegram)"
    )


def test_nothing_to_show_is_said_in_one_line() -> None:
    assert problems_table([], ProblemCounts(0, 0), failed_only=False) == (
        "Nothing failed or waiting for a retry."
    )
    assert problems_table([], ProblemCounts(0, 2), failed_only=True) == (
        "0 failed, 2 being retried."
    )


def test_retry_says_what_goes_out_again_and_why_each_other_id_was_refused() -> None:
    outcome = RetryOutcome(
        retried=[problem(state=DeliveryState.PENDING, attempts=0, last_error="")],
        refused={
            12: (DeliveryState.SENT, 1),
            13: (DeliveryState.PENDING, 3),
            14: (DeliveryState.PENDING, 0),
            15: (DeliveryState.CLAIMED, 1),
            99: None,
        },
    )
    done, refused = retry_report(outcome)
    assert done[0] == (
        "#7 reminder 1h before for #3 Coffee to channel Board games (telegram:telegram): "
        "will be sent again"
    )
    assert "skipped instead" in done[1]
    assert refused == [
        "#12: not failed (it is sent); only failed ones can be retried",
        "#13: not failed (it is being retried); only failed ones can be retried",
        "#14: not failed (it is waiting to be sent); only failed ones can be retried",
        "#15: not failed (it is being sent); only failed ones can be retried",
        "#99: no such message",
    ]


def test_the_database_must_be_named_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("")
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    for argv in (
        ["deliveries"],
        ["deliveries", "retry", "3"],
        ["deliveries", "--database", url, "--config", str(config)],
        ["deliveries", "--config", str(config), "retry", "3", "--database", url],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.endswith(": give either --database URL or --config FILE\n"), argv
    assert not (tmp_path / "x.db").exists()
