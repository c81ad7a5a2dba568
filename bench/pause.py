"""Pause and resume, twice, a drill with 10,000 pending injects, with activity during each pause.

Checked against the database clock that the benchmark reads just before and after each pause
and resume call, never against what the code computed (`paused_at`, `paused_total`):
- every due time that existed at the pause (pending injects, future deadlines, pending
  escalation steps) moved by one and the same shift, to the microsecond;
- every due time made while paused (an ad-hoc inject's deadline, a triggered event's deadline
  and step, a condition armed by a resolution or by a delivery) counts from one instant, the
  same for all of them to the microsecond: the resume;
- that resume instant lies inside the resume call, and resume minus the shift (the pause it
  implies) inside the pause call, both read off the database clock;
- what happened stays when it happened (delivery times are not moved).
The second cycle moves the first cycle's new deadlines again, by the second pause only.

Target: resume of 10,000 pending rows <= 250 ms (timing)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Report, build_scenario, coordinator, db_now, empty_tables, prepare_database, setup_django

Key = tuple[str, int]
S = timedelta(seconds=1)


def _snapshot(drill_id: int) -> dict[Key, datetime]:
    """Every live due time of the drill (pending deliveries, deadlines, pending steps) and every
    delivery time, keyed by what it is and the row's id."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT 'due', id, due_at FROM timelines_inject
               WHERE drill_id = %(d)s AND status = 'pending' AND delivered_at IS NULL
               UNION ALL SELECT 'deadline', id, deadline_at FROM timelines_inject
               WHERE drill_id = %(d)s AND deadline_at IS NOT NULL
               UNION ALL SELECT 'delivered', id, delivered_at FROM timelines_inject
               WHERE drill_id = %(d)s AND delivered_at IS NOT NULL
               UNION ALL SELECT 'fire', s.id, s.fire_at FROM timelines_escalationstep s
               JOIN timelines_inject i ON i.id = s.inject_id
               WHERE i.drill_id = %(d)s AND s.fired_at IS NULL AND s.cancelled_at IS NULL""",
            {"d": drill_id},
        )
        return {(kind, pk): at for kind, pk, at in cursor.fetchall()}


@dataclass
class Cycle:
    """One pause and resume with the database clock read around each call."""

    number: int
    before: dict[Key, datetime]
    pause_call: tuple[datetime, datetime]
    just_before_resume: dict[Key, datetime] | None = None
    resume_call: tuple[datetime, datetime] | None = None
    resume_ms: float = 0.0
    shifted_rows: int = 0


def _pause(drill: Any, by: Any, number: int) -> tuple[Any, Cycle]:
    from drillops.timelines import services

    before = _snapshot(drill.pk)
    start = db_now()
    drill = services.drill_pause(drill=drill, by=by)
    return drill, Cycle(number, before, (start, db_now()))


def _resume(drill: Any, by: Any, cycle: Cycle) -> Any:
    from drillops.timelines import services

    cycle.just_before_resume = _snapshot(drill.pk)
    start = db_now()
    started = time.perf_counter()
    drill = services.drill_resume(drill=drill, by=by)
    cycle.resume_ms = (time.perf_counter() - started) * 1000
    cycle.resume_call = (start, db_now())
    cycle.shifted_rows = getattr(drill, "shifted_count", 0)
    return drill


def _ms(delta: timedelta) -> str:
    return f"{delta.total_seconds() * 1000:,.3f} ms"


def _check(report: Report, cycle: Cycle, after: dict[Key, datetime], born: list[tuple[Key, timedelta]]) -> None:
    """`born`: the due times made while paused, each with its length (deadline, delay)."""
    assert cycle.just_before_resume is not None and cycle.resume_call is not None
    n, (p0, p1), (r0, r1) = cycle.number, cycle.pause_call, cycle.resume_call
    existing = {k: after[k] - v for k, v in cycle.before.items() if k[0] != "delivered" and v > p1 and k in after}
    shifts = set(existing.values())
    report.target(len(existing) >= 10_000, f"cycle {n}: {len(existing)} due times existed at the pause")
    report.target(len(shifts) == 1, f"cycle {n}: they moved by {len(shifts)} distinct shift(s) (one expected)")
    starts = {after[key] - length for key, length in born if key in after}
    report.target(
        len(starts) == 1 and len(born) == sum(key in after for key, _ in born),
        f"cycle {n}: the {len(born)} due times made while paused count from {len(starts)} instant(s) (one expected)",
    )
    if len(shifts) == 1 and len(starts) == 1:
        shift, resumed = shifts.pop(), starts.pop()
        report.figure(f"cycle {n}: shift {_ms(shift)}; database clock: pause call {_ms(p1 - p0)}, resume call "
                      f"{_ms(r1 - r0)}, so the shift lies between {_ms(r0 - p1)} and {_ms(r1 - p0)}")  # fmt: skip
        report.target(r0 <= resumed <= r1, f"cycle {n}: new due times count from inside the resume call")
        report.target(p0 <= resumed - shift <= p1, f"cycle {n}: resume minus the shift falls inside the pause call")
    facts = {k: v for k, v in cycle.just_before_resume.items() if k[0] == "delivered"}
    moved = sum(after.get(k) != v for k, v in facts.items())
    report.target(moved == 0, f"cycle {n}: delivery times moved by resume: {moved} of {len(facts)}")
    report.target(
        cycle.resume_ms <= 250,
        f"cycle {n}: resume (shift of {cycle.shifted_rows} rows) {cycle.resume_ms:.1f} ms <= 250 ms",
        timing=True,
    )


def _extra_events(scenario: Any, depts: list[Any]) -> dict[str, Any]:
    """Events the pauses act on: A and D triggered before the first pause, B triggered during it
    (C follows if B is not acknowledged), D resolved during it (E follows), F triggered during
    the second pause. A, B and F have a 600 s deadline and a step 60 s after it."""
    from drillops.scenarios.models import ConditionKind, ScenarioEvent

    version = scenario.versions.get()
    ladder = [{"after_seconds": 60, "department": depts[1].pk, "message": "No answer"}]
    specs: dict[str, dict[str, Any]] = {
        "A": {"response_deadline_seconds": 600, "escalations": ladder},
        "B": {"response_deadline_seconds": 600, "escalations": ladder},
        "C": {"condition_kind": ConditionKind.IF_NOT_ACKNOWLEDGED, "condition_delay_seconds": 30},
        "D": {},
        "E": {"condition_kind": ConditionKind.AFTER_RESOLVED, "condition_delay_seconds": 120},
        "F": {"response_deadline_seconds": 600, "escalations": ladder},
    }
    made: dict[str, Any] = {}
    sequence = version.events.count()
    for name, fields in specs.items():
        sequence += 1
        condition = {"C": "B", "E": "D"}.get(name)
        event = ScenarioEvent.objects.create(
            version=version, sequence=sequence, title=f"Event {name}", offset_seconds=7200,
            condition_event=made[condition] if condition else None, **fields,
        )  # fmt: skip
        event.departments.set([depts[1] if condition else depts[0]])
        made[name] = event
    return made


def run(*, pending: int, pause_seconds: float) -> int:
    server, redis_url = os.environ["DATABASE_URL"], os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    url = prepare_database(server)
    setup_django(url, redis_url)
    from drillops.timelines import services
    from drillops.timelines.models import SCENARIO_CAUSES, EscalationStep, Inject

    empty_tables()
    scenario, depts = build_scenario(
        departments=10, events=pending // 10, offsets=[3600 + n for n in range(pending // 10)]
    )
    events = _extra_events(scenario, depts)
    by = coordinator()
    report = Report(f"pause ({pending} pending injects, two pause cycles with activity during each)")
    drill = services.drill_start(drill=services.drill_create(scenario=scenario, name="pause", by=by), by=by)

    def one(name: str) -> Any:
        return Inject.objects.get(drill=drill, event=events[name], cause__in=SCENARIO_CAUSES)

    def step(name: str) -> Key:
        return ("fire", EscalationStep.objects.get(inject=one(name)).pk)

    for name in ("A", "D"):
        services.drill_trigger_event(drill=drill, event=events[name], by=by)
    drill, first = _pause(drill, by, 1)
    adhoc = services.drill_send_adhoc(drill=drill, by=by, title="Reporter calls", body="", departments=depts,
                                      response_deadline_seconds=300)  # fmt: skip
    services.drill_trigger_event(drill=drill, event=events["B"], by=by)
    services.inject_resolve(inject=one("D"), by=by)
    services.inject_forward(inject=one("A"), by=by, department=depts[1])
    time.sleep(pause_seconds)
    drill = _resume(drill, by, first)
    after_first = _snapshot(drill.pk)
    born = [(("deadline", i.pk), 300 * S) for i in adhoc]
    born += [(("deadline", one("B").pk), 600 * S), (step("B"), 660 * S), (("due", one("C").pk), 630 * S)]
    born += [(("due", one("E").pk), 120 * S)]
    _check(report, first, after_first, born)
    a_step = EscalationStep.objects.get(inject=one("A"))
    report.target(a_step.cancelled_at is not None, "the forward while paused answered A in time: its step is cancelled")

    time.sleep(0.2)
    drill, second = _pause(drill, by, 2)
    adhoc = services.drill_send_adhoc(drill=drill, by=by, title="Regulator asks", body="", departments=depts[:2],
                                      response_deadline_seconds=300)  # fmt: skip
    services.drill_trigger_event(drill=drill, event=events["F"], by=by)
    time.sleep(pause_seconds)
    drill = _resume(drill, by, second)
    born = [(("deadline", i.pk), 300 * S) for i in adhoc]
    born += [(("deadline", one("F").pk), 600 * S), (step("F"), 660 * S)]
    _check(report, second, _snapshot(drill.pk), born)
    return report.finish()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument("--pause-seconds", type=float, default=1.0)
    args = parser.parse_args(argv)
    return run(pending=args.pending, pause_seconds=args.pause_seconds)


if __name__ == "__main__":
    sys.exit(main())
