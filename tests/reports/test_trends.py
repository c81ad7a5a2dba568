"""Trends: an organisation's finished drills, drill over drill; only drills run at one time scale
share a line (others are listed as not comparable); stopped and unfinished drills never enter;
the real incidents of the case library sit beside them."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from drillops.reports import services
from drillops.reports.selectors import TrendQuery, trends
from drillops.timelines.models import DrillState

from .loop_world import build_loop

pytestmark = pytest.mark.django_db


@pytest.fixture
def drills(org, cs, risk):
    loop = build_loop(org, cs, risk)
    made = {
        "first": loop.drill(forward=300, name="First"),
        "second": loop.drill(forward=200, name="Second"),
        "fast": loop.drill(forward=100, time_scale=60, name="Sixty times faster", ends=950),
        "stopped": loop.drill(forward=10, state=DrillState.STOPPED, name="Stopped"),
        "running": loop.drill(forward=20, state=DrillState.RUNNING, name="Running"),
    }
    return loop, made


def _points(result, scale):
    [series] = [s for s in result["series"] if s["time_scale"] == scale]
    return series, [(p["name"], p["value"]) for p in series["points"]]


def test_the_handoff_trend_splits_time_scales_and_leaves_out_stopped_and_running_drills(org, drills):
    loop, _made = drills
    d = loop.departments
    query = TrendQuery(organisation=org, metric="handoff_p50", source=d["cs"].pk, destination=d["risk"].pk)
    result = trends(query)
    assert result["time_scale"] == 1.0  # the latest drill's ("Second"; the faster one ended earlier)
    line, points = _points(result, 1.0)
    assert line["comparable"] and points == [("First", 300.0), ("Second", 200.0)]
    other, faster = _points(result, 60.0)
    assert not other["comparable"] and faster == [("Sixty times faster", 100.0)]
    names = {p["name"] for s in result["series"] for p in s["points"]}
    assert "Stopped" not in names and "Running" not in names

    chosen = trends(TrendQuery(organisation=org, metric="handoff_p50", time_scale=60, source=d["cs"].pk,
                               destination=d["risk"].pk))  # fmt: skip
    assert _points(chosen, 60.0)[0]["comparable"] and not _points(chosen, 1.0)[0]["comparable"]


def test_every_trend_metric_reads_the_drills_figures(org, drills):
    def line(metric):
        return _points(trends(TrendQuery(organisation=org, metric=metric, time_scale=1.0)), 1.0)[1]

    assert line("acknowledge_p50") == [("First", 10.0), ("Second", 10.0)]  # 5 s, 10 s, 10 s, 10 s, 120 s
    assert line("deadline_compliance") == [("First", 0.6667), ("Second", 0.6667)]
    assert line("decision_p50") == [("First", 120.0), ("Second", 120.0)]
    assert line("escalations") == [("First", 1), ("Second", 1)]


def test_without_a_pair_the_handoff_trend_takes_the_pair_measured_most(org, drills):
    loop, _made = drills
    loop.drill(forward=50, name="Nobody escalated", escalate=False)
    result = trends(TrendQuery(organisation=org, metric="handoff_p50", time_scale=1.0))
    # cs -> risk is in four drills, cs -> exec (the escalation) in three.
    assert result["pair"] == {"from": loop.departments["cs"].pk, "to": loop.departments["risk"].pk}
    assert [p["value"] for p in result["series"][0]["points"]] == [300.0, 200.0, 50.0]
    assert {(p["from"], p["to"]) for p in result["pairs"]} == {
        (loop.departments["cs"].pk, loop.departments["exec"].pk),
        (loop.departments["cs"].pk, loop.departments["risk"].pk),
    }


def test_dates_are_days_of_the_organisations_time_zone(org, drills):
    # The drills end about 09:16 UTC on 2 March 2026: 17:16 in Shanghai, the same day.
    day = date(2026, 3, 2)
    assert trends(TrendQuery(organisation=org, metric="escalations", date_from=day, date_to=day))["series"]
    assert not trends(TrendQuery(organisation=org, metric="escalations", date_to=date(2026, 3, 1)))["series"]


def test_real_incidents_sit_beside_the_drills(org, drills, coordinator):
    services.case_create(
        organisation=org, by=coordinator, kind="incident", title="Streamlined flow", occurred_on=date(2025, 6, 1),
        resolution_seconds=7200, resolution_change=-0.3, satisfaction=0.9, satisfaction_kind="share",
        satisfaction_change=0.15,
    )  # fmt: skip
    [case] = trends(TrendQuery(organisation=org, metric="acknowledge_p50"))["cases"]
    assert (case["title"], case["resolution_change"], case["satisfaction_change"]) == ("Streamlined flow", -0.3, 0.15)
    assert trends(TrendQuery(organisation=org, metric="acknowledge_p50", date_from=date(2026, 1, 1)))["cases"] == []


def test_the_trend_api_answers_coordinators_only(org, drills, coordinator, cs_staff):
    loop, _made = drills
    d = loop.departments
    client = APIClient()
    client.force_login(coordinator)
    url = f"/api/v1/trends/?metric=handoff_p50&from_department={d['cs'].pk}&to_department={d['risk'].pk}"
    answer = client.get(url + "&time_scale=1")
    assert answer.status_code == 200
    body = answer.json()
    assert body["unit"] == "seconds" and body["pair"] == {"from": d["cs"].pk, "to": d["risk"].pk}
    assert [p["value"] for p in body["series"][0]["points"]] == [300.0, 200.0]
    staff = APIClient()
    staff.force_login(cs_staff)
    assert staff.get(url).status_code == 403
    assert APIClient().get(url).status_code == 401
