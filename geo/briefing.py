"""Printable deployment briefings: an offline SVG map of a plan and a one-page A4 HTML document.

Pure functions over a :class:`geo.deploy.PlanResult` and a :class:`geo.config.District`; no Dash,
no map tiles, no internet.  The map is drawn straight from the British National Grid coordinates
(metres) as inline SVG, so the briefing is one self-contained HTML file that prints the same
anywhere.  The dashboard's Deployment page and ``/briefing`` route use it; so could the CLI.

Colours are colour-blind safe (Okabe-Ito for categories, viridis' dark end for van sites) and
every layer is also told apart by shape (circles, squares, dashed outlines), not colour alone.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.schema import BNG

#: Colours shared with the dashboard's palette (kept here so geo/ never imports dashboard/).
VAN_COLOUR = "#440154"
PATROL_COLOUR = "#0072B2"
ZONE_COLOURS = ("#D55E00", "#E69F00", "#000000")
SECTOR_LINE = "#8a8a8a"
COVERAGE_FILL = "#7f7f7f"
LONDON = ZoneInfo("Europe/London")

#: A map wider than this (metres) gets a second, zoomed-in panel around the closest group of sites.
DETAIL_ABOVE_M = 4000.0
#: Sites within this distance (metres) of each other form a group for the detail panel.
GROUP_M = 1500.0

VAN_COLUMNS = (
    "Rank",
    "Nearest street",
    "Grid ref (E, N)",
    "New incidents",
    "Cumulative share",
    "Peak hours",
    "Peak days",
)
PATROL_COLUMNS = ("Rank", "Nearest street", "Incidents", "Share", "Best window", "Suggested visit")


# ---- table --------------------------------------------------------------------------------


def _dash(text) -> str:
    """Hour ranges with an en dash (09:00–12:00), blanks as an en dash."""
    if text is None or (not isinstance(text, str) and pd.isna(text)) or str(text).strip() == "":
        return "–"
    return str(text).replace(":00-", ":00–")


def _pct(v) -> str:
    return "–" if v is None or pd.isna(v) else f"{100 * float(v):.1f}%"


def _visit(row) -> str:
    """The suggested visit without repeating the window shown beside it."""
    text = str(row["suggested_visit"] or "")
    if row["best_window"] and " visits at varied times" in text:
        return text.split(" visits at varied times")[0] + " visits at varied times in the window"
    return _dash(text)


def table_rows(result) -> tuple[tuple[str, ...], list[list[str]], tuple[int, ...]]:
    """Display rows of a plan: (column headings, rows of text, indices of numeric columns).

    Van sites: rank, nearest street, grid reference, incidents newly covered, cumulative share
    of the selection (fixed CCTV included), peak hours and peak days.  Patrol cells: rank,
    street, incidents, share, best window and the suggested visit.  Times are 24-hour.
    """
    t = result.table
    if result.kind == "van":
        rows = [
            [
                str(int(r["rank"])),
                str(r["street"] or "–"),
                f"{int(round(r['easting']))}, {int(round(r['northing']))}",
                f"{int(r['incidents_covered']):,}",
                _pct(r["cumulative_share"]),
                _dash(r["peak_hours"]),
                _dash(r["peak_days"]),
            ]
            for _, r in t.iterrows()
        ]
        return VAN_COLUMNS, rows, (3, 4)
    rows = [
        [
            str(int(r["rank"])),
            str(r["street"] or "–"),
            f"{int(r['count']):,}",
            _pct(r["share"]),
            _dash(r["best_window"]),
            _visit(r),
        ]
        for _, r in t.iterrows()
    ]
    return PATROL_COLUMNS, rows, (2, 3)


def plan_summary(result) -> str:
    """One sentence on what the plan covers, e.g. for a heading or a status line."""
    p = result.params
    n = result.n_incidents
    if result.empty:
        return "No plan: no incidents match the selection." if n == 0 else "No plan."
    if result.kind == "van":
        pre = int(p.get("already_covered_by_cctv") or 0)
        text = (
            f"{len(result.table)} van site{'s' if len(result.table) != 1 else ''} of {p['radius_m']:g} m cover "
            f"{int(p['covered_total']):,} of {n:,} selected incidents ({_pct(p['covered_share'])})"
        )
        if pre:
            text += f", including {pre:,} already within the fixed CCTV cameras' reach"
        return text + "."
    return (
        f"The top {len(result.table)} patrol cell{'s' if len(result.table) != 1 else ''} of "
        f"{p['cell_m']:g} m hold {int(round(p['covered_share'] * n)):,} of {n:,} selected incidents "
        f"({_pct(p['covered_share'])})."
    )


# ---- SVG map ------------------------------------------------------------------------------


class _View:
    """BNG metres -> SVG pixels for a box of the map (north up, equal scale on both axes)."""

    def __init__(self, bounds: Sequence[float], width: float, height: float) -> None:
        minx, miny, maxx, maxy = bounds
        dx, dy = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
        # widen the short side so the box keeps the panel's aspect ratio
        if dx / dy < width / height:
            grow = dy * width / height - dx
            minx, maxx = minx - grow / 2, maxx + grow / 2
        else:
            grow = dx * height / width - dy
            miny, maxy = miny - grow / 2, maxy + grow / 2
        self.bounds = (minx, miny, maxx, maxy)
        self.scale = width / (maxx - minx)
        self.width, self.height = width, height

    def xy(self, x, y) -> tuple[float, float]:
        minx, _, _, maxy = self.bounds
        return (x - minx) * self.scale, (maxy - y) * self.scale

    def path(self, geom: BaseGeometry | None) -> str:
        """SVG path data of the polygons / lines of ``geom`` clipped to the view."""
        if geom is None or geom.is_empty:
            return ""
        pad = 20 / self.scale
        minx, miny, maxx, maxy = self.bounds
        clipped = shapely.clip_by_rect(geom, minx - pad, miny - pad, maxx + pad, maxy + pad)
        clipped = clipped.simplify(0.5 / self.scale)
        parts: list[str] = []
        for ring in _rings(clipped):
            coords = np.asarray(ring.coords)
            if len(coords) < 2:
                continue
            px = (coords[:, 0] - minx) * self.scale
            py = (maxy - coords[:, 1]) * self.scale
            pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True))
            parts.append(f"M{pts}" + ("Z" if ring.is_ring else ""))
        return "".join(parts)


def _rings(geom: BaseGeometry):
    if geom.is_empty:
        return
    kind = geom.geom_type
    if kind == "Polygon":
        yield geom.exterior
        yield from geom.interiors
    elif kind in ("LineString", "LinearRing"):
        yield geom
    elif hasattr(geom, "geoms"):
        for g in geom.geoms:
            yield from _rings(g)


def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def plan_bounds(result, district=None, *, pad: float = 0.15, min_size: float = 1000.0) -> tuple[float, ...]:
    """Box (BNG) around the plan's sites or cells with their radius, padded; the district if empty."""
    if result.empty:
        if district is None:
            raise ValueError("an empty plan needs the district to frame the map")
        return tuple(district.boundary.to_crs(BNG).total_bounds)
    geoms = _plan_shapes(result)
    return _padded(shapely.union_all(geoms).bounds, pad, min_size)


def _padded(bounds, pad: float, min_size: float) -> tuple[float, ...]:
    minx, miny, maxx, maxy = bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    w = max((maxx - minx) * (1 + 2 * pad), min_size)
    h = max((maxy - miny) * (1 + 2 * pad), min_size)
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _plan_shapes(result) -> np.ndarray:
    t = result.table.to_crs(BNG)
    if result.kind == "van":
        return shapely.buffer(t.geometry.values, t["radius_m"].to_numpy(float), quad_segs=16)
    return np.asarray(t.geometry.values)


def detail_bounds(result, *, group_m: float = GROUP_M, pad: float = 0.2, min_size: float = 800.0):
    """Box around the largest group of sites within ``group_m`` of each other, or None.

    None when the plan has fewer than two sites in any group, or when the group is every site
    (the overview already shows them at a readable scale).
    """
    if result.empty or len(result.table) < 3:
        return None
    t = result.table
    xy = np.c_[t["easting"].to_numpy(float), t["northing"].to_numpy(float)]
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    counts = (d <= group_m).sum(axis=1)
    best = int(np.argmax(counts))  # ties: the best-ranked site
    members = np.flatnonzero(d[best] <= group_m)
    if len(members) < 2 or len(members) == len(t):
        return None
    shapes = _plan_shapes(result)[members]
    return _padded(shapely.union_all(shapes).bounds, pad, min_size)


def _nice_length(metres: float) -> float:
    exp = 10 ** math.floor(math.log10(max(metres, 1e-9)))
    for step in (5, 2, 1):
        if step * exp <= metres:
            return step * exp
    return exp


def plan_map_svg(
    result,
    district,
    *,
    width: int = 720,
    height: int = 460,
    bounds: Sequence[float] | None = None,
    outline: Sequence[float] | None = None,
    title: str | None = None,
) -> str:
    """The plan drawn as an inline SVG map from BNG coordinates (no tiles, works offline).

    Layers, bottom to top: police sectors (faint grey lines), zones (dashed, colour per zone),
    the district boundary, the fixed CCTV cameras with their coverage circles (illustrative),
    then the plan: van sites as numbered dark-purple markers inside their radius circles, or
    patrol cells as blue squares with their rank.  A scale bar and a north arrow are included.

    Parameters
    ----------
    result : PlanResult
        From :func:`geo.deploy.plan_van_sites` or :func:`geo.deploy.plan_patrols`.
    district : District
        Its boundary, sectors, zones and cameras.
    width, height : int
        Size of the drawing in SVG pixels (it scales to its container).
    bounds : (minx, miny, maxx, maxy), optional
        BNG box to show; default :func:`plan_bounds`.
    outline : (minx, miny, maxx, maxy), optional
        A box to outline (e.g. the area of a detail panel), labelled "detail".
    title : str, optional
        Accessible title of the drawing.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    view = _View(bounds if bounds is not None else plan_bounds(result, district), width, height)
    minx, miny, maxx, maxy = view.bounds
    box = shapely.box(minx, miny, maxx, maxy)
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="plan-map" font-family="Arial, Helvetica, sans-serif">',
        f"<title>{_esc(title or 'Deployment plan map')}</title>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    sectors = district.sectors.to_crs(BNG)
    for geom in sectors.geometry:
        if geom.intersects(box):
            out.append(f'<path d="{view.path(geom.boundary)}" fill="none" stroke="{SECTOR_LINE}" stroke-width="0.8"/>')
    for i, z in enumerate(district.zones):
        colour = ZONE_COLOURS[i % len(ZONE_COLOURS)]
        for geom in district.zone_layer(z.key).to_crs(BNG).geometry:
            if geom.intersects(box):
                out.append(
                    f'<path d="{view.path(geom)}" fill="{colour}" fill-opacity="0.05" stroke="{colour}" '
                    'stroke-width="1.6" stroke-dasharray="6 4" fill-rule="evenodd"/>'
                )
    for geom in district.boundary.to_crs(BNG).geometry:
        out.append(f'<path d="{view.path(geom.boundary)}" fill="none" stroke="#000000" stroke-width="2"/>')
    cams = district.cctv.to_crs(BNG)
    radii = cams["radius_m"].astype(float).to_numpy() if "radius_m" in cams else np.full(len(cams), 100.0)
    for geom, r in zip(cams.geometry, radii, strict=True):
        if not box.buffer(r).contains(geom):
            continue
        cx, cy = view.xy(geom.x, geom.y)
        out.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{max(r * view.scale, 1.5):.1f}" fill="{COVERAGE_FILL}" '
            'fill-opacity="0.25" stroke="#555555" stroke-width="0.8"/>'
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="2.2" fill="#000000" stroke="#ffffff" stroke-width="0.8"/>'
        )
    if outline is not None:
        x0, y0 = view.xy(outline[0], outline[3])
        x1, y1 = view.xy(outline[2], outline[1])
        out.append(
            f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" fill="none" '
            'stroke="#000000" stroke-width="1.2" stroke-dasharray="3 3"/>'
            f'<text x="{x1 + 3:.1f}" y="{y1 + 3:.1f}" font-size="11" fill="#000" stroke="#fff" stroke-width="3" '
            'paint-order="stroke" dominant-baseline="hanging">detail</text>'
        )
    out += _plan_layer(result, view)
    out += _furniture(view)
    out.append("</svg>")
    return "".join(out)


def _halo_text(x: float, y: float, text: str, size: int = 12, colour: str = "#000000") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="700" text-anchor="middle" '
        f'dominant-baseline="central" fill="{colour}" stroke="#ffffff" stroke-width="3" '
        f'paint-order="stroke">{_esc(text)}</text>'
    )


def _plan_layer(result, view: _View) -> list[str]:
    if result.empty:
        return []
    t = result.table.to_crs(BNG)
    out: list[str] = []
    if result.kind == "van":
        # circles first, numbers on top, worst rank drawn first so site 1 stays on top
        for _, r in t.iloc[::-1].iterrows():
            cx, cy = view.xy(r["easting"], r["northing"])
            out.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{max(r["radius_m"] * view.scale, 2):.1f}" '
                f'fill="{VAN_COLOUR}" fill-opacity="0.16" stroke="{VAN_COLOUR}" stroke-width="1.8"/>'
            )
        for _, r in t.iloc[::-1].iterrows():
            cx, cy = view.xy(r["easting"], r["northing"])
            out.append(
                f'<g class="site" data-rank="{int(r["rank"])}"><circle cx="{cx:.1f}" cy="{cy:.1f}" r="14" '
                f'fill="{VAN_COLOUR}" stroke="#ffffff" stroke-width="1.5"/>'
                f'<text x="{cx:.1f}" y="{cy:.1f}" font-size="14" font-weight="700" text-anchor="middle" '
                f'dominant-baseline="central" fill="#ffffff">{int(r["rank"])}</text></g>'
            )
        return out
    for _, r in t.iloc[::-1].iterrows():
        out.append(
            f'<path d="{view.path(r.geometry)}" fill="{PATROL_COLOUR}" fill-opacity="0.3" '
            f'stroke="{PATROL_COLOUR}" stroke-width="1.8"/>'
        )
    for _, r in t.iloc[::-1].iterrows():
        cx, cy = view.xy(r["easting"], r["northing"])
        out.append(f'<g class="cell" data-rank="{int(r["rank"])}">{_halo_text(cx, cy, str(int(r["rank"])), 14)}</g>')
    return out


def _furniture(view: _View) -> list[str]:
    """Scale bar (bottom left) and north arrow (top right)."""
    metres = _nice_length((view.bounds[2] - view.bounds[0]) / 5)
    px = metres * view.scale
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    y = view.height - 14
    return [
        f'<rect x="6" y="{y - 16}" width="{px + 16:.1f}" height="24" fill="#ffffff" fill-opacity="0.85"/>',
        f'<path d="M14,{y - 4} V{y} H{14 + px:.1f} V{y - 4}" fill="none" stroke="#000" stroke-width="1.5"/>',
        f'<text x="{14 + px / 2:.1f}" y="{y - 7}" font-size="10" text-anchor="middle">{label}</text>',
        f'<g transform="translate({view.width - 22},{14})"><path d="M0,16 L6,0 L12,16 L6,12 Z" fill="#000"/>'
        '<text x="6" y="28" font-size="10" text-anchor="middle">N</text></g>',
    ]


def legend_svg(kind: str, district) -> str:
    """A one-line legend (inline SVG swatches with labels) for the briefing."""

    def item(swatch: str, label: str) -> str:
        return (
            f'<span class="lg"><svg width="22" height="14" viewBox="0 0 22 14" aria-hidden="true">{swatch}</svg>'
            f"{_esc(label)}</span>"
        )

    items = []
    if kind == "van":
        items.append(
            item(
                f'<circle cx="11" cy="7" r="6.5" fill="{VAN_COLOUR}" stroke="#fff"/>'
                '<text x="11" y="7" font-size="8" fill="#fff" text-anchor="middle" '
                'dominant-baseline="central">1</text>',
                "Van site (rank)",
            )
        )
        items.append(
            item(
                f'<circle cx="11" cy="7" r="6" fill="{VAN_COLOUR}" fill-opacity="0.16" stroke="{VAN_COLOUR}"/>',
                "Van camera radius",
            )
        )
    else:
        items.append(
            item(
                f'<rect x="3" y="1" width="16" height="12" fill="{PATROL_COLOUR}" fill-opacity="0.3" '
                f'stroke="{PATROL_COLOUR}" stroke-width="1.5"/>',
                "Patrol cell (rank)",
            )
        )
    items.append(
        item(
            f'<circle cx="11" cy="7" r="6" fill="{COVERAGE_FILL}" fill-opacity="0.25" stroke="#555"/>'
            '<circle cx="11" cy="7" r="2" fill="#000"/>',
            "Fixed CCTV and coverage (illustrative)",
        )
    )
    for i, z in enumerate(district.zones):
        c = ZONE_COLOURS[i % len(ZONE_COLOURS)]
        label = z.label + (" (illustrative)" if z.illustrative else "")
        items.append(
            item(f'<rect x="2" y="2" width="18" height="10" fill="none" stroke="{c}" stroke-dasharray="4 2"/>', label)
        )
    items.append(
        item(f'<line x1="1" y1="7" x2="21" y2="7" stroke="{SECTOR_LINE}"/>', "Police sector boundary (illustrative)")
    )
    items.append(item('<line x1="1" y1="7" x2="21" y2="7" stroke="#000" stroke-width="2"/>', "District boundary"))
    return '<div class="legend">' + "".join(items) + "</div>"


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
table.long { font-size: 8pt; }
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


def briefing_html(
    result,
    district,
    *,
    selection_text: str,
    generated: datetime | None = None,
    title: str | None = None,
    synthetic: bool = False,
    notes: Sequence[str] = (),
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
    p = result.params
    if result.kind == "van":
        k = int(p.get("k") or 0)
        setting = f"{k} site{'s' if k != 1 else ''}, camera radius {float(p.get('radius_m', 0)):g} m"
        if p.get("solver"):
            setting += f", solver {p['solver']}"
    else:
        n = int(p.get("n") or 0)
        setting = f"{n} cell{'s' if n != 1 else ''} of {float(p.get('cell_m', 0)):g} m"
        setting += f", {p.get('visit_minutes', 15)}-minute visits"
    maps_html = ""
    if not result.empty:
        detail = detail_bounds(result)
        overview = plan_bounds(result, district)
        spread = max(overview[2] - overview[0], overview[3] - overview[1])
        # a long table gets smaller maps so the briefing stays on one A4 page
        rows_n = len(result.table)
        tall = 640 if rows_n <= 5 else 520 if rows_n <= 8 else 380 if rows_n <= 14 else 300
        if detail is not None and spread > DETAIL_ABOVE_M:
            a = plan_map_svg(
                result,
                district,
                width=470,
                height=tall,
                bounds=overview,
                outline=detail,
                title=f"{kind_title}: overview",
            )
            b = plan_map_svg(result, district, width=470, height=tall, bounds=detail, title=f"{kind_title}: detail")
            maps_html = (
                f'<div class="maps"><figure>{a}<figcaption>Overview</figcaption></figure>'
                f"<figure>{b}<figcaption>Detail (dashed box on the overview)</figcaption></figure></div>"
            )
        else:
            a = plan_map_svg(result, district, width=960, height=tall + 40, title=kind_title)
            maps_html = f'<div class="maps"><figure>{a}</figure></div>'
        maps_html += legend_svg(result.kind, district)
    columns, rows, numeric = table_rows(result)
    if rows:
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
        table = (
            f'<table id="plan-table" class="{classes}"><caption>{_esc(plan_summary(result))}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
    else:
        table = f'<p id="plan-table"><strong>{_esc(plan_summary(result))}</strong></p>'
    items = [f'<li class="warn">{_esc(w)}</li>' for w in result.warnings]
    items += [f"<li>{_esc(n)}</li>" for n in (*result.notes, *notes)]
    notes_html = f'<ul class="notes">{"".join(items)}</ul>' if items else ""
    footer = (
        "Fixed CCTV cameras, their coverage circles, police sectors and zone outlines are illustrative. "
        + (
            "Van sites maximise incidents within the camera radius not already covered by fixed CCTV; the "
            "cumulative share includes the incidents the fixed cameras already cover; "
            "peak hours and days use only records with a time of day. "
            if result.kind == "van"
            else "Short visits at varied times within the window: about 15 minutes of presence deters "
            "longest after officers leave (the Koper curve). "
        )
        + ("Built on synthetic demo records: not real incidents. " if synthetic else "")
        + f"Generated by csp-hotspots on {when:%d/%m/%Y at %H:%M}."
    )
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{_esc(heading)} – briefing {when:%d/%m/%Y}</title>"
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>'
        '<body><div class="sheet">'
        '<div class="toolbar"><button type="button" onclick="window.print()">Print</button></div>'
        f"<header><h1>{_esc(heading)}{badge}</h1>"
        f'<p class="meta"><strong>Selection:</strong> {_esc(selection_text)}</p>'
        f'<p class="meta"><strong>Plan:</strong> {_esc(setting)}. '
        f"<strong>Generated:</strong> {when:%d/%m/%Y %H:%M}</p></header>"
        f"{maps_html}{table}{notes_html}<footer>{_esc(footer)}</footer>"
        "</div></body></html>"
    )


__all__ = [
    "PATROL_COLUMNS",
    "VAN_COLUMNS",
    "briefing_html",
    "detail_bounds",
    "legend_svg",
    "plan_bounds",
    "plan_map_svg",
    "plan_summary",
    "table_rows",
]
