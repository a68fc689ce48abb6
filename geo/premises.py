"""Link night-time incidents to their nearest licensed premises and rank the premises.

Rules (reported back in :attr:`PremisesLinks.rule`):

* Distances are straight lines in British National Grid metres (EPSG:27700).
* An incident is linked to its nearest premises when that premises is within ``radius_m``
  (default 50 m); otherwise it is unlinked (counted).  Incidents without coordinates are counted.
* **Ties.** Premises within ``tie_tolerance_m`` (default 1 cm) of the nearest distance are equally
  near (two licences at one address, or a point midway); the incident goes to the one with the
  smallest ``premises_id`` (string order), and ``tied`` marks it.
* **Several premises near.** ``n_within`` counts the premises within the radius of the incident;
  the ranked table's ``shared`` column counts each premises' incidents that had another premises
  within the radius too, so a premises in a busy street is not blamed alone.
* data.police.uk locations are snapped to anonymous map points, so a link from those rows says
  "near", not "at"; use force data with exact coordinates for licensing reviews.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.schema import BNG
from geo.selection import DAY_NAMES, DEFAULT_NIGHT_CUTOFF, night_of, reference_time

if TYPE_CHECKING:
    from geo.config import District

#: Default linking radius in metres.
DEFAULT_RADIUS_M = 50.0
#: Distances within this many metres of the radius count as on it: BNG coordinates such as
#: 448050.1 - 448000.1 differ from 50 by float rounding (about 1e-11 m), far below any real distance.
RADIUS_SLACK_M = 1e-6
#: Fewest incidents a premises' share may rest on before it is marked "too few to rely on".
DEFAULT_MIN_COUNT = 5
TOO_FEW = "too few to rely on"


@dataclass
class PremisesLinks:
    """Incidents linked to premises, and premises ranked by linked incidents.

    Attributes
    ----------
    links : DataFrame
        One row per located input incident: ``incident_id``, ``premises_id`` (missing when none
        within the radius), ``distance_m``, ``n_within`` (premises within the radius), ``tied``.
    table : DataFrame
        One row per premises with at least one incident, ranked: ``rank``, ``premises_id``,
        ``name``, ``address``, ``postcode``, ``incidents``, ``share_of_linked``, ``share_of_all``
        (of all located input incidents), ``shared`` (incidents with other premises in the radius
        too), ``tied``, ``peak_night``, ``peak_hour`` (clock hour, "" without timed incidents),
        ``zone`` (band of the premises' location when zones were given), ``too_few`` (fewer than
        ``min_count`` incidents) and ``reliability`` ("too few to rely on" or "").
    n_incidents, n_linked, n_unlocated : int
    radius_m : float
    rule : str
    notes : list of str
    """

    links: pd.DataFrame
    table: pd.DataFrame
    n_incidents: int
    n_linked: int
    n_unlocated: int
    radius_m: float
    rule: str
    notes: list[str] = field(default_factory=list)


def _premises_xy(premises: gpd.GeoDataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Premises sorted by id (so the lowest index wins ties) and their BNG coordinates."""
    if premises.crs is None:
        raise ValueError("premises have no CRS; expected EPSG:27700")
    p = premises.to_crs(BNG) if premises.crs != BNG else premises
    p = p.assign(premises_id=p["premises_id"].astype(str)).sort_values("premises_id", kind="stable")
    p = p.reset_index(drop=True)
    xy = np.column_stack([p.geometry.x.to_numpy(), p.geometry.y.to_numpy()])
    return p, xy


def premises_zones(premises: gpd.GeoDataFrame, district: District) -> pd.Series:
    """Zone band of each premises' location (same banding as :func:`geo.timing.zone_bands`).

    Returns
    -------
    Series indexed by ``premises_id``.
    """
    from geo.timing import zone_bands

    p = premises.to_crs(BNG)
    flags = pd.DataFrame(index=p.index)
    for z in district.zones:
        layer = district.zone_layer(z.key)
        flags[z.column] = p.geometry.within(layer.geometry.iloc[0])
    band, _, _ = zone_bands(flags, district)
    return pd.Series(band.to_numpy(), index=p["premises_id"].astype(str).to_numpy())


def link_premises(
    incidents: pd.DataFrame,
    premises: gpd.GeoDataFrame,
    *,
    radius_m: float = DEFAULT_RADIUS_M,
    tie_tolerance_m: float = 0.01,
    zones: pd.Series | None = None,
    night_cutoff: int | None = DEFAULT_NIGHT_CUTOFF,
    min_count: int = DEFAULT_MIN_COUNT,
) -> PremisesLinks:
    """Link each incident to its nearest licensed premises within ``radius_m``; rank the premises.

    Parameters
    ----------
    incidents : DataFrame
        Canonical incidents (``easting``, ``northing``, times), typically night-time violence.
    premises : GeoDataFrame
        Points with ``premises_id`` and ``name`` (``district.premises``).
    radius_m : float, default 50
        Inclusive: an incident exactly ``radius_m`` away is linked (see :data:`RADIUS_SLACK_M`).
    tie_tolerance_m : float, default 0.01
        Distances this close count as a tie (see module notes).
    zones : Series, optional
        Band per ``premises_id`` (:func:`premises_zones`) for the table's ``zone`` column.
    night_cutoff : int or None, default 6
        Night-of convention for ``peak_night``.
    min_count : int, default 5
        A premises with fewer linked incidents is marked ``too_few`` (its share is not a finding).

    Returns
    -------
    PremisesLinks
    """
    if radius_m <= 0:
        raise ValueError(f"radius must be positive, got {radius_m}")
    if premises.empty:
        raise ValueError("no licensed premises to link to")
    p, pxy = _premises_xy(premises)
    located = incidents["easting"].notna().to_numpy() & incidents["northing"].notna().to_numpy()
    inc = incidents.loc[located]
    ixy = np.column_stack([inc["easting"].to_numpy(float), inc["northing"].to_numpy(float)])
    distance, best, n_within, tied = _nearest_premises(pxy, ixy, radius_m, tie_tolerance_m)
    near = np.isfinite(distance)
    links = pd.DataFrame(
        {
            "incident_id": inc["incident_id"].to_numpy(),
            "premises_id": pd.Series(np.where(near, p["premises_id"].to_numpy()[best.clip(0)], None), dtype="string"),
            "distance_m": np.where(near, distance, np.nan).round(1),
            "n_within": n_within,
            "tied": tied,
        }
    )
    table = _rank(inc, links, p, near, zones, night_cutoff)
    table["too_few"] = table["incidents"] < min_count
    table["reliability"] = np.where(table["too_few"], TOO_FEW, "")
    n_linked = int(near.sum())
    rule = (
        f"nearest licensed premises within {radius_m:g} m (straight line, EPSG:27700); equidistant premises "
        f"(within {tie_tolerance_m:g} m) go to the lowest premises_id; 'shared' counts incidents that had "
        "other premises within the radius too"
    )
    return PremisesLinks(
        links=links,
        table=table,
        n_incidents=len(inc),
        n_linked=n_linked,
        n_unlocated=int((~located).sum()),
        radius_m=float(radius_m),
        rule=rule,
        notes=_link_notes(inc, int((~located).sum()), n_linked, radius_m, table, min_count, int(tied.sum())),
    )


def _link_notes(
    inc: pd.DataFrame,
    n_unlocated: int,
    n_linked: int,
    radius_m: float,
    table: pd.DataFrame,
    min_count: int,
    n_tied: int,
) -> list[str]:
    """What was left out, how much was linked, which shares are too few to rely on, ties, snapped points."""
    notes = []
    if n_unlocated:
        notes.append(f"{n_unlocated:,} incidents without coordinates left out")
    notes.append(f"{n_linked:,} of {len(inc):,} located incidents within {radius_m:g} m of a licensed premises")
    n_few = int(table["too_few"].sum())
    if n_few:
        notes.append(f"{n_few:,} premises with fewer than {min_count} linked incidents: their shares are {TOO_FEW}")
    if n_tied:
        notes.append(f"{n_tied:,} incidents equidistant from two or more premises (tie rule applied)")
    if "source" in inc and inc["source"].astype(str).str.startswith("police_uk").any():
        notes.append("data.police.uk locations are snapped to anonymous map points: a link means near, not at")
    return notes


def _nearest_premises(
    pxy: np.ndarray, ixy: np.ndarray, radius_m: float, tie_tolerance_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each incident's nearest premises within the radius, by the rules in the module notes.

    Returns
    -------
    (distance, best, n_within, tied)
        Distance to the nearest premises (inf when none is within the radius), its row in ``pxy``
        (-1 when none; ties go to the lowest row), the number of premises within the radius, and
        whether another premises is equally near.
    """
    tree = cKDTree(pxy)
    k = min(2, len(pxy))
    reach = radius_m + RADIUS_SLACK_M  # inclusive radius, robust to float rounding of BNG metres
    # query() keeps only neighbours strictly closer than its bound: widen it, then apply the rule.
    dist, idx = tree.query(ixy, k=k, distance_upper_bound=reach * (1 + 1e-9) + 1e-9)
    dist, idx = dist.reshape(len(ixy), k), idx.reshape(len(ixy), k)
    dist = np.where(dist <= reach, dist, np.inf)
    idx = np.where(np.isfinite(dist), idx, len(pxy))
    near = np.isfinite(dist[:, 0])
    n_within = np.asarray(tree.query_ball_point(ixy, r=reach, return_length=True), dtype=int)
    best = np.where(near, idx[:, 0], -1)
    tied = np.zeros(len(ixy), dtype=bool)
    if k == 2:
        with np.errstate(invalid="ignore"):  # inf - inf where neither neighbour is in range
            tied = near & np.isfinite(dist[:, 1]) & (dist[:, 1] - dist[:, 0] <= tie_tolerance_m)
        # The tree returns tied neighbours in no promised order: pick the lowest index (= lowest id).
        ti = np.flatnonzero(tied)
        if ti.size:
            cands = tree.query_ball_point(ixy[ti], r=dist[ti, 0] + tie_tolerance_m)
            best[ti] = [min(c) for c in cands]
    return dist[:, 0], best, n_within, tied


def _rank(
    inc: pd.DataFrame,
    links: pd.DataFrame,
    p: pd.DataFrame,
    near: np.ndarray,
    zones: pd.Series | None,
    night_cutoff: int | None,
) -> pd.DataFrame:
    linked = links.loc[near].copy()
    rows = inc.loc[near]
    timed = (rows["time_precision"] == "time").fillna(False).to_numpy()
    ref = reference_time(rows)
    linked["night"] = np.where(timed, night_of(ref, night_cutoff).dt.day_of_week.to_numpy(), -1)
    linked["hour"] = np.where(timed, ref.dt.hour.to_numpy(), -1)
    linked["shared"] = linked["n_within"] > 1
    g = linked.groupby("premises_id", sort=False)
    table = g.agg(incidents=("incident_id", "size"), shared=("shared", "sum"), tied=("tied", "sum"))
    table["peak_night"] = _peak(linked, "night", lambda v: DAY_NAMES[v]).reindex(table.index).fillna("")
    table["peak_hour"] = _peak(linked, "hour", lambda v: f"{v:02d}:00").reindex(table.index).fillna("")
    info = p.drop(columns="geometry").set_index("premises_id")
    keep = [c for c in ("name", "address", "postcode") if c in info]
    table = table.join(info[keep])
    total_linked = max(int(near.sum()), 1)
    table["share_of_linked"] = (table["incidents"] / total_linked).round(4)
    table["share_of_all"] = (table["incidents"] / max(len(inc), 1)).round(4)
    table["zone"] = zones.reindex(table.index).fillna("") if zones is not None else ""
    table = table.reset_index().sort_values(["incidents", "premises_id"], ascending=[False, True], kind="stable")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    cols = ["rank", "premises_id", *keep, "incidents", "share_of_linked", "share_of_all", "shared", "tied"]
    return table[[*cols, "peak_night", "peak_hour", "zone"]].reset_index(drop=True)


def _peak(linked: pd.DataFrame, col: str, fmt: Callable[[int], str]) -> pd.Series:
    """Most frequent timed value per premises; ties go to the earliest (Monday, 00:00)."""
    timed = linked[linked[col] >= 0]
    if timed.empty:
        return pd.Series(dtype=object)
    counts = timed.groupby(["premises_id", col]).size().reset_index(name="n")
    counts = counts.sort_values(["premises_id", "n", col], ascending=[True, False, True])
    top = counts.drop_duplicates("premises_id").set_index("premises_id")[col]
    return top.map(fmt)


__all__ = [
    "DEFAULT_MIN_COUNT",
    "DEFAULT_RADIUS_M",
    "RADIUS_SLACK_M",
    "TOO_FEW",
    "PremisesLinks",
    "link_premises",
    "premises_zones",
]
