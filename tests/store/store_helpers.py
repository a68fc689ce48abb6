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


#: A planted force extract (the bundled district's column names) with a domestic-abuse flag column, as
#: (URN, force code, Domestic value, whether the row is sensitive).  The district names VIO-SEX a
#: sensitive code and ``domestic`` a flag column (matched whatever its case: the file says "Domestic").
#: ``None``: the value is not a yes/no one, so the row is rejected.
SENSITIVE_ROWS = [
    ("S01", "VIO-CMA", "1", True),
    ("S02", "VIO-CMA", "", False),
    ("S03", "VIO-SEX", "0", True),  # the code, whatever the flag
    ("S04", "THF-OTH", " Yes ", True),
    ("S05", "THF-OTH", "no", False),
    ("S06", "CDA-DMG", "maybe", None),
    ("S07", "PUB-ORD", "T", True),
    ("S08", "VIO-WND", "false", False),
    ("S09", "BUR-DOM", "N", False),
    ("S10", "ROB-PER", "TRUE", True),
    ("S11", "VIO-SEX", "", True),
    ("S12", "DRG-OFF", "f", False),
    ("S13", "OTH-OFF", "y", True),
]
#: The header of the planted extract.
SENSITIVE_HEADER = "URN,HO_CODE,DATE_FROM,TIME_FROM,DATE_TO,TIME_TO,EASTING,NORTHING,STREET,Domestic"


def write_sensitive_extract(path: Path) -> Path:
    """Write :data:`SENSITIVE_ROWS` as a force extract at ``path`` (points in St Bartholomew, March 2008)."""
    lines = [SENSITIVE_HEADER]
    for i, (urn, code, domestic, _) in enumerate(SENSITIVE_ROWS):
        lines.append(f"{urn},{code},07/03/2008,23:{i:02d},,,{448400 + 5 * i},130336,On or near Planted Road,{domestic}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
