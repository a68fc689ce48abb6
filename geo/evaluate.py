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

Baselines (:mod:`geo.hotspots.baselines`) get **the area the method used** in each fold (at most
the budget, and may use all of it; the whole budget when the method drew nothing), so every PAI
is compared at equal area: previous counts at the method's cell size, 50 m and 100 m (ties and
unused budget filled by all-crime counts), and a KDE whose bandwidth is chosen on the training
window from 50-400 m.  The best baseline (highest PAI) is named beside the method.  A method that
marks less area than its budget is therefore not credited with the budget's PAI: the area used
is reported beside every PAI.

``auto`` (the default) chooses afresh inside every training window (nested), and the result
says what it drew in each fold.  The arithmetic and pooling are in :mod:`geo.evaluate_scores`,
the rolling folds in :mod:`geo.evaluate_folds`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import shapely

from geo.evaluate_folds import BASELINE_KDE, folds, kept_folds, months_of, run_folds, study_region
from geo.evaluate_scores import BacktestResult, EvaluationError, Score, pai, pei_star, with_text
from geo.hotspots import DEFAULT_METHOD, METHODS, HotspotError, find_hotspots
from geo.hotspots import baselines as bl
from geo.hotspots.result import unwrap

#: Crime types with fewer test incidents than this (pooled over folds) are reported but flagged.
MIN_TEST_INCIDENTS = 30
#: Name of the 100 m previous-counts baseline in result tables.
BASELINE_COUNTS = "baseline: previous counts 100 m"


#: Automatic parameters the shown hotspots resolve, as (reported key, parameter) per method.
_PIN = {
    "kde": (("cell_size_m", "cell_size"), ("bandwidth_m", "bandwidth")),
    "gistar": (("cell_size_m", "cell_size"),),
    "dbscan": (("eps_m", "eps"),),
    "hdbscan": (),
    "counts": (),
    "auto": (),  # chooses afresh on every training window (nested): nothing to pin
}


def _pinned(
    incidents: Any, method: str, district: Any, geom: shapely.Geometry, seed: int, kw: dict[str, Any]
) -> dict[str, Any]:
    """``kw`` with the automatic sizes fixed to those of the hotspots the selection shows.

    Automatic cell sizes and radii follow the data, so three training months would otherwise get
    a different (coarser) cell than the map drawn from the whole selection.
    """
    want = [(key, name) for key, name in _PIN[method] if kw.get(name) is None]
    if not want:
        return kw
    shown = find_hotspots(incidents, method, district=district, area=geom, seed=seed, **kw)
    return {**kw, **{name: shown.params[key] for key, name in want if shown.params.get(key) is not None}}


def _prepare(
    incidents: Any, method: str, district: Any, area: Any, top_share: float | None, windows: tuple[int, int, int | None]
) -> tuple[pd.DataFrame, list[str], list, shapely.Geometry, str, float | None]:
    """The selection's incidents, notes, folds, study area and its name, and the budget share."""
    train_months, test_months, max_folds = windows
    if method not in METHODS:
        raise HotspotError(f"unknown hotspot method '{method}'; choose from {', '.join(METHODS)}")
    if top_share is not None and not 0 < top_share <= 1:
        raise EvaluationError(f"area share must be in (0, 1], got {top_share}")
    df, notes = unwrap(incidents)
    if df.empty:
        raise EvaluationError("no incidents match the selection")
    fl = kept_folds(df, train_months, test_months, max_folds)
    df = df[(months_of(df) >= fl[0][0]).to_numpy()]  # fit only on the months the kept folds use
    geom, area_name = study_region(incidents, df, district, area)
    # KDE always cuts to a share (0.01 unless told); the others only when given one
    budget_share = top_share if top_share is not None else (0.01 if method in ("kde", "counts", "auto") else None)
    return df, notes, fl, geom, area_name, budget_share


def evaluate_hotspots(
    incidents: Any,
    method: str = DEFAULT_METHOD,
    *,
    district: Any = None,
    area: Any = None,
    top_share: float | None = None,
    train_months: int = 3,
    test_months: int = 1,
    max_folds: int | None = None,
    seed: int = 0,
    context: pd.DataFrame | None = None,
    min_count: int = 5,
    max_hotspots: int | None = None,
    **params: Any,
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
            incidents, method, district, area, top_share, (train_months, test_months, max_folds)
        )
    except EvaluationError as exc:
        return BacktestResult(method, None, reason=str(exc), text=f"no backtest: {exc}")
    kw = _pinned(incidents, method, district, geom, seed, kw)
    scores, chosen = run_folds(df, context, fl, (method, geom, district, seed, kw), budget)
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
    return with_text(res, area_name, test_months)


def _rows(name: str, res: BacktestResult, cap: float | None) -> list[dict]:
    """The table rows of one crime type: the method, then every baseline."""
    best = res.best_baseline
    rows = []
    assert res.score is not None
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


def _type_rows(incidents: Any, method: str, common: dict[str, Any], area_share: float | None) -> list[dict]:
    """One block of rows per crime type; baselines (and ``auto``) fill from all crime."""
    df, _ = unwrap(incidents)
    if "crime_type" not in df:
        return []
    area = study_region(incidents, df, common.get("district"), None)[0]
    rows: list[dict] = []
    for t, g in df.groupby("crime_type", sort=True, observed=True):
        res = evaluate_hotspots(g, method, area=area, context=df, **common)
        if res.score is not None:
            rows += _rows(str(t), res, area_share)
    return rows


def backtest(
    incidents: Any,
    method: str = DEFAULT_METHOD,
    *,
    district: Any = None,
    area_share: float | None = 0.01,
    train_months: int = 3,
    test_months: int = 1,
    by_crime_type: bool = True,
    cell_size: float | None = None,
    max_folds: int | None = None,
    seed: int = 0,
    **params: Any,
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
    common: dict[str, Any] = dict(
        district=district, top_share=area_share, train_months=train_months, test_months=test_months
    )
    common.update(max_folds=max_folds, seed=seed, **params)
    first = evaluate_hotspots(incidents, method, **common)
    if first.score is None:
        raise EvaluationError(first.reason)
    rows = _rows("All", first, area_share)
    if by_crime_type:
        rows += _type_rows(incidents, method, common, area_share)
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
    incidents: Any,
    method: str = DEFAULT_METHOD,
    *,
    district: Any = None,
    area_share: float | None = None,
    train_months: int = 3,
    test_months: int = 1,
    max_folds: int | None = None,
    **params: Any,
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


__all__ = [
    "BASELINE_COUNTS",
    "BASELINE_KDE",
    "MIN_TEST_INCIDENTS",
    "BacktestResult",
    "EvaluationError",
    "Score",
    "backtest",
    "backtest_summary",
    "evaluate_hotspots",
    "folds",
    "pai",
    "pei_star",
]
