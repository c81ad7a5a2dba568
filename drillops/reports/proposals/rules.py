"""Which findings a drill's metrics propose (reports.services.proposals stores them):

- a critical task over its target (an area for improvement, with an improvement item carrying
  that target, so that the next comparable drill verifies it), or met comfortably (a strength);
  a hand-off target that no hand-off ever reached counts as over;
- the slowest hand-off: the ordered pair with the longest median, naming its p50 and max;
- the slowest decisions, and how many came after their deadline or never;
- deadlines missed, with the escalations they caused;
- each press question answered after its deadline (or never) or flagged by observers.

Each candidate names the injects (and observation entries) that show it; the service turns them
into timeline entries. Pure: everything comes from reports.metrics.measure()."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from drillops.reports.metrics import Measured
from drillops.reports.metrics.response import Figures
from drillops.reports.models import FindingKind, ObservationFlag, ProposalRule
from drillops.scenarios.models import Channel
from drillops.scenarios.targets import SECONDS, Target, TargetError

# A target met with this much room (half the allowed time, half the way from a share's target to
# 100 %) is a strength worth naming.
COMFORT = 0.5
EVIDENCE_INJECTS = 5
SLOWEST_SHOWN = 3
WORRYING_RATINGS = frozenset({"M", "U"})
WORRYING_FLAGS = frozenset({ObservationFlag.ERROR.value, ObservationFlag.DELAY.value})


@dataclass
class Candidate:
    key: str
    rule: str
    kind: str
    objective_id: int | None = None
    metric: str = ""
    figure: float | None = None
    target: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    inject_ids: list[int] = field(default_factory=list)
    entry_ids: list[int] = field(default_factory=list)
    item_target: dict[str, Any] | None = None
    item_owner_department_id: int | None = None


def candidates(measured: Measured) -> list[Candidate]:
    failed = dict(_failed_targets(measured))
    return [
        *_tasks(measured),
        *_handoff(measured, failed),
        *_decisions(measured, failed),
        *_deadlines(measured, failed),
        *_press(measured, failed),
    ]


def comfortably(target: Target, figure: float) -> bool:
    if target.op == "<=":
        return figure <= target.value * COMFORT
    if target.spec.unit == SECONDS:
        return figure >= target.value / COMFORT
    return figure >= target.value + (1 - target.value) * COMFORT


def template(metric: str, op: str, **scope: int | None) -> dict[str, Any]:
    """The shape of a target without its value: what the coordinator fills in for an item."""
    return {"metric": metric, "op": op, **{k: v for k, v in scope.items() if v is not None}}


# --- critical tasks -------------------------------------------------------------------------------


def _task_targets(measured: Measured) -> Iterator[tuple[dict[str, Any], Target]]:
    for task in measured.metrics["critical_tasks"]:
        if task["result"] is None:
            continue
        try:
            yield task, Target.from_json(task["target"])
        except TargetError:
            continue


def _failed_targets(measured: Measured) -> Iterator[tuple[str, tuple[Target, int]]]:
    """Failed targets by what they measure ("handoff_p50:3-5"), with their objective: the item a
    proposal on the same figure suggests carries it."""
    for task, target in _task_targets(measured):
        if _missed(task["result"], target):
            yield _scope_key(target), (target, task["objective"])


def _scope_key(target: Target) -> str:
    return f"{target.metric}:{target.department or ''}:{target.source or ''}-{target.destination or ''}"


def _missed(result: dict[str, Any], target: Target) -> bool:
    return result["met"] is False or (result["figure"] is None and target.spec.pair)


def _tasks(measured: Measured) -> Iterator[Candidate]:
    for task, target in _task_targets(measured):
        result = task["result"]
        figure = result["figure"]
        params = {"task": task["title"], "never": figure is None}
        evidence = _evidence(target, measured)
        common = {"objective_id": task["objective"], "metric": target.metric, "figure": figure}
        if _missed(result, target):
            yield Candidate(
                key=f"task:{task['id']}", rule=ProposalRule.TASK_MISSED, kind=FindingKind.IMPROVEMENT,
                target=target.as_json(), params=params, inject_ids=evidence, item_target=target.as_json(),
                item_owner_department_id=target.department or target.source, **common,
            )  # fmt: skip
        elif result["met"] and comfortably(target, figure):
            yield Candidate(
                key=f"task:{task['id']}", rule=ProposalRule.TASK_MET, kind=FindingKind.STRENGTH,
                target=target.as_json(), params=params, inject_ids=evidence, **common,
            )  # fmt: skip


def _slowest(figures: list[Figures], value: Callable[[Figures], int | None]) -> list[int]:
    """Inject ids, the ones that never got there first, then the slowest."""
    ordered = sorted(figures, key=lambda f: (value(f) is None, value(f) or 0), reverse=True)
    return [f.row.id for f in ordered[:EVIDENCE_INJECTS]]


def _evidence(target: Target, measured: Measured) -> list[int]:
    """The injects that show a target's figure: the hand-offs of the pair, or the slowest (or
    missing) responses of the department or drill it measures."""
    if target.spec.pair:
        items = [
            i
            for i in measured.metrics["handoffs"]["items"]
            if (i["from"], i["to"]) == (target.source, target.destination)
        ]
        items.sort(key=lambda i: i["latency"]["real"], reverse=True)
        found = [x for i in items[:EVIDENCE_INJECTS] for x in (i["from_inject"], i["to_inject"])]
        return found or _slowest(_of_department(measured.figures, target.source), lambda f: f.acknowledge)
    figures = _of_department(measured.figures, target.department)
    metric = target.metric
    if metric.startswith("decision"):
        return _slowest([f for f in figures if f.expects_decision], lambda f: f.decision)
    if metric.startswith("press"):
        return _slowest([f for f in figures if f.row.channel == Channel.PRESS], lambda f: f.resolve)
    if metric == "deadline_compliance":
        return [f.row.id for f in figures if f.deadline_met is False][:EVIDENCE_INJECTS]
    if metric == "acknowledged_share":
        return [f.row.id for f in figures if f.acknowledge is None][:EVIDENCE_INJECTS]
    stage = metric.rsplit("_", 1)[0]  # acknowledge, first_action, resolve
    return _slowest(figures, lambda f: getattr(f, stage))


def _of_department(figures: list[Figures], department: int | None) -> list[Figures]:
    return [f for f in figures if department is None or f.row.department_id == department]


# --- the slowest hand-off, decisions, deadlines, press questions ----------------------------------


def _handoff(measured: Measured, failed: dict[str, tuple[Target, int]]) -> Iterator[Candidate]:
    pairs = [p for p in measured.metrics["handoffs"]["pairs"] if p["p50"] is not None and p["from"] and p["to"]]
    if not pairs:
        return
    top = max(pairs, key=lambda p: (p["p50"]["real"], p["max"]["real"]))
    source, destination = top["from"]["id"], top["to"]["id"]
    shape = template("handoff_p50", "<=", **{"from": source, "to": destination})
    keys = [_scope_key(Target.from_json({**shape, "metric": m, "value": 0})) for m in ("handoff_p50", "handoff_max")]
    missed = next((failed[k] for k in keys if k in failed), None)
    yield Candidate(
        key=f"handoff:{source}-{destination}", rule=ProposalRule.HANDOFF_SLOWEST, kind=FindingKind.IMPROVEMENT,
        objective_id=missed[1] if missed else None, metric="handoff_p50", figure=top["p50"]["real"],
        target=missed[0].as_json() if missed else None,
        params={"from": source, "to": destination, "count": top["count"], "p50": top["p50"]["real"],
                "max": top["max"]["real"], "template": shape},
        inject_ids=_evidence(Target.from_json({**shape, "value": 0}), measured),
        item_target=missed[0].as_json() if missed else None, item_owner_department_id=source,
    )  # fmt: skip


def _active_deadline(measured: Measured, f: Figures) -> int | None:
    """The inject's deadline as active time after delivery (pauses move deadline_at, not this)."""
    if f.row.deadline_at is None:
        return None
    return measured.facts.clock.between(f.row.delivered_at, f.row.deadline_at)


def _late(measured: Measured, f: Figures, value: int | None) -> bool:
    deadline = _active_deadline(measured, f)
    return value is None or (deadline is not None and value > deadline)


def _seconds(micros: int | None) -> float | None:
    return None if micros is None else round(micros / 1e6, 3)


def _with_failed(failed: dict[str, tuple[Target, int]], metrics: tuple[str, ...]) -> tuple[Target, int] | None:
    return next((v for k, v in failed.items() if k.split(":", 1)[0] in metrics), None)


def _decisions(measured: Measured, failed: dict[str, tuple[Target, int]]) -> Iterator[Candidate]:
    deciding = [f for f in measured.figures if f.expects_decision]
    if not deciding:
        return
    late = [f for f in deciding if _late(measured, f, f.decision)]
    slowest = sorted(deciding, key=lambda f: (f.decision is None, f.decision or 0), reverse=True)[:SLOWEST_SHOWN]
    p50 = measured.metrics["decisions"]["drill"]["p50"]
    missed = _with_failed(failed, ("decision_p50", "decision_max"))
    yield Candidate(
        key="decisions", rule=ProposalRule.DECISIONS,
        kind=FindingKind.IMPROVEMENT if late or missed else FindingKind.STRENGTH,
        objective_id=missed[1] if missed else None, metric="decision_p50", figure=p50["real"] if p50 else None,
        target=missed[0].as_json() if missed else None,
        params={
            "count": len(deciding), "late": len(late), "never": sum(1 for f in deciding if f.decision is None),
            "slowest": [_named(f, f.decision) for f in slowest], "template": template("decision_p50", "<="),
        },
        inject_ids=[f.row.id for f in slowest], item_target=missed[0].as_json() if missed else None,
        item_owner_department_id=slowest[0].row.department_id,
    )  # fmt: skip


def _named(f: Figures, micros: int | None) -> dict[str, Any]:
    return {
        "inject": f.row.id,
        "title": f.row.event_title or f.row.title,
        "department": f.row.department_id,
        "seconds": _seconds(micros),
    }


def _deadlines(measured: Measured, failed: dict[str, tuple[Target, int]]) -> Iterator[Candidate]:
    timed = [f for f in measured.figures if f.deadline_met is not None]
    missed_injects = [f for f in timed if f.deadline_met is False]
    if not missed_injects:
        return
    escalations = measured.metrics["escalations"]
    by_department = Counter(f.row.department_id for f in missed_injects)
    missed = _with_failed(failed, ("deadline_compliance",))
    escalated = [item["inject"] for item in escalations["items"]][:EVIDENCE_INJECTS]
    share = measured.metrics["response"]["drill"]["deadline"]["share"]
    yield Candidate(
        key="deadlines", rule=ProposalRule.DEADLINES, kind=FindingKind.IMPROVEMENT,
        objective_id=missed[1] if missed else None, metric="deadline_compliance", figure=share,
        target=missed[0].as_json() if missed else None,
        params={
            "missed": len(missed_injects), "with_deadline": len(timed), "escalations": escalations["count"],
            "by_level": [[row["level"], row["count"]] for row in escalations["by_level"]],
            "departments": [[pk, n] for pk, n in by_department.most_common(SLOWEST_SHOWN)],
            "template": template("deadline_compliance", ">="),
        },
        inject_ids=[f.row.id for f in missed_injects[:EVIDENCE_INJECTS]] + escalated,
        item_target=missed[0].as_json() if missed else None,
        item_owner_department_id=by_department.most_common(1)[0][0],
    )  # fmt: skip


def _press(measured: Measured, failed: dict[str, tuple[Target, int]]) -> Iterator[Candidate]:
    notes: dict[int, list[dict[str, Any]]] = {}
    for observation in measured.facts.observations:
        notes.setdefault(observation["timeline_entry__inject_id"], []).append(observation)
    missed = _with_failed(failed, ("press_answer_p50", "press_answer_max"))
    for f in measured.figures:
        if f.row.channel != Channel.PRESS:
            continue
        seen = notes.get(f.row.id, [])
        worrying = [o for o in seen if o["flag"] in WORRYING_FLAGS or o["rating"] in WORRYING_RATINGS]
        if not (_late(measured, f, f.resolve) or worrying):
            continue
        yield Candidate(
            key=f"press:{f.row.id}", rule=ProposalRule.PRESS, kind=FindingKind.IMPROVEMENT,
            objective_id=missed[1] if missed else None, metric="press_answer_max", figure=_seconds(f.resolve),
            target=missed[0].as_json() if missed else None,
            params={
                **_named(f, f.resolve), "deadline": _seconds(_active_deadline(measured, f)),
                "observations": [{"rating": o["rating"], "flag": o["flag"], "note": o["note"][:200]} for o in worrying],
                "template": template("press_answer_max", "<="),
            },
            inject_ids=[f.row.id], entry_ids=[o["timeline_entry_id"] for o in worrying],
            item_target=missed[0].as_json() if missed else None, item_owner_department_id=f.row.department_id,
        )  # fmt: skip
