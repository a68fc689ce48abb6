"""A worker's memory after the hotspot layer: a few distinct selections at 100k and 1M incidents.

In one fresh process (a dashboard worker's life), the functions the map's hotspot callbacks call
(:func:`service.hotspots.run_hotspots` then :func:`service.hotspots.run_hotspot_table`, the
default method) run for :data:`SELECTIONS` in turn, uncached, over the dashboard bench's store
(``bench_dashboard.ensure_store``).  Reported: the time per selection and the process's resident
memory after each selection, what is still held once the allocator returns freed memory
(``malloc_trim``), and the peak.

Run one row at a time on a shared machine: ``nice -n 10 python -m bench.run --only hotspot_rss_1m``.
``python -m bench.bench_hotspot_rss STORE`` prints the figures for any store as JSON.
"""

from __future__ import annotations

import ctypes
import json
import resource
import sys
import time
from pathlib import Path

from bench.bench_dashboard import ensure_store

#: What an officer might look at in a session: everything, weekend nights, one crime type, one
#: sector, the night-time economy's hours.
SELECTIONS = (
    {},
    {"days": (4, 5)},
    {"crime_types": ("Violence and sexual offences",)},
    {"sectors": ("Winchester Town",)},
    {"hours": (20, 4)},
)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(store: str | Path) -> dict:
    """Hotspots and their table for each of :data:`SELECTIONS` on ``store``; times and memory (MB)."""
    from geo.selection import Selection
    from service.hotspots import HotspotsOptions, run_hotspot_table, run_hotspots
    from service.source import Source

    source = Source.build(store)
    source.district()
    start = _rss_mb()
    seconds, rss, counts = [], [], []
    for spec in SELECTIONS:
        options = HotspotsOptions(Selection(**spec))
        t0 = time.perf_counter()
        found = run_hotspots(source, options)
        run_hotspot_table(source, options)
        seconds.append(round(time.perf_counter() - t0, 2))
        rss.append(round(_rss_mb()))
        counts.append(found.n_incidents)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ctypes.CDLL("libc.so.6").malloc_trim(0)  # what is still held, not freed memory the allocator kept
    return {
        "seconds": seconds,
        "rss_mb": rss,
        "held_mb": round(_rss_mb()),
        "incidents": counts,
        "start_mb": round(start),
        "peak_mb": round(peak),
    }


def _row(n: int, label: str, max_mb: float) -> dict:
    path = ensure_store(n)
    m = measure(path)
    return {
        "name": f"hotspot layer: worker RSS after {len(SELECTIONS)} selections ({label} incidents)",
        "seconds": sum(m["seconds"]),
        "target": f"RSS <= {max_mb:g} MB",
        "ok": m["rss_mb"][-1] <= max_mb,
        "note": f"RSS after each {m['rss_mb']} MB (start {m['start_mb']}, held after malloc_trim "
        f"{m['held_mb']}); seconds {m['seconds']}; incidents {m['incidents']}",
    }


def hotspot_rss_100k() -> dict:
    """The row at 100,000 incidents."""
    return _row(100_000, "100k", 600)


def hotspot_rss_1m() -> dict:
    """The row at 1,000,000 incidents."""
    return _row(1_000_000, "1M", 1500)


ROWS = [hotspot_rss_100k, hotspot_rss_1m]

if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1])))
