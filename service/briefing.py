"""The printable one-page briefing of a deployment plan (``/briefing``, ``hotspots plan --briefing``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from geo.briefing import briefing_html
from service.plan import PlanOptions, run_plan
from service.source import Source


@dataclass(frozen=True)
class Briefing:
    """A rendered briefing and the file name to save it under."""

    filename: str
    html: str


def run_briefing(source: Source, options: PlanOptions, generated: datetime | None = None) -> Briefing:
    """The briefing of the plan ``options`` describe (not cached: it is stamped with the time)."""
    run = run_plan(source, options)
    html = briefing_html(
        run.result,
        source.district(),
        selection_text=options.selection.describe(),
        generated=generated,
        synthetic=run.synthetic > 0,
        notes=run.notes,
    )
    return Briefing(f"{options.file_stem}-briefing.html", html)
