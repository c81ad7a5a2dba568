"""Trends: one metric of an organisation's drills, drill over drill, beside its real incidents.

Only finished drills count (a stopped drill never enters trends), and only drills run at the same
time scale share a line: real seconds of a drill played 60 times faster are not comparable with
those of a drill played in real time (DESIGN.md, "Metrics, precisely"). The line shown is the time
scale asked for, else the latest drill's; the others are listed as not comparable."""

from __future__ import annotations

import logging
import math
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from drillops.core.api.fields import format_utc
from drillops.departments.models import Organisation
from drillops.reports.metrics import drill_metrics
from drillops.reports.models import Case, CaseKind
from drillops.scenarios.targets import SECONDS, SHARE
from drillops.timelines.models import Drill, DrillState

log = logging.getLogger(__name__)
COUNT = "count"
MAX_DRILLS = 200  # the latest ones in the range
MAX_CASES = 50
CACHE_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class TrendMetric:
    key: str
    label: Any
    unit: str
    pair: bool = False


TREND_METRICS: dict[str, TrendMetric] = {
    m.key: m
    for m in (
        TrendMetric("acknowledge_p50", _("Time to acknowledge, median"), SECONDS),
        TrendMetric("deadline_compliance", _("Share of deadlines met"), SHARE),
        TrendMetric("handoff_p50", _("Hand-off latency, median"), SECONDS, pair=True),
        TrendMetric("decision_p50", _("Decision latency, median"), SECONDS),
        TrendMetric("escalations", _("Escalations"), COUNT),
    )
}


@dataclass(frozen=True)
class TrendQuery:
    organisation: Organisation
    metric: str
    date_from: date | None = None
    date_to: date | None = None
    time_scale: float | None = None
    source: int | None = None  # the hand-off pair, for handoff_p50
    destination: int | None = None


def _real(duration: dict[str, float] | None) -> float | None:
    return duration["real"] if duration else None


def _summarise(drill: Drill) -> dict[str, Any]:
    metrics = drill_metrics(drill)
    response = metrics["response"]["drill"]
    pairs = [p for p in metrics["handoffs"]["pairs"] if p["from"] and p["to"]]
    return {
        "acknowledge_p50": _real(response["acknowledge"]["p50"]),
        "deadline_compliance": response["deadline"]["share"],
        "decision_p50": _real(metrics["decisions"]["drill"]["p50"]),
        "escalations": metrics["escalations"]["count"],
        "handoff_p50": {f"{p['from']['id']}-{p['to']['id']}": _real(p["p50"]) for p in pairs},
    }


def drill_summary(drill: Drill) -> dict[str, Any]:
    """The trend figures of one finished drill. Its timeline no longer changes, so they are cached
    under a key that no other drill can share (created and ended to the microsecond)."""
    assert drill.ended_at is not None
    key = f"reports:trend:v1:{drill.pk}:{drill.created_at.timestamp()}:{drill.ended_at.timestamp()}"
    try:
        found = cache.get(key)
    except Exception as exc:  # a Redis outage makes the page slower, never broken
        log.warning("trend cache unavailable: %s", exc)
        return _summarise(drill)
    if found is None:
        found = _summarise(drill)
        try:
            cache.set(key, found, CACHE_SECONDS)
        except Exception as exc:
            log.warning("trend cache unavailable: %s", exc)
    return dict(found)


def _local_day(day: date, organisation: Organisation) -> datetime:
    return datetime.combine(day, time.min, tzinfo=organisation.tz)


def finished_drills(query: TrendQuery) -> QuerySet[Drill]:
    """The organisation's finished drills that ended in the range (days in its time zone)."""
    drills = Drill.objects.filter(
        organisation=query.organisation, state=DrillState.FINISHED, ended_at__isnull=False, started_at__isnull=False
    )
    if query.date_from is not None:
        drills = drills.filter(ended_at__gte=_local_day(query.date_from, query.organisation))
    if query.date_to is not None:
        drills = drills.filter(ended_at__lt=_local_day(query.date_to + timedelta(days=1), query.organisation))
    return drills


def _value(summary: dict[str, Any], query: TrendQuery) -> float | None:
    if query.metric == "handoff_p50":
        value: float | None = summary["handoff_p50"].get(f"{query.source}-{query.destination}")
        return value
    return summary[query.metric]


def _scale_key(scale: float) -> float:
    return round(scale, 6)


def trends(query: TrendQuery) -> dict[str, Any]:
    """{"metric", "label", "unit", "time_scale", "pair", "series": [{"time_scale", "comparable",
    "points": [{"drill", "name", "ended_at", "ended_on", "value"}]}], "pairs": [...], "cases": [...]}."""
    spec = TREND_METRICS[query.metric]
    drills = list(finished_drills(query).order_by("-ended_at", "-id")[:MAX_DRILLS])[::-1]
    summaries = {drill.pk: drill_summary(drill) for drill in drills}
    seen = Counter(key for summary in summaries.values() for key in summary["handoff_p50"])
    if spec.pair and query.source is None and seen:
        # No pair asked for: the one measured in the most drills (the seed's cs -> risk, in practice).
        source, destination = max(sorted(seen), key=lambda key: seen[key]).split("-")
        query = replace(query, source=int(source), destination=int(destination))
    selected = query.time_scale if query.time_scale is not None else (drills[-1].time_scale if drills else None)
    return {
        "metric": spec.key,
        "label": str(spec.label),
        "unit": spec.unit,
        "time_scale": selected,
        "pair": {"from": query.source, "to": query.destination} if spec.pair else None,
        "series": _series(drills, summaries, query, selected),
        "pairs": [{"from": int(a), "to": int(b)} for a, b in (key.split("-") for key in sorted(seen))],
        "cases": incident_cases(query),
    }


def _series(
    drills: list[Drill], summaries: dict[int, dict[str, Any]], query: TrendQuery, selected: float | None
) -> list[dict[str, Any]]:
    """One series per time scale, in drill order; the comparable one (the line shown) first."""
    groups: dict[float, list[dict[str, Any]]] = {}
    for drill in drills:
        assert drill.ended_at is not None  # finished drills only
        point = {
            "drill": drill.pk,
            "name": drill.name,
            "ended_at": format_utc(drill.ended_at),
            "ended_on": drill.ended_at.astimezone(query.organisation.tz).date().isoformat(),
            "value": _value(summaries[drill.pk], query),
        }
        groups.setdefault(_scale_key(drill.time_scale), []).append(point)
    series = [
        {
            "time_scale": scale,
            "comparable": selected is not None and math.isclose(scale, selected, rel_tol=1e-6),
            "points": points,
        }
        for scale, points in sorted(groups.items(), key=lambda kv: kv[0])
    ]
    return sorted(series, key=lambda s: not s["comparable"])


def incident_cases(query: TrendQuery) -> list[dict[str, Any]]:
    """Real incidents of the organisation in the range (all of them when no range is given), to
    read the drills' figures against: resolution time, satisfaction and their relative changes."""
    cases = Case.objects.filter(organisation=query.organisation, kind=CaseKind.INCIDENT)
    if query.date_from is not None:
        cases = cases.filter(occurred_on__gte=query.date_from)
    if query.date_to is not None:
        cases = cases.filter(occurred_on__lte=query.date_to)
    fields = (
        "id", "title", "occurred_on", "resolution_seconds", "resolution_change", "satisfaction", "satisfaction_kind",
        "satisfaction_change",
    )  # fmt: skip
    rows = cases.order_by("-occurred_on", "-id").values(*fields)[:MAX_CASES]
    return [{**row, "occurred_on": row["occurred_on"].isoformat() if row["occurred_on"] else None} for row in rows]
