"""Reads of findings and the improvement plan: who sees which item, and the items a drill carries
forward from the organisation's earlier drills."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from drillops.departments.models import Membership, Role
from drillops.departments.selectors import organisation_ids_of
from drillops.reports.models import OPEN_ITEM_STATUSES, Finding, ImprovementItem, ItemVerification
from drillops.timelines.models import Drill


def findings_of(drill: Drill) -> QuerySet[Finding]:
    return (
        Finding.objects.filter(drill=drill)
        .select_related("objective", "drill")
        .prefetch_related("timeline_entries")
        .order_by("kind", "id")
    )


def items_visible_to(user: Any) -> QuerySet[ImprovementItem]:
    """Coordinators: their organisations' items; staff: the items their departments own."""
    items = ImprovementItem.objects.select_related("owner_department", "owner", "finding", "drill", "organisation")
    if getattr(user, "is_superuser", False):
        return items.order_by("due_date", "id")
    coordinated = organisation_ids_of(user, Role.COORDINATOR)
    departments = Membership.objects.filter(user_id=user.pk, role=Role.STAFF, department__isnull=False).values(
        "department_id"
    )
    mine = Q(organisation_id__in=coordinated) | Q(owner_department_id__in=departments)
    return items.filter(mine).order_by("due_date", "id")


def items_coordinated_by(user: Any) -> QuerySet[ImprovementItem]:
    if getattr(user, "is_superuser", False):
        return ImprovementItem.objects.all()
    return ImprovementItem.objects.filter(organisation_id__in=organisation_ids_of(user, Role.COORDINATOR))


def open_items_for_drill(drill: Drill) -> QuerySet[ImprovementItem]:
    """The improvement items a drill re-tests: those of the same organisation still open, in
    progress or done (not yet verified), that came from an earlier drill or from no drill. Each
    carries its last verification attempt (`last_figure`, `last_met`, `last_comparable`,
    `last_reason`, `last_drill_id`, `last_drill_name`): None until a drill re-tested it."""
    earlier = Q(drill__isnull=True) | Q(drill__created_at__lt=drill.created_at)
    last = ItemVerification.objects.filter(item=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        ImprovementItem.objects.filter(organisation_id=drill.organisation_id, status__in=OPEN_ITEM_STATUSES)
        .exclude(drill=drill)
        .filter(earlier)
        .select_related("owner_department", "finding", "drill")
        .annotate(
            last_figure=Subquery(last.values("figure")[:1]),
            last_met=Subquery(last.values("met")[:1]),
            last_comparable=Subquery(last.values("comparable")[:1]),
            last_reason=Subquery(last.values("reason")[:1]),
            last_drill_id=Subquery(last.values("drill_id")[:1]),
            last_drill_name=Subquery(last.values("drill__name")[:1]),
        )
        .order_by("due_date", "id")
    )


def verifications_of(item: ImprovementItem) -> QuerySet[ItemVerification]:
    """The item's verification history, oldest first."""
    return ItemVerification.objects.filter(item=item).select_related("drill").order_by("created_at", "id")
