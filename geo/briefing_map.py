"""Offline SVG maps of deployment plans, drawn straight from British National Grid metres.

Pure functions over a :class:`geo.deploy.PlanResult` and a :class:`geo.config.District`; no Dash,
no map tiles, no internet.  The map is inline SVG (projection, layers, markers, scale bar, north
arrow, optional detail panel outline) so :mod:`geo.briefing` can embed it in one self-contained
HTML file that prints the same anywhere.

Colours are colour-blind safe (Okabe-Ito for categories, viridis' dark end for van sites) and
every layer is also told apart by shape (circles, squares, dashed outlines), not colour alone.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo.schema import BNG

if TYPE_CHECKING:
    from geo.config import District
    from geo.deploy import PlanResult

#: Colours shared with the dashboard's palette (kept here so geo/ never imports dashboard/).
VAN_COLOUR = "#440154"
PATROL_COLOUR = "#0072B2"
ZONE_COLOURS = ("#D55E00", "#E69F00", "#000000")
SECTOR_LINE = "#8a8a8a"
COVERAGE_FILL = "#7f7f7f"
#: Named locations of the data (the offline map's street labels).
PLACE_COLOUR = "#333333"

#: Sites within this distance (metres) of each other form a group for the detail panel.
GROUP_M = 1500.0


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

    def xy(self, x: float, y: float) -> tuple[float, float]:
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


def _rings(geom: BaseGeometry) -> Iterator[BaseGeometry]:
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


def escape(text: object) -> str:
    """``text`` as HTML/SVG-safe text (``&``, ``<``, ``>`` and both quotes escaped)."""
    return html.escape(str(text), quote=True)


def plan_bounds(
    result: PlanResult, district: District | None = None, *, pad: float = 0.15, min_size: float = 1000.0
) -> tuple[float, ...]:
    """Box (BNG) around the plan's sites or cells with their radius, padded; the district if empty."""
    if result.empty:
        if district is None:
            raise ValueError("an empty plan needs the district to frame the map")
        return tuple(district.boundary.to_crs(BNG).total_bounds)
    geoms = _plan_shapes(result)
    return _padded(shapely.union_all(geoms).bounds, pad, min_size)


def _padded(bounds: Sequence[float], pad: float, min_size: float) -> tuple[float, ...]:
    minx, miny, maxx, maxy = bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    w = max((maxx - minx) * (1 + 2 * pad), min_size)
    h = max((maxy - miny) * (1 + 2 * pad), min_size)
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _plan_shapes(result: PlanResult) -> np.ndarray:
    t = result.table.to_crs(BNG)
    if result.kind == "van":
        return shapely.buffer(t.geometry.values, t["radius_m"].to_numpy(float), quad_segs=16)
    return np.asarray(t.geometry.values)


def detail_bounds(
    result: PlanResult, *, group_m: float = GROUP_M, pad: float = 0.2, min_size: float = 800.0
) -> tuple[float, ...] | None:
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
    result: PlanResult,
    district: District,
    *,
    width: int = 720,
    height: int = 460,
    bounds: Sequence[float] | None = None,
    outline: Sequence[float] | None = None,
    title: str | None = None,
    backdrop: Callable[[Sequence[float], int, int], str | None] | None = None,
    attribution: str = "",
) -> str:
    """The plan drawn as an inline SVG map from BNG coordinates (works offline).

    Layers, bottom to top: map tiles when ``backdrop`` gives them, police sectors (faint grey
    lines), zones (dashed, colour per zone), the district boundary, the fixed CCTV cameras with
    their coverage circles (illustrative), the named locations of the data near the plan
    (``result.places``: dots and street labels, so the map shows streets without any tile server),
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
    backdrop : callable, optional
        ``backdrop(bounds, width, height)`` -> an image URI of map tiles for exactly that BNG box
        (north up), or None when there are none (the offline map is drawn alone).
    attribution : str
        Printed in the corner when a backdrop is drawn.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    view = _View(bounds if bounds is not None else plan_bounds(result, district), width, height)
    box = shapely.box(*view.bounds)
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="plan-map" font-family="Arial, Helvetica, sans-serif">',
        f"<title>{escape(title or 'Deployment plan map')}</title>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    tiles = backdrop(view.bounds, width, height) if backdrop is not None else None
    if tiles:
        out.append(
            f'<image class="tiles" href="{escape(tiles)}" x="0" y="0" width="{width}" height="{height}" '
            'preserveAspectRatio="none"/>'
        )
    out += _district_layer(district, view, box)
    out += _cameras_layer(district, view, box)
    if outline is not None:
        out += _outline(view, outline)
    out += _places_layer(result, view)
    out += _plan_layer(result, view)
    out += _furniture(view)
    if tiles and attribution:
        out.append(
            f'<text class="attribution" x="{width - 4}" y="{height - 4}" font-size="9" text-anchor="end" '
            f'fill="#333" stroke="#fff" stroke-width="2.5" paint-order="stroke">{escape(attribution)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _district_layer(district: District, view: _View, box: BaseGeometry) -> list[str]:
    """Sector lines, dashed zones and the district boundary inside the view."""
    out: list[str] = []
    for geom in district.sectors.to_crs(BNG).geometry:
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
    return out


def _cameras_layer(district: District, view: _View, box: BaseGeometry) -> list[str]:
    """The fixed cameras (illustrative) with their coverage circles."""
    cams = district.cctv.to_crs(BNG)
    radii = cams["radius_m"].astype(float).to_numpy() if "radius_m" in cams else np.full(len(cams), 100.0)
    out: list[str] = []
    for geom, r in zip(cams.geometry, radii, strict=True):
        if not box.buffer(r).contains(geom):
            continue
        cx, cy = view.xy(geom.x, geom.y)
        out.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{max(r * view.scale, 1.5):.1f}" fill="{COVERAGE_FILL}" '
            'fill-opacity="0.25" stroke="#555555" stroke-width="0.8"/>'
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="2.2" fill="#000000" stroke="#ffffff" stroke-width="0.8"/>'
        )
    return out


def _outline(view: _View, outline: Sequence[float]) -> list[str]:
    """A dashed box labelled "detail" (the area of the detail panel)."""
    x0, y0 = view.xy(outline[0], outline[3])
    x1, y1 = view.xy(outline[2], outline[1])
    return [
        f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" fill="none" '
        'stroke="#000000" stroke-width="1.2" stroke-dasharray="3 3"/>'
        f'<text x="{x1 + 3:.1f}" y="{y1 + 3:.1f}" font-size="11" fill="#000" stroke="#fff" stroke-width="3" '
        'paint-order="stroke" dominant-baseline="hanging">detail</text>'
    ]


def _halo_text(x: float, y: float, text: str, size: int = 12, colour: str = "#000000") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="700" text-anchor="middle" '
        f'dominant-baseline="central" fill="{colour}" stroke="#ffffff" stroke-width="3" '
        f'paint-order="stroke">{escape(text)}</text>'
    )


def _places_layer(result: PlanResult, view: _View, *, max_labels: int = 30) -> list[str]:
    """Named locations of the data (snap points) near the plan: the offline map's streets.

    Without tiles the map would show no street at all; the incidents' own location names, drawn at
    their snap points, tell an officer where a site is.  Labels that would overlap one already
    drawn are left out (closest to a site first); every point keeps its dot.
    """
    places = getattr(result, "places", None)
    if places is None or len(places) == 0:
        return []
    out: list[str] = ['<g class="places">']
    # The plan's numbered markers are drawn on top: a label under one would be cut (keep them clear).
    t = result.table
    sites = [] if result.empty else list(map(view.xy, t["easting"], t["northing"]))
    boxes = [(x - 15, y - 15, x + 15, y + 15) for x, y in sites]
    markers = list(boxes)

    def clashes(box: tuple[float, float, float, float], among: list) -> list:
        return [b for b in among if not (box[2] < b[0] or box[0] > b[2] or box[3] < b[1] or box[1] > b[3])]

    for _, r in places.iterrows():
        px, py = view.xy(float(r["easting"]), float(r["northing"]))
        if not (0 <= px <= view.width and 0 <= py <= view.height):
            continue
        out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2" fill="{PLACE_COLOUR}"/>')
        name = str(r["name"])
        w, h = 5.2 * len(name) + 4, 12.0
        box = (px + 3, py - h / 2, px + 3 + w, py + h / 2)
        under = clashes(box, markers)
        if under:  # beside the marker it would hide under, not under it
            x0 = max(b[2] for b in under) + 2
            box = (x0, py - h / 2, x0 + w, py + h / 2)
        if clashes(box, boxes) or len(boxes) - len(markers) >= max_labels or box[2] > view.width:
            continue
        boxes.append(box)
        out.append(
            f'<text class="place" x="{box[0] + 1:.1f}" y="{py:.1f}" font-size="9" fill="{PLACE_COLOUR}" '
            f'stroke="#ffffff" stroke-width="2.5" paint-order="stroke" dominant-baseline="central">'
            f"{escape(name)}</text>"
        )
    out.append("</g>")
    return out


def _plan_layer(result: PlanResult, view: _View) -> list[str]:
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


__all__ = [
    "COVERAGE_FILL",
    "GROUP_M",
    "PATROL_COLOUR",
    "PLACE_COLOUR",
    "SECTOR_LINE",
    "VAN_COLOUR",
    "ZONE_COLOURS",
    "detail_bounds",
    "escape",
    "plan_bounds",
    "plan_map_svg",
]
