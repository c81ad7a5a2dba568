"""Proposed findings: made from a drill's metrics when it ends (and on demand), then accepted (as
proposed or edited) into a finding, and an improvement item carrying the target that failed,
through the plan services; or dropped. Regenerating never touches a proposal the coordinator
decided on, and never makes a second one of the same key."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drillops.core.audit import record
from drillops.core.errors import DomainError, InvalidInput
from drillops.departments.models import Department
from drillops.reports.metrics import measure
from drillops.reports.models import FindingKind, FindingProposal, ProposalState
from drillops.reports.proposals import Candidate, Words, candidates, words
from drillops.reports.services.plan import finding_create, item_create
from drillops.scenarios.models import Objective
from drillops.timelines.engine.clock import lock_drill
from drillops.timelines.models import Drill, EntryKind, TimelineEntry

EVIDENCE_KINDS = (
    EntryKind.DELIVERED, EntryKind.ACKNOWLEDGED, EntryKind.FORWARD, EntryKind.ESCALATION, EntryKind.DECISION,
    EntryKind.RESOLVED,
)  # fmt: skip
MAX_ENTRIES = 20
ITEM_KEYS = frozenset({"title", "description", "owner_department", "due_date", "target", "target_value"})
UNCHANGED: Any = object()  # "keep the proposal's objective" (None clears it)


def _entries(drill: Drill, candidate: Candidate) -> list[int]:
    """The timeline entries that show a candidate: what happened to its injects, and the entries
    its observations point at."""
    found = TimelineEntry.objects.filter(drill=drill, inject_id__in=candidate.inject_ids, kind__in=EVIDENCE_KINDS)
    ids = list(found.order_by("at", "id").values_list("pk", flat=True)[:MAX_ENTRIES])
    return ids + [pk for pk in candidate.entry_ids if pk is not None and pk not in ids]


def _fill(proposal: FindingProposal, candidate: Candidate) -> None:
    for name in ("rule", "kind", "metric", "figure", "target", "params", "item_target"):
        setattr(proposal, name, getattr(candidate, name))
    proposal.objective_id = candidate.objective_id
    proposal.item_owner_department_id = candidate.item_owner_department_id


def proposals_refresh(*, drill: Drill, by: Any = None) -> list[FindingProposal]:
    """Propose findings from the drill's metrics as they stand. Proposals still waiting are brought
    up to date (or removed when the metrics no longer suggest them); accepted and dropped ones stay
    as the coordinator left them. Idempotent; concurrent runs queue on the drill's row."""
    made = candidates(measure(drill))
    with transaction.atomic():
        lock_drill(drill)
        existing = {p.key: p for p in FindingProposal.objects.filter(drill=drill)}
        counts: Counter[str] = Counter()
        for candidate in made:
            current = existing.pop(candidate.key, None)
            if current is not None and current.state != ProposalState.PROPOSED:
                counts["kept"] += 1
                continue
            proposal = current or FindingProposal(drill=drill, key=candidate.key)
            _fill(proposal, candidate)
            proposal.save()
            proposal.timeline_entries.set(_entries(drill, candidate))
            counts["updated" if current else "created"] += 1
        stale = [p.pk for p in existing.values() if p.state == ProposalState.PROPOSED]
        FindingProposal.objects.filter(pk__in=stale).delete()
        record(
            action="proposals.refresh", obj=drill, actor=by, organisation_id=drill.organisation_id,
            drill_id=drill.pk, data={**counts, "removed": len(stale)},
        )  # fmt: skip
    return list(FindingProposal.objects.filter(drill=drill).order_by("id"))


def _lock(proposal: FindingProposal) -> FindingProposal:
    return (
        FindingProposal.objects.select_for_update(of=("self",))
        .select_related("drill__organisation", "objective", "item_owner_department")
        .get(pk=proposal.pk)
    )


def _item_target(proposal: FindingProposal, item: dict[str, Any]) -> Any:
    """The item's target: as given, or the proposal's metric and scope with the value given, or the
    target that failed."""
    if "target" in item:
        return item["target"]
    if "target_value" not in item:
        return proposal.item_target
    shape = proposal.item_target or (proposal.params or {}).get("template")
    if not shape:
        raise InvalidInput({"item": {"target_value": [str(_("This proposal measures nothing to set a target on."))]}})
    return {**{k: v for k, v in shape.items() if k != "value"}, "value": item["target_value"]}


def _item(proposal: FindingProposal, said: Words, finding: Any, by: Any, item: dict[str, Any]) -> Any:
    unknown = sorted(set(item) - ITEM_KEYS)
    if unknown:
        raise InvalidInput({"item": {name: [str(_("Unknown field."))] for name in unknown}})
    drill = proposal.drill
    try:
        return item_create(
            organisation=drill.organisation, by=by, title=item.get("title") or said.item_title,
            description=item.get("description", said.analysis),
            owner_department=item.get("owner_department", proposal.item_owner_department),
            due_date=item.get("due_date"), target=_item_target(proposal, item), finding=finding, drill=drill,
        )  # fmt: skip
    except InvalidInput as exc:
        raise InvalidInput({"item": exc.errors}) from exc


def proposal_accept(
    *,
    proposal: FindingProposal,
    by: Any,
    title: str | None = None,
    analysis: str | None = None,
    kind: str | None = None,
    objective: Objective | None = UNCHANGED,
    with_item: bool | None = None,
    item: dict[str, Any] | None = None,
) -> FindingProposal:
    """The proposal becomes a finding (its words, or the coordinator's edits), tied to its objective
    and evidence; an area for improvement also becomes an improvement item (unless `with_item` is
    false) carrying the target that failed. Accepting an accepted proposal changes nothing."""
    with transaction.atomic():
        proposal = _lock(proposal)
        if proposal.state == ProposalState.ACCEPTED and proposal.finding_id is not None:
            return proposal
        drill = proposal.drill
        said = words(proposal, {d.pk: d for d in Department.objects.filter(organisation_id=drill.organisation_id)})
        finding = finding_create(
            drill=drill, by=by, kind=kind or proposal.kind, title=said.title if title is None else title,
            analysis=said.analysis if analysis is None else analysis,
            objective=proposal.objective if objective is UNCHANGED else objective,
            timeline_entries=list(proposal.timeline_entries.all()),
        )  # fmt: skip
        wanted = finding.kind == FindingKind.IMPROVEMENT if with_item is None else with_item
        made = _item(proposal, said, finding, by, item or {}) if wanted else None
        _decide(proposal, ProposalState.ACCEPTED, by, finding=finding, item=made)
        edited = [
            name for name, value in (("title", title), ("analysis", analysis), ("kind", kind)) if value is not None
        ]
        record(
            action="proposal.accept", obj=proposal, actor=by, organisation_id=drill.organisation_id,
            drill_id=drill.pk,
            data={"key": proposal.key, "finding": finding.pk, "item": made.pk if made else None, "edited": edited},
        )  # fmt: skip
    return proposal


def _decide(proposal: FindingProposal, state: str, by: Any, **links: Any) -> None:
    proposal.state = state
    proposal.decided_by = by if getattr(by, "is_authenticated", False) else None
    proposal.decided_at = timezone.now()
    for name, value in links.items():
        setattr(proposal, name, value)
    proposal.save()


def proposal_drop(*, proposal: FindingProposal, by: Any) -> FindingProposal:
    """Not a finding. Dropping twice changes nothing; an accepted proposal whose finding still
    exists is not dropped (delete the finding instead)."""
    with transaction.atomic():
        proposal = _lock(proposal)
        if proposal.state == ProposalState.DROPPED:
            return proposal
        if proposal.state == ProposalState.ACCEPTED and proposal.finding_id is not None:
            raise DomainError(str(_("This proposal was accepted: delete its finding instead.")))
        _decide(proposal, ProposalState.DROPPED, by)
        record(
            action="proposal.drop", obj=proposal, actor=by, organisation_id=proposal.drill.organisation_id,
            drill_id=proposal.drill_id, data={"key": proposal.key},
        )  # fmt: skip
    return proposal
