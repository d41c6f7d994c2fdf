"""A PostgreSQL server of the test's own, which it may stop and start at will.

The machine's shared PostgreSQL serves other tests (and other people): a test that restarts
a database must own it. `PrivatePostgres` runs `initdb` into a temporary folder and starts a
postmaster on a free loopback port, with its socket in that folder and `trust` login.

`initdb` and `postgres` refuse to run as root, so under root they run as the `postgres`
system user (which must exist, as the Debian packages create it) on a folder it owns.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Self

HOST = "127.0.0.1"


class PostgresUnavailable(RuntimeError):
    """PostgreSQL's server binaries are not installed (or cannot be run here)."""


def bin_folder() -> Path | None:
    """Where initdb, pg_ctl and postgres live: `pg_config --bindir`, else the newest
    /usr/lib/postgresql/*/bin (Debian keeps them off the PATH)."""
    candidates: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidates.append(found.stdout.strip())
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True
    )
    for folder in candidates:
        if folder and (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class PrivatePostgres:
    """`start()`, `stop()` (immediate: a crash as far as clients can tell), `close()`."""

    def __init__(self) -> None:
        folder = bin_folder()
        if folder is None:
            raise PostgresUnavailable("PostgreSQL's server binaries (initdb, pg_ctl) are missing")
        self._bin = folder
        self._as_root = os.geteuid() == 0
        if self._as_root and shutil.which("runuser") is None:
            raise PostgresUnavailable("running as root needs runuser to start PostgreSQL")
        self.folder = Path(tempfile.mkdtemp(prefix="gatherbot-pg-"))
        self.data = self.folder / "data"
        self.log_path = self.folder / "postgres.log"
        self.port = _free_port()
        if self._as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        self._initialised = False

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@{HOST}:{self.port}/postgres"

    def _run(self, *argv: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        command = [str(self._bin / argv[0]), *argv[1:]]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout)

    def _check(self, result: subprocess.CompletedProcess[str], what: str) -> None:
        if result.returncode != 0:
            raise RuntimeError(
                f"{what} failed:\n{result.stdout}\n{result.stderr}\n{self.log_tail()}"
            )

    def start(self, timeout: float = 30.0) -> Self:
        """initdb (the first time), then start on the same port; returns once it accepts
        connections (`pg_ctl -w`)."""
        if not self._initialised:
            result = self._run(
                "initdb", "-D", str(self.data), "--auth=trust", "-U", "postgres", "--no-sync"
            )
            self._check(result, "initdb")
            self._initialised = True
        # fsync off: the test's data need not survive a power cut, and it starts faster.
        options = f"-p {self.port} -k {self.folder} -c listen_addresses={HOST} -c fsync=off"
        result = self._run(
            "pg_ctl",
            *("-D", str(self.data), "-o", options, "-l", str(self.log_path)),
            *("-w", "-t", str(int(timeout)), "start"),
            timeout=timeout + 10,
        )
        self._check(result, "pg_ctl start")
        return self

    def stop(self, mode: str = "immediate") -> None:
        """`immediate`: the postmaster kills its backends at once, no checkpoint; every
        client's connection drops, as in a crash."""
        result = self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")
        self._check(result, "pg_ctl stop")

    @property
    def running(self) -> bool:
        return (
            self._initialised
            and self._run("pg_ctl", "-D", str(self.data), "status").returncode == 0
        )

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no PostgreSQL log)"
        return "\n".join(text.splitlines()[-lines:])

    def close(self) -> None:
        if self._initialised and self.running:
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
