"""A structured target (scenarios.targets) against a drill's metrics: the figure it names, whether
it is met, and whether it is comparable (there is a figure, and the drill is one that verifies:
finished, never stopped). Figures in seconds are real seconds (DESIGN.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drillops.scenarios.targets import DEPARTMENT, PAIR, SECONDS, Target

# metric key -> (section of the metrics, path inside a drill/department/pair entry)
_FIGURES: dict[str, tuple[str, tuple[str, ...]]] = {
    **{
        f"{stage}_{stat}": ("response", (stage, stat))
        for stage in ("acknowledge", "first_action", "resolve")
        for stat in ("p50", "p90", "max")
    },
    "acknowledged_share": ("response", ("acknowledged_share",)),
    "deadline_compliance": ("response", ("deadline", "share")),
    "decision_p50": ("decisions", ("p50",)),
    "decision_max": ("decisions", ("max",)),
    "press_answer_p50": ("press", ("p50",)),
    "press_answer_max": ("press", ("max",)),
    "handoff_p50": ("handoffs", ("p50",)),
    "handoff_max": ("handoffs", ("max",)),
}


@dataclass(frozen=True)
class TargetResult:
    target: Target
    figure: float | None  # real seconds, or a share; None: nothing to measure (e.g. no hand-off happened)
    met: bool | None  # None without a figure
    comparable: bool
    reason: str  # "" when comparable, else "no_figure", "stopped" or "not_finished"

    def as_json(self) -> dict[str, Any]:
        return {
            "target": self.target.as_json(),
            "unit": self.target.spec.unit,
            "figure": self.figure,
            "met": self.met,
            "comparable": self.comparable,
            "reason": self.reason,
        }


def _entry(metrics: dict[str, Any], section: str, target: Target) -> dict[str, Any] | None:
    if target.scope == PAIR:
        pairs = metrics[section]["pairs"]
        return next(
            (
                p
                for p in pairs
                if (p["from"] or {}).get("id") == target.source and (p["to"] or {}).get("id") == target.destination
            ),
            None,
        )
    if target.scope == DEPARTMENT:
        rows = metrics[section]["departments"]
        return next((r for r in rows if (r["department"] or {}).get("id") == target.department), None)
    return metrics[section]["drill"]


def figure_for(target: Target, metrics: dict[str, Any]) -> float | None:
    """The figure a target names, from drill_metrics()'s answer."""
    section, path = _FIGURES[target.metric]
    value: Any = _entry(metrics, section, target)
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    if target.spec.unit == SECONDS:
        return value["real"] if isinstance(value, dict) else None
    return value if isinstance(value, int | float) else None


def evaluate_target(target: Target, metrics: dict[str, Any]) -> TargetResult:
    figure = figure_for(target, metrics)
    met = None if figure is None else target.met_by(figure)
    drill = metrics["drill"]
    reason = ""
    if figure is None:
        reason = "no_figure"
    elif drill["state"] == "stopped":
        reason = "stopped"
    elif not drill["verifying"]:
        reason = "not_finished"
    return TargetResult(target=target, figure=figure, met=met, comparable=not reason, reason=reason)
