"""Ingest benchmarks: 1M, 3M and 18M (national-scale) data.police.uk-format rows into a fresh store,
each beside the plain pandas/geopandas script an analyst would write and a DuckDB-native load
(``read_csv`` straight into a table) of the same file, in the same run.  Each load runs in its own
process, so each peak memory (max RSS) is its own.

``seconds`` is wall time and ``CPU s`` the CPU time (all threads); the target gives the ratios
the goals are stated in: CPU at most the plain script's, and at most 1.5x the DuckDB-native load;
the note the machine's 1-minute load average before and after the three loads (CPU time is the
fair figure on a shared machine; wall time is not).  ``--only ingest`` runs the 1M and 3M rows.
The 18M row is opt-in (it takes many minutes): its file is generated into a temporary folder and
deleted afterwards (about 4 GB); run it on its own with ``python -m bench.run --only national``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._data import ROOT, ensure_file

_GOAL_MB = 1500  # the peak-memory bound for any input size


def _timed(fn) -> tuple[float, float, object]:
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t0, time.process_time() - c0, out


def _ingest(path: Path) -> tuple[float, float, object]:
    from geo.config import load_district
    from geo.store import Store

    tmp = Path(tempfile.mkdtemp())
    try:
        store = Store.open(tmp / "bench.duckdb", district=load_district(), read_only=False)
        return _timed(lambda: store.ingest([path]))
    finally:
        shutil.rmtree(tmp)


def _plain(path: Path) -> tuple[float, float, object]:
    """The script an analyst would write for the same store: read, parse months, grid, wards and sectors, write.

    No validation, ids or dedupe (what the ingest adds); otherwise the same work: the months are
    parsed to dates, the points projected to British National Grid and joined to wards and sectors
    (the ingest's area joins), and the result written to GeoParquet.
    """
    import geopandas as gpd
    import pandas as pd

    from geo.config import load_district

    district = load_district()
    wards, sectors = district.wards[["ward_code", "ward_name", "geometry"]], district.sectors[["sector", "geometry"]]
    tmp = Path(tempfile.mkdtemp())

    def run() -> int:
        df = pd.read_csv(path)
        df["Month"] = pd.to_datetime(df["Month"], format="%Y-%m")
        gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["Longitude"], df["Latitude"]), crs=4326)
        gdf = gdf.to_crs(27700)
        joined = gpd.sjoin(gdf, wards, how="left", predicate="within").drop(columns="index_right")
        joined = gpd.sjoin(joined, sectors, how="left", predicate="within")
        joined.to_parquet(tmp / "out.parquet")
        return len(joined)

    try:
        return _timed(run)
    finally:
        shutil.rmtree(tmp)


def _duckdb_native(path: Path) -> tuple[float, float, object]:
    import duckdb

    tmp = Path(tempfile.mkdtemp())
    try:

        def run() -> int:
            con = duckdb.connect(str(tmp / "native.duckdb"))
            con.execute(f"CREATE TABLE incidents AS SELECT * FROM read_csv('{path}', all_varchar = true)")
            n = con.execute("SELECT count(*) FROM incidents").fetchall()[0][0]
            con.close()
            return n

        return _timed(run)
    finally:
        shutil.rmtree(tmp)


def _row(label: str, n: int, what: str, wall: float, cpu: float, note: str, ok=None, target="reference") -> dict:
    return {
        "name": f"{label} {n // 1_000_000}M rows: {what}",
        "seconds": wall,
        "cpu_seconds": cpu,
        "target": target,
        "ok": ok,
        "note": f"CPU {cpu:.1f} s; {note}",
    }


def _national_file(folder: Path, n: int) -> Path:
    """``n`` rows: the 1M file repeated with distinct crime ids per copy (DuckDB writes it in seconds).

    Each copy moves to its own years (2000 + 3 * copy ...), so the copies are distinct incidents;
    rows without a Crime ID (ASB) repeat within a copy as they do in real files.  Written by a
    separate process: a child forked from a process that has grown keeps its parent's size as its
    own peak memory on Linux, which would hide the loads' real peaks.
    """
    base = ensure_file("police_uk_1m.csv", 1_000_000)
    path = folder / "national.csv"
    copies = (n + 999_999) // 1_000_000
    sql = f"""COPY (
          SELECT CASE WHEN "Crime ID" = '' THEN '' ELSE printf('%02d', k) || substr("Crime ID", 3) END AS "Crime ID",
                 CAST(CAST(substr("Month", 1, 4) AS INTEGER) - 2015 + 1960 + 3 * k AS VARCHAR) || substr("Month", 5)
                   AS "Month",
                 * EXCLUDE ("Crime ID", "Month")
          FROM read_csv('{base}', all_varchar = true) CROSS JOIN range({copies}) AS t(k)
          LIMIT {n}
        ) TO '{path}' (HEADER, DELIMITER ',')"""
    code = "import duckdb, sys; con = duckdb.connect(); con.execute(sys.argv[1]); con.close()"
    subprocess.run([sys.executable, "-c", code, sql], check=True, cwd=ROOT)
    return path


def _child(kind: str, path: Path) -> dict:
    """Run one measurement in a fresh process, so each peak memory is its own."""
    code = (
        "import json, resource, sys; from pathlib import Path; import bench.bench_ingest as b; "
        "fn = {'ingest': b._ingest, 'plain': b._plain, 'duckdb': b._duckdb_native}[sys.argv[1]]; "
        "wall, cpu, out = fn(Path(sys.argv[2])); "
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024; "
        "stored = getattr(out, 'stored', out); "
        "print('RESULT ' + json.dumps([wall, cpu, peak, stored]))"
    )
    proc = subprocess.run([sys.executable, "-c", code, kind, str(path)], capture_output=True, text=True, cwd=ROOT)
    found = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if not found:
        return {"failed": (proc.stderr.strip().splitlines() or ["no output"])[-1]}
    wall, cpu, peak, stored = json.loads(found[-1][7:])
    return {"wall": wall, "cpu": cpu, "peak": round(peak), "stored": stored}


def national_18m() -> list[dict]:
    """18M rows: ingest and the DuckDB-native load (the plain pandas script is skipped: it holds the whole
    file, 4.5 GB at 3M rows, so about 27 GB at 18M, more than a 2-core, 24 GB machine has)."""
    n = 18_000_000
    tmp = Path(tempfile.mkdtemp(prefix="bench-national-"))
    try:
        return _scale(n, _national_file(tmp, n), with_plain=False)
    finally:
        shutil.rmtree(tmp)


def _scale(n: int, path: Path, with_plain: bool = True) -> list[dict]:
    """The three loads of one file, each in its own process, with the goal ratios."""
    load_before = os.getloadavg()[0]
    ing = _child("ingest", path)
    skipped = {"failed": "skipped: holds the whole file (4.5 GB at 3M rows, ~27 GB here)"}
    plain = _child("plain", path) if with_plain else skipped
    native = _child("duckdb", path)
    rows = []
    for kind, res, what in (
        ("ingest", ing, "stream, validate, ids, dedupe, areas, DuckDB"),
        ("  beside", plain, "pandas read_csv + months + to_crs + sjoin wards, sectors + GeoParquet (no validation)"),
        ("  beside", native, "DuckDB read_csv into a table (no validation, no areas)"),
    ):
        if "failed" in res:
            rows.append(
                {"name": f"{kind} {n // 1_000_000}M rows: {what}", "seconds": "", "ok": None, "note": res["failed"]}
            )
            continue
        row = _row(kind, n, what, res["wall"], res["cpu"], f"rows {res['stored']:,}; peak {res['peak']} MB")
        row["peak_mb"] = res["peak"]
        rows.append(row)
    rows[0]["note"] += f"; load {load_before:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    if "failed" in ing:
        rows[0]["ok"] = False
        return rows
    goals = [f"peak {ing['peak']} <= {_GOAL_MB} MB"]
    ok = ing["peak"] <= _GOAL_MB and ing["stored"] == n
    if "failed" not in plain:
        goals.append(f"CPU {ing['cpu'] / plain['cpu']:.2f}x plain (goal <= 1.0)")
        ok = ok and ing["cpu"] <= plain["cpu"]
    if "failed" not in native:
        goals.append(f"{ing['cpu'] / native['cpu']:.2f}x DuckDB (goal <= 1.5)")
        ok = ok and ing["cpu"] <= 1.5 * native["cpu"]
    rows[0]["target"] = "; ".join(goals)
    rows[0]["ok"] = ok
    return rows


def scale_1m() -> list[dict]:
    return _scale(1_000_000, ensure_file("police_uk_1m.csv", 1_000_000))


def scale_3m() -> list[dict]:
    return _scale(3_000_000, ensure_file("police_uk_3m.csv", 3_000_000))


national_18m.opt_in = True  # type: ignore[attr-defined]
ROWS = [scale_1m, scale_3m, national_18m]
