"""The core stays network-free: adapters depend on it, never the other way round."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NETWORK_LIBRARIES = {"telegram", "irc", "aiohttp", "httpx"}


def imported_modules(package: str) -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((str(path.relative_to(ROOT)), node.module))
    return found


@pytest.mark.parametrize("package", ["bot", "storage"])
def test_core_and_storage_import_no_network_library(package: str) -> None:
    offending = [
        (path, module)
        for path, module in imported_modules(package)
        if module.split(".")[0] in NETWORK_LIBRARIES
    ]
    assert offending == []


def test_core_and_storage_never_import_adapters_at_module_level() -> None:
    offending = [
        (path, module)
        for package in ("bot", "storage")
        for path, module in imported_modules(package)
        if module.split(".")[0] == "adapters" and path != "bot/cli.py"
    ]
    assert offending == []


def test_loading_the_whole_core_loads_no_network_library() -> None:
    probe = (
        "import sys, bot.core, bot.app, bot.cli, bot.commands, storage; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{sorted(NETWORK_LIBRARIES)!r}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"
