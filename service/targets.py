"""Progress against the Home Office targets (``/api/targets``, ``hotspots targets``, the Sectors page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from geo.params import parse_date
from geo.selection import Selection
from geo.targets import TargetReport, fy_label, parse_quarter, quarter_end, target_table
from service import cache
from service.errors import HotspotsError, OptionsError
from service.params import Params, check_known, selection_of, selection_params, single
from service.source import Source

OWN_PARAMS = ("quarter", "as_of")


def parse_quarter_label(text: str) -> tuple[date, str]:
    """``2007/08 Q3`` or ``2007-08-Q3`` -> (last day of the quarter, canonical label ``2007/08 Q3``)."""
    try:
        year, q = parse_quarter(str(text))
    except ValueError as exc:  # geo.targets explains the accepted forms
        raise OptionsError(str(exc)) from exc
    return quarter_end(year, q), f"{fy_label(year)} Q{q}"


@dataclass(frozen=True)
class TargetsOptions:
    """A selection (default: the whole store) and the last day counted: ``quarter`` or ``as_of``."""

    selection: Selection = field(default_factory=Selection)
    quarter: str | None = None
    as_of: date | None = None

    def __post_init__(self) -> None:
        """Refuse both a quarter and a date; check the quarter's form."""
        if self.quarter and self.as_of:
            raise OptionsError("give 'quarter' or 'as_of', not both")
        if self.quarter:
            # One spelling of a quarter in file names and headings: "2007/08 Q3".
            object.__setattr__(self, "quarter", parse_quarter_label(self.quarter)[1])

    @classmethod
    def from_params(cls, params: Params) -> TargetsOptions:
        """Options from parameters: the selection plus ``quarter`` or ``as_of``."""
        check_known(params, OWN_PARAMS)
        quarter = single(params, "quarter") or None
        as_of = parse_date(single(params, "as_of"), "as_of")
        if quarter and as_of:
            raise OptionsError("give 'quarter' or 'as_of', not both")
        return cls(selection_of(params), parse_quarter_label(quarter)[1] if quarter else None, as_of)

    def to_params(self) -> dict[str, str | list[str]]:
        """The parameters of these options, omitting defaults."""
        out = selection_params(self.selection)
        if self.quarter:
            out["quarter"] = self.quarter
        if self.as_of:
            out["as_of"] = self.as_of.isoformat()
        return out

    @property
    def last_day(self) -> date | None:
        """The last day counted (None: the latest data up to the target year)."""
        return parse_quarter_label(self.quarter)[0] if self.quarter else self.as_of


@dataclass(frozen=True)
class TargetsResult:
    """The tracker, with a note when only part of the district was counted."""

    options: TargetsOptions
    report: TargetReport
    notes: tuple[str, ...]


@cache.cached
def run_targets(source: Source, options: TargetsOptions) -> TargetsResult:
    """:func:`geo.targets.target_table` over the selection (cached per store version and options)."""
    df = source.query(options.selection).incidents
    try:
        report = target_table(df, source.district().targets, as_of=options.last_day)
    except ValueError as exc:
        # geo.targets says in a ValueError what cannot be counted (no incidents, no targets configured).
        raise HotspotsError(str(exc)) from exc
    notes = list(report.notes)
    if options.selection != Selection():
        what = options.selection.describe()
        notes.append(f"counted for part of the district only ({what}): the targets are district-wide")
    return TargetsResult(options, report, tuple(notes))
