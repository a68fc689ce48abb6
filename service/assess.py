"""Assessing recorded deployments, and the quarterly report that carries their assessments.

Parameter names: ``deployment`` (id), ``buffer`` (metres, default 200), ``compare``
(``during``/``after``), ``control`` (``auto``, ``ward:NAME``, ``sector:NAME``), ``control_area``
(a drawn control, GeoJSON in WGS84), ``crime`` (crime types, repeatable), ``before_days`` and
``after_days`` (default: as long as the deployment).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

import pandas as pd

from geo import assess as geo_assess
from geo import deployments as dep
from geo.assess import Assessment
from geo.deployments import Deployment
from geo.schema import CRIME_TYPES
from geo.selection import Selection
from render.assessment import sentence
from service import cache
from service.deployments import get_deployment, list_deployments
from service.errors import NotFoundError, OptionsError
from service.limits import LIMITS, check_number, parse_number
from service.source import Source


def _crime_types(raw: Any) -> tuple[str, ...]:
    values = [raw] if isinstance(raw, str) else list(raw or [])
    return tuple(p.strip() for v in values for p in str(v).split(",") if p.strip())


@dataclass(frozen=True)
class AssessOptions:
    """How to assess one deployment."""

    deployment_id: int
    buffer_m: float = cast(float, LIMITS["buffer"].default)
    compare: str = "during"
    control: str = "auto"
    control_area: str | None = None
    crime_types: tuple[str, ...] = ()
    before_days: int | None = None
    after_days: int | None = None

    def __post_init__(self) -> None:
        """Check every field once, naming the option that is wrong."""
        if not isinstance(self.deployment_id, int) or self.deployment_id < 1:
            raise OptionsError(f"'deployment' must be a whole number from 1, got '{self.deployment_id}'")
        check_number("buffer", self.buffer_m)
        check_number("period_days", self.before_days)
        check_number("period_days", self.after_days)
        if self.compare not in ("during", "after"):
            raise OptionsError(f"'compare' must be during or after, got '{self.compare}'")
        kind = self.control.split(":", 1)[0]
        if kind not in ("auto", "ward", "sector") or (kind != "auto" and ":" not in self.control):
            raise OptionsError(f"'control' must be auto, ward:NAME or sector:NAME, got '{self.control}'")
        bad = sorted(set(self.crime_types) - set(CRIME_TYPES))
        if bad:
            raise OptionsError(f"unknown crime type(s) {bad}")

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> AssessOptions:
        """Parse the parameter names listed in the module docstring."""
        raw_id = params.get("deployment")
        if isinstance(raw_id, list | tuple):
            raw_id = raw_id[0] if raw_id else None
        try:
            dep_id = int(str(raw_id).strip())
        except ValueError:
            raise OptionsError(f"'deployment' must be a deployment id (a whole number), got '{raw_id}'") from None
        return cls(
            deployment_id=dep_id,
            buffer_m=cast(float, parse_number("buffer", params.get("buffer"))),
            compare=str(params.get("compare") or "during").lower(),
            control=str(params.get("control") or "auto").strip(),
            control_area=params.get("control_area") or None,
            crime_types=_crime_types(params.get("crime")),
            before_days=cast("int | None", parse_number("period_days", params.get("before_days"))),
            after_days=cast("int | None", parse_number("period_days", params.get("after_days"))),
        )

    def to_params(self) -> dict[str, str]:
        """The inverse of :meth:`from_params`, omitting defaults."""
        out = {"deployment": str(self.deployment_id)}
        if self.buffer_m != LIMITS["buffer"].default:
            out["buffer"] = f"{self.buffer_m:g}"
        if self.compare != "during":
            out["compare"] = self.compare
        if self.control != "auto":
            out["control"] = self.control
        if self.control_area:
            out["control_area"] = self.control_area
        if self.crime_types:
            out["crime"] = ",".join(self.crime_types)
        for name in ("before_days", "after_days"):
            if getattr(self, name) is not None:
                out[name] = str(getattr(self, name))
        return out


@dataclass(frozen=True)
class AssessResult:
    """An assessment, its plain-language sentence and the options that made it."""

    assessment: Assessment
    sentence: str
    options: AssessOptions

    @property
    def deployment(self) -> Deployment:
        """The deployment that was assessed."""
        return self.assessment.deployment


def _candidates(source: Source) -> list[tuple[str, Any]]:
    district = source.district()
    out = [(f"{r.ward_name} ward", r.geometry) for r in district.wards.itertuples()]
    out += [(f"{r.sector} sector (illustrative)", r.geometry) for r in district.sectors.itertuples()]
    return out


def _chosen_control(source: Source, options: AssessOptions) -> tuple[str, Any] | None:
    if options.control_area:
        return "drawn control area", dep.area_from_geojson(options.control_area)
    if options.control == "auto":
        return None
    kind, name = options.control.split(":", 1)
    district = source.district()
    layer, col = (district.wards, "ward_name") if kind == "ward" else (district.sectors, "sector")
    hit = layer[layer[col].astype(str).str.lower() == name.strip().lower()]
    if hit.empty:
        raise OptionsError(f"no {kind} called '{name}'; choose from {sorted(layer[col])}")
    return f"{hit.iloc[0][col]} {kind}", hit.geometry.iloc[0]


def _window(deployment: Deployment, options: AssessOptions) -> Selection:
    spans = geo_assess.periods(deployment, options.before_days, options.after_days)
    prior = (pd.Timestamp(deployment.date_from).to_period("M") - geo_assess.PRIOR_MONTHS).to_timestamp().date()
    first = min(prior, spans["before"][0])
    return Selection(date_from=first, date_to=spans["after"][1], crime_types=options.crime_types, night_cutoff=None)


@cache.cached
def _assess(source: Source, deployment: Deployment, options: AssessOptions) -> AssessResult:
    incidents = source.query(_window(deployment, options)).incidents
    result = geo_assess.assess(
        incidents,
        deployment,
        _candidates(source),
        buffer_m=options.buffer_m,
        control=_chosen_control(source, options),
        compare=options.compare,
        before_days=options.before_days,
        after_days=options.after_days,
    )
    return AssessResult(result, sentence(result), options)


def run_assess(source: Source, options: AssessOptions) -> AssessResult:
    """Assess one recorded deployment (NotFoundError for an unknown id).

    Cached on the deployment itself as well as the options, so a deployment removed and recorded
    again under the same id is never answered from a stale entry.
    """
    return _assess(source, get_deployment(source, options.deployment_id), options)


def quarter_span(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of a financial quarter (Q1 = April-June)."""
    from geo.targets import quarter_end

    end = quarter_end(year, quarter)
    start = (pd.Timestamp(end) - pd.DateOffset(months=3) + timedelta(days=1)).date()
    return start, end


def assess_period(source: Source, start: date, end: date, **options: Any) -> list[AssessResult]:
    """Assessments of every deployment that ran at some time between ``start`` and ``end``."""
    out = []
    for d in list_deployments(source):
        if d.date_from <= end and d.date_to >= start:
            out.append(_assess(source, d, AssessOptions(deployment_id=d.id, **options)))
    return out


@dataclass(frozen=True)
class QuarterReport:
    """The one-page quarterly report: HTML always, PDF when asked for."""

    quarter: str
    html: str
    pdf: bytes | None
    marking: str
    assessments: tuple[AssessResult, ...]
    filename: str


def quarterly_report(
    source: Source, quarter: str | None, *, pdf: bool = True, generated: date | None = None
) -> QuarterReport:
    """Targets as of the quarter's last day, the quarter's deployment assessments, on one A4 page.

    Parameters
    ----------
    source : Source
    quarter : str or None
        A financial quarter, e.g. ``"2007/08 Q3"`` (Q1 = April-June); None for the quarter holding
        the latest data, counted to its last day.
    pdf : bool, default True
        Also render the PDF (WeasyPrint).
    generated : date, optional
        Date printed in the footer (default today).
    """
    from geo.targets import fy_label, parse_quarter, quarter_end, target_table
    from render.report_pdf import protective_marking, render_pdf, report_document

    district = source.district()
    incidents = source.query(Selection()).incidents
    try:
        if quarter:
            year, q = parse_quarter(quarter)
            report = target_table(incidents, district.targets, as_of=quarter_end(year, q))
        else:  # the latest data: the quarter holding its last day, counted to that day
            report = target_table(incidents, district.targets)
            year, q = int(report.evaluated_year[:4]), (report.months_elapsed + 2) // 3
    except ValueError as exc:
        raise OptionsError(str(exc)) from None
    start, end = quarter_span(year, q)
    results = tuple(assess_period(source, start, end))
    label = f"{fy_label(year)} Q{q}"
    if report.as_of != end:
        label += f" (to {report.as_of:%d/%m/%Y})"
    marking = protective_marking(district.folder)
    html = report_document(
        report,
        partnership=district.partnership,
        district=district.name,
        quarter=label,
        assessments=[r.assessment for r in results],
        marking=marking,
        generated=generated,
    )
    stem = f"{district.name}-quarterly-report-{fy_label(year)}-q{q}".lower().replace("/", "-").replace(" ", "-")
    return QuarterReport(label, html, render_pdf(html) if pdf else None, marking, results, stem)


__all__ = [
    "AssessOptions",
    "AssessResult",
    "NotFoundError",
    "QuarterReport",
    "assess_period",
    "quarter_span",
    "quarterly_report",
    "run_assess",
]
