"""The migration to measurable escalations keeps what drills already recorded: ladder positions
count from 1, every escalation lists its source, and its level is the step that made it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("timelines", "0002_inject_fewer_indexes")]
AFTER = [("timelines", "0003_escalation_sources")]


def _legacy_drill(apps: Any) -> dict[str, Any]:
    """A drill as the old code left it: steps 0 and 1 of one copy both fired, each making a level-1
    escalation for a different department, and their timeline entries naming step and injects."""
    get = apps.get_model
    org = get("departments", "Organisation").objects.create(name="Old", slug="old")
    cs, risk, boss = (
        get("departments", "Department").objects.create(organisation=org, code=code, name=code)
        for code in ("cs", "risk", "exec")
    )
    scenario = get("scenarios", "Scenario").objects.create(organisation=org, title="S")
    version = get("scenarios", "ScenarioVersion").objects.create(scenario=scenario, number=1, status="approved")
    event = get("scenarios", "ScenarioEvent").objects.create(version=version, sequence=1, offset_seconds=0, title="E")
    drill = get("timelines", "Drill").objects.create(organisation=org, scenario_version=version, name="D")
    now = timezone.now()
    inject = get("timelines", "Inject")
    copy = inject.objects.create(
        drill=drill, event=event, department=cs, cause="scheduled", title="E", status="delivered",
        due_at=now, delivered_at=now, deadline_at=now,
    )  # fmt: skip
    made = {}
    for position, department in ((0, risk), (1, boss)):
        at = now + timedelta(seconds=10 * (position + 1))
        escalation = inject.objects.create(
            drill=drill, event=event, department=department, cause="escalation", source=copy, title="E",
            status="delivered", escalation_level=1, due_at=at, delivered_at=at,
        )  # fmt: skip
        get("timelines", "EscalationStep").objects.create(
            inject=copy, position=position, after_seconds=0, target_department=department, fire_at=at, fired_at=at,
            result=escalation,
        )  # fmt: skip
        get("timelines", "TimelineEntry").objects.create(
            drill=drill, at=at, kind="escalation", inject=copy, data={"step": position, "injects": [escalation.pk]}
        )
        made[position] = escalation
    return {"copy": copy, "made": made}


def test_existing_steps_sources_and_levels_are_carried_over():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    legacy = _legacy_drill(executor.loader.project_state(BEFORE).apps)
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    try:
        steps = apps.get_model("timelines", "EscalationStep").objects.filter(inject_id=legacy["copy"].pk)
        assert sorted(steps.values_list("position", flat=True)) == [1, 2]
        inject = apps.get_model("timelines", "Inject")
        for position, escalation in legacy["made"].items():
            assert inject.objects.get(pk=escalation.pk).escalation_level == position + 1
        links = apps.get_model("timelines", "InjectSource").objects.order_by("inject_id")
        assert [(link.inject_id, link.source_id, link.joined_at) for link in links] == [
            (e.pk, legacy["copy"].pk, e.delivered_at) for e in legacy["made"].values()
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
