"""`gatherbot run` as a deployment runs it: a separate process polling the local Bot API
server, answering, and stopping cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.telegram.fake_api import FakeBotApi

GATHERBOT = Path(sys.executable).with_name("gatherbot")


async def test_run_serves_telegram_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
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
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await api.wait_for(lambda: api.commands(), timeout=20)
            api.send_text(group, alice, "/newevent Coffee | 2027-01-01 18:00 | Café")
            card = (await api.wait_for(lambda: api.sent(group), timeout=20))[0]
            assert card.text.startswith("Created <b>#1 Coffee</b>")
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
        log = stderr.decode()
        assert process.returncode == 0, log
        assert "gatherbot stopped" in log
        assert api.token not in log
