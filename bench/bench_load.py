"""Load benchmark: the real server (gunicorn as ``hotspots serve`` runs it) under 20 concurrent clients for 60 s.

Each client loops over a realistic mix until the time is up: a page load (``/``, ``/_dash-layout``,
``/_dash-dependencies``), a filter change (the map's incident, hotspot and table callbacks POSTed in
the order the browser chains them) and ``/api/hotspots``, each with a selection drawn at random from a
few hundred distinct ones (days, hours, crime types, sectors), so most requests miss the cache.
Printed per store size (100k and 1M incidents): requests, errors, p50/p95 of every request and per
kind, and each worker's resident memory at the end (from /proc).

The app is the one ``dashboard.wsgi`` builds, with the security layer switched off
(``SecurityConfig(disabled_for_tests=True)``: no login, CSRF or audit rows), so the figures are those
of the data path; gunicorn loads it through :func:`open_server`, with ``hotspots serve``'s defaults:
its workers, threads per worker and the folder of results the workers share.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import subprocess
import threading
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from bench._data import OUT, ROOT
from bench.bench_dashboard import _free_port, _label, _pct, ensure_store
from hotspots_cli.cmd_serve import DEFAULT_SHARED_MB, DEFAULT_THREADS, DEFAULT_WORKERS, shared_results

CLIENTS = 20
DURATION_S = 60.0
WORKERS = DEFAULT_WORKERS
THREADS = DEFAULT_THREADS
SHARED_MB = DEFAULT_SHARED_MB
#: Share of each kind of step in a client's loop.
MIX = (("page load", 0.2), ("filter change", 0.5), ("/api/hotspots", 0.3))
CRIMES = ("Burglary", "Violence and sexual offences", "Vehicle crime", "Anti-social behaviour", "Shoplifting")
HOURS = (None, "20-4", "9-17", "22-6")
SECTORS = (None, "Winchester Town")


def open_server():  # noqa: ANN201 - a Flask app (gunicorn factory: 'bench.bench_load:open_server()')
    """The Flask server ``dashboard.wsgi`` builds, security off (store and district from the environment)."""
    from dashboard.app import create_app
    from dashboard.security import SecurityConfig

    store = os.environ.get("HOTSPOTS_STORE") or None
    district = os.environ.get("HOTSPOTS_DISTRICT") or None
    return create_app(store, district, security=SecurityConfig(disabled_for_tests=True)).server


def _selections(count: int, seed: int = 0) -> list[dict[str, str]]:
    """``count`` distinct selections as the shell's selection store holds them."""
    from dashboard import state

    rng = random.Random(seed)
    seen: dict[str, dict] = {}
    while len(seen) < count:
        params: dict[str, str | list[str]] = {}
        days = sorted(rng.sample(range(7), rng.randint(1, 6)))
        params["days"] = ",".join(("mon", "tue", "wed", "thu", "fri", "sat", "sun")[d] for d in days)
        if hours := rng.choice(HOURS):
            params["hours"] = hours
        if rng.random() < 0.5:
            params["crime"] = rng.sample(CRIMES, rng.randint(1, 2))
        if sector := rng.choice(SECTORS):
            params["sector"] = sector
        key = json.dumps(params, sort_keys=True)
        sel = state.selection_from_search(state.build_search(params))[0]
        seen[key] = {"params": params, "store": state.selection_to_mapping(sel)}
    return list(seen.values())


def _callback_specs(base: str) -> dict[str, dict]:
    """The map's incident, hotspot and table callbacks as ``/_dash-dependencies`` describes them."""
    deps = json.loads(_request(base, "GET", "/_dash-dependencies")[2])
    wanted = {"incidents": "map-incidents.data", "hotspots": "map-hotspots.data", "table": "map-table.rowData"}
    out = {}
    for name, marker in wanted.items():
        (spec,) = [d for d in deps if marker in _outputs(d["output"])]
        out[name] = spec
    return out


def _outputs(output: str) -> list[str]:
    """``id.property`` of each output of a callback (Dash writes several as ``..a.b...c.d..``)."""
    return output[2:-2].split("...") if output.startswith("..") else [output]


def _payload(spec: dict, values: dict[str, object]) -> bytes:
    """A Dash callback request body: every input and state filled from ``values`` (``id.property``)."""

    def fill(items: list[dict]) -> list[dict]:
        return [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in items]

    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1), strict=True)) for o in _outputs(spec["output"])]
    body = {
        "output": spec["output"],
        "outputs": outputs,
        "inputs": fill(spec["inputs"]),
        "state": fill(spec.get("state", [])),
        "changedPropIds": [f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"],
    }
    return json.dumps(body).encode()


_local = threading.local()


def _request(base: str, method: str, path: str, body: bytes | None = None) -> tuple[float, int, bytes]:
    """One request on this thread's keep-alive connection: (seconds, status, body); status 0 on a failure."""
    host = urllib.parse.urlsplit(base)
    t0 = time.perf_counter()
    try:
        con = getattr(_local, "con", None)
        if con is None:
            con = _local.con = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        con.request(method, path, body=body, headers=headers)
        resp = con.getresponse()
        data = resp.read()
        return time.perf_counter() - t0, resp.status, data
    except (OSError, http.client.HTTPException):
        _local.con = None
        return time.perf_counter() - t0, 0, b""


def _step(base: str, kind: str, sel: dict, specs: dict) -> list[tuple[str, float, int]]:
    """One step of a client: (request kind, seconds, status) for each request it made."""
    if kind == "page load":
        return [("page load", *_request(base, "GET", p)[:2]) for p in ("/", "/_dash-layout", "/_dash-dependencies")]
    if kind == "/api/hotspots":
        query = urllib.parse.urlencode(sel["params"], doseq=True)
        return [("/api/hotspots", *_request(base, "GET", f"/api/hotspots?{query}")[:2])]
    values = {
        "selection.data": sel["store"],
        "map-fit.data": "district",
        "map-incidents-done.data": sel["store"],
        "map-method.value": None,
        "map-top.value": None,
        "map-hotspot-count.children": "",
    }
    out = []
    for name in ("incidents", "hotspots", "table"):
        seconds, status, _ = _request(base, "POST", "/_dash-update-component", _payload(specs[name], values))
        out.append((f"callback {name}", seconds, status))
    return out


def _client(base: str, specs: dict, pool: list[dict], seed: int, deadline: float, out: list) -> None:
    rng = random.Random(seed)
    kinds, weights = zip(*MIX, strict=True)
    while time.monotonic() < deadline:
        out.extend(_step(base, rng.choices(kinds, weights)[0], rng.choice(pool), specs))


def _worker_rss_mb(master: int) -> list[float]:
    """Resident memory (MB) of each gunicorn worker (the master's children)."""
    kids = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    out = []
    for pid in kids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                out.append(int(line.split()[1]) / 1024)
    return out


def _worker_cpu_s(master: int) -> float:
    """CPU seconds (user + system) the gunicorn workers have used so far: the work, whatever else runs."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / tick


@contextmanager
def gunicorn(store: Path, workers: int | None = None, timeout_s: float = 180.0):
    """gunicorn as ``hotspots serve`` runs it, over :func:`open_server`; yields (base URL, master pid)."""
    with shared_results(SHARED_MB):
        with _gunicorn(store, workers or WORKERS, timeout_s) as out:
            yield out


@contextmanager
def _gunicorn(store: Path, workers: int, timeout_s: float):
    port = _free_port()
    exe = ROOT / ".venv" / "bin" / "gunicorn"
    cmd = [str(exe) if exe.exists() else "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    cmd += ["--threads", str(THREADS), "-k", "gthread" if THREADS > 1 else "sync"]
    cmd += ["--timeout", "120", "bench.bench_load:open_server()"]
    env = {**os.environ, "HOTSPOTS_STORE": str(store), "HOTSPOTS_TILE_URL": "https://tiles.invalid/{z}/{x}/{y}.png"}
    log = open(OUT / "bench_load_server.log", "w")  # noqa: SIM115 (closed in finally)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while _request(base, "GET", "/api/hotspots?from=2099-01-01")[1] == 0:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start; see {log.name}")
            time.sleep(0.3)
        _local.con = None
        yield base, proc.pid
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def load_rows(n: int, clients: int = CLIENTS, duration_s: float = DURATION_S) -> list[dict]:
    """20 clients for 60 s against gunicorn over a store of ``n`` incidents."""
    store = ensure_store(n)
    pool = _selections(400)
    results: list[tuple[str, float, int]] = []
    with gunicorn(store) as (base, master):
        specs = _callback_specs(base)
        rss_start = _worker_rss_mb(master)
        cpu_start = _worker_cpu_s(master)
        deadline = time.monotonic() + duration_s
        threads = [
            threading.Thread(target=_client, args=(base, specs, pool, i, deadline, results)) for i in range(clients)
        ]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        rss = _worker_rss_mb(master)
        cpu = _worker_cpu_s(master) - cpu_start
    times = [s for _, s, _ in results]
    errors = sum(1 for _, _, status in results if status != 200)
    p50, p95 = _pct(times, 50), _pct(times, 95)
    per_kind = []
    for kind in sorted({k for k, _, _ in results}):
        ts = [s for k, s, _ in results if k == kind]
        per_kind.append(f"{kind} n={len(ts)} p50 {_pct(ts, 50):.2f}/p95 {_pct(ts, 95):.2f} s")
    return [
        {
            "name": f"load: {clients} clients x {duration_s:.0f} s, gunicorn {WORKERS}x{THREADS} ({_label(n)}), p95",
            "seconds": p95,
            "target": "p95 <= 1 s, 0 errors",
            "ok": p95 <= 1 and errors == 0,
            "note": f"{len(results):,} requests in {wall:.0f} s, {errors} errors, p50 {p50:.3f} s, "
            f"max {max(times):.2f} s; " + "; ".join(per_kind),
        },
        {
            "name": f"load: RSS per worker ({_label(n)})",
            "seconds": "",
            "target": "does not grow with the store",
            "ok": None,
            "note": "MB at start "
            + ", ".join(f"{r:.0f}" for r in rss_start)
            + "; after the run "
            + ", ".join(f"{r:.0f}" for r in rss)
            + f"; median step {np.median(times):.3f} s; worker CPU {cpu:.0f} s, "
            f"{cpu / max(len(results), 1):.2f} s a request",
        },
    ]


def load_100k() -> list[dict]:
    """The load run over 100,000 incidents."""
    return load_rows(100_000)


def load_1m() -> list[dict]:
    """The load run over 1,000,000 incidents."""
    return load_rows(1_000_000)


ROWS = [load_100k, load_1m]
