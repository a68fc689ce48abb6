"""Build the demo store from the district's bundled data (what `make run` serves)."""

from __future__ import annotations

from pathlib import Path

from geo.config import DEFAULT_DISTRICT, District, load_district
from geo.store import IngestReport, Store


def bundled_inputs(district: District) -> list[tuple[Path, bool]]:
    """The district's bundled incident files as (path, synthetic) pairs, those that exist."""
    out = []
    for key, synthetic in (("police_uk", False), ("demo_extract", True)):
        path = district.data_path(key)
        if path is not None and path.exists():
            out.append((path, synthetic))
    return out


def build_demo_store(path: str | Path, district: District | None = None, progress: bool = False) -> list[IngestReport]:
    """Ingest the bundled real data.police.uk files and the synthetic demo extract into ``path``.

    Re-running on an existing store adds nothing (every row is a duplicate).
    """
    district = district or load_district(DEFAULT_DISTRICT)
    store = Store.open(path, district=district, read_only=False)
    return [store.ingest([p], synthetic=syn, progress=progress) for p, syn in bundled_inputs(district)]


def ensure_demo_store(path: str | Path, district: District | None = None) -> bool:
    """Build the demo store at ``path`` if no file is there; returns whether it built one."""
    if Path(path).exists():
        return False
    build_demo_store(path, district)
    return True
