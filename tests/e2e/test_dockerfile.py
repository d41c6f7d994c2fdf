"""The Dockerfile's own steps, run outside Docker (no Docker engine runs on these machines):
its COPY lines into a clean folder, its RUN lines (a fresh virtualenv, `pip install .`), then
its CMD with a config, until its HEALTHCHECK says healthy."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.irc.servers import free_port
from tests.telegram.fake_api import FakeBotApi

ROOT = Path(__file__).resolve().parents[2]
IMAGE_VENV = "/opt/gatherbot"
IMAGE_CONFIG = "/config/config.toml"


@dataclass
class Stage:
    copies: list[tuple[str, str]] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)
    user: str = ""
    base: str = ""


def read_dockerfile() -> list[Stage]:
    stages: list[Stage] = []
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        instruction, _, rest = text.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            stages.append(Stage(base=rest.split()[0]))
        elif instruction == "COPY" and not rest.startswith("--from"):
            *sources, destination = rest.split()
            stages[-1].copies += [(source, destination) for source in sources]
        elif instruction == "RUN":
            stages[-1].runs.append(rest)
        elif instruction == "CMD":
            stages[-1].cmd = json.loads(rest)
        elif instruction == "HEALTHCHECK":
            stages[-1].healthcheck = json.loads(rest[rest.index("CMD ") + 4 :])
        elif instruction == "USER":
            stages[-1].user = rest
    return stages


def test_the_image_is_multi_stage_slim_and_runs_as_a_user_of_its_own() -> None:
    build, final = read_dockerfile()
    assert build.base == final.base
    assert final.base.startswith("python:")
    assert final.base.endswith("-slim")
    assert final.user not in ("", "root", "0")
    assert final.cmd == ["gatherbot", "run", "--config", IMAGE_CONFIG]
    assert final.healthcheck[:2] == ["gatherbot", "health"]


async def test_the_dockerfile_steps_install_a_bot_that_starts_and_reports_healthy(
    tmp_path: Path,
) -> None:
    build, final = read_dockerfile()
    source, venv, data = tmp_path / "src", tmp_path / "venv", tmp_path / "data"
    source.mkdir()
    data.mkdir()
    for copied, destination in build.copies:
        target = source / destination
        if (ROOT / copied).is_dir():
            shutil.copytree(ROOT / copied, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / copied, target)
    # The image's `python` is this machine's interpreter.
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "python").symlink_to(sys.executable)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATHERBOT_", "VIRTUAL_ENV"))}
    env["PATH"] = f"{tools}:{env['PATH']}"
    for command in build.runs:
        await asyncio.to_thread(
            subprocess.run,
            ["/bin/sh", "-c", command.replace(IMAGE_VENV, str(venv))],
            cwd=source,
            env=env,
            check=True,
            capture_output=True,
            timeout=600,
        )
    env["PATH"] = f"{venv / 'bin'}:{env['PATH']}"

    async with FakeBotApi() as api:
        port = free_port()
        config = tmp_path / "config.toml"
        config.write_text(
            f'[bot]\ndatabase_url = "sqlite+aiosqlite:///{data / "gatherbot.db"}"\n'
            f'[health]\nlisten = "0.0.0.0:{port}"\n'
            f'[telegram]\napi_base_url = "{api.base_url}"\n'
        )
        env["GATHERBOT_TELEGRAM_TOKEN"] = api.token
        argv = [part.replace(IMAGE_CONFIG, str(config)) for part in final.cmd]
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=data,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            check = [part.replace(IMAGE_CONFIG, str(config)) for part in final.healthcheck]
            result = await _healthy(check, env)
            assert json.loads(result)["parts"] == {
                "database": "ok",
                "telegram:telegram": "ok",
                "scheduler": "ok",
            }
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()
    assert (data / "gatherbot.db").exists()
    # -P and another folder: the installed copy, not this checkout.
    installed = await asyncio.to_thread(
        subprocess.run,
        [str(venv / "bin" / "python"), "-P", "-c", "import bot; print(bot.__file__)"],
        cwd=data,
        capture_output=True,
        text=True,
        check=True,
    )
    assert installed.stdout.startswith(str(venv))


async def _healthy(check: list[str], env: dict[str, str], attempts: int = 60) -> str:
    """Run the HEALTHCHECK command until it passes (Docker's start period); its output."""
    output = ""
    for _ in range(attempts):
        process = await asyncio.create_subprocess_exec(
            *check, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await process.communicate()
        if process.returncode == 0:
            return out.decode()
        output = (out + err).decode()
        await asyncio.sleep(0.5)
    raise AssertionError(f"never healthy: {shlex.join(check)}: {output}")
