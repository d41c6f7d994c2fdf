"""`gatherbot run` as a deployment runs it: a separate process on a real IRC server, with
Telegram and IRC both configured, answering on IRC and quitting cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.irc.bot import from_bot
from tests.irc.client import IrcUsers, unique_name
from tests.irc.servers import Ngircd
from tests.telegram.fake_api import FakeBotApi

GATHERBOT = Path(sys.executable).with_name("gatherbot")
PASSWORD = "irc-password-never-print-me"


async def test_run_serves_irc_beside_telegram_and_quits_cleanly_on_sigterm(
    ngircd: Ngircd, irc_users: IrcUsers, tmp_path: Path
) -> None:
    nick, channel = unique_name("runbot"), f"#{unique_name('run')}"
    async with FakeBotApi() as api:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[bot]\ndatabase_url = "sqlite+aiosqlite:///{tmp_path / "bot.db"}"\n'
            f'[telegram]\napi_base_url = "{api.base_url}"\n'
            f'[[irc]]\nname = "local"\nhost = "{ngircd.host}"\nport = {ngircd.port}\n'
            f'tls = false\nnick = "{nick}"\nchannels = ["{channel}"]\n'
            f'sasl_username = "{nick}"\n'
        )
        env = {
            **os.environ,
            "GATHERBOT_TELEGRAM_TOKEN": api.token,
            # No services on ngIRCd: the bot falls back to NickServ, which must not leak it.
            "GATHERBOT_IRC_LOCAL_PASSWORD": PASSWORD,
        }
        process = await asyncio.create_subprocess_exec(
            str(GATHERBOT),
            "run",
            "--config",
            str(config),
            "--log-level",
            "debug",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            lena = await irc_users.connect(ngircd, unique_name("lena"))
            await lena.join(channel)
            await lena.wait_for(lambda m: m.command == "JOIN" and m.nick == nick, timeout=30)
            await lena.privmsg(channel, "!events")
            answer = await lena.wait_for(from_bot(nick))
            assert answer.text.startswith("No upcoming events here.")
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
        await lena.wait_for(lambda m: m.command == "QUIT" and m.nick == nick)
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "adapter started: irc:local" in log
    assert "gatherbot stopped" in log
    assert PASSWORD not in log
    assert api.token not in log
