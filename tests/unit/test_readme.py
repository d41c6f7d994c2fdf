"""The README's command reference and the bot's own help come from the same registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.commands import COMMANDS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("spec", COMMANDS, ids=lambda spec: spec.name)
def test_every_command_and_alias_is_in_the_readme(spec: object) -> None:
    name = spec.name  # type: ignore[attr-defined]
    aliases = spec.aliases  # type: ignore[attr-defined]
    assert f"| `{name}" in README
    for alias in aliases:
        assert f"`{alias}`" in README


def test_the_ci_script_runs_the_readme_test_command() -> None:
    command = ".venv/bin/pip install -e '.[test]' && .venv/bin/pytest"
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text(encoding="utf-8")
    assert command in README
    assert ci.rstrip().splitlines()[-1].endswith(command)
