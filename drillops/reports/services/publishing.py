"""Publishing a drill's report: a frozen, numbered version that the roster can read from then on."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drillops.core.audit import record
from drillops.core.errors import DomainError
from drillops.reports.models import ReportVersion
from drillops.reports.selectors.snapshot import build_snapshot
from drillops.timelines.engine.clock import lock_drill
from drillops.timelines.models import Drill


def report_publish(*, drill: Drill, by: Any) -> ReportVersion:
    """Freeze what the report shows now as version n+1 (author, time, the organisation's time
    zone). Earlier versions stay as they were; later edits go into the next version."""
    with transaction.atomic():
        drill = lock_drill(drill)  # versions of one drill are numbered one at a time
        if not drill.is_over:
            raise DomainError(str(_("A report is published once the drill has ended.")))
        number = (ReportVersion.objects.filter(drill=drill).aggregate(top=Max("number"))["top"] or 0) + 1
        version = ReportVersion.objects.create(
            drill=drill,
            number=number,
            published_by=by if getattr(by, "is_authenticated", False) else None,
            published_at=timezone.now(),
            time_zone=drill.organisation.time_zone,
            snapshot=build_snapshot(drill),
        )
        record(
            action="report.publish",
            obj=version,
            actor=by,
            organisation_id=drill.organisation_id,
            drill_id=drill.pk,
            data={"number": number},
        )
    return version
