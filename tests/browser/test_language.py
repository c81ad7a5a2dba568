"""The language switch: the console in Simplified Chinese, with a CJK font that really renders."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import SHOTS, login, watch_console

pytestmark = [pytest.mark.browser]


def test_language_switch_shows_chinese(live_server, demo, in_browser):
    base = live_server.url

    def scenario(browser: Any) -> dict[str, Any]:
        errors: list[str] = []
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        watch_console(page, errors)
        login(page, base, "coordinator")
        page.goto(f"{base}/drills/{demo['drill_id']}/")
        page.click("button[name=language][value=zh-hans]")
        page.wait_for_selector("html[lang=zh-hans]")
        text = page.inner_text("body")
        path = SHOTS / "browser_console_zh-hans.png"
        page.screenshot(path=str(path), full_page=True)
        # The CJK font renders: the glyphs of 演练 differ from one another and from tofu boxes.
        widths = page.evaluate(
            "() => ['演', '练', '\\u{10FFFF}'].map(c => {"
            "const s = document.createElement('span'); s.textContent = c; s.style.fontSize = '40px';"
            "document.body.appendChild(s); const w = s.getBoundingClientRect().width; s.remove(); return w; })"
        )
        return {"text": text, "errors": errors, "widths": widths, "path": path}

    result = in_browser(scenario)
    assert "协调员控制台" in result["text"]
    assert "客户服务部" in result["text"] or "风险管理部" in result["text"]
    assert result["widths"][0] > 20 and result["widths"][1] > 20
    assert result["path"].stat().st_size > 10_000
    assert result["errors"] == []
