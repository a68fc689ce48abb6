"""Shared benchmark inputs: synthetic files generated once (seeded) into bench/out/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parent / "out"
ROOT = Path(__file__).resolve().parents[1]
POLICE_UK = ROOT / "data" / "winchester" / "police-uk"


def police_uk_rows(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` data.police.uk-format rows resampled from the real Winchester files.

    Two thirds keep their real snap point (many identical coordinates, as published); one third
    move up to ~150 m so the set is not only duplicates.  ASB rows keep their empty Crime ID.
    """
    rng = np.random.default_rng(seed)
    real = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in sorted(POLICE_UK.glob("2017-*.csv"))])
    sample = real.iloc[rng.integers(0, len(real), n)].reset_index(drop=True)
    move = rng.random(n) < 1 / 3
    lon = sample["Longitude"].astype(float).to_numpy().copy()
    lat = sample["Latitude"].astype(float).to_numpy().copy()
    lon[move] += rng.normal(0, 0.001, move.sum())
    lat[move] += rng.normal(0, 0.0007, move.sum())
    sample["Longitude"] = np.round(lon, 6).astype(str)
    sample["Latitude"] = np.round(lat, 6).astype(str)
    months = np.array([f"{y}-{m:02d}" for y in (2015, 2016, 2017) for m in range(1, 13)])
    sample["Month"] = months[rng.integers(0, len(months), n)]
    has_id = sample["Crime ID"] != ""
    sample.loc[has_id, "Crime ID"] = [f"{i:064x}" for i in rng.integers(0, 2**62, has_id.sum())]
    return sample


def ensure_file(name: str, n: int) -> Path:
    """Generate ``bench/out/<name>`` with ``n`` rows in a separate process (keeps peak memory clean)."""
    path = OUT / name
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        code = (
            "from bench._data import police_uk_rows; import sys; "
            f"police_uk_rows({n}).to_csv(sys.argv[1], index=False, lineterminator='\\r\\n')"
        )
        subprocess.run([sys.executable, "-c", code, str(path)], check=True, cwd=ROOT)
    return path
