"""Real IRC servers for the IRC adapter's end-to-end tests.

- `Ngircd`: one ngIRCd on a random loopback port. Flood penalties off by default (fast
  tests); `penalties=True` keeps ngIRCd's own throttling for the flood test. It can be
  killed (a crash) and started again on the same port (the bot must reconnect).
- `ServicesNet`: InspIRCd 3 linked to Atheme services, for SASL PLAIN and the IRCv3
  account extensions (account-tag, extended-join, account-notify).

Servers are plain subprocesses with blocking readiness checks, so session fixtures need no
event loop. Each server writes its config and logs into its own temporary folder; a start
that fails raises `ServerStartError` with the tail of the logs.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Self

from tests.irc.client import IrcUser, unique_name

HOST = "127.0.0.1"


def _same(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


class ServerStartError(RuntimeError):
    """A server did not come up; the message carries the tail of its logs."""


def find_binary(name: str) -> str | None:
    """The path of a server binary: PATH first, then the sbin folders (not on a user's PATH)."""
    found = shutil.which(name)
    if found:
        return found
    for folder in ("/usr/sbin", "/usr/local/sbin", "/sbin"):
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def free_port() -> int:
    """A port nobody listens on right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"({path.name}: no log)"
    return f"--- {path.name} (last {lines} lines) ---\n" + "\n".join(text.splitlines()[-lines:])


def _recv_lines(sock: socket.socket, buffer: bytearray) -> list[str]:
    """Block for the next chunk and return the complete lines in it (the rest stays buffered)."""
    chunk = sock.recv(65536)
    if not chunk:
        raise ConnectionError("server closed the connection")
    buffer.extend(chunk)
    lines = []
    while b"\n" in buffer:
        line, _, rest = bytes(buffer).partition(b"\n")
        buffer[:] = rest
        lines.append(line.rstrip(b"\r").decode("utf-8", "replace"))
    return lines


def _probe_registration(port: int, timeout: float) -> bool:
    """True if a client can connect and register (gets 001) within `timeout` seconds."""
    nick = unique_name("probe")
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(f"NICK {nick}\r\nUSER probe 0 * :readiness probe\r\n".encode())
            buffer = bytearray()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                for line in _recv_lines(sock, buffer):
                    parts = line.split()
                    if parts and parts[0] == "PING":
                        sock.sendall(f"PONG {' '.join(parts[1:])}\r\n".encode())
                    elif len(parts) > 1 and parts[1] == "001":
                        sock.sendall(b"QUIT :probe done\r\n")
                        return True
    except OSError:
        return False
    return False


def _probe_caps(port: int, timeout: float) -> set[str]:
    """The capability names a server offers to `CAP LS 302` (empty if it cannot answer)."""
    caps: set[str] = set()
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(b"CAP LS 302\r\n")
            buffer = bytearray()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                for line in _recv_lines(sock, buffer):
                    # :server CAP * LS [*] :cap1 cap2=value ...
                    head, _, trailing = line.partition(" :")
                    words = head.split()
                    if len(words) >= 4 and words[1] == "CAP" and words[3] == "LS":
                        caps.update(item.partition("=")[0] for item in trailing.split())
                        if words[-1] != "*":  # no "more to come" marker: the list is complete
                            return caps
    except OSError:
        return set()
    return caps


class _Process:
    """One server subprocess with its output captured to a log file."""

    def __init__(self, name: str, argv: list[str], output: Path) -> None:
        self.name = name
        self.argv = argv
        self.output = output
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.output.open("ab") as log:
            self.popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C in the terminal is pytest's, not the server's
            )

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        if self.popen is None:
            return
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout)
        self.popen = None

    def kill(self) -> None:
        if self.popen is None:
            return
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait(5)
        self.popen = None


class Ngircd:
    """An ngIRCd on 127.0.0.1 and a random port.

    `penalties=False` (default) sets `MaxPenaltyTime = 0`: no command throttling, so tests
    can send fast. `penalties=True` keeps ngIRCd's default flood penalties (about one
    command per second once a client has used up its burst).
    """

    binary_name = "ngircd"
    package = "ngircd"

    def __init__(
        self,
        *,
        penalties: bool = False,
        name: str = "irc.test.local",
        network: str = "NgircdTest",
        max_nick_length: int = 30,
        ping_timeout: int = 120,
        pong_timeout: int = 20,
        port: int | None = None,
        tls: bool = False,
    ) -> None:
        self.host = HOST
        self.penalties = penalties
        # `tls=True` adds a TLS listener on `tls_port` with a fresh self-signed certificate.
        self.tls_port = free_port() if tls else 0
        self.name = name
        self.network = network
        self.max_nick_length = max_nick_length
        self.ping_timeout = ping_timeout
        self.pong_timeout = pong_timeout
        self._fixed_port = port
        self.port = port or 0
        self.folder = Path(tempfile.mkdtemp(prefix="gatherbot-ngircd-"))
        # ngIRCd started as root drops to `nobody`, which must still read the config (REHASH)
        # and write the pid file.
        self.folder.chmod(0o777)
        self.config_path = self.folder / "ngircd.conf"
        self.log_path = self.folder / "ngircd.log"
        self._process: _Process | None = None
        self.startup_seconds = 0.0

    def __repr__(self) -> str:
        return f"<Ngircd {self.host}:{self.port} penalties={self.penalties}>"

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.running

    def _config(self) -> str:
        lines = [
            "[Global]",
            f"\tName = {self.name}",
            "\tInfo = gatherbot test server",
            f"\tNetwork = {self.network}",
            "\tAdminInfo1 = gatherbot tests",
            "\tAdminInfo2 = loopback",
            "\tAdminEMail = nobody@example.invalid",
            f"\tListen = {self.host}",
            f"\tPorts = {self.port}",
            "\tMotdPhrase = gatherbot test server",
            f"\tPidFile = {self.folder / 'ngircd.pid'}",
        ]
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            lines += [f"\tServerUID = {nobody.pw_uid}", f"\tServerGID = {nobody.pw_gid}"]
        lines += [
            "[Limits]",
            "\tMaxConnections = 0",
            "\tMaxConnectionsIP = 0",
            "\tMaxJoins = 0",
            f"\tMaxNickLength = {self.max_nick_length}",
            f"\tPingTimeout = {self.ping_timeout}",
            f"\tPongTimeout = {self.pong_timeout}",
            "\tConnectRetry = 60",
        ]
        if not self.penalties:
            lines.append("\tMaxPenaltyTime = 0")
        lines += [
            "[Options]",
            "\tDNS = no",
            "\tIdent = no",
            "\tPAM = no",
            "\tConnectIPv6 = no",
            "\tConnectIPv4 = yes",
        ]
        if self.tls_port:
            lines += [
                "[SSL]",
                f"\tCertFile = {self.folder / 'cert.pem'}",
                f"\tKeyFile = {self.folder / 'key.pem'}",
                f"\tPorts = {self.tls_port}",
            ]
        return "\n".join(lines) + "\n"

    def _make_certificate(self) -> None:
        cert, key = self.folder / "cert.pem", self.folder / "key.pem"
        if cert.exists():
            return
        subprocess.run(
            [
                *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
                *("-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)),
            ],
            check=True,
            capture_output=True,
        )
        # Read by ngIRCd after it dropped to `nobody`.
        cert.chmod(0o644)
        key.chmod(0o644)

    def start(self, timeout: float = 10.0) -> Self:
        """Start (or start again, on the same port) and wait until a client can register."""
        if self.running:
            return self
        binary = find_binary(self.binary_name)
        if binary is None:
            raise ServerStartError(f"{self.binary_name} is not installed")
        attempts = 1 if self.port else 3  # a brand-new random port may be taken meanwhile
        for attempt in range(attempts):
            if not self.port or (attempt and not self._fixed_port):
                self.port = free_port()
            if self.tls_port:
                self._make_certificate()
            self.config_path.write_text(self._config())
            self.config_path.chmod(0o644)
            began = time.monotonic()
            process = _Process("ngircd", [binary, "-n", "-f", str(self.config_path)], self.log_path)
            process.start()
            self._process = process
            if self._wait_ready(process, began + timeout):
                self.startup_seconds = time.monotonic() - began
                return self
            process.kill()
            self._process = None
            if "Address already in use" not in _tail(self.log_path, 20):
                break
        raise ServerStartError(
            f"ngircd did not start on {self.host}:{self.port} within {timeout:.0f} s "
            f"(config {self.config_path})\n{_tail(self.log_path)}"
        )

    def _wait_ready(self, process: _Process, deadline: float) -> bool:
        while time.monotonic() < deadline:
            if not process.running:
                return False
            if _probe_registration(self.port, timeout=max(0.5, deadline - time.monotonic())):
                return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        """Terminate and wait (a clean shutdown: clients get an ERROR and a closed socket)."""
        if self._process is not None:
            self._process.stop()
            self._process = None

    def kill(self) -> None:
        """SIGKILL: the server vanishes without a word, like a crash."""
        if self._process is not None:
            self._process.kill()
            self._process = None

    def freeze(self) -> None:
        """SIGSTOP: the server stays connected but says nothing (a hung or cut-off server)."""
        assert self._process is not None
        assert self._process.popen is not None
        self._process.popen.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self._process is not None
        assert self._process.popen is not None
        self._process.popen.send_signal(signal.SIGCONT)

    def restart(self, timeout: float = 10.0) -> Self:
        """Stop if running, then start again on the same port."""
        self.stop()
        return self.start(timeout)

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log_path, lines)

    def close(self) -> None:
        """Stop and remove the temporary folder."""
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


class ServicesNet:
    """InspIRCd 3 linked to Atheme services on random loopback ports.

    Clients connect to `host:port`. SASL PLAIN works once the net is ready; accounts are
    registered with `register_account`.
    """

    server_name = "irc.test.local"
    services_name = "services.test.local"
    network = "GatherTest"
    link_password = "gatherbot-link-secret"

    def __init__(self) -> None:
        self.host = HOST
        self.port = 0
        self.link_port = 0
        self.folder = Path(tempfile.mkdtemp(prefix="gatherbot-services-"))
        self.folder.chmod(0o777)
        self.data_folder = self.folder / "atheme-data"
        self.data_folder.mkdir()
        self.data_folder.chmod(0o777)
        self.inspircd_config = self.folder / "inspircd.conf"
        self.inspircd_log = self.folder / "inspircd.log"
        self.inspircd_output = self.folder / "inspircd.out"
        self.atheme_config = self.folder / "atheme.conf"
        self.atheme_log = self.folder / "atheme.log"
        self.atheme_output = self.folder / "atheme.out"
        self._inspircd: _Process | None = None
        self._atheme: _Process | None = None
        self.startup_seconds = 0.0

    def __repr__(self) -> str:
        return f"<ServicesNet {self.host}:{self.port}>"

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    def _inspircd_conf(self) -> str:
        folder = self.folder
        return f"""\
<server name="{self.server_name}" description="gatherbot test server"
        network="{self.network}" id="1GB">
<admin name="gatherbot tests" nick="nobody" email="nobody@example.invalid">
<path configdir="{folder}" datadir="{folder}" logdir="{folder}" runtimedir="{folder}">
<pid file="{folder / "inspircd.pid"}">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="{self.inspircd_log}">
<files motd="{folder / "motd.txt"}">

<bind address="{self.host}" port="{self.port}" type="clients">
<bind address="{self.host}" port="{self.link_port}" type="servers">

# Tests connect many clients from one address, fast: no clone limits, no flood limits, no
# lookups. (Each client still waits up to a second for its 001: InspIRCd completes
# registrations in its once-a-second housekeeping.)
<connect allow="*" timeout="20" pingfreq="120" hardsendq="1M" softsendq="1M" recvq="64K"
         threshold="1000000" commandrate="1000000" fakelag="no"
         localmax="1000" globalmax="1000" limit="100000" maxchans="100"
         resolvehostnames="no" useident="no">
<channels users="100" opers="100">
<cidr ipv4clone="32" ipv6clone="128">
<dns server="127.0.0.1" timeout="1">
<options syntaxhints="no" announcets="yes" hostintopic="yes" pingwarning="15">
<security hideulines="no" userstats="Pu" maxtargets="20">
<performance quietbursts="yes" softlimit="1024" somaxconn="128" netbuffersize="10240"
             clonesonconnect="no">

<module name="cap">
<module name="sasl">
<module name="services_account">
<module name="ircv3">
<module name="ircv3_accounttag">
<module name="ircv3_ctctags">
<module name="ircv3_servertime">
<module name="ircv3_echomessage">
<module name="ircv3_capnotify">
<module name="spanningtree">
# Atheme's service bots use user modes +d (deaf) and +I (hidechans).
<module name="deaf">
<module name="hidechans">
# BOT=B in ISUPPORT: the bot marks itself as a bot.
<module name="botmode">

<sasl target="{self.services_name}">
<link name="{self.services_name}" ipaddr="{self.host}" port="{self.link_port}"
      allowmask="127.0.0.0/8" timeout="10"
      sendpass="{self.link_password}" recvpass="{self.link_password}">
<uline server="{self.services_name}" silent="yes">
"""

    def _atheme_conf(self) -> str:
        return f"""\
loadmodule "modules/protocol/inspircd";
loadmodule "modules/backend/opensex";
loadmodule "modules/crypto/pbkdf2v2";
loadmodule "modules/nickserv/main";
loadmodule "modules/nickserv/help";
loadmodule "modules/nickserv/register";
loadmodule "modules/nickserv/identify";
loadmodule "modules/nickserv/logout";
loadmodule "modules/nickserv/info";
loadmodule "modules/chanserv/main";
loadmodule "modules/chanserv/help";
loadmodule "modules/chanserv/register";
loadmodule "modules/chanserv/op";
loadmodule "modules/chanserv/flags";
loadmodule "modules/saslserv/main";
loadmodule "modules/saslserv/plain";

serverinfo {{
	name = "{self.services_name}";
	desc = "gatherbot test services";
	numeric = "00A";
	recontime = 1;
	netname = "{self.network}";
	hidehostsuffix = "users.test.local";
	adminname = "gatherbot tests";
	adminemail = "nobody@example.invalid";
	registeremail = "nobody@example.invalid";
	mta = "/bin/false";
	loglevel = {{ error; info; admin; network; register; set; request; denycmd; }};
	maxlogins = 100;
	maxusers = 1000;
	mdlimit = 30;
	emaillimit = 1000;
	emailtime = 300;
	auth = none;
}};

uplink "{self.server_name}" {{
	host = "{self.host}";
	send_password = "{self.link_password}";
	receive_password = "{self.link_password}";
	port = {self.link_port};
}};

nickserv {{
	nick = "NickServ";
	user = "NickServ";
	host = "{self.services_name}";
	real = "Nickname Services";
	maxnicks = 5;
	expire = 0;
}};

chanserv {{
	nick = "ChanServ";
	user = "ChanServ";
	host = "{self.services_name}";
	real = "Channel Services";
	maxchans = 100;
	templates {{
		vop = "+AV";
		hop = "+AHehitrv";
		aop = "+AOehiortv";
		sop = "+AOaefhiorstv";
		founder = "+AFORaefhiorstv";
	}};
	expire = 0;
}};

saslserv {{
	nick = "SaslServ";
	user = "SaslServ";
	host = "{self.services_name}";
	real = "SASL Authentication Agent";
}};

general {{
	flood_msgs = 0;
	flood_time = 10;
	ratelimit_uses = 0;
	ratelimit_period = 0;
	kline_time = 7;
	clone_time = 0;
	commit_interval = 5;
	uplink_sendq_limit = 1048576;
	language = "en";
	immune_level = immune;
}};

operclass "user" {{ }};
"""

    def logs(self, lines: int = 30) -> str:
        return "\n".join(
            _tail(path, lines)
            for path in (
                self.inspircd_output,
                self.inspircd_log,
                self.atheme_output,
                self.atheme_log,
            )
        )

    def start(self, timeout: float = 20.0) -> Self:
        """Start InspIRCd, then Atheme; return once SASL is offered (services are linked)."""
        inspircd = find_binary("inspircd")
        atheme = find_binary("atheme-services")
        if inspircd is None or atheme is None:
            raise ServerStartError("inspircd and atheme-services must both be installed")
        began = time.monotonic()
        deadline = began + timeout
        for attempt in range(3):  # a brand-new random port may be taken meanwhile
            self.port, self.link_port = free_port(), free_port()
            if self._start_inspircd(inspircd, deadline):
                break
            bind_failed = "already in use" in self.logs(20).lower()
            self._stop_inspircd()
            if not bind_failed or attempt == 2:
                raise ServerStartError(
                    f"InspIRCd did not start on {self.host}:{self.port}\n{self.logs()}"
                )
        self._start_atheme(atheme)
        while time.monotonic() < deadline:
            if "sasl" in _probe_caps(self.port, timeout=2.0):
                self.startup_seconds = time.monotonic() - began
                return self
            if not (self._inspircd and self._inspircd.running):
                break
            if not (self._atheme and self._atheme.running):
                break
            time.sleep(0.05)
        self.stop()
        raise ServerStartError(
            f"Atheme did not link to InspIRCd (no sasl in CAP LS) within {timeout:.0f} s\n"
            f"{self.logs()}"
        )

    def _start_inspircd(self, binary: str, deadline: float) -> bool:
        self.inspircd_config.write_text(self._inspircd_conf())
        self.inspircd_config.chmod(0o644)
        (self.folder / "motd.txt").write_text("gatherbot test server\n")
        argv = [binary, "--config", str(self.inspircd_config), "--nofork"]
        if os.geteuid() == 0:
            # InspIRCd refuses root without this flag, and then exits with status 0.
            argv.append("--runasroot")
        process = _Process("inspircd", argv, self.inspircd_output)
        process.start()
        self._inspircd = process
        while time.monotonic() < deadline:
            if not process.running:
                return False
            try:
                # Both ports are bound together; the link port is left alone, as a probe there
                # would log a failed server link.
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def _start_atheme(self, binary: str) -> None:
        self.atheme_config.write_text(self._atheme_conf())
        self.atheme_config.chmod(0o644)
        # -n keeps Atheme in the foreground, our child. (It would tell every user who connects
        # that "Services are presently running in debug mode" if it also logged at debug
        # level: the log levels in the config leave debug out.)
        argv = [
            binary,
            "-n",
            "-c",
            str(self.atheme_config),
            "-D",
            str(self.data_folder),
            "-p",
            str(self.folder / "atheme.pid"),
            "-l",
            str(self.atheme_log),
        ]
        self._atheme = _Process("atheme-services", argv, self.atheme_output)
        self._atheme.start()

    def _stop_inspircd(self) -> None:
        if self._inspircd is not None:
            self._inspircd.stop()
            self._inspircd = None

    def _stop_atheme(self) -> None:
        if self._atheme is not None:
            self._atheme.stop()
            self._atheme = None

    def stop(self) -> None:
        self._stop_atheme()
        self._stop_inspircd()

    def close(self) -> None:
        """Stop both servers and remove the temporary folder."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    async def register_account(
        self,
        name: str,
        password: str,
        email: str | None = None,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109 - one budget for connect, register and quit
    ) -> None:
        """Register services account `name` (connects as nick `name`, then disconnects)."""
        command = f"REGISTER {password} {email or name + '@example.com'}"
        user = await IrcUser.connect(self.host, self.port, name, caps=[], timeout=timeout)
        try:
            async with asyncio.timeout(timeout):
                while True:
                    mark = user.mark()
                    await user.privmsg("NickServ", command)
                    reply = await user.wait_for(
                        lambda m: (
                            (m.command == "NOTICE" and _same(m.nick or "", "NickServ"))
                            or (m.command == "401" and _same(m.params[1], "NickServ"))
                        ),
                        timeout,
                        since=mark,
                    )
                    if reply.command == "NOTICE":
                        break
                    await asyncio.sleep(0.1)  # services are still introducing their bots
        finally:
            await user.quit(timeout=2)
        if "is now registered" not in reply.text:
            raise RuntimeError(f"NickServ refused to register {name!r}: {reply.text}")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
