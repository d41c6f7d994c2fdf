"""`gatherbot run` as a deployment runs it: a separate process polling the local Bot API
server, answering, and stopping cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from tests.ahead import SATURDAY
from tests.telegram.fake_api import FakeBotApi

GATHERBOT = Path(sys.executable).with_name("gatherbot")


async def test_run_serves_telegram_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    log, returncode = await _serve_one_command(tmp_path)
    assert returncode == 0, log
    assert "gatherbot stopped" in log


async def test_json_logs_never_show_the_token_even_in_a_traceback(tmp_path: Path) -> None:
    log, returncode = await _serve_one_command(
        tmp_path, "--log-format", "json", "--log-level", "debug", error_with_token=True
    )
    assert returncode == 0, log
    records = [json.loads(text) for text in log.splitlines()]
    assert any(r["command"] == "newevent" and r["network"] == "telegram:telegram" for r in records)
    # The reply Telegram refused is logged, tagged with its command, the token blanked.
    refused = [r for r in records if "refused" in r["message"]]
    assert [(r["command"], r["channel"]) for r in refused] == [("events", "-100777")]
    assert "<secret>" in refused[0]["message"]


async def _serve_one_command(
    tmp_path: Path, *options: str, error_with_token: bool = False
) -> tuple[str, int | None]:
    """Run the bot against the fake API until it has answered one command, stop it with
    SIGTERM; its log (stderr) and exit code. With ``error_with_token`` the first answer
    fails with an error whose text quotes the token (as a proxy's error page might)."""
    async with FakeBotApi() as api:
        group = api.group(-100777, "Devs")
        alice = api.user(7, "Alice")
        config = tmp_path / "config.toml"
        config.write_text(
            f'[bot]\ndatabase_url = "sqlite+aiosqlite:///{tmp_path / "bot.db"}"\n'
            f'[telegram]\napi_base_url = "{api.base_url}"\n'
        )
        env = {**os.environ, "GATHERBOT_TELEGRAM_TOKEN": api.token}
        process = await asyncio.create_subprocess_exec(
            str(GATHERBOT),
            "run",
            "--config",
            str(config),
            *options,
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await api.wait_for(lambda: api.commands(), timeout=20)
            if error_with_token:
                api.fail_next("sendMessage", 400, description=f"Bad Request: bot{api.token}")
                api.send_text(group, alice, "/events")
                await api.wait_for(lambda: api.calls_to("sendMessage"), timeout=20)
            api.send_text(group, alice, f"/newevent Coffee | {SATURDAY} 18:00 | Café")
            card = (await api.wait_for(lambda: api.sent(group), timeout=20))[0]
            assert card.text.startswith("Created <b>#1 Coffee</b>")
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
        log = stderr.decode()
        assert api.token.lower() not in log.lower()
        return log, process.returncode
