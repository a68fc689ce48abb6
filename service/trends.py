"""Counts per period with unusual-count flags (``hotspots trends``, the Sectors page) and sector counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from geo.params import parse_date
from geo.selection import Selection
from geo.synthetic import any_synthetic
from geo.trends import TrendReport, period_trends
from service import cache
from service.errors import HotspotsError, OptionsError
from service.limits import LIMITS, check_number, parse_number
from service.params import Params, check_known, choice, number_text, selection_of, selection_params, single
from service.source import Source

FREQS = ("month", "week", "weekend")
OWN_PARAMS = ("freq", "by", "at", "baseline", "alpha")
#: Periods back from the examined one whose unusual counts the Sectors page marks on its chart.
FLAG_PERIODS = 12
_FLAG_COLUMNS = ["group", "period", "x", "count", "baseline_mean", "expected_low", "expected_high", "flag"]


@dataclass(frozen=True)
class TrendsOptions:
    """A selection, the period length, the group columns, the period examined and the flag rule."""

    selection: Selection = field(default_factory=Selection)
    freq: str = "month"
    by: tuple[str, ...] = ("crime_type",)
    at: date | None = None
    baseline: int = int(LIMITS["baseline"].default or 12)
    alpha: float = float(LIMITS["alpha"].default or 0.01)

    def __post_init__(self) -> None:
        """Check the period length and the numbers."""
        if self.freq not in FREQS:
            raise OptionsError(f"unknown freq '{self.freq}'; choose from {', '.join(FREQS)}")
        check_number("baseline", self.baseline)
        check_number("alpha", self.alpha)

    @classmethod
    def from_params(cls, params: Params) -> TrendsOptions:
        """Options from parameters: the selection plus ``freq``, ``by`` (comma-separated), ``at``, ...."""
        check_known(params, OWN_PARAMS)
        by_raw = single(params, "by")
        by = ("crime_type",) if by_raw is None else tuple(c.strip() for c in str(by_raw).split(",") if c.strip())
        return cls(
            selection=selection_of(params),
            freq=choice(params, "freq", FREQS, "month"),
            by=by,
            at=parse_date(single(params, "at"), "at"),
            baseline=int(parse_number("baseline", single(params, "baseline")) or 12),
            alpha=float(parse_number("alpha", single(params, "alpha")) or 0.01),
        )

    def to_params(self) -> dict[str, str | list[str]]:
        """The parameters of these options, omitting defaults."""
        out = selection_params(self.selection)
        d = TrendsOptions()
        if self.freq != d.freq:
            out["freq"] = self.freq
        if self.by != d.by:
            out["by"] = ",".join(self.by)
        if self.at is not None:
            out["at"] = self.at.isoformat()
        if self.baseline != d.baseline:
            out["baseline"] = str(self.baseline)
        if self.alpha != d.alpha:
            out["alpha"] = number_text(self.alpha)
        return out


@dataclass(frozen=True)
class TrendsResult:
    """The trend report of the examined period, with how many incidents and whether any is synthetic."""

    options: TrendsOptions
    report: TrendReport
    n_selected: int
    synthetic: bool


def _period_trends(df: pd.DataFrame, options: TrendsOptions, at: date | None) -> TrendReport:
    try:
        return period_trends(
            df, freq=options.freq, by=options.by, at=at, baseline=options.baseline, alpha=options.alpha,  # type: ignore[arg-type]
            night_cutoff=options.selection.night_cutoff,
        )  # fmt: skip
    except ValueError as exc:
        # geo.trends says in a ValueError what the user asked for that cannot be counted
        # (no incidents, no data in the period, no such group column).
        raise HotspotsError(str(exc)) from exc


@cache.cached
def run_trends(source: Source, options: TrendsOptions) -> TrendsResult:
    """:func:`geo.trends.period_trends` over the selection (cached per store version and options)."""
    df = source.query(options.selection).incidents
    return TrendsResult(options, _period_trends(df, options, options.at), len(df), any_synthetic(df))


def period_date(label: str) -> pd.Timestamp:
    """The plotting date of a period label (``2017-03`` or ``... 03/03/2017``)."""
    if label[:4].isdigit():
        return pd.Timestamp(label + "-01")
    return pd.Timestamp(pd.to_datetime(label.rsplit(" ", 1)[-1], format="%d/%m/%Y"))


@dataclass(frozen=True)
class TrendFlags:
    """The unusual counts of the last :data:`FLAG_PERIODS` periods with data, and each period's date."""

    trends: TrendsResult
    flags: pd.DataFrame
    dates: pd.Series
    group_col: str | None

    @property
    def report(self) -> TrendReport:
        """The examined period's report."""
        return self.trends.report

    @property
    def synthetic(self) -> bool:
        """Whether any selected incident is synthetic."""
        return self.trends.synthetic

    @property
    def n_selected(self) -> int:
        """Incidents selected."""
        return self.trends.n_selected


@cache.cached
def run_trend_flags(source: Source, options: TrendsOptions) -> TrendFlags:
    """Each recent period examined in turn against its own baseline (the Sectors page's chart marks)."""
    trends = run_trends(source, options)
    df = source.query(options.selection).incidents
    group = options.by[0] if options.by else None
    series = trends.report.series
    dates = pd.Series([period_date(str(p)) for p in series.index], index=series.index)
    covered = [p for p in series.index if series.loc[p].notna().any()]
    rows = []
    for p in covered[-FLAG_PERIODS:]:
        rep = trends.report if p == trends.report.period else _period_trends(df, options, dates[p].date())
        for r in rep.flagged.to_dict("records"):
            rows.append(
                {"group": str(r[group]) if group else "All", "period": p, "x": dates[p], "count": int(r["count"]),
                 "baseline_mean": r["baseline_mean"], "expected_low": r["expected_low"],
                 "expected_high": r["expected_high"], "flag": r["flag"]}
            )  # fmt: skip
    return TrendFlags(trends, pd.DataFrame(rows, columns=_FLAG_COLUMNS), dates, group)


@dataclass(frozen=True)
class SectorCounts:
    """Selected incidents per police sector (config order), those in no sector, and whether any is synthetic."""

    counts: pd.Series
    outside: int
    synthetic: bool


@cache.cached
def run_sector_counts(source: Source, selection: Selection) -> SectorCounts:
    """Counts per sector of the selection."""
    df = source.query(selection).incidents
    sectors = list(source.district().sectors["sector"])
    counts = df["sector"].value_counts().reindex(sectors, fill_value=0).astype(int)
    return SectorCounts(counts, int(df["sector"].isna().sum()), any_synthetic(df))
