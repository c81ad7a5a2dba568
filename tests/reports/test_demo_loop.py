"""The demo drill played to its end proposes the seed's finding: the slowest hand-off is customer
service's report to risk management. Customer service acknowledges the first call at once and
reports it on 1.5 real seconds later (30 scenario minutes at time scale 1200: slower than any
escalation a busy machine lets through); the drill ends through the services, and its end
proposes findings through the signal and Celery."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.test import APIClient

from drillops.celery import app
from drillops.departments.models import Department
from drillops.reports.models import Finding, FindingProposal
from drillops.timelines import services
from drillops.timelines.models import Drill, InjectCause

from . import test_demo_report
from .test_demo_report import SCALE, _play

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_celery() -> Any:
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_the_demo_drill_played_to_its_end_proposes_the_customer_service_to_risk_handoff(
    eager_celery, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(test_demo_report, "DELAY", 1.5)
    call_command("seed_demo", "--password", "demo-pass-1", "--language", "en", stdout=io.StringIO())
    seeded = Drill.objects.get()
    users: dict[str, Any] = {u.username: u for u in get_user_model().objects.all()}
    cs = Department.objects.get(organisation=seeded.organisation, code="cs")
    users["risk_dept"] = risk = Department.objects.get(organisation=seeded.organisation, code="risk")
    drill = services.drill_create(
        scenario=seeded.scenario_version.scenario, name="Played", by=users["coordinator"], time_scale=SCALE
    )
    services.drill_start(drill=drill, by=users["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        _play(drill, users)
        drill.refresh_from_db()
        if not drill.is_over:
            services.drill_finish(drill=drill, by=users["coordinator"])
    assert drill.state == "finished"
    forward = drill.injects.get(cause=InjectCause.FORWARD)

    client = APIClient()
    client.force_login(users["coordinator"])
    answer = client.get(f"/api/v1/drills/{drill.pk}/proposals/", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 200
    proposals = {p["key"]: p for p in answer.json()["results"]}
    report = client.get(f"/api/v1/drills/{drill.pk}/report/").json()["handoffs"]["pairs"]
    assert f"handoff:{cs.pk}-{risk.pk}" in proposals, (
        list(proposals),
        [(p["from"]["code"], p["to"]["code"], p["p50"]) for p in report],
    )
    slowest = proposals[f"handoff:{cs.pk}-{risk.pk}"]
    assert slowest["rule"] == "handoff_slowest" and slowest["kind"] == "improvement"
    assert slowest["title"] == "Slowest hand-off: Customer Service → Risk Management"
    assert 1.5 <= slowest["figure"] < 5
    assert forward.entries.filter(kind="delivered").get().pk in slowest["timeline_entries"]

    accepted = client.post(f"/api/v1/drills/{drill.pk}/proposals/{slowest['id']}/accept/", {}, format="json")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    finding = Finding.objects.get(drill=drill)
    assert finding.title == slowest["title"] and finding.improvement_items.get().owner_department == cs
    assert FindingProposal.objects.filter(drill=drill, key=slowest["key"]).count() == 1
