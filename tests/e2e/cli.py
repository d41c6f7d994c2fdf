"""Run the installed `gatherbot` command the way a person would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

GATHERBOT = Path(sys.executable).with_name("gatherbot")


def gatherbot(
    *args: str, cwd: Path, stdin: str = "", env: dict[str, str] | None = None, timeout: int = 60
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GATHERBOT_")}
    environment.update(env or {})
    return subprocess.run(
        [str(GATHERBOT), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=timeout,
        check=False,
    )
