"""The report's exports read back: XLSX (openpyxl), CSV (csv) and PDF (poppler's pdffonts and
pdftotext) hold what the JSON export holds, every one marked EXERCISE / 演练; the roster gets the
published version, coordinators the live draft; bad input is a 400."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from .report_world import FORMULA_TEXT, ReportWorld, build_report_world

pytestmark = pytest.mark.django_db
MARK = "EXERCISE / 演练"


@pytest.fixture
def rw(org: Any, cs: Any, risk: Any) -> ReportWorld:
    return build_report_world(org, cs, risk)


def _get(rw: ReportWorld, who: str, fmt: str, language: str = "en", **params: Any) -> Any:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(rw.users[who])
    return client.get(f"/api/v1/drills/{rw.drill.pk}/report/export/", {"format": fmt, **params})


def _cells(row: list[Any]) -> list[Any]:
    """A JSON timeline row as the tables write it (no value: empty; flags joined)."""
    return ["" if v is None else v for v in [*row[:-1], ",".join(row[-1])]]


def _row(entry: dict[str, Any]) -> list[Any]:
    keys = ("id", "at", "kind", "department", "inject", "title", "actor", "text", "flags")
    return [entry[k] for k in keys]


def test_the_xlsx_and_the_csv_hold_the_json_exports_timeline_and_tables(rw: ReportWorld) -> None:
    document = json.loads(_get(rw, "coordinator", "json").content)
    assert document["mark"] == MARK and document["version"] is None  # the coordinators' live draft
    api = APIClient()
    api.force_authenticate(rw.users["coordinator"])
    assert document["report"]["metrics"] == api.get(f"/api/v1/drills/{rw.drill.pk}/report/").json()
    timeline = [_cells(_row(e)) for e in document["timeline"]]
    assert len(timeline) == rw.drill.timeline.count() and any(FORMULA_TEXT in row for row in timeline)

    response = _get(rw, "coordinator", "xlsx")
    assert "EXERCISE-%E6%BC%94%E7%BB%83_" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "EXERCISE 演练" and book["EXERCISE 演练"]["A1"].value == MARK
    assert MARK in book.properties.title
    read = [["" if v is None else v for v in row] for row in book["Timeline"].iter_rows(min_row=2, values_only=True)]
    assert read == timeline
    texts = [c for row in book["Timeline"].iter_rows(min_row=2) for c in row if c.value == FORMULA_TEXT]
    assert texts and all(c.data_type == "s" for c in texts)  # text, never a formula a spreadsheet would run
    departments = list(book["Departments"].iter_rows(min_row=2, values_only=True))
    figures = document["report"]["metrics"]["response"]["departments"]
    assert [(r[0], r[1], r[2]) for r in departments] == [
        (d["department"]["code"], d["injects"], (d["acknowledge"]["p50"] or {}).get("real")) for d in figures
    ]
    handoffs = list(book["Hand-offs"].iter_rows(min_row=2, values_only=True))
    pairs = document["report"]["metrics"]["handoffs"]["pairs"]
    assert [tuple(r) for r in handoffs] == [
        (p["from"]["code"], p["to"]["code"], p["count"], p["p50"]["real"], p["max"]["real"]) for p in pairs
    ]
    assert ("cs", "risk", 1, 300.0, 300.0) in [tuple(r) for r in handoffs]
    findings = list(book["Findings"].iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in findings] == [f["title"] for f in document["report"]["findings"]]

    text = _get(rw, "coordinator", "csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-1] == "mark" and all(r[-1] == MARK for r in rows[1:])
    body = [[v.removeprefix("'") if v.startswith("'=") else v for v in r[:-1]] for r in rows[1:]]
    assert body == [[str(v) for v in row] for row in timeline]


def test_the_pdf_sets_the_chinese_title_in_a_cjk_font(rw: ReportWorld, tmp_path: Path) -> None:
    response = _get(rw, "coordinator", "pdf", language="zh-hans")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout  # noqa: S603,S607
    assert "WenQuanYi" in fonts and "CID" in fonts
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603,S607
    assert "演练总结报告：March drill · 三月演练" in text
    assert MARK in text and "首报迟缓" in text and "关键时间线条目" in text


def test_the_roster_exports_the_published_version_without_observer_names(rw: ReportWorld) -> None:
    staff = json.loads(_get(rw, "cs", "json").content)
    observer = json.loads(_get(rw, "observer", "json").content)
    coordinator = json.loads(_get(rw, "coordinator", "json").content)
    assert staff["version"] == observer["version"] == 1
    assert "observer_name" not in json.dumps(staff["report"]["ratings"])
    assert "obs1" in json.dumps(observer["report"]["ratings"])
    # The note written after publishing is in the live draft only.
    assert "Noted later" in json.dumps(coordinator["report"]) and "Noted later" not in json.dumps(staff["report"])
    # A published report shows the whole timeline, also what was not the reader's department's.
    assert len(staff["timeline"]) == len(coordinator["timeline"])
    assert _get(rw, "coordinator", "json", version=1).json()["version"] == 1


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [({"format": "docx"}, 400, "format"), ({"format": ""}, 400, "format"),
     ({"format": "pdf", "version": "x"}, 400, "version"), ({"format": "pdf", "version": "9"}, 404, None)],
)  # fmt: skip
def test_a_bad_export_request_is_refused(rw: ReportWorld, params: dict[str, str], status: int, field: Any) -> None:
    client = APIClient()
    client.force_authenticate(rw.users["coordinator"])
    response = client.get(f"/api/v1/drills/{rw.drill.pk}/report/export/", params)
    assert response.status_code == status
    if field:
        assert field in response.json()


def test_the_page_offers_every_export_and_refuses_an_unknown_format(rw: ReportWorld, client: Any) -> None:
    client.force_login(rw.users["coordinator"])
    page = client.get(f"/drills/{rw.drill.pk}/report/").content.decode()
    for fmt in ("pdf", "xlsx", "csv", "json"):
        assert f"/drills/{rw.drill.pk}/report/export/{fmt}/" in page
    assert client.get(f"/drills/{rw.drill.pk}/report/export/docx/").status_code == 400
    made = client.get(f"/drills/{rw.drill.pk}/report/export/csv/")
    assert made.status_code == 200 and MARK in made.content.decode("utf-8-sig")
