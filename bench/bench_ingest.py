"""Ingest benchmark: 1,000,000 data.police.uk-format rows into a fresh store, beside the plain
pandas/geopandas script an analyst would write on the same file."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from bench._data import ensure_file

N = 1_000_000


def ingest_1m() -> dict:
    from geo.config import load_district
    from geo.store import Store

    path = ensure_file("police_uk_1m.csv", N)
    tmp = Path(tempfile.mkdtemp())
    try:
        t0 = time.perf_counter()
        store = Store.open(tmp / "bench.duckdb", district=load_district(), read_only=False)
        report = store.ingest([path])
        seconds = time.perf_counter() - t0
    finally:
        shutil.rmtree(tmp)
    return {
        "name": "ingest 1M data.police.uk rows (validate, areas, dedupe, DuckDB)",
        "seconds": seconds,
        "target": "<= 20 s, <= 2500 MB",
        "ok": seconds <= 20,
        "max_mb": 2500,
        "note": f"stored {report.stored:,}, duplicates {report.duplicates:,}, rejected {report.rejected:,}",
    }


def plain_script_1m() -> dict:
    import geopandas as gpd
    import pandas as pd

    from geo.config import load_district

    path = ensure_file("police_uk_1m.csv", N)
    sectors = load_district().sectors
    tmp = Path(tempfile.mkdtemp())
    try:
        t0 = time.perf_counter()
        df = pd.read_csv(path)
        gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["Longitude"], df["Latitude"]), crs=4326)
        gdf = gdf.to_crs(27700)
        joined = gpd.sjoin(gdf, sectors[["sector", "geometry"]], how="left", predicate="within")
        joined.to_parquet(tmp / "out.parquet")
        seconds = time.perf_counter() - t0
    finally:
        shutil.rmtree(tmp)
    return {
        "name": "  beside it: pandas read_csv + points_from_xy + to_crs + sjoin + GeoParquet",
        "seconds": seconds,
        "target": "reference",
        "ok": None,
        "note": "no validation, ids, duplicates, wards/zones or rejects",
    }


ROWS = [ingest_1m, plain_script_1m]
