"""The case library: past drills and real incidents; a search for a Chinese two-character word finds
every case that contains it in its title, summary, tags or steps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from drillops.core.errors import InvalidInput
from drillops.reports import services
from drillops.reports.models import Case
from drillops.reports.selectors import search_cases

from ..api.world import World

Clients = Callable[[str], APIClient]
STEP_TIME = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def _library(world: World) -> dict[str, Case]:
    """Cases that hold 投诉 or 舆情 in each place a word can be, and one that holds neither. The world
    has a case whose summary is 客户投诉处理 already."""
    org, by = world.org, world.users["coordinator"]

    def make(title: str, **fields: Any) -> Case:
        return services.case_create(organisation=org, by=by, kind=fields.pop("kind", "incident"), title=title, **fields)

    def step(text: str) -> list[dict[str, Any]]:
        return [{"at": STEP_TIME, "department": world.cs, "description": text}]

    return {
        "title": make("集体投诉事件"),
        "tags": make("Refund wave", tags=["投诉", "退款"]),
        "steps": make("Hotline overload", steps=step("客服接到投诉后十分钟上报")),
        "opinion_summary": make("Rumour online", summary="微博舆情发酵"),
        "opinion_tags": make("Press enquiry", tags=["舆情"]),
        "opinion_steps": make("Night shift", steps=step("信息技术部监测网络舆情")),
        "none": make("2025 drill", kind="drill", drill=world.ended),
    }


def _titles(cases: Any) -> set[str]:
    return set(cases.values_list("title", flat=True))


def test_a_two_character_word_is_found_in_title_summary_tags_and_steps(world: World) -> None:
    cases = _library(world)
    found = _titles(search_cases(Case.objects.all(), "投诉"))
    assert found == {cases["title"].title, cases["tags"].title, cases["steps"].title, world.case.title}
    opinion = {cases[key].title for key in ("opinion_summary", "opinion_tags", "opinion_steps")}
    assert _titles(search_cases(Case.objects.all(), "舆情")) == opinion


def test_searching_through_the_api_keeps_to_the_callers_organisation(world: World, client_as: Clients) -> None:
    _library(world)
    services.case_create(organisation=world.other_org, by=None, kind="incident", title="他们的投诉")
    mine = client_as("coordinator").get("/api/v1/cases/", {"search": "投诉"}).json()
    assert mine["count"] == 4 and "他们的投诉" not in {c["title"] for c in mine["results"]}
    assert client_as("other_coordinator").get("/api/v1/cases/", {"search": "投诉"}).json()["count"] == 1


def test_the_search_is_served_by_the_trigram_index(world: World) -> None:
    _library(world)
    with connection.cursor() as cursor:
        # A handful of rows is read fastest without an index; the question is whether it can be used.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = search_cases(Case.objects.order_by(), "集体投诉").explain()
    assert "case_search_trgm" in plan


def test_a_case_keeps_resolution_time_satisfaction_and_timed_steps(world: World, client_as: Clients) -> None:
    body = {
        "kind": "incident",
        "title": "Streamlined flow",
        "resolution_seconds": 5400,
        "resolution_change": -0.3,
        "satisfaction": 0.86,
        "satisfaction_kind": "share",
        "satisfaction_change": 0.15,
        "tags": ["投诉", "投诉", "流程"],
        "steps": [
            {"at": "2024-03-01T09:00:00.000Z", "department": world.cs.pk, "description": "首次投诉"},
            {"at": "2024-03-01T09:06:00.000Z", "department": world.risk.pk, "description": "风险管理部评估"},
        ],
    }
    made = client_as("coordinator").post("/api/v1/cases/", body, format="json")
    assert made.status_code == 201, made.json()
    data = made.json()
    assert data["tags"] == ["投诉", "流程"] and [s["sequence"] for s in data["steps"]] == [1, 2]
    assert data["steps"][1] == {
        "sequence": 2, "at": "2024-03-01T09:06:00.000Z", "department": world.risk.pk, "description": "风险管理部评估"
    }  # fmt: skip
    changed = client_as("coordinator").patch(f"/api/v1/cases/{data['id']}/", {"steps": []}, format="json")
    assert changed.json()["steps"] == [] and not search_cases(Case.objects.filter(pk=data["id"]), "评估").exists()


def test_a_drills_case_names_its_drill_and_an_incidents_does_not(world: World) -> None:
    with pytest.raises(InvalidInput):
        services.case_create(organisation=world.org, by=None, kind="drill", title="Which drill?")
    with pytest.raises(InvalidInput):
        services.case_create(organisation=world.org, by=None, kind="incident", title="X", drill=world.ended)


def test_satisfaction_is_a_share_or_a_score_within_its_range(world: World) -> None:
    with pytest.raises(InvalidInput):
        services.case_create(
            organisation=world.org, by=None, kind="incident", title="X", satisfaction=1.5, satisfaction_kind="share"
        )
    case = services.case_create(
        organisation=world.org, by=None, kind="incident", title="X", satisfaction=4.2, satisfaction_kind="score"
    )
    assert case.satisfaction == 4.2
