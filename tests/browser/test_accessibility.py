"""WCAG 2.2 AA checks in the browser: axe-core on every page, and keyboard-only reach of every control.

axe-core is vendored (``tests/browser/vendor/axe.min.js``) and injected into the live page.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PAGES = {
    "map": "/",
    "deployment": "/deployment",
    "night-time-economy": "/nte",
    "sectors": "/sectors",
    "data": "/data",
}
TIMEOUT = 20_000
#: axe rules about the WCAG 2.0/2.1/2.2 A and AA success criteria.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _ready(page) -> None:
    expect(page.locator("#hdr-data")).to_be_visible(timeout=TIMEOUT)
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=TIMEOUT)
    page.wait_for_timeout(300)


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_accessibility_violation(page, live_server, console_errors, name):
    page.goto(live_server + PAGES[name])
    _ready(page)
    bad = _axe(page)
    summary = [
        {"rule": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:5]]} for v in bad
    ]
    assert bad == [], json.dumps(summary, indent=1)


def _tab_walk(page, presses: int) -> list[str]:
    """Press Tab ``presses`` times; the focused element after each press, described by id/role/text."""
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        seen.append(
            page.evaluate(
                """() => { const e = document.activeElement; if (!e) return '';
                   return (e.id || '') + '|' + e.tagName.toLowerCase() + '|' + (e.getAttribute('role') || '')
                          + '|' + (e.innerText || e.getAttribute('aria-label') || '').slice(0, 30); }"""
            )
        )
    return seen


@pytest.mark.parametrize("name", list(PAGES))
def test_keyboard_reaches_past_the_filters(page, live_server, console_errors, name):
    """Tab from the top of the page must leave the filter panel and reach the page's own content."""
    page.goto(live_server + PAGES[name])
    _ready(page)
    page.locator("body").focus()
    walk = _tab_walk(page, 120)
    inside_main = page.evaluate(
        """(n) => { let count = 0; const seen = new Set();
           return count; }""",
        0,
    )
    del inside_main
    main_ids = set(page.eval_on_selector_all("#main *", "els => els.map(e => e.id).filter(Boolean)"))
    reached = [w for w in walk if w.split("|")[0] in main_ids]
    assert reached, f"Tab never reached the page content on {name}: {walk[-10:]}"
