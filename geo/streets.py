"""Street names for sites, cells and hotspots, from the incidents' own location text.

data.police.uk gives each snap point a text such as "On or near Jewry Street".  Many snap points
are named after a kind of place instead of a street ("On or near Parking Area", "Supermarket",
"Nightclub"...): those tell an officer nothing about where to go, so they are skipped.

Rules (one helper for the deployment plans and the hotspot table):

* :func:`street_name` strips "On or near " and returns "" for a generic place name.
* The street of a group of incidents (a van site's, a patrol cell's, a hotspot's) is the most
  common named street among its incidents; ties go to the name whose nearest incident is closest
  to the group's centre, then to alphabetical order, so the answer never depends on row order.
* A group with no named incident gets the **nearest named location** of the data (the named snap
  point closest to its centre), so no site is labelled "Parking Area" or left blank while a named
  street is on the map; when that point is more than 100 m away the label says how far.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

#: data.police.uk snap-point names that are a kind of place, not a street.
GENERIC_PLACES = frozenset(
    s.casefold()
    for s in (
        "Airport/Airfield",
        "Bus/Coach Station",
        "Conference/Exhibition Centre",
        "Further/Higher Educational Building",
        "Hospital",
        "Hotel/Motel",
        "Motorway Service Area",
        "Nightclub",
        "Park/Open Space",
        "Parking Area",
        "Pedestrian Subway",
        "Petrol Station",
        "Police Station",
        "Prison",
        "Shopping Area",
        "Sports/Recreation Area",
        "Supermarket",
        "Theatre/Concert Hall",
        "Theme/Adventure Park",
        "Train Station",
        "Underground Station",
        "Church",
        "Cinema",
        "Place Of Worship",
        "Pub",
        "School",
    )
)
_PREFIX = re.compile(r"^\s*on\s+or\s+near\s+", re.IGNORECASE)


def street_name(location: str | None) -> str:
    """Street of a location text: "On or near Jewry Street" -> "Jewry Street"; generic places -> "".

    Parameters
    ----------
    location : str or None

    Returns
    -------
    str
        "" for missing text, an empty name or a generic place (:data:`GENERIC_PLACES`).
    """
    if location is None or (not isinstance(location, str) and pd.isna(location)):
        return ""
    name = _PREFIX.sub("", str(location)).strip()
    return "" if not name or name.casefold() in GENERIC_PLACES else name


def _name_codes(locations: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Street names of ``locations`` as codes into the sorted list of distinct names (-1: no street).

    :func:`street_name` runs once per distinct text.
    """
    locations = pd.Series(locations)
    if isinstance(locations.dtype, pd.CategoricalDtype):  # each text once already (missing: code -1)
        codes, uniques = locations.cat.codes.to_numpy(), locations.cat.categories.tolist()
    else:  # text columns factorised as they are (as object, a million texts take a second)
        values = locations if isinstance(locations.dtype, pd.StringDtype) else locations.astype(object)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    names = [street_name(u) for u in uniques]
    ranked = sorted(set(names) - {""})
    lookup = {name: i for i, name in enumerate(ranked)}
    lookup[""] = -1
    return np.array([lookup[n] for n in names] + [-1], dtype=np.int64)[codes], ranked


def street_names(locations: pd.Series) -> pd.Series:
    """:func:`street_name` of every location text (computed once per distinct text)."""
    codes, ranked = _name_codes(locations)
    return pd.Series(np.array([*ranked, ""], dtype=object)[codes], index=pd.Series(locations).index, dtype=object)


def named_places(incidents: pd.DataFrame) -> pd.DataFrame:
    """Distinct named snap points of the data: ``easting``, ``northing``, ``name``, ``incidents``.

    Sorted by incidents (most first), then name, then position; generic places left out.
    """
    cols = ["easting", "northing", "name", "incidents"]
    if incidents.empty or "location" not in incidents:
        return pd.DataFrame({c: [] for c in cols})
    return _places(incidents, *_name_codes(incidents["location"]))


def _places(incidents: pd.DataFrame, codes: np.ndarray, ranked: list[str]) -> pd.DataFrame:
    """:func:`named_places` from the rows' street-name codes (:func:`_name_codes`)."""
    e, n = incidents["easting"].to_numpy(float), incidents["northing"].to_numpy(float)
    ok = (codes >= 0) & np.isfinite(e) & np.isfinite(n)
    e, n, codes = e[ok], n[ok], codes[ok]
    # Distinct (point, name) with counts, by hashing integer keys (no text compared, no sort of
    # every row); the codes follow the names' alphabetical order.
    ce, cn = pd.factorize(e)[0], pd.factorize(n)[0]
    key = (ce * (int(cn.max(initial=0)) + 1) + cn) * (len(ranked) + 1) + codes
    ids, _ = pd.factorize(key)
    counts = np.bincount(ids)
    first = np.zeros(len(counts), dtype=np.int64)
    first[ids[::-1]] = np.arange(len(ids) - 1, -1, -1)  # a row of each (the first: any would do)
    e, n, codes = e[first], n[first], codes[first]
    rank = np.lexsort((n, e, codes, -counts))  # most incidents first, then name, then position
    names = np.array(ranked, dtype=object)[codes[rank]] if len(rank) else np.array([], dtype=object)
    return pd.DataFrame({"easting": e[rank], "northing": n[rank], "name": names, "incidents": counts[rank]})


def streets_for_groups(
    incidents: pd.DataFrame,
    group: np.ndarray,
    member: np.ndarray,
    centres: Sequence[tuple[float, float]] | np.ndarray,
    *,
    far_m: float = 100.0,
) -> list[str]:
    """Best street name of each group of incidents (van sites, patrol cells, hotspot polygons).

    Parameters
    ----------
    incidents : DataFrame
        Canonical incidents with ``location``, ``easting``, ``northing``.
    group, member : array of int
        Pairs: incident at position ``member[i]`` (``iloc``) belongs to group ``group[i]``; a group
        may have no member and an incident may be in several groups.
    centres : sequence of (easting, northing)
        One per group: ties and the fallback are decided by distance to it.
    far_m : float, default 100
        A fallback name farther than this from the centre says so: "Jewry Street (nearest named
        location, 940 m away)".

    Returns
    -------
    list of str
        One name per group (see the module notes); "" only when the data name no street at all.
    """
    centres = np.asarray(centres, dtype=float).reshape(-1, 2)
    out = [""] * len(centres)
    if incidents.empty or "location" not in incidents or not len(centres):
        return out
    ex, ny = incidents["easting"].to_numpy(float), incidents["northing"].to_numpy(float)
    group, member = np.asarray(group, dtype=np.int64), np.asarray(member, dtype=np.int64)
    codes, ranked = _name_codes(incidents["location"])  # integer codes (-1: no street), alphabetical
    name = codes[member]
    named = name >= 0
    g, name = group[named], name[named]
    d = np.hypot(ex[member[named]] - centres[g, 0], ny[member[named]] - centres[g, 1])
    if len(g):
        # Per (group, name): how many incidents and the nearest one's distance; per group the most
        # common name, ties to the nearest, then the first alphabetically (codes are in that order).
        key = g * len(ranked) + name
        ids, keys = pd.factorize(key)
        n = np.bincount(ids)
        nearest = np.full(len(keys), np.inf)
        np.minimum.at(nearest, ids, d)
        kg, kname = keys // len(ranked), keys % len(ranked)
        best = np.lexsort((kname, nearest, -n, kg))
        groups, pick = np.unique(kg[best], return_index=True)
        for gi, ci in zip(groups.tolist(), kname[best][pick].tolist(), strict=True):
            out[gi] = str(ranked[ci])
    todo = [i for i, name in enumerate(out) if not name]
    if todo:
        for i, (name_code, d) in zip(todo, _nearest_named(ex, ny, codes, centres[todo]), strict=True):
            if name_code >= 0:
                name = str(ranked[name_code])
                out[i] = name if d <= far_m else f"{name} (nearest named location, {_distance_text(d)} away)"
    return out


def _nearest_named(x: np.ndarray, y: np.ndarray, codes: np.ndarray, centres: np.ndarray) -> list[tuple[int, float]]:
    """(street-name code, distance) of the named snap point nearest each centre; (-1, inf) if none.

    Equally near points go to the busiest (most incidents with that name there), then the first
    name alphabetically, then the lower easting and northing: :func:`named_places`'s order.  The
    tree holds the named incidents themselves, so the distinct places are never counted for the
    whole selection, only at the few points a centre is nearest to.
    """
    ok = (codes >= 0) & np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return [(-1, float("inf"))] * len(centres)
    px, py, pc = x[ok], y[ok], codes[ok]
    tree = cKDTree(np.column_stack([px, py]), balanced_tree=False, compact_nodes=False)
    dist, _ = tree.query(centres, k=1)
    out = []
    for (cx, cy), d in zip(centres, np.atleast_1d(dist), strict=True):
        # every incident at the nearest distance (a hair wider for rounding), then exactly nearest
        near = np.asarray(tree.query_ball_point((cx, cy), r=float(d) * (1 + 1e-9) + 1e-9), dtype=np.int64)
        dd = np.hypot(px[near] - cx, py[near] - cy)
        nearest = float(dd.min())
        near = near[dd == nearest]
        if len(near) == 1:  # the usual case: one incident nearest
            out.append((int(pc[near[0]]), nearest))
            continue
        key = np.column_stack([pc[near], px[near], py[near]])
        places, counts = np.unique(key, axis=0, return_counts=True)
        best = np.lexsort((places[:, 2], places[:, 1], places[:, 0], -counts))[0]
        out.append((int(places[best, 0]), nearest))
    return out


def _distance_text(metres: float) -> str:
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{round(metres, -1):.0f} m"


def nearest_street(
    incidents: pd.DataFrame, x: float, y: float, *, members: np.ndarray | None = None, k: int = 5
) -> str:
    """Best street name for one place: among ``members`` (positions), else its ``k`` nearest incidents.

    See :func:`streets_for_groups` for the rule.
    """
    if incidents.empty:
        return ""
    if members is None:
        pts = np.c_[incidents["easting"].to_numpy(float), incidents["northing"].to_numpy(float)]
        _, idx = cKDTree(pts).query([x, y], k=min(k, len(pts)))
        members = np.atleast_1d(idx)
    members = np.asarray(members, dtype=int)
    return streets_for_groups(incidents, np.zeros(len(members), dtype=int), members, [(x, y)])[0]


def places_near(
    incidents: pd.DataFrame, points: Sequence[tuple[float, float]] | np.ndarray, within: float, *, limit: int = 40
) -> pd.DataFrame:
    """Named snap points within ``within`` metres of any of ``points``, one per name (the closest).

    For labelling a map without tiles: ``easting``, ``northing``, ``name``, ``incidents``,
    ``distance_m`` (to the nearest point), closest first, at most ``limit`` rows.
    """
    places = named_places(incidents)
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    if places.empty or not len(pts):
        return places.assign(distance_m=pd.Series(dtype=float))
    dist, _ = cKDTree(pts).query(places[["easting", "northing"]].to_numpy(float), k=1)
    places = places.assign(distance_m=np.round(dist, 1))
    places = places[places["distance_m"] <= within]
    places = places.sort_values(["distance_m", "incidents", "name"], ascending=[True, False, True])
    return places.drop_duplicates("name").head(limit).reset_index(drop=True)


__all__ = [
    "GENERIC_PLACES",
    "named_places",
    "nearest_street",
    "places_near",
    "street_name",
    "street_names",
    "streets_for_groups",
]
