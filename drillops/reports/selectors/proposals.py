"""Reads of proposed findings: a drill's proposals, worded in the reader's language, with their
evidence and the improvement item each suggests."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When

from drillops.departments.models import Department
from drillops.reports.formatting import figure_text, target_text
from drillops.reports.models import FindingKind, FindingProposal, ProposalState
from drillops.reports.proposals import words
from drillops.scenarios.targets import METRICS
from drillops.timelines.models import Drill, TimelineEntry

_STATE_ORDER = Case(
    When(state=ProposalState.PROPOSED, then=Value(0)),
    When(state=ProposalState.ACCEPTED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
_KIND_ORDER = Case(When(kind=FindingKind.IMPROVEMENT, then=Value(0)), default=Value(1), output_field=IntegerField())


def proposals_queryset(drill: Drill) -> QuerySet[FindingProposal]:
    """Waiting ones first, then accepted, then dropped; areas for improvement before strengths."""
    return (
        FindingProposal.objects.filter(drill=drill)
        .select_related("objective", "finding", "item", "item_owner_department", "drill")
        .prefetch_related(
            Prefetch(
                "timeline_entries", queryset=TimelineEntry.objects.select_related("department").order_by("at", "id")
            )
        )
        .annotate(state_order=_STATE_ORDER, kind_order=_KIND_ORDER)
        .order_by("state_order", "kind_order", "id")
    )


def proposals_of(drill: Drill) -> list[FindingProposal]:
    """The drill's proposals, each with `display_title`, `display_analysis`, `display_item_title`,
    `figure_text`, `target_text` and `item_target_text` in the active language."""
    proposals = list(proposals_queryset(drill))
    departments = {d.pk: d for d in Department.objects.filter(organisation_id=drill.organisation_id)}
    for proposal in proposals:
        word(proposal, departments)
    return proposals


def word(proposal: FindingProposal, departments: dict[int, Department]) -> FindingProposal:
    said = words(proposal, departments)
    spec = METRICS.get(proposal.metric)
    proposal.display_title = said.title  # type: ignore[attr-defined]
    proposal.display_analysis = said.analysis  # type: ignore[attr-defined]
    proposal.display_item_title = said.item_title  # type: ignore[attr-defined]
    proposal.figure_text = figure_text(proposal.figure, spec.unit if spec else "count")  # type: ignore[attr-defined]
    proposal.target_text = target_text(proposal.target, departments) if proposal.target else ""  # type: ignore[attr-defined]
    item_target = proposal.item_target
    proposal.item_target_text = target_text(item_target, departments) if item_target else ""  # type: ignore[attr-defined]
    return proposal
