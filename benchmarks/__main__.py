"""Run every benchmark, print one table, exit 1 when a target is missed.

    python -m benchmarks [--quick] [--only NAME ...] [--profile]

Each group runs in its own subprocess (clean peak-RSS readings, no warm caches shared between
groups); `--only` runs the named groups in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict

from benchmarks.common import Result, table, thin

GROUPS = ("digest", "scaled", "scaled-2", "handling", "handling-pg", "storage", "storage-pg",
          "memory", "alerts", "experiments")


async def run_group(name: str, quick: bool, profile: bool) -> list[Result]:
    if name == "digest":
        from benchmarks.bench_digest import run_sustained

        return await run_sustained(quick)
    if name == "scaled":
        from benchmarks.bench_digest import run_scaled

        return await run_scaled(quick)
    if name == "scaled-2":
        from benchmarks.bench_instances import run as run_instances

        return await run_instances(quick)
    if name == "handling":
        from benchmarks.bench_handling import run

        return await run(quick, profile)
    if name == "handling-pg":
        from benchmarks.bench_handling import run_postgres as run_handling_pg

        return await run_handling_pg(quick, profile)
    if name == "storage":
        from benchmarks.bench_storage import run

        return await run(quick, profile)
    if name == "storage-pg":
        from benchmarks.bench_storage import run_postgres

        return await run_postgres(quick, profile)
    if name == "memory":
        from benchmarks.bench_memory import run

        return await run(quick)
    if name == "alerts":
        from benchmarks.bench_alerts import run

        return await run(quick)
    if name == "experiments":
        from benchmarks.bench_experiments import run

        return await run(quick)
    raise SystemExit(f"unknown benchmark group {name!r}; known: {', '.join(GROUPS)}")


def run_isolated(name: str, quick: bool, profile: bool) -> list[Result]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    try:
        args = [sys.executable, "-m", "benchmarks", "--only", name, "--json-out", out]
        args += ["--quick"] if quick else []
        args += ["--profile"] if profile else []
        proc = subprocess.run(args, check=False)
        try:
            with open(out, encoding="utf-8") as handle:
                return [Result(**row) for row in json.load(handle)]
        except (OSError, ValueError):
            return [Result(f"{name}: crashed", float("nan"), target=0,
                           note=f"exit code {proc.returncode}, see output above")]
    finally:
        os.unlink(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, shorter runs")
    parser.add_argument("--only", nargs="+", choices=GROUPS, help="run these groups in-process")
    parser.add_argument("--profile", action="store_true",
                        help="print cProfile top functions for handling and storage")
    parser.add_argument("--margin", type=float, metavar="PCT",
                        help="also fail when a speed target is met with less than PCT %% to "
                             "spare (25: 1.25× its target; of the time above Telegram's "
                             "floor for digest waves)")
    parser.add_argument("--json-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    margin = None if args.margin is None else 1 + args.margin / 100
    started = time.perf_counter()
    results: list[Result] = []
    if args.only:
        for name in args.only:
            print(f"== {name}", file=sys.stderr, flush=True)
            try:
                results += asyncio.run(run_group(name, args.quick, args.profile))
            except Exception as exc:
                import traceback

                traceback.print_exc()
                results.append(Result(f"{name}: crashed", float("nan"), target=0,
                                      note=f"{type(exc).__name__}: {exc}"))
    else:
        for name in GROUPS:
            print(f"== {name}", file=sys.stderr, flush=True)
            results += run_isolated(name, args.quick, args.profile)
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as handle:
            json.dump([asdict(r) for r in results], handle)
    if not args.json_out:
        mode = "quick" if args.quick else "full"
        print(f"\nsmm-kpi-bot benchmarks ({mode}, {os.cpu_count()} CPUs, "
              f"{time.perf_counter() - started:.0f} s)\n")
        print(table(results, margin))
    missed = any(r.passed is False for r in results)
    return 1 if missed or (margin is not None and any(thin(r, margin) for r in results)) else 0


if __name__ == "__main__":
    sys.exit(main())
