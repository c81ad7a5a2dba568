"""Checks one open page the way a person on a phone, on a keyboard or with a screen reader, and a
reader of Chinese would meet it; returns the problems found as readable lines (empty: none).

    problems = check_page(page, "zh-hans")

- axe-core (vendored in static/vendor/axe-core/, test-only: evaluated into the page by the test,
  never referenced by a template) with every violation of impact serious or critical;
- keyboard: the first controls Tab reaches each show a focus ring;
- width: nothing scrolls sideways (`scrollWidth <= innerWidth`), naming the widest offenders;
- words (Chinese pages only): visible English text, placeholders, labels and titles that are not
  on ALLOWED_WORDS (proper nouns, the demo's usernames and codes, "EXERCISE"). Text inside an
  element marked `translate="no"` (user-entered names, codes) is the user's and is left alone.

The page should be loaded (and htmx settled) before the call; nothing here navigates.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")

# Words that are the same in both languages: names of the product and of people and things, codes,
# and the exercise marking every page carries in both languages on purpose.
ALLOWED_WORDS = frozenset(
    {
        "DrillOps",
        "EXERCISE",
        "English",  # the language switch names each language in its own words
        "T",  # T+00:05:00, the scenario clock's notation in both languages
        "MSEL",  # the standard's name for the master scenario events list (with its Chinese name)
        "Excel",
        "xlsx",
        "CSV",
        "csv",
        "SMS",
        "URL",
        "ID",
        "Webhook",
        "webhook",
        "XLSX",
        "PDF",  # file formats, and the interface of the same name
        "JSON",
        "API",
        "Krippendorff",  # the agreement statistic is named after him in Chinese too
        "MB",
        "HH",
        "MM",
        "SS",
        "all",  # the MSEL import's keyword for "every department", quoted beside its Chinese one
        # The demo's organisation name, its usernames and department codes (what people type).
        "Huaxia",
        "Mutual",
        "Insurance",
        "admin",
        "coordinator",
        "observer",
        "observer2",
        "cs",
        "risk",
        "pr",
        "it",
        "ops",
        "legal",
        "exec",
        "hr",
        "mgmt",
        "comp",
        "compliance",
        "branch",
        "drillops",
        "test",
        "demo",
    }
)

_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
# Codes rather than words: e-mail addresses, domains, time zone names, version numbers.
_CODES = re.compile(
    r"[\w.+-]+@[\w.-]+"  # e-mail address
    r"|\b[\w-]+\.(?:org|com|net|test|cn)\b"  # domain
    r"|\b[A-Z][a-z]+/[A-Za-z_]+\b"  # time zone: Asia/Shanghai
    r"|\bv\d+\b"  # version: v1
)

_AXE_RUN = """async () => {
  const result = await window.axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160),
                              summary: (n.failureSummary || '').slice(0, 200)}))
  }));
}"""

_WIDEST = """() => {
  const limit = window.innerWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= limit + 1) continue;
    let name = el.tagName.toLowerCase();
    if (el.id) name += '#' + el.id;
    if (el.classList.length) name += '.' + [...el.classList].join('.');
    out.push({name, right: Math.round(r.right), width: Math.round(r.width),
              text: (el.innerText || el.value || '').trim().slice(0, 40)});
  }
  out.sort((a, b) => b.right - a.right);
  return {scroll: document.documentElement.scrollWidth, inner: limit, widest: out.slice(0, 5)};
}"""

_TEXTS = """() => {
  const skip = 'script,style,noscript,template,code,kbd,samp,[translate=no],[aria-hidden=true]';
  const out = [];
  const visible = el => el.checkVisibility ? el.checkVisibility({checkOpacity: false, checkVisibilityCSS: true})
                                           : !!el.offsetParent;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    const text = node.textContent.trim();
    if (!text || !parent || parent.closest(skip) || !visible(parent)) continue;
    out.push({text, where: parent.tagName.toLowerCase()});
  }
  const attrs = ['placeholder', 'aria-label', 'title', 'alt'];
  const labelled = '[placeholder],[aria-label],[title],[alt],input[type=submit],input[type=button]';
  for (const el of document.body.querySelectorAll(labelled)) {
    if (el.closest(skip)) continue;
    for (const a of attrs) {
      const v = el.getAttribute(a);
      if (v && v.trim()) out.push({text: v.trim(), where: el.tagName.toLowerCase() + '@' + a});
    }
    if ((el.type === 'submit' || el.type === 'button') && el.tagName === 'INPUT' && el.value) {
      out.push({text: el.value, where: 'input@value'});
    }
  }
  out.push({text: document.title, where: 'title'});
  return out;
}"""


_FOCUSED = """() => {
  const el = document.activeElement;
  // Not :focus itself: the focus is inside the browser's own controls (a date input's picker button).
  if (!el || el === document.body || !el.matches(':focus')) return null;
  const style = getComputedStyle(el);
  const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
  let name = el.tagName.toLowerCase();
  if (el.id) name += '#' + el.id;
  else if (el.classList.length) name += '.' + [...el.classList].join('.');
  return {name, ring, text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30)};
}"""


def focus_problems(page: Any, presses: int = 16) -> list[str]:
    """Tab through the first controls: each one the keyboard reaches shows a focus ring."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    problems = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        found = page.evaluate(_FOCUSED)
        if found and not found["ring"]:
            problems.append(f"focus: no visible focus ring on {found['name']} ({found['text']!r})")
    return sorted(set(problems))


def axe_problems(page: Any) -> list[str]:
    """Every axe-core violation of impact serious or critical on the page as it stands."""
    if not page.evaluate("() => !!window.axe"):
        # Evaluated rather than added as a <script> tag, so the page's CSP (no inline scripts) stays
        # on and still reports what the page itself does wrong.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    problems = []
    for v in page.evaluate(_AXE_RUN):
        if v["impact"] not in BLOCKING_IMPACTS:
            continue
        nodes = "; ".join(f"{n['target']} {n['html']!r}" for n in v["nodes"][:4])
        more = f" (+{len(v['nodes']) - 4} more)" if len(v["nodes"]) > 4 else ""
        problems.append(f"axe {v['id']} [{v['impact']}] {v['help']}: {nodes}{more}")
    return problems


def width_problems(page: Any) -> list[str]:
    """Sideways scrolling at the page's viewport width, naming the widest elements."""
    found = page.evaluate(_WIDEST)
    if found["scroll"] <= found["inner"]:
        return []
    widest = ", ".join(f"{w['name']} (right {w['right']} px, {w['text']!r})" for w in found["widest"])
    return [f"width: page is {found['scroll']} px wide in a {found['inner']} px viewport; widest: {widest}"]


def english_words(text: str) -> list[str]:
    """The words of `text` written in Latin letters that are not on the allowlist."""
    return [w for w in _WORD.findall(_CODES.sub(" ", text)) if w.strip("'’") not in ALLOWED_WORDS]


def words_problems(page: Any) -> list[str]:
    """Visible English on a Chinese page: each text once, with the element it sits in."""
    problems: list[str] = []
    seen: set[str] = set()
    for item in page.evaluate(_TEXTS):
        text = " ".join(item["text"].split())
        words = english_words(text)
        if words and text not in seen:
            seen.add(text)
            problems.append(f"untranslated in <{item['where']}>: {text[:120]!r} ({', '.join(words[:5])})")
    return problems


def check_page(page: Any, language: str, *, width: bool = True) -> list[str]:
    """axe (serious/critical), a focus ring on the first controls the keyboard reaches, sideways
    scrolling (when `width`), and on Chinese pages English text."""
    problems = axe_problems(page) + focus_problems(page)
    if width:
        problems += width_problems(page)
    if language.startswith("zh"):
        problems += words_problems(page)
    return problems
