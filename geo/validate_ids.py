"""Stable ids for incidents that arrive without one: a hash of the row's content and its repeat number.

data.police.uk leaves anti-social behaviour rows without a Crime ID, and two identical rows (two
reports at the same snap point in the same month) are two incidents.  The n-th repeat of a content
gets its own id; re-reading the file gives the same ids, so re-ingesting it adds nothing.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


class RepeatCounter:
    """How often each row content has been seen so far in one file, across its batches.

    Keys are 64-bit hashes of the content kept in a sorted array (16 bytes per distinct content),
    so a national file's millions of ASB rows cost tens of megabytes, not a Python dict's hundreds.
    """

    def __init__(self) -> None:
        self.keys = np.empty(0, dtype=np.uint64)
        self.counts = np.empty(0, dtype=np.int64)

    def take(self, key: pd.Series) -> np.ndarray:
        """Repeat number of each row of ``key`` (0 for the first time a content is seen)."""
        h = pd.util.hash_pandas_object(key, index=False).to_numpy()
        uniq, inverse, counts = np.unique(h, return_inverse=True, return_counts=True)
        pos = np.searchsorted(self.keys, uniq)
        found = np.zeros(len(uniq), dtype=bool)
        inside = pos < len(self.keys)
        found[inside] = self.keys[pos[inside]] == uniq[inside]
        prior = np.zeros(len(uniq), dtype=np.int64)
        prior[found] = self.counts[pos[found]]
        self.counts[pos[found]] += counts[found]
        new = ~found
        self.keys = np.insert(self.keys, pos[new], uniq[new])
        self.counts = np.insert(self.counts, pos[new], counts[new])
        within = pd.Series(inverse).groupby(inverse).cumcount().to_numpy()
        return prior[inverse] + within


def _as_text(values: pd.Series) -> pa.Array:
    """``values.astype(str)`` as an Arrow array, formatting each distinct value once."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    text = _text(pd.Series(distinct))
    return text.take(pa.array(codes))


def _text(values: pd.Series) -> pa.Array:
    """``values.astype(str)`` as an Arrow array (missing values stay missing, as in pandas' ``str``)."""
    return pa.array(values.astype(str), type=pa.large_string())


def content_ids(frame: pd.DataFrame, prefix: str, repeats: RepeatCounter | None = None) -> pd.Series:
    """Stable ids for rows without one: a hash of the row's content and its repeat number.

    Two identical rows in one file (two ASB reports at the same snap point in the same month) are
    two incidents, so the n-th repeat of a content gets its own id; re-reading the file gives the
    same ids, so re-ingesting it adds nothing.  ``repeats`` carries the count across a file's
    batches.

    The id is ``f"{prefix}-{blake2b(f'{key}#{repeat}', digest_size=12).hexdigest()}"``, where ``key``
    joins crime type, the two times (epoch nanoseconds), longitude, latitude (rounded to 6
    places), location and LSOA code with ``|`` (``nan`` when any of them is missing).  Stored ids
    depend on it: it must never change.
    """
    # Times as epoch integers: formatting a million datetimes as text takes seconds.  Numbers are
    # formatted once per distinct value (months and snap points repeat), then spread.  The parts
    # are joined by Arrow in one pass; a missing part makes the whole key missing, as pandas'
    # string concatenation did when the ids were defined.
    parts = [
        _text(frame["crime_type"]),
        _as_text(frame["occurred_from"].astype("int64")),
        _as_text(frame["occurred_to"].astype("int64")),
        _as_text(frame["longitude"].round(6)),
        _as_text(frame["latitude"].round(6)),
        _text(frame["location"]),
        _text(frame["lsoa_code"]),
    ]
    key = pc.binary_join_element_wise(*parts, pa.scalar("|", pa.large_string()))
    repeat = (repeats or RepeatCounter()).take(pd.Series(key.to_pandas().array, index=frame.index))
    hashed = pc.binary_join_element_wise(
        key.fill_null("nan"), pc.cast(pa.array(repeat), pa.large_string()), pa.scalar("#", pa.large_string())
    )
    blake, head = hashlib.blake2b, f"{prefix}-"
    ids = [head + blake(k, digest_size=12).hexdigest() for k in hashed.cast(pa.large_binary()).to_pylist()]
    return pd.Series(pa.array(ids, pa.large_string()).to_pandas().array, index=frame.index)
