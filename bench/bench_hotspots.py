"""Hotspot benchmarks: each method at 100k and 1M incidents, the van planner at 100k.

Synthetic incidents spread like the real ones: 60% resampled from the bundled data.police.uk snap
points as exact duplicates, 30% the same points with 0-30 m of noise, 10% uniform over the
district's extent.  Beside each wrapper row, the bare library call on the same points (the wrapper
overhead must stay under 50%):

* kde: KDEpy ``FFTKDE(bw).fit(points).evaluate(grid)`` on all the points, same bandwidth, a grid at
  least as fine as the wrapper's;
* gistar: binning the points on the wrapper's cell size over their extent, the lattice weights
  (``queen_graph``, what the wrapper uses) and ``esda.G_Local(star=True)`` (analytic z; the
  wrapper also runs its exact Poisson test on the cells holding 5 or more incidents);
* dbscan: ``sklearn.cluster.DBSCAN(eps, min_samples).fit`` on the deduplicated locations with
  ``sample_weight`` (deduplication not timed), the wrapper's eps and min_samples: the fastest plain
  way to get these clusters from scikit-learn (every copy unweighted is about 4x slower).  The
  wrapper itself uses scikit-learn's neighbour search but not ``DBSCAN.fit`` (the same clusters,
  without its per-location loop: ``geo.hotspots.density``);
* hdbscan: ``hdbscan.HDBSCAN(...).fit`` on exactly the points the wrapper fits (the prepared,
  jittered copies; their preparation not timed), the wrapper's parameters.

Both sides run once untimed first (imports, caches of the libraries), then the best of
``BENCH_REPEAT`` (default 3) runs of each is reported: the machine is shared and noisy.
"""

from __future__ import annotations

import glob
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def _points(n: int, seed: int = 0) -> pd.DataFrame:
    from pyproj import Transformer

    frames = [
        pd.read_csv(f, usecols=["Longitude", "Latitude", "Crime type", "Location"])
        for f in sorted(glob.glob(str(ROOT / "data/winchester/police-uk/2017-*.csv")))
    ]
    real = pd.concat(frames).dropna()
    e, nn = Transformer.from_crs(4326, 27700, always_xy=True).transform(real.Longitude.values, real.Latitude.values)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(real), n)
    x, y = e[idx].copy(), nn[idx].copy()
    noisy = rng.random(n) < 0.3
    x[noisy] += rng.normal(0, 15, noisy.sum())
    y[noisy] += rng.normal(0, 15, noisy.sum())
    uni = rng.random(n) < 0.1
    x[uni] = rng.uniform(e.min(), e.max(), uni.sum())
    y[uni] = rng.uniform(nn.min(), nn.max(), uni.sum())
    t = pd.Timestamp("2017-06-09 22:00", tz="Europe/London") + pd.to_timedelta(rng.integers(0, 90 * 24, n), unit="h")
    return pd.DataFrame(
        {
            "crime_type": real["Crime type"].to_numpy()[idx],
            "occurred_from": t,
            "occurred_to": t,
            "time_precision": "time",
            "easting": x,
            "northing": y,
            "location": real["Location"].to_numpy()[idx],
        }
    )


def _timed(fn, repeat: int = 1):
    """Best wall-clock time of ``repeat`` runs, and the last result."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))


def _bare(method: str, df: pd.DataFrame, params: dict):
    """The bare library call on the same points with the parameters the wrapper used."""
    from geo.hotspots.result import dedupe

    x, y = df["easting"].to_numpy(), df["northing"].to_numpy()
    if method == "dbscan":
        from sklearn.cluster import DBSCAN

        ux, uy, w, _ = dedupe(x, y)
        return lambda: DBSCAN(eps=params["eps_m"], min_samples=params["min_samples"]).fit(
            np.c_[ux, uy], sample_weight=w
        )
    if method == "hdbscan":
        import hdbscan

        from geo.hotspots.clusters import prepare_hdbscan_points

        ux, uy, w, inverse = dedupe(x, y)
        *_, px, py = prepare_hdbscan_points(
            ux, uy, w, inverse, min_samples=params["min_samples"], jitter_m=params["jitter_m"],
            max_points=40_000, seed=params["seed"],
        )  # fmt: skip
        pts = np.c_[px, py]
        assert len(pts) == params["points_clustered"]
        return lambda: hdbscan.HDBSCAN(
            min_cluster_size=params["min_cluster_size"], min_samples=params["min_samples"], core_dist_n_jobs=1
        ).fit(pts)
    if method == "kde":
        from KDEpy import FFTKDE

        cell, bw = params["cell_size_m"], params["bandwidth_m"]
        data = np.c_[x, y]

        def run():
            nx = int(np.ptp(x) / cell) + 1
            ny = int(np.ptp(y) / cell) + 1
            size = 2 ** int(np.ceil(np.log2(max(nx, ny) + 8)))
            return FFTKDE(bw=bw).fit(data).evaluate((size, size))

        return run
    if method == "gistar":
        from esda import G_Local

        from geo.hotspots.gistar import queen_graph
        from geo.hotspots.grid import make_grid

        cell = params["cell_size_m"]
        grid = make_grid(x, y, cell, pad=cell)
        mask = np.ones(grid.shape, bool)

        def run():
            c = grid.counts(x, y)
            return G_Local(c[mask], queen_graph(mask), transform="B", star=True, permutations=0)

        return run
    raise ValueError(method)


def _method_rows(method: str, n: int, target: float) -> list[dict]:
    from geo.config import load_district
    from geo.hotspots import find_hotspots

    df = _points(n)
    district = load_district()
    _ = district.boundary
    res = find_hotspots(df, method, district=district)  # untimed warm-up (imports)
    bare_fn = _bare(method, df, res.params)
    bare_fn()
    secs = bare = float("inf")
    for _ in range(REPEAT):  # interleaved, so background load hits both sides alike
        s, res = _timed(lambda: find_hotspots(df, method, district=district))
        b, _ = _timed(bare_fn)
        secs, bare = min(secs, s), min(bare, b)
    label = f"{n // 1000}k" if n < 1_000_000 else f"{n // 1_000_000}M"
    overhead = secs / bare - 1 if bare else 0.0
    return [
        {
            "name": f"hotspots {method} {label}",
            "seconds": secs,
            "target": f"<= {target:g} s",
            "ok": secs <= target,
            "note": f"{len(res.polygons)} hotspots; wrapper overhead {overhead:+.0%} vs bare (best of {REPEAT})",
        },
        {
            "name": f"  bare {method} {label}",
            "seconds": bare,
            "target": "",
            "ok": None,
            "note": f"library call alone on the same points (best of {REPEAT})",
        },
    ]


def kde_100k():
    return _method_rows("kde", 100_000, 2)


def kde_1m():
    return _method_rows("kde", 1_000_000, 20)


def gistar_100k():
    return _method_rows("gistar", 100_000, 2)


def gistar_1m():
    return _method_rows("gistar", 1_000_000, 20)


def dbscan_100k():
    return _method_rows("dbscan", 100_000, 2)


def dbscan_1m():
    return _method_rows("dbscan", 1_000_000, 20)


def hdbscan_100k():
    return _method_rows("hdbscan", 100_000, 2)


def hdbscan_1m():
    return _method_rows("hdbscan", 1_000_000, 20)


def van_100k():
    from geo.config import load_district
    from geo.deploy import plan_van_sites

    df = _points(100_000)
    district = load_district()
    _ = district.cctv
    secs, res = _timed(lambda: plan_van_sites(df, 5, 100, district=district))
    return {
        "name": "plan van K=5 100k",
        "seconds": secs,
        "target": "<= 5 s",
        "ok": secs <= 5,
        "note": f"solver {res.params['solver']}, covered {res.params['covered_share']:.1%}",
    }


ROWS = [kde_100k, kde_1m, gistar_100k, gistar_1m, dbscan_100k, dbscan_1m, hdbscan_100k, hdbscan_1m, van_100k]
