"""IRCv3 capability negotiation and SASL PLAIN, as a small state machine.

The irc library's asyncio client speaks neither, so this turns what the server says (CAP,
AUTHENTICATE, the SASL numerics) into the lines to send back. It holds no socket: the adapter
feeds it events and writes what it returns, which keeps it easy to test.

Flow: `CAP LS 302` goes out before NICK/USER, so registration waits for `CAP END`.
LS (possibly several lines) -> REQ the wanted capabilities the server offers -> ACK ->
AUTHENTICATE PLAIN when `sasl` was acknowledged and we have credentials -> 903 (or a failure
numeric) -> CAP END. A server that knows no CAP simply registers us.
"""

from __future__ import annotations

import base64
import enum
from dataclasses import dataclass, field

# What the adapter uses when offered. account-tag, extended-join and account-notify carry
# services accounts; multi-prefix shows every channel status in NAMES.
WANTED = (
    "sasl",
    "account-tag",
    "account-notify",
    "extended-join",
    "message-tags",
    "server-time",
    "multi-prefix",
)
# AUTHENTICATE payloads travel in pieces of at most 400 bytes (IRCv3 SASL 3.1).
_CHUNK = 400


class SaslResult(enum.Enum):
    NOT_TRIED = "not tried"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(slots=True)
class Negotiation:
    """One connection's negotiation; make a new one for every connection attempt."""

    username: str | None = None
    password: str | None = None
    offered: dict[str, str] = field(default_factory=dict)
    enabled: set[str] = field(default_factory=set)
    sasl: SaslResult = SaslResult.NOT_TRIED
    finished: bool = False

    def on_cap(self, params: list[str]) -> list[str]:
        """A CAP line; ``params`` are its arguments after the target (`LS * :a b`)."""
        if not params:
            return []
        sub, rest = params[0].upper(), params[1:]
        more = len(rest) > 1 and rest[0] == "*"
        caps = rest[-1].split() if rest else []
        if sub == "LS":
            for cap in caps:
                name, _, value = cap.partition("=")
                self.offered[name] = value
            if more:
                return []
            return self._request()
        if sub == "ACK":
            for cap in caps:
                if cap.startswith("-"):
                    self.enabled.discard(cap[1:])
                else:
                    self.enabled.add(cap)
            if more:
                return []
            return self._after_ack()
        if sub == "NAK":
            return self._end()
        if sub == "NEW":
            for cap in caps:
                name, _, value = cap.partition("=")
                self.offered[name] = value
            # SASL after registration would re-identify mid-session; the rest is welcome.
            wanted = [c for c in caps if c.partition("=")[0] in WANTED and c != "sasl"]
            names = [c.partition("=")[0] for c in wanted]
            return [f"CAP REQ :{' '.join(names)}"] if names else []
        if sub == "DEL":
            for cap in caps:
                self.offered.pop(cap, None)
                self.enabled.discard(cap)
        return []

    def on_authenticate(self, payload: str) -> list[str]:
        """`AUTHENTICATE +`: the server is ready for our credentials."""
        if payload != "+" or self.username is None or self.password is None:
            return []
        return [f"AUTHENTICATE {piece}" for piece in self.credentials()]

    def credentials(self) -> list[str]:
        """The PLAIN payload in protocol pieces; also what must stay out of the logs."""
        assert self.username is not None
        assert self.password is not None
        raw = f"{self.username}\0{self.username}\0{self.password}".encode()
        encoded = base64.b64encode(raw).decode("ascii")
        pieces = [encoded[i : i + _CHUNK] for i in range(0, len(encoded), _CHUNK)]
        if len(pieces[-1]) == _CHUNK:
            pieces.append("+")  # an exact multiple of 400 needs an empty last piece
        return pieces

    def on_sasl_numeric(self, succeeded: bool) -> list[str]:
        """903 (success) or 902/904/905/906/907 (failure): registration goes on either way;
        on failure the adapter falls back to NickServ."""
        if self.finished:
            return []
        self.sasl = SaslResult.SUCCEEDED if succeeded else SaslResult.FAILED
        return self._end()

    def _request(self) -> list[str]:
        names = [name for name in WANTED if name in self.offered]
        if "sasl" in names and not self._can_sasl():
            names.remove("sasl")
        if not names:
            return self._end()
        return [f"CAP REQ :{' '.join(names)}"]

    def _after_ack(self) -> list[str]:
        if self.finished:
            return []
        if "sasl" in self.enabled and self._can_sasl():
            return ["AUTHENTICATE PLAIN"]
        return self._end()

    def _can_sasl(self) -> bool:
        if self.username is None or self.password is None:
            return False
        mechanisms = self.offered.get("sasl", "")
        # A bare `sasl` (CAP 301) does not list mechanisms: try PLAIN.
        return not mechanisms or "PLAIN" in mechanisms.upper().split(",")

    def _end(self) -> list[str]:
        if self.finished:
            return []
        self.finished = True
        return ["CAP END"]
