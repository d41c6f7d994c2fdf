"""`/healthz` and `gatherbot health` (Docker's HEALTHCHECK) against a running `gatherbot run`:
healthy while connected, 503 naming the IRC network while its server is down, healthy again
once the bot is back, and `/metrics` counting the reconnect."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.irc.client import unique_name
from tests.irc.servers import Ngircd, free_port

GATHERBOT = Path(sys.executable).with_name("gatherbot")


async def health_cli(config: Path) -> tuple[int | None, dict[str, object]]:
    process = await asyncio.create_subprocess_exec(
        str(GATHERBOT),
        "health",
        "--config",
        str(config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert out, err.decode()
    return process.returncode, json.loads(out)


async def until_status(url: str, status: int, timeout: float = 30.0) -> None:  # noqa: ASYNC109
    async with aiohttp.ClientSession() as session, asyncio.timeout(timeout):
        while True:
            try:
                async with session.get(url) as response:
                    if response.status == status:
                        return
            except aiohttp.ClientConnectionError:
                pass  # not listening yet
            await asyncio.sleep(0.2)


async def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of `/metrics`, parsed with prometheus_client's own parser."""
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        assert response.content_type == "text/plain"
        text = await response.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_health_follows_the_irc_connection_down_and_back(
    fresh_ngircd: Ngircd, tmp_path: Path
) -> None:
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[bot]\ndatabase_url = "sqlite+aiosqlite:///{tmp_path / "bot.db"}"\n'
        f'[health]\nlisten = "127.0.0.1:{port}"\n'
        f'[[irc]]\nname = "local"\nhost = "{fresh_ngircd.host}"\nport = {fresh_ngircd.port}\n'
        f'tls = false\nnick = "{unique_name("hb")}"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATHERBOT_")}
    process = await asyncio.create_subprocess_exec(
        str(GATHERBOT),
        "run",
        "--config",
        str(config),
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        await until_status(url, 200)
        code, body = await health_cli(config)
        assert code == 0
        assert body == {
            "status": "ok",
            "failing": [],
            "parts": {"database": "ok", "irc:local": "ok", "scheduler": "ok"},
        }

        fresh_ngircd.kill()
        await until_status(url, 503)
        code, body = await health_cli(config)
        assert code == 1
        assert body["failing"] == ["irc:local"]
        assert body["parts"] == {
            "database": "ok",
            "irc:local": "not connected (reconnecting)",
            "scheduler": "ok",
        }

        fresh_ngircd.start()
        await until_status(url, 200, timeout=60)
        assert (await health_cli(config))[0] == 0

        metrics = await scrape(f"http://127.0.0.1:{port}/metrics")
        assert metrics[("gatherbot_irc_reconnects_total", (("network", "irc:local"),))] >= 1
        assert metrics[("gatherbot_irc_queued_lines", (("network", "irc:local"),))] == 0
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
    assert process.returncode == 0, stderr.decode()


def test_health_without_an_http_server_configured_says_so(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[bot]\n")
    result = subprocess.run(
        [str(GATHERBOT), "health", "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "gatherbot health: the config has neither [web] nor [health]"
