"""``make bench``: run every benchmark row in its own process and print one table.

Each ``bench/bench_*.py`` module defines ``ROWS``: a list of zero-argument functions, each
returning a dict (or a list of dicts) with keys ``name``, ``seconds``, ``target`` (text such as
"<= 20 s"), ``ok`` (bool or None) and optional ``note`` and ``max_mb`` (a peak-memory limit
that ``ok`` then also checks), and ``cpu_seconds`` where a row measures CPU time (all threads),
shown beside the wall time.  Every function runs in a fresh Python process so its peak memory
(``peak_mb``, the process's max RSS) is its own.  A function marked ``opt_in = True`` (one that
takes many minutes, such as ``bench_ingest:national_18m``) runs only when ``--only`` names it.

Scale rows: ``bench_dashboard:service_100k`` / ``service_1m`` / ``service_3m`` (the map's service
layer per store size) and ``bench_load:load_100k`` / ``load_1m`` (20 clients for 60 s against
gunicorn; ``peak_mb`` there is the client's, each worker's memory is in the note).  On a shared
machine run one row at a time, niced: ``nice -n 10 python -m bench.run --only service_1m``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import resource
import subprocess
import sys
import time
from pathlib import Path

import bench


def _row_ids(only: str | None) -> list[str]:
    ids = []
    for mod in sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")):
        module = importlib.import_module(f"bench.{mod}")
        for fn in module.ROWS:
            rid = f"{mod}:{fn.__name__}"
            if getattr(fn, "opt_in", False) and (not only or only not in fn.__name__):
                continue
            if not only or only in rid:
                ids.append(rid)
    return ids


def _run_one(rid: str) -> None:
    mod, fn = rid.split(":")
    result = getattr(importlib.import_module(f"bench.{mod}"), fn)()
    rows = result if isinstance(result, list) else [result]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for r in rows:
        r.setdefault("peak_mb", round(peak))
        if r.get("max_mb") is not None and r.get("ok") is not None:
            r["ok"] = bool(r["ok"] and r["peak_mb"] <= r.pop("max_mb"))
    print("BENCHJSON " + json.dumps(rows))


def _table(rows: list[dict]) -> str:
    head = ("benchmark", "seconds", "CPU s", "peak MB", "target", "ok", "note")
    body = [
        (
            r["name"],
            f"{r['seconds']:.3f}" if isinstance(r.get("seconds"), (int, float)) else str(r.get("seconds", "")),
            f"{r['cpu_seconds']:.2f}" if isinstance(r.get("cpu_seconds"), (int, float)) else "",
            str(r.get("peak_mb", "")),
            r.get("target", ""),
            {True: "yes", False: "NO", None: ""}[r.get("ok")],
            r.get("note", ""),
        )
        for r in rows
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=False)]
    line = "  ".join("-" * w for w in widths)
    fmt = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=False))  # noqa: E731
    return "\n".join([fmt(head), line, *(fmt(b) for b in body)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--only", help="run only rows whose id contains this text")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = ap.parse_args(argv)
    if args.one:
        _run_one(args.one)
        return 0
    rows: list[dict] = []
    for rid in _row_ids(args.only):
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "bench.run", "--one", rid], capture_output=True, text=True)
        found = [ln for ln in proc.stdout.splitlines() if ln.startswith("BENCHJSON ")]
        if proc.returncode or not found:
            err = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            rows.append({"name": rid, "seconds": time.perf_counter() - t0, "ok": False, "note": f"failed: {err}"})
        else:
            rows += json.loads(found[-1][len("BENCHJSON ") :])
        print(f"  done {rid}", file=sys.stderr, flush=True)
    print(_table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
