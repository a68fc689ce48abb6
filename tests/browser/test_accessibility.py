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
    "repeats": "/repeats",
    "assess": "/assess",
}
TIMEOUT = 60_000  # a bound on waiting, not a speed test: CI machines are shared
#: axe rules about the WCAG 2.0/2.1/2.2 A and AA success criteria.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _ready(page) -> None:
    expect(page.locator("#hdr-data")).to_be_visible(timeout=TIMEOUT)
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=TIMEOUT)
    page.wait_for_timeout(300)


def _axe(page) -> list[dict]:
    # The app's Content-Security-Policy refuses inline script tags (rightly); it allows eval, which
    # Dash needs, so axe is evaluated in the page rather than injected as a <script>.
    page.evaluate("src => { (0, eval)(src); return typeof axe; }", AXE.read_text(encoding="utf-8"))
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
    summary = [{"rule": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:5]]} for v in bad]
    assert bad == [], json.dumps(summary, indent=1)


#: What a keyboard user must be able to reach: every visible control, button, link, table and the map.
REACHABLE = (
    "a[href], button, input:not([type=hidden]), select, textarea, table, [role=grid], [role=slider], "
    ".leaflet-container, .js-plotly-plot"
)
#: Reached through another stop: a Leaflet marker or an AG Grid's inner parts belong to the map or grid.
NOT_OWN_STOP = ".leaflet-marker-icon, .ag-root-wrapper *, .dash-dropdown-wrapper input, .modebar *"
MAX_TABS = 700

_DESCRIBE = """const describe = (e) => (e.id || "") + "|" + e.tagName.toLowerCase() + "|"
    + (e.innerText || e.getAttribute("aria-label") || "").slice(0, 30);"""

_MARK_TARGETS = (
    """([sel, skip]) => { """
    + _DESCRIBE
    + """
    const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
    const out = [];
    document.querySelectorAll(sel).forEach((e) => {
        if (!visible(e) || e.disabled || e.closest(skip) || e.closest("[inert]")) return;
        if (e.tagName === "INPUT" && e.type === "radio" && !e.checked && e.name &&
            document.querySelector(`input[type=radio][name="${e.name}"]:checked`)) return;  // one stop per group
        e.setAttribute("data-kb", String(out.length));
        out.push(describe(e));
    });
    return out;
}"""
)

_FOCUS_STATE = (
    """() => { """
    + _DESCRIBE
    + """
    const e = document.activeElement;
    if (!e || e === document.body) return null;
    const owner = e.closest("[data-kb]") || e.querySelector("[data-kb]");
    const marks = [...e.querySelectorAll("[data-kb]")].map((x) => x.getAttribute("data-kb"));
    if (e.closest("[data-kb]")) marks.push(e.closest("[data-kb]").getAttribute("data-kb"));
    const cs = getComputedStyle(e);
    // rgb(r, g, b[, a]) or CSS Color 4's color(srgb r g b [/ a]) (0-1 channels, as AG Grid's theme gives)
    const rgb = (c) => {
        const n = (c.match(/[\\d.]+/g) || []).map(Number);
        return c.startsWith("color(") ? n.map((v, i) => (i < 3 ? v * 255 : v)) : n;
    };
    const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    const lum = ([r, g, b]) => [r, g, b].map(lin)
        .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
    let bg = null;
    for (let p = e.parentElement; p; p = p.parentElement) {
        const c = rgb(getComputedStyle(p).backgroundColor);
        if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) { bg = c; break; }
    }
    bg = bg || [255, 255, 255];
    const oc = rgb(cs.outlineColor);
    const [l1, l2] = [lum(oc), lum(bg)].sort((a, b) => b - a);
    return {
        id: describe(e),
        marks: marks,
        visible: e.matches(":focus-visible") || !!e.closest(".ag-root-wrapper"),  // the grid moves focus itself
        outline: cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) >= 2,
        contrast: (l1 + 0.05) / (l2 + 0.05),
    };
}"""
)


def _tab_walk(page) -> tuple[set[str], list[dict]]:
    """Tab from the top until focus comes back round (or ``MAX_TABS``); the marks reached and every stop."""
    reached: set[str] = set()
    stops: list[dict] = []
    first = None
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focus = page.evaluate(_FOCUS_STATE)
        if focus is None:
            continue
        if first is None:
            first = focus["id"]
        elif focus["id"] == first:
            break
        reached.update(focus["marks"])
        stops.append(focus)
    return reached, stops


_CLEAR_MARKS = "() => document.querySelectorAll('[data-kb]').forEach((e) => e.removeAttribute('data-kb'))"
_GONE = "(ids) => ids.filter((i) => !document.querySelector(`[data-kb='${i}']`))"


def _walk_marked_targets(page, attempts: int = 3) -> tuple[list[str], list[str], list[dict]]:
    """Mark every target, Tab through the page; the targets, those never reached, and every stop.

    A late re-render (a map layer arriving on a loaded machine) can replace a marked control with an
    unmarked twin mid-walk; the twin is reachable, so the walk is repeated while a missed mark has left
    the page. A control that stays in the page and is never reached is a real failure.
    """
    for _ in range(attempts):
        page.evaluate(_CLEAR_MARKS)
        targets = page.evaluate(_MARK_TARGETS, [REACHABLE, NOT_OWN_STOP])
        page.locator("body").focus()
        reached, stops = _tab_walk(page)
        missed_ids = [str(i) for i in range(len(targets)) if str(i) not in reached]
        if not page.evaluate(_GONE, missed_ids):
            break
        page.wait_for_timeout(500)
    return targets, [targets[int(i)] for i in missed_ids], stops


@pytest.mark.parametrize("name", list(PAGES))
def test_keyboard_reaches_past_the_filters(page, live_server, console_errors, name):
    """One Tab walk from the top reaches every control, button, link, table and the map, with visible focus."""
    page.goto(live_server + PAGES[name])
    _ready(page)
    targets, missed, stops = _walk_marked_targets(page)
    assert targets, f"nothing to reach on {name}"
    assert missed == [], (
        f"Tab never reached on {name}: {missed}; {len(stops)} stops, last {[s['id'] for s in stops[-8:]]}"
    )
    main_ids = set(page.eval_on_selector_all("#main *", "els => els.map(e => e.id).filter(Boolean)"))
    assert any(s["id"].split("|")[0] in main_ids for s in stops), f"Tab never reached the page content on {name}"
    unseen = [s["id"] for s in stops if not (s["visible"] and s["outline"] and s["contrast"] >= 3)]
    bad = [s for s in stops if not (s["visible"] and s["outline"] and s["contrast"] >= 3)]
    assert unseen == [], f"focus not visible (a 2px+ outline at 3:1 against its background) on {name}: {bad[:3]}"
    assert console_errors == []
