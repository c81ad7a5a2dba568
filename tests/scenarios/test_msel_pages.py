"""The upload page (/scenarios/import/): headers, mapping, preview, import, errors; the template."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from drillops.scenarios.models import Scenario, ScenarioEvent

from ..api.world import World
from .msel_helpers import IMPORT_URL, sheet_values, upload, xlsx

PAGE = "/scenarios/import/"
HTMX = {"HTTP_HX_REQUEST": "true"}
MAPPING = {"mapping_shown": "1", "map_sequence": "序号", "map_offset": "时间", "map_title": "事件",
           "map_body": "事件", "map_channel": "渠道", "map_departments": "目标部门"}  # fmt: skip
ROWS = [
    ["序号", "时间", "事件", "渠道", "目标部门"],
    [1, "09:00", "第一通投诉电话\n张先生要求退款", "电话", "客户服务部"],
    [2, "09:05", "风险研判", "meeting", "cs;risk"],
]


def _client(world: World, role: str = "coordinator") -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def _post(client: Client, step: str, data: bytes, **fields: Any) -> Any:
    body = {"file": SimpleUploadedFile("投诉.xlsx", data), "step": step, **fields}
    return client.post(PAGE, body, **HTMX)


def test_headers_step_shows_the_sheet_headers_with_recognised_ones_chosen(world: World) -> None:
    response = _post(_client(world), "headers", xlsx(ROWS))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<option value="时间" selected>' in page and '<option value="目标部门" selected>' in page
    assert '<option value="事件">事件 · 第一通投诉电话' in page  # not recognised: left for the coordinator


def test_preview_with_a_mapping_creates_nothing_and_import_goes_to_the_scenario(world: World) -> None:
    client = _client(world)
    mapping = {**MAPPING, "start_time": "09:00"}
    before = Scenario.objects.count()
    preview = _post(client, "preview", xlsx(ROWS), **mapping)
    assert preview.status_code == 200 and Scenario.objects.count() == before
    page = preview.content.decode()
    assert "第一通投诉电话" in page and "T+00:05:00" in page and "2 events would be created" in page
    done = _post(client, "import", xlsx(ROWS), title="投诉演练", **mapping)
    scenario = Scenario.objects.get(title="投诉演练")
    assert done.status_code == 204 and done["HX-Redirect"] == f"/scenarios/{scenario.pk}/"
    assert ScenarioEvent.objects.filter(version__scenario=scenario).count() == 2
    follow = client.get(done["HX-Redirect"])
    assert "Imported 2 events." in follow.content.decode()


def test_errors_list_every_bad_row_and_column(world: World) -> None:
    rows = [*ROWS, [3, "later", "坏行", "pigeon", "nowhere"]]
    response = _post(_client(world), "import", xlsx(rows), start_time="09:00", **MAPPING)
    page = response.content.decode()
    assert response.status_code == 200 and "3 problems; nothing was imported." in page
    for column in ("时间", "渠道", "目标部门"):
        assert f'<td class="mono">4</td><td>{column}' in page
    assert not Scenario.objects.filter(title="投诉").exists()


def test_without_htmx_the_whole_page_answers(world: World) -> None:
    client = _client(world)
    page = client.post(PAGE, {"step": "preview"})
    assert page.status_code == 200 and "Choose a file" in page.content.decode() and "<h1>" in page.content.decode()
    body = {"file": SimpleUploadedFile("m.xlsx", xlsx(ROWS)), "step": "import", "start_time": "9:00", **MAPPING}
    done = client.post(PAGE, body)
    assert done.status_code == 302 and done["Location"].startswith("/scenarios/")


def test_template_in_both_languages_imports_as_it_is(world: World) -> None:
    client = _client(world)
    for lang, header, decision in (("en", "sequence", "no"), ("zh-hans", "序号", "否")):
        response = client.get(f"{PAGE}template.xlsx?lang={lang}")
        assert response.status_code == 200
        sheets = sheet_values(response.content)
        events = sheets["MSEL"]
        assert (
            events[0][0] == header and events[1][1] == "00:00:00" and events[1][6] == "cs" and events[1][8] == decision
        )
        assert len(sheets) == 4 and "EXERCISE 演练" in sheets
        assert "EXERCISE / 演练" in openpyxl.load_workbook(io.BytesIO(response.content)).properties.title
        api = Client()
        api.force_login(world.users["coordinator"])
        dry = upload(api, response.content, "template.xlsx", dry_run="true", create_missing_departments="true")
        assert dry.status_code == 200, dry.json()
        assert [d["code"] for d in dry.json()["departments_created"]] == ["exec"]
        assert dry.json()["events"][0]["objective"] == 1 and len(dry.json()["objectives"]) == 1


def test_dashboard_and_scenario_page_link_to_import_and_export(world: World) -> None:
    client = _client(world)
    assert 'href="/scenarios/import/"' in client.get("/").content.decode()
    page = client.get(f"/scenarios/{world.scenario.pk}/").content.decode()
    assert f"/api/v1/scenarios/{world.scenario.pk}/export/?format=csv" in page
    assert client.get(f"/api/v1/scenarios/{world.scenario.pk}/export/?format=csv").status_code == 200
    assert _client(world, "staff_target").get(PAGE).status_code == 404
    assert IMPORT_URL.startswith("/api/v1/")
