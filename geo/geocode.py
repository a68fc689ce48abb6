"""Place rows that carry a postcode and no coordinates at the postcode's centroid.

The district bundles OS Code-Point Open centroids (``postcodes.csv``: ``Postcode``, ``Eastings``,
``Northings``).  Postcodes are normalised before the look-up: case and spaces are ignored, and the
common keying slips of O for 0 and I for 1 (and the reverse) are corrected where exactly one
reading is a known postcode.  Such rows are marked ``location_precision = "postcode"``: their point
is the centre of a postcode unit (typically 15 addresses), not the place of the incident, so
analyses that need a point (cluster polygons, van siting) leave them out by default; see
:func:`point_precise`.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from geo.config import District
from geo.schema import PRECISION_POINT

#: A full UK postcode once normalised: outward code (2-4 characters) and inward code (digit + 2 letters).
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
_SWAPS = {"O": "O0", "0": "0O", "I": "I1", "1": "1I"}


def normalise(postcode: str) -> str:
    """Upper case, without spaces or punctuation: ``'so23 9ls'`` -> ``'SO239LS'``."""
    return re.sub(r"[^A-Z0-9]", "", str(postcode).upper())


def _variants(code: str) -> list[str]:
    """Readings of ``code`` with O/0 and I/1 swapped at any position, that look like postcodes."""
    options = [_SWAPS.get(c, c) for c in code]
    if sum(len(o) > 1 for o in options) > 8:  # 256 readings at most
        return []
    return [v for v in ("".join(p) for p in itertools.product(*options)) if _POSTCODE.match(v)]


@lru_cache(maxsize=8)
def _table(path: str) -> dict[str, tuple[float, float]]:
    df = pd.read_csv(path, dtype={"Postcode": str})
    keys = df["Postcode"].map(normalise)
    return dict(zip(keys, zip(df["Eastings"].astype(float), df["Northings"].astype(float), strict=True), strict=True))


def postcode_table(district: District) -> dict[str, tuple[float, float]]:
    """The district's postcode centroids, normalised postcode -> (easting, northing)."""
    path = district.data_path("postcodes") or Path(district.folder) / "postcodes.csv"
    if not Path(path).exists():
        return {}
    return _table(str(path))


def resolve(postcode: str, table: dict[str, tuple[float, float]]) -> str | None:
    """The known postcode ``postcode`` stands for, or None (unknown, or several slips fit)."""
    code = normalise(postcode)
    if code in table:
        return code
    hits = [v for v in _variants(code) if v in table]
    return hits[0] if len(hits) == 1 else None


def geocode(postcodes: pd.Series, district: District) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centroids of ``postcodes``: (easting, northing, found) arrays, NaN where unknown.

    Parameters
    ----------
    postcodes : Series of str
    district : District
        Its bundled ``postcodes.csv`` is the look-up table.
    """
    table = postcode_table(district)
    codes, inverse = np.unique(postcodes.astype(str).to_numpy(), return_inverse=True)
    e = np.full(len(codes), np.nan)
    n = np.full(len(codes), np.nan)
    for i, code in enumerate(codes):
        key = resolve(code, table)
        if key is not None:
            e[i], n[i] = table[key]
    found = ~np.isnan(e)
    return e[inverse], n[inverse], found[inverse]


def point_precise(df: pd.DataFrame) -> pd.Series:
    """Mask of incidents with a real point (not placed at a postcode centroid).

    Analyses that need a point (cluster polygons, van siting) should keep ``df[point_precise(df)]``
    unless the user opts in, and say how many rows they left out.

    Parameters
    ----------
    df : DataFrame
        Incidents; a frame without ``location_precision`` counts as all points.
    """
    if "location_precision" not in df:
        return pd.Series(True, index=df.index)
    return (df["location_precision"].fillna(PRECISION_POINT) == PRECISION_POINT).astype(bool)
