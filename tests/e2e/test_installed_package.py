"""`pip install .` gives a working bot anywhere: migrations ship inside the package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCAL_ONLY = (".git", ".venv", "build", "*.egg-info", "__pycache__", "*_cache", "*.db*")


def test_the_installed_package_migrates_and_chats_from_another_directory(tmp_path: Path) -> None:
    # Build from a clean copy: setuptools leaves build/ in the source folder, and a stale one
    # (a renamed migration, say) would be installed along with the real files.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*LOCAL_ONLY))
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # -P keeps the current folder off sys.path; PYTHONPATH puts the installed copy first, and
    # the dependencies come from this environment's site-packages.
    env = {**os.environ, "PYTHONPATH": str(target)}
    program = (
        "import sys, bot, migrations; from bot.cli import main; "
        "print(bot.__file__, migrations.__file__, file=sys.stderr); "
        "sys.exit(main(sys.argv[1:]))"
    )
    result = subprocess.run(
        [sys.executable, "-P", "-c", program, "console", "--as", "alice"],
        input="!newevent Coffee | in 2 hours | Café Nero\n!who 1\n",
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded_from = result.stderr.split()[:2]
    assert all(path.startswith(str(target)) for path in loaded_from), loaded_from
    assert result.stdout.startswith("Created #1 Coffee")
    assert "Nobody is going yet." in result.stdout
    assert (elsewhere / "gatherbot.db").exists()
