"""Questionnaires: default templates per organisation, sent to the roster when a drill ends (stopped
ones too) in the app and by e-mail, answered once on a plain page, results with a floor of three
answers, and the pre/post comparison."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from drillops.celery import app
from drillops.core.errors import DomainError, ImmutableObject
from drillops.reports import services
from drillops.reports.models import AnswerSet, Invitation, QuestionnaireTemplate, Survey, SurveyPhase, TemplateKind
from drillops.reports.selectors import drill_questionnaire_results, survey_results
from drillops.timelines import services as drill_services
from drillops.timelines.engine import outbox as sideeffects
from drillops.timelines.models import Notification, Outbox, SeatRole

from ..api.world import World
from ..api.world_reports import answers_for
from ..factories import MembershipFactory, OrganisationFactory, UserFactory

Clients = Callable[[str], APIClient]


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Celery runs tasks in the calling process, so the receiver's task runs within the test."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _seated_drill(world: World, name: str = "Next drill") -> Any:
    coord = world.users["coordinator"]
    drill = drill_services.drill_create(scenario=world.scenario, name=name, by=coord)
    drill_services.roster_add(drill=drill, user=world.users["staff_target"], department=world.cs, by=coord)
    drill_services.roster_add(drill=drill, user=world.users["staff_other"], department=world.risk, by=coord)
    drill_services.roster_add(drill=drill, user=world.users["observer_invited"], by=coord, role=SeatRole.OBSERVER)
    return drill


def test_every_organisation_starts_with_a_participants_and_an_observers_questionnaire(db: Any) -> None:
    organisation = OrganisationFactory(slug="new-insurer")
    defaults = QuestionnaireTemplate.objects.filter(organisation=organisation, is_default=True)
    assert sorted(defaults.values_list("kind", flat=True)) == ["observer", "participant"]
    participant = defaults.get(kind=TemplateKind.PARTICIPANT)
    first = participant.questions.order_by("sequence").first()
    assert first.text == "How satisfied are you with how the complaint was handled?" and "满意度" in first.text_zh
    assert participant.is_anonymous


# The outbox rows go to the broker by name (send_task), which eager mode leaves alone: the test
# carries them out itself below.
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
@pytest.mark.parametrize("end", ["finish", "stop"])
def test_a_drill_that_ends_sends_its_questionnaires_in_the_app_and_by_email(
    world: World, eager_celery: None, django_capture_on_commit_callbacks: Any, end: str
) -> None:
    drill = _seated_drill(world)
    coord = world.users["coordinator"]
    drill_services.drill_start(drill=drill, by=coord)
    with django_capture_on_commit_callbacks(execute=True):
        if end == "finish":
            drill_services.drill_finish(drill=drill, by=coord)
        else:
            drill_services.drill_stop(drill=drill, by=coord, reason="Real emergency")
    surveys = {s.template.kind: s for s in Survey.objects.filter(drill=drill)}
    assert set(surveys) == {"participant", "observer"}
    invited = set(Invitation.objects.filter(survey=surveys["participant"]).values_list("user__username", flat=True))
    assert invited == {"cs1", "risk1"}
    assert [i.user.username for i in Invitation.objects.filter(survey=surveys["observer"])] == ["obs1"]
    sideeffects.outbox_process(
        outbox_ids=Outbox.objects.filter(topic="notice", drill=drill).values_list("pk", flat=True)
    )
    note = Notification.objects.get(user=world.users["staff_target"], drill=drill)
    assert note.link == f"/drills/{drill.pk}/questionnaire/" and note.title.startswith("[EXERCISE / 演练]")
    assert "Questionnaire to answer" in note.title and "待填写的问卷" in note.title
    sent = [m for m in mail.outbox if world.users["staff_target"].email in m.bcc]
    assert sent and f"/drills/{drill.pk}/questionnaire/" in sent[0].body


def test_starting_or_pausing_a_drill_sends_nothing(
    world: World, eager_celery: None, django_capture_on_commit_callbacks: Any
) -> None:
    drill = _seated_drill(world)
    with django_capture_on_commit_callbacks(execute=True):
        drill_services.drill_start(drill=drill, by=world.users["coordinator"])
        drill_services.drill_pause(drill=drill, by=world.users["coordinator"])
    assert not Survey.objects.filter(drill=drill).exists()


def test_sending_again_adds_nothing(world: World) -> None:
    assert services.questionnaires_send(drill=world.ended, phase=SurveyPhase.POST) == []
    assert Survey.objects.filter(drill=world.ended).count() == 2


def test_the_answer_page_takes_answers_once(world: World) -> None:
    client = Client()
    client.force_login(world.users["staff_target"])
    url = f"/drills/{world.ended.pk}/questionnaire/"
    page = client.get(url)
    assert page.status_code == 200 and "How satisfied are you with how the complaint was handled?" in page.text
    form = {f"s{world.survey.pk}-q{key}": value for key, value in answers_for(world.survey).items()}
    answered = client.post(url, {"survey": world.survey.pk, **form}, follow=True)
    assert "Thank you" in answered.text and "There is nothing for you to answer" in answered.text
    again = client.post(url, {"survey": world.survey.pk, **form}, follow=True)
    assert "answered this questionnaire already" in again.text
    assert AnswerSet.objects.filter(survey=world.survey).count() == 1


def test_the_answer_page_refuses_a_score_out_of_range_and_saves_nothing(world: World) -> None:
    client = Client()
    client.force_login(world.users["staff_target"])
    first = world.survey.template.questions.order_by("sequence").first()
    answers = {f"s{world.survey.pk}-q{key}": value for key, value in answers_for(world.survey).items()}
    answers[f"s{world.survey.pk}-q{first.pk}"] = "9"
    page = client.post(f"/drills/{world.ended.pk}/questionnaire/", {"survey": world.survey.pk, **answers})
    assert page.status_code == 400 and "errorlist" in page.text
    assert not AnswerSet.objects.filter(survey=world.survey).exists()


def test_someone_not_asked_cannot_answer(world: World) -> None:
    with pytest.raises(DomainError):
        services.questionnaire_answer(
            survey=world.survey, user=world.users["staff_other"], answers=answers_for(world.survey)
        )


def _answer(survey: Survey, users: list[Any], scores: list[int]) -> None:
    first = survey.template.questions.order_by("sequence").first()
    for user, score in zip(users, scores, strict=True):
        Invitation.objects.get_or_create(survey=survey, user=user)
        services.questionnaire_answer(survey=survey, user=user, answers={**answers_for(survey), str(first.pk): score})


def _people(world: World, n: int) -> list[Any]:
    return [MembershipFactory(organisation=world.org, user=UserFactory(username=f"p{i}")).user for i in range(n)]


def test_no_breakdown_below_three_answers(world: World) -> None:
    _answer(world.survey, [world.users["staff_target"], world.users["coordinator"]], [5, 3])
    results = survey_results(world.survey)
    assert results["answered"] == 2 and results["invited"] == 2 and results["response_rate"] == 1.0
    assert results["suppressed"] and all(q["suppressed"] and "mean" not in q for q in results["questions"])


def test_three_answers_give_the_mean_and_the_distribution(world: World) -> None:
    people = _people(world, 3)
    _answer(world.survey, people, [5, 4, 2])
    results = survey_results(world.survey)
    first = results["questions"][0]
    assert results["response_rate"] == round(3 / 5, 4)  # two seated people have not answered
    assert first["mean"] == round(11 / 3, 3) and first["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    texts = next(q for q in results["questions"] if q["kind"] == "text")
    assert texts["texts"] == ["More practice."] * 3


def test_pre_post_delta_compares_the_same_questions_before_and_after(world: World) -> None:
    drill = _seated_drill(world)
    pre = next(s for s in services.questionnaires_send(drill=drill, phase="pre") if s.template.kind == "participant")
    people = _people(world, 3)
    _answer(pre, people, [2, 3, 1])
    drill_services.drill_start(drill=drill, by=world.users["coordinator"])
    with pytest.raises(DomainError, match="closed"):  # a survey before the drill closes when it starts
        _answer(pre, [world.users["staff_target"]], [5])
    drill = drill_services.drill_finish(drill=drill, by=world.users["coordinator"])
    post = next(s for s in services.questionnaires_send(drill=drill, phase="post") if s.template.kind == "participant")
    _answer(post, people, [4, 4, 4])
    deltas = drill_questionnaire_results(drill)["pre_post"]
    first = next(d for d in deltas if d["question"] == pre.template.questions.order_by("sequence").first().pk)
    assert (first["pre"], first["post"], first["delta"]) == (2.0, 4.0, 2.0)


def test_a_questionnaire_before_the_drill_is_only_sent_before_it_starts(world: World) -> None:
    with pytest.raises(DomainError):
        services.questionnaires_send(drill=world.drill, phase="pre")
    with pytest.raises(DomainError):
        services.questionnaires_send(drill=world.drill, phase="post")  # still running


def test_a_sent_template_keeps_its_questions(world: World) -> None:
    template = world.survey.template
    with pytest.raises(ImmutableObject):
        services.template_update(template=template, by=None, questions=[{"kind": "text", "text": "New?"}])
    with pytest.raises(ImmutableObject):
        services.template_delete(template=template, by=None)
    services.template_update(template=template, by=None, title="Renamed")  # the title may change


def test_answering_twice_through_the_api_is_409(world: World, client_as: Clients) -> None:
    url = f"/api/v1/drills/{world.ended.pk}/questionnaires/{world.survey.pk}/answer/"
    body = {"answers": answers_for(world.survey)}
    first = client_as("staff_target").post(url, body, format="json")
    assert (
        first.status_code == 201
        and first.json()["answered_on"] == timezone.localdate(timezone=world.org.tz).isoformat()
    )
    assert client_as("staff_target").post(url, body, format="json").status_code == 409


def test_players_list_the_questionnaires_sent_to_them(world: World, client_as: Clients) -> None:
    mine = client_as("staff_target").get(f"/api/v1/drills/{world.ended.pk}/questionnaires/").json()
    assert [s["kind"] for s in mine["results"]] == ["participant"] and mine["results"][0]["answered_on"] is None
    everyone = client_as("coordinator").get(f"/api/v1/drills/{world.ended.pk}/questionnaires/").json()
    assert sorted(s["kind"] for s in everyone["results"]) == ["observer", "participant"]


def test_the_sweep_sends_what_a_lost_task_did_not(world: World) -> None:
    from drillops.reports.tasks import sweep_questionnaires

    drill = _seated_drill(world)
    drill_services.drill_start(drill=drill, by=world.users["coordinator"])
    drill_services.drill_finish(drill=drill, by=world.users["coordinator"])  # no on_commit here: nothing sent
    assert not Survey.objects.filter(drill=drill).exists()
    assert sweep_questionnaires() == 2
    assert Survey.objects.filter(drill=drill, phase=SurveyPhase.POST).count() == 2
    assert sweep_questionnaires() == 0  # and only once
