"""Observers rate objectives and critical tasks and write notes; the coordinator sets the agreed rating."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from drillops.core.audit import record
from drillops.core.errors import InvalidInput
from drillops.reports.models import AgreedRating, Observation, ObservationFlag, Rating
from drillops.scenarios.models import CriticalTask, Objective
from drillops.timelines.models import Drill, TimelineEntry


def check_of_drill(
    drill: Drill,
    objective: Objective | None,
    critical_task: CriticalTask | None,
    timeline_entry: TimelineEntry | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if objective is not None and objective.version_id != drill.scenario_version_id:
        errors["objective"] = [str(_("This objective is not one of the drill's scenario version."))]
    if critical_task is not None:
        task_version = critical_task.objective.version_id
        if task_version != drill.scenario_version_id:
            errors["critical_task"] = [str(_("This critical task is not one of the drill's scenario version."))]
        elif objective is not None and critical_task.objective_id != objective.pk:
            errors["critical_task"] = [str(_("This critical task belongs to another objective."))]
    if timeline_entry is not None and timeline_entry.drill_id != drill.pk:
        errors["timeline_entry"] = [str(_("This timeline entry is of another drill."))]
    if errors:
        raise InvalidInput(errors)


@transaction.atomic
def observation_create(
    *,
    drill: Drill,
    by: Any,
    objective: Objective | None = None,
    critical_task: CriticalTask | None = None,
    rating: str = "",
    note: str = "",
    timeline_entry: TimelineEntry | None = None,
    flag: str = "",
) -> Observation:
    if not rating and not note.strip():
        raise InvalidInput({"non_field_errors": [str(_("Give a rating or a note."))]})
    if rating not in ["", *Rating.values]:
        raise InvalidInput({"rating": [str(_("Use P, S, M or U."))]})
    if flag not in ObservationFlag.values:
        raise InvalidInput({"flag": [str(_("Unknown flag."))]})
    check_of_drill(drill, objective, critical_task, timeline_entry)
    if critical_task is not None and objective is None:
        objective = critical_task.objective
    observation = Observation.objects.create(
        drill=drill,
        observer=by,
        objective=objective,
        critical_task=critical_task,
        rating=rating,
        note=note,
        timeline_entry=timeline_entry,
        flag=flag,
    )
    record(
        action="observation.create",
        obj=observation,
        actor=by,
        organisation_id=drill.organisation_id,
        drill_id=drill.pk,
        data={"rating": rating, "objective": getattr(objective, "pk", None), "flag": flag},
    )
    return observation


@transaction.atomic
def agreed_rating_set(
    *,
    drill: Drill,
    by: Any,
    rating: str,
    objective: Objective | None = None,
    critical_task: CriticalTask | None = None,
    note: str = "",
) -> AgreedRating:
    """The coordinator's rating of one objective or critical task, seeing every observer's; setting
    it again replaces it."""
    if objective is None and critical_task is None:
        raise InvalidInput({"objective": [str(_("Name an objective or a critical task."))]})
    if rating not in Rating.values:
        raise InvalidInput({"rating": [str(_("Use P, S, M or U."))]})
    check_of_drill(drill, objective, critical_task, None)
    if critical_task is not None:
        objective = critical_task.objective
    assert objective is not None  # one of the two was given
    agreed, _created = AgreedRating.objects.update_or_create(
        drill=drill,
        objective=objective,
        critical_task=critical_task,
        defaults={"rating": rating, "note": note, "set_by": by if getattr(by, "is_authenticated", False) else None},
    )
    record(
        action="agreed_rating.set",
        obj=agreed,
        actor=by,
        organisation_id=drill.organisation_id,
        drill_id=drill.pk,
        data={"rating": rating, "objective": objective.pk, "critical_task": getattr(critical_task, "pk", None)},
    )
    return agreed
