"""The briefing's table of a plan: display rows and the one-sentence summary (also used by the dashboard)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from geo.deploy import PlanResult

VAN_COLUMNS = (
    "Rank",
    "Nearest street",
    "Grid ref (E, N)",
    "New incidents",
    "Cumulative share",
    "Peak hours",
    "Peak days",
    "Reliability",
)
PATROL_COLUMNS = ("Rank", "Nearest street", "Incidents", "Share", "Best window", "Suggested visit", "Reliability")


# ---- table --------------------------------------------------------------------------------


def _dash(text: object) -> str:
    """Hour ranges with an en dash (09:00–12:00), blanks as an en dash."""
    if text is None or (not isinstance(text, str) and pd.isna(text)) or str(text).strip() == "":
        return "–"
    return str(text).replace(":00-", ":00–")


def _pct(v: float | None) -> str:
    return "–" if v is None or pd.isna(v) else f"{100 * float(v):.1f}%"


def _visit(row: pd.Series) -> str:
    """The suggested visit without repeating the window shown beside it."""
    text = str(row["suggested_visit"] or "")
    if row["best_window"] and " visits at varied times" in text:
        return text.split(" visits at varied times")[0] + " visits at varied times in the window"
    return _dash(text)


def _reliability(row: pd.Series) -> str:
    """Say "too few to rely on" for a site or cell resting on fewer than the minimum, else "–"."""
    text = row.get("reliability", "") if hasattr(row, "get") else ""
    return str(text) if isinstance(text, str) and text else "–"


def table_rows(result: PlanResult) -> tuple[tuple[str, ...], list[list[str]], tuple[int, ...]]:
    """Display rows of a plan: (column headings, rows of text, indices of numeric columns).

    Van sites: rank, nearest street, grid reference, incidents newly covered, cumulative share
    of the selection (fixed CCTV included), peak hours, peak days and reliability ("too few to
    rely on" below the plan's minimum).  Patrol cells: rank, street, incidents, share, best
    window, the suggested visit and reliability.  Times are 24-hour.
    """
    t = result.table
    if result.kind == "van":
        rows = [
            [
                str(int(r["rank"])),
                str(r["street"] or "–"),
                f"{int(round(r['easting']))}, {int(round(r['northing']))}",
                f"{int(r['incidents_covered']):,}",
                _pct(r["cumulative_share"]),
                _dash(r["peak_hours"]),
                _dash(r["peak_days"]),
                _reliability(r),
            ]
            for _, r in t.iterrows()
        ]
        return VAN_COLUMNS, rows, (3, 4)
    rows = [
        [
            str(int(r["rank"])),
            str(r["street"] or "–"),
            f"{int(r['count']):,}",
            _pct(r["share"]),
            _dash(r["best_window"]),
            _visit(r),
            _reliability(r),
        ]
        for _, r in t.iterrows()
    ]
    return PATROL_COLUMNS, rows, (2, 3)


def plan_summary(result: PlanResult) -> str:
    """One sentence on what the plan covers, e.g. for a heading or a status line."""
    p = result.params
    n = result.n_incidents
    if result.empty:
        if n == 0:
            return "No plan: no incidents match the selection."
        why = [x for x in result.notes if x.startswith("no van site suggested")]
        return f"No plan: {why[0][len('no van site suggested: ') :]}." if why else "No plan."
    if result.kind == "van":
        pre = int(p.get("already_covered_by_cctv") or 0)
        text = (
            f"{len(result.table)} van site{'s' if len(result.table) != 1 else ''} of {p['radius_m']:g} m cover "
            f"{int(p['covered_total']):,} of {n:,} selected incidents ({_pct(p['covered_share'])})"
        )
        if pre:
            text += f", including {pre:,} already within the fixed CCTV cameras' reach"
        return text + "."
    return (
        f"The top {len(result.table)} patrol cell{'s' if len(result.table) != 1 else ''} of "
        f"{p['cell_m']:g} m hold {int(round(p['covered_share'] * n)):,} of {n:,} selected incidents "
        f"({_pct(p['covered_share'])})."
    )


__all__ = ["PATROL_COLUMNS", "VAN_COLUMNS", "plan_summary", "table_rows"]
