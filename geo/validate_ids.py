"""Stable ids for incidents that arrive without one: a hash of the row's content and its repeat number.

data.police.uk leaves anti-social behaviour rows without a Crime ID, and two identical rows (two
reports at the same snap point in the same month) are two incidents.  The n-th repeat of a content
gets its own id; re-reading the file gives the same ids, so re-ingesting it adds nothing.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd


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


def _as_text(values: pd.Series) -> pd.Series:
    """``values.astype(str)``, formatting each distinct value once."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    text = pd.Series(distinct).astype(str).to_numpy()
    return pd.Series(text[codes], index=values.index, dtype=str)


def content_ids(frame: pd.DataFrame, prefix: str, repeats: RepeatCounter | None = None) -> pd.Series:
    """Stable ids for rows without one: a hash of the row's content and its repeat number.

    Two identical rows in one file (two ASB reports at the same snap point in the same month) are
    two incidents, so the n-th repeat of a content gets its own id; re-reading the file gives the
    same ids, so re-ingesting it adds nothing.  ``repeats`` carries the count across a file's
    batches.
    """
    # Times as epoch integers: formatting a million datetimes as text takes seconds.  Numbers are
    # formatted once per distinct value (months and snap points repeat), then spread.
    key = (
        frame["crime_type"].astype(str)
        + "|"
        + _as_text(frame["occurred_from"].astype("int64"))
        + "|"
        + _as_text(frame["occurred_to"].astype("int64"))
        + "|"
        + _as_text(frame["longitude"].round(6))
        + "|"
        + _as_text(frame["latitude"].round(6))
        + "|"
        + frame["location"].astype(str)
        + "|"
        + frame["lsoa_code"].astype(str)
    )
    repeat = (repeats or RepeatCounter()).take(key)
    blake = hashlib.blake2b
    ids = [
        f"{prefix}-{blake(f'{k}#{r}'.encode(), digest_size=12).hexdigest()}"
        for k, r in zip(key.tolist(), repeat.tolist(), strict=True)
    ]
    return pd.Series(ids, index=frame.index, dtype=str)
