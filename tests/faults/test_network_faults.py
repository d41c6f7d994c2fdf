"""Network and database faults against a real `gatherbot run` process (issue 7, item 6):
an IRC server restarted under load, a Bot API answering errors and late for a while, a
PostgreSQL restarted while people send commands. Short versions of bench/faults_network.py;
the scenarios themselves are in network_scenarios.py.

Needs ngIRCd and PostgreSQL's server binaries: skipped without them on a newcomer's machine,
failed under CI=true.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.core import DATABASE_UNREACHABLE
from tests.faults.network_scenarios import (
    Result,
    bot_api_faults,
    irc_server_restart,
    postgres_restart,
)
from tests.faults.private_postgres import PostgresUnavailable, bin_folder
from tests.irc.conftest import require


def require_postgres_binaries() -> None:
    if bin_folder() is not None:
        return
    reason = "PostgreSQL's server binaries are not installed: apt-get install -y postgresql"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the fault tests must run in CI)")
    pytest.skip(reason)


def explain(result: Result) -> str:
    return f"{result}\n" + "\n".join(result.details.get("log_tail", []))


async def test_an_irc_server_restart_under_load_loses_no_reminder_and_no_reply(
    tmp_path: Path,
) -> None:
    require("ngircd", "ngircd")
    result = await irc_server_restart(tmp_path, load_seconds=6, outage=3, rate=2)
    details = result.details
    # Every reminder once, those due while the bot was away included. IRC has no
    # acknowledgement: a line the bot wrote in the instant the server was killed is lost
    # without the bot knowing (seen in about 1 run in 8), so only what was due in the two
    # seconds before the kill may be missing.
    missing = set(details["missing_reminders"])
    assert missing <= set(details["reminders_due_just_before_kill"]), explain(result)
    assert details["reminders_due_while_down"] > 0, explain(result)
    # Every command that reached the bot got exactly one reply (but, the same way, replies
    # to what was asked just before the kill). Commands sent while the server was down, or
    # before the bot was back in the channel, never reached it.
    handled = sum(details["commands_handled"].values())
    assert details["replies"] <= handled, explain(result)
    lost_replies = handled - details["replies"]
    assert lost_replies <= details["commands_sent_just_before_kill"], explain(result)
    assert details["commands_handled"].get("ok", 0) > 0, explain(result)
    assert result.duplicated == 0, explain(result)
    assert details["returncode"] == 0, explain(result)


async def test_bot_api_errors_and_late_answers_lose_nothing_but_ambiguous_sends(
    tmp_path: Path,
) -> None:
    result = await bot_api_faults(tmp_path, window=6, rate=2)
    details = result.details
    # The bot logged every answer the fake held back past its timeout as ambiguous...
    assert result.ambiguous == details["late_performed"] + details["late_not_performed"], explain(
        result
    )
    assert result.ambiguous > 0, explain(result)
    # ... and re-sent none: nothing twice, not even what had been performed.
    assert result.duplicated == 0, explain(result)
    # Every reminder arrived but those whose only send was a late failure.
    lost = details["reminders_lost_in_late_failures"]
    assert details["missing_reminders"] == lost, explain(result)
    assert result.delivered == result.expected - len(lost), explain(result)
    # Every command got its reply but those lost the same way (none given up).
    handled = sum(details["commands_handled"].values())
    lost_replies = details["replies_lost_in_late_failures"]
    assert details["replies"] == handled - len(lost_replies), explain(result)
    assert details["replies_given_up"] == 0, explain(result)
    assert details["returncode"] == 0, explain(result)


async def test_a_postgresql_restart_gets_honest_answers_and_the_bot_recovers_alone(
    tmp_path: Path,
) -> None:
    require_postgres_binaries()
    try:
        result = await postgres_restart(tmp_path, outage=4)
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    answers = result.details["answers"]
    assert answers["during"] == [DATABASE_UNREACHABLE] * len(answers["during"]), explain(result)
    assert result.details["normal_before_and_after"] == result.details["asked_before_and_after"], (
        explain(result)
    )
    # Reminders due in the outage went out once, within seconds of the restart.
    assert result.delivered == result.expected, explain(result)
    assert result.duplicated == 0, explain(result)
    assert result.recovery_s < 15, explain(result)
    assert result.details["returncode"] == 0, explain(result)
