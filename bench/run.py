"""Run the timing-engine benchmarks one after another and summarise; exit 1 if any missed.

    python bench/run.py --short   # CI: a few minutes (skew 30 s instead of 10 min, smaller escalation run);
                                  # a benchmark that misses is run once more and fails only if it misses again
    python bench/run.py --full    # the figures for the README (skew 10 min, 10,000 escalations, API load)

Needs DATABASE_URL and REDIS_URL (the machine's or the embedded services). Each benchmark uses
the database `bench_drillops` on that server (created and dropped here), never the dev database;
the faults benchmark starts a PostgreSQL and a Redis of its own."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, drop_database, prepare_database

TIMING = ["pause", "burst", "skew", "escalation", "memory", "faults", "report", "import", "live_capacity"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--short", action="store_true")
    mode.add_argument("--full", action="store_true")
    parser.add_argument("--only", nargs="*", choices=[*TIMING, "api_inject_list"], help="run just these")
    args = parser.parse_args(argv)
    flag = "--full" if args.full else "--short"
    names = args.only or (TIMING + (["api_inject_list"] if args.full and shutil.which("wrk") else []))
    server = os.environ["DATABASE_URL"]
    url = prepare_database(server, fresh=True)
    env = {**os.environ, "BENCH_MIGRATED_URL": url}
    results: dict[str, tuple[int, float]] = {}
    try:
        for name in names:
            started = time.monotonic()
            command = [sys.executable, f"bench/{name}.py"] + ([] if name == "api_inject_list" else [flag])
            code = subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
            if code != 0 and args.short:
                # CI shares its 2 cores with whatever ran just before (the test suite's database
                # churn, a checkpoint); one miss there is noise, the same miss twice is a finding.
                print(f"   {name} missed a target; running it once more", flush=True)
                code = subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
            results[name] = (code, time.monotonic() - started)
    finally:
        drop_database(server)
    print(f"== benchmarks ({flag[2:]}, {os.cpu_count()} cores)")
    for name, (code, seconds) in results.items():
        print(f"   {name:16} {'PASS' if code == 0 else 'FAIL'}  ({seconds:.0f} s)")
    return 0 if all(code == 0 for code, _ in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
