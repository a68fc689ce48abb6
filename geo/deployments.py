"""The deployment log: what was done (a CCTV van deployment or a patrol), where, when and by whom.

A deployment's place is one of

* a **site**: a point (easting, northing) and a radius in metres (a van's camera reach);
* a **cell**: a square of ``size`` metres centred on a point (a patrol cell);
* an **area**: a polygon drawn on a map, given as GeoJSON in WGS84 (the only CRS at the edge)
  and stored in British National Grid as WKT.

Its time is a date range (inclusive), optionally restricted to some nights of the week (0 = Monday;
as in :mod:`geo.selection`, 02:00 on Saturday belongs to Friday night) and an hour window that may
cross midnight (``(20, 4)`` = 20:00-04:00).  Rows live in the store's ``deployments`` side table
through :mod:`geo.records`, so this module never writes SQL.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import Point, box, shape
from shapely.geometry.base import BaseGeometry

from geo import records
from geo.errors import HotspotsError, NotFoundError
from geo.selection import DAY_ABBR

if TYPE_CHECKING:
    from geo.config import District
    from geo.store import Store

TABLE = "deployments"
KINDS = ("van", "patrol")
PLACES = ("site", "cell", "area")
MAX_WHO = 80
MAX_NOTES = 2000
MAX_LABEL = 200
#: Longest deployment accepted (a year): longer is a standing arrangement, not a deployment.
MAX_DAYS = 366
RADIUS_RANGE = (10.0, 1000.0)
CELL_RANGE = (25.0, 2000.0)
#: Largest drawn area (km²): a deployment covers streets, not the district.
MAX_AREA_KM2 = 25.0

#: The side table's columns (dates as ISO text, nights as "4,5", hours as "20-4": portable to any backend).
COLUMNS = (
    {"id": "int", "created_at": "timestamp"}
    | dict.fromkeys(["kind", "place", "label", "geometry_wkt", "date_from", "date_to", "days", "hours"], "text")
    | dict.fromkeys(["who", "notes", "plan"], "text")
    | dict.fromkeys(["easting", "northing", "radius_m", "cell_m"], "float")
)

_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


class DeploymentError(HotspotsError, ValueError):
    """A deployment that cannot be recorded: the message names the field."""


@dataclass(frozen=True)
class Deployment:
    """One recorded deployment (frozen and hashable, so an assessment can be cached on it).

    ``geometry_wkt`` is the target area in BNG; ``date_from``/``date_to`` are inclusive; ``days``
    are nights of the week (0 = Monday, empty = every night); ``hours`` may cross midnight (None =
    all day); ``label`` says where in words; ``easting``, ``northing``, ``radius_m``, ``cell_m``
    keep a site or cell as entered; ``plan`` is the JSON of a plan's parameters when recorded from
    one; ``id`` is 0 until :func:`add` stores it; ``created_at`` is UTC.
    """

    kind: str
    place: str
    geometry_wkt: str
    date_from: date
    date_to: date
    who: str
    days: tuple[int, ...] = ()
    hours: tuple[int, int] | None = None
    notes: str = ""
    label: str = ""
    easting: float | None = None
    northing: float | None = None
    radius_m: float | None = None
    cell_m: float | None = None
    plan: str = ""
    id: int = 0
    created_at: datetime | None = field(default=None, compare=False)

    @property
    def geometry(self) -> BaseGeometry:
        """The target area (BNG)."""
        return shapely.from_wkt(self.geometry_wkt)

    @property
    def n_days(self) -> int:
        """Length of the deployment in calendar days (inclusive)."""
        return (self.date_to - self.date_from).days + 1

    def when_text(self) -> str:
        """``"04/04/2008 to 05/04/2008, Fri and Sat nights, 20:00-04:00"``."""
        parts = [f"{self.date_from:%d/%m/%Y} to {self.date_to:%d/%m/%Y}"]
        if self.days:
            names = [DAY_ABBR[d] for d in self.days]
            parts.append((" and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]) + " nights")
        if self.hours:
            parts.append(f"{self.hours[0]:02d}:00-{self.hours[1] % 24:02d}:00")
        return ", ".join(parts)

    def where_text(self) -> str:
        """The place in words: the label, or the site/cell as entered."""
        if self.label:
            return self.label
        if self.place == "site":
            return f"site {self.easting:.0f} E, {self.northing:.0f} N, radius {self.radius_m:g} m"
        if self.place == "cell":
            return f"{self.cell_m:g} m cell at {self.easting:.0f} E, {self.northing:.0f} N"
        return f"drawn area of {self.geometry.area / 1e4:.1f} ha"

    def to_row(self) -> dict[str, Any]:
        """The row stored in the side table."""
        return {
            "id": self.id,
            "kind": self.kind,
            "place": self.place,
            "label": self.label,
            "geometry_wkt": self.geometry_wkt,
            "easting": self.easting,
            "northing": self.northing,
            "radius_m": self.radius_m,
            "cell_m": self.cell_m,
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "days": ",".join(str(d) for d in self.days),
            "hours": f"{self.hours[0]}-{self.hours[1]}" if self.hours else "",
            "who": self.who,
            "notes": self.notes,
            "plan": self.plan,
            "created_at": self.created_at,
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Deployment:
        """Rebuild from a stored row."""
        hours = None
        if row.get("hours"):
            a, b = str(row["hours"]).split("-")
            hours = (int(a), int(b))
        created = row.get("created_at")
        return cls(
            id=int(row["id"]),
            kind=row["kind"],
            place=row["place"],
            label=row.get("label") or "",
            geometry_wkt=row["geometry_wkt"],
            easting=row.get("easting"),
            northing=row.get("northing"),
            radius_m=row.get("radius_m"),
            cell_m=row.get("cell_m"),
            date_from=date.fromisoformat(row["date_from"]),
            date_to=date.fromisoformat(row["date_to"]),
            days=tuple(int(d) for d in str(row.get("days") or "").split(",") if d != ""),
            hours=hours,
            who=row.get("who") or "",
            notes=row.get("notes") or "",
            plan=row.get("plan") or "",
            created_at=created.replace(tzinfo=UTC) if isinstance(created, datetime) else None,
        )


# ---- places -----------------------------------------------------------------------------------


def _number(value: Any, name: str, lo: float, hi: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DeploymentError(f"{name} must be a number, got '{value}'") from None
    if not lo <= v <= hi:
        raise DeploymentError(f"{name} must be between {lo:g} and {hi:g}, got {v:g}")
    return v


def site_area(easting: float, northing: float, radius: float) -> BaseGeometry:
    """A circle of ``radius`` metres around a site (BNG)."""
    r = _number(radius, "radius (m)", *RADIUS_RANGE)
    return Point(_number(easting, "easting", 0, 700_000), _number(northing, "northing", 0, 1_300_000)).buffer(r, 32)


def cell_area(easting: float, northing: float, size: float) -> BaseGeometry:
    """A square cell of ``size`` metres centred on (easting, northing) (BNG)."""
    s = _number(size, "cell size (m)", *CELL_RANGE)
    e, n = _number(easting, "easting", 0, 700_000), _number(northing, "northing", 0, 1_300_000)
    return box(e - s / 2, n - s / 2, e + s / 2, n + s / 2)


def area_from_geojson(obj: Any) -> BaseGeometry:
    """A drawn area from GeoJSON (a Polygon/MultiPolygon geometry, Feature or one-feature collection) in WGS84.

    Raises
    ------
    DeploymentError
        If it is not valid GeoJSON, not a polygon, or has coordinates outside longitude/latitude ranges.
    """
    if isinstance(obj, str | bytes):
        try:
            obj = json.loads(obj)
        except ValueError as exc:
            raise DeploymentError(f"area: not valid GeoJSON ({exc})") from None
    if not isinstance(obj, Mapping):
        raise DeploymentError("area: GeoJSON must be an object")
    if obj.get("type") == "FeatureCollection":
        feats = obj.get("features") or []
        if len(feats) != 1:
            raise DeploymentError(f"area: the GeoJSON holds {len(feats)} features; give exactly one polygon")
        obj = feats[0]
    if obj.get("type") == "Feature":
        obj = obj.get("geometry") or {}
    if obj.get("type") not in ("Polygon", "MultiPolygon"):
        raise DeploymentError(f"area: a Polygon or MultiPolygon is needed, got {obj.get('type')!r}")
    try:
        geom = shape(obj)
    except Exception as exc:  # shapely raises several types on malformed coordinates
        raise DeploymentError(f"area: malformed polygon coordinates ({exc})") from None
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise DeploymentError("area: coordinates must be longitude, latitude in WGS84 (EPSG:4326)")

    def to_bng(coords: np.ndarray) -> np.ndarray:
        x, y = _TO_BNG.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, to_bng)


def check_place(geom: BaseGeometry, district: District) -> BaseGeometry:
    """Check a target area: valid, polygonal, not too large and inside the district.

    "Inside" allows the district's ``outside_tolerance_m`` beyond the boundary (a site on the
    edge still has a radius) but needs the area's centre inside the boundary itself.
    """
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise DeploymentError("the target area must be a non-empty polygon")
    if not geom.is_valid:
        raise DeploymentError(f"the target area is not a valid polygon ({shapely.is_valid_reason(geom)})")
    if geom.area / 1e6 > MAX_AREA_KM2:
        raise DeploymentError(f"the target area is {geom.area / 1e6:.1f} km², larger than {MAX_AREA_KM2:g} km²")
    outline = shapely.make_valid(district.boundary.union_all())
    if not outline.contains(geom.representative_point()):
        raise DeploymentError(f"the target area is not inside the {district.name} district")
    if not outline.buffer(district.outside_tolerance_m).contains(geom):
        raise DeploymentError(
            f"the target area reaches more than {district.outside_tolerance_m:g} m outside the {district.name} district"
        )
    return geom


# ---- building and validating ------------------------------------------------------------------


def _text(value: Any, name: str, limit: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise DeploymentError(f"{name} is required")
    if len(text) > limit:
        raise DeploymentError(f"{name} is {len(text)} characters long; the limit is {limit}")
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise DeploymentError(f"{name} contains control characters")
    return text


def make_deployment(
    *,
    kind: str,
    geometry: BaseGeometry,
    place: str,
    date_from: date,
    date_to: date,
    who: str,
    district: District,
    days: tuple[int, ...] = (),
    hours: tuple[int, int] | None = None,
    notes: str = "",
    label: str = "",
    easting: float | None = None,
    northing: float | None = None,
    radius_m: float | None = None,
    cell_m: float | None = None,
    plan: Mapping[str, Any] | None = None,
) -> Deployment:
    """Validate every field and build an unsaved :class:`Deployment` (id 0).

    Raises
    ------
    DeploymentError
        Naming the field: unknown kind, dates reversed or too long, days outside 0-6, hours
        outside 0-24, the area invalid or outside the district, text too long.
    """
    if kind not in KINDS:
        raise DeploymentError(f"kind must be one of {', '.join(KINDS)}, got '{kind}'")
    if place not in PLACES:
        raise DeploymentError(f"place must be one of {', '.join(PLACES)}, got '{place}'")
    if not isinstance(date_from, date) or not isinstance(date_to, date):
        raise DeploymentError("both dates (from and to) are required")
    if date_to < date_from:
        raise DeploymentError(f"dates reversed: {date_from:%d/%m/%Y} is after {date_to:%d/%m/%Y}")
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise DeploymentError(f"a deployment lasts at most {MAX_DAYS} days")
    days = tuple(sorted(set(int(d) for d in days)))
    if any(d not in range(7) for d in days):
        raise DeploymentError(f"nights must be 0 (Monday) to 6 (Sunday), got {list(days)}")
    if hours is not None:
        start, end = (int(h) for h in hours)
        if not (0 <= start <= 24 and 0 <= end <= 24) or start % 24 == end % 24:
            raise DeploymentError(f"hours must be two different hours in 0-24, got {start}-{end}")
        hours = (start % 24, end % 24)
    geom = check_place(geometry, district)
    return Deployment(
        kind=kind,
        place=place,
        geometry_wkt=shapely.to_wkt(geom, rounding_precision=1),
        date_from=date_from,
        date_to=date_to,
        who=_text(who, "who", MAX_WHO, required=True),
        days=days,
        hours=hours,
        notes=_text(notes, "notes", MAX_NOTES),
        label=_text(label, "label", MAX_LABEL),
        easting=easting,
        northing=northing,
        radius_m=radius_m,
        cell_m=cell_m,
        plan=json.dumps(dict(plan), sort_keys=True, default=str) if plan else "",
    )


# ---- the side table ---------------------------------------------------------------------------


def add(store: Store, deployment: Deployment, now: datetime | None = None) -> Deployment:
    """Store a deployment under the next free id; returns it with ``id`` and ``created_at`` set."""
    records.ensure_table(store, TABLE, COLUMNS, primary_key="id")  # idempotent
    ids = [int(r["id"]) for r in records.select(store, TABLE)]
    stored = Deployment(
        **{
            **{f: getattr(deployment, f) for f in deployment.__dataclass_fields__},
            "id": max(ids, default=0) + 1,
            "created_at": (now or datetime.now(UTC)).replace(microsecond=0),
        }
    )
    records.insert(store, TABLE, stored.to_row())
    return stored


def list_all(store: Store) -> list[Deployment]:
    """Every recorded deployment, oldest first."""
    return [Deployment.from_row(r) for r in records.select(store, TABLE, order_by=["id"])]


def get(store: Store, deployment_id: int) -> Deployment:
    """One deployment by id.

    Raises
    ------
    NotFoundError
        When there is none with that id.
    """
    rows = records.select(store, TABLE, where={"id": int(deployment_id)})
    if not rows:
        raise NotFoundError(f"no deployment {deployment_id} is recorded")
    return Deployment.from_row(rows[0])


def remove(store: Store, deployment_id: int) -> Deployment:
    """Delete a deployment; returns what was deleted (NotFoundError when missing)."""
    gone = get(store, deployment_id)
    records.delete(store, TABLE, {"id": int(deployment_id)})
    return gone


__all__ = ["Deployment", "DeploymentError", "add", "area_from_geojson", "cell_area", "check_place"]
__all__ += ["get", "list_all", "make_deployment", "remove", "site_area"]
