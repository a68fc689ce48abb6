"""Helpers of the store suite: canonical frames as the ingest pipeline makes them, and loading them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.areas import attach_areas
from geo.readers import iter_batches
from geo.store import IngestReport, Store
from geo.validate import validate_batch

ROOT = Path(__file__).resolve().parents[2]
POLICE_UK = ROOT / "data" / "winchester" / "police-uk"


def canonical_frames(paths, district) -> list[pd.DataFrame]:
    """Canonical batches (with zone columns) the way the ingest pipeline hands them to a writer."""
    out = []
    for batch, _notes in iter_batches(paths, "auto", dict(district.force_csv), False):
        accepted, _rejects, _vnotes = validate_batch(batch, district)
        if len(accepted):
            out.append(attach_areas(accepted, district))
    return out


def load(store: Store, frames: list[pd.DataFrame], files=("planted",)) -> IngestReport:
    """Write frames through the store's writer (or, on a branch without one, its commit step)."""
    report = IngestReport(files=list(files), read=sum(len(f) for f in frames))
    if hasattr(store, "writer"):
        with store.writer() as w:
            for f in frames:
                w.stage(f)
            w.finish(report)
    else:
        frame = pd.concat(frames, ignore_index=True)
        dup = frame["incident_id"].duplicated(keep="first")
        store._commit(frame.loc[~dup], report, int(dup.sum()))
    return report
