"""A finished drill re-tests the organisation's open improvement items that carry a target
(DESIGN.md, "Metrics, precisely"): when it ran at the time scale of the drill the item came from
and its figure meets the target, the item is verified (recording the drill and both figures);
otherwise it stays open with both figures shown. Every attempt is a row per item and drill, so a
second run changes nothing. A stopped drill never verifies."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from drillops.core.audit import record
from drillops.reports.metrics import drill_metrics, figure_for, is_verifying, same_time_scale
from drillops.reports.models import (
    OPEN_ITEM_STATUSES,
    ImprovementItem,
    ImprovementStatus,
    ItemVerification,
    VerificationReason,
)
from drillops.reports.selectors.plan import open_items_for_drill
from drillops.scenarios.targets import Target, TargetError
from drillops.timelines.models import Drill

log = logging.getLogger(__name__)


class _Figures:
    """Each drill's metrics computed once per run (an origin drill may give several items)."""

    def __init__(self) -> None:
        self.cache: dict[int, dict[str, Any]] = {}

    def of(self, drill: Drill) -> dict[str, Any]:
        if drill.pk not in self.cache:
            self.cache[drill.pk] = drill_metrics(drill)
        return self.cache[drill.pk]


def items_verify(*, drill: Drill) -> list[ItemVerification]:
    """Re-test every open item of the drill's organisation that has a target and came from an
    earlier drill (or from none). Returns the attempts made or brought up to date."""
    if not is_verifying(drill):
        return []
    items = [item for item in open_items_for_drill(drill) if item.target is not None]
    figures = _Figures()
    attempts = [_verify(item, drill, figures) for item in items]
    return [attempt for attempt in attempts if attempt is not None]


def _baseline(item: ImprovementItem, target: Target, figures: _Figures) -> float | None:
    """The item's figure in the drill it came from (once known, kept on the item)."""
    if item.baseline_figure is not None:
        return item.baseline_figure
    if item.drill is None or not item.drill.is_over:
        return None
    return figure_for(target, figures.of(item.drill))


def _outcome(item: ImprovementItem, target: Target, drill: Drill, figure: float | None) -> dict[str, Any]:
    if item.drill is not None and not same_time_scale(item.drill, drill):
        return {"comparable": False, "met": None, "reason": VerificationReason.TIME_SCALE}
    if figure is None:
        return {"comparable": True, "met": None, "reason": VerificationReason.NO_FIGURE}
    met = target.met_by(figure)
    return {"comparable": True, "met": met, "reason": VerificationReason.MET if met else VerificationReason.NOT_MET}


@transaction.atomic
def _verify(item: ImprovementItem, drill: Drill, figures: _Figures) -> ItemVerification | None:
    item = ImprovementItem.objects.select_for_update(of=("self",)).select_related("drill").get(pk=item.pk)
    if item.status not in OPEN_ITEM_STATUSES or item.target is None:
        return None  # verified, dropped or changed since the list was read
    try:
        target = Target.from_json(item.target)
    except TargetError:  # stored before the checks existed: nothing to compare with
        log.warning("improvement item %s has a target that is not one: %r", item.pk, item.target)
        return None
    figure = figure_for(target, figures.of(drill))
    outcome = _outcome(item, target, drill, figure)
    item.baseline_figure = _baseline(item, target, figures)
    attempt, created = ItemVerification.objects.update_or_create(
        item=item,
        drill=drill,
        defaults={"figure": figure, "baseline": item.baseline_figure, "target": target.as_json(), **outcome},
    )
    if outcome["comparable"]:
        item.followed_up_in = drill
    if outcome["met"]:
        item.status, item.verified_in = ImprovementStatus.VERIFIED, drill
    item.save(update_fields=["baseline_figure", "followed_up_in", "status", "verified_in", "updated_at"])
    record(
        action="improvement.verify", obj=item, organisation_id=item.organisation_id, drill_id=drill.pk,
        data={"attempt": attempt.pk, "again": not created, "figure": figure, "baseline": item.baseline_figure,
              **outcome},
    )  # fmt: skip
    return attempt
