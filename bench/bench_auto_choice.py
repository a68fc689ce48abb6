"""``auto``'s choice per uncached selection: scored on grid cells against the full engine.

Over the 100k and 1M bench stores (``bench.bench_dashboard.ensure_store``), the load test's first
8 selections (``bench.bench_load._selections``) are read once (rows and all-crime context, as
``service.hotspots.run_hotspots`` reads them); then :func:`geo.hotspots.auto.choose` runs on each,
best of 3, once on cells (what the product runs) and once through the full engine
(``scorer=None``), and the row says both and the ratio.  The two must agree: a row whose choice
or scores differ is not ok.  The target is the 0.15 s of docs/hotspots.md.

Run alone: ``nice -n 5 python -m bench.bench_auto_choice [100000 1000000]``.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from bench.bench_dashboard import _label, ensure_store

SELECTIONS = 8
REPEAT = 3
TARGET_S = 0.15


def _best(fn: Any) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(REPEAT):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def choice_rows(n: int) -> list[dict]:
    """One row per selection of the ``n``-incident store, and one for their sum."""
    from bench.bench_load import _selections
    from dashboard import state
    from geo.hotspots import auto_setup, selection_area
    from geo.hotspots.auto import choose
    from geo.hotspots.result import unwrap
    from service.hotspots import all_crime_context, hotspot_rows
    from service.source import Source

    src = Source.build(ensure_store(n))
    district = src.district()
    rows, cells_sum, engine_sum, same = [], 0.0, 0.0, True
    for i, s in enumerate(_selections(SELECTIONS)):
        sel = state.selection_from_store(s["store"])
        picked, ctx = hotspot_rows(src, sel), all_crime_context(src, sel)
        df = unwrap(picked)[0]
        # the study area as find_hotspots resolves it: the sectors and zone, else the district
        geom = selection_area(sel, district) if sel.sectors or sel.zone is not None else None
        run, scorer, area_m2 = auto_setup(df, district=district, area=geom)
        cells_s, fast = _best(lambda: choose(df, ctx, run, area_m2, scorer))  # noqa: B023 - called at once
        engine_s, full = _best(lambda: choose(df, ctx, run, area_m2))  # noqa: B023
        cells_sum, engine_sum, ok = cells_sum + cells_s, engine_sum + engine_s, fast == full
        same &= ok
        rows.append(
            {
                "name": f"auto choice {_label(n)} #{i} ({len(df):,} rows)",
                "seconds": round(cells_s, 3),
                "target": f"<= {TARGET_S} s",
                "ok": ok and cells_s <= TARGET_S,
                "note": f"engine {engine_s:.3f} s, {engine_s / cells_s:.1f}x; "
                + ("same choice and scores" if ok else "DIFFERENT choice or scores"),
            }
        )
    rows.append(
        {
            "name": f"auto choice {_label(n)}, {SELECTIONS} selections",
            "seconds": round(cells_sum, 3),
            "target": f"<= {SELECTIONS * TARGET_S:.1f} s",
            "ok": same and cells_sum <= SELECTIONS * TARGET_S,
            "note": f"engine {engine_sum:.3f} s, {engine_sum / cells_sum:.1f}x",
        }
    )
    return rows


def choice_100k() -> list[dict]:
    """The choice over the 100k store's selections."""
    return choice_rows(100_000)


def choice_1m() -> list[dict]:
    """The choice over the 1M store's selections."""
    return choice_rows(1_000_000)


ROWS = [choice_100k, choice_1m]

if __name__ == "__main__":
    for size in [int(a) for a in sys.argv[1:]] or [100_000, 1_000_000]:
        for r in choice_rows(size):
            print(
                f"{r['name']:<42} {r['seconds']:>7.3f} s  {r['target']:<9} {'ok' if r['ok'] else 'NO':<3} {r['note']}"
            )
