"""Questionnaire results: response rate, and per question the mean and distribution of the 1-5
scores (free text: the answers, in an order that says nothing about who wrote them). Nothing but
the response rate is shown for fewer than MIN_ANSWERS_SHOWN answers; pre/post deltas compare the
means of the same template's questions before and after the drill."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.db.models import Count, Q, QuerySet

from drillops.reports.models import (
    LIKERT_MAX,
    LIKERT_MIN,
    MIN_ANSWERS_SHOWN,
    Answer,
    Invitation,
    Question,
    QuestionKind,
    Survey,
    SurveyPhase,
)
from drillops.timelines.models import Drill


def surveys_of(drill: Drill) -> QuerySet[Survey]:
    return (
        Survey.objects.filter(drill=drill)
        .select_related("template", "drill")
        .annotate(
            invited=Count("invitations", distinct=True),
            answered=Count("invitations", filter=Q(invitations__answered_on__isnull=False), distinct=True),
        )
        .order_by("phase", "template__kind", "id")
    )


def surveys_for(user: Any, drill: Drill) -> QuerySet[Survey]:
    """The surveys of this drill sent to the user, each with `answered_on` (the day they answered)."""
    mine = Invitation.objects.filter(user_id=user.pk, survey__drill=drill)
    return surveys_of(drill).filter(pk__in=mine.values("survey_id"))


def answered_surveys(user: Any, drill: Drill) -> list[Survey]:
    done = Invitation.objects.filter(user_id=user.pk, survey__drill=drill, answered_on__isnull=False)
    return list(
        Survey.objects.filter(pk__in=done.values("survey_id")).select_related("template").order_by("phase", "id")
    )


def open_invitations(user: Any, drill: Drill) -> list[Survey]:
    """What the user still has to answer in this drill (surveys before the drill close when it starts)."""
    pending = Invitation.objects.filter(user_id=user.pk, survey__drill=drill, answered_on__isnull=True)
    surveys = Survey.objects.filter(pk__in=pending.values("survey_id")).select_related("template", "drill")
    return [s for s in surveys.prefetch_related("template__questions").order_by("phase", "id") if s.is_open]


def _likert(question: Question, scores: list[int]) -> dict[str, Any]:
    counts = Counter(scores)
    shown = len(scores) >= MIN_ANSWERS_SHOWN
    return {
        "answers": len(scores),
        "suppressed": not shown,
        "mean": round(sum(scores) / len(scores), 3) if shown else None,
        "distribution": {str(v): counts.get(v, 0) for v in range(LIKERT_MIN, LIKERT_MAX + 1)} if shown else None,
    }


def _text(texts: list[str]) -> dict[str, Any]:
    shown = len(texts) >= MIN_ANSWERS_SHOWN
    # Sorted by their words, so that the order tells nothing about when or by whom.
    return {"answers": len(texts), "suppressed": not shown, "texts": sorted(texts) if shown else None}


def survey_results(survey: Survey) -> dict[str, Any]:
    invited = survey.invitations.count()
    answered = survey.invitations.filter(answered_on__isnull=False).count()
    sets = survey.answer_sets.count()
    shown = sets >= MIN_ANSWERS_SHOWN
    values: dict[int, list[Any]] = defaultdict(list)
    if shown:
        for question_id, score, text in Answer.objects.filter(answer_set__survey=survey).values_list(
            "question_id", "likert", "text"
        ):
            values[question_id].append(score if score is not None else text)
    questions = []
    for question in survey.template.questions.order_by("sequence"):
        base = {"id": question.pk, "kind": question.kind, "text": question.text, "text_zh": question.text_zh}
        if not shown:
            questions.append({**base, "answers": None, "suppressed": True})
        elif question.kind == QuestionKind.LIKERT:
            questions.append({**base, **_likert(question, [v for v in values[question.pk] if isinstance(v, int)])})
        else:
            questions.append({**base, **_text([v for v in values[question.pk] if isinstance(v, str)])})
    return {
        "survey": survey.pk,
        "template": survey.template_id,
        "kind": survey.template.kind,
        "title": survey.template.title,
        "title_zh": survey.template.title_zh,
        "phase": survey.phase,
        "anonymous": survey.is_anonymous,
        "invited": invited,
        "answered": answered,
        "response_rate": round(answered / invited, 4) if invited else None,
        "suppressed": not shown,
        "questions": questions,
    }


def pre_post_deltas(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each template sent both before and after: post mean minus pre mean per scored question,
    where both means are shown."""
    by_phase = {(r["template"], r["phase"]): r for r in results}
    deltas = []
    for (template, phase), post in by_phase.items():
        pre = by_phase.get((template, SurveyPhase.PRE.value))
        if phase != SurveyPhase.POST or pre is None:
            continue
        pre_means = {q["id"]: q.get("mean") for q in pre["questions"]}
        for question in post["questions"]:
            before, after = pre_means.get(question["id"]), question.get("mean")
            if question["kind"] == QuestionKind.LIKERT and before is not None and after is not None:
                deltas.append(
                    {"template": template, "question": question["id"], "text": question["text"],
                     "text_zh": question["text_zh"], "pre": before, "post": after, "delta": round(after - before, 3)}
                )  # fmt: skip
    return deltas


def drill_questionnaire_results(drill: Drill) -> dict[str, Any]:
    results = [survey_results(survey) for survey in surveys_of(drill)]
    return {"surveys": results, "pre_post": pre_post_deltas(results)}
