"""`gatherbot`: run the bot, chat with it in a terminal, migrate the database, check a config,
see and retry the messages it failed to send."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import getpass
import json
import logging
import signal
import sys
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path

from bot.app import running_bot
from bot.config import Config, ConfigError, load_config
from bot.logs import FORMATS, setup_logging
from bot.ports import Adapter
from storage import Database, DatabaseError, redact_url
from storage.database import require_existing

log = logging.getLogger("gatherbot")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    setup_logging(args.log_level, args.log_format)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"gatherbot: bad config:\n{exc}", file=sys.stderr)
        return 2
    try:
        return int(asyncio.run(args.action(args, config)))
    except DatabaseError as exc:
        print(f"gatherbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _log_options(parser: argparse.ArgumentParser, level: str) -> None:
    parser.add_argument("--log-level", default=level, choices=["debug", "info", "warning", "error"])
    parser.add_argument(
        "--log-format",
        default="text",
        choices=FORMATS,
        help="text (default) or json: one JSON object per line, for log collectors",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gatherbot",
        description="Announce and coordinate gatherings across Telegram and IRC.",
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, help_text: str, log_level: str = "info") -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        _log_options(p, log_level)
        return p

    run = command("run", "start every configured network adapter and the scheduler")
    run.add_argument("--config", type=Path, required=True, metavar="FILE")
    run.set_defaults(action=_run)

    console = command(
        "console", "chat with the full bot in this terminal (or from a pipe)", log_level="warning"
    )
    console.add_argument(
        "--as",
        dest="user",
        default=_login_name(),
        type=_name,
        metavar="NAME",
        help="who you are in the chat (default: your login name)",
    )
    console.add_argument(
        "--channel",
        default="#console",
        metavar="NAME",
        help="the channel you are in (default: #console)",
    )
    console.add_argument(
        "--admin",
        action="store_true",
        help="be an admin of the channel, to try edit, cancel and tz",
    )
    console.add_argument(
        "--database",
        metavar="URL",
        help="database URL (default: the config's, or sqlite gatherbot.db in this folder)",
    )
    console.add_argument("--config", type=Path, metavar="FILE")
    console.set_defaults(action=_console)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(required=True, metavar="ACTION")
    upgrade = db_sub.add_parser("upgrade", help="apply every pending migration")
    _log_options(upgrade, "info")
    upgrade.add_argument("--database", metavar="URL")
    upgrade.add_argument("--config", type=Path, metavar="FILE")
    upgrade.set_defaults(action=_db_upgrade)

    export = command(
        "export", "write the whole database to a JSON file (to move it elsewhere)", "warning"
    )
    export.add_argument("file", type=Path, metavar="FILE")
    export.add_argument("--database", metavar="URL", help="default: the config's")
    export.add_argument("--config", type=Path, metavar="FILE")
    export.set_defaults(action=_export)

    load = command("import", "load an export into an empty database", "warning")
    load.add_argument("file", type=Path, metavar="FILE")
    load.add_argument("--database", metavar="URL", help="default: the config's")
    load.add_argument("--config", type=Path, metavar="FILE")
    load.set_defaults(action=_import)

    deliveries = command(
        "deliveries",
        "list the messages the bot failed to send or is retrying, newest first",
        "warning",
    )
    deliveries.add_argument("--failed", action="store_true", help="only those that failed")
    deliveries.add_argument(
        "--limit", type=_count, default=50, metavar="N", help="show at most N (default 50)"
    )
    _database_options(deliveries, default=None)
    deliveries.set_defaults(action=_deliveries)
    retry = deliveries.add_subparsers(metavar="retry").add_parser(
        "retry",
        help="send failed deliveries again",
        description="put failed deliveries back to be sent by the running bot",
    )
    retry.add_argument(
        "ids", nargs="+", type=_delivery_id, metavar="ID", help="the ids `deliveries` shows"
    )
    # Given before `retry` they belong to `deliveries`: no default here may overwrite them.
    _database_options(retry, default=argparse.SUPPRESS)
    _log_options(retry, argparse.SUPPRESS)
    retry.set_defaults(action=_retry_deliveries)

    health = command(
        "health", "ask a running bot whether it is healthy (exit 0) or not (exit 1)", "warning"
    )
    health.add_argument("--config", type=Path, required=True, metavar="FILE")
    health.set_defaults(action=_health)

    check = command(
        "check-config", "check a config file and say what it configures", log_level="warning"
    )
    check.add_argument("config", type=Path, metavar="FILE")
    check.set_defaults(action=_check_config)
    return parser


def _database_options(parser: argparse.ArgumentParser, default: str | None) -> None:
    parser.add_argument("--database", metavar="URL", default=default, help="the bot's database")
    parser.add_argument(
        "--config", type=Path, metavar="FILE", default=default, help="or the config's database"
    )


def _count(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError("a whole number from 1, e.g. --limit 100")
    return int(value)


def _delivery_id(value: str) -> int:
    # `#12` as `deliveries retry` prints it is taken as well as `12`.
    number = value.removeprefix("#")
    if not number.isdigit():
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a delivery id (the table's first column)"
        )
    return int(number)


def _name(value: str) -> str:
    value = value.strip()
    if not value or any(ch.isspace() for ch in value):
        raise argparse.ArgumentTypeError("a name is one word, e.g. --as alice")
    return value


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "you"


async def _run(args: argparse.Namespace, config: Config) -> int:
    adapters = _network_adapters(config)
    if not adapters:
        print(
            "gatherbot run: no network to start: configure [telegram] or an [[irc]] network, "
            "or use `gatherbot console` to chat with the bot.",
            file=sys.stderr,
        )
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with (
        running_bot(config.bot, adapters, web=config.web) as core,
        AsyncExitStack() as stack,
    ):
        if config.web is not None:
            from adapters.web import WebContext, running_web

            context = WebContext(
                core.database,
                config.bot,
                config.web,
                telegram_network=config.telegram.network if config.telegram else "telegram",
                health=core.health,
            )
            await stack.enter_async_context(running_web(context))
        elif config.health is not None and core.health is not None:
            from adapters.web.health import running_health

            listen = config.health
            serving = running_health(listen.host, listen.port, core.health, core.database)
            await stack.enter_async_context(serving)
        # What start-up loaded lives until exit: keep it out of the collector's full passes,
        # which otherwise pause the whole bot for ~100 ms now and then (bench/README.md).
        gc.collect()
        gc.freeze()
        log.info("gatherbot is running; stop with Ctrl-C or SIGTERM")
        await stop.wait()
    log.info("gatherbot stopped")
    return 0


def _network_adapters(config: Config) -> list[Adapter]:
    """The adapters for the configured networks (imported only when configured)."""
    adapters: list[Adapter] = []
    if config.telegram is not None:
        from adapters.telegram import TelegramAdapter

        adapters.append(TelegramAdapter(config.telegram, rate_limited=config.telegram.flood_limits))
    if config.irc:
        from adapters.irc import IrcAdapter

        adapters.extend(IrcAdapter(network) for network in config.irc)
    return adapters


async def _console(args: argparse.Namespace, config: Config) -> int:
    from adapters.console import ConsoleAdapter

    interactive = sys.stdin.isatty()
    console = ConsoleAdapter(
        user=args.user,
        channel=args.channel,
        admin=args.admin,
        stdin=sys.stdin,
        stdout=sys.stdout,
        prompt=interactive,
    )
    url = args.database or config.bot.database_url
    if interactive:
        print(
            f"gatherbot console: you are {args.user} in {args.channel}"
            f"{' (admin)' if args.admin else ''}; database {redact_url(url)}.\n"
            "Type !help to see the commands, :as NAME to speak as someone else, "
            "Ctrl-D to leave.",
            file=sys.stderr,
        )
    # Links from the console work when `gatherbot run` serves this database with this [web].
    async with running_bot(config.bot, [console], database_url=url, web=config.web):
        await console.serve()
    return 0


async def _export(args: argparse.Namespace, config: Config) -> int:
    from storage.transfer import TransferError, counts, export_data

    url = args.database or config.bot.database_url
    require_existing(url)
    database = Database(url)
    try:
        data = await export_data(database, datetime.now(UTC))
    except TransferError as exc:
        print(f"gatherbot export: {exc}", file=sys.stderr)
        return 2
    finally:
        await database.dispose()
    # Written beside the target and renamed: a failed export never leaves half a file.
    partial = args.file.with_name(args.file.name + ".partial")
    try:
        partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        partial.replace(args.file)
    except OSError as exc:
        print(f"gatherbot export: cannot write {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"exported {redact_url(url)} to {args.file}: {_summary(counts(data))}")
    return 0


async def _import(args: argparse.Namespace, config: Config) -> int:
    from storage.transfer import TransferError, counts, import_data

    try:
        data = json.loads(args.file.read_text(encoding="utf-8"))
    except OSError as exc:
        print(f"gatherbot import: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    except (UnicodeDecodeError, json.JSONDecodeError):
        print(
            f"gatherbot import: {args.file} is not a gatherbot export (not JSON)", file=sys.stderr
        )
        return 2
    url = args.database or config.bot.database_url
    database = Database(url)
    try:
        await import_data(database, data)
    except TransferError as exc:
        print(f"gatherbot import: {exc}", file=sys.stderr)
        return 2
    finally:
        await database.dispose()
    print(f"imported {args.file} into {redact_url(url)}: {_summary(counts(data))}")
    return 0


# Table names with how a count of their rows reads: (one, many).
_ROWS = {
    "events": ("event", "events"),
    "rsvps": ("RSVP", "RSVPs"),
    "people": ("person", "people"),
    "channels": ("channel", "channels"),
    "deliveries": ("delivery", "deliveries"),
}


def _summary(rows: dict[str, int]) -> str:
    return ", ".join(
        f"{count} {one if count == 1 else many}"
        for name, (one, many) in _ROWS.items()
        for count in [rows.get(name, 0)]
    )


async def _deliveries(args: argparse.Namespace, config: Config) -> int:
    from bot.delivery_report import problems_table

    url = _operator_url(args, config, "deliveries")
    if url is None:
        return 2
    async with _checked_database(url) as database, database.unit_of_work(read_only=True) as uow:
        problems = await uow.delivery_report.problems(failed_only=args.failed, limit=args.limit)
        counts = await uow.delivery_report.counts()
    print(problems_table(problems, counts, failed_only=args.failed))
    return 0


async def _retry_deliveries(args: argparse.Namespace, config: Config) -> int:
    from bot.delivery_report import retry_report

    url = _operator_url(args, config, "deliveries retry")
    if url is None:
        return 2
    async with _checked_database(url) as database, database.unit_of_work() as uow:
        outcome = await uow.delivery_report.retry(args.ids, datetime.now(UTC))
        await uow.commit()
    done, refused = retry_report(outcome)
    for line in refused:
        print(f"gatherbot deliveries retry: {line}", file=sys.stderr)
    if done:
        print("\n".join(done))
    return 1 if refused else 0


def _operator_url(args: argparse.Namespace, config: Config, name: str) -> str | None:
    """The database an operator command looks into, named outright: by default it would be
    an empty `gatherbot.db` made in the current folder. None after saying so."""
    if (args.database is None) == (args.config is None):
        print(f"gatherbot {name}: give either --database URL or --config FILE", file=sys.stderr)
        return None
    return str(args.database or config.bot.database_url)


@contextlib.asynccontextmanager
async def _checked_database(url: str) -> AsyncIterator[Database]:
    """The database at ``url``, refused unless it is gatherbot's at this version's schema (a
    mistyped SQLite path makes an empty one), whose tables the queries would not find."""
    from storage.database import head_revision

    require_existing(url)
    database = Database(url)
    try:
        where = redact_url(url)
        revision = await database.schema()
        if revision is None:
            raise DatabaseError(
                f"{where} holds no gatherbot database (check --database or the config's "
                "database_url)"
            )
        if revision != head_revision():
            raise DatabaseError(
                f"{where} is at schema {revision}, this gatherbot's is {head_revision()}: use "
                "the version the bot runs (`gatherbot db upgrade` brings an older database up "
                "to date)"
            )
        yield database
    finally:
        await database.dispose()


async def _health(args: argparse.Namespace, config: Config) -> int:
    """Docker's HEALTHCHECK: GET /healthz of the bot that runs with this config."""
    listener = config.web or config.health
    if listener is None:
        print("gatherbot health: the config has neither [web] nor [health]", file=sys.stderr)
        return 2
    # A server listening on every address is reached on loopback from inside.
    host = "127.0.0.1" if listener.host in ("0.0.0.0", "::", "") else listener.host
    url = f"http://{host}:{listener.port}/healthz"
    try:
        async with asyncio.timeout(10):
            status, body = await asyncio.to_thread(_fetch, url)
    except (OSError, TimeoutError) as exc:
        print(f"gatherbot health: {url}: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 1
    print(body)
    return 0 if status == 200 else 1


def _fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=8) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:  # 503: the body names the failing part
        return error.code, error.read().decode()


async def _db_upgrade(args: argparse.Namespace, config: Config) -> int:
    url = args.database or config.bot.database_url
    database = Database(url)
    try:
        await database.upgrade()
    finally:
        await database.dispose()
    print(f"database is up to date: {redact_url(url)}")
    return 0


async def _check_config(args: argparse.Namespace, config: Config) -> int:
    bot = config.bot
    print(f"{args.config}: OK")
    print(
        f"  time zone: {bot.timezone}; reminders: {', '.join(bot.reminders) or 'none'}; "
        f"weekly digest: {bot.digest or 'off'}"
    )
    print(f"  database: {redact_url(bot.database_url)}")
    print(f"  admins: {len(bot.admins)}")
    if config.telegram is not None:
        telegram = config.telegram
        mode = "polling"
        if telegram.webhook_url is not None:
            mode = (
                f"webhook at {telegram.webhook_url}, listening on {telegram.webhook_listen} "
                "(secret token set)"
            )
        print(
            f"  telegram: network {telegram.network} via {telegram.api_base_url}"
            f" (token set); updates by {mode}"
        )
    for network in config.irc:
        auth = "SASL" if network.sasl_username else "no login"
        tls = "TLS" if network.tls else "plain text"
        print(
            f"  irc {network.name}: {network.nick} at {network.host}:{network.port} ({tls}, "
            f"{auth}), channels {', '.join(network.channels) or 'none'}"
        )
    if config.web is not None:
        web = config.web
        print(
            f"  web: listening on {web.listen}, public at {web.public_url}, "
            f"{len(web.pages)} page{'s' if len(web.pages) != 1 else ''} (secret set)"
        )
    return 0


def _entry() -> None:  # pragma: no cover - `python -m bot.cli`
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    _entry()
