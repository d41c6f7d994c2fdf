"""The TOML config file: every key is documented in config.example.toml.

A bad file is refused with a message naming the key and the problem. Secrets are pydantic
``SecretStr``: they print as ``**********`` and never appear in an error.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.errors import UserError
from bot.language.digest import parse_digest
from bot.language.durations import parse_offsets
from bot.when import parse_zone
from storage.database import DatabaseError, supported_url

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///gatherbot.db"
TELEGRAM_TOKEN_ENV = "GATHERBOT_TELEGRAM_TOKEN"
WEB_SECRET_ENV = "GATHERBOT_WEB_SECRET"
TELEGRAM_SECRET_ENV = "GATHERBOT_TELEGRAM_SECRET_TOKEN"
_ADMIN = re.compile(r"[a-z]+:[^:\s]+:[^\s]+")
# What Telegram accepts as a webhook secret_token.
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_PAGE_CHANNEL = re.compile(r"telegram:-?\d+|irc:[A-Za-z0-9_-]{1,32}/[#&][^\s,\x07]{1,49}")


class ConfigError(Exception):
    """The config cannot be used; the message says which key and why."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BotSection(_Section):
    timezone: str = "UTC"
    database_url: str = DEFAULT_DATABASE_URL
    admins: tuple[str, ...] = ()
    reminders: tuple[str, ...] = ("1d", "1h")
    # When channels get a weekly digest of upcoming events, e.g. "mon 09:00" in each
    # channel's zone; "" (the default) is off. A channel can set its own (`settings`).
    digest: str = ""
    # Seconds a bot holds a reminder it has claimed (renewed every third while it sends).
    # After a crash its claimed, unsent reminders go out this much later, from this or
    # another instance; shorter means sooner, but a bot whose loop stalls longer than two
    # thirds of it may see another instance send the same reminder.
    delivery_lease: float = Field(default=60.0, ge=3.0, le=3600.0)

    @field_validator("database_url")
    @classmethod
    def _usable_database(cls, value: str) -> str:
        try:
            supported_url(value)
        except DatabaseError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("digest")
    @classmethod
    def _digest_time(cls, value: str) -> str:
        try:
            return parse_digest(value)
        except UserError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            return parse_zone(value).key
        except UserError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("admins")
    @classmethod
    def _admin_form(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for admin in value:
            if not _ADMIN.fullmatch(admin):
                raise ValueError(
                    f"'{admin}' is not platform:network:id (e.g. telegram:telegram:123456789, "
                    "irc:libera:alice, console:local:alice)"
                )
        return value

    @field_validator("reminders")
    @classmethod
    def _offsets(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        try:
            parse_offsets(",".join(value) or "none")
        except UserError as exc:
            raise ValueError(str(exc)) from None
        return value

    @property
    def reminder_offsets(self) -> tuple[timedelta, ...]:
        return parse_offsets(",".join(self.reminders) or "none")


class TelegramSection(_Section):
    token: SecretStr | None = None
    api_base_url: str = "https://api.telegram.org"
    # Names the network in identities (`telegram:<network>:<user id>`); one per bot.
    network: str = "telegram"
    # Pace sends to Telegram's flood limits (30 a second, 20 a minute per group). false
    # only for a Bot API server that enforces none (a test server): Telegram answers 429.
    flood_limits: bool = True
    # Webhook mode when set: the public HTTPS URL Telegram posts updates to, passed on by a
    # reverse proxy with TLS to `webhook_listen` (same path). Unset: the bot polls.
    webhook_url: str | None = Field(default=None, pattern=r"^https://[^\s/?#]+(/[^\s?#]*)?$")
    webhook_listen: str = Field(default="127.0.0.1:8443", pattern=r"^[^\s:]+:\d{1,5}$")
    # Telegram sends it with every update; a request without it is refused. Checked even when
    # absent (validate_default) because webhook mode requires it.
    secret_token: SecretStr | None = Field(default=None, validate_default=True)

    @field_validator("webhook_url")
    @classmethod
    def _no_token_in_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        # The URL is logged and printed by check-config, and ends up in proxy logs.
        token = info.data.get("token")
        if value and token is not None and token.get_secret_value().strip() in value:
            raise ValueError("must not contain the bot token; use a path of your own")
        return value

    @field_validator("secret_token")
    @classmethod
    def _secret_form(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None:
            if info.data.get("webhook_url"):
                raise ValueError(
                    f"missing; webhook_url requires it (set it here or in {TELEGRAM_SECRET_ENV})"
                )
            return None
        if not _SECRET_TOKEN.fullmatch(value.get_secret_value()):
            raise ValueError("must be 1 to 256 characters, each A-Z, a-z, 0-9, _ or -")
        return value

    @property
    def webhook_path(self) -> str:
        """The path the bot serves updates on: the webhook URL's, kept by the proxy."""
        return urlsplit(self.webhook_url or "").path or "/"

    @property
    def webhook_host(self) -> str:
        return self.webhook_listen.rpartition(":")[0]

    @property
    def webhook_port(self) -> int:
        return int(self.webhook_listen.rpartition(":")[2])


class IrcSection(_Section):
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")
    host: str
    port: int = Field(default=6697, ge=1, le=65535)
    tls: bool = True
    nick: str = Field(pattern=r"^[A-Za-z\[\]\\`_^{|}][A-Za-z0-9\[\]\\`_^{|}-]{0,29}$")
    channels: tuple[str, ...] = ()
    # False accepts a self-signed certificate (a private network); the default checks it.
    tls_verify: bool = True
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    # Join a channel when one of its operators invites the bot (other invites are ignored).
    accept_invites: bool = False
    # Flood control: `burst` lines at once, then `lines_per_second`.
    burst: int = Field(default=4, ge=1, le=20)
    lines_per_second: float = Field(default=1.0, gt=0, le=10)
    # A reply in a channel longer than this many lines is cut, with a pointer to ask in
    # private (where it is sent whole).
    channel_lines: int = Field(default=4, ge=2, le=50)
    # Event titles in IRC bold.
    bold: bool = True

    @field_validator("channels")
    @classmethod
    def _channel_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for channel in value:
            if not re.fullmatch(r"[#&][^\s,\x07]{1,49}", channel):
                raise ValueError(f"'{channel}' is not a channel name like #gatherings")
        return value


class WebPage(_Section):
    """A public page of upcoming gatherings for one community: `<public_url>/c/<slug>`."""

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    title: str = Field(min_length=1, max_length=120)
    # The channels whose events the page lists, as in `announce`: "telegram:-1001234567890",
    # "irc:libera/#dev".
    channels: tuple[str, ...] = Field(min_length=1)

    @field_validator("channels")
    @classmethod
    def _channel_form(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for channel in value:
            if not _PAGE_CHANNEL.fullmatch(channel):
                raise ValueError(
                    f"'{channel}' is not telegram:CHAT_ID or irc:NETWORK/#channel "
                    "(e.g. telegram:-1001234567890, irc:libera/#dev)"
                )
        return value


class _Listener(_Section):
    # host:port to listen on.
    listen: str = Field(pattern=r"^[^\s:]+:\d{1,5}$")

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0]

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])


class HealthSection(_Listener):
    """`/healthz` and `/metrics` on a port of their own, for a bot without `[web]`."""

    listen: str = Field(default="127.0.0.1:9180", pattern=r"^[^\s:]+:\d{1,5}$")


class WebSection(_Listener):
    """The small HTTP server: calendar feeds, public pages, `/healthz` and `/metrics`."""

    # Put a reverse proxy with TLS in front of it for the world.
    listen: str = Field(default="127.0.0.1:8080", pattern=r"^[^\s:]+:\d{1,5}$")
    # How people reach it from outside: links the bot hands out start with this.
    public_url: str = Field(default="http://127.0.0.1:8080", pattern=r"^https?://\S+$")
    # Signs the links of event and channel calendars, so a private group's events cannot be
    # read by counting event numbers. Changing it invalidates every link handed out.
    secret: SecretStr = Field(min_length=16)
    pages: tuple[WebPage, ...] = ()

    def link(self, path: str) -> str:
        """The public URL of ``path`` (which starts with a slash)."""
        return self.public_url.rstrip("/") + path


class Config(_Section):
    bot: BotSection = BotSection()
    telegram: TelegramSection | None = None
    irc: tuple[IrcSection, ...] = ()
    web: WebSection | None = None
    # Used only without [web], whose server answers /healthz itself.
    health: HealthSection | None = None

    @model_validator(mode="after")
    def _unique_irc_names(self) -> Config:
        # Names must differ even as environment variable names (libera-chat, libera_chat).
        seen: dict[str, str] = {}
        for network in self.irc:
            key = irc_password_env(network.name)
            if key in seen:
                raise ValueError(
                    f"[[irc]] names '{seen[key]}' and '{network.name}' clash (both use {key}); "
                    "give each network its own name"
                )
            seen[key] = network.name
        return self


def irc_password_env(name: str) -> str:
    return f"GATHERBOT_IRC_{re.sub(r'[^A-Z0-9]', '_', name.upper())}_PASSWORD"


def load_config(path: Path | None, environ: dict[str, str] | None = None) -> Config:
    """Read and check the config file; no file means every default (console use)."""
    env = dict(os.environ if environ is None else environ)
    data: dict[str, Any] = {}
    label = str(path) if path is not None else "defaults"
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{label}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{label}: cannot read it ({exc.__class__.__name__})") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{label}: not valid TOML: {exc}") from None
    _secrets_from_environment(data, env)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(label, exc)) from None
    # `token = ""` (a placeholder left in the file) is as missing as no token at all.
    telegram = config.telegram
    if telegram is not None and (
        telegram.token is None or not telegram.token.get_secret_value().strip()
    ):
        raise ConfigError(
            f"{label}: [telegram] token: missing; set it in the file or in {TELEGRAM_TOKEN_ENV}"
        )
    return config


def _secrets_from_environment(data: dict[str, Any], env: dict[str, str]) -> None:
    telegram = data.get("telegram")
    if isinstance(telegram, dict) and env.get(TELEGRAM_TOKEN_ENV):
        telegram["token"] = env[TELEGRAM_TOKEN_ENV]
    if isinstance(telegram, dict) and env.get(TELEGRAM_SECRET_ENV):
        telegram["secret_token"] = env[TELEGRAM_SECRET_ENV]
    web = data.get("web")
    if isinstance(web, dict) and env.get(WEB_SECRET_ENV):
        web["secret"] = env[WEB_SECRET_ENV]
    networks = data.get("irc")
    if isinstance(networks, list):
        for network in networks:
            if isinstance(network, dict) and isinstance(network.get("name"), str):
                password = env.get(irc_password_env(network["name"]))
                if password:
                    network["sasl_password"] = password


def _describe(label: str, error: ValidationError) -> str:
    """One line per problem, naming the key; never the value (it may be a secret)."""
    lines = []
    for problem in error.errors(include_input=False, include_url=False):
        lines.append(f"{label}: {_key(problem['loc'])}: {_message(problem)}")
    return "\n".join(lines)


def _key(loc: tuple[int | str, ...]) -> str:
    if not loc:
        return "(top level)"
    section, *rest = loc
    if section == "irc" and rest and isinstance(rest[0], int):
        where = f"[[irc]] #{int(rest.pop(0)) + 1}"
    else:
        where = f"[{section}]"
    return f"{where} {'.'.join(str(part) for part in rest)}".strip()


def _message(problem: Any) -> str:
    kind, message = problem["type"], problem["msg"]
    if kind == "extra_forbidden":
        return "unknown key (see config.example.toml for the keys there are)"
    if kind == "missing":
        return "missing (required)"
    return str(message).removeprefix("Value error, ")
