"""Observer scores per objective and critical task: each observer's latest P/S/M/U rating, the
distribution, the coordinator's agreed rating, and the agreement between observers as
Krippendorff's alpha for ordinal data (P < S < M < U)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import krippendorff
import numpy as np

from drillops.reports.models import RATING_ORDER, AgreedRating, Observation
from drillops.scenarios.models import Objective
from drillops.timelines.models import Drill

UnitKey = tuple[int, int | None]  # (objective id, critical task id or None for the objective itself)


def ordinal_alpha(reliability_data: Sequence[Sequence[float | None]], value_domain: Sequence[int]) -> float | None:
    """Krippendorff's alpha, ordinal metric, of an observers x units matrix (None: no value).
    None when alpha is not defined: fewer than two values in any unit, or no variation at all."""
    matrix = np.array([[np.nan if v is None else v for v in row] for row in reliability_data], dtype=float)
    if matrix.ndim != 2 or not (np.sum(~np.isnan(matrix), axis=0) >= 2).any():
        return None
    with np.errstate(invalid="ignore", divide="ignore"):
        value = krippendorff.alpha(
            reliability_data=matrix, level_of_measurement="ordinal", value_domain=list(value_domain)
        )
    return float(value) if math.isfinite(value) else None


def _units(drill: Drill) -> list[dict[str, Any]]:
    objectives = (
        Objective.objects.filter(version_id=drill.scenario_version_id)
        .prefetch_related("critical_tasks")
        .order_by("sequence", "id")
    )
    units = []
    for objective in objectives:
        units.append({"objective": objective.pk, "critical_task": None, "title": objective.title})
        for task in sorted(objective.critical_tasks.all(), key=lambda t: (t.sequence, t.pk)):
            units.append({"objective": objective.pk, "critical_task": task.pk, "title": task.title})
    return units


def latest_ratings(drill: Drill, observer_id: int | None = None) -> dict[UnitKey, dict[int, dict[str, Any]]]:
    """unit -> observer id -> that observer's latest rating of the unit (a later one replaces it)."""
    rows = Observation.objects.filter(drill=drill, objective__isnull=False).exclude(rating="")
    if observer_id is not None:
        rows = rows.filter(observer_id=observer_id)
    latest: dict[UnitKey, dict[int, dict[str, Any]]] = {}
    fields = ("observer_id", "observer__username", "objective_id", "critical_task_id", "rating", "created_at")
    for row in rows.order_by("created_at", "id").values(*fields):
        unit = latest.setdefault((row["objective_id"], row["critical_task_id"]), {})
        unit[row["observer_id"]] = {
            "observer": row["observer_id"],
            "observer_name": row["observer__username"],
            "rating": row["rating"],
            "at": row["created_at"],
        }
    return latest


def rating_agreement(latest: dict[UnitKey, dict[int, dict[str, Any]]]) -> dict[str, Any]:
    """Ordinal alpha over every rated unit, with how much it rests on."""
    observers = sorted({observer for unit in latest.values() for observer in unit})
    units = list(latest.values())
    matrix = [[RATING_ORDER[unit[o]["rating"]] if o in unit else None for unit in units] for o in observers]
    pairable = sum(1 for unit in units if len(unit) >= 2)
    alpha = ordinal_alpha(matrix, list(RATING_ORDER.values())) if len(observers) >= 2 else None
    return {
        "alpha": None if alpha is None else round(alpha, 4),
        "level": "ordinal",
        "observers": len(observers),
        "units_rated": len(units),
        "units_pairable": pairable,
        "ratings": sum(len(unit) for unit in units),
    }


def _agreed(drill: Drill) -> dict[UnitKey, dict[str, Any]]:
    rows = AgreedRating.objects.filter(drill=drill).select_related("set_by")
    return {
        (a.objective_id, a.critical_task_id): {
            "rating": a.rating,
            "note": a.note,
            "set_by": a.set_by.get_username() if a.set_by else None,
            "at": a.updated_at,
        }
        for a in rows
    }


def score_summary(drill: Drill, *, observer_id: int | None = None) -> dict[str, Any]:
    """Every objective and critical task of the drill's version with its ratings. Given an
    observer, only that observer's own ratings (no agreed rating, no agreement)."""
    latest = latest_ratings(drill, observer_id)
    agreed = _agreed(drill) if observer_id is None else {}
    units = []
    for unit in _units(drill):
        key = (unit["objective"], unit["critical_task"])
        ratings = sorted(latest.get(key, {}).values(), key=lambda r: r["observer_name"])
        counts = Counter(r["rating"] for r in ratings)
        units.append(
            {
                **unit,
                "distribution": {rating: counts.get(rating, 0) for rating in RATING_ORDER},
                "ratings": ratings,
                "agreed": agreed.get(key),
            }
        )
    return {"units": units, "agreement": rating_agreement(latest) if observer_id is None else None}
