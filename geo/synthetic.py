"""Whether a selection holds synthetic demo records: one answer for every page, table and report."""

from __future__ import annotations

import pandas as pd


def synthetic_count(incidents: pd.DataFrame) -> int:
    """How many incidents are synthetic demo records (the ``synthetic`` column; missing counts as real)."""
    if "synthetic" not in incidents or incidents.empty:
        return 0
    return int(incidents["synthetic"].fillna(False).astype(bool).sum())


def any_synthetic(incidents: pd.DataFrame) -> bool:
    """True when at least one incident is a synthetic demo record."""
    return synthetic_count(incidents) > 0


def synthetic_share(incidents: pd.DataFrame) -> float:
    """Share of the incidents that are synthetic (0.0 for none)."""
    return synthetic_count(incidents) / len(incidents) if len(incidents) else 0.0
