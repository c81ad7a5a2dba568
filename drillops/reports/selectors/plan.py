"""Reads of findings and the improvement plan: who sees which item, and the items a drill carries
forward from the organisation's earlier drills."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from drillops.departments.models import Membership, Role
from drillops.departments.selectors import organisation_ids_of
from drillops.reports.models import OPEN_ITEM_STATUSES, Finding, ImprovementItem
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
    progress or done (not yet verified), that came from an earlier drill or from no drill."""
    earlier = Q(drill__isnull=True) | Q(drill__created_at__lt=drill.created_at)
    return (
        ImprovementItem.objects.filter(organisation_id=drill.organisation_id, status__in=OPEN_ITEM_STATUSES)
        .exclude(drill=drill)
        .filter(earlier)
        .select_related("owner_department", "finding", "drill")
        .order_by("due_date", "id")
    )
