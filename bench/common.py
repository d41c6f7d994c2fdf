"""What every latency benchmark here shares: the machine line, the table and the arguments."""

from __future__ import annotations

import argparse
import platform
from collections.abc import Sequence
from typing import Protocol

# Every benchmark's goal: gatherbot's p50 within this factor of the floor's.
GOAL_RATIO = 1.5


class Row(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def latencies_ms(self) -> list[float]: ...

    @property
    def throughput(self) -> float: ...

    def quantile(self, percent: int) -> float: ...


def chunks(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` sizes that differ by at most one."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for row in cpuinfo:
                if row.startswith("model name"):
                    return row.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def print_table(floor: Row, bot: Row, goal: str, between: Sequence[Row] = ()) -> bool:
    """The floor and gatherbot side by side, then the verdict; True when the goal is met.

    ``between``: further rows, shown between the two with their own ratio to the floor; the
    verdict is gatherbot's alone."""
    print()
    header = (
        f"{'':<10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'cmd/s':>9}"
        f"{'p50 vs floor':>14}"
    )
    print(header)
    print("-" * len(header))
    ratio = bot.quantile(50) / floor.quantile(50)
    for row in (floor, *between, bot):
        shown = "1.00x" if row is floor else f"{row.quantile(50) / floor.quantile(50):.2f}x"
        print(
            f"{row.name:<10}{row.quantile(50):>9.2f}{row.quantile(95):>9.2f}"
            f"{row.quantile(99):>9.2f}{max(row.latencies_ms):>9.2f}{row.throughput:>9.1f}"
            f"{shown:>14}"
        )
    met = ratio <= GOAL_RATIO
    print()
    print(
        f"{goal} p50 within {GOAL_RATIO}x of the floor: {'met' if met else 'NOT met'} "
        f"({ratio:.2f}x)"
    )
    return met


def print_goals(rows: Sequence[tuple[str, str, float, float | None, str]]) -> bool:
    """One line per metric: (name, goal as shown, measured, upper limit or None for a
    number shown without a goal, the floor's value or ""); True when every goal is met."""
    print()
    header = f"{'':<20}{'goal':>10}{'measured':>11}{'floor':>9}{'':>9}"
    print(header)
    print("-" * len(header))
    met = True
    for name, goal, measured, limit, floor in rows:
        verdict = ""
        if limit is not None:
            verdict = "pass" if measured < limit else "FAIL"
            met = met and measured < limit
        print(f"{name:<20}{goal:>10}{measured:>11.2f}{floor:>9}{verdict:>9}")
    print()
    print(f"goals: {'all met' if met else 'NOT all met'}")
    return met


def parse_args(prog: str, description: str, argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument(
        "--count", type=int, default=200, help="commands per phase and bot (default 200)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=8,
        help="latency chunks per bot, alternating between the bots (default 8)",
    )
    args = parser.parse_args(argv)
    if args.count < 2:
        parser.error("--count must be at least 2")
    if not 1 <= args.rounds <= args.count:
        parser.error("--rounds must be between 1 and --count")
    return args
