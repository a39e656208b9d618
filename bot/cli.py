"""`smm-kpi-bot` / `python -m bot`: run, demo, analyze and maintenance subcommands.

Exit codes (interface.md): 0 ok, 2 bad usage or configuration, 1 anything else.
"""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import logging
import signal
import sys
from collections.abc import Sequence

from bot.config import ConfigError, load_settings
from bot.i18n import CatalogueError, check_catalogues
from bot.logging_setup import redact, setup_logging
from storage.backup import BackupError, InvalidBackupError
from storage.migrator import MigrationError
from storage.sqlite import IntegrityCheckError
from storage.url import DatabaseUrlError, is_memory, sqlite_path_from_url

# Commands that speak to users in their language: refused on an install without messages.
TALKING_COMMANDS = ("run", "demo", "analyze")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="smm-kpi-bot",
                                     description="Telegram bot for weekly SMM KPIs")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start the bot: long polling, or webhooks with WEBHOOK_URL")
    demo = sub.add_parser("demo", help="render sample digests from built-in demo data")
    demo.add_argument("--out", required=True, help="folder for digest.png and digest.txt")
    demo.add_argument("--projects", type=int, default=1, help="how many demo projects")
    demo.add_argument("--lang", choices=("ru", "en"), default=None)
    analyze = sub.add_parser("analyze", help="analyse a CSV/XLSX of weekly numbers")
    analyze.add_argument("file")
    analyze.add_argument("--json", action="store_true", help="print one JSON document")
    analyze.add_argument("--lang", choices=("ru", "en"), default=None)
    analyze.add_argument("--formula", action="append", default=[], metavar="NAME=EXPR[:DIR]",
                         help="a formula KPI, repeatable: "
                              '"weighted=(likes+comments*2)/reach*100:up"'
                              " (DIR up, down or neutral; up by default)")
    sub.add_parser("migrate", help="apply database migrations and exit")
    backup = sub.add_parser(
        "backup", help="copy the database to PATH, consistently, even while the bot runs")
    backup.add_argument("path", help="file to write (replaced atomically if it exists)")
    restore = sub.add_parser(
        "restore", help="replace the database by the backup at PATH (stop the bot first)")
    restore.add_argument("path", help="a file made by `smm-kpi-bot backup`")
    copy = sub.add_parser(
        "copy-db", help="copy every record from one database to another (SQLite <-> PostgreSQL)")
    copy.add_argument("from_url", metavar="FROM_URL", help="source DATABASE_URL (read only)")
    copy.add_argument("to_url", metavar="TO_URL", help="target DATABASE_URL (migrated, written)")
    copy.add_argument("--replace", action="store_true",
                      help="delete the records the target already holds (refused otherwise)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    try:
        if command in TALKING_COMMANDS:
            check_catalogues()
        settings = load_settings()
        if command == "run":
            token = settings.token()
            setup_logging(settings.log_level, token)
            dump_stacks_on_sigusr1()
            from bot.app import run
            from bot.eventloop import run_async
            from webapp.server import add_routes

            # The Mini App (README "Dashboard (Mini App)") mounts on the bot's aiohttp server.
            run_async(run(settings, extra_routes=[add_routes] if settings.webapp_url else []))
        elif command == "migrate":
            setup_logging(settings.log_level)
            asyncio.run(_migrate(settings.database_url))
        elif command == "demo":
            from bot.demo import run_demo

            return run_demo(args.out, args.projects, args.lang or settings.default_language)
        elif command == "analyze":
            from bot.analyze_cli import run_analyze

            return run_analyze(args.file, as_json=args.json,
                               lang=args.lang or settings.default_language,
                               formulas=args.formula)
        elif command == "copy-db":
            setup_logging(settings.log_level)
            return asyncio.run(_copy_db(args.from_url, args.to_url, args.replace))
        elif command in ("backup", "restore"):
            setup_logging(settings.log_level)
            return _backup_or_restore(command, args.path, settings.database_url)
    except (CatalogueError, ConfigError, DatabaseUrlError, InvalidBackupError, MigrationError,
            IntegrityCheckError) as exc:
        # Bad usage or configuration, or a database this release must not touch: one line.
        print(f"smm-kpi-bot: {redact(str(exc))}", file=sys.stderr)
        return 2
    except BackupError as exc:
        print(f"smm-kpi-bot: {redact(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except BrokenPipeError:  # output piped into `head` and the like
        return 0
    except Exception as exc:  # one line for the user; the traceback for the log
        logging.getLogger("smm-kpi-bot").debug("failed", exc_info=True)
        print(f"smm-kpi-bot: {type(exc).__name__}: {redact(str(exc))}", file=sys.stderr)
        return 1
    return 0


def dump_stacks_on_sigusr1() -> None:
    """`kill -USR1 <pid>` prints every thread's stack to stderr: for a process that seems
    stuck, in production and in the crash tests."""
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1, all_threads=True)


def _backup_or_restore(command: str, path: str, database_url: str) -> int:
    from pathlib import Path

    from storage.backup import backup_database, restore_database
    from storage.url import is_postgres_url

    if is_postgres_url(database_url):
        tool = "pg_dump -Fc" if command == "backup" else "pg_restore --clean"
        print(f"smm-kpi-bot: {command} handles SQLite files only; for PostgreSQL use {tool} "
              "on the database of DATABASE_URL", file=sys.stderr)
        return 2
    database = sqlite_path_from_url(database_url, create_dirs=command == "restore")
    if is_memory(database):
        raise ConfigError(f"DATABASE_URL is an in-memory database: nothing to {command}")
    if command == "backup":
        info = backup_database(database, Path(path))
        print(f"backup written to {info.path} (schema {info.schema_version}, "
              f"{info.size} bytes)")
    else:
        info = restore_database(Path(path), database)
        print(f"restored {path} into {info.path} (schema {info.schema_version}); "
              "start the bot again")
    return 0


async def _copy_db(from_url: str, to_url: str, replace: bool) -> int:
    from storage.copydb import ChecksumMismatchError, CopyDbError, copy_database, format_report

    try:
        report = await copy_database(from_url, to_url, replace=replace,
                                     progress=lambda text: print(text, file=sys.stderr))
    except CopyDbError as exc:
        print(f"smm-kpi-bot: copy-db: {redact(str(exc))}", file=sys.stderr)
        return 2
    except ChecksumMismatchError as exc:
        print(str(exc))
        print("smm-kpi-bot: copy-db: the target differs from the source; nothing was committed",
              file=sys.stderr)
        return 1
    print(format_report(report))
    print(f"copied {report.rows} records in {len(report.tables)} tables")
    return 0


async def _migrate(database_url: str) -> None:
    from storage import open_storage

    storage = open_storage(database_url)
    await storage.connect()
    await storage.close()


if __name__ == "__main__":
    sys.exit(main())
