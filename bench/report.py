"""Report metrics: a finished drill with 10,000 timeline entries (deliveries, acknowledgements,
actions, decisions, forwards, escalations that copies joined, resolutions, two pauses, observer
notes), written row by row in bulk; then the metrics JSON (reports.metrics.drill_metrics,
rendered by the API's JSON renderer) is built several times.

Target: the metrics JSON in <= 2 s (every run). --short builds the same drill and measures fewer
runs (well under 60 s in all)."""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Report, build_scenario, coordinator, empty_tables, prepare_database, setup_django

DEPARTMENTS = 10


class Writer:
    """Collects injects and entries for bulk inserts; times are seconds after t0."""

    def __init__(self, drill: Any, t0: datetime) -> None:
        self.drill, self.t0 = drill, t0
        self.entries: list[Any] = []

    def at(self, seconds: float) -> datetime:
        return self.t0 + timedelta(seconds=seconds)

    def maybe(self, seconds: float | None) -> datetime | None:
        return None if seconds is None else self.at(seconds)

    def entry(self, kind: str, seconds: float, inject: Any = None, **data: Any) -> None:
        from drillops.timelines.models import TimelineEntry

        department = inject.department_id if inject is not None else None
        self.entries.append(
            TimelineEntry(
                drill=self.drill, at=self.at(seconds), kind=kind, inject=inject, department_id=department, data=data
            )
        )


def _copy(w: Writer, rng: random.Random, event: Any, department: Any, offset: float, **fields: Any) -> Any:
    """An inject and its life: acknowledged (90 %), acted on (60 %, some decisions), resolved (70 %)."""
    from drillops.timelines.models import Inject

    ack = offset + rng.uniform(5, 400) if rng.random() < 0.9 else None
    action = ack + rng.uniform(1, 300) if ack is not None and rng.random() < 0.6 else None
    resolved = (action or ack or offset) + rng.uniform(10, 600) if ack is not None and rng.random() < 0.7 else None
    inject = Inject(
        drill=w.drill, event=event, department=department, title=event.title, due_at=w.at(offset),
        delivered_at=w.at(offset), deadline_at=w.at(offset + 300), acknowledged_at=w.maybe(ack),
        first_action_at=w.maybe(action), resolved_at=w.maybe(resolved), status="resolved" if resolved else "delivered",
        is_decision=event.is_decision, channel=event.channel, **fields,
    )  # fmt: skip
    return inject, [(kind, t) for kind, t in (("acknowledged", ack), ("action", action), ("resolved", resolved)) if t]


def build_drill(entries_wanted: int) -> tuple[Any, dict[str, int]]:
    from django.utils import timezone

    from drillops.timelines import services
    from drillops.timelines.models import TimelineEntry

    per_event = 30  # fewer entries than an event of ten departments makes here: the loop stops at the count
    events = max(1, entries_wanted // per_event)

    def fields(sequence: int) -> dict[str, Any]:
        """Every fifth event a decision, every tenth from the third a press question."""
        return {"is_decision": sequence % 5 == 1, **({"channel": "press"} if sequence % 10 == 3 else {})}

    scenario, depts = build_scenario(
        departments=DEPARTMENTS, events=events, offsets=[n * 10 for n in range(events)], fields=fields
    )
    drill = services.drill_create(scenario=scenario, name="report bench", by=coordinator())
    t0 = timezone.now() - timedelta(hours=12)
    w = Writer(drill, t0)
    rng = random.Random(42)
    end = events * 10 + 3600
    states = [(0, "scheduled", "running"), (1800, "running", "paused"), (1900, "paused", "running"),
              (5000, "running", "paused"), (5060, "paused", "running"), (end, "running", "finished")]  # fmt: skip
    for seconds, previous, state in states:
        w.entry("state", seconds, **{"from": previous, "to": state})
    counts = {"injects": 0, "forwards": 0, "escalations": 0, "joined": 0}
    for event in scenario.versions.get().events.order_by("sequence"):
        _event(w, rng, event, depts, counts)
        if len(w.entries) >= entries_wanted:
            break
    TimelineEntry.objects.bulk_create(w.entries, batch_size=5000)
    drill.state, drill.started_at, drill.ended_at = "finished", t0, w.at(end)
    drill.save()
    counts["entries"] = TimelineEntry.objects.filter(drill=drill).count()
    return drill, counts


def _event(w: Writer, rng: random.Random, event: Any, depts: list[Any], counts: dict[str, int]) -> None:
    """Ten copies; cs (the first department) forwards to risk (the second), which forwards on to
    the last; copies never acknowledged escalate to the last department, later ones joining."""
    from drillops.timelines.models import EscalationStep, Inject

    offset = float(event.offset_seconds)
    made = [_copy(w, rng, event, d, offset, cause="scheduled") for d in depts]
    Inject.objects.bulk_create([inject for inject, _life in made])
    chain = _forwards(w, rng, event, depts, made[0][0], counts) if made[0][0].first_action_at else []
    missed = [inject for inject, _life in made if inject.acknowledged_at is None]
    if missed:
        chain.append(_escalation(w, rng, event, depts[-1], missed, counts))
    EscalationStep.objects.bulk_create(
        EscalationStep(inject=inject, position=1, after_seconds=300, target_department=depts[-1],
                       unless="resolved" if event.is_decision else "acknowledged", fire_at=w.at(offset + 600),
                       fired_at=w.at(offset + 600) if inject in missed else None,
                       cancelled_at=None if inject in missed else w.at(offset + 600))
        for inject, _life in made
    )  # fmt: skip
    for inject, life in [*made, *chain]:
        counts["injects"] += 1
        w.entry("delivered", (inject.delivered_at - w.t0).total_seconds(), inject)
        for kind, seconds in life:
            w.entry("decision" if kind == "action" and inject.is_decision else kind, seconds, inject)


def _forwards(
    w: Writer, rng: random.Random, event: Any, depts: list[Any], copy: Any, counts: dict[str, int]
) -> list[Any]:
    """cs -> risk -> the last department."""
    from drillops.timelines.models import Inject

    forwarded = float(event.offset_seconds) + rng.uniform(30, 900)
    first = _copy(w, rng, event, depts[1], forwarded, cause="forward", source=copy)
    Inject.objects.bulk_create([first[0]])
    second = _copy(w, rng, event, depts[-1], forwarded + rng.uniform(30, 600), cause="forward", source=first[0])
    Inject.objects.bulk_create([second[0]])
    counts["forwards"] += 2
    return [first, second]


def _escalation(
    w: Writer, rng: random.Random, event: Any, target: Any, missed: list[Any], counts: dict[str, int]
) -> Any:
    """One escalation for the copies that missed, the later ones joining 30 s apart."""
    from drillops.timelines.models import Inject, InjectSource

    at = float(event.offset_seconds) + 600
    made = _copy(w, rng, event, target, at, cause="escalation", source=missed[0], escalation_level=1)
    Inject.objects.bulk_create([made[0]])
    InjectSource.objects.bulk_create(
        InjectSource(inject=made[0], source=s, joined_at=w.at(at + 30 * n)) for n, s in enumerate(missed)
    )
    for source in missed:
        w.entry("escalation", at, source, level=1, injects=[made[0].pk])
    counts["escalations"] += 1
    counts["joined"] += len(missed) - 1
    return made


def observe(drill: Any, count: int) -> int:
    from django.contrib.auth import get_user_model

    from drillops.reports.models import Observation
    from drillops.timelines.models import TimelineEntry

    observer, _ = get_user_model().objects.get_or_create(username="bench-observer")
    entries = list(
        TimelineEntry.objects.filter(drill=drill, inject__isnull=False).order_by("id")[:: max(1, 10_000 // count)]
    )
    Observation.objects.bulk_create(
        Observation(drill=drill, observer=observer, timeline_entry=e, rating="PSMU"[n % 4], note="seen",
                    flag="error" if n % 5 == 0 else "")
        for n, e in enumerate(entries[:count])
    )  # fmt: skip
    return min(count, len(entries))


def run(*, entries: int, runs: int) -> int:
    server, redis_url = os.environ["DATABASE_URL"], os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    url = prepare_database(server)
    setup_django(url, redis_url)
    from rest_framework.renderers import JSONRenderer

    from drillops.reports.metrics import drill_metrics

    empty_tables()
    started = time.perf_counter()
    drill, counts = build_drill(entries)
    counts["observations"] = observe(drill, 200)
    report = Report(f"report metrics ({counts['entries']} timeline entries)")
    report.figure(
        f"built in {time.perf_counter() - started:.1f} s: " + ", ".join(f"{k} {v}" for k, v in counts.items())
    )
    took, size = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        body = JSONRenderer().render(drill_metrics(drill))
        took.append((time.perf_counter() - started) * 1000)
        size = len(body)
    figures = report.distribution("metrics JSON", took, expected=runs)
    report.figure(f"JSON {size / 1024:.0f} KiB; runs {', '.join(f'{t:.0f}' for t in took)} ms")
    report.target(counts["entries"] >= entries, f"timeline entries {counts['entries']} >= {entries}")
    report.target(figures["max"] <= 2000, f"metrics JSON max {figures['max']:.0f} ms <= 2000 ms", timing=True)
    return report.finish()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--entries", type=int, default=10_000)
    args = parser.parse_args(argv)
    return run(entries=args.entries, runs=3 if args.short else 7)


if __name__ == "__main__":
    sys.exit(main())
