"""The backtest's folds: rolling windows, the study area, and every model scored on each fold.

Folds roll through the data: with ``train_months=3`` and ``test_months=1`` on February-September,
train Feb-Apr/test May, ..., train Jun-Aug/test Sep.  In each fold the method runs through
:func:`geo.hotspots.find_hotspots` on the training months and is scored on the polygons it
returns; the fair baselines (:mod:`geo.hotspots.baselines`) get the area the method used (at
most the budget; the whole budget when it drew nothing), so their PAIs compare at equal area.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely

from geo.evaluate_scores import Accumulator, EvaluationError, Score
from geo.hotspots import HotspotResult, find_hotspots
from geo.hotspots import baselines as bl
from geo.hotspots.area import selection_area
from geo.hotspots.result import study_area
from geo.selection import reference_time

#: Name of the KDE baseline in result tables (every baseline's name starts "baseline: ").
BASELINE_KDE = "baseline: KDE, bandwidth chosen on training"
#: A fold: (first training month, first test month, last test month).
Fold = tuple[pd.Period, pd.Period, pd.Period]


def months_of(df: pd.DataFrame) -> pd.Series:
    """The calendar month of every incident's reference time."""
    return reference_time(df).dt.tz_localize(None).dt.to_period("M")


def folds(df: pd.DataFrame, train_months: int = 3, test_months: int = 1) -> list[Fold]:
    """Rolling (train start, test start, test end) months over the months the data covers.

    Parameters
    ----------
    df : DataFrame
        Canonical incidents.
    train_months, test_months : int, default 3 and 1
        Window lengths.

    Returns
    -------
    list of (Period, Period, Period)
    """
    if train_months < 1 or test_months < 1:
        raise EvaluationError("training and test windows must be at least one month")
    months = months_of(df)
    first, last = months.min(), months.max()
    out = []
    start = first
    while start + train_months + test_months - 1 <= last:
        out.append((start, start + train_months, start + train_months + test_months - 1))
        start = start + test_months
    return out


def kept_folds(df: pd.DataFrame, train_months: int, test_months: int, max_folds: int | None) -> list[Fold]:
    """The folds with training and test incidents, the latest ``max_folds`` of them.

    Raises
    ------
    EvaluationError
        No fold is left (too few months).
    """
    fl = folds(df, train_months, test_months)
    present = set(months_of(df))
    fl = [f for f in fl if any(f[0] <= m < f[1] for m in present) and any(f[1] <= m <= f[2] for m in present)]
    if max_folds is not None:
        if max_folds < 1:
            raise EvaluationError(f"max_folds must be at least 1, got {max_folds}")
        fl = fl[-max_folds:]
    if not fl:
        raise EvaluationError(
            f"the selection covers {months_of(df).nunique()} month(s) with data: a backtest needs at least "
            f"{train_months + test_months} ({train_months} to train, {test_months} to test)"
        )
    return fl


def study_region(incidents: Any, df: pd.DataFrame, district: Any, area: Any) -> tuple[shapely.Geometry, str]:
    """The study area of the backtest (the given area, the selection's, the district, the extent) and its name."""
    if area is not None:
        return shapely.make_valid(area), "the given area"
    sel = getattr(incidents, "selection", None)
    if district is not None and sel is not None and (sel.sectors or sel.zone is not None):
        return selection_area(sel, district), "the selected area"
    geom, _ = study_area(district, df["easting"].to_numpy(float), df["northing"].to_numpy(float))
    if geom is None:
        x, y = df["easting"].to_numpy(float), df["northing"].to_numpy(float)
        return shapely.box(x.min(), y.min(), x.max() + 1.0, y.max() + 1.0), "the incidents' extent"
    return geom, "the district"


def method_fold(
    train: pd.DataFrame,
    test: pd.DataFrame,
    method: str,
    geom: shapely.Geometry,
    district: Any,
    seed: int,
    kw: dict[str, Any],
    ctx: pd.DataFrame | None = None,
) -> tuple[int, float, float | None, HotspotResult]:
    """Run the product's call on ``train``: its hits on ``test``, area used, cell size and result.

    ``auto`` gets the training window's all-crime incidents (``ctx``), as the map's call does.
    """
    if method == "auto":
        kw = {**kw, "context": ctx}
    res = find_hotspots(train, method, district=district, area=geom, seed=seed, **kw)
    polys = res.polygons
    used = float(polys["area_m2"].sum()) if not polys.empty else 0.0
    hits = 0
    if not polys.empty and not test.empty:
        # an STR-tree over the hotspots rather than their union (the union of many cells is slow)
        points = shapely.points(test["easting"].to_numpy(float), test["northing"].to_numpy(float))
        inside, _ = shapely.STRtree(polys.geometry.to_numpy()).query(points, predicate="intersects")
        hits = len(np.unique(inside))
    cell = res.params.get("cell_size_m")
    return hits, used, (float(cell) if cell else None), res


def baseline_budget(budget_share: float | None, area_m2: float, used: float) -> float:
    """The area the baselines get in one fold (m2).

    The area the method used (equal area, so the PAIs compare), at most the budget; the whole
    budget when the method drew nothing (it is then charged for it).
    """
    if budget_share is None:
        return used
    budget = budget_share * area_m2
    return min(budget, used) if used > 0 else budget


class _Frames:
    """Baseline grids over the study area, one per cell size, built once."""

    def __init__(self, geom: shapely.Geometry) -> None:
        self.geom = geom
        self._frames: dict[float, bl.Frame] = {}

    def __call__(self, cell: float) -> bl.Frame:
        if cell not in self._frames:
            self._frames[cell] = bl.Frame.make(self.geom, cell)
        return self._frames[cell]


def _baselines_fold(
    acc: dict[str, Accumulator],
    frame: _Frames,
    data: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None, pd.Series],
    cell: float | None,
    budget: float,
    area_m2: float,
) -> float:
    """Score every baseline on one fold (into ``acc``); the KDE bandwidth chosen."""
    train, test, ctx, train_months = data
    for c in dict.fromkeys(c for c in (cell, *bl.COUNT_CELLS) if c):
        fr = frame(c)
        sel = bl.counts_cells(fr, train, ctx, budget)
        a = float(sel.sum()) * fr.grid.cell_area_m2
        acc.setdefault(f"baseline: previous counts {c:g} m", Accumulator()).add(
            bl.hits_in_cells(sel, fr, test), len(test), bl.oracle_hits(fr, test, a), a / area_m2
        )
    fr = frame(bl.KDE_CELL)
    bw = bl.choose_bandwidth(fr, train, train_months, budget)
    sel = bl.kde_cells(fr, train, bw, budget)
    a = float(sel.sum()) * fr.grid.cell_area_m2
    acc.setdefault(BASELINE_KDE, Accumulator()).add(
        bl.hits_in_cells(sel, fr, test), len(test), bl.oracle_hits(fr, test, a), a / area_m2
    )
    return bw


def run_folds(
    sub: pd.DataFrame,
    context: pd.DataFrame | None,
    fl: list[Fold],
    call: tuple[str, shapely.Geometry, Any, int, dict[str, Any]],
    budget_share: float | None,
) -> tuple[dict[str, Score], dict[str, list]]:
    """Pooled scores of the method and every baseline over the folds, and what was chosen.

    Parameters
    ----------
    sub : DataFrame
        The selection's incidents.
    context : DataFrame or None
        All-crime incidents (baselines fill from them; ``auto`` too).
    fl : list of folds
        From :func:`kept_folds`.
    call : (method, study area, district, seed, keyword arguments)
        The :func:`geo.hotspots.find_hotspots` call scored.
    budget_share : float or None
        The budget as a share of the study area.

    Returns
    -------
    (dict of model -> Score, dict)
        The second holds per fold ``bandwidth_m`` (KDE baseline), ``cell_size_m`` and ``chosen``
        (what ``auto`` drew).
    """
    method, geom, district, seed, kw = call
    area_m2 = float(geom.area)
    months = months_of(sub)
    ctx_months = months_of(context) if context is not None else None
    frame = _Frames(geom)
    acc: dict[str, Accumulator] = {}
    chosen: dict[str, list] = {"bandwidth_m": [], "cell_size_m": [], "chosen": []}
    for train_start, test_start, test_end in fl:
        in_train = ((months >= train_start) & (months < test_start)).to_numpy()
        test = sub[((months >= test_start) & (months <= test_end)).to_numpy()]
        train = sub[in_train]
        if train.empty or test.empty:
            continue
        ctx = None
        if context is not None and ctx_months is not None:
            ctx = context[((ctx_months >= train_start) & (ctx_months < test_start)).to_numpy()]
        hits, used, cell, res = method_fold(train, test, method, geom, district, seed, kw, ctx)
        chosen["cell_size_m"].append(cell)
        chosen["chosen"].append(res.params.get("chosen"))
        oracle = bl.oracle_hits(frame(cell or bl.ORACLE_CELL), test, used)
        acc.setdefault(method, Accumulator()).add(hits, len(test), oracle, used / area_m2)
        budget = baseline_budget(budget_share, area_m2, used)
        data = (train, test, ctx, months[in_train])
        chosen["bandwidth_m"].append(_baselines_fold(acc, frame, data, cell, budget, area_m2))
    return {m: a.score(m) for m, a in acc.items()}, chosen
