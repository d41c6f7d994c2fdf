"""The public page in a real browser: headless Chromium loads it from the bot's web server,
lists a gathering created in the chat, and shows an RSVP on reload.

Chromium is driven the plainest way: `chromium --headless --dump-dom URL` prints the
document it loaded and rendered (that needs JavaScript on; the page has none, and its
Content-Security-Policy would block any). A missing Chromium skips the test on a newcomer's
machine and fails it under CI=true (.ci/run installs it).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import Database
from tests.conftest import fresh_database_url
from tests.pages_harness import Community, visible_text

BROWSERS = ("chromium", "chromium-browser")
PHONE = "390,844"


def chromium() -> str:
    """The browser's path; skips (or, under CI=true, fails) when there is none."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found is not None:
            return found
    reason = "chromium is not installed: apt-get install -y chromium"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser test must run in CI; .ci/run installs it)")
    pytest.skip(reason)


async def rendered(browser: str, url: str, profile: Path) -> str:
    """What Chromium shows at ``url`` in a phone-sized window, as the DOM it built."""
    process = await asyncio.create_subprocess_exec(
        browser,
        "--headless",
        # Root (as in CI containers) cannot use Chromium's sandbox.
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={profile}",
        f"--window-size={PHONE}",
        "--dump-dom",
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    # Run while the server answers in this event loop.
    out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode(errors="replace")[-2000:]
    return out.decode()


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    # SQLite only: the HTML is the same on both databases (tests/integration/test_pages.py
    # covers PostgreSQL); here the browser is under test.
    db = Database(await fresh_database_url("sqlite", tmp_path))
    await db.upgrade()
    yield db
    await db.dispose()


async def test_the_browser_shows_a_created_gathering_and_an_rsvp_after_a_reload(
    database: Database, tmp_path: Path
) -> None:
    browser = chromium()
    community = Community(database)
    await community.say(
        "/newevent Developers Gathering | 2026-12-05 18:00-20:00 Europe/Warsaw | Café Nero "
        "| limit=20",
        "olga",
    )
    async with community.page_server() as site:
        dom = await rendered(browser, f"{site}/c/warsaw", tmp_path / "profile")
        await community.say("/rsvp 1 +1", "bob")
        again = visible_text(await rendered(browser, f"{site}/c/warsaw", tmp_path / "profile"))
    assert "<script" not in dom
    lines = visible_text(dom).splitlines()
    assert lines[lines.index("Developers Gathering") :][:7] == [
        "Developers Gathering",
        "When",
        "Sat 2026-12-05 18:00-20:00 CET (Europe/Warsaw) (in 14 days)",
        "Where",
        "Café Nero",
        "Going",
        "0/20 going · 20 seats left",
    ]
    assert "2/20 going · 18 seats left" in again.splitlines()
