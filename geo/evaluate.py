"""Backtesting hotspots as the product makes them: hit rate, PAI, PEI* and fair baselines.

A backtest scores **exactly the call that draws the hotspots**: for every fold, the method runs
through :func:`geo.hotspots.find_hotspots` on the training months with the same parameters, the
same study area (the selection's sectors and zone, else the district) and the same budget
(``top_share``), and is scored on the polygons it returns (small hotspots dropped as on the map):

* **hit rate** = test incidents inside the hotspots / all test incidents;
* **area share** = hotspot area / study area, as actually used;
* **PAI** = hit rate / area share (Chainey, Tompson & Uhlig 2008);
* **PEI*** = hit rate / the best hit rate any cells of the same total area could have reached
  with perfect foresight of the test month (the NIJ 2017 forecasting challenge's PEI*), counted
  on the method's cells (10 m cells for the cluster methods, whose polygons are not cells).
  1 is perfect.

Baselines (:mod:`geo.hotspots.baselines`) get the same budget and may use all of it: previous
counts at the method's cell size, 50 m and 100 m (ties and unused budget filled by all-crime
counts), and a KDE whose bandwidth is chosen on the training window from 50-400 m.  The best
baseline (highest PAI) is named beside the method.  When the method has no budget of its own
(Gi*, DBSCAN, HDBSCAN without ``top_share``) the baselines get the area it used in that fold.

Folds roll through the data: with ``train_months=3`` and ``test_months=1`` on February-September,
train Feb-Apr/test May, ..., train Jun-Aug/test Sep.  Results pool the folds: hit rate = all hits
/ all test incidents, area share = mean area share, PAI = pooled hit rate / mean area share, PEI*
= all hits / all perfect-foresight hits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely

from geo.errors import HotspotsError
from geo.hotspots import DEFAULT_METHOD, METHODS, HotspotError, find_hotspots
from geo.hotspots import baselines as bl
from geo.hotspots._result import study_area, unwrap
from geo.hotspots.area import selection_area
from geo.selection import reference_time

#: Crime types with fewer test incidents than this (pooled over folds) are reported but flagged.
MIN_TEST_INCIDENTS = 30
#: Names of two of the baselines in result tables (every baseline's name starts "baseline: ").
BASELINE_COUNTS = "baseline: previous counts 100 m"
BASELINE_KDE = "baseline: KDE, bandwidth chosen on training"


class EvaluationError(HotspotsError, ValueError):
    """Impossible backtest parameters or not enough data."""


def pai(hits: float, total: float, hotspot_area: float, study_area_: float) -> float:
    """Predictive Accuracy Index: (hits / total) / (hotspot_area / study_area).

    Returns 0 when there are no test incidents or no hotspot area.
    """
    if total <= 0 or hotspot_area <= 0 or study_area_ <= 0:
        return 0.0
    return (hits / total) / (hotspot_area / study_area_)


def pei_star(hits: float, best_hits: float) -> float:
    """PEI*: hits / the most hits perfect foresight could have had in the same area (0 when none)."""
    return float(hits / best_hits) if best_hits > 0 else 0.0


@dataclass(frozen=True)
class Score:
    """One model's pooled backtest figures."""

    model: str
    folds: int
    test_incidents: int
    hits: int
    best_hits: int
    area_share: float

    @property
    def hit_rate(self) -> float:
        return self.hits / self.test_incidents if self.test_incidents else 0.0

    @property
    def pai(self) -> float:
        return self.hit_rate / self.area_share if self.area_share > 0 else 0.0

    @property
    def pei_star(self) -> float:
        return pei_star(self.hits, self.best_hits)


@dataclass(frozen=True)
class BacktestResult:
    """What the map, the CLI and the API show beside the hotspots.

    Attributes
    ----------
    method : str
        The method scored (the one that draws the hotspots).
    score : Score or None
        Its pooled figures; None with ``reason`` when there was too little data.
    baselines : tuple of Score
        Every fair baseline; ``best_baseline`` is the one with the highest PAI.
    params : dict
        The call scored (method parameters, budget, study area, folds, cell sizes).
    sentence : str
        The plain sentence for the map.
    text : str
        One line: PAI, hit rate, area, PEI* and the best baseline.
    reason : str
        Why there is no score (empty when there is one).
    notes : tuple of str
        Notes carried over from the selection.
    recommendation : str
        Which configuration to draw: the method when its PAI reaches the best baseline's,
        otherwise the baseline, said plainly; ``recommended`` is that (method, parameters) for
        :func:`geo.hotspots.find_hotspots`.
    """

    method: str
    score: Score | None
    baselines: tuple[Score, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    sentence: str = ""
    text: str = ""
    reason: str = ""
    notes: tuple[str, ...] = ()
    recommendation: str = ""
    recommended: tuple[str, dict] | None = None

    @property
    def best_baseline(self) -> Score | None:
        return max(self.baselines, key=lambda s: s.pai, default=None)


def _months(df: pd.DataFrame) -> pd.Series:
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


def _kept_folds(df, train_months, test_months, max_folds):
    fl = folds(df, train_months, test_months)
    present = set(_months(df))
    fl = [f for f in fl if any(f[0] <= m < f[1] for m in present) and any(f[1] <= m <= f[2] for m in present)]
    if max_folds is not None:
        if max_folds < 1:
            raise EvaluationError(f"max_folds must be at least 1, got {max_folds}")
        fl = fl[-max_folds:]
    if not fl:
        raise EvaluationError(
            f"the selection covers {_months(df).nunique()} month(s) with data: a backtest needs at least "
            f"{train_months + test_months} ({train_months} to train, {test_months} to test)"
        )
    return fl


def _study(incidents, df, district, area):
    if area is not None:
        geom = shapely.make_valid(area)
        return geom, "the given area"
    sel = getattr(incidents, "selection", None)
    if district is not None and sel is not None and (sel.sectors or sel.zone is not None):
        return selection_area(sel, district), "the selected area"
    geom, _ = study_area(district, df["easting"].to_numpy(float), df["northing"].to_numpy(float))
    if geom is None:
        x, y = df["easting"].to_numpy(float), df["northing"].to_numpy(float)
        geom = shapely.box(x.min(), y.min(), x.max() + 1.0, y.max() + 1.0)
        return geom, "the incidents' extent"
    return geom, "the district"


class _Acc:
    """Pooled hits, test incidents, perfect-foresight hits and area shares of one model."""

    def __init__(self) -> None:
        self.hits = self.total = self.best = self.folds = 0
        self.shares: list[float] = []

    def add(self, hits: int, total: int, best: int, share: float) -> None:
        self.hits += hits
        self.total += total
        self.best += best
        self.folds += 1
        self.shares.append(share)

    def score(self, model: str) -> Score:
        share = float(np.mean(self.shares)) if self.shares else 0.0
        return Score(model, self.folds, self.total, self.hits, self.best, share)


def _pct(share: float) -> str:
    return f"{share:.0%}" if share >= 0.095 or share == 0 else f"{share:.1%}" if share >= 0.001 else f"{share:.2%}"


def _method_fold(train, test, method, geom, district, seed, kw):
    """Run the product's call on ``train``; its hits on ``test``, area used and cell size."""
    res = find_hotspots(train, method, district=district, area=geom, seed=seed, **kw)
    polys = res.polygons
    used = float(polys["area_m2"].sum()) if not polys.empty else 0.0
    hits = 0
    if not polys.empty and not test.empty:
        union = shapely.union_all(polys.geometry.to_numpy())
        shapely.prepare(union)
        hits = int(
            shapely.intersects_xy(union, test["easting"].to_numpy(float), test["northing"].to_numpy(float)).sum()
        )
    cell = res.params.get("cell_size_m")
    return hits, used, (float(cell) if cell else None), res


def _run(sub, context, fl, method, geom, district, seed, kw, budget_share):
    """Pooled scores of the method and every baseline over the folds, and what was chosen."""
    area_m2 = float(geom.area)
    months, ctx_months = _months(sub), (_months(context) if context is not None else None)
    frames: dict[float, bl.Frame] = {}

    def frame(cell: float) -> bl.Frame:
        if cell not in frames:
            frames[cell] = bl.Frame.make(geom, cell)
        return frames[cell]

    acc: dict[str, _Acc] = {}
    chosen: dict[str, list] = {"bandwidth_m": [], "cell_size_m": []}
    for train_start, test_start, test_end in fl:
        in_train = ((months >= train_start) & (months < test_start)).to_numpy()
        test = sub[((months >= test_start) & (months <= test_end)).to_numpy()]
        train = sub[in_train]
        if train.empty or test.empty:
            continue
        ctx = None
        if context is not None:
            ctx = context[((ctx_months >= train_start) & (ctx_months < test_start)).to_numpy()]
        hits, used, cell, _ = _method_fold(train, test, method, geom, district, seed, kw)
        chosen["cell_size_m"].append(cell)
        oracle = bl.oracle_hits(frame(cell or bl.ORACLE_CELL), test, used)
        acc.setdefault(method, _Acc()).add(hits, len(test), oracle, used / area_m2)
        budget = budget_share * area_m2 if budget_share is not None else used
        for c in dict.fromkeys(c for c in (cell, *bl.COUNT_CELLS) if c):
            sel = bl.counts_cells(frame(c), train, ctx, budget)
            fr = frame(c)
            a = float(sel.sum()) * fr.grid.cell_area_m2
            acc.setdefault(f"baseline: previous counts {c:g} m", _Acc()).add(
                bl.hits_in_cells(sel, fr, test), len(test), bl.oracle_hits(fr, test, a), a / area_m2
            )
        fr = frame(bl.KDE_CELL)
        bw = bl.choose_bandwidth(fr, train, months[in_train], budget)
        chosen["bandwidth_m"].append(bw)
        sel = bl.kde_cells(fr, train, bw, budget)
        a = float(sel.sum()) * fr.grid.cell_area_m2
        acc.setdefault(BASELINE_KDE, _Acc()).add(
            bl.hits_in_cells(sel, fr, test), len(test), bl.oracle_hits(fr, test, a), a / area_m2
        )
    return {m: a.score(m) for m, a in acc.items()}, chosen


#: Automatic parameters the shown hotspots resolve, as (reported key, parameter) per method.
_PIN = {
    "kde": (("cell_size_m", "cell_size"), ("bandwidth_m", "bandwidth")),
    "gistar": (("cell_size_m", "cell_size"),),
    "dbscan": (("eps_m", "eps"),),
    "hdbscan": (),
    "counts": (),
}


def _pinned(incidents, method, district, geom, seed, kw):
    """``kw`` with the automatic sizes fixed to those of the hotspots the selection shows.

    Automatic cell sizes and radii follow the data, so three training months would otherwise get
    a different (coarser) cell than the map drawn from the whole selection."""
    want = [(key, name) for key, name in _PIN[method] if kw.get(name) is None]
    if not want:
        return kw
    shown = find_hotspots(incidents, method, district=district, area=geom, seed=seed, **kw)
    return {**kw, **{name: shown.params[key] for key, name in want if shown.params.get(key) is not None}}


def _prepare(incidents, method, district, area, top_share, train_months, test_months, max_folds):
    if method not in METHODS:
        raise HotspotError(f"unknown hotspot method '{method}'; choose from {', '.join(METHODS)}")
    if top_share is not None and not 0 < top_share <= 1:
        raise EvaluationError(f"area share must be in (0, 1], got {top_share}")
    df, notes = unwrap(incidents)
    if df.empty:
        raise EvaluationError("no incidents match the selection")
    fl = _kept_folds(df, train_months, test_months, max_folds)
    df = df[(_months(df) >= fl[0][0]).to_numpy()]  # fit only on the months the kept folds use
    geom, area_name = _study(incidents, df, district, area)
    # KDE always cuts to a share (0.01 unless told); the others only when given one
    budget_share = top_share if top_share is not None else (0.01 if method in ("kde", "counts") else None)
    return df, notes, fl, geom, area_name, budget_share


def evaluate_hotspots(
    incidents,
    method: str = DEFAULT_METHOD,
    *,
    district=None,
    area=None,
    top_share: float | None = None,
    train_months: int = 3,
    test_months: int = 1,
    max_folds: int | None = None,
    seed: int = 0,
    context: pd.DataFrame | None = None,
    min_count: int = 5,
    max_hotspots: int | None = None,
    **params,
) -> BacktestResult:
    """Backtest the hotspots ``find_hotspots(incidents, method, ...)`` draws, beside fair baselines.

    Parameters
    ----------
    incidents : DataFrame or SelectionResult
        The selection (any time precision; months come from the reference time).  A
        SelectionResult's sectors and zone set the study area, as on the map.
    method : str, default :data:`geo.hotspots.DEFAULT_METHOD`
        One of :data:`geo.hotspots.METHODS`.
    district, area, top_share, min_count, max_hotspots, seed, **params
        Exactly as for :func:`geo.hotspots.find_hotspots` (the call scored).
    train_months, test_months : int, default 3 and 1
        Rolling window lengths.
    max_folds : int, optional
        Keep only the latest ``max_folds`` folds that have training and test incidents.
    context : DataFrame, optional
        All-crime incidents the previous-counts baselines fill ties and unused budget from
        (default: the selection itself).

    Returns
    -------
    BacktestResult
        With ``score`` None and ``reason`` set when the selection is too small or too short.
    """
    kw = {"top_share": top_share, "min_count": min_count, "max_hotspots": max_hotspots, **params}
    try:
        df, notes, fl, geom, area_name, budget = _prepare(
            incidents, method, district, area, top_share, train_months, test_months, max_folds
        )
    except EvaluationError as exc:
        return BacktestResult(method, None, reason=str(exc), text=f"no backtest: {exc}")
    kw = _pinned(incidents, method, district, geom, seed, kw)
    scores, chosen = _run(df, context, fl, method, geom, district, seed, kw, budget)
    if method not in scores:
        reason = "no month has both training and test data"
        return BacktestResult(method, None, reason=reason, text=f"no backtest: {reason}", notes=tuple(notes))
    score = scores.pop(method)
    result_params = {
        "method_params": dict(params),
        "top_share": top_share,
        "budget_share": budget,
        "min_count": min_count,
        "max_hotspots": max_hotspots,
        "study_area": area_name,
        "study_area_km2": round(geom.area / 1e6, 3),
        "train_months": train_months,
        "test_months": test_months,
        "folds": [f"train {a}..{b - 1}, test {b}..{c}" for a, b, c in fl],
        **chosen,
    }
    res = BacktestResult(method, score, tuple(scores.values()), result_params, notes=tuple(notes))
    return _with_text(res, area_name, test_months)


def _with_text(res: BacktestResult, area_name: str, test_months: int) -> BacktestResult:
    from dataclasses import replace

    s, best = res.score, res.best_baseline
    period = "next month's" if test_months == 1 else f"the next {test_months} months'"
    tenths = round(s.hit_rate * 10)
    ratio = f"{tenths} in 10" if tenths >= 1 else f"{round(s.hit_rate * 100)} in 100"
    sentence = (
        f"Of {period} incidents, {ratio} fell inside these hotspots, which cover {_pct(s.area_share)} of {area_name}."
    )
    text = f"PAI {s.pai:.1f} (hit rate {s.hit_rate:.0%} in {_pct(s.area_share)} of the area, PEI* {s.pei_star:.2f})"
    if best is not None:
        text += f"; best {best.model}, PAI {best.pai:.1f}"
    recommended, recommendation = _recommend(res)
    return replace(res, sentence=sentence, text=text, recommended=recommended, recommendation=recommendation)


def _recommend(res: BacktestResult) -> tuple[tuple[str, dict], str]:
    """The method when it reaches the best baseline's PAI, else the baseline as a configuration."""
    s, best = res.score, res.best_baseline
    own = (res.method, dict(res.params.get("method_params", {})))
    if best is None or s.pai >= best.pai:
        return own, f"{res.method} reaches the best baseline's PAI: use it"
    if best.model.startswith("baseline: previous counts"):
        cell = float(best.model.removeprefix("baseline: previous counts ").removesuffix(" m"))
        config = ("counts", {"cell_size": cell, "min_count": 1})
    else:
        bws = res.params.get("bandwidth_m") or [100.0]
        config = ("kde", {"cell_size": bl.KDE_CELL, "bandwidth": float(np.median(bws)), "local_weight": 0.0,
                          "occupied_only": False, "min_count": 1})  # fmt: skip
    note = (
        f"no configuration of {res.method} beat the baseline here (PAI {s.pai:.1f} against {best.pai:.1f}): "
        f"the baseline ({best.model.removeprefix('baseline: ')}) is the better forecast and is used instead"
    )
    return config, note


def _rows(name: str, res: BacktestResult, cap: float | None) -> list[dict]:
    best = res.best_baseline
    rows = []
    for s in (res.score, *res.baselines):
        rows.append(
            {
                "crime_type": name,
                "model": s.model,
                "folds": s.folds,
                "test_incidents": s.test_incidents,
                "hits": s.hits,
                "hit_rate": round(s.hit_rate, 4),
                "area_share": round(s.area_share, 5),
                "pai": round(s.pai, 2),
                "pei_star": round(s.pei_star, 3),
                "pai_at_cap": round(s.hit_rate / cap, 2) if cap else round(s.pai, 2),
                "best_baseline": best.model if best else None,
                "best_baseline_pai": round(best.pai, 2) if best else None,
            }
        )
    return rows


def backtest(
    incidents,
    method: str = DEFAULT_METHOD,
    *,
    district=None,
    area_share: float | None = 0.01,
    train_months: int = 3,
    test_months: int = 1,
    by_crime_type: bool = True,
    cell_size: float | None = None,
    max_folds: int | None = None,
    seed: int = 0,
    **params,
) -> pd.DataFrame:
    """The backtest as a table: the method and every baseline, for all crime and each type.

    Parameters
    ----------
    incidents, method, district, train_months, test_months, max_folds, seed, **params
        As for :func:`evaluate_hotspots`.
    area_share : float, default 0.01
        The hotspot budget (``top_share``) as a share of the study area; None for the method's
        own default (KDE 1%, no cap for the others).
    by_crime_type : bool, default True
        Add one block of rows per crime type beside "All"; their baselines fill from all crime.
    cell_size : float, optional
        The method's cell size (KDE and Gi*).

    Returns
    -------
    DataFrame
        One row per crime type and model: ``crime_type``, ``model``, ``folds``,
        ``test_incidents``, ``hits``, ``hit_rate``, ``area_share`` (mean area used), ``pai``,
        ``pei_star``, ``pai_at_cap`` (hit rate / the budget), ``best_baseline`` and
        ``best_baseline_pai``, ``few_incidents``; ``attrs["params"]`` holds the settings.
    """
    if cell_size is not None:
        params["cell_size"] = cell_size
    common = dict(district=district, top_share=area_share, train_months=train_months, test_months=test_months)
    common.update(max_folds=max_folds, seed=seed, **params)
    first = evaluate_hotspots(incidents, method, **common)
    if first.score is None:
        raise EvaluationError(first.reason)
    df, _ = unwrap(incidents)
    rows = _rows("All", first, area_share)
    if by_crime_type and "crime_type" in df:
        area = _study(incidents, df, district, None)[0]
        for t, g in df.groupby("crime_type", sort=True, observed=True):
            res = evaluate_hotspots(g, method, area=area, context=df, **common)
            if res.score is not None:
                rows += _rows(str(t), res, area_share)
    out = pd.DataFrame(rows)
    out["few_incidents"] = out["test_incidents"] < MIN_TEST_INCIDENTS
    out.attrs["params"] = {
        "method": method,
        **first.params,
        "cell_size_m": first.params["cell_size_m"][-1] or bl.ORACLE_CELL,
    }
    out.attrs["notes"] = list(first.notes)
    return out


def backtest_summary(
    incidents,
    method: str = DEFAULT_METHOD,
    *,
    district=None,
    area_share: float | None = None,
    train_months: int = 3,
    test_months: int = 1,
    max_folds: int | None = None,
    **params,
) -> dict:
    """:func:`evaluate_hotspots` as a dict, for callers that want one (the dashboard).

    Returns
    -------
    dict
        ``method``, ``pai``, ``hit_rate``, ``area_share`` (used), ``pei_star``, ``baseline_pai``
        and ``baseline`` (the best baseline's PAI and name), ``folds``, ``test_incidents``,
        ``sentence`` and ``text``; ``pai`` is None with a reason in ``text`` when there is too
        little data.
    """
    res = evaluate_hotspots(
        incidents, method, district=district, top_share=area_share, train_months=train_months,
        test_months=test_months, max_folds=max_folds, **params,
    )  # fmt: skip
    s, best = res.score, res.best_baseline
    if s is None:
        keys = ("pai", "hit_rate", "pei_star", "baseline_pai", "baseline")
        return {"method": method, **dict.fromkeys(keys), "area_share": area_share, "folds": 0,
                "test_incidents": 0, "sentence": "", "text": res.text}  # fmt: skip
    return {
        "method": method,
        "pai": round(s.pai, 2),
        "hit_rate": round(s.hit_rate, 4),
        "area_share": round(s.area_share, 5),
        "pei_star": round(s.pei_star, 3),
        "baseline_pai": round(best.pai, 2) if best else None,
        "baseline": best.model if best else None,
        "folds": s.folds,
        "test_incidents": s.test_incidents,
        "sentence": res.sentence,
        "text": res.text,
    }
