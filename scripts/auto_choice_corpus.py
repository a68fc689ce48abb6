"""Record ``auto``'s choice and drawing on a fixed corpus of selections, and diff two records.

A change to how ``auto`` chooses must leave every outcome as it was.  Run ``dump`` from a checkout
of the old code (copy this script into its ``scripts/``) and from the new one, then ``diff`` the
two files (each checkout runs its own code)::

    python OLD/scripts/auto_choice_corpus.py dump before.pkl
    python scripts/auto_choice_corpus.py dump after.pkl
    python scripts/auto_choice_corpus.py diff before.pkl after.pkl

Each case records the choice's raw candidate scores (hits, incidents, area shares, baseline hits
and share, months won), the reason, every parameter and warning of the result, and the drawn
polygons (WKB and every column).  The corpus: the load test's selections of the 100k and 1M bench
stores (``bench.bench_dashboard.ensure_store``; some again with other budgets, ``max_hotspots`` and
``min_count``), the bundled data.police.uk files with and without all-crime context (whole
period, crime types, sectors, a zone, budgets, a single month, a sparse selection), and planted
points on 50 m and 100 m cell edges and corners and on the study-area boundary, with a given
area, the district and no area at all.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VARIANTS = ({"top_share": 0.005}, {"top_share": 0.03}, {"max_hotspots": 7, "min_count": 1}, {"min_count": 10})


def _record(res: Any, scores: list) -> dict:
    polys = res.polygons
    return {
        "scores": [asdict(s) for s in scores],
        "params": res.params,
        "warnings": list(res.warnings),
        "notes": list(res.notes),
        "n_incidents": res.n_incidents,
        "n_dropped": res.n_dropped,
        "dropped_note": res.dropped_note,
        "wkb": [shapely.to_wkb(g) for g in polys.geometry],
        "columns": {c: polys[c].tolist() for c in polys.columns if c != "geometry"},
    }


def _run(incidents: Any, context: pd.DataFrame | None, **kw: Any) -> dict:
    """``find_hotspots(..., "auto")`` with the choice's raw scores captured."""
    import geo.hotspots.auto as auto
    from geo.hotspots import find_hotspots

    captured: list = []
    original = auto.choose

    def spy(*a: Any, **k: Any) -> Any:
        out = original(*a, **k)
        captured.append(out[1])
        return out

    auto.choose = spy
    try:
        res = find_hotspots(incidents, "auto", context=context, **kw)
    finally:
        auto.choose = original
    return _record(res, captured[0] if captured else [])


def _store_cases(n: int, count: int, varied: int) -> dict[str, dict]:
    from bench.bench_dashboard import ensure_store
    from bench.bench_load import _selections
    from dashboard import state
    from service.hotspots import all_crime_context, hotspot_rows
    from service.source import Source

    src = Source.build(ensure_store(n))
    district = src.district()
    out = {}
    for i, s in enumerate(_selections(count, seed=1)):
        sel = state.selection_from_store(s["store"])
        rows, ctx = hotspot_rows(src, sel), all_crime_context(src, sel)
        out[f"{n}/{i}/{s['params']}"] = _run(rows, ctx, district=district)
        if i < varied:
            for v in VARIANTS:
                out[f"{n}/{i}/{s['params']}/{v}"] = _run(rows, ctx, district=district, **v)
    return out


def _police_uk_cases(workdir: Path) -> dict[str, dict]:
    from geo.config import load_district
    from geo.selection import Selection
    from geo.store import Store
    from service.hotspots import all_crime_context, hotspot_rows
    from service.source import Source

    district = load_district()
    path = workdir / "auto_corpus_police_uk.duckdb"
    if not path.exists():
        Store.open(path, district=district, read_only=False).ingest([ROOT / "data" / "winchester" / "police-uk"])
    src = Source.build(path)
    y2017 = {"date_from": date(2017, 2, 1), "date_to": date(2017, 9, 30)}
    sels = {
        "all": Selection(),
        "2017": Selection(**y2017),
        "burglary": Selection(crime_types=("Burglary",), **y2017),
        "vehicle": Selection(crime_types=("Vehicle crime",)),
        "asb town": Selection(crime_types=("Anti-social behaviour",), sectors=("Winchester Town",), **y2017),
        "shoplifting town": Selection(crime_types=("Shoplifting",), sectors=("Winchester Town",)),
        "violence zone": Selection(crime_types=("Violence and sexual offences",), zone="2007", **y2017),
        "zone outside": Selection(zone="2005", zone_inside=False, **y2017),
        "sparse": Selection(crime_types=("Bicycle theft",), sectors=("Bishops Waltham",), **y2017),
        "one month": Selection(date_from=date(2017, 3, 1), date_to=date(2017, 3, 31)),
        "two months": Selection(crime_types=("Burglary",), date_from=date(2017, 3, 1), date_to=date(2017, 4, 30)),
    }
    out = {}
    for name, sel in sels.items():
        rows, ctx = hotspot_rows(src, sel), all_crime_context(src, sel)
        out[f"police-uk/{name}"] = _run(rows, ctx, district=district)
        if ctx is not None:
            out[f"police-uk/{name}/no context"] = _run(rows, None, district=district)
        for v in VARIANTS:
            out[f"police-uk/{name}/{v}"] = _run(rows, ctx, district=district, **v)
    # a selection's rows as a plain frame: the study area is the district, or the points' box
    rows = hotspot_rows(src, replace(sels["burglary"])).incidents
    out["police-uk/burglary/frame+district"] = _run(rows, None, district=district)
    out["police-uk/burglary/frame, no district"] = _run(rows, None)
    return out


def _frame(x: np.ndarray, y: np.ndarray, month: np.ndarray) -> pd.DataFrame:
    t = pd.to_datetime([f"2017-{m:02d}-15 12:00" for m in month]).tz_localize("Europe/London")
    n = len(x)
    return pd.DataFrame({"crime_type": pd.Series(["Burglary"] * n, dtype="string"), "occurred_from": t,
                         "occurred_to": t, "time_precision": "time", "easting": x, "northing": y})  # fmt: skip


def _planted_cases() -> dict[str, dict]:
    from geo.config import load_district

    district = load_district()
    out = {}
    box = shapely.box(440000, 120000, 450000, 130000)
    off = shapely.box(440010, 120010, 449990, 129990)  # an edge through cells, not along them
    for seed in range(6):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(60, 1500))
        snaps = rng.integers(0, 200, (40, 2)) * (50 if seed % 2 else 100)
        pick = rng.integers(0, 40, n)
        x = 440000 + snaps[pick, 0] + rng.choice([0.0, 0.0, 25.0, 50.0], n)
        y = 120000 + snaps[pick, 1] + rng.choice([0.0, 25.0, 50.0], n)
        edge = rng.random(n) < 0.1  # on the study area's boundary: the box's and the offset box's
        x[edge] = rng.choice([440000.0, 450000.0, 440010.0, 449990.0], int(edge.sum()))
        month = rng.integers(2, 6, n)
        df = _frame(x.astype(float), y.astype(float), month)
        ctx = pd.concat([df, _frame(rng.uniform(440000, 450000, 3 * n), rng.uniform(120000, 130000, 3 * n),
                                    rng.integers(2, 6, 3 * n))], ignore_index=True)  # fmt: skip
        for name, area in (("box", box), ("offset box", off)):
            out[f"planted/{seed}/{name}"] = _run(df, None, area=area, min_count=1 + seed % 3)
            out[f"planted/{seed}/{name}/ctx"] = _run(df, ctx, area=area, top_share=0.002 * (seed + 1))
            out[f"planted/{seed}/{name}/max"] = _run(df, ctx, area=area, max_hotspots=3, min_count=2)
        out[f"planted/{seed}/no area"] = _run(df, None)
        out[f"planted/{seed}/no area/ctx"] = _run(df, ctx, max_hotspots=5)
        moved = df.assign(easting=df["easting"] + 5000.0, northing=df["northing"] + 5000.0)
        out[f"planted/{seed}/district"] = _run(moved, None, district=district)
    centres = np.array([[443000, 123000], [446000, 127000], [448000, 122000]])
    for seed in (3, 6, 10, 11):  # spread-out clusters on new places every month: a kernel density can win
        rng = np.random.default_rng(seed)
        c = centres[rng.integers(0, 3, 160)]
        df = _frame(c[:, 0] + rng.normal(0, 200, 160), c[:, 1] + rng.normal(0, 200, 160), np.repeat([2, 3, 4, 5], 40))
        for name, area in (("box", box), ("offset box", off)):
            out[f"spread/{seed}/{name}"] = _run(df, None, area=area, top_share=0.01)
            out[f"spread/{seed}/{name}/min 1"] = _run(df, None, area=area, top_share=0.02, min_count=1)
            out[f"spread/{seed}/{name}/max"] = _run(df, None, area=area, max_hotspots=2)
    return out


def dump(path: Path, quick: bool) -> None:
    """Write every case's record to ``path``."""
    workdir = ROOT / "bench" / "out"
    workdir.mkdir(parents=True, exist_ok=True)
    cases = {**_planted_cases(), **_police_uk_cases(workdir), **_store_cases(100_000, 16, 5)}
    if not quick:
        cases.update(_store_cases(1_000_000, 10, 3))
    path.write_bytes(pickle.dumps(cases))
    print(f"{len(cases)} cases written to {path}")


def _differ(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return not (a == b or (np.isnan(a) and np.isnan(b)))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() != b.keys() or any(_differ(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) != len(b) or any(_differ(x, y) for x, y in zip(a, b, strict=True))
    return bool(a != b)


def diff(a_path: Path, b_path: Path) -> int:
    """Print the cases whose records differ; the number of them."""
    a, b = pickle.loads(a_path.read_bytes()), pickle.loads(b_path.read_bytes())
    bad = 0
    for key in sorted(set(a) | set(b)):
        if key not in a or key not in b:
            print(f"only in one: {key}")
            bad += 1
            continue
        fields = [f for f in a[key] if _differ(a[key][f], b[key].get(f))]
        if fields:
            print(f"DIFFERENT {key}: {fields}")
            bad += 1
    chosen = {}
    for rec in a.values():
        name = rec["params"].get("chosen", "-")
        chosen[name] = chosen.get(name, 0) + 1
    print(f"{len(a)} cases, {bad} different; choices: {chosen}")
    return bad


def main() -> int:
    """Command line: ``dump FILE [--quick]`` or ``diff A B``."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out", type=Path)
    d.add_argument("--quick", action="store_true", help="leave out the 1M store")
    f = sub.add_parser("diff")
    f.add_argument("a", type=Path)
    f.add_argument("b", type=Path)
    args = p.parse_args()
    if args.cmd == "dump":
        dump(args.out, args.quick)
        return 0
    return 1 if diff(args.a, args.b) else 0


if __name__ == "__main__":
    raise SystemExit(main())
