"""The after-action part of the shared world: a finished drill with its roster, the questionnaires
sent when it ended, a finding, an improvement item owned by customer service, a published report,
a proposed finding, an unsent questionnaire template and a case. Built through the services."""

from __future__ import annotations

from typing import Any

from drillops.reports import services as report_services
from drillops.reports.models import FindingKind, SurveyPhase, TemplateKind
from drillops.timelines import services as drill_services
from drillops.timelines.engine.delivery import deliver_due
from drillops.timelines.models import SeatRole


def add_after_action(world: Any) -> None:
    users, coord = world.users, world.users["coordinator"]
    ended = drill_services.drill_create(scenario=world.scenario, name="Ended drill", by=coord)
    seats = [
        (users["staff_target"], world.cs, SeatRole.PLAYER),
        (coord, None, SeatRole.CONTROLLER),
        (users["observer_invited"], None, SeatRole.OBSERVER),
    ]
    for user, department, role in seats:
        drill_services.roster_add(drill=ended, user=user, department=department, role=role, by=coord)
    drill_services.drill_start(drill=ended, by=coord)
    deliver_due(limit=100)
    ended = drill_services.drill_finish(drill=ended, by=coord)
    surveys = report_services.questionnaires_send(drill=ended, phase=SurveyPhase.POST)
    world.ended = ended
    world.survey = next(s for s in surveys if s.template.kind == TemplateKind.PARTICIPANT)
    world.finding = report_services.finding_create(
        drill=ended, by=coord, kind=FindingKind.IMPROVEMENT, title="Slow first report", objective=world.objective
    )
    world.item = report_services.item_create(
        organisation=world.org, by=coord, title="Streamline reporting", owner_department=world.cs, finding=world.finding
    )
    world.version = report_services.report_publish(drill=ended, by=coord)
    # Its two injects were never answered: the deadlines proposal, at least, is always made.
    world.proposal = next(p for p in report_services.proposals_refresh(drill=ended) if p.key == "deadlines")
    world.template = report_services.template_create(
        organisation=world.org,
        by=coord,
        kind=TemplateKind.PARTICIPANT,
        title="Spare questionnaire",
        questions=[{"kind": "likert", "text": "How clear was it?"}],
    )
    world.case = report_services.case_create(
        organisation=world.org, by=coord, kind="incident", title="Mass complaint", summary="客户投诉处理"
    )


def answers_for(survey: Any) -> dict[str, Any]:
    """A full answer to a survey: 4 for every scored question, a sentence for every text one."""
    return {str(q.pk): 4 if q.kind == "likert" else "More practice." for q in survey.template.questions.all()}
