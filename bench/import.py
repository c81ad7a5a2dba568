"""MSEL import end to end through the service: a 5,000-row workbook read, checked and written.

Targets (DESIGN.md): a 5,000-row MSEL imported in <= 5 s; a 5,000-row sheet with bad rows
refused with every bad row and column listed (also <= 5 s), nothing created. Each row targets
two departments, has a two-step ladder, every tenth row a condition and an objective, so the
figures include the checks the event services make.

    python bench/import.py --short   # three runs of the workbook, one of the bad sheet (CI, well under 60 s)
    python bench/import.py --full    # five runs each of the workbook and the CSV

The target is on the median run, after a warm-up import of a small sheet (a web worker has its
modules and catalogues loaded already).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Report, coordinator, empty_tables, prepare_database, setup_django

ROWS = 5_000
DEPARTMENTS = ["cs", "risk", "legal", "hr", "it", "exec", "pr"]
BAD_EVERY = 97  # a bad row every 97 rows, in three kinds of cell


def _row(n: int, bad: bool) -> list[Any]:
    first, second = DEPARTMENTS[n % 7], DEPARTMENTS[(n + 1) % 7]
    ladder = f"300;{DEPARTMENTS[(n + 2) % 7]};acknowledged;No answer to {n}\n600;exec;resolved;Still open {n}"
    condition = f"after_resolved:{n - 1}:60" if n % 10 == 0 else None
    row = [n, f"{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}", f"Event {n}", f"Body of event {n}\nsecond line",
           "call", "Policyholder", f"{first}\n{second}", "Report on", "no", "00:05:00", ladder,
           1 if n % 10 == 0 else None, condition]  # fmt: skip
    if bad:
        kind = (n // BAD_EVERY) % 3
        row[1 if kind == 0 else 6 if kind == 1 else 4] = ("soon", "nowhere", "pigeon")[kind]
    return row


def workbook(rows: int, *, with_errors: bool, fmt: str = "xlsx") -> tuple[bytes, set[tuple[int, str]]]:
    """The sheet and the (row, column) of every bad cell in it."""
    from drillops.scenarios.msel.columns import EVENT_COLUMNS
    from drillops.scenarios.msel.export import write_csv, write_xlsx

    headers = [c.en for c in EVENT_COLUMNS]
    body, bad = [], set()
    for n in range(1, rows + 1):
        is_bad = with_errors and n % BAD_EVERY == 0
        body.append(_row(n, is_bad))
        if is_bad:
            bad.add((n + 1, ("offset", "departments", "channel")[(n // BAD_EVERY) % 3]))
    objectives: list[list[Any]] = [
        ["sequence", "capability", "title", "target", "critical_tasks"],
        [1, "Comms", "Report", "", "a\nb"],
    ]
    if fmt == "csv":
        return write_csv([headers, *body]), bad
    return write_xlsx([("MSEL", [headers, *body], [10]), ("Objectives", objectives, [10])], {}), bad


def _timed(data: bytes, name: str, organisation: Any, by: Any) -> tuple[float, float, Any]:
    """(wall seconds, this process's CPU seconds, the result or the refusal)."""
    from drillops.scenarios.msel.parse import Options
    from drillops.scenarios.msel.reader import ImportRefused
    from drillops.scenarios.msel.services import msel_import

    started, cpu = time.perf_counter(), time.process_time()
    try:
        outcome: Any = msel_import(organisation=organisation, by=by, data=data, filename=name, options=Options())
    except ImportRefused as exc:
        outcome = exc
    return time.perf_counter() - started, time.process_time() - cpu, outcome


def run(*, rows: int, repeats: int, formats: list[str]) -> int:
    server, redis_url = os.environ["DATABASE_URL"], os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    setup_django(prepare_database(server), redis_url)
    from drillops.departments.models import Department, Membership, Organisation, Role
    from drillops.scenarios.models import Scenario, ScenarioEvent

    empty_tables()
    organisation = Organisation.objects.create(name="Bench insurer", slug="bench-import")
    Department.objects.bulk_create(Department(organisation=organisation, code=c, name=c.upper()) for c in DEPARTMENTS)
    by = coordinator()
    Membership.objects.create(user=by, organisation=organisation, role=Role.COORDINATOR)
    report = Report(f"import ({rows:,} rows; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    # A web worker has its imports done and its catalogues loaded: so does the run, on a small sheet.
    _timed(workbook(10, with_errors=False)[0], "warm-up.xlsx", organisation, by)
    for fmt in formats:
        good, _none = workbook(rows, with_errors=False, fmt=fmt)
        times = []
        for _ in range(repeats):
            seconds, cpu, result = _timed(good, f"bench.{fmt}", organisation, by)
            times.append(seconds)
            events = ScenarioEvent.objects.filter(version__scenario=result.scenario).count() if result.scenario else 0
            report.target(
                events == rows,
                f"{fmt}: {events:,} events written in {seconds:.2f} s ({cpu:.2f} s of this process's CPU)",
            )
        median = statistics.median(times)
        report.target(
            median <= 5,
            f"{fmt} ({len(good) / 1e6:.1f} MB): median {median:.2f} s <= 5 s "
            f"(best {min(times):.2f}, worst {max(times):.2f})",
        )
    bad_sheet, bad_cells = workbook(rows, with_errors=True)
    before = Scenario.objects.count()
    seconds, _cpu, refused = _timed(bad_sheet, "bad.xlsx", organisation, by)
    listed = {(e["row"], e["column"]) for e in getattr(refused, "errors", [])}
    report.target(
        listed == bad_cells, f"every bad row and column listed: {len(listed)} of {len(bad_cells)}, none extra"
    )
    report.target(Scenario.objects.count() == before, "the refused sheet created nothing")
    report.target(seconds <= 5, f"refusal with {len(listed)} errors in {seconds:.2f} s <= 5 s")
    return report.finish()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args(argv)
    if args.full:
        return run(rows=args.rows, repeats=5, formats=["xlsx", "csv"])
    return run(rows=args.rows, repeats=3, formats=["xlsx"])


if __name__ == "__main__":
    sys.exit(main())
