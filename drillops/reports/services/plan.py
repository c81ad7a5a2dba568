"""Findings of a drill and the improvement plan: coordinators write them; the owner department's
staff report progress; a reminder goes to them before the due date, once per item."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drillops.core.audit import record
from drillops.core.errors import InvalidInput
from drillops.departments.models import Department, Membership, Organisation, Role
from drillops.reports.models import (
    PROGRESS_STATUSES,
    REMINDED_STATUSES,
    Finding,
    FindingKind,
    ImprovementItem,
    ImprovementStatus,
)
from drillops.reports.plan_targets import validate_target
from drillops.reports.services.common import both_languages, clean_text, clean_title, same_organisation
from drillops.reports.services.observations import check_of_drill
from drillops.scenarios.models import Objective
from drillops.timelines.engine.outbox_rows import notice_write
from drillops.timelines.models import Drill, TimelineEntry

FINDING_FIELDS = frozenset({"kind", "title", "analysis", "objective", "timeline_entries"})
ITEM_FIELDS = frozenset(
    {"title", "description", "owner_department", "owner", "due_date", "status", "target", "finding", "drill"}
    | {"progress_note"}
)


def _audit(action: str, obj: Any, by: Any, organisation_id: int, drill_id: int | None, **data: Any) -> None:
    record(action=action, obj=obj, actor=by, organisation_id=organisation_id, drill_id=drill_id, data=data)


# --- findings -------------------------------------------------------------------------------------


def _check_finding(finding: Finding, entries: list[TimelineEntry] | None) -> None:
    if finding.kind not in FindingKind.values:
        raise InvalidInput({"kind": [str(_("Use strength or improvement."))]})
    finding.title = clean_title(finding.title)
    finding.analysis = clean_text(finding.analysis, "analysis", required=False)
    check_of_drill(finding.drill, finding.objective, None, None)
    if entries and any(entry.drill_id != finding.drill_id for entry in entries):
        raise InvalidInput({"timeline_entries": [str(_("A timeline entry is of another drill."))]})


@transaction.atomic
def finding_create(
    *,
    drill: Drill,
    by: Any,
    kind: str,
    title: str,
    analysis: str = "",
    objective: Objective | None = None,
    timeline_entries: list[TimelineEntry] | None = None,
) -> Finding:
    """A strength or area for improvement, tied to an objective and the entries that show it."""
    finding = Finding(drill=drill, kind=kind, title=title, analysis=analysis, objective=objective)
    _check_finding(finding, timeline_entries)
    finding.created_by = by if getattr(by, "is_authenticated", False) else None
    finding.save()
    finding.timeline_entries.set(timeline_entries or [])
    _audit("finding.create", finding, by, drill.organisation_id, drill.pk, kind=kind, title=finding.title)
    return finding


@transaction.atomic
def finding_update(*, finding: Finding, by: Any, **changes: Any) -> Finding:
    unknown = set(changes) - FINDING_FIELDS
    if unknown:
        raise InvalidInput({name: [str(_("This field cannot be changed."))] for name in sorted(unknown)})
    entries = changes.pop("timeline_entries", None)
    for name, value in changes.items():
        setattr(finding, name, value)
    _check_finding(finding, entries)
    finding.save()
    if entries is not None:
        finding.timeline_entries.set(entries)
    changed = sorted([*changes, *(["timeline_entries"] if entries is not None else [])])
    _audit("finding.update", finding, by, finding.drill.organisation_id, finding.drill_id, fields=changed)
    return finding


@transaction.atomic
def finding_delete(*, finding: Finding, by: Any) -> None:
    _audit("finding.delete", finding, by, finding.drill.organisation_id, finding.drill_id, title=finding.title)
    finding.delete()


# --- improvement items ----------------------------------------------------------------------------


def _check_item(item: ImprovementItem) -> None:
    item.title = clean_title(item.title)
    item.description = clean_text(item.description, "description", required=False)
    item.progress_note = clean_text(item.progress_note, "progress_note", required=False)
    if item.status not in ImprovementStatus.values:
        raise InvalidInput({"status": [str(_("Unknown status."))]})
    org = item.organisation_id
    same_organisation(org, owner_department=item.owner_department, finding=item.finding, drill=item.drill)
    if item.owner is not None and not Membership.objects.filter(user=item.owner, organisation_id=org).exists():
        raise InvalidInput({"owner": [str(_("This user is not a member of the organisation."))]})
    if item.finding is not None:
        if item.drill is None:
            item.drill = item.finding.drill
        elif item.finding.drill_id != item.drill.pk:
            raise InvalidInput({"finding": [str(_("This finding is of another drill."))]})
    item.target = validate_target(item.target, organisation_id=org)


@transaction.atomic
def item_create(
    *,
    organisation: Organisation,
    by: Any,
    title: str,
    description: str = "",
    owner_department: Department | None = None,
    owner: Any = None,
    due_date: date | None = None,
    status: str = ImprovementStatus.OPEN,
    target: dict[str, Any] | None = None,
    finding: Finding | None = None,
    drill: Drill | None = None,
    progress_note: str = "",
) -> ImprovementItem:
    item = ImprovementItem(
        organisation=organisation, title=title, description=description, owner_department=owner_department,
        owner=owner, due_date=due_date, status=status, target=target, finding=finding, drill=drill,
        progress_note=progress_note,
    )  # fmt: skip
    _check_item(item)
    item.save()
    _audit("improvement.create", item, by, organisation.pk, item.drill_id, title=item.title, status=status)
    return item


@transaction.atomic
def item_update(*, item: ImprovementItem, by: Any, **changes: Any) -> ImprovementItem:
    """A coordinator's change of any field, `verified` included. Moving the due date re-arms the
    reminder."""
    unknown = set(changes) - ITEM_FIELDS
    if unknown:
        raise InvalidInput({name: [str(_("This field cannot be changed."))] for name in sorted(unknown)})
    item = ImprovementItem.objects.select_for_update().get(pk=item.pk)
    previous_due, previous_status = item.due_date, item.status
    for name, value in changes.items():
        setattr(item, name, value)
    _check_item(item)
    if item.due_date != previous_due:
        item.reminded_at = None
    item.save()
    _audit(
        "improvement.update", item, by, item.organisation_id, item.drill_id,
        fields=sorted(changes), status_from=previous_status, status_to=item.status,
    )  # fmt: skip
    return item


@transaction.atomic
def item_progress(*, item: ImprovementItem, by: Any, status: str, progress_note: str = "") -> ImprovementItem:
    """The owner department reports progress: open, in progress or done, with a note. Never
    `verified`: that takes a later drill's figures or a coordinator."""
    if status not in PROGRESS_STATUSES:
        raise InvalidInput({"status": [str(_("Set open, in progress or done."))]})
    item = ImprovementItem.objects.select_for_update().get(pk=item.pk)
    previous = item.status
    item.status = status
    item.progress_note = clean_text(progress_note, "progress_note", required=False)
    item.save(update_fields=["status", "progress_note", "updated_at"])
    _audit(
        "improvement.progress", item, by, item.organisation_id, item.drill_id, status_from=previous, status_to=status
    )
    return item


@transaction.atomic
def item_delete(*, item: ImprovementItem, by: Any) -> None:
    _audit("improvement.delete", item, by, item.organisation_id, item.drill_id, title=item.title)
    item.delete()


# --- reminders ------------------------------------------------------------------------------------


def items_remind_due(*, days: int | None = None) -> int:
    """Remind the owner department's staff of each open item due within `days` days (in the
    organisation's time zone), once per item and due date. Safe to run at any time and in
    parallel: an item is claimed by a conditional update before its notice is written."""
    days = settings.IMPROVEMENT_REMINDER_DAYS if days is None else days
    now = timezone.now()
    latest = (now + timedelta(days=days + 1)).date()  # the widest any time zone can reach
    candidates = ImprovementItem.objects.filter(
        status__in=REMINDED_STATUSES,
        reminded_at__isnull=True,
        owner_department__isnull=False,
        due_date__isnull=False,
        due_date__lte=latest,
    ).select_related("organisation")
    sent = 0
    for item in candidates:
        assert item.due_date is not None  # filtered above
        today = now.astimezone(item.organisation.tz).date()
        if today <= item.due_date <= today + timedelta(days=days):
            sent += _remind(item, now)
    return sent


@transaction.atomic
def _remind(item: ImprovementItem, now: Any) -> int:
    if not ImprovementItem.objects.filter(pk=item.pk, reminded_at__isnull=True).update(reminded_at=now):
        return 0  # another run claimed it
    staff = Membership.objects.filter(department_id=item.owner_department_id or 0, role=Role.STAFF)
    users = sorted(set(staff.values_list("user_id", flat=True)))
    due = item.due_date.isoformat() if item.due_date else ""
    notice_write(
        key=f"improvement-due:{item.pk}:{due}",
        user_ids=users,
        title=both_languages(lambda: _("Improvement item due on %(date)s") % {"date": due}),
        body=f"{item.title}\n\n{item.description}".strip(),
        drill_id=item.drill_id,
    )
    _audit("improvement.remind", item, None, item.organisation_id, item.drill_id, due_date=due, users=len(users))
    return 1
