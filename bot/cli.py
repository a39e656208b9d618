"""`smm-kpi-bot` / `python -m bot`: run, demo, analyze and maintenance subcommands.

Exit codes (interface.md): 0 ok, 2 bad usage or configuration, 1 anything else.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from bot.config import ConfigError, load_settings
from bot.logging_setup import redact, setup_logging


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="smm-kpi-bot",
                                     description="Telegram bot for weekly SMM KPIs")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start the bot with long polling (the default)")
    demo = sub.add_parser("demo", help="render sample digests from built-in demo data")
    demo.add_argument("--out", required=True, help="folder for digest.png and digest.txt")
    demo.add_argument("--projects", type=int, default=1, help="how many demo projects")
    demo.add_argument("--lang", choices=("ru", "en"), default=None)
    analyze = sub.add_parser("analyze", help="analyse a CSV/XLSX of weekly numbers")
    analyze.add_argument("file")
    analyze.add_argument("--json", action="store_true", help="print one JSON document")
    analyze.add_argument("--lang", choices=("ru", "en"), default=None)
    sub.add_parser("migrate", help="apply database migrations and exit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings()
        if command == "run":
            token = settings.token()
            setup_logging(settings.log_level, token)
            from bot.app import run

            asyncio.run(run(settings))
        elif command == "migrate":
            setup_logging(settings.log_level)
            asyncio.run(_migrate(settings.database_url))
        elif command == "demo":
            from bot.demo import run_demo

            return run_demo(args.out, args.projects, args.lang or settings.default_language)
        elif command == "analyze":
            from bot.analyze_cli import run_analyze

            return run_analyze(args.file, as_json=args.json,
                               lang=args.lang or settings.default_language)
    except ConfigError as exc:
        print(f"smm-kpi-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    except BrokenPipeError:  # output piped into `head` and the like
        return 0
    except Exception as exc:  # one line for the user; the traceback for the log
        logging.getLogger("smm-kpi-bot").debug("failed", exc_info=True)
        print(f"smm-kpi-bot: {type(exc).__name__}: {redact(str(exc))}", file=sys.stderr)
        return 1
    return 0


async def _migrate(database_url: str) -> None:
    from storage import open_storage

    storage = open_storage(database_url)
    await storage.connect()
    await storage.close()


if __name__ == "__main__":
    sys.exit(main())
