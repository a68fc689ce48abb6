"""The one rule for a place's street: the commonest location text among the incidents nearest it.

data.police.uk gives each incident an "On or near ..." street; a force extract a location text.
A van site, a patrol cell and a hotspot are all named by the same rule, so the same place gets the
same street on every page.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

#: How many of the nearest incidents vote on the street.
NEAREST = 5


def street_near(incidents: pd.DataFrame, x: float, y: float, nearest: int = NEAREST) -> str:
    """Location text of the incidents nearest ``(x, y)`` (BNG metres): the commonest among the ``nearest``.

    Ties go to the alphabetically first text (``Series.mode`` sorts); '' when no incident has a location.
    """
    if "location" not in incidents or incidents.empty:
        return ""
    frame = incidents[incidents["easting"].notna() & incidents["northing"].notna()]
    if frame.empty:
        return ""
    pts = np.c_[frame["easting"].to_numpy(float), frame["northing"].to_numpy(float)]
    _, idx = cKDTree(pts).query([x, y], k=min(nearest, len(pts)))
    loc = frame["location"].iloc[np.atleast_1d(idx)].dropna().astype(str)
    loc = loc[loc.str.strip() != ""]
    return str(loc.mode().iloc[0]) if not loc.empty else ""
