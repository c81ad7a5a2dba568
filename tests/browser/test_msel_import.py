"""A coordinator imports a colleague's MSEL spreadsheet in the browser: upload, map a header the page
does not know to two fields, preview (nothing created yet), import, land on the scenario page."""

from __future__ import annotations

import io
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.db import connection

from drillops.scenarios.models import Scenario

from .conftest import SHOTS, login, watch_console

pytestmark = [pytest.mark.browser]

ROWS = [
    ["序号", "时间", "事件描述", "渠道", "发送方", "目标部门", "响应时限", "升级"],
    [1, "09:00", "第一通投诉电话\n张先生要求全额退款。", "电话", "投保人张先生", "客户服务部", "00:05:00",
     "300;risk;acknowledged;客户服务部未确认首个投诉。"],
    [2, "09:12", "风险管理部召集紧急会议", "meeting", "风险管理部负责人", "risk\nexec\ncs", "00:10:00", None],
    [3, "09:20", "舆情预警:负面提及量上升800%", "system", "舆情监测系统", "全部", None, None],
]  # fmt: skip


def _sheet(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    for row in ROWS:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def _count() -> int:
    try:
        return Scenario.objects.count()
    finally:
        connection.close()


def test_coordinator_uploads_maps_previews_and_imports(live_server, demo, in_browser, tmp_path):
    base = live_server.url
    sheet = _sheet(tmp_path / "同事的演练脚本.xlsx")
    before = Scenario.objects.count()

    def scenario(browser: Any) -> dict[str, Any]:
        errors: list[str] = []
        page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        watch_console(page, errors)
        login(page, base, "coordinator")
        page.click("text=Import an MSEL spreadsheet")
        page.set_input_files("#msel-file", str(sheet))
        page.wait_for_selector("#map-title")
        recognised = page.input_value("#map-offset"), page.input_value("#map-departments")
        page.select_option("#map-title", "事件描述")
        page.select_option("#map-body", "事件描述")
        page.fill("#msel-start", "09:00")
        page.screenshot(path=str(SHOTS / "msel_import_mapping_en.png"), full_page=True)
        page.click("button[value=preview]")
        page.wait_for_selector(".import-preview")
        preview = page.inner_text("#msel-result")
        # The ORM may not run in Playwright's thread (it has an event loop): ask from another one.
        with ThreadPoolExecutor(max_workers=1) as pool:
            created_after_preview = pool.submit(_count).result()
        page.screenshot(path=str(SHOTS / "msel_import_preview_en.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(SHOTS / "msel_import_preview_phone_en.png"), full_page=True)
        page.set_viewport_size({"width": 1366, "height": 900})
        page.click("button[value=import]")
        page.wait_for_url(re.compile(r"/scenarios/\d+/$"))
        page.screenshot(path=str(SHOTS / "msel_import_done_en.png"), full_page=True)
        return {"errors": errors, "recognised": recognised, "preview": preview, "created": created_after_preview,
                "scenario": page.inner_text("main")}  # fmt: skip

    result = in_browser(scenario)
    assert result["recognised"] == ("时间", "目标部门")
    assert "3 events would be created" in result["preview"] and "第一通投诉电话" in result["preview"]
    assert "T+00:12:00" in result["preview"]
    assert result["created"] == before
    assert "同事的演练脚本" in result["scenario"] and "Imported 3 events." in result["scenario"]
    assert "风险管理部召集紧急会议" in result["scenario"]
    assert result["errors"] == []
