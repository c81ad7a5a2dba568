"""Versions: a new draft as a copy of the latest, and the moves draft -> in review -> approved ->
archived. Submitting checks the MSEL rules over the whole version; approving can require a reviewer
other than the author (the organisation's `require_independent_review`)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drillops.core.errors import TransitionNotAllowed
from drillops.scenarios.models import CriticalTask, Objective, Scenario, ScenarioEvent, ScenarioVersion, VersionStatus
from drillops.scenarios.selectors import version_problems
from drillops.scenarios.services.common import audit, current_version, editable_version


def _copy_objectives(source: ScenarioVersion, target: ScenarioVersion) -> dict[int, Objective]:
    mapping: dict[int, Objective] = {}
    for objective in source.objectives.prefetch_related("critical_tasks"):
        copy = Objective.objects.create(
            version=target,
            sequence=objective.sequence,
            capability=objective.capability,
            title=objective.title,
            target=objective.target,
        )
        CriticalTask.objects.bulk_create(
            CriticalTask(objective=copy, sequence=t.sequence, title=t.title, target=t.target)
            for t in objective.critical_tasks.all()
        )
        mapping[objective.pk] = copy
    return mapping


def _copy_events(source: ScenarioVersion, target: ScenarioVersion, objectives: dict[int, Objective]) -> None:
    copies: dict[int, ScenarioEvent] = {}
    waits_for: dict[int, tuple[str, int | None]] = {}
    for event in source.events.prefetch_related("departments"):
        departments = list(event.departments.all())
        old_pk = event.pk
        waits_for[old_pk] = (event.condition_kind, event.condition_event_id)
        event.pk = None
        event._state.adding = True
        # The prefetched departments belong to the old row: left in place, set() below would take
        # them for the copy's own and add nothing.
        event._prefetched_objects_cache = {}  # type: ignore[attr-defined]
        event.version = target
        event.objective = objectives.get(event.objective_id) if event.objective_id else None
        # The condition points into the old version; it is remapped once every copy exists.
        event.condition_kind, event.condition_event = "", None
        event.save()
        event.departments.set(departments)
        copies[old_pk] = event
    for old_pk, (kind, old_target) in waits_for.items():
        if kind and old_target in copies:
            copy = copies[old_pk]
            copy.condition_kind, copy.condition_event = kind, copies[old_target]
            copy.save(update_fields=["condition_kind", "condition_event"])


def copy_version_into(source: ScenarioVersion, target: ScenarioVersion) -> None:
    """Objectives (with critical tasks) and events (with ladders and conditions) of `source` into `target`."""
    _copy_events(source, target, _copy_objectives(source, target))


@transaction.atomic
def version_new_draft(*, scenario: Scenario, by: Any) -> ScenarioVersion:
    """A new draft, a copy of the latest version. One editable version at a time: a second is 409."""
    latest = current_version(scenario)
    if latest.is_editable:
        raise TransitionNotAllowed(
            str(_("Version %(n)d is still %(status)s; edit it instead of making another."))
            % {"n": latest.number, "status": latest.get_status_display()}
        )
    draft = ScenarioVersion.objects.create(
        scenario=scenario, number=latest.number + 1, status=VersionStatus.DRAFT, created_by=by
    )
    copy_version_into(latest, draft)
    audit("version.new_draft", draft, by, scenario, number=draft.number, copied_from=latest.pk)
    return draft


_MOVES = {
    "submit": (VersionStatus.DRAFT, VersionStatus.IN_REVIEW),
    "approve": (VersionStatus.IN_REVIEW, VersionStatus.APPROVED),
    "archive": (VersionStatus.APPROVED, VersionStatus.ARCHIVED),
}


def _check_submittable(version: ScenarioVersion) -> None:
    if not version.events.exists():
        raise TransitionNotAllowed(str(_("A version without events cannot be submitted.")))
    problems = version_problems(version)
    if problems:
        listed = " ".join(f"#{p.sequence}: {p.message}" for p in problems)
        raise TransitionNotAllowed(
            str(_("Fix the problems of version %(n)d before review: %(problems)s"))
            % {"n": version.number, "problems": listed}
        )


def _check_reviewer(scenario: Scenario, version: ScenarioVersion, by: Any) -> None:
    """Where the organisation asks for it, the author of a version cannot approve it."""
    if scenario.organisation.require_independent_review and version.author_id == getattr(by, "pk", None):
        raise TransitionNotAllowed(
            str(
                _(
                    "Your organisation requires a reviewer other than the author: you submitted version "
                    "%(n)d, so another coordinator approves it."
                )
            )
            % {"n": version.number}
        )


def _move(scenario: Scenario, by: Any, move: str) -> ScenarioVersion:
    source, target = _MOVES[move]
    version = current_version(scenario)
    if version.status != source:
        raise TransitionNotAllowed(
            str(_("Cannot %(move)s version %(n)d: it is %(status)s, not %(source)s."))
            % {"move": move, "n": version.number, "status": version.get_status_display(), "source": source.label}
        )
    if move == "submit":
        _check_submittable(version)
        version.submitted_by, version.submitted_at = by, timezone.now()
    if move == "approve":
        _check_reviewer(scenario, version, by)
        version.approved_by, version.approved_at = by, timezone.now()
    version.status = target
    version.save()
    audit(f"version.{move}", version, by, scenario, number=version.number, status=target.value)
    return version


@transaction.atomic
def version_update(*, scenario: Scenario, by: Any, notes: str) -> ScenarioVersion:
    """The notes of the version being written; an approved version keeps the ones it was approved with."""
    version = editable_version(scenario)
    version.notes = notes
    version.save(update_fields=["notes", "updated_at"])
    audit("version.update", version, by, scenario, number=version.number, changed=["notes"])
    return version


@transaction.atomic
def version_submit(*, scenario: Scenario, by: Any) -> ScenarioVersion:
    return _move(scenario, by, "submit")


@transaction.atomic
def version_approve(*, scenario: Scenario, by: Any) -> ScenarioVersion:
    return _move(scenario, by, "approve")


@transaction.atomic
def version_archive(*, scenario: Scenario, by: Any) -> ScenarioVersion:
    return _move(scenario, by, "archive")
