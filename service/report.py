"""The one-page quarterly target report (HTML) for the partnership's strategic group."""

from __future__ import annotations

from dataclasses import dataclass

from render.report import render_quarterly_report
from service import cache
from service.source import Source
from service.targets import TargetsOptions, run_targets


@dataclass(frozen=True)
class Report:
    """A rendered report and the file name to save it under."""

    filename: str
    html: str


@cache.cached
def run_report(source: Source, options: TargetsOptions) -> Report:
    """The quarterly report of ``options`` (the page and ``hotspots targets --report`` alike)."""
    district = source.district()
    report = run_targets(source, options).report
    html = render_quarterly_report(
        report, partnership=district.partnership, district=district.name, quarter=options.quarter
    )
    stem = options.quarter or report.evaluated_year
    name = f"{district.name}-targets-{stem}".lower().replace("/", "-").replace(" ", "-") + ".html"
    return Report(name, html)
