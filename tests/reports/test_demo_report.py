"""The demo drill played to its end gives a report with a hand-off figure from customer service to
risk management: the seed's finding, as a number.

The hour of scenario runs in three real seconds (time scale 1200) through the real engine: the
dispatcher delivers and escalates on the database's clock, customer service acknowledges the
first call at once but reports it to risk management only 0.2 s later (4 scenario minutes),
everyone else resolves what reaches them."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.test import APIClient

from drillops.departments.models import Department
from drillops.timelines import services
from drillops.timelines.engine import dispatcher
from drillops.timelines.models import LIVE_STATUSES, Drill, DrillState, Inject, InjectCause, InjectStatus

pytestmark = pytest.mark.django_db

SCALE = 1200.0
DELAY = 0.2  # real seconds between customer service's acknowledgement and its report to risk


def _play(drill: Drill, users: dict[str, Any]) -> None:
    """Run the engine until nothing is left to deliver, answering as the departments would."""
    first_call = None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        dispatcher.run_once()
        if first_call is None:
            first_call = Inject.objects.filter(drill=drill, department__code="cs", event__sequence=1).first()
            if first_call is not None and first_call.delivered_at is not None:
                services.inject_acknowledge(inject=first_call, by=users["cs"])
                time.sleep(DELAY)
                services.inject_forward(inject=first_call, by=users["cs"], department=users["risk_dept"])
        open_injects = Inject.objects.filter(drill=drill, status__in=[InjectStatus.DELIVERED, InjectStatus.ACKNOWLEDGED,
                                                                       InjectStatus.IN_PROGRESS])  # fmt: skip
        for inject in open_injects.select_related("department"):
            services.inject_resolve(inject=inject, by=users[inject.department.code], text="Done")
        drill.refresh_from_db()
        if drill.is_over or not Inject.objects.filter(drill=drill, status__in=LIVE_STATUSES).exists():
            return
        time.sleep(0.02)
    raise AssertionError("the demo drill did not play to its end in 20 s")


def test_the_demo_drill_played_to_its_end_gives_the_customer_service_to_risk_handoff():
    call_command("seed_demo", "--password", "demo-pass-1", stdout=io.StringIO())
    seeded = Drill.objects.get()
    users: dict[str, Any] = {u.username: u for u in get_user_model().objects.all()}
    users["risk_dept"] = Department.objects.get(organisation=seeded.organisation, code="risk")
    drill = services.drill_create(
        scenario=seeded.scenario_version.scenario, name="Played", by=users["coordinator"], time_scale=SCALE
    )
    services.drill_start(drill=drill, by=users["coordinator"])
    _play(drill, users)
    drill.refresh_from_db()
    if not drill.is_over:
        services.drill_finish(drill=drill, by=users["coordinator"])
    assert Inject.objects.filter(drill=drill, cause=InjectCause.FORWARD).count() == 1

    client = APIClient()
    client.force_login(users["coordinator"])
    answer = client.get(f"/api/v1/drills/{drill.pk}/report/")
    assert answer.status_code == 200
    report = answer.json()
    assert report["drill"]["state"] == DrillState.FINISHED and report["drill"]["verifying"] is True
    pairs = {(p["from"]["code"], p["to"]["code"]): p for p in report["handoffs"]["pairs"]}
    handoff = pairs[("cs", "risk")]
    # Other cs events may have escalated to risk on a slow machine: the first call's hand-off is the forward.
    forward = Inject.objects.get(drill=drill, cause=InjectCause.FORWARD)
    [first] = [i for i in report["handoffs"]["items"] if i["to_inject"] == forward.pk]
    assert first["from_inject"] == forward.source_id and DELAY <= first["latency"]["real"] < DELAY + 2
    assert first["latency"]["scenario"] == pytest.approx(first["latency"]["real"] * SCALE, abs=1)
    assert handoff["count"] >= 1 and handoff["p50"]["real"] > 0
    # The critical task "customer service reports to risk management" reads the same figure.
    [task] = [t for t in report["critical_tasks"] if t["target"] and t["target"]["metric"] == "handoff_p50"
              and t["target"]["to"] == users["risk_dept"].pk]  # fmt: skip
    assert task["result"]["figure"] == handoff["p50"]["real"] and task["result"]["comparable"] is True
    assert report["response"]["drill"]["acknowledge"]["count"] > 0
    assert report["response"]["drill"]["injects"] >= 20
