"""One-page quarterly target report as self-contained HTML (inline CSS, no external assets, printable).

The page is meant to be sent as-is (or printed to PDF from a browser) to the regional government
office: it states the period, the rule behind every status, the rounding of the maxima, both the
categories' total and the published total, and says plainly when the data are synthetic.
"""

from __future__ import annotations

from datetime import date
from html import escape

import pandas as pd

from geo.targets import PUBLISHED_TOTAL, TOTAL_CATEGORIES, TargetReport, fy_label, reduction_label

#: Okabe-Ito colours (colour-blind safe); every status is also written out in words.
STATUS_COLOURS = {
    "met": "#009E73",
    "on track to meet": "#9AD9C3",
    "on track": "#56B4E9",
    "at risk": "#E69F00",
    "off track": "#D55E00",
    "missed": "#CC79A7",
}
SYNTHETIC_BANNER = "Contains synthetic demo data"

_CSS = """
@page { size: A4 portrait; margin: 12mm; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", Arial, Helvetica, sans-serif; font-size: 9pt; color: #1a1a1a; margin: 0 auto;
       max-width: 190mm; }
h1 { font-size: 14pt; margin: 0 0 2mm 0; }
h2 { font-size: 10.5pt; margin: 4mm 0 1.5mm 0; border-bottom: 1px solid #888; }
p { margin: 1mm 0; }
.sub { color: #444; }
.banner { border: 2px solid #D55E00; color: #7a2e00; font-weight: bold; padding: 1.5mm 3mm; margin: 2mm 0;
          text-align: center; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #bbb; padding: 0.8mm 1.5mm; text-align: right; vertical-align: top; }
th { background: #eee; font-weight: 600; }
td.cat, th.cat { text-align: left; }
tr.total td { font-weight: 600; background: #f6f6f6; }
tr.published td { font-style: italic; }
.status { display: inline-block; padding: 0 1.5mm; border-radius: 1mm; color: #000; }
.summary span { margin-right: 4mm; }
ul { margin: 1mm 0 0 4mm; padding: 0; }
li { margin: 0.5mm 0; }
footer { margin-top: 3mm; color: #555; font-size: 8pt; }
@media print { body { max-width: none; } .banner { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
               .status, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
"""


def _fmt(value: float | str | None, decimals: int = 0) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "&ndash;"
    if isinstance(value, str):
        return escape(value)
    return f"{value:,.{decimals}f}"


def _status_cell(status: str) -> str:
    colour = STATUS_COLOURS.get(status)
    if not colour:
        return f"<td>{escape(status)}</td>"
    return f'<td><span class="status" style="background:{colour}">{escape(status)}</span></td>'


def _quarter_text(report: TargetReport, quarter: str | None) -> str:
    start = pd.Timestamp(year=int(report.evaluated_year[:4]), month=4, day=1)
    span = f"{start:%B %Y} to {pd.Timestamp(report.as_of):%B %Y}"
    if quarter:
        return f"{escape(quarter)} ({span})"
    if report.months_elapsed % 3 == 0:
        return f"{report.evaluated_year} Q{report.months_elapsed // 3} ({span})"
    return f"{report.evaluated_year}, {span}"


def _progress_rows(report: TargetReport, red_cols: list[str]) -> tuple[str, str]:
    """Header row and body rows of the progress-against-target table."""
    t = report.targets
    table = report.table
    head = (
        '<tr><th class="cat">Home Office category</th>'
        f"<th>Baseline {escape(fy_label(t.baseline_year))}</th>"
        + "".join(f"<th>Max {escape(c[7:])} {escape(fy_label(t.target_year))}</th>" for c in red_cols)
        + f"<th>{escape(report.evaluated_year)} to {report.as_of:%d/%m/%Y}</th>"
        "<th>Projected full year</th><th>Trajectory</th><th>Change vs baseline</th><th>Status</th></tr>"
    )
    body = []
    for r in table.to_dict("records"):
        cls = ' class="total"' if r["category"] == TOTAL_CATEGORIES else ""
        cls = ' class="published"' if r["category"] == PUBLISHED_TOTAL else cls
        change = "&ndash;" if pd.isna(r["change_pct"]) else f"{_fmt(r['change'])} ({r['change_pct']:+.1f}%)"
        body.append(
            f'<tr{cls}><td class="cat">{escape(r["category"])}</td><td>{_fmt(r["baseline"])}</td>'
            + "".join(f"<td>{_fmt(r[c])}</td>" for c in red_cols)
            + f"<td>{_fmt(r['to_date'])}</td><td>{_fmt(r['projected'])}</td><td>{_fmt(r['trajectory'])}</td>"
            f"<td>{change}</td>{_status_cell(str(r['status']))}</tr>"
        )
    return head, "".join(body)


def render_quarterly_report(
    report: TargetReport,
    *,
    partnership: str,
    district: str,
    quarter: str | None = None,
    generated: date | None = None,
) -> str:
    """Render the target tracker as a one-page, self-contained HTML report.

    Parameters
    ----------
    report : TargetReport
        From :func:`geo.targets.target_table` (its ``as_of`` should be a quarter's last day).
    partnership, district : str
        Names for the heading, e.g. ``district.partnership`` and ``district.name``.
    quarter : str, optional
        Label such as ``"2007/08 Q3"``; by default derived from the report's months elapsed.
    generated : date, optional
        Date printed in the footer (default today).

    Returns
    -------
    str
        A complete HTML document with inline CSS and no external references.
    """
    generated = generated or date.today()
    t = report.targets
    reds = sorted(t.reductions)
    red_cols = [reduction_label(r) for r in reds]
    table = report.table
    year_cols = [y for y in report.years if y <= report.evaluated_year]

    head, body = _progress_rows(report, red_cols)
    years_head = (
        '<tr><th class="cat">Home Office category</th>' + "".join(f"<th>{escape(y)}</th>" for y in year_cols) + "</tr>"
    )
    years_body = "".join(
        f'<tr><td class="cat">{escape(r["category"])}</td>'
        + "".join(f"<td>{_fmt(r[y])}</td>" for y in year_cols)
        + "</tr>"
        for r in table[table["category"] != PUBLISHED_TOTAL].to_dict("records")
    )
    counts = table.loc[~table["category"].isin([TOTAL_CATEGORIES, PUBLISHED_TOTAL]), "status"].value_counts()
    summary = "".join(f"<span><b>{int(counts.get(s, 0))}</b> {escape(s)}</span>" for s in STATUS_COLOURS)
    banner = f'<div class="banner">{SYNTHETIC_BANNER}</div>' if report.synthetic else ""
    notes = [report.rounding_rule, "Status: " + report.status_rule, *report.notes]
    if t.source:
        notes.append(f"Baseline and targets: {t.source}.")
    footer_synthetic = f" {SYNTHETIC_BANNER}." if report.synthetic else ""
    title = f"{escape(partnership or district)}: crime reduction targets"
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>{title} &ndash; {escape(_quarter_text(report, quarter))}</title>
<style>{_CSS}</style>
</head>
<body>
{banner}
<h1>{title}</h1>
<p class="sub">Quarterly report, {_quarter_text(report, quarter)}. {escape(district)} district.
Target: reduce each category by {" / ".join(f"{r * 100:g}%" for r in reds)} from {fy_label(t.baseline_year)}
to {fy_label(t.target_year)} (financial years, April&ndash;March).</p>
<p class="summary">Categories: {summary}</p>
<h2>Progress against target</h2>
<table>{head}{body}</table>
<h2>Recorded offences by financial year</h2>
<table>{years_head}{years_body}</table>
<h2>How to read this</h2>
<ul>{"".join(f"<li>{escape(n)}</li>" for n in notes)}</ul>
<footer>Generated {generated:%d/%m/%Y} by csp-hotspots. Counts are offences recorded in the
partnership's store by Home Office category; &ndash; means not recorded.{footer_synthetic}</footer>
</body>
</html>
"""


__all__ = ["STATUS_COLOURS", "SYNTHETIC_BANNER", "render_quarterly_report"]
