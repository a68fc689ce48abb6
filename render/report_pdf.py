"""The quarterly report on one A4 page, as HTML for WeasyPrint (and the browser).

Targets with a chart per category, commentary, deployment assessments of the quarter and the
protective marking.

Everything is drawn here (inline SVG, no script, no network), so the same document prints the
same anywhere.  Every string that came from data or config is escaped.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from datetime import date
from html import escape
from pathlib import Path

import pandas as pd

from geo.targets import PUBLISHED_TOTAL, TOTAL_CATEGORIES, TargetReport, fy_label, reduction_label, trajectory
from render.report import STATUS_COLOURS, SYNTHETIC_BANNER

DEFAULT_MARKING = "OFFICIAL"
#: Deployment assessments shown in full on the page; more are listed in one line.
MAX_ASSESSMENTS = 2
BAR = "#0072B2"  # Okabe-Ito blue: recorded
PROJ = "#9ecae1"  # lighter: the projected rest of a part year
LINE = "#D55E00"  # vermillion: the trajectory

_CSS = """
@page { size: A4 portrait; margin: 9mm 10mm 9mm 10mm;
        @top-center { content: MARKING; font: bold 8pt Arial, sans-serif; color: #000; }
        @bottom-center { content: MARKING; font: bold 8pt Arial, sans-serif; color: #000; } }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; font-size: 7.4pt; color: #1a1a1a; margin: 0;
       line-height: 1.25; }
.marking { text-align: center; font-weight: bold; letter-spacing: 0.5pt; font-size: 8pt; margin-bottom: 1mm; }
header { border-bottom: 2px solid #0072B2; padding-bottom: 1mm; margin-bottom: 1.5mm; }
h1 { font-size: 11.5pt; margin: 0; color: #08306b; }
h2 { font-size: 8.4pt; margin: 1.6mm 0 0.8mm 0; color: #08306b; border-bottom: 0.6pt solid #9aa; }
p { margin: 0.6mm 0; }
.sub { color: #444; }
.banner { border: 1.2pt solid #D55E00; color: #7a2e00; font-weight: bold; padding: 0.6mm 2mm; margin: 1mm 0;
          text-align: center; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { border: 0.5pt solid #bbb; padding: 0.35mm 1mm; text-align: right; vertical-align: top; }
th { background: #eef2f7; font-weight: bold; }
td.cat, th.cat { text-align: left; }
.progress td.cat { width: 36%; }
.progress td:last-child { white-space: nowrap; }
.assessment td.cat { width: 34%; }
th small { font-weight: normal; }
tr.total td { font-weight: bold; background: #f6f6f6; }
tr.published td { font-style: italic; color: #444; }
.status { display: inline-block; padding: 0 1mm; border-radius: 0.8mm; color: #000; white-space: nowrap; }
.charts { display: flex; flex-wrap: wrap; gap: 1mm 1.5mm; }
.chart { width: 36.5mm; }
.chart .t { font-size: 6pt; height: 4.6mm; overflow: hidden; line-height: 1.15; }
.key span { margin-right: 3mm; }
.key i { display: inline-block; width: 3mm; height: 2mm; margin-right: 0.8mm; vertical-align: middle; }
ul { margin: 0.5mm 0 0 3.5mm; padding: 0; }
li { margin: 0.3mm 0; }
.assessment { border-left: 1.5pt solid #0072B2; padding-left: 1.5mm; margin: 0.8mm 0; }
.assessment p { margin: 0.3mm 0; }
.assessment table { margin-top: 0.5mm; }
.assessment td, .assessment th { padding: 0.2mm 0.8mm; }
.toofew { color: #7a2e00; }
.measures { color: #333; }
footer { margin-top: 1.2mm; color: #555; font-size: 6pt; border-top: 0.6pt solid #9aa; padding-top: 0.8mm; }
"""


def protective_marking(district_folder: str | Path) -> str:
    """The protective marking from the district config's ``[privacy] marking``, else ``OFFICIAL``."""
    path = Path(district_folder) / "district.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return DEFAULT_MARKING
    marking = str((raw.get("privacy") or {}).get("marking") or "").strip()
    return marking[:60] or DEFAULT_MARKING


def css_string(text: str) -> str:
    """A CSS string literal that cannot end the string, the rule or the ``<style>`` element."""
    out = []
    for ch in text:
        if ch.isalnum() or ch in " -_.,:;()/&'":
            out.append(ch)
        elif ord(ch) >= 32:
            out.append(f"\\{ord(ch):x} ")
    return '"' + "".join(out) + '"'


def _years(report: TargetReport) -> list[int]:
    t = report.targets
    last = max(t.target_year, int(report.evaluated_year[:4]))
    return list(range(t.baseline_year, last + 1))


def category_chart(row: dict, report: TargetReport) -> str:
    """A small SVG of one category against its target.

    Recorded offences per financial year (bars), the projected rest of the evaluated year
    (lighter), the straight-line trajectory to the target maximum (line) and that maximum (dots).
    """
    t = report.targets
    years = _years(report)
    base = float(row["baseline"])
    final_max = float(row[reduction_label(min(t.reductions))])
    eval_year = int(report.evaluated_year[:4])
    values, proj = [], []
    for y in years:
        v = row.get(fy_label(y))
        v = None if v is None or pd.isna(v) else float(v)
        if y == eval_year and not pd.isna(row.get("to_date")):
            v = float(row["to_date"])
            proj.append(None if pd.isna(row.get("projected")) else float(row["projected"]))
        else:
            proj.append(None)
        values.append(v if y <= eval_year else None)
    top = max([base, final_max] + [v for v in values if v] + [p for p in proj if p]) * 1.1 or 1
    w, h, left, bottom = 150, 64, 24, 11
    pw, ph = w - left - 2, h - bottom - 3
    step = pw / len(years)

    def y_of(v: float) -> float:
        return 3 + ph - ph * v / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="36.5mm" height="15.5mm" role="img">',
        f'<line x1="{left}" y1="{3 + ph}" x2="{w - 2}" y2="{3 + ph}" stroke="#666" stroke-width="0.6"/>',
        f'<text x="{left - 2}" y="{y_of(top / 1.1) + 3:.1f}" font-size="7" text-anchor="end">{top / 1.1:,.0f}</text>',
        f'<text x="{left - 2}" y="{3 + ph}" font-size="7" text-anchor="end">0</text>',
    ]
    for i, (y, v, p) in enumerate(zip(years, values, proj, strict=True)):
        x = left + i * step + step * 0.18
        bw = step * 0.64
        if p is not None and v is not None and p > v:
            parts.append(
                f'<rect x="{x:.1f}" y="{y_of(p):.1f}" width="{bw:.1f}" height="{y_of(v) - y_of(p):.1f}" fill="{PROJ}"/>'
            )
        if v is not None:
            parts.append(
                f'<rect x="{x:.1f}" y="{y_of(v):.1f}" width="{bw:.1f}" height="{3 + ph - y_of(v):.1f}" fill="{BAR}"/>'
            )
        label = f"{y % 100:02d}/{(y + 1) % 100:02d}"
        parts.append(f'<text x="{x + bw / 2:.1f}" y="{h - 3}" font-size="6.5" text-anchor="middle">{label}</text>')
    pts = " ".join(
        f"{left + (i + 0.5) * step:.1f},{y_of(trajectory(base, final_max, y, t.baseline_year, t.target_year)):.1f}"  # type: ignore[arg-type]
        for i, y in enumerate(years)
    )
    parts.append(f'<polyline points="{pts}" fill="none" stroke="{LINE}" stroke-width="1.6"/>')
    parts.append(
        f'<line x1="{left}" y1="{y_of(final_max):.1f}" x2="{w - 2}" y2="{y_of(final_max):.1f}" stroke="{LINE}" '
        'stroke-width="0.8" stroke-dasharray="2,2"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _status(status: str) -> str:
    colour = STATUS_COLOURS.get(status, "#eee")
    return f'<span class="status" style="background:{colour}">{escape(status)}</span>'


def commentary(report: TargetReport, assessments: Sequence = ()) -> list[str]:
    """A few generated sentences: how many categories stand where, the largest changes, the deployments."""
    t = report.table
    cats = t[~t["category"].isin([TOTAL_CATEGORIES, PUBLISHED_TOTAL])]
    counts = cats["status"].value_counts()
    order = [s for s in STATUS_COLOURS if counts.get(s)] + [s for s in counts.index if s not in STATUS_COLOURS]
    parts = [f"{int(counts[s])} {s}" for s in order]
    out = [f"Of {len(cats)} categories in {report.evaluated_year}: " + ", ".join(parts) + "."]
    ch = cats.dropna(subset=["change_pct"]).sort_values("change_pct")
    if len(ch):
        best, worst = ch.iloc[0], ch.iloc[-1]
        out.append(
            f"Largest fall against the {fy_label(report.targets.baseline_year)} baseline: {best['category']} "
            f"({best['change_pct']:+.0f}%); "
            + (
                f"largest rise: {worst['category']} ({worst['change_pct']:+.0f}%)."
                if worst["change_pct"] > 0
                else f"every category is below its baseline (smallest fall: {worst['category']}, "
                f"{worst['change_pct']:+.0f}%)."
            )
        )
    total = t[t["category"] == TOTAL_CATEGORIES]
    if len(total) and not pd.isna(total.iloc[0]["projected"]):
        r = total.iloc[0]
        out.append(
            f"All categories together: {int(r['to_date']):,} to {report.as_of:%d/%m/%Y}, "
            f"projected {r['projected']:,.0f}"
            f" for the year against a trajectory of {r['trajectory']:,.0f} ({r['status']})."
        )
    if report.months_elapsed < 12:
        out.append(
            f"The year is {report.months_elapsed} of 12 months in; projections are pro rata (seasonality ignored), "
            "so no category is reported as met before the year ends."
        )
    if assessments:
        sig = sum(1 for a in assessments if a.target_test.significant() and (a.change_pct("target") or 0) < 0)
        few = sum(1 for a in assessments if a.too_few)
        out.append(
            f"{len(assessments)} deployment{'s' if len(assessments) != 1 else ''} ran this quarter: {sig} with a "
            f"significant fall relative to its control"
            + (f", {few} with too few incidents to rely on" if few else "")
            + "."
        )
    else:
        out.append("No deployment was recorded for this quarter.")
    return out


def _fmt(value: float | None, decimals: int = 0) -> str:
    if value is None or pd.isna(value):
        return "&ndash;"
    return f"{value:,.{decimals}f}"


def _progress_table(report: TargetReport) -> str:
    t = report.targets
    red_cols = [reduction_label(r) for r in sorted(t.reductions)]
    head = (
        f'<tr><th class="cat">Home Office category</th><th>Baseline {escape(fy_label(t.baseline_year))}</th>'
        + "".join(f"<th>Max {escape(c[7:])}</th>" for c in red_cols)
        + f"<th>To {report.as_of:%d/%m/%Y}</th><th>Projected</th><th>Trajectory</th><th>Change</th><th>Status</th></tr>"
    )
    body = []
    for r in report.table.to_dict("records"):
        cls = {TOTAL_CATEGORIES: ' class="total"', PUBLISHED_TOTAL: ' class="published"'}.get(r["category"], "")
        change = "&ndash;" if pd.isna(r["change_pct"]) else f"{r['change_pct']:+.1f}%"
        body.append(
            f'<tr{cls}><td class="cat">{escape(str(r["category"]))}</td><td>{_fmt(r["baseline"])}</td>'
            + "".join(f"<td>{_fmt(r[c])}</td>" for c in red_cols)
            + f"<td>{_fmt(r['to_date'])}</td><td>{_fmt(r['projected'])}</td><td>{_fmt(r['trajectory'])}</td>"
            f"<td>{change}</td><td>{_status(str(r['status']))}</td></tr>"
        )
    return f'<table class="progress">{head}{"".join(body)}</table>'


def _charts(report: TargetReport) -> str:
    cats = report.table[~report.table["category"].isin([TOTAL_CATEGORIES, PUBLISHED_TOTAL])]
    cells = "".join(
        f'<div class="chart"><div class="t">{escape(str(r["category"]))}</div>{category_chart(r, report)}</div>'
        for r in cats.to_dict("records")
    )
    key = (
        f'<p class="key"><span><i style="background:{BAR}"></i>recorded</span>'
        f'<span><i style="background:{PROJ}"></i>projected rest of {escape(report.evaluated_year)}</span>'
        f'<span><i style="background:{LINE};height:0.6mm"></i>trajectory to the target maximum (dashed: the maximum)'
        "</span></p>"
    )
    return f'<div class="charts">{cells}</div>{key}'


def _assessments(assessments: Sequence) -> str:
    from render.assessment import summary_html

    if not assessments:
        return "<p>No deployment was recorded for this quarter.</p>"
    shown = "".join(summary_html(a) for a in assessments[:MAX_ASSESSMENTS])
    rest = assessments[MAX_ASSESSMENTS:]
    if rest:
        ids = ", ".join(str(a.deployment.id) for a in rest)
        shown += f"<p>{len(rest)} more deployment{'s' if len(rest) != 1 else ''} ({ids}): see the Assessment page.</p>"
    return shown


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]) + ("" if text.endswith(".") else ".")


def report_document(
    report: TargetReport,
    *,
    partnership: str,
    district: str,
    quarter: str,
    assessments: Sequence = (),
    marking: str = DEFAULT_MARKING,
    generated: date | None = None,
) -> str:
    """The one-page quarterly report as a complete HTML document (inline CSS and SVG only).

    Parameters
    ----------
    report : TargetReport
        From :func:`geo.targets.target_table`, as of the quarter's last day.
    partnership, district, quarter : str
        Names for the heading; ``quarter`` like ``"2007/08 Q3"``.
    assessments : sequence of geo.assess.Assessment
        The deployments that ran in the quarter.
    marking : str
        Protective marking printed at the top and bottom of the page.
    generated : date, optional
        Date printed in the footer (default today).
    """
    generated = generated or date.today()
    t = report.targets
    mark = escape(marking)
    banner = f'<div class="banner">{SYNTHETIC_BANNER}</div>' if report.synthetic else ""
    # Coverage notes about other years belong to the full HTML report, not this page.
    notes = [report.status_rule, report.rounding_rule]
    notes += [n for n in report.notes if not n.startswith(("Years with fewer", "Categories not recorded"))]
    if t.source:
        notes.append(f"Baseline and targets: {t.source}.")
    title = escape(partnership or district)
    reds = " / ".join(f"{r * 100:g}%" for r in sorted(t.reductions))
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8"><title>{title}: quarterly report {escape(quarter)}</title>
<style>{_CSS.replace("MARKING", css_string(marking))}</style></head>
<body>
<header><h1>{title}: crime reduction targets, {escape(quarter)}</h1>
<p class="sub">{escape(district)} district, {escape(report.evaluated_year)} counted to {report.as_of:%d/%m/%Y}.
Target: reduce each category by {reds} from {fy_label(t.baseline_year)} to {fy_label(t.target_year)}
(financial years, April&ndash;March).</p></header>
{banner}
<h2>Summary</h2>
<ul>{"".join(f"<li>{escape(c)}</li>" for c in commentary(report, assessments))}</ul>
<h2>Progress against target</h2>
{_progress_table(report)}
<h2>Each category against its trajectory</h2>
{_charts(report)}
<h2>Deployments this quarter: before, during and after</h2>
{_assessments(assessments)}
<footer><b>How to read this.</b> {" ".join(escape(_sentence(n)) for n in notes)}
Generated {generated:%d/%m/%Y} by csp-hotspots. <b>{mark}</b></footer>
</body>
</html>
"""


def render_pdf(document: str) -> bytes:
    """The PDF of an HTML document (WeasyPrint; fonts from the system, nothing fetched)."""
    from weasyprint import HTML

    return HTML(string=document, base_url=None).write_pdf()


__all__ = ["DEFAULT_MARKING", "category_chart", "commentary", "protective_marking", "render_pdf", "report_document"]
