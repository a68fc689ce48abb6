"""Backtesting hotspot methods: hit rate and Predictive Accuracy Index (PAI).

A method is trained on a window of months and scored on the month(s) after it:

* **hit rate** = test incidents inside the hotspots / all test incidents;
* **area share** = hotspot area / district area;
* **PAI** = hit rate / area share (Chainey, Tompson & Uhlig 2008).

Fairness: every model is cut to the *same* cap, ``area_share`` of the district's area (default 1%),
on one evaluation grid: grid methods offer their per-cell surface (KDE density, Gi* z of hot
cells), cluster methods their polygons (cells whose centre lies inside, best-ranked polygon first),
and the highest-scoring cells are taken until the cap.  Two baselines are computed the same way:

* ``previous counts``: the number of incidents per cell in the training window;
* ``plain KDE``: a KDE with Scott's-rule bandwidth (the textbook default).

Folds roll through the data: with ``train_months=3`` and ``test_months=1`` on February-September,
train Feb-Apr/test May, ..., train Jun-Aug/test Sep.  Results pool the folds: hit rate = all hits /
all test incidents, area share = mean area share, PAI = pooled hit rate / mean area share.

PAI rewards small areas: a baseline that marks only 0.05% of the district (the few cells where a
rare crime type happened) gets a huge PAI from a handful of hits.  Comparisons therefore use
``pai_at_cap`` = hit rate / the cap: the share of next month's incidents caught with a budget of
1% of the area, whether or not a model uses all of it.  ``pai`` (actual area) is reported beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.errors import HotspotsError
from geo.hotspots import DEFAULT_METHOD, METHODS, HotspotError, find_hotspots
from geo.hotspots._grid import Grid, auto_cell_size, make_grid
from geo.hotspots._result import dedupe, study_area, unwrap
from geo.hotspots.kde import kde_surface, scott_bandwidth
from geo.selection import reference_time

#: Names of the two baselines in result tables.
BASELINE_COUNTS = "baseline: previous counts"
BASELINE_KDE = "baseline: plain KDE"
#: Crime types with fewer test incidents than this (pooled over folds) are reported but flagged.
MIN_TEST_INCIDENTS = 30


class EvaluationError(HotspotsError, ValueError):
    """Impossible backtest parameters or not enough data."""


def pai(hits: float, total: float, hotspot_area: float, study_area_: float) -> float:
    """Predictive Accuracy Index: (hits / total) / (hotspot_area / study_area).

    Returns 0 when there are no test incidents or no hotspot area.
    """
    if total <= 0 or hotspot_area <= 0 or study_area_ <= 0:
        return 0.0
    return (hits / total) / (hotspot_area / study_area_)


@dataclass(frozen=True)
class _Frame:
    grid: Grid
    inside: np.ndarray  # flat bool, cells of the study area
    cap: int  # cells allowed
    area_m2: float


def _eval_frame(df: pd.DataFrame, district, cell_size: float | None, area_share: float) -> _Frame:
    x, y = df["easting"].to_numpy(float), df["northing"].to_numpy(float)
    geom, area_m2 = study_area(district, x, y)
    bounds = tuple(geom.bounds) if geom is not None else (x.min(), y.min(), x.max(), y.max())
    if cell_size is None:
        ux, uy, _, _ = dedupe(x, y)
        cell_size = auto_cell_size(ux, uy, bounds)
    grid = make_grid(x, y, cell_size, bounds=bounds)
    inside = grid.inside_mask(geom).ravel()
    cap = int(math.floor(area_share * area_m2 / grid.cell_area_m2))
    if cap < 1:
        raise EvaluationError(
            f"{area_share:.2%} of the area ({area_share * area_m2:,.0f} m2) is smaller than one "
            f"{cell_size:.0f} m cell: choose a larger share or a smaller cell"
        )
    return _Frame(grid, inside, cap, area_m2)


def _top_cells(score: np.ndarray, frame: _Frame) -> np.ndarray:
    score = np.where(frame.inside & (score > 0), score, 0.0)
    n = min(frame.cap, int((score > 0).sum()))
    sel = np.zeros(score.size, dtype=bool)
    sel[np.argsort(-score, kind="stable")[:n]] = True
    return sel


def _sample(surface: tuple[Grid, np.ndarray], frame: _Frame) -> np.ndarray:
    grid, values = surface
    cx, cy = frame.grid.centres()
    loc = grid.locate(cx, cy)
    return np.where(loc >= 0, values.ravel()[np.maximum(loc, 0)], 0.0)


def _method_score(train: pd.DataFrame, method: str, frame: _Frame, district, params: dict, seed: int):
    counts = frame.grid.counts(train["easting"].to_numpy(float), train["northing"].to_numpy(float)).ravel()
    if method == BASELINE_COUNTS:
        return counts
    x, y = train["easting"].to_numpy(float), train["northing"].to_numpy(float)
    if method == BASELINE_KDE:
        bw = max(scott_bandwidth(x, y), frame.grid.cell)
        return _sample(kde_surface(x, y, cell_size=frame.grid.cell, bandwidth=bw, grid=frame.grid), frame)
    if method in ("kde", "gistar") and params.get("cell_size") is None:
        # the grid methods work on the evaluation grid unless told otherwise, so the cap is exact
        params = {**params, "cell_size": frame.grid.cell}
    res = find_hotspots(train, method, district=district, seed=seed, **params)
    if res.surface is not None:
        return _sample(res.surface, frame)
    import shapely

    score = np.zeros(frame.grid.size)
    cx, cy = frame.grid.centres()
    k = len(res.polygons)
    # best-ranked polygon first, then the training counts inside it
    for rank, geom in zip(res.polygons["rank"], res.polygons.geometry, strict=True):
        inside = shapely.contains_xy(geom, cx, cy)
        score[inside & (score == 0)] = (k - rank + 1) * 1e9 + counts[inside & (score == 0)] + 1
    return score


def _months(df: pd.DataFrame) -> pd.PeriodIndex:
    return reference_time(df).dt.tz_localize(None).dt.to_period("M")


def folds(
    df: pd.DataFrame, train_months: int = 3, test_months: int = 1
) -> list[tuple[pd.Period, pd.Period, pd.Period]]:
    """Rolling (train start, test start, test end) months over the months the data covers."""
    if train_months < 1 or test_months < 1:
        raise EvaluationError("training and test windows must be at least one month")
    months = _months(df)
    first, last = months.min(), months.max()
    out = []
    start = first
    while start + train_months + test_months - 1 <= last:
        out.append((start, start + train_months, start + train_months + test_months - 1))
        start = start + test_months
    return out


def _has_data(fold: tuple[pd.Period, pd.Period, pd.Period], present: set) -> bool:
    train_start, test_start, test_end = fold
    train = any(train_start <= m < test_start for m in present)
    return train and any(test_start <= m <= test_end for m in present)


def backtest(
    incidents,
    method: str = DEFAULT_METHOD,
    *,
    district=None,
    area_share: float = 0.01,
    train_months: int = 3,
    test_months: int = 1,
    by_crime_type: bool = True,
    cell_size: float | None = None,
    max_folds: int | None = None,
    seed: int = 0,
    **params,
) -> pd.DataFrame:
    """Backtest ``method`` beside the two baselines at ``area_share`` of the district's area.

    Parameters
    ----------
    incidents : DataFrame or SelectionResult
        The selection to backtest (any time precision; months come from the reference time).
    method : str
        A hotspot method (:data:`geo.hotspots.METHODS`).
    district : District, optional
        The area shares refer to; without it, the incidents' bounding box.
    area_share : float, default 0.01
        Cap on each model's hotspot area, as a share of the district area.
    train_months, test_months : int, default 3 and 1
        Rolling window lengths (see the module notes).
    by_crime_type : bool, default True
        Add one block of rows per crime type beside "All".
    cell_size : float, optional
        Evaluation grid cell in metres (automatic as for KDE when None); the grid methods use
        it too.
    max_folds : int, optional
        Keep only the latest ``max_folds`` folds that have both training and test incidents
        (each fold costs a few tenths of a second; five years of data make 60).  None keeps all.
    **params
        Passed to the method.

    Returns
    -------
    DataFrame
        One row per crime type and model: ``crime_type``, ``model``, ``folds``,
        ``test_incidents``, ``hits``, ``hit_rate``, ``area_share`` (mean area actually marked),
        ``pai`` (hit rate / that area), ``pai_at_cap`` (hit rate / ``area_share`` cap: the PAI "at 1%
        of the area", which charges a model for the whole budget even when it marks less - the
        fair comparison), ``best_baseline_pai`` (the better baseline's ``pai_at_cap``),
        ``few_incidents``; ``attrs["params"]`` holds the settings.
    """
    if method not in METHODS:
        raise HotspotError(f"unknown hotspot method '{method}'; choose from {', '.join(METHODS)}")
    if not 0 < area_share <= 1:
        raise EvaluationError(f"area share must be in (0, 1], got {area_share}")
    df, notes = unwrap(incidents)
    if df.empty:
        raise EvaluationError("no incidents match the selection")
    fl = folds(df, train_months, test_months)
    if max_folds is not None:
        if max_folds < 1:
            raise EvaluationError(f"max_folds must be at least 1, got {max_folds}")
        present = set(_months(df))
        fl = [f for f in fl if _has_data(f, present)][-max_folds:]
        if fl:  # fit only on the months the kept folds use
            df = df[(_months(df) >= fl[0][0]).to_numpy()]
    if not fl:
        raise EvaluationError(
            f"the selection covers {_months(df).nunique()} month(s): a backtest needs at least "
            f"{train_months + test_months} ({train_months} to train, {test_months} to test)"
        )
    frame = _eval_frame(df, district, cell_size, area_share)
    groups = [("All", df)]
    if by_crime_type and "crime_type" in df:
        groups += [(str(t), g) for t, g in df.groupby("crime_type", sort=True, observed=True)]
    models = [method, BASELINE_COUNTS, BASELINE_KDE]
    rows = []
    for name, sub in groups:
        months = _months(sub)
        acc = {m: [0, 0, []] for m in models}  # hits, total, area shares
        used = 0
        for train_start, test_start, test_end in fl:
            train = sub[(months >= train_start) & (months < test_start)]
            test = sub[(months >= test_start) & (months <= test_end)]
            if train.empty or test.empty:
                continue
            used += 1
            loc = frame.grid.locate(test["easting"].to_numpy(float), test["northing"].to_numpy(float))
            for m in models:
                sel = _top_cells(_method_score(train, m, frame, district, params, seed), frame)
                hits = int(sel[loc[loc >= 0]].sum())
                acc[m][0] += hits
                acc[m][1] += len(test)
                acc[m][2].append(sel.sum() * frame.grid.cell_area_m2 / frame.area_m2)
        for m in models:
            hits, total, shares = acc[m]
            share = float(np.mean(shares)) if shares else 0.0
            hr = hits / total if total else 0.0
            rows.append(
                {
                    "crime_type": name,
                    "model": m,
                    "folds": used,
                    "test_incidents": total,
                    "hits": hits,
                    "hit_rate": round(hr, 4),
                    "area_share": round(share, 5),
                    "pai": round(hr / share, 2) if share else 0.0,
                    "pai_at_cap": round(hr / area_share, 2),
                }
            )
    out = pd.DataFrame(rows)
    best = out[out["model"].str.startswith("baseline")].groupby("crime_type")["pai_at_cap"].max()
    out["best_baseline_pai"] = out["crime_type"].map(best)
    out["few_incidents"] = out["test_incidents"] < MIN_TEST_INCIDENTS
    out.attrs["params"] = {
        "method": method,
        "method_params": dict(params),
        "area_share_cap": area_share,
        "cells_cap": frame.cap,
        "cell_size_m": frame.grid.cell,
        "train_months": train_months,
        "test_months": test_months,
        "folds": [f"train {a}..{b - 1}, test {b}..{c}" for a, b, c in fl],
        "study_area_km2": round(frame.area_m2 / 1e6, 3),
    }
    out.attrs["notes"] = notes
    return out


def backtest_summary(
    incidents,
    method: str = DEFAULT_METHOD,
    *,
    district=None,
    area_share: float = 0.01,
    train_months: int = 3,
    test_months: int = 1,
    max_folds: int | None = None,
    **params,
) -> dict:
    """The backtested PAI the dashboard shows beside the hotspots (all crime types together).

    Returns
    -------
    dict
        ``method``, ``pai``, ``hit_rate``, ``area_share``, ``baseline_pai`` and ``baseline`` (the
        better baseline's PAI and name), ``folds``, ``test_incidents`` and ``text`` (one line, e.g.
        "PAI 77.7 at 1% of the area (hit rate 78%) — previous-counts baseline 76.9"); ``pai`` is
        None with a reason in ``text`` when there is too little data.
    """
    try:
        table = backtest(
            incidents,
            method,
            district=district,
            area_share=area_share,
            train_months=train_months,
            test_months=test_months,
            by_crime_type=False,
            max_folds=max_folds,
            **params,
        )
    except EvaluationError as exc:
        reason = str(exc)
    else:
        row = table[table["model"] == method].iloc[0]
        reason = "" if int(row["folds"]) and int(row["test_incidents"]) else "no month has both training and test data"
    if reason:
        return {
            "method": method,
            "pai": None,
            "hit_rate": None,
            "area_share": area_share,
            "baseline_pai": None,
            "baseline": None,
            "folds": 0,
            "text": f"no backtest: {reason}",
        }
    baselines = table[table["model"].str.startswith("baseline")]
    best = baselines.sort_values("pai_at_cap", ascending=False, kind="stable").iloc[0]
    name = "previous-counts" if best["model"] == BASELINE_COUNTS else "plain-KDE"
    return {
        "method": method,
        "pai": float(row["pai_at_cap"]),
        "hit_rate": float(row["hit_rate"]),
        "area_share": area_share,
        "baseline_pai": float(best["pai_at_cap"]),
        "baseline": name,
        "folds": int(row["folds"]),
        "test_incidents": int(row["test_incidents"]),
        "text": (
            f"PAI {row['pai_at_cap']:.1f} at {area_share:.0%} of the area (hit rate {row['hit_rate']:.0%}) — "
            f"{name} baseline {best['pai_at_cap']:.1f}"
        ),
    }
