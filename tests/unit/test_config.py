"""The config file: defaults, a full file, errors that name the key, and secrets kept secret."""

from __future__ import annotations

import textwrap
import traceback
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import (
    DEFAULT_DATABASE_URL,
    TELEGRAM_TOKEN_ENV,
    ConfigError,
    irc_password_env,
    load_config,
)

TOKEN = "123456:SECRET-TOKEN-xyz"
PASSWORD = "hunter2-SECRET-PASSWORD"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gatherbot.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def refusal(path: Path, environ: dict[str, str] | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ=environ or {})
    return caught.value


# --- Defaults and a full file --------------------------------------------------------------


def test_without_a_file_every_default_applies() -> None:
    config = load_config(None, environ={})
    assert config.bot.timezone == "UTC"
    assert config.bot.database_url == DEFAULT_DATABASE_URL
    assert config.bot.admins == ()
    assert config.bot.reminder_offsets == (timedelta(days=1), timedelta(hours=1))
    assert config.telegram is None
    assert config.irc == ()


def test_an_empty_file_is_all_defaults(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, ""), environ={}) == load_config(None, environ={})


def test_a_full_file_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"""
        [bot]
        timezone = "europe/warsaw"
        database_url = "postgresql+asyncpg://gatherbot@db/gatherbot"
        admins = ["telegram:telegram:123456789", "irc:libera:alice"]
        reminders = ["3h", "2d"]

        [telegram]
        token = "{TOKEN}"
        api_base_url = "http://127.0.0.1:8081"
        network = "main"

        [[irc]]
        name = "libera"
        host = "irc.libera.chat"
        nick = "GatherBot"
        channels = ["#gatherings", "&local"]
        sasl_username = "gatherbot"
        sasl_password = "{PASSWORD}"

        [[irc]]
        name = "oftc"
        host = "irc.oftc.net"
        port = 6667
        tls = false
        nick = "Gather[bot]"
        """,
    )
    config = load_config(path, environ={})

    assert config.bot.timezone == "Europe/Warsaw"
    assert config.bot.database_url == "postgresql+asyncpg://gatherbot@db/gatherbot"
    assert config.bot.admins == ("telegram:telegram:123456789", "irc:libera:alice")
    assert config.bot.reminder_offsets == (timedelta(days=2), timedelta(hours=3))
    assert config.telegram is not None
    assert config.telegram.token is not None
    assert config.telegram.token.get_secret_value() == TOKEN
    assert config.telegram.api_base_url == "http://127.0.0.1:8081"
    assert config.telegram.network == "main"
    libera, oftc = config.irc
    assert (libera.name, libera.host, libera.port, libera.tls) == (
        "libera",
        "irc.libera.chat",
        6697,
        True,
    )
    assert libera.channels == ("#gatherings", "&local")
    assert libera.sasl_username == "gatherbot"
    assert libera.sasl_password is not None
    assert libera.sasl_password.get_secret_value() == PASSWORD
    assert (oftc.port, oftc.tls, oftc.nick, oftc.sasl_password) == (
        6667,
        False,
        "Gather[bot]",
        None,
    )


def test_no_reminders_is_allowed(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[bot]\nreminders = []\n"), environ={})
    assert config.bot.reminder_offsets == ()


# --- Errors name the key -------------------------------------------------------------------

LIBERA = 'name = "libera"\nhost = "irc.libera.chat"\nnick = "GatherBot"\n'

ERROR_CASES = [
    pytest.param(
        '[bot]\ncolour = "red"\n',
        "[bot] colour: unknown key (see config.example.toml for the keys there are)",
        id="unknown-key-in-bot",
    ),
    pytest.param("[slack]\n", "[slack]: unknown key", id="unknown-section"),
    pytest.param(
        '[telegram]\ntoken = "x"\nproxy = "socks5://p"\n',
        "[telegram] proxy: unknown key",
        id="unknown-key-in-telegram",
    ),
    pytest.param(
        '[bot]\ntimezone = "Europe/Warsow"\n',
        "[bot] timezone: Unknown time zone 'Europe/Warsow'. Did you mean Europe/Warsaw?",
        id="bad-timezone",
    ),
    pytest.param(
        "[bot]\ntimezone = 1\n", "[bot] timezone: Input should be a valid string", id="zone-number"
    ),
    pytest.param(
        '[bot]\nadmins = ["irc:libera:alice", "alice"]\n',
        "[bot] admins: 'alice' is not platform:network:id (e.g. telegram:telegram:123456789",
        id="bad-admin",
    ),
    pytest.param(
        '[bot]\nadmins = "irc:libera:alice"\n',
        "[bot] admins: Input should be a valid tuple",
        id="admins-not-a-list",
    ),
    pytest.param(
        '[bot]\nreminders = ["1d", "5x"]\n',
        "[bot] reminders: Can't read the reminder '5x'",
        id="bad-reminders",
    ),
    pytest.param(
        f'[[irc]]\n{LIBERA}\n[[irc]]\nname = "oftc"\nnick = "GatherBot"\n',
        "[[irc]] #2 host: missing (required)",
        id="second-irc-missing-host",
    ),
    pytest.param(
        f"[[irc]]\n{LIBERA}port = 70000\n",
        "[[irc]] #1 port: Input should be less than or equal to 65535",
        id="port-too-high",
    ),
    pytest.param(
        f"[[irc]]\n{LIBERA}port = 0\n",
        "[[irc]] #1 port: Input should be greater than or equal to 1",
        id="port-zero",
    ),
    pytest.param(
        f'[[irc]]\n{LIBERA}port = "sixty"\n',
        "[[irc]] #1 port: Input should be a valid integer",
        id="port-not-a-number",
    ),
    pytest.param(
        '[[irc]]\nname = "libera"\nhost = "h"\nnick = "9lives"\n',
        "[[irc]] #1 nick: String should match pattern",
        id="nick-starts-with-digit",
    ),
    pytest.param(
        '[[irc]]\nname = "libera"\nhost = "h"\nnick = "gather bot"\n',
        "[[irc]] #1 nick:",
        id="nick-with-space",
    ),
    pytest.param(
        '[[irc]]\nname = "lib era"\nhost = "h"\nnick = "g"\n',
        "[[irc]] #1 name: String should match pattern",
        id="bad-irc-name",
    ),
    pytest.param(
        f'[[irc]]\n{LIBERA}channels = ["gatherings"]\n',
        "[[irc]] #1 channels: 'gatherings' is not a channel name like #gatherings",
        id="channel-without-hash",
    ),
    pytest.param(
        f'[[irc]]\n{LIBERA}\n[[irc]]\nname = "Libera"\nhost = "h"\nnick = "g"\n',
        "[[irc]] names 'libera' and 'Libera' clash (both use GATHERBOT_IRC_LIBERA_PASSWORD)",
        id="duplicate-irc-names",
    ),
    pytest.param(
        '[bot]\ndatabase_url = "sqlite:///x.db"\n',
        "[bot] database_url: cannot use sqlite:///x.db: write sqlite+aiosqlite:///x.db",
        id="database-url-without-async-driver",
    ),
    pytest.param("[bot\n", "not valid TOML: Expected ']'", id="invalid-toml"),
    pytest.param(
        '[bot]\ntimezone = "UTC"\ntimezone = "UTC"\n', "not valid TOML", id="duplicate-key"
    ),
    pytest.param(
        "[telegram]\n",
        f"[telegram] token: missing; set it in the file or in {TELEGRAM_TOKEN_ENV}",
        id="telegram-without-token",
    ),
    pytest.param(
        '[telegram]\ntoken = ""\n',
        f"[telegram] token: missing; set it in the file or in {TELEGRAM_TOKEN_ENV}",
        id="telegram-empty-token",
    ),
]


@pytest.mark.parametrize(("text", "message"), ERROR_CASES)
def test_a_bad_config_is_refused_naming_the_file_and_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    error = str(refusal(path))
    assert error.startswith(f"{path}: ")
    assert message in error


def test_every_problem_in_a_file_is_listed_on_its_own_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [bot]
        colour = "red"
        timezone = "Mars/Olympus"

        [[irc]]
        name = "libera"
        nick = "GatherBot"
        """,
    )
    lines = str(refusal(path)).splitlines()
    assert sorted(line.removeprefix(f"{path}: ").split(":")[0] for line in lines) == [
        "[[irc]] #1 host",
        "[bot] colour",
        "[bot] timezone",
    ]


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    assert str(refusal(path)) == f"{path}: no such file"


def test_a_directory_is_refused_as_unreadable(tmp_path: Path) -> None:
    assert str(refusal(tmp_path)) == f"{tmp_path}: cannot read it (IsADirectoryError)"


def test_a_file_that_is_not_utf8_is_refused_as_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[bot]\ntimezone = "Europe/Zürich"\n'.encode("latin-1"))
    assert str(refusal(path)) == f"{path}: cannot read it (UnicodeDecodeError)"


# --- Secrets from the environment ----------------------------------------------------------


def test_the_telegram_token_can_come_from_the_environment(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[telegram]\n"), environ={TELEGRAM_TOKEN_ENV: TOKEN})
    assert config.telegram is not None
    assert config.telegram.token is not None
    assert config.telegram.token.get_secret_value() == TOKEN


def test_the_environment_token_wins_over_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\ntoken = "111:OLD"\n')
    config = load_config(path, environ={TELEGRAM_TOKEN_ENV: TOKEN})
    assert config.telegram is not None
    assert config.telegram.token is not None
    assert config.telegram.token.get_secret_value() == TOKEN


def test_an_environment_token_alone_does_not_turn_telegram_on(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[bot]\n"), environ={TELEGRAM_TOKEN_ENV: TOKEN})
    assert config.telegram is None


def test_an_empty_environment_token_does_not_count(tmp_path: Path) -> None:
    error = refusal(write(tmp_path, "[telegram]\n"), environ={TELEGRAM_TOKEN_ENV: ""})
    assert "[telegram] token: missing" in str(error)


@pytest.mark.parametrize(
    ("name", "variable"),
    [
        pytest.param("libera", "GATHERBOT_IRC_LIBERA_PASSWORD", id="plain"),
        pytest.param("Libera", "GATHERBOT_IRC_LIBERA_PASSWORD", id="capitalised"),
        pytest.param("libera-chat", "GATHERBOT_IRC_LIBERA_CHAT_PASSWORD", id="dash"),
        pytest.param("oftc_2", "GATHERBOT_IRC_OFTC_2_PASSWORD", id="underscore-digit"),
    ],
)
def test_each_irc_network_reads_its_own_password_variable(
    tmp_path: Path, name: str, variable: str
) -> None:
    assert irc_password_env(name) == variable
    path = write(
        tmp_path,
        f"""
        [[irc]]
        name = "{name}"
        host = "irc.example"
        nick = "GatherBot"

        [[irc]]
        name = "other"
        host = "irc.other.example"
        nick = "GatherBot"
        """,
    )
    first, second = load_config(path, environ={variable: PASSWORD}).irc
    assert first.sasl_password is not None
    assert first.sasl_password.get_secret_value() == PASSWORD
    assert second.sasl_password is None


def test_the_environment_password_wins_over_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, f'[[irc]]\n{LIBERA}sasl_password = "old"\n')
    (libera,) = load_config(path, environ={"GATHERBOT_IRC_LIBERA_PASSWORD": PASSWORD}).irc
    assert libera.sasl_password is not None
    assert libera.sasl_password.get_secret_value() == PASSWORD


# --- Secrets never show --------------------------------------------------------------------


def test_secrets_never_show_in_repr_or_str_of_the_config(tmp_path: Path) -> None:
    path = write(tmp_path, f'[telegram]\n\n[[irc]]\n{LIBERA}sasl_password = "{PASSWORD}"\n')
    config = load_config(path, environ={TELEGRAM_TOKEN_ENV: TOKEN})
    assert config.telegram is not None
    shown = [
        repr(config),
        str(config),
        f"{config}",
        repr(config.telegram),
        repr(config.irc),
        config.model_dump_json(),
    ]
    for text in shown:
        assert TOKEN not in text
        assert PASSWORD not in text
        assert "SECRET" not in text
    assert "**********" in repr(config)


SECRET_IN_BAD_FILE = [
    pytest.param(f'[telegram]\ntoken = "{TOKEN}"\n\n[bot]\ncolour = "red"\n', id="unknown-key"),
    pytest.param(f'[telegram]\ntoken = "{TOKEN}"\nnetwork = 5\n', id="bad-sibling-value"),
    pytest.param(f'[telegram]\ntoken = ["{TOKEN}"]\n', id="token-in-a-list"),
    pytest.param(f"[telegram]\ntoken = {{ value = '{TOKEN}' }}\n", id="token-in-a-table"),
    pytest.param(f'[telegram]\ntoken = "{TOKEN}"\n[bot\n', id="invalid-toml-after-token"),
    pytest.param(f'[telegram]\ntoken = "{TOKEN}\n', id="unterminated-token"),
    pytest.param(f'[telegram]\ntoken = "{TOKEN}" junk\n', id="junk-after-token"),
    pytest.param(f'[telegram]\ntoken = "{TOKEN}"\ntoken = "{TOKEN}"\n', id="token-twice"),
    pytest.param(f'{TOKEN} = "oops"\n', id="token-pasted-as-key"),
    pytest.param(f'token = "{TOKEN}"\n', id="token-outside-its-section"),
    pytest.param(
        f'[[irc]]\n{LIBERA}sasl_password = "{TOKEN}"\nport = 70000\n', id="irc-password-bad-port"
    ),
    pytest.param(f'[[irc]]\n{LIBERA}sasl_password = ["{TOKEN}"]\n', id="irc-password-in-a-list"),
    pytest.param(
        f'[bot]\ndatabase_url = "postgresql://bot:{TOKEN}@db/x"\n', id="database-password"
    ),
]


@pytest.mark.parametrize("text", SECRET_IN_BAD_FILE)
def test_a_secret_in_a_bad_file_never_shows_in_the_error(tmp_path: Path, text: str) -> None:
    error = refusal(write(tmp_path, text))
    shown = [str(error), repr(error), "".join(traceback.format_exception(error))]
    for part in shown:
        assert TOKEN not in part
        assert "SECRET" not in part


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[telegram]\nnetwork = 5\n", id="telegram-bad-value"),
        pytest.param(f"[telegram]\n\n[[irc]]\n{LIBERA}port = 0\n", id="irc-bad-port"),
        pytest.param('[telegram]\nextra = "x"\n', id="telegram-unknown-key"),
    ],
)
def test_a_secret_from_the_environment_never_shows_in_the_error(tmp_path: Path, text: str) -> None:
    environ = {TELEGRAM_TOKEN_ENV: TOKEN, "GATHERBOT_IRC_LIBERA_PASSWORD": PASSWORD}
    error = refusal(write(tmp_path, text), environ=environ)
    for part in (str(error), repr(error), "".join(traceback.format_exception(error))):
        assert TOKEN not in part
        assert PASSWORD not in part
