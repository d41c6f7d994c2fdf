"""Reminders survive a `kill -9` of the bot and rolling restarts of two bots on one database.

Real `gatherbot run` processes send to a fake Bot API server (real HTTP on 127.0.0.1) that
counts what arrives per (group, event): see bench/faults.py, which runs the same scenarios
bigger and prints the README's Reliability table.

What "exactly once" means here: a reminder is claimed in the database before it is sent and
marked sent after Telegram answers. SIGTERM lets the sends under way finish and gives the rest
back, so a clean stop never sends one twice. SIGKILL between Telegram's answer and the mark
leaves the row claimed; after the lease another process sends it again. That is the one way
to get a duplicate, so the kill test counts those rows at the moment of the kill and requires
the duplicates to be exactly them, at most one per concurrent send.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.faults import CONCURRENCY, Load, kill_scenario, rolling_scenario
from tests.conftest import fresh_database_url

# 1,000 reminders in 20 groups, due over 6 s from 2 s after seeding: the bot sends about 100
# a second here, so the kill at half of them lands while more are due.
KILL_LOAD = Load(reminders=1000, channels=20, window=6.0, lead=2.0, lease=5.0)
# Two bots sharing 2 cores send about 50 a second together: 400 over 6 s keep both busy
# through both restarts.
ROLLING_LOAD = Load(reminders=400, channels=20, window=6.0, lead=3.0, lease=5.0)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_kill_9_mid_delivery_then_restart_delivers_every_reminder(
    kind: str, tmp_path: Path
) -> None:
    url = await fresh_database_url(kind, tmp_path)

    result = await kill_scenario(tmp_path, url, KILL_LOAD, kills=1, database=kind)

    assert result.missing == [], f"never delivered: {result.missing[:20]}"
    assert result.delivered == KILL_LOAD.reminders
    # Duplicates only where the design allows them: answered by Telegram, not yet marked
    # when the bot died; each of those exactly once more, after the lease.
    assert result.duplicated == result.at_risk, result
    assert result.at_risk <= CONCURRENCY
    assert result.unexplained == []
    # The restarted process took over: both generations sent.
    assert len(result.senders) == 2, result.senders


async def test_two_bots_on_one_postgresql_with_rolling_restarts_send_each_reminder_once(
    tmp_path: Path,
) -> None:
    url = await fresh_database_url("postgresql", tmp_path)

    result = await rolling_scenario(tmp_path, url, ROLLING_LOAD, restarts=2)

    assert result.missing == [], f"never delivered: {result.missing[:20]}"
    assert result.delivered == ROLLING_LOAD.reminders
    assert result.duplicated == 0, result.unexplained
    # The two instances shared the work (a late restart may find nothing left to send).
    assert len(result.senders) >= 2, result.senders
