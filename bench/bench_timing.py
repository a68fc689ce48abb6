"""Benchmarks for issue 4: aoristic hour x weekday and premises linking (seeded synthetic data)."""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point


def _times(n: int, rng: np.random.Generator) -> tuple[pd.Series, pd.Series]:
    start = pd.Series(pd.to_datetime(rng.integers(1_041_379_200, 1_206_921_600, n), unit="s", utc=True))
    start = start.dt.tz_convert("Europe/London")
    # Windows from 0 to 14 hours, as in force data with from/to times.
    end = start + pd.to_timedelta(rng.integers(0, 14 * 3600, n), unit="s")
    return start, end


def hour_weekday_aoristic_1m() -> dict:
    from geo.timing import hour_weekday

    rng = np.random.default_rng(42)
    n = 1_000_000
    start, end = _times(n, rng)
    df = pd.DataFrame({"occurred_from": start, "occurred_to": end, "time_precision": "time"})
    t0 = time.perf_counter()
    hw = hour_weekday(df, aoristic=True)
    seconds = time.perf_counter() - t0
    total = float(hw.matrix.to_numpy().sum())
    return {
        "name": "hour x weekday aoristic, 1,000,000 incidents",
        "seconds": seconds,
        "target": "<= 2 s",
        "ok": seconds <= 2 and abs(total - n) < 1e-3,
        "note": f"weights sum {total:,.3f}; windows 0-14 h incl. clock changes",
    }


def premises_link_100k() -> dict:
    from geo.premises import link_premises

    rng = np.random.default_rng(7)
    centre = np.array([448_000.0, 129_500.0])  # Winchester, EPSG:27700
    prem_xy = centre + rng.normal(0, 600, (500, 2))
    premises = gpd.GeoDataFrame(
        {"premises_id": [f"P{i:04d}" for i in range(500)], "name": [f"Premises {i}" for i in range(500)]},
        geometry=[Point(x, y) for x, y in prem_xy],
        crs="EPSG:27700",
    )
    n = 100_000
    # Half the incidents cluster near premises, half are spread over the town.
    near = prem_xy[rng.integers(0, 500, n // 2)] + rng.normal(0, 30, (n // 2, 2))
    xy = np.vstack([near, centre + rng.normal(0, 1500, (n - n // 2, 2))])
    start, end = _times(n, rng)
    df = pd.DataFrame(
        {
            "incident_id": [f"I{i}" for i in range(n)],
            "easting": xy[:, 0],
            "northing": xy[:, 1],
            "occurred_from": start,
            "occurred_to": end,
            "time_precision": "time",
        }
    )
    t0 = time.perf_counter()
    res = link_premises(df, premises, radius_m=50)
    seconds = time.perf_counter() - t0
    return {
        "name": "premises linking, 100,000 incidents to 500 premises (50 m)",
        "seconds": seconds,
        "target": "<= 2 s",
        "ok": seconds <= 2,
        "note": f"{res.n_linked:,} linked; {len(res.table)} premises ranked",
    }


ROWS = [hour_weekday_aoristic_1m, premises_link_100k]
