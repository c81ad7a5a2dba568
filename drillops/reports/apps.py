import logging
from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)


def on_drill_state_changed(sender: Any, *, drill_id: int, state: str, **kwargs: Any) -> None:
    """A drill that ends (finished or stopped) sends its questionnaires, through Celery. When the
    broker is down, the beat sweep sends them later."""
    from drillops.reports.tasks import send_post_questionnaires
    from drillops.timelines.models import DrillState

    if state not in (DrillState.FINISHED, DrillState.STOPPED):
        return
    try:
        send_post_questionnaires.delay(drill_id)
    except Exception as exc:  # the broker is down: sweep_questionnaires catches up
        log.warning("could not enqueue the questionnaires of drill %s: %s", drill_id, exc)


def on_drill_ended_loop(sender: Any, *, drill_id: int, state: str, **kwargs: Any) -> None:
    """A drill that ends gets its proposed findings; one that finishes (never one that stops)
    re-tests the organisation's open improvement items. Through Celery; the beat sweep catches up
    when the broker is down."""
    from drillops.reports.tasks import refresh_proposals, verify_items
    from drillops.timelines.models import DrillState

    if state not in (DrillState.FINISHED, DrillState.STOPPED):
        return
    tasks = [refresh_proposals, verify_items] if state == DrillState.FINISHED else [refresh_proposals]
    for task in tasks:
        try:
            task.delay(drill_id)
        except Exception as exc:  # the broker is down: sweep_improvement_loop catches up
            log.warning("could not enqueue %s of drill %s: %s", task.name, drill_id, exc)


def on_organisation_saved(sender: Any, *, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """A new organisation starts with the default questionnaires."""
    if created and not raw:
        from drillops.reports.services import templates_ensure_defaults

        templates_ensure_defaults(organisation=instance)


class ReportsConfig(AppConfig):
    name = "drillops.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from drillops.departments.models import Organisation
        from drillops.timelines.signals import drill_state_changed

        drill_state_changed.connect(on_drill_state_changed, dispatch_uid="reports.questionnaires_on_end")
        drill_state_changed.connect(on_drill_ended_loop, dispatch_uid="reports.improvement_loop_on_end")
        post_save.connect(on_organisation_saved, sender=Organisation, dispatch_uid="reports.default_questionnaires")
