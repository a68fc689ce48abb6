"""Backtest of a hotspot method on a selection: hit rate and PAI beside the two baselines.

One default for the number of monthly folds (:data:`service.limits.LIMITS` ``folds``), used by the
map's PAI and by ``hotspots evaluate`` alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geo.evaluate import BASELINE_COUNTS, EvaluationError, backtest, evaluate_hotspots
from geo.hotspots import DEFAULT_METHOD
from service import cache
from service.errors import OptionsError
from service.hotspots import OWN_PARAMS as HOTSPOT_PARAMS
from service.hotspots import HotspotsOptions, all_crime_context, hotspot_rows
from service.limits import LIMITS, check_number, parse_number
from service.params import Params, check_known, flag, number_text, single
from service.source import Source

OWN_PARAMS = (*HOTSPOT_PARAMS, "area_share", "train_months", "test_months", "folds", "by_crime_type")
DEFAULT_FOLDS = int(LIMITS["folds"].default or 12)


@dataclass(frozen=True)
class BacktestOptions:
    """The method (with its selection and parameters) and the backtest's windows."""

    hotspots: HotspotsOptions = field(default_factory=HotspotsOptions)
    area_share: float = float(LIMITS["area_share"].default or 0.01)
    train_months: int = int(LIMITS["train_months"].default or 3)
    test_months: int = int(LIMITS["test_months"].default or 1)
    folds: int | None = DEFAULT_FOLDS
    by_crime_type: bool = False

    def __post_init__(self) -> None:
        """Refuse the emerging classes (not a forecast) and values outside the limits table."""
        if self.hotspots.method == "emerging":
            raise OptionsError("emerging classes are not a forecast; evaluate kde, gistar, dbscan or hdbscan")
        for name in ("area_share", "train_months", "test_months", "folds"):
            check_number(name, getattr(self, name))

    @classmethod
    def from_params(cls, params: Params) -> BacktestOptions:
        """Options from parameters: the hotspot ones plus :data:`OWN_PARAMS`; ``folds=all`` keeps every fold."""
        check_known(params, OWN_PARAMS)
        hot = HotspotsOptions.from_params(
            {k: v for k, v in params.items() if k not in OWN_PARAMS[len(HOTSPOT_PARAMS) :]}
        )
        raw_folds = single(params, "folds")
        folds = None if str(raw_folds).lower() in ("all", "0") else parse_number("folds", raw_folds)
        return cls(
            hotspots=hot,
            area_share=float(parse_number("area_share", single(params, "area_share")) or 0.01),
            train_months=int(parse_number("train_months", single(params, "train_months")) or 3),
            test_months=int(parse_number("test_months", single(params, "test_months")) or 1),
            folds=None if folds is None else int(folds),
            by_crime_type=flag(params, "by_crime_type"),
        )

    def to_params(self) -> dict[str, str | list[str]]:
        """The parameters of these options, omitting defaults."""
        out = self.hotspots.to_params()
        defaults = BacktestOptions()
        for name in ("area_share", "train_months", "test_months"):
            if getattr(self, name) != getattr(defaults, name):
                out[name] = number_text(getattr(self, name))
        if self.folds != DEFAULT_FOLDS:
            out["folds"] = "all" if self.folds is None else str(self.folds)
        if self.by_crime_type:
            out["by_crime_type"] = "true"
        return out


@dataclass(frozen=True)
class BacktestResult:
    """The backtest table (None with ``reason`` when there is too little data) and its headline.

    ``pai`` is the method's PAI at the area cap over all crime types; ``baseline`` names the better
    baseline and ``baseline_pai`` its PAI; ``text`` is the one line the map shows.
    """

    options: BacktestOptions
    table: pd.DataFrame | None
    reason: str = ""
    pai: float | None = None
    hit_rate: float | None = None
    baseline_pai: float | None = None
    baseline: str | None = None
    folds: int = 0
    test_incidents: int = 0
    fold_names: tuple[str, ...] = ()
    cell_size_m: float | None = None
    notes: tuple[str, ...] = ()
    pei_star: float | None = None
    area_used: float | None = None
    baseline_pei_star: float | None = None
    sentence: str = ""
    recommendation: str = ""
    headline: str = ""

    @property
    def method(self) -> str:
        """The method backtested."""
        return self.options.hotspots.method

    @property
    def text(self) -> str:
        """One line: the PAI beside the better baseline, or why there is no backtest."""
        if self.pai is None:
            return f"no backtest: {self.reason}"
        if self.headline:
            return self.headline
        return (
            f"PAI {self.pai:.1f} at {self.options.area_share:.0%} of the area (hit rate {self.hit_rate:.0%}) — "
            f"{self.baseline} baseline {self.baseline_pai:.1f}"
        )

    def summary(self) -> dict[str, Any]:
        """The headline as plain values (what the map keeps in the browser between callbacks)."""
        return {
            "method": self.method,
            "pai": self.pai,
            "hit_rate": self.hit_rate,
            "area_share": self.options.area_share,
            "baseline_pai": self.baseline_pai,
            "baseline": self.baseline,
            "folds": self.folds,
            "test_incidents": self.test_incidents,
            "pei_star": self.pei_star,
            "area_used": self.area_used,
            "baseline_pei_star": self.baseline_pei_star,
            "sentence": self.sentence,
            "recommendation": self.recommendation,
            "text": self.text,
        }


@cache.cached_shared
def run_backtest(source: Source, options: BacktestOptions) -> BacktestResult:
    """Backtest ``options`` (cached per store version and options).

    All crime types together (the map's figure and ``hotspots evaluate``'s headline): exactly the
    hotspots the map draws are scored, by :func:`geo.evaluate.evaluate_hotspots` (same method,
    parameters, study area, budget and minimum count), beside fair baselines.  By crime type: the
    table of :func:`geo.evaluate.backtest`.
    """
    if not options.by_crime_type:
        return _scored_as_drawn(source, options)
    return _by_crime_type(source, options)


def _scored_as_drawn(source: Source, options: BacktestOptions) -> BacktestResult:
    hot = options.hotspots
    params = hot.method_params()
    for name in ("top_share", "min_count", "max_hotspots"):
        params.pop(name, None)
    res = evaluate_hotspots(
        hotspot_rows(source, hot.selection),
        hot.method,
        district=source.district(),
        top_share=hot.top_share,
        min_count=hot.min_count if hot.min_count is not None else 5,
        max_hotspots=hot.max_hotspots,
        train_months=options.train_months,
        test_months=options.test_months,
        max_folds=options.folds,
        seed=hot.seed,
        context=all_crime_context(source, hot.selection),
        **params,
    )
    if res.score is None:
        return BacktestResult(options, None, reason=res.reason or "too little data", notes=res.notes)
    rows = [res.score, *res.baselines]
    table = pd.DataFrame(
        {
            "crime_type": "All",
            "model": [r.model for r in rows],
            "folds": [r.folds for r in rows],
            "test_incidents": [r.test_incidents for r in rows],
            "hits": [r.hits for r in rows],
            "hit_rate": [round(r.hit_rate, 4) for r in rows],
            "area_share": [round(r.area_share, 5) for r in rows],
            "pai": [round(r.pai, 2) for r in rows],
            "pei_star": [round(r.pei_star, 3) for r in rows],
        }
    )
    best = res.best_baseline
    return BacktestResult(
        options,
        table,
        pai=res.score.pai,
        hit_rate=res.score.hit_rate,
        baseline_pai=best.pai if best else None,
        baseline=best.model if best else None,
        folds=res.score.folds,
        test_incidents=res.score.test_incidents,
        notes=tuple(res.notes),
        pei_star=res.score.pei_star,
        area_used=res.score.area_share,
        baseline_pei_star=best.pei_star if best else None,
        sentence=res.sentence,
        recommendation=res.recommendation,
        headline=res.text,
    )


def _by_crime_type(source: Source, options: BacktestOptions) -> BacktestResult:
    hot = options.hotspots
    params = hot.method_params()
    cell = params.pop("cell_size", None)
    try:
        table = backtest(
            hotspot_rows(source, hot.selection),
            hot.method,
            district=source.district(),
            area_share=options.area_share,
            train_months=options.train_months,
            test_months=options.test_months,
            by_crime_type=options.by_crime_type,
            cell_size=cell,
            max_folds=options.folds,
            seed=hot.seed,
            **params,
        )
    except EvaluationError as exc:
        return BacktestResult(options, None, reason=str(exc))
    p = table.attrs["params"]
    common: dict[str, Any] = {
        "fold_names": tuple(p["folds"]),
        "cell_size_m": float(p["cell_size_m"]),
        "notes": tuple(table.attrs.get("notes", [])),
    }
    overall = table[table["crime_type"] == "All"]
    row = overall[overall["model"] == hot.method].iloc[0]
    if not int(row["folds"]) or not int(row["test_incidents"]):
        return BacktestResult(options, table, reason="no month has both training and test data", **common)
    baselines = overall[overall["model"].str.startswith("baseline")]
    best = baselines.sort_values("pai_at_cap", ascending=False, kind="stable").iloc[0]
    return BacktestResult(
        options,
        table,
        pai=float(row["pai_at_cap"]),
        hit_rate=float(row["hit_rate"]),
        baseline_pai=float(best["pai_at_cap"]),
        baseline="previous-counts" if best["model"] == BASELINE_COUNTS else "plain-KDE",
        folds=int(row["folds"]),
        test_incidents=int(row["test_incidents"]),
        **common,
    )


def map_backtest(source: Source, selection_options: HotspotsOptions) -> BacktestResult:
    """The backtest the map shows beside the hotspots: the defaults, all crime types together."""
    return run_backtest(source, BacktestOptions(hotspots=selection_options))


__all__ = ["DEFAULT_FOLDS", "DEFAULT_METHOD", "BacktestOptions", "BacktestResult", "map_backtest", "run_backtest"]
