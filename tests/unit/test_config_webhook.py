"""`[telegram]` webhook keys: polling without them, the secret required and checked, errors
that name the key but never a secret, and `check-config` saying which mode it is."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import TELEGRAM_SECRET_ENV, TELEGRAM_TOKEN_ENV, ConfigError, load_config

TOKEN = "123456:SECRET-TOKEN-xyz"
SECRET = "Webhook_SECRET-abc123"
URL = "https://bot.example.org/telegram/updates"


def write(tmp_path: Path, telegram: str) -> Path:
    path = tmp_path / "gatherbot.toml"
    path.write_text("[telegram]\n" + textwrap.dedent(telegram), encoding="utf-8")
    return path


def refusal(path: Path, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={TELEGRAM_TOKEN_ENV: TOKEN, **(environ or {})})
    message = str(caught.value)
    assert SECRET not in message
    assert TOKEN not in message
    return message


def test_without_a_webhook_url_the_bot_polls(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""), environ={TELEGRAM_TOKEN_ENV: TOKEN})
    assert config.telegram is not None
    assert config.telegram.webhook_url is None
    assert config.telegram.secret_token is None


def test_webhook_keys_are_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"""
        webhook_url = "{URL}"
        webhook_listen = "0.0.0.0:9443"
        secret_token = "{SECRET}"
        """,
    )
    telegram = load_config(path, environ={TELEGRAM_TOKEN_ENV: TOKEN}).telegram
    assert telegram is not None
    assert telegram.webhook_url == URL
    assert (telegram.webhook_host, telegram.webhook_port) == ("0.0.0.0", 9443)
    assert telegram.webhook_path == "/telegram/updates"
    assert telegram.secret_token is not None
    assert telegram.secret_token.get_secret_value() == SECRET
    assert SECRET not in repr(telegram)


def test_the_listen_address_has_a_default(tmp_path: Path) -> None:
    path = write(tmp_path, f'webhook_url = "{URL}"\nsecret_token = "{SECRET}"\n')
    telegram = load_config(path, environ={TELEGRAM_TOKEN_ENV: TOKEN}).telegram
    assert telegram is not None
    assert telegram.webhook_listen == "127.0.0.1:8443"


def test_a_webhook_url_without_a_secret_token_is_refused_naming_the_key(tmp_path: Path) -> None:
    message = refusal(write(tmp_path, f'webhook_url = "{URL}"\n'))
    assert "[telegram] secret_token: missing; webhook_url requires it" in message
    assert TELEGRAM_SECRET_ENV in message


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param("", id="empty"),
        pytest.param(f"{SECRET} with spaces", id="spaces"),
        pytest.param(f"{SECRET}:colon", id="colon"),
        pytest.param(f"{SECRET}é", id="not-ascii"),
        pytest.param(SECRET + "x" * 256, id="too-long"),
    ],
)
def test_a_secret_token_telegram_would_refuse_is_refused(tmp_path: Path, secret: str) -> None:
    message = refusal(write(tmp_path, f'webhook_url = "{URL}"\nsecret_token = "{secret}"\n'))
    assert message.endswith(
        "[telegram] secret_token: must be 1 to 256 characters, each A-Z, a-z, 0-9, _ or -"
    )


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        pytest.param(
            'webhook_url = "http://bot.example.org/hook"',
            "webhook_url: String should match",
            id="http",
        ),
        pytest.param(
            'webhook_url = "bot.example.org"', "webhook_url: String should match", id="bare"
        ),
        pytest.param(
            f'webhook_url = "https://bot.example.org/{TOKEN}"',
            "webhook_url: must not contain the bot token",
            id="token-in-path",
        ),
        pytest.param(
            'webhook_listen = "8443"', "webhook_listen: String should match", id="no-host"
        ),
    ],
)
def test_bad_webhook_keys_are_refused_naming_the_key(
    tmp_path: Path, line: str, problem: str
) -> None:
    message = refusal(write(tmp_path, f'{line}\nsecret_token = "{SECRET}"\n'))
    assert f"[telegram] {problem}" in message


def test_the_secret_token_can_come_from_the_environment_and_wins(tmp_path: Path) -> None:
    path = write(tmp_path, f'webhook_url = "{URL}"\nsecret_token = "from-the-file"\n')
    environ = {TELEGRAM_TOKEN_ENV: TOKEN, TELEGRAM_SECRET_ENV: SECRET}
    telegram = load_config(path, environ=environ).telegram
    assert telegram is not None
    assert telegram.secret_token is not None
    assert telegram.secret_token.get_secret_value() == SECRET


def test_an_environment_secret_token_is_checked_too(tmp_path: Path) -> None:
    message = refusal(write(tmp_path, f'webhook_url = "{URL}"\n'), {TELEGRAM_SECRET_ENV: "a b"})
    assert "[telegram] secret_token: must be 1 to 256 characters" in message


def test_check_config_names_the_mode_but_no_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TELEGRAM_TOKEN_ENV, TOKEN)
    monkeypatch.setenv(TELEGRAM_SECRET_ENV, SECRET)
    polling = write(tmp_path, "")
    assert main(["check-config", str(polling)]) == 0
    assert "(token set); updates by polling" in capsys.readouterr().out

    webhook = write(tmp_path, f'webhook_url = "{URL}"\n')
    assert main(["check-config", str(webhook)]) == 0
    shown = capsys.readouterr()
    assert (
        f"updates by webhook at {URL}, listening on 127.0.0.1:8443 (secret token set)" in shown.out
    )
    assert SECRET not in shown.out + shown.err
    assert TOKEN not in shown.out + shown.err
