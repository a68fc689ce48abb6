"""The one rule for a place's street: the commonest location text among the incidents nearest it.

data.police.uk gives each incident an "On or near ..." street; a force extract a location text.
A hotspot is named by this rule, and van sites and patrol cells follow the same one (the 5 nearest
incidents vote; ties go to the alphabetically first text), so a place gets one street on every page.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

#: How many of the nearest incidents vote on the street.
NEAREST = 5


def street_at(x: np.ndarray, y: np.ndarray, locations: np.ndarray, cx: float, cy: float, nearest: int = NEAREST) -> str:
    """The commonest non-empty text of ``locations`` among the ``nearest`` points to ``(cx, cy)``.

    Parameters
    ----------
    x, y : array of float
        BNG metres of the candidate incidents (finite).
    locations : array of object
        Their location texts (None or '' for none).
    cx, cy : float
        The place, in BNG metres.
    nearest : int, default 5
        How many of the nearest incidents vote; equally near incidents are taken in row order.

    Returns
    -------
    str
        '' when none of them has a location.
    """
    if len(x) == 0:
        return ""
    d2 = (np.asarray(x, float) - cx) ** 2 + (np.asarray(y, float) - cy) ** 2
    order = np.argsort(d2, kind="stable")[:nearest]
    texts = [str(t) for t in np.asarray(locations, dtype=object)[order] if isinstance(t, str) and t.strip()]
    if not texts:
        return ""
    counts = Counter(texts)
    top = max(counts.values())
    return min(t for t, n in counts.items() if n == top)


def street_near(incidents: pd.DataFrame, x: float, y: float, nearest: int = NEAREST) -> str:
    """:func:`street_at` over a canonical incident frame (``easting``, ``northing``, ``location``)."""
    if "location" not in incidents or incidents.empty:
        return ""
    ok = (incidents["easting"].notna() & incidents["northing"].notna()).to_numpy()
    return street_at(
        incidents["easting"].to_numpy(float)[ok],
        incidents["northing"].to_numpy(float)[ok],
        incidents["location"].to_numpy(object)[ok],
        x,
        y,
        nearest,
    )
