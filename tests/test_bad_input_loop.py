"""Bad input to the improvement loop's API (proposed findings, trends) answers 400 with field
messages (409 for a rule, 404 for what the caller may not see) and changes nothing; never a 500.
Same harness as test_bad_input.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .api.bad_input import LONG_TEXT, LONG_TITLE, Bad, bad_world, check
from .api.world import World

__all__ = ["bad_world"]


def accept(w: Any) -> str:
    return f"/api/v1/drills/{w.ended.pk}/proposals/{w.proposal.pk}/accept/"


def trends(query: str) -> Callable[[Any], str]:
    return lambda w: f"/api/v1/trends/?{query.format(w=w)}"


PROPOSALS = [
    Bad("malformed JSON to accept", accept, '{"title": "x",'),
    Bad("accept with an unknown kind", accept, lambda w: {"kind": "praise"}, fields=("kind",)),
    Bad("accept with an empty title", accept, lambda w: {"title": ""}, fields=("title",)),
    Bad("accept with a title too long", accept, lambda w: {"title": LONG_TITLE}, fields=("title",)),
    Bad("accept with analysis over the cap", accept, lambda w: {"analysis": LONG_TEXT}, fields=("analysis",)),
    Bad(
        "accept on another version's objective",
        accept,
        lambda w: {"objective": w.draft_objective.pk},
        fields=("objective",),
    ),
    Bad(
        "item owned by another org", accept, lambda w: {"item": {"owner_department": w.other_dept.pk}}, fields=("item",)
    ),
    Bad("item target value below zero", accept, lambda w: {"item": {"target_value": -1}}, fields=("item",)),
    Bad("item share target above 1", accept, lambda w: {"item": {"target_value": 2}}, fields=("item",)),
    Bad("item target of unknown metric", accept, lambda w: {"item": {"target": {"metric": "speed"}}}, fields=("item",)),
    Bad(
        "item target and value both",
        accept,
        lambda w: {"item": {"target": None, "target_value": 0.5}},
        fields=("item",),
    ),
    Bad("item due date as text", accept, lambda w: {"item": {"due_date": "soon"}}, fields=("item",)),
    Bad("with_item as text", accept, lambda w: {"with_item": "perhaps"}, fields=("with_item",)),
    Bad(
        "accept a proposal of another drill",
        lambda w: f"/api/v1/drills/{w.drill.pk}/proposals/{w.proposal.pk}/accept/",
        lambda w: {},
        status=404,
    ),
    Bad(
        "drop an unknown proposal",
        lambda w: f"/api/v1/drills/{w.ended.pk}/proposals/999999/drop/",
        None,
        status=404,
    ),
    # Found by fuzzing: an id that is not a number was a 500 (ValueError) rather than a 404.
    Bad(
        "accept a proposal whose id is not a number",
        lambda w: f"/api/v1/drills/{w.ended.pk}/proposals/x,y/accept/",
        lambda w: {},
        status=404,
    ),
    Bad(
        "drop a proposal whose id is not a number",
        lambda w: f"/api/v1/drills/{w.ended.pk}/proposals/null/drop/",
        None,
        status=404,
    ),
]

TRENDS = [
    Bad("unknown metric", trends("metric=speed"), None, fields=("metric",), method="get"),
    Bad("date as text", trends("from=yesterday"), None, fields=("from",), method="get"),
    Bad("range backwards", trends("from=2026-03-02&to=2026-03-01"), None, fields=("to",), method="get"),
    Bad("time scale zero", trends("time_scale=0"), None, fields=("time_scale",), method="get"),
    Bad("time scale as text", trends("time_scale=fast"), None, fields=("time_scale",), method="get"),
    Bad(
        "hand-off with one department",
        trends("metric=handoff_p50&from_department={w.cs.pk}"),
        None,
        fields=("to_department",),
        method="get",
    ),
    Bad(
        "hand-off of one department to itself",
        trends("metric=handoff_p50&from_department={w.cs.pk}&to_department={w.cs.pk}"),
        None,
        fields=("to_department",),
        method="get",
    ),
    Bad(
        "hand-off from another org's department",
        trends("metric=handoff_p50&from_department={w.other_dept.pk}&to_department={w.cs.pk}"),
        None,
        fields=("from_department",),
        method="get",
    ),
    Bad(
        "another organisation",
        trends("organisation={w.other_org.pk}"),
        None,
        fields=("organisation",),
        method="get",
    ),
]


@pytest.mark.parametrize("case", PROPOSALS + TRENDS, ids=lambda c: c.label)
def test_bad_improvement_loop_input_is_refused_and_changes_nothing(
    bad_world: World, case: Bad, django_db_blocker: Any
) -> None:
    check(bad_world, case, django_db_blocker)
