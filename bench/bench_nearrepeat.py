"""Near-repeat Knox test and repeat locations on seeded synthetic burglaries.

Rows: the Knox test on 5,000 incidents in a 10 km square over two years (pairs up to 500 m from
``cKDTree.query_pairs``) with 999 permutations, against a bare alternative in the same run that
enumerates every pair with ``scipy.spatial.distance.pdist`` and recounts all of them per
permutation (timed on 19 permutations and scaled); and the repeat-locations table of 50,000
incidents at 20,000 locations.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from scipy.spatial.distance import pdist

from geo.nearrepeat import knox_test
from geo.repeats import repeat_locations


def _burglaries(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 10_000, size=(n, 2)).round(), rng.integers(0, 730, size=n)


def _bare_knox_seconds(xy: np.ndarray, t: np.ndarray, permutations: int) -> float:
    """Every pair, every permutation: the textbook way (timed on a few permutations)."""
    start = time.perf_counter()
    d = pdist(xy)
    dband = np.searchsorted([0, 100, 200, 300, 400, 500], d, side="left")
    rng = np.random.default_rng(0)
    for _ in range(permutations):
        tp = rng.permutation(t).astype(float)
        dt = pdist(tp[:, None])
        np.bincount(dband * 5 + np.searchsorted([7, 14, 21, 28], dt, side="left"), minlength=35)
    return time.perf_counter() - start


def knox_5k():
    xy, t = _burglaries(5000)
    start = time.perf_counter()
    r = knox_test(xy, t, permutations=999, seed=0)
    seconds = time.perf_counter() - start
    bare = _bare_knox_seconds(xy, t, 19) * (999 / 19)
    return {
        "name": "Knox test, 5,000 incidents, 999 permutations",
        "seconds": seconds,
        "target": "<= 30 s",
        "ok": seconds <= 30,
        "note": f"{r.n_pairs:,} pairs; every-pair alternative ~{bare:.0f} s (x{bare / seconds:.0f})",
    }


def repeats_50k():
    rng = np.random.default_rng(1)
    loc = rng.integers(0, 20_000, size=50_000)
    when = pd.Timestamp("2006-01-01", tz="Europe/London") + pd.to_timedelta(rng.integers(0, 730, 50_000), unit="D")
    incidents = pd.DataFrame(
        {
            "easting": (loc % 200) * 50.0,
            "northing": (loc // 200) * 50.0,
            "location": "On or near Somewhere",
            "crime_type": "Burglary",
            "occurred_from": when,
            "occurred_to": when,
            "time_precision": "time",
        }
    )
    start = time.perf_counter()
    rep = repeat_locations(incidents)
    seconds = time.perf_counter() - start
    return {
        "name": "Repeat locations, 50,000 incidents",
        "seconds": seconds,
        "target": "<= 10 s",
        "ok": seconds <= 10,
        "note": f"{rep.n_repeat_locations:,} repeat locations",
    }


ROWS = [knox_5k, repeats_50k]
