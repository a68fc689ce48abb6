"""Printable deployment briefings: a one-page A4 HTML document of a plan (title, selection, map, table).

Pure functions over a :class:`geo.deploy.PlanResult` and a :class:`geo.config.District`; no Dash,
no internet.  The map comes from :mod:`geo.briefing_map` as inline SVG (with map tiles when the
caller passes a ``backdrop`` that fetched them, :mod:`service.briefing`), so the briefing is one
self-contained HTML file that prints the same anywhere.  The dashboard's
Deployment page and ``/briefing`` route use it, and so does the CLI's ``--briefing``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pandas as pd

from geo.briefing_legend import legend_svg
from geo.briefing_map import detail_bounds, plan_bounds, plan_map_svg
from geo.briefing_map import escape as _esc
from geo.briefing_table import PATROL_COLUMNS, VAN_COLUMNS, plan_summary, table_rows
from geo.rota import deployment_nights, night_label, nights_text, van_rota
from geo.selection import DAY_ABBR

if TYPE_CHECKING:
    from geo.config import District
    from geo.deploy import PlanResult

LONDON = ZoneInfo("Europe/London")

#: ``backdrop(bounds, width, height)`` -> an image URI of map tiles for that BNG box, or None.
Backdrop = Callable[[Sequence[float], int, int], "str | None"]

#: A map wider than this (metres) gets a second, zoomed-in panel around the closest group of sites.
DETAIL_ABOVE_M = 4000.0

# ---- when: nights, hours and the rota -----------------------------------------------------


def _days_from_table(result: PlanResult) -> tuple[int, ...]:
    """Nights of week named by the plan's peak days / best windows (timed data only)."""
    col = "peak_days" if result.kind == "van" else "best_window"
    if result.empty or col not in result.table:
        return ()
    text = " ".join(str(v) for v in result.table[col].fillna(""))
    return tuple(i for i, d in enumerate(DAY_ABBR) if d in text)


def plan_schedule(
    result: PlanResult, *, start: date | None = None, nights: Sequence[date] | None = None
) -> tuple[list[date], tuple[int, int] | None, pd.DataFrame, str]:
    """When to deploy: (nights, hour window, van rota, where the nights came from in words).

    Nights are ``nights`` when given, else the next week's nights from ``start`` (default today)
    on the nights of week the selection asked for, else the plan's peak nights, else every night.
    The hour window is the selection's (None when it set none).  The rota
    (:func:`geo.rota.van_rota`) is empty for patrol plans.
    """
    p = result.params
    hours = tuple(p["hours_window"]) if p.get("hours_window") else None
    if nights is not None:
        chosen, why = list(nights), "the nights given"
    else:
        days = tuple(p.get("nights_of_week") or ())
        why = "the nights of week in the selection"
        if not days:
            days = _days_from_table(result)
            why = "the plan's peak nights" if days else "every night (the selection names no nights)"
        chosen = deployment_nights(days, start or date.today())
    ranks = [] if result.empty or result.kind != "van" else [int(r) for r in result.table["rank"]]
    return chosen, hours, van_rota(ranks, chosen, hours), why


def _when_html(result: PlanResult, start: date, nights: Sequence[date] | None) -> str:
    if result.empty:
        return ""
    chosen, hours, rota, why = plan_schedule(result, start=start, nights=nights)
    text = nights_text(chosen, hours)
    hint = "" if hours else " (choose an hour window in the filters to set the hours)"
    out = (
        f'<p class="meta" id="plan-when"><strong>When:</strong> {_esc(text)}{_esc(hint)} '
        f'<span class="why">– {_esc(why)}, the week from {start:%d/%m/%Y}</span></p>'
    )
    if result.kind != "van" or rota.empty:
        return out
    streets = dict(zip(result.table["rank"].astype(int), result.table["street"].fillna(""), strict=True))
    lines = []
    for night, part in rota.groupby("night", sort=True):
        slots = "; ".join(
            (f"{r.start}–{r.end} " if r.start else "")
            + f"site {int(r.rank)}"
            + (f" ({streets.get(int(r.rank))})" if streets.get(int(r.rank)) else "")
            for r in part.itertuples()
        )
        lines.append(f"<tr><th scope=row>{_esc(night_label(night))}</th><td>{_esc(slots)}</td></tr>")
    one_van = "one van, sites in rank order" + (
        ", the night's hours split between them" if len(rota) > len(chosen) else ""
    )
    return out + (
        f'<table id="plan-rota" class="rota"><caption>Rota ({_esc(one_van)})</caption>'
        f"<tbody>{''.join(lines)}</tbody></table>"
    )


# ---- briefing page ------------------------------------------------------------------------

_CSS = """
@page { size: A4 portrait; margin: 10mm; }
* { box-sizing: border-box; }
body { font-family: Arial, Helvetica, sans-serif; font-size: 10pt; color: #111; margin: 0; background: #eee; }
.sheet { width: 190mm; min-height: 277mm; margin: 8mm auto; padding: 0; background: #fff; }
@media screen { .sheet { padding: 8mm; width: 206mm; box-shadow: 0 0 6px rgba(0,0,0,.25); } }
header h1 { font-size: 15pt; margin: 0 0 1mm; }
header .meta { font-size: 9pt; color: #333; margin: 0 0 1mm; }
.badge { display: inline-block; border: 1px solid #a00; color: #a00; font-size: 8pt; padding: 0 4px;
         border-radius: 3px; margin-left: 4px; vertical-align: middle; }
.maps { display: flex; gap: 3mm; margin: 2mm 0 1mm; }
.maps figure { margin: 0; flex: 1 1 0; border: 1px solid #999; }
.maps figcaption { font-size: 8pt; color: #333; padding: 1px 4px; border-top: 1px solid #ccc; }
.maps svg { display: block; width: 100%; height: auto; }
.legend { font-size: 8pt; margin: 1mm 0 2mm; line-height: 1.6; }
.legend .lg { white-space: nowrap; margin-right: 10px; }
.legend svg { vertical-align: middle; margin-right: 3px; }
table { width: 100%; border-collapse: collapse; font-size: 9pt; }
caption { text-align: left; font-weight: bold; padding-bottom: 1mm; }
th, td { border-bottom: 1px solid #bbb; padding: 2px 4px; text-align: left; vertical-align: top; }
thead th { background: #e8e8e8; border-bottom: 1.5px solid #333; }
td.num, th.num { text-align: right; white-space: nowrap; }
.kind-patrol td:nth-child(5), .kind-van td { white-space: nowrap; }
.kind-van td:nth-child(2) { white-space: normal; }
.kind-patrol td:last-child { white-space: nowrap; }
table.long { font-size: 8pt; }
table.rota { margin: 1mm 0 2mm; font-size: 8.5pt; }
table.rota th { width: 22mm; white-space: nowrap; }
.why { color: #555; font-size: 8pt; }
table.long td, table.long th { padding: 1px 4px; }
.notes { font-size: 8pt; color: #333; margin: 2mm 0 0; padding-left: 4mm; }
.warn { color: #7a3b00; }
footer { font-size: 7.5pt; color: #555; margin-top: 2mm; border-top: 1px solid #ccc; padding-top: 1mm; }
.toolbar { text-align: right; margin-bottom: 2mm; }
.toolbar button { font-size: 10pt; padding: 4px 12px; }
@media print {
  body { background: #fff; }
  .sheet { margin: 0; padding: 0; width: auto; min-height: 0; box-shadow: none; }
  .toolbar { display: none; }
  .maps, table, tr { break-inside: avoid; }
}
"""


def _setting_text(result: PlanResult) -> str:
    """The plan's settings in words (sites asked and found, radius, solver; or cells and visits)."""
    p = result.params
    if result.kind != "van":
        n = int(p.get("n") or 0)
        cells = f"{n} cell{'s' if n != 1 else ''} of {float(p.get('cell_m', 0)):g} m"
        return f"{cells}, {p.get('visit_minutes', 15)}-minute visits"
    found = int(p.get("sites_found", len(result.table)))
    if p.get("k") is None:
        setting = f"{found} site{'s' if found != 1 else ''} (as many as the data support)"
    else:
        k = int(p["k"])
        setting = f"{k} site{'s' if k != 1 else ''}" + (f" asked, {found} found" if found != k else "")
    setting += f", camera radius {float(p.get('radius_m', 0)):g} m"
    return setting + (f", solver {p['solver']}" if p.get("solver") else "")


def _maps_html(result: PlanResult, district: District, backdrop: Backdrop | None, attribution: str) -> str:
    """One map, or an overview and a detail panel when the sites are spread out; then the legend."""
    if result.empty:
        return ""
    kind_title = "CCTV van sites" if result.kind == "van" else "Patrol plan"
    detail = detail_bounds(result)
    overview = plan_bounds(result, district)
    spread = max(overview[2] - overview[0], overview[3] - overview[1])
    # a long table gets smaller maps so the briefing stays on one A4 page
    rows_n = len(result.table) + (4 if result.kind == "van" else 0)  # the rota takes room too
    tall = 640 if rows_n <= 5 else 520 if rows_n <= 8 else 380 if rows_n <= 14 else 300
    tiles: dict[str, Any] = {"backdrop": backdrop, "attribution": attribution}
    if detail is not None and spread > DETAIL_ABOVE_M:
        a = plan_map_svg(
            result,
            district,
            width=470,
            height=tall,
            bounds=overview,
            outline=detail,
            title=f"{kind_title}: overview",
            **tiles,
        )
        b = plan_map_svg(
            result, district, width=470, height=tall, bounds=detail, title=f"{kind_title}: detail", **tiles
        )
        html = (
            f'<div class="maps"><figure>{a}<figcaption>Overview</figcaption></figure>'
            f"<figure>{b}<figcaption>Detail (dashed box on the overview)</figcaption></figure></div>"
        )
    else:
        a = plan_map_svg(result, district, width=960, height=tall + 40, title=kind_title, **tiles)
        html = f'<div class="maps"><figure>{a}</figure></div>'
    return html + legend_svg(result.kind, district)


def _table_html(result: PlanResult) -> str:
    """The plan's table with its summary as caption (or the summary alone when there is no plan)."""
    columns, rows, numeric = table_rows(result)
    if not rows:
        return f'<p id="plan-table"><strong>{_esc(plan_summary(result))}</strong></p>'
    head = "".join(
        f'<th scope="col"{" class=num" if i in numeric else ""}>{_esc(c)}</th>' for i, c in enumerate(columns)
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=num' if i in numeric else ''}>{_esc(v)}</td>" for i, v in enumerate(row))
        + "</tr>"
        for row in rows
    )
    classes = f"kind-{result.kind}" + (" long" if len(rows) > 14 else "")
    return (
        f'<table id="plan-table" class="{classes}"><caption>{_esc(plan_summary(result))}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _footer_text(result: PlanResult, *, synthetic: bool, tiles: bool, when: datetime) -> str:
    """What the map and the figures rest on, and when the briefing was made."""
    method = (
        "Van sites maximise incidents within the camera radius not already covered by fixed CCTV; the "
        "cumulative share includes the incidents the fixed cameras already cover; "
        "peak hours and days use only records with a time of day. "
        if result.kind == "van"
        else "Short visits at varied times within the window: about 15 minutes of presence deters "
        "longest after officers leave (the Koper curve). "
    )
    streets = (
        "The map shows tiles from the configured tile server with the named locations of the incidents "
        "(data.police.uk snap points) on top; "
        if tiles
        else "Streets on the map are the named locations of the incidents (data.police.uk snap points), drawn "
        "without map tiles; "
    )
    return (
        "Fixed CCTV cameras, their coverage circles, police sectors and zone outlines are illustrative. "
        + method
        + streets
        + "'too few to rely on' marks a site or cell resting on fewer than "
        f"{int(result.params.get('min_count') or 5)} incidents. "
        + ("Built on synthetic demo records: not real incidents. " if synthetic else "")
        + f"Generated by csp-hotspots on {when:%d/%m/%Y at %H:%M}."
    )


def briefing_html(
    result: PlanResult,
    district: District,
    *,
    selection_text: str,
    generated: datetime | None = None,
    title: str | None = None,
    synthetic: bool = False,
    notes: Sequence[str] = (),
    nights: Sequence[date] | None = None,
    start: date | None = None,
    backdrop: Backdrop | None = None,
    attribution: str = "",
) -> str:
    """A self-contained one-page A4 briefing (HTML) of a plan: title, selection, map(s), table.

    Parameters
    ----------
    result : PlanResult
    district : District
    selection_text : str
        The selection in words (:meth:`geo.selection.Selection.describe`).
    generated : datetime, optional
        When the briefing was made (default now, Europe/London); printed dd/mm/yyyy HH:MM.
    title : str, optional
        Default "CCTV van sites" or "Patrol plan" with the district's name.
    synthetic : bool
        The plan rests on synthetic demo records: labelled as such in the title and footer.
    notes : sequence of str
        Extra notes (shown with the plan's own notes and warnings).
    nights : sequence of date, optional
        The nights to deploy; default the week's nights from ``start`` that the selection asked
        for (:func:`plan_schedule`).  Shown with dates and hours, and for van plans as a rota.
    start : date, optional
        First day of the week the plan is for (default the day ``generated``).
    backdrop : callable, optional
        Map tiles under the map (see :func:`geo.briefing_map.plan_map_svg`); None: the offline map.
    attribution : str
        The tiles' attribution, printed on the map when tiles are drawn.

    Returns
    -------
    str
        A complete HTML document with an inline SVG map (two panels when the sites are spread
        out: the overview and a detail of the closest group) and a print stylesheet for A4.
    """
    when = (generated or datetime.now(LONDON)).astimezone(LONDON)
    kind_title = "CCTV van sites" if result.kind == "van" else "Patrol plan"
    heading = title or f"{kind_title}: {district.name}"
    badge = '<span class="badge">synthetic demo data</span>' if synthetic else ""
    maps_html = _maps_html(result, district, backdrop, attribution)
    items = [f'<li class="warn">{_esc(w)}</li>' for w in result.warnings]
    items += [f"<li>{_esc(n)}</li>" for n in (*result.notes, *notes)]
    notes_html = f'<ul class="notes">{"".join(items)}</ul>' if items else ""
    footer = _footer_text(result, synthetic=synthetic, tiles='class="tiles"' in maps_html, when=when)
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{_esc(heading)} – briefing {when:%d/%m/%Y}</title>"
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>'
        '<body><div class="sheet">'
        '<div class="toolbar"><button type="button" onclick="window.print()">Print</button></div>'
        f"<header><h1>{_esc(heading)}{badge}</h1>"
        f'<p class="meta"><strong>Selection:</strong> {_esc(selection_text)}</p>'
        f'<p class="meta"><strong>Plan:</strong> {_esc(_setting_text(result))}. '
        f"<strong>Generated:</strong> {when:%d/%m/%Y %H:%M}</p>{_when_html(result, start or when.date(), nights)}"
        f"</header>{maps_html}{_table_html(result)}{notes_html}<footer>{_esc(footer)}</footer>"
        "</div></body></html>"
    )


__all__ = [
    "PATROL_COLUMNS",
    "VAN_COLUMNS",
    "briefing_html",
    "plan_schedule",
    "plan_summary",
    "table_rows",
]
