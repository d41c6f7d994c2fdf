"""The fault-injection runs behind the README's Reliability rows (issue 7, item 6): the
longer variant of tests/faults/test_network_faults.py, each against a real `gatherbot run`.

    .venv/bin/python -m bench.faults_network            # about 3 minutes
    .venv/bin/python -m bench.faults_network --quick    # the CI sizes, about a minute

- IRC: ngIRCd SIGKILLed under a steady command load (`!rsvp N maybe` / `!who N`, one event
  each) and started again on its port; reminders due before, during and after.
- Bot API: sendMessage answers 502 (nginx's page), 500, 429 with retry_after, and answers
  too late (performed or not) for half the calls during the window, while reminders fall due
  in four groups and people send commands.
- PostgreSQL: a private server stopped with `pg_ctl stop -m immediate` while commands arrive,
  started again; reminders due in the outage.

Needs ngIRCd and PostgreSQL's server binaries (as the tests do).
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.common import cpu_model
from tests.faults.network_scenarios import (
    Result,
    bot_api_faults,
    irc_server_restart,
    postgres_restart,
)


async def run_all(quick: bool) -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        irc = Path(folder) / "irc"
        irc.mkdir()
        if quick:
            results.append(await irc_server_restart(irc, load_seconds=6, outage=3, rate=2))
        else:
            results.append(
                await irc_server_restart(irc, load_seconds=40, outage=10, rate=4, reminders=40)
            )
        api = Path(folder) / "api"
        api.mkdir()
        window = 6.0 if quick else 30.0
        rate = 2.0 if quick else 4.0
        results.append(
            await bot_api_faults(api, window=window, rate=rate, reminders=16 if quick else 60)
        )
        pg = Path(folder) / "pg"
        pg.mkdir()
        results.append(await postgres_restart(pg, outage=4 if quick else 15, commands=3))
    return results


def print_table(results: Sequence[Result]) -> None:
    header = (
        f"{'scenario':<32}{'expected':>9}{'delivered':>10}{'duplicated':>11}"
        f"{'ambiguous':>10}{'recovery s':>11}"
    )
    print()
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.scenario:<32}{r.expected:>9}{r.delivered:>10}{r.duplicated:>11}"
            f"{r.ambiguous:>10}{r.recovery_s:>11.1f}"
        )
    print()
    for r in results:
        print(f"{r.scenario}: load {r.load}; faults {r.faults}")
        for note in r.notes:
            print(f"  {note}")
        shown = {k: v for k, v in r.details.items() if k not in ("log_tail", "answers")}
        print(f"  {shown}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the CI sizes")
    args = parser.parse_args(argv)
    print(f"{datetime.now(UTC):%Y-%m-%d} · {cpu_model()} · Python {platform.python_version()}")
    results = asyncio.run(run_all(args.quick))
    print_table(results)
    clean = all(r.duplicated == 0 for r in results)
    return 0 if clean else 1


if __name__ == "__main__":
    raise SystemExit(main())
