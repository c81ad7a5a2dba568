"""POST /api/v1/scenarios/import/: headers in two languages, mappings, clock times, department cells,
ladders, conditions and objectives; a refusal names every bad row and creates nothing."""

from __future__ import annotations

from typing import Any

import pytest

from drillops.core.models import AuditEntry
from drillops.departments.models import Department
from drillops.scenarios.models import Scenario, ScenarioEvent

from ..api.world import World
from .msel_helpers import EN_HEADERS, csv_bytes, error_cells, upload, xlsx

ZH_HEADERS = ["序号", "时间", "事件描述", "渠道", "发送方", "目标部门", "需决策", "响应时限", "升级", "条件"]


def _counts() -> tuple[int, int, int, int]:
    return (
        Scenario.objects.count(),
        ScenarioEvent.objects.count(),
        Department.objects.count(),
        AuditEntry.objects.count(),
    )


def test_chinese_headers_clock_times_and_one_header_feeding_two_fields(world: World, client_as: Any) -> None:
    rows = [
        ZH_HEADERS,
        [1, "09:00", "第一通投诉电话\n张先生要求退款。", "电话", "投保人张先生", "客户服务部", "否", "00:05:00",
         "300;risk;已确认;客户服务部未确认首个投诉。", None],
        [2, "09:02:30", "第二通投诉电话\n李女士威胁向媒体投诉。", "call", "投保人李女士", "cs；risk", "是", 600, None,
         "after_resolved:1:60"],
        [3, "08:59", "跨午夜的一行", "system", "", "全部", "否", None, None, None],
    ]  # fmt: skip
    mapping = {"title": "事件描述", "body": "事件描述"}  # one header feeds both fields
    response = upload(client_as("coordinator"), xlsx(rows), "客户投诉演练.xlsx", mapping=mapping, start_time="09:00")
    assert response.status_code == 201, response.json()
    scenario = Scenario.objects.get(pk=response.json()["id"])
    assert scenario.title == "客户投诉演练"
    assert response.json()["current_version"]["status"] == "draft"
    first, second, late = scenario.versions.get().events.order_by("sequence")
    assert (first.offset_seconds, second.offset_seconds, late.offset_seconds) == (0, 150, 24 * 3600 - 60)
    assert first.title == "第一通投诉电话" and first.body == "第一通投诉电话\n张先生要求退款。"
    assert first.channel == "call" and first.sender == "投保人张先生" and not first.is_decision
    assert first.response_deadline_seconds == 300
    assert first.escalations == [
        {
            "after_seconds": 300,
            "department": world.risk.pk,
            "message": "客户服务部未确认首个投诉。",
            "unless": "acknowledged",
        }
    ]
    assert {d.code for d in first.departments.all()} == {"cs"}
    assert {d.code for d in second.departments.all()} == {"cs", "risk"} and second.is_decision
    assert second.response_deadline_seconds == 600
    assert (second.condition_kind, second.condition_event, second.condition_delay_seconds) == (
        "after_resolved",
        first,
        60,
    )
    assert {d.code for d in late.departments.all()} == {"cs", "risk"}


def test_without_start_time_hh_mm_values_are_offsets(world: World, client_as: Any) -> None:
    rows = [EN_HEADERS, [1, "01:30", "T", "B", "call", "", "cs"], [2, "00:00:45", "T2", "B", "call", "", "cs"]]
    response = upload(client_as("coordinator"), xlsx(rows))
    assert response.status_code == 201
    offsets = ScenarioEvent.objects.filter(version__scenario_id=response.json()["id"]).order_by("sequence")
    assert [e.offset_seconds for e in offsets] == [5400, 45]


def test_three_bad_rows_are_refused_whole_and_named(world: World, client_as: Any) -> None:
    rows = [
        [*EN_HEADERS, "escalations", "condition"],
        [1, "00:00:00", "Good", "B", "call", "", "cs", None, None],
        [2, "soon", "Bad offset", "B", "call", "", "cs", None, None],
        [3, "00:01:00", "Good too", "B", "call", "", "cs", None, None],
        [4, "00:02:00", "Bad department", "B", "call", "", "pr", None, None],
        [5, "00:03:00", "Bad ladder", "B", "call", "", "cs", "300;risk;whenever;x", None],
    ]
    before = _counts()
    response = upload(client_as("coordinator"), xlsx(rows))
    assert response.status_code == 400
    assert error_cells(response) == {(3, "offset"), (5, "departments"), (6, "escalations")}
    assert all(e["message"] for e in response.json()["errors"])
    assert _counts() == before


def test_errors_across_rows_and_cells_are_all_listed(world: World, client_as: Any) -> None:
    rows = [
        [*EN_HEADERS, "objective", "condition", "is_decision"],
        [1, "00:00:00", "", "", "pigeon", "", "cs", None, "after_resolved:9:0", "maybe"],
        [1, "00:00:00", "x" * 201, "B", "call", "", "", None, "if_not_acknowledged:2:0", None],
    ]
    response = upload(client_as("coordinator"), xlsx(rows, {"Objectives": [["sequence", "title"], [1, "O"]]}))
    assert response.status_code == 400
    assert error_cells(response) == {
        (2, "body"), (2, "channel"), (2, "condition"), (2, "is_decision"),
        (3, "title"), (3, "departments"), (3, "sequence"), (3, "condition"),
    }  # fmt: skip


def test_dry_run_previews_and_creates_nothing(world: World, client_as: Any) -> None:
    rows = [EN_HEADERS, [1, "00:00:00", "Call", "Body", "call", "Mr Zhang", "cs"]]
    before = _counts()
    response = upload(client_as("coordinator"), xlsx(rows), dry_run="true", create_missing_departments="true")
    assert response.status_code == 200
    preview = response.json()
    assert preview["events"][0]["title"] == "Call" and preview["events"][0]["departments"] == ["cs"]
    assert preview["columns"]["departments"] == "departments" and preview["headers"][:2] == ["sequence", "offset"]
    assert _counts() == before


def test_create_missing_departments_makes_them_once(world: World, client_as: Any) -> None:
    rows = [
        [*EN_HEADERS, "escalations"],
        [1, "00:00:00", "A", "B", "call", "", "品牌公关部\nCrisis Team", "60;crisis-team;resolved;Hurry"],
        [2, "00:01:00", "C", "D", "call", "", "品牌公关部", "60;coordinator;acknowledged;"],
    ]
    client = client_as("coordinator")
    assert upload(client, xlsx(rows)).status_code == 400
    response = upload(client, xlsx(rows), create_missing_departments="true")
    assert response.status_code == 201, response.json()
    made = {d["name"]: d["code"] for d in response.json()["departments_created"]}
    assert set(made) == {"品牌公关部", "Crisis Team"}
    pr = Department.objects.get(organisation=world.org, code=made["品牌公关部"])
    assert pr.name_zh == "品牌公关部"
    first, second = ScenarioEvent.objects.filter(version__scenario_id=response.json()["id"]).order_by("sequence")
    assert {d.name for d in first.departments.all()} == {"品牌公关部", "Crisis Team"}
    assert first.escalations[0]["department"] == Department.objects.get(code="crisis-team", organisation=world.org).pk
    assert second.escalations[0] == {
        "after_seconds": 60,
        "role": "coordinator",
        "message": "",
        "unless": "acknowledged",
    }


@pytest.mark.parametrize(
    ("word", "extra"), [("all", {}), ("全部", {}), ("ALL", {}), ("各部门", {"all_departments_value": "各部门"})]
)
def test_all_words_mean_every_department(world: World, client_as: Any, word: str, extra: dict[str, str]) -> None:
    rows = [EN_HEADERS, [1, "00:00:00", "Everyone", "B", "system", "", word]]
    response = upload(client_as("coordinator"), xlsx(rows), **extra)
    assert response.status_code == 201, response.json()
    event = ScenarioEvent.objects.get(version__scenario_id=response.json()["id"])
    assert {d.code for d in event.departments.all()} == {"cs", "risk"}


def test_a_custom_all_word_replaces_the_default_ones(world: World, client_as: Any) -> None:
    rows = [EN_HEADERS, [1, "00:00:00", "Everyone", "B", "system", "", "all"]]
    response = upload(client_as("coordinator"), xlsx(rows), all_departments_value="各部门")
    assert response.status_code == 400 and error_cells(response) == {(2, "departments")}


def test_a_row_without_title_takes_its_body_first_line_cut_to_length(world: World, client_as: Any) -> None:
    body = "L" * 250 + "\nsecond line"
    rows = [EN_HEADERS, [1, "00:00:00", None, body, "call", "", "cs"]]
    response = upload(client_as("coordinator"), xlsx(rows))
    assert response.status_code == 201
    event = ScenarioEvent.objects.get(version__scenario_id=response.json()["id"])
    assert event.title == "L" * 200 and event.body == body


def test_objectives_sheet_defines_objectives_and_unknown_numbers_are_refused(world: World, client_as: Any) -> None:
    objectives: list[list[Any]] = [
        ["序号", "能力", "标题", "指标", "关键任务"],
        [7, "沟通", "上报风险", "10分钟内", "上报\n通知高层"],
    ]
    rows: list[list[Any]] = [[*EN_HEADERS, "objective"], [1, "00:00:00", "A", "B", "call", "", "cs", 7]]
    response = upload(client_as("coordinator"), xlsx(rows, {"目标": objectives}))
    assert response.status_code == 201, response.json()
    event = ScenarioEvent.objects.select_related("objective").get(version__scenario_id=response.json()["id"])
    assert (event.objective.sequence, event.objective.title, event.objective.target) == (7, "上报风险", "10分钟内")
    assert [t.title for t in event.objective.critical_tasks.order_by("sequence")] == ["上报", "通知高层"]
    rows[1][7] = 8
    refused = upload(client_as("coordinator"), xlsx(rows, {"目标": objectives}))
    assert refused.status_code == 400 and error_cells(refused) == {(2, "objective")}


def test_without_objectives_sheet_objective_numbers_become_placeholders(world: World, client_as: Any) -> None:
    rows = [[*EN_HEADERS, "objective"], [1, "0", "A", "B", "call", "", "cs", 2], [2, "5", "C", "D", "sms", "", "cs", 2]]
    response = upload(client_as("coordinator"), csv_bytes(rows), "msel.csv")
    assert response.status_code == 201, response.json()
    events = ScenarioEvent.objects.filter(version__scenario_id=response.json()["id"]).select_related("objective")
    assert {(e.objective.sequence, e.objective.title) for e in events} == {(2, "Objective 2")}


def test_csv_with_bom_and_gb18030_csv_are_read(world: World, client_as: Any) -> None:
    rows = [ZH_HEADERS[:6], [1, "0", "投诉电话", "电话", "张先生", "客户服务部"]]
    for data in (b"\xef\xbb\xbf" + csv_bytes(rows), csv_bytes(rows, "gb18030")):
        response = upload(client_as("coordinator"), data, "msel.csv", mapping={"title": "事件描述", "body": "事件描述"})
        assert response.status_code == 201, response.json()
        event = ScenarioEvent.objects.get(version__scenario_id=response.json()["id"])
        assert (event.title, event.sender) == ("投诉电话", "张先生")


def test_mapping_to_a_header_the_sheet_lacks_is_refused(world: World, client_as: Any) -> None:
    rows = [EN_HEADERS, [1, "0", "A", "B", "call", "", "cs"]]
    response = upload(client_as("coordinator"), xlsx(rows), mapping={"sender": "发件人"})
    assert response.status_code == 400 and error_cells(response) == {(1, "发件人")}
    response = upload(client_as("coordinator"), xlsx(rows), mapping='{"sender": ')
    assert response.status_code == 400 and error_cells(response) == {(None, None)}


def test_a_condition_cycle_and_a_duplicate_sequence_are_named(world: World, client_as: Any) -> None:
    rows = [
        [*EN_HEADERS, "condition"],
        [1, "0", "A", "B", "call", "", "cs", "after_resolved:2:0"],
        [2, "0", "B", "B", "call", "", "cs", "if_not_acknowledged:1:30"],
        [2, "0", "C", "B", "call", "", "cs", None],
    ]
    response = upload(client_as("coordinator"), xlsx(rows))
    assert error_cells(response) == {(2, "condition"), (3, "condition"), (4, "sequence")}


def test_import_is_for_coordinators_of_an_organisation(world: World, client_as: Any) -> None:
    rows = [EN_HEADERS, [1, "0", "A", "B", "call", "", "cs"]]
    assert upload(client_as("staff_target"), xlsx(rows)).status_code == 403
    assert upload(client_as("anonymous"), xlsx(rows)).status_code == 401
    other = upload(client_as("other_coordinator"), xlsx(rows))
    assert other.status_code == 201  # their own organisation's "cs"
    assert Scenario.objects.get(pk=other.json()["id"]).organisation == world.other_org
