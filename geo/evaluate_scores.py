"""The backtest's arithmetic and result: PAI, PEI*, pooled scores, the map's sentence.

* **hit rate** = test incidents inside the hotspots / all test incidents;
* **area share** = hotspot area / study area, as actually used;
* **PAI** = hit rate / area share (Chainey, Tompson & Uhlig 2008);
* **PEI*** = hit rate / the best hit rate any cells of the same total area could have reached
  with perfect foresight of the test month (the NIJ 2017 forecasting challenge's PEI*).

Pooled over folds: hit rate = all hits / all test incidents, area share = mean area share, PAI =
pooled hit rate / mean area share, PEI* = all hits / all perfect-foresight hits.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from geo.errors import HotspotsError
from geo.hotspots import baselines as bl


class EvaluationError(HotspotsError, ValueError):
    """Impossible backtest parameters or not enough data."""


def pai(hits: float, total: float, hotspot_area: float, study_area_: float) -> float:
    """Predictive Accuracy Index: (hits / total) / (hotspot_area / study_area).

    Parameters
    ----------
    hits, total : float
        Test incidents inside the hotspots, and all test incidents.
    hotspot_area, study_area_ : float
        Hotspot area and study area (same units).

    Returns
    -------
    float
        0 when there are no test incidents or no hotspot area.
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
        """All hits / all test incidents."""
        return self.hits / self.test_incidents if self.test_incidents else 0.0

    @property
    def pai(self) -> float:
        """Pooled hit rate / mean area share used."""
        return self.hit_rate / self.area_share if self.area_share > 0 else 0.0

    @property
    def pei_star(self) -> float:
        """All hits / all perfect-foresight hits."""
        return pei_star(self.hits, self.best_hits)


class Accumulator:
    """Pooled hits, test incidents, perfect-foresight hits and area shares of one model."""

    def __init__(self) -> None:
        self.hits = self.total = self.best = self.folds = 0
        self.shares: list[float] = []

    def add(self, hits: int, total: int, best: int, share: float) -> None:
        """Add one fold's figures."""
        self.hits += hits
        self.total += total
        self.best += best
        self.folds += 1
        self.shares.append(share)

    def score(self, model: str) -> Score:
        """The pooled :class:`Score` named ``model``."""
        share = float(np.mean(self.shares)) if self.shares else 0.0
        return Score(model, self.folds, self.total, self.hits, self.best, share)


def pct(share: float) -> str:
    """A share as a percentage with the digits it needs (1%, 0.3%, 0.06%)."""
    if share >= 0.095 or share == 0:
        return f"{share:.0%}"
    return f"{share:.1%}" if share >= 0.001 else f"{share:.2%}"


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
        otherwise the baseline, said plainly.
    recommended : (str, dict) or None
        That configuration as (method, parameters) for :func:`geo.hotspots.find_hotspots`.
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
        """The baseline with the highest PAI (None without baselines)."""
        return max(self.baselines, key=lambda s: s.pai, default=None)


def _choice(res: BacktestResult) -> str:
    """What ``auto`` drew over the folds ("" for the other methods)."""
    picks = Counter(c for c in res.params.get("chosen", []) if c)
    if not picks:
        return ""
    label, n = picks.most_common(1)[0]
    return f"auto drew {label} in {n} of {sum(picks.values())} backtest months"


def with_text(res: BacktestResult, area_name: str, test_months: int) -> BacktestResult:
    """The map's sentence, the one-line text and the recommendation."""
    s, best = res.score, res.best_baseline
    assert s is not None
    period = "next month's" if test_months == 1 else f"the next {test_months} months'"
    tenths = round(s.hit_rate * 10)
    ratio = f"{tenths} in 10" if tenths >= 1 else f"{round(s.hit_rate * 100)} in 100"
    sentence = (
        f"Of {period} incidents, {ratio} fell inside these hotspots, which cover {pct(s.area_share)} of {area_name}."
    )
    text = f"PAI {s.pai:.1f} (hit rate {s.hit_rate:.0%} in {pct(s.area_share)} of the area, PEI* {s.pei_star:.2f})"
    if best is not None:
        text += f"; best {best.model}, PAI {best.pai:.1f} ({best.hit_rate:.0%} in {pct(best.area_share)})"
    choice = _choice(res)
    if choice:
        text += f"; {choice}"
        sentence += f" Method: {choice[0].upper()}{choice[1:]}."
    recommended, recommendation = recommend(res)
    return replace(res, sentence=sentence, text=text, recommended=recommended, recommendation=recommendation)


def recommend(res: BacktestResult) -> tuple[tuple[str, dict], str]:
    """The method when it reaches the best baseline's PAI, else the baseline as a configuration."""
    s, best = res.score, res.best_baseline
    assert s is not None
    own = (res.method, dict(res.params.get("method_params", {})))
    if best is None or s.pai >= best.pai:
        return own, f"{res.method} reaches the best baseline's PAI: use it"
    if best.model.startswith("baseline: previous counts"):
        cell = float(best.model.removeprefix("baseline: previous counts ").removesuffix(" m"))
        config: tuple[str, dict[str, Any]] = ("counts", {"cell_size": cell, "min_count": 1})
    else:
        bws = res.params.get("bandwidth_m") or [100.0]
        config = ("kde", {"cell_size": bl.KDE_CELL, "bandwidth": float(np.median(bws)), "local_weight": 0.0,
                          "occupied_only": False, "min_count": 1})  # fmt: skip
    note = (
        f"no configuration of {res.method} beat the baseline here (PAI {s.pai:.1f} against {best.pai:.1f}): "
        f"the baseline ({best.model.removeprefix('baseline: ')}) is the better forecast and is used instead"
    )
    return config, note
