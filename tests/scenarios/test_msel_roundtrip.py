"""GET /api/v1/scenarios/{id}/export/ gives back the same cells: export -> import -> export is the same,
cell for cell (XLSX) and byte for byte (CSV), for the demo drill's scenario too."""

from __future__ import annotations

import io
import os
import re
from typing import Any
from urllib.parse import unquote

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from drillops.scenarios import services
from drillops.scenarios.models import Objective, Scenario, ScenarioEvent
from drillops.scenarios.msel.cells import STEP_DEADLINE

from ..api.world import World
from .msel_helpers import csv_values, sheet_values, upload


def file_name(response: Any) -> str:
    disposition = response["Content-Disposition"]
    if "filename*=utf-8''" in disposition:
        return unquote(disposition.split("filename*=utf-8''")[1])
    return disposition.split('filename="')[1].rstrip('"')


def _export(client: Any, scenario_id: int, fmt: str, lang: str = "en") -> Any:
    response = client.get(f"/api/v1/scenarios/{scenario_id}/export/?format={fmt}&lang={lang}")
    assert response.status_code == 200, response.content[:300]
    return response


def _round_trip(client: Any, scenario_id: int, fmt: str, lang: str) -> tuple[bytes, bytes]:
    first = _export(client, scenario_id, fmt, lang)
    imported = upload(client, first.content, file_name(first))
    assert imported.status_code == 201, imported.json()
    second = _export(client, imported.json()["id"], fmt, lang)
    return first.content, second.content


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_xlsx_round_trip_gives_the_same_cells(world: World, client_as: Any, lang: str) -> None:
    first, second = _round_trip(client_as("coordinator"), world.scenario.pk, "xlsx", lang)
    assert sheet_values(first) == sheet_values(second)
    events = sheet_values(first)["MSEL"]
    assert events[1][6] == "cs" and events[1][10].startswith("60;risk;acknowledged;No answer")


def test_csv_round_trip_gives_the_same_bytes(world: World, client_as: Any) -> None:
    first, second = _round_trip(client_as("coordinator"), world.scenario.pk, "csv", "en")
    assert first == second and first.startswith(b"\xef\xbb\xbf")
    assert csv_values(first)[0][:3] == ["sequence", "offset", "title"]


@pytest.mark.parametrize(("fmt", "lang"), [("xlsx", "zh-hans"), ("csv", "zh-hans"), ("xlsx", "en"), ("csv", "en")])
def test_demo_scenario_round_trips(db: Any, fmt: str, lang: str) -> None:
    call_command("seed_demo", "--password", "x", "--language", lang, stdout=open(os.devnull, "w"))  # noqa: SIM115
    client = Client()
    client.force_login(get_user_model().objects.get(username="coordinator"))
    scenario = Scenario.objects.get(organisation__slug="demo-insurer")
    first, second = _round_trip(client, scenario.pk, fmt, lang)
    if fmt == "csv":
        assert first == second
        rows = csv_values(first)
    else:
        assert sheet_values(first) == sheet_values(second)
        rows = [[str(c) if c is not None else "" for c in row] + [""] * 13 for row in sheet_values(first)["MSEL"]]
    assert len(rows) == 1 + ScenarioEvent.objects.filter(version__scenario=scenario).count()
    assert all("all" not in row[6].split("\n") for row in rows[1:])  # codes, never "all"
    assert any(row[12].startswith("if_not_acknowledged:") for row in rows[1:])
    imported = Scenario.objects.exclude(pk=scenario.pk).get(organisation=scenario.organisation)
    assert imported.title == re.sub(r'[\\/:*?"<>|\s]+', " ", scenario.title).strip()  # as a file name can hold it


def test_awkward_values_reach_a_fixed_point(world: World, client_as: Any) -> None:
    """Blank titles, CRLF, control characters, a message that ends like the deadline field and
    objectives with one sequence between them: the second export equals the first."""
    coordinator = world.users["coordinator"]
    draft = services.scenario_create(organisation=world.org, by=coordinator, title="Awkward")
    version = draft.versions.get()
    for _ in range(2):
        Objective.objects.create(version=version, sequence=0, capability="C", title="Same number")
    event = ScenarioEvent.objects.create(
        version=version, sequence=3, offset_seconds=100 * 3600, title="", body="  First\r\nsecond\x07 ",
        objective=version.objectives.last(), response_deadline_seconds=0,
        escalations=[{"after_seconds": 5, "role": "coordinator", "message": "Call;deadline=9", "unless": "resolved"}],
    )  # fmt: skip
    event.departments.set([world.cs, world.risk])
    client = client_as("coordinator")
    for fmt in ("xlsx", "csv"):
        first, second = _round_trip(client, draft.pk, fmt, "en")
        assert (sheet_values(first) == sheet_values(second)) if fmt == "xlsx" else first == second
    rows = sheet_values(_export(client, draft.pk, "xlsx").content)
    assert rows["MSEL"][1][:3] == [3, "100:00:00", "First"] and rows["MSEL"][1][6] == "cs\nrisk"
    assert rows["MSEL"][1][10] == "5;coordinator;resolved;Call;deadline=9;deadline="
    assert [r[0] for r in rows["Objectives"][1:]] == [1, 2] and rows["MSEL"][1][11] == 2
    assert STEP_DEADLINE.match(rows["MSEL"][1][10])


def test_export_marks_the_exercise_and_honours_the_format_parameter(world: World, client_as: Any) -> None:
    client = client_as("coordinator")
    xlsx = client.get(f"/api/v1/scenarios/{world.scenario.pk}/export/")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert workbook.sheetnames == ["MSEL", "Objectives", "EXERCISE 演练"]
    assert workbook["EXERCISE 演练"]["A1"].value == "EXERCISE / 演练"
    assert "EXERCISE / 演练" in workbook.properties.title and "EXERCISE / 演练" in workbook.properties.keywords
    csv = client.get(f"/api/v1/scenarios/{world.scenario.pk}/export/?format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert "EXERCISE-%E6%BC%94%E7%BB%83_" in csv["Content-Disposition"]
    assert client.get(f"/api/v1/scenarios/{world.scenario.pk}/export/?format=pdf").status_code == 400
    assert client.get(f"/api/v1/scenarios/{world.scenario.pk}/export/?version=9").status_code == 400
    assert client.get(f"/api/v1/scenarios/{world.other_scenario.pk}/export/").status_code == 404
    assert client_as("staff_target").get(f"/api/v1/scenarios/{world.scenario.pk}/export/").status_code == 403
