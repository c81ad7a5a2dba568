"""Celery tasks of the after-action work: a few lines each, they load by id and call a service."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.db.models import Exists, OuterRef
from django.utils import timezone

from drillops.core.errors import DomainError
from drillops.reports import services
from drillops.reports.models import FindingProposal, ItemVerification, Survey, SurveyPhase
from drillops.reports.selectors import open_items_for_drill
from drillops.timelines.models import Drill, DrillState

log = logging.getLogger(__name__)
# Ended drills this recent whose questionnaires never went out are sent them by the sweep.
SWEEP_WINDOW = timedelta(days=2)


@shared_task(
    acks_late=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=5, dont_autoretry_for=(DomainError,)
)
def send_post_questionnaires(drill_id: int) -> int:
    """The questionnaires after the drill, to its roster (idempotent: sent once per template)."""
    drill = Drill.objects.select_related("organisation").filter(pk=drill_id).first()
    if drill is None or not drill.is_over:
        return 0
    return len(services.questionnaires_send(drill=drill, phase=SurveyPhase.POST))


@shared_task
def sweep_questionnaires() -> int:
    """Drills that ended recently without their questionnaires (the task was lost with the broker)."""
    sent = Survey.objects.filter(drill=OuterRef("pk"), phase=SurveyPhase.POST)
    missing = Drill.objects.filter(
        state__in=[DrillState.FINISHED, DrillState.STOPPED], ended_at__gte=timezone.now() - SWEEP_WINDOW
    ).filter(~Exists(sent))
    return sum(send_post_questionnaires(drill_id) for drill_id in missing.values_list("pk", flat=True))


@shared_task
def remind_due_improvements() -> int:
    return services.items_remind_due()


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=5)
def refresh_proposals(drill_id: int) -> int:
    """Findings proposed from an ended drill's metrics (idempotent: decided ones stay)."""
    drill = Drill.objects.select_related("organisation").filter(pk=drill_id).first()
    if drill is None or not drill.is_over:
        return 0
    return len(services.proposals_refresh(drill=drill))


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=5)
def verify_items(drill_id: int) -> int:
    """Open improvement items re-tested by a finished drill (idempotent: one attempt per item)."""
    drill = Drill.objects.select_related("organisation").filter(pk=drill_id).first()
    if drill is None:
        return 0
    return len(services.items_verify(drill=drill))


@shared_task
def sweep_improvement_loop() -> int:
    """Recently ended drills whose proposals or verifications were lost with the broker."""
    recent = Drill.objects.filter(
        state__in=[DrillState.FINISHED, DrillState.STOPPED], ended_at__gte=timezone.now() - SWEEP_WINDOW
    )
    done = 0
    for drill in recent.filter(~Exists(FindingProposal.objects.filter(drill=OuterRef("pk")))):
        done += refresh_proposals(drill.pk)
    for drill in recent.filter(state=DrillState.FINISHED):
        untested = (
            open_items_for_drill(drill)
            .filter(target__isnull=False)
            .exclude(Exists(ItemVerification.objects.filter(item=OuterRef("pk"), drill=drill)))
        )
        if untested.exists():
            done += verify_items(drill.pk)
    return done


@shared_task(acks_late=True)
def build_report_export(job_id: int) -> str:
    """A report export too long for one request (reports.services.export_job_run)."""
    return services.export_job_run(job_id)
