"""Questionnaires: templates, sending them to a drill's roster (when it ends, or before it starts
for a pre/post comparison), and answering them once.

Anonymous answers are written without anything that leads back to the person: the invitation
records the day they answered, the answer set has a random id, the day, and no person. The audit
trail records that the invitation was answered, never the answer set."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drillops.core.audit import record
from drillops.core.errors import DomainError, ImmutableObject, InvalidInput
from drillops.departments.models import Organisation
from drillops.reports.models import (
    LIKERT_MAX,
    LIKERT_MIN,
    Answer,
    AnswerSet,
    Invitation,
    Question,
    QuestionKind,
    QuestionnaireTemplate,
    Survey,
    SurveyPhase,
    TemplateKind,
)
from drillops.reports.questionnaire_defaults import DEFAULT_TEMPLATES
from drillops.reports.services.common import both_languages, clean_text, clean_title
from drillops.timelines.engine.clock import lock_drill
from drillops.timelines.engine.outbox_rows import notice_write
from drillops.timelines.models import Drill, DrillState, RosterEntry, SeatRole

MAX_QUESTIONS = 50
TEMPLATE_FIELDS = frozenset({"kind", "title", "title_zh", "intro", "intro_zh", "is_anonymous", "is_default"})
# Who answers which kind of questionnaire, by roster seat.
AUDIENCE: dict[str, tuple[str, ...]] = {
    TemplateKind.PARTICIPANT.value: (SeatRole.PLAYER.value, SeatRole.DEPUTY.value, SeatRole.CONTROLLER.value),
    TemplateKind.OBSERVER.value: (SeatRole.OBSERVER.value,),
}


class NotInvited(DomainError):
    """Someone who was not sent this questionnaire tries to answer it."""

    status_code = 403


def _audit(action: str, obj: Any, by: Any, organisation_id: int, drill_id: int | None = None, **data: Any) -> None:
    record(action=action, obj=obj, actor=by, organisation_id=organisation_id, drill_id=drill_id, data=data)


# --- templates ------------------------------------------------------------------------------------


def _clean_questions(questions: Any) -> list[Question]:
    if not isinstance(questions, list) or not 1 <= len(questions) <= MAX_QUESTIONS:
        raise InvalidInput({"questions": [str(_("Give 1 to %(n)d questions.") % {"n": MAX_QUESTIONS})]})
    cleaned = []
    for number, spec in enumerate(questions, start=1):
        if not isinstance(spec, dict) or spec.get("kind") not in QuestionKind.values:
            raise InvalidInput({"questions": {str(number - 1): [str(_("Give a kind (likert or text) and a text."))]}})
        try:
            text = clean_text(spec.get("text"), "text", max_length=300)
            text_zh = clean_text(spec.get("text_zh", ""), "text_zh", required=False, max_length=300)
        except InvalidInput as exc:
            raise InvalidInput(
                {"questions": {str(number - 1): [m for messages in exc.errors.values() for m in messages]}}
            ) from exc
        cleaned.append(Question(sequence=number, kind=spec["kind"], text=text, text_zh=text_zh))
    return cleaned


def _check_template(template: QuestionnaireTemplate) -> None:
    if template.kind not in TemplateKind.values:
        raise InvalidInput({"kind": [str(_("Use participant or observer."))]})
    template.title = clean_title(template.title)
    template.title_zh = clean_text(template.title_zh, "title_zh", required=False, max_length=200)
    template.intro = clean_text(template.intro, "intro", required=False)
    template.intro_zh = clean_text(template.intro_zh, "intro_zh", required=False)


def _save_template(template: QuestionnaireTemplate, questions: list[Question] | None) -> None:
    # The organisation's row is the lock that keeps one default per kind.
    Organisation.objects.select_for_update().get(pk=template.organisation_id)
    if template.is_default:
        others = QuestionnaireTemplate.objects.filter(organisation_id=template.organisation_id, kind=template.kind)
        others.exclude(pk=template.pk).update(is_default=False)
    template.save()
    if questions is not None:
        template.questions.all().delete()
        for question in questions:
            question.template = template
        Question.objects.bulk_create(questions)


@transaction.atomic
def template_create(
    *,
    organisation: Organisation,
    by: Any,
    kind: str,
    title: str,
    questions: list[dict[str, Any]],
    title_zh: str = "",
    intro: str = "",
    intro_zh: str = "",
    is_anonymous: bool = True,
    is_default: bool = False,
) -> QuestionnaireTemplate:
    template = QuestionnaireTemplate(
        organisation=organisation, kind=kind, title=title, title_zh=title_zh, intro=intro, intro_zh=intro_zh,
        is_anonymous=is_anonymous, is_default=is_default,
    )  # fmt: skip
    _check_template(template)
    _save_template(template, _clean_questions(questions))
    _audit("questionnaire_template.create", template, by, organisation.pk, kind=kind, title=template.title)
    return template


@transaction.atomic
def template_update(*, template: QuestionnaireTemplate, by: Any, **changes: Any) -> QuestionnaireTemplate:
    """Titles, introduction, anonymity and default may change at any time (a survey keeps the
    anonymity it was sent with); the questions only until the template is first sent."""
    unknown = set(changes) - TEMPLATE_FIELDS - {"questions"}
    if unknown:
        raise InvalidInput({name: [str(_("This field cannot be changed."))] for name in sorted(unknown)})
    questions = _clean_questions(changes.pop("questions")) if "questions" in changes else None
    if questions is not None and template.surveys.exists():
        raise ImmutableObject(str(_("This questionnaire was sent: its questions no longer change. Make a new one.")))
    for name, value in changes.items():
        setattr(template, name, value)
    _check_template(template)
    _save_template(template, questions)
    fields = sorted([*changes, *(["questions"] if questions is not None else [])])
    _audit("questionnaire_template.update", template, by, template.organisation_id, fields=fields)
    return template


@transaction.atomic
def template_delete(*, template: QuestionnaireTemplate, by: Any) -> None:
    if template.surveys.exists():
        raise ImmutableObject(str(_("This questionnaire was sent; its answers keep it.")))
    _audit("questionnaire_template.delete", template, by, template.organisation_id, title=template.title)
    template.delete()


@transaction.atomic
def templates_ensure_defaults(*, organisation: Organisation, by: Any = None) -> list[QuestionnaireTemplate]:
    """The organisation's default questionnaire of each kind, made from DEFAULT_TEMPLATES when
    missing. Idempotent; concurrent calls wait on the organisation's row."""
    Organisation.objects.select_for_update().get(pk=organisation.pk)
    defaults = []
    for spec in DEFAULT_TEMPLATES:
        found = QuestionnaireTemplate.objects.filter(organisation=organisation, kind=spec["kind"], is_default=True)
        template = found.first()
        if template is None:
            template = QuestionnaireTemplate(
                organisation=organisation, kind=spec["kind"], title=spec["title"][0], title_zh=spec["title"][1],
                intro=spec["intro"][0], intro_zh=spec["intro"][1], is_anonymous=spec["is_anonymous"], is_default=True,
            )  # fmt: skip
            questions = [{"kind": kind, "text": text, "text_zh": zh} for kind, text, zh in spec["questions"]]
            _save_template(template, _clean_questions(questions))
            _audit("questionnaire_template.default", template, by, organisation.pk, kind=template.kind)
        defaults.append(template)
    return defaults


# --- sending --------------------------------------------------------------------------------------


def _recipients(drill: Drill, kind: str) -> list[int]:
    seats = RosterEntry.objects.filter(drill=drill, role__in=AUDIENCE[kind], user__is_active=True)
    return sorted(set(seats.values_list("user_id", flat=True)))


def _check_phase(drill: Drill, phase: str) -> None:
    if phase == SurveyPhase.PRE and drill.state != DrillState.SCHEDULED:
        raise DomainError(str(_("A questionnaire before the drill is sent before it starts.")))
    if phase == SurveyPhase.POST and not drill.is_over:
        raise DomainError(str(_("A questionnaire after the drill is sent once it has ended.")))


def _send_one(drill: Drill, template: QuestionnaireTemplate, phase: str, by: Any) -> Survey | None:
    if Survey.objects.filter(drill=drill, template=template, phase=phase).exists():
        return None
    actor = by if getattr(by, "is_authenticated", False) else None
    survey = Survey.objects.create(
        drill=drill, template=template, phase=phase, is_anonymous=template.is_anonymous, sent_by=actor
    )
    users = _recipients(drill, template.kind)
    Invitation.objects.bulk_create([Invitation(survey=survey, user_id=user) for user in users])
    notice_write(
        key=f"survey:{survey.pk}",
        user_ids=users,
        title=both_languages(lambda: _("Questionnaire to answer: %(drill)s") % {"drill": drill.name}),
        body=f"{template.title}\n{template.intro}\n\n{template.title_zh}\n{template.intro_zh}".strip(),
        link=reverse("questionnaire_answer", args=[drill.pk]),
        drill_id=drill.pk,
    )
    _audit("survey.send", survey, by, drill.organisation_id, drill.pk, phase=phase, invited=len(users))
    return survey


def questionnaires_send(
    *, drill: Drill, phase: str, by: Any = None, templates: list[QuestionnaireTemplate] | None = None
) -> list[Survey]:
    """Send questionnaires to the drill's roster: participants' to players, deputies and
    controllers, observers' to observers; in the app and by e-mail. Without `templates`, the
    organisation's defaults. A template already sent for this phase is not sent again."""
    if phase not in SurveyPhase.values:
        raise InvalidInput({"phase": [str(_("Use pre or post."))]})
    chosen = templates if templates is not None else templates_ensure_defaults(organisation=drill.organisation)
    if any(t.organisation_id != drill.organisation_id for t in chosen):
        raise InvalidInput({"templates": [str(_("A questionnaire belongs to another organisation."))]})
    with transaction.atomic():
        drill = lock_drill(drill)
        _check_phase(drill, phase)
        sent = [_send_one(drill, template, phase, by) for template in chosen]
    return [survey for survey in sent if survey is not None]


# --- answering ------------------------------------------------------------------------------------


def _clean_answer(question: Question, value: Any) -> tuple[int | None, str] | None:
    if question.kind == QuestionKind.LIKERT:
        if value in (None, ""):
            raise InvalidInput(str(_("Choose a score from 1 to 5.")))
        if isinstance(value, bool) or not isinstance(value, int) or not LIKERT_MIN <= value <= LIKERT_MAX:
            raise InvalidInput(str(_("Choose a score from 1 to 5.")))
        return value, ""
    text = clean_text(value if value is not None else "", "text", required=False)
    return (None, text) if text else None


def clean_answers(questions: list[Question], answers: Any) -> dict[Question, tuple[int | None, str]]:
    """Answers by question id -> (score, text) per question answered; 400 naming each bad one."""
    if not isinstance(answers, dict):
        raise InvalidInput({"answers": [str(_("Give the answers by question id."))]})
    by_id = {str(q.pk): q for q in questions}
    errors: dict[str, list[str]] = {key: [str(_("Unknown question."))] for key in map(str, answers) if key not in by_id}
    cleaned = {}
    for key, question in by_id.items():
        given = answers.get(key, answers.get(question.pk))
        try:
            value = _clean_answer(question, given)
        except InvalidInput as exc:
            errors[key] = [m for messages in exc.errors.values() for m in messages]
            continue
        if value is not None:
            cleaned[question] = value
    if errors:
        raise InvalidInput({"answers": errors})
    return cleaned


def questionnaire_answer(*, survey: Survey, user: Any, answers: Any) -> None:
    """Answer once. Anonymous: the answers go into an answer set with a random id and the day
    only; the invitation gets the day it was answered and nothing that points at the answers."""
    survey = Survey.objects.select_related("drill__organisation", "template").get(pk=survey.pk)
    cleaned = clean_answers(list(survey.template.questions.all()), answers)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(survey=survey, user_id=user.pk).first()
        if invitation is None:
            raise NotInvited(str(_("This questionnaire was not sent to you.")))
        if invitation.answered_on is not None:
            raise DomainError(str(_("You have answered this questionnaire already.")))
        if not survey.is_open:
            raise DomainError(str(_("This questionnaire is closed: the drill has started.")))
        today = timezone.localdate(timezone=survey.drill.organisation.tz)
        answer_set = AnswerSet.objects.create(
            survey=survey,
            anonymous=survey.is_anonymous,
            respondent=None if survey.is_anonymous else user,
            created_on=today,
        )
        Answer.objects.bulk_create(
            Answer(answer_set=answer_set, question=question, likert=score, text=text)
            for question, (score, text) in cleaned.items()
        )
        invitation.answered_on = today
        invitation.save(update_fields=["answered_on"])
        _audit("survey.answer", invitation, user, survey.drill.organisation_id, survey.drill_id, survey=survey.pk)
