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
        # The CJK font renders: 演 and 练 draw different pixels, and neither is the "no glyph" box
        # that a missing font would draw for both (U+10FFFF has no glyph in any font).
        glyphs = page.evaluate(
            """() => ['演', '练', '\\u{10FFFF}'].map(c => {
                const canvas = document.createElement('canvas'); canvas.width = canvas.height = 48;
                const ctx = canvas.getContext('2d'); ctx.font = '40px sans-serif'; ctx.fillText(c, 2, 40);
                const px = ctx.getImageData(0, 0, 48, 48).data; let h = 0;
                for (let i = 3; i < px.length; i += 4) h = (h * 31 + px[i]) % 1000000007;
                return h; })"""
        )
        return {"text": text, "errors": errors, "glyphs": glyphs, "path": path}

    result = in_browser(scenario)
    assert "协调员控制台" in result["text"]
    assert "客户服务部" in result["text"] or "风险管理部" in result["text"]
    yan, lian, missing = result["glyphs"]
    assert yan != lian and missing not in (yan, lian), "no CJK font: install fonts-wqy-microhei"
    assert result["path"].stat().st_size > 10_000
    assert result["errors"] == []
