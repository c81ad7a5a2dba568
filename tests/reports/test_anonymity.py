"""Anonymous answers cannot be linked to who gave them: no column joins the record that someone
answered to the answers, no time is kept beside the day, ids are random, and nothing is ordered by
when it was written."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

from drillops.core.models import AuditEntry
from drillops.reports import services
from drillops.reports.models import Answer, AnswerSet, Invitation, Survey
from drillops.reports.selectors import survey_results

from ..api.world import World
from ..factories import MembershipFactory, UserFactory

TEXTS = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel"]


def _answer_in_order(world: World, survey: Survey) -> list[Any]:
    """Eight people answer one after another, each with a text that names their turn."""
    text_question = survey.template.questions.filter(kind="text").get()
    scores = {str(q.pk): 3 for q in survey.template.questions.filter(kind="likert")}
    people = []
    for n, text in enumerate(TEXTS):
        person = MembershipFactory(organisation=world.org, user=UserFactory(username=f"anon{n}")).user
        Invitation.objects.create(survey=survey, user=person)
        services.questionnaire_answer(survey=survey, user=person, answers={**scores, str(text_question.pk): text})
        people.append(person)
    return people


def _columns(model: type[models.Model]) -> dict[str, models.Field]:
    return {f.column: f for f in model._meta.concrete_fields}


def test_the_participants_survey_is_anonymous(world: World) -> None:
    assert world.survey.is_anonymous


def test_no_column_joins_who_answered_to_what_was_answered(world: World) -> None:
    _answer_in_order(world, world.survey)
    user_model = get_user_model()
    for model in (AnswerSet, Answer):
        for field in model._meta.concrete_fields:
            # Nothing that points at a person or at the invitation; no time of day.
            target = getattr(field, "related_model", None)
            assert target is not Invitation, f"{model.__name__}.{field.name} points at the invitation"
            assert not isinstance(field, models.DateTimeField), f"{model.__name__}.{field.name} keeps a time"
            if target is user_model:
                assert not model.objects.filter(**{f"{field.name}__isnull": False}, anonymous=True).exists()
    assert all(getattr(f, "related_model", None) not in (AnswerSet, Answer) for f in Invitation._meta.concrete_fields)
    # The only column both have is the survey they belong to (their ids are of different kinds:
    # a random UUID and a number, which never meet).
    shared = set(_columns(AnswerSet)) & set(_columns(Invitation))
    assert shared == {"id", "survey_id"}
    assert isinstance(_columns(AnswerSet)["id"], models.UUIDField)
    assert not isinstance(_columns(Invitation)["id"], models.UUIDField)


def test_answers_carry_the_day_only_and_random_ids(world: World) -> None:
    _answer_in_order(world, world.survey)
    sets = list(AnswerSet.objects.filter(survey=world.survey))
    assert len({s.created_on for s in sets}) == 1  # everyone who answered that day looks the same
    ids = [s.pk for s in sets] + list(Answer.objects.filter(answer_set__in=sets).values_list("pk", flat=True))
    assert all(isinstance(i, uuid.UUID) and i.version == 4 for i in ids)


def test_neither_the_stored_order_nor_the_results_follow_the_order_of_answering(world: World) -> None:
    _answer_in_order(world, world.survey)
    text_question = world.survey.template.questions.filter(kind="text").get()
    stored = list(
        Answer.objects.filter(answer_set__survey=world.survey, question=text_question).values_list("text", flat=True)
    )
    # Ordered by random ids: the chance that 8 answers come back in the order given is 1 in 40,320.
    assert stored != TEXTS and sorted(stored) == TEXTS
    shown = next(q for q in survey_results(world.survey)["questions"] if q["id"] == text_question.pk)
    assert shown["texts"] == sorted(TEXTS)


def test_the_audit_trail_records_the_invitation_never_the_answers(world: World) -> None:
    people = _answer_in_order(world, world.survey)
    answered = AuditEntry.objects.filter(action="survey.answer")
    assert sorted(answered.values_list("actor_id", flat=True)) == sorted(p.pk for p in people)
    assert set(answered.values_list("object_type", flat=True)) == {"reports.invitation"}
    assert not AuditEntry.objects.filter(object_type__in=["reports.answerset", "reports.answer"]).exists()
    assert all(set(data) == {"survey"} for data in answered.values_list("data", flat=True))


def test_a_named_survey_keeps_who_answered(world: World) -> None:
    observers = next(s for s in Survey.objects.filter(drill=world.ended) if s.template.kind == "observer")
    answers = {str(q.pk): 4 if q.kind == "likert" else "Clear roles" for q in observers.template.questions.all()}
    services.questionnaire_answer(survey=observers, user=world.users["observer_invited"], answers=answers)
    assert AnswerSet.objects.get(survey=observers).respondent == world.users["observer_invited"]
