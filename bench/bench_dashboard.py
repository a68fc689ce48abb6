"""Dashboard benchmark: the real server (``hotspots serve``, 2 gunicorn workers) over 100,000
incidents with exact times, driven by headless Debian Chromium (Playwright, never
``playwright install``).

Rows: first page load to a drawn map; 50 filter changes (click -> new count and a redrawn cluster
layer); p95 of 50 requests to ``/api/incidents`` (with a selection) and ``/api/hotspots``.
Service rows at 100k, 1M and 3M incidents (``service_*``): in one fresh process (a worker's life),
the first map and distinct, uncached day-of-week selections through the functions the map's
callbacks call (incident layer, hotspots, table), beside the bare pandas path, with the process's
resident memory.  Each store is built once (seeded) under ``bench/out/``.  Map tiles cannot load offline: the tile
URL points at a host that never resolves and those requests are aborted.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from bench._accounts import bench_credentials, log_in
from bench._data import OUT, ROOT
from dashboard.local_server import CHROMIUM_ARGS, CHROMIUM_PATH

N = 100_000
FORCE_CSV = ROOT / "data" / "winchester" / "demo" / "force_extract_synthetic.csv"
TILE_HOST = "tiles.invalid"
FILTER_CHANGES = 50
API_REQUESTS = 50
#: /api/incidents selection: one crime group in one sector (a few thousand features).
API_SELECTION = "crime=Burglary&crime=Vehicle+crime&sector=Winchester+Town"


def _build_store(path: Path, n: int = N, seed: int = 0) -> None:
    """``n`` force-extract rows resampled with replacement from the synthetic extract, ingested."""
    import pandas as pd

    from geo.config import load_district
    from geo.store import Store

    rng = np.random.default_rng(seed)
    src = pd.read_csv(FORCE_CSV, dtype=str, keep_default_na=False)
    rows = src.iloc[rng.integers(0, len(src), n)].reset_index(drop=True)
    rows["URN"] = [f"BENCH-{i:07d}" for i in range(n)]
    for col in ("EASTING", "NORTHING"):
        rows[col] = (rows[col].astype(float) + rng.uniform(-20, 20, n)).round().astype(int).astype(str)
    csv = path.with_suffix(".csv")
    rows.to_csv(csv, index=False)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    store = Store.open(tmp, district=load_district(), read_only=False)
    report = store.ingest([csv], fmt="force_csv")
    del store  # connections are per call; nothing to close
    if report.stored < 0.99 * n:
        raise RuntimeError(f"bench store: only {report.stored:,} of {n:,} rows stored")
    tmp.rename(path)


def store_path(n: int = N) -> Path:
    """Where the bench store of ``n`` incidents lives (``dashboard_100k.duckdb``, ``dashboard_1m.duckdb``...)."""
    return OUT / f"dashboard_{_label(n).lower()}.duckdb"


def _label(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k"


def ensure_store(n: int = N) -> Path:
    """Build the bench store of ``n`` incidents once, in a separate process (clean peak memory)."""
    path = store_path(n)
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        code = f"from bench.bench_dashboard import _build_store, store_path; _build_store(store_path({n}), {n})"
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(store: Path, workers: int = 2, timeout_s: float = 120.0):
    """Run ``hotspots serve`` on a free port; yield its base URL; always stop it (its process group)."""
    port = _free_port()
    exe = ROOT / ".venv" / "bin" / "hotspots"
    cmd = [str(exe) if exe.exists() else "hotspots", "serve", "--store", str(store), "--port", str(port)]
    cmd += ["--workers", str(workers), "--no-demo", "--tile-url", f"https://{TILE_HOST}/{{z}}/{{x}}/{{y}}.png"]
    log = open(OUT / "bench_dashboard_server.log", "w")  # noqa: SIM115 (closed in finally)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(base + "/api/hotspots?from=2099-01-01", timeout=5):
                    pass
                break
            except urllib.error.HTTPError:  # any JSON answer (even a 4xx) means the app is up
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not answer in time") from None
                time.sleep(0.3)
        yield base
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q))


# The incident layer as drawn: clusters of points, or (a selection over 50,000 located incidents)
# the squares of grid counts, filled #21918c (``dashboard.components.map_overlays``).
_LAYER = ".marker-cluster, path[fill='#21918c']"

_MAP_READY = """() => {
    const c = document.querySelector('#map-count');
    return document.querySelector("LAYER") && c && /selected/.test(c.innerText);
}""".replace("LAYER", _LAYER)

_IDLE = """() => !document.querySelector('[data-dash-is-loading="true"]')"""

# Click a day checkbox and time, inside the page, until #map-count shows a new text AND the cluster
# layer has been redrawn (a cluster or square that did not exist before the click).
_CLICK_AND_WAIT = """async (selector) => {
    document.querySelectorAll("LAYER").forEach(e => e.dataset.old = '1');
    const countEl = document.querySelector('#map-count');
    const before = countEl.innerText;
    const t0 = performance.now();
    document.querySelector(selector).click();
    return await new Promise((resolve, reject) => {
        function check() {
            if (countEl.innerText !== before && document.querySelector("NEW")) {
                resolve(performance.now() - t0);
            } else if (performance.now() - t0 > 30000) {
                reject(new Error('no update within 30 s'));
            } else {
                requestAnimationFrame(check);
            }
        }
        check();
    });
}""".replace("LAYER", _LAYER).replace("NEW", ", ".join(f"{s}:not([data-old])" for s in _LAYER.split(", ")))


def _gray_toggles(n: int) -> list[int]:
    """Day index toggled at each step of a Gray code: every step a new set of days (never all 7)."""
    return [(i & -i).bit_length() - 1 for i in range(1, n + 1)]


def browser() -> list[dict]:
    """First page load, then 50 day-of-week filter changes, in headless Chromium (100k incidents)."""
    return browser_rows(N)


def browser_1m() -> list[dict]:
    """The browser rows over 1,000,000 incidents (the map then gets grid counts, not points)."""
    return browser_rows(1_000_000)


def browser_rows(n: int) -> list[dict]:
    """First page load, then 50 day-of-week filter changes, in headless Chromium, over ``n`` incidents."""
    from playwright.sync_api import sync_playwright

    store = ensure_store(n)
    password, _ = bench_credentials(store)
    with serve(store) as base, sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM_PATH, args=list(CHROMIUM_ARGS))
        try:
            page = b.new_page(viewport={"width": 1366, "height": 768}, locale="en-GB", timezone_id="Europe/London")
            page.route(f"**/{TILE_HOST}/**", lambda route: route.abort())
            log_in(page, base, password)
            t0 = time.perf_counter()
            page.goto(base + "/")
            page.wait_for_function(_MAP_READY, timeout=60_000, polling=50)
            load = time.perf_counter() - t0
            count0 = page.locator("#map-count").inner_text()
            times = []
            for day in _gray_toggles(FILTER_CHANGES):
                # A person clicks after seeing the last result: let every callback (hotspots, and the
                # backtest that starts after 0.7 s without changes) finish first, so each measurement
                # is one change on its own.
                page.wait_for_function(_IDLE, timeout=60_000, polling=50)
                page.wait_for_timeout(900)
                page.wait_for_function(_IDLE, timeout=60_000, polling=50)
                times.append(page.evaluate(_CLICK_AND_WAIT, f"#f-days input[value='{day}']") / 1000)
            last = page.locator("#map-count").inner_text()
        finally:
            b.close()
    p50, p95 = _pct(times, 50), _pct(times, 95)
    return [
        {
            "name": f"dashboard: first page load to drawn map ({_label(n)} incidents)",
            "seconds": load,
            "target": "<= 3 s",
            "ok": load <= 3,
            "note": f"clusters drawn, {count0}",
        },
        {
            "name": f"dashboard: filter change -> new count + map layer, p95 ({_label(n)})",
            "seconds": p95,
            "target": "p95 <= 0.5 s",
            "ok": p95 <= 0.5,
            "note": f"p50 {p50:.3f} s, max {max(times):.3f} s, n={len(times)} day toggles; last: {last}",
        },
    ]


def _timed_get(url: str, token: str) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=120) as r:
        body = r.read()
        status = r.status
    return time.perf_counter() - t0, status, len(body)


def api() -> list[dict]:
    """p95 of 50 sequential requests to each of /api/incidents (with a selection) and /api/hotspots."""
    store = ensure_store()
    _, token = bench_credentials(store)
    rows = []
    with serve(store) as base:
        for name, path in (
            ("/api/incidents", f"/api/incidents?{API_SELECTION}"),
            ("/api/hotspots", "/api/hotspots"),
        ):
            results = [_timed_get(base + path, token) for _ in range(API_REQUESTS)]
            times = [t for t, _, _ in results]
            bad = sum(1 for _, s, _ in results if s != 200)
            p50, p95 = _pct(times, 50), _pct(times, 95)
            rows.append(
                {
                    "name": f"dashboard API {name}, p95",
                    "seconds": p95,
                    "target": "p95 <= 0.3 s",
                    "ok": p95 <= 0.3 and bad == 0,
                    "note": f"p50 {p50:.3f} s, first {times[0]:.3f} s, n={len(times)}, "
                    f"{results[0][2] / 1e6:.2f} MB each" + (f", {bad} non-200" if bad else ""),
                }
            )
    return rows


def _rss_mb() -> float:
    """This process's resident memory now (MB), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _pandas_layer(store, sel) -> int:  # noqa: ANN001 - a geo.store.Store
    """The bare alternative: every selected row into pandas, then points or grid counts in numpy."""
    from service.incidents import grid_counts
    from service.limits import MAP_POINT_LIMIT

    df = store.query(sel).incidents
    x, y = df["easting"].to_numpy(float), df["northing"].to_numpy(float)
    located = np.isfinite(x) & np.isfinite(y)
    if located.sum() > MAP_POINT_LIMIT:
        grid_counts(x, y)
    else:
        df["longitude"].to_numpy(float)[located]
    return len(df)


def _day_selections(count: int) -> list:
    """``count`` distinct day-of-week selections (a Gray code walk: one day toggled per step)."""
    from geo.selection import Selection

    days: set[int] = set()
    out = []
    for day in _gray_toggles(count):
        days ^= {day}
        out.append(Selection(days=tuple(sorted(days))))
    return out


def _timed(fn, *args) -> tuple[float, object]:  # noqa: ANN001
    t0 = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - t0, value


def service_rows(n: int, changes: int) -> list[dict]:
    """First map and distinct filter changes through the functions the map callbacks call, uncached."""
    from dashboard.app import create_app
    from dashboard.components.map_views import DISTRICT_FIT, hotspots_view, incidents_view, table_view
    from dashboard.security import SecurityConfig
    from geo.selection import Selection
    from service.hotspots import HotspotsOptions

    path = ensure_store(n)
    start, app = _timed(lambda: create_app(str(path), None, security=SecurityConfig(disabled_for_tests=True)))
    label = _label(n)
    with app.server.app_context():
        from dashboard import data_access

        store = data_access.source().open_store()
        t0 = time.perf_counter()
        first_layer = incidents_view(Selection(), DISTRICT_FIT)
        first_inc = time.perf_counter() - t0
        hotspots_view(HotspotsOptions(Selection()), None)
        first = time.perf_counter() - t0
        table_view(HotspotsOptions(Selection()), None)
        first_table = time.perf_counter() - t0
        layer, full, bare = [], [], []
        for sel in _day_selections(changes):
            t_inc, _ = _timed(incidents_view, sel, DISTRICT_FIT)
            t_hot, _ = _timed(hotspots_view, HotspotsOptions(sel), None)
            t_tab, _ = _timed(table_view, HotspotsOptions(sel), None)
            layer.append(t_inc)
            full.append(t_inc + t_hot + t_tab)
            bare.append(_timed(_pandas_layer, store, sel)[0])
    rss = _rss_mb()
    lp50, lp95, fp50, fp95 = _pct(layer, 50), _pct(layer, 95), _pct(full, 50), _pct(full, 95)
    bp50 = _pct(bare, 50)
    return [
        {
            "name": f"dashboard service: first map, incidents + hotspots ({label} incidents)",
            "seconds": first,
            "target": "<= 3 s",
            "ok": first <= 3,
            "note": f"incident layer {first_inc:.3f} s ({first_layer['count']:,} selected); with the table "
            f"{first_table:.3f} s; app built in {start:.2f} s",
        },
        {
            "name": f"dashboard service: filter change, incident layer p95 ({label})",
            "seconds": lp95,
            "target": "p95 <= 0.5 s",
            "ok": lp95 <= 0.5,
            "note": f"p50 {lp50:.3f} s; bare pandas path (all selected rows, then bin) p50 {bp50:.3f} s, "
            f"ratio {lp50 / bp50:.2f}; n={changes} distinct day selections",
        },
        {
            "name": f"dashboard service: filter change, incidents + hotspots + table p95 ({label})",
            "seconds": fp95,
            "target": "p95 <= 0.5 s",
            "ok": fp95 <= 0.5,
            "note": f"p50 {fp50:.3f} s; RSS after the run {rss:.0f} MB (one worker's share)",
        },
    ]


def service_100k() -> list[dict]:
    """Service-layer rows at 100,000 incidents."""
    return service_rows(100_000, 30)


def service_1m() -> list[dict]:
    """Service-layer rows at 1,000,000 incidents."""
    return service_rows(1_000_000, 20)


def service_3m() -> list[dict]:
    """Service-layer rows at 3,000,000 incidents."""
    return service_rows(3_000_000, 10)


ROWS = [browser, browser_1m, api, service_100k, service_1m, service_3m]
