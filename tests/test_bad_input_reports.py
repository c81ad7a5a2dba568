"""Bad input to the after-action API answers 400 with field messages (or 409 for a rule of the
domain) and changes nothing; never a 500. Same harness as test_bad_input.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .api.bad_input import LONG_TEXT, LONG_TITLE, Bad, bad_world, check
from .api.world import World
from .api.world_reports import answers_for

__all__ = ["bad_world"]  # the module-scoped world fixture, shared through the import


def ended(path: str) -> Callable[[Any], str]:
    return lambda w: f"/api/v1/drills/{w.ended.pk}/{path}"


def agree(w: Any) -> str:
    return f"/api/v1/drills/{w.drill.pk}/scores/agree/"


def answer(w: Any) -> str:
    return f"/api/v1/drills/{w.ended.pk}/questionnaires/{w.survey.pk}/answer/"


def item(path: str = "") -> Callable[[Any], str]:
    return lambda w: f"/api/v1/improvement-items/{w.item.pk}/{path}"


def items(w: Any) -> str:
    return "/api/v1/improvement-items/"


def templates(w: Any) -> str:
    return "/api/v1/questionnaire-templates/"


def cases(w: Any) -> str:
    return "/api/v1/cases/"


def with_answer(w: Any, value: Any) -> dict[str, Any]:
    first = w.survey.template.questions.order_by("sequence").first()
    return {"answers": {**answers_for(w.survey), str(first.pk): value}}


def target(**fields: Any) -> Callable[[Any], dict[str, Any]]:
    return lambda w: {
        "target": {"metric": "handoff_p50", "op": "<=", "value": 600, "from": w.cs.pk, "to": w.risk.pk, **fields}
    }


def step(w: Any, **fields: Any) -> dict[str, Any]:
    return {"kind": "incident", "title": "T", "steps": [{"at": "2024-03-01T09:00:00Z", "description": "D", **fields}]}


MALFORMED = [
    Bad(f"malformed JSON to {name}", url, '{"title": "x",', role=role)
    for name, url, role in [
        ("agree", agree, "coordinator"),
        ("findings", ended("findings/"), "coordinator"),
        ("send", ended("questionnaires/send/"), "coordinator"),
        ("answer", answer, "staff_target"),
        ("items", items, "coordinator"),
        ("progress", item("progress/"), "staff_target"),
        ("templates", templates, "coordinator"),
        ("cases", cases, "coordinator"),
    ]
]

SCORES_AND_FINDINGS = [
    Bad("agree without objective or task", agree, lambda w: {"rating": "S"}, fields=("objective",)),
    Bad("agree unknown rating", agree, lambda w: {"objective": w.objective.pk, "rating": "A"}, fields=("rating",)),
    Bad(
        "agree on another version's objective",
        agree,
        lambda w: {"objective": w.draft_objective.pk, "rating": "S"},
        fields=("objective",),
    ),
    Bad("agree task as text", agree, lambda w: {"critical_task": "first", "rating": "S"}, fields=("critical_task",)),
    Bad("finding without title", ended("findings/"), lambda w: {"kind": "strength"}, fields=("title",)),
    Bad("finding unknown kind", ended("findings/"), lambda w: {"kind": "good", "title": "T"}, fields=("kind",)),
    Bad(
        "finding title too long",
        ended("findings/"),
        lambda w: {"kind": "strength", "title": LONG_TITLE},
        fields=("title",),
    ),
    Bad(
        "finding analysis over the cap",
        ended("findings/"),
        lambda w: {"kind": "strength", "title": "T", "analysis": LONG_TEXT},
        fields=("analysis",),
    ),
    Bad(
        "finding on another drill's entry",
        ended("findings/"),
        lambda w: {"kind": "strength", "title": "T", "timeline_entries": [w.entry.pk]},
        fields=("timeline_entries",),
    ),
    Bad(
        "finding on another version's objective",
        ended("findings/"),
        lambda w: {"kind": "strength", "title": "T", "objective": w.draft_objective.pk},
        fields=("objective",),
    ),
    Bad("publish a running drill", lambda w: f"/api/v1/drills/{w.drill.pk}/report/publish/", None, status=409),
    Bad("unknown report version", ended("report/versions/99/"), None, status=404, method="get"),
]

QUESTIONNAIRES = [
    Bad("send unknown phase", ended("questionnaires/send/"), lambda w: {"phase": "during"}, fields=("phase",)),
    Bad(
        "send before the start of a running drill",
        lambda w: f"/api/v1/drills/{w.drill.pk}/questionnaires/send/",
        lambda w: {"phase": "pre"},
        status=409,
    ),
    Bad(
        "send a template of another organisation",
        lambda w: f"/api/v1/drills/{w.scheduled.pk}/questionnaires/send/",
        lambda w: {"phase": "pre", "templates": [999_999]},
        fields=("templates",),
    ),
    Bad("answers not an object", answer, lambda w: {"answers": [1, 2]}, fields=("answers",), role="staff_target"),
    Bad("answer score 0", answer, lambda w: with_answer(w, 0), fields=("answers",), role="staff_target"),
    Bad("answer score as text", answer, lambda w: with_answer(w, "five"), fields=("answers",), role="staff_target"),
    Bad("answer score missing", answer, lambda w: with_answer(w, None), fields=("answers",), role="staff_target"),
    Bad(
        "answer to an unknown question",
        answer,
        lambda w: {"answers": {**answers_for(w.survey), "999999": 3}},
        fields=("answers",),
        role="staff_target",
    ),
    Bad(
        "answer text over the cap",
        answer,
        lambda w: {
            "answers": {
                **answers_for(w.survey),
                **{str(q.pk): LONG_TEXT for q in w.survey.template.questions.filter(kind="text")},
            }
        },
        fields=("answers",),
        role="staff_target",
    ),
    Bad("answer a survey not sent to me", answer, lambda w: {"answers": {}}, status=404, role="staff_other"),
    Bad(
        "template without questions",
        templates,
        lambda w: {"kind": "participant", "title": "T", "questions": []},
        fields=("questions",),
    ),
    Bad(
        "template unknown kind",
        templates,
        lambda w: {"kind": "everyone", "title": "T", "questions": [{"kind": "text", "text": "Q"}]},
        fields=("kind",),
    ),
    Bad(
        "template question of unknown kind",
        templates,
        lambda w: {"kind": "observer", "title": "T", "questions": [{"kind": "stars", "text": "Q"}]},
        fields=("questions",),
    ),
    Bad(
        "template question too long",
        templates,
        lambda w: {"kind": "observer", "title": "T", "questions": [{"kind": "text", "text": "q" * 301}]},
        fields=("questions",),
    ),
    Bad(
        "new questions for a template already sent",
        lambda w: f"/api/v1/questionnaire-templates/{w.survey.template_id}/",
        lambda w: {"questions": [{"kind": "text", "text": "Q"}]},
        status=409,
        method="patch",
    ),
    Bad(
        "delete a template already sent",
        lambda w: f"/api/v1/questionnaire-templates/{w.survey.template_id}/",
        None,
        status=409,
        method="delete",
    ),
]

PLAN = [
    Bad("item without title", items, lambda w: {"owner_department": w.cs.pk}, fields=("title",)),
    Bad(
        "item owned by another org",
        items,
        lambda w: {"title": "T", "owner_department": w.other_dept.pk},
        fields=("owner_department",),
    ),
    Bad("item of another org's drill", items, lambda w: {"title": "T", "drill": w.other_drill.pk}, fields=("drill",)),
    Bad("item of an unknown finding", items, lambda w: {"title": "T", "finding": 999_999}, fields=("finding",)),
    Bad(
        "item owner of another org",
        items,
        lambda w: {"title": "T", "owner": w.users["other_coordinator"].pk},
        fields=("owner",),
    ),
    Bad("item unknown status", item(), lambda w: {"status": "someday"}, fields=("status",), method="patch"),
    Bad("item due date as text", item(), lambda w: {"due_date": "soon"}, fields=("due_date",), method="patch"),
    Bad("item target of unknown metric", item(), target(metric="speed"), fields=("target",), method="patch"),
    Bad("hand-off target without its destination", item(), target(to=None), fields=("target",), method="patch"),
    Bad("hand-off target naming one department", item(), target(department=1), fields=("target",), method="patch"),
    Bad("negative seconds", item(), target(value=-1), fields=("target",), method="patch"),
    Bad("target with an unknown key", item(), target(pair=[1, 2]), fields=("target",), method="patch"),
    Bad(
        "target of one department twice",
        item(),
        lambda w: {"target": {"metric": "handoff_max", "op": "<=", "value": 1, "from": w.cs.pk, "to": w.cs.pk}},
        fields=("target",),
        method="patch",
    ),
    Bad(
        "target share above 1",
        item(),
        lambda w: {"target": {"metric": "deadline_compliance", "op": ">=", "value": 1.5}},
        fields=("target",),
        method="patch",
    ),
    Bad("target unknown operator", item(), target(op="<"), fields=("target",), method="patch"),
    Bad("target value as text", item(), target(value="ten minutes"), fields=("target",), method="patch"),
    Bad(
        "target department of another org",
        item(),
        lambda w: {"target": {"metric": "acknowledge_p90", "department": w.other_dept.pk, "op": "<=", "value": 60}},
        fields=("target",),
        method="patch",
    ),
    Bad("target not an object", item(), lambda w: {"target": [600]}, fields=("target",), method="patch"),
    Bad(
        "staff verify their item",
        item("progress/"),
        lambda w: {"status": "verified"},
        fields=("status",),
        role="staff_target",
    ),
    Bad(
        "progress note over the cap",
        item("progress/"),
        lambda w: {"status": "done", "progress_note": LONG_TEXT},
        fields=("progress_note",),
        role="staff_target",
    ),
]

CASES = [
    Bad("case without kind", cases, lambda w: {"title": "T"}, fields=("kind",)),
    Bad("case of a drill without the drill", cases, lambda w: {"kind": "drill", "title": "T"}, fields=("drill",)),
    Bad(
        "incident naming a drill",
        cases,
        lambda w: {"kind": "incident", "title": "T", "drill": w.ended.pk},
        fields=("drill",),
    ),
    Bad(
        "case of another org's drill",
        cases,
        lambda w: {"kind": "drill", "title": "T", "drill": w.other_drill.pk},
        fields=("drill",),
    ),
    Bad(
        "share above 1",
        cases,
        lambda w: {"kind": "incident", "title": "T", "satisfaction": 2, "satisfaction_kind": "share"},
        fields=("satisfaction",),
    ),
    Bad(
        "satisfaction without its kind",
        cases,
        lambda w: {"kind": "incident", "title": "T", "satisfaction": 0.5},
        fields=("satisfaction_kind",),
    ),
    Bad(
        "negative resolution time",
        cases,
        lambda w: {"kind": "incident", "title": "T", "resolution_seconds": -1},
        fields=("resolution_seconds",),
    ),
    Bad(
        "resolution change beyond reason",
        cases,
        lambda w: {"kind": "incident", "title": "T", "resolution_change": 1e9},
        fields=("resolution_change",),
    ),
    Bad("tags not a list", cases, lambda w: {"kind": "incident", "title": "T", "tags": "投诉"}, fields=("tags",)),
    Bad("tag too long", cases, lambda w: {"kind": "incident", "title": "T", "tags": ["t" * 51]}, fields=("tags",)),
    Bad("step without a time", cases, lambda w: step(w, at=None), fields=("steps",)),
    Bad("step at no time", cases, lambda w: step(w, at="yesterday"), fields=("steps",)),
    Bad("step in another org's department", cases, lambda w: step(w, department=w.other_dept.pk), fields=("steps",)),
    Bad("step without text", cases, lambda w: step(w, description=""), fields=("steps",)),
    Bad("case title too long", cases, lambda w: {"kind": "incident", "title": LONG_TITLE}, fields=("title",)),
]


@pytest.mark.parametrize("case", MALFORMED + SCORES_AND_FINDINGS + QUESTIONNAIRES + PLAN + CASES, ids=lambda c: c.label)
def test_bad_after_action_input_is_refused_and_changes_nothing(
    bad_world: World, case: Bad, django_db_blocker: Any
) -> None:
    check(bad_world, case, django_db_blocker)
