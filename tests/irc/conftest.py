"""Real IRC servers for the IRC tests, started once per session where they can be shared.

Servers are plain subprocesses started by sync fixtures (no event loop involved), so tests of
any loop scope can use them. A missing server binary skips the tests on a newcomer's machine
and fails them under CI=true (a skipped test in CI counts as a missing test).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.irc.client import IrcUsers
from tests.irc.servers import Ngircd, ServicesNet, find_binary


def require(binary: str, package: str) -> None:
    """Skip (or, under CI=true, fail) when a server binary is not installed."""
    if find_binary(binary) is not None:
        return
    reason = f"{binary} is not installed: apt-get install -y {package}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: IRC tests must run in CI; .ci/run installs it)")
    pytest.skip(reason)


def _started(server: Ngircd) -> Iterator[Ngircd]:
    require("ngircd", "ngircd")
    with server:
        yield server


@pytest.fixture(scope="session")
def ngircd() -> Iterator[Ngircd]:
    """An ngIRCd shared by the whole session, without flood penalties (fast tests).

    Shared: use fresh nicks (`unique_name`) and channels in every test.
    """
    yield from _started(Ngircd(penalties=False))


@pytest.fixture(scope="module")
def ngircd_penalties() -> Iterator[Ngircd]:
    """An ngIRCd with its default flood penalties, for the flood test."""
    yield from _started(Ngircd(penalties=True))


@pytest.fixture(scope="module")
def tls_ngircd() -> Iterator[Ngircd]:
    """An ngIRCd that also listens with TLS (`tls_port`), on a self-signed certificate."""
    yield from _started(Ngircd(tls=True))


@pytest.fixture(scope="module")
def short_nick_ngircd() -> Iterator[Ngircd]:
    """An ngIRCd with RFC 1459's 9-character nicks (ngIRCd's own default)."""
    yield from _started(Ngircd(max_nick_length=9))


@pytest.fixture
def fresh_ngircd() -> Iterator[Ngircd]:
    """An ngIRCd of this test's own, which it may kill and start again on the same port."""
    yield from _started(Ngircd(penalties=False))


@pytest.fixture(scope="session")
def services_net() -> Iterator[ServicesNet]:
    """InspIRCd 3 linked to Atheme services (SASL, account-tag), shared by the session."""
    require("inspircd", "inspircd")
    require("atheme-services", "atheme-services")
    with ServicesNet() as net:
        yield net


@pytest.fixture
async def irc_users() -> AsyncIterator[IrcUsers]:
    """Connects test users (`await irc_users.connect(server, nick)`); quits them afterwards."""
    users = IrcUsers()
    yield users
    await users.close()
