"""Numbers from the text of a CSV column, exactly as Python's ``float`` reads them, fast where possible."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Text that Python's ``float`` and Arrow's cast both read as the same, correctly rounded double.
PLAIN_DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"


def plain_decimals(text: pd.Series) -> np.ndarray | None:
    """``text`` as floats by Arrow's cast when every value is a plain decimal, else None.

    Both Arrow and Python round a decimal correctly, so for such text the values are those of
    ``astype("float64")``, at a fraction of its cost (no Python object per value).  Anything else
    (a blank, an exponent, a stray character) is left to the general path and its exact rules.
    """
    if not len(text):
        return None
    arr = pa.array(text.array) if isinstance(text.dtype, pd.StringDtype) else None
    if arr is None or arr.null_count or not pc.all(pc.match_substring_regex(arr, PLAIN_DECIMAL)).as_py():
        return None
    return pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)


def to_float(text: pd.Series) -> np.ndarray:
    """Numbers from text, NaN where unparseable (a direct cast first: much faster when all parse)."""
    fast = plain_decimals(text)
    if fast is not None:
        return fast
    try:
        return text.astype("float64").to_numpy(dtype=float)
    except (ValueError, TypeError, pa.ArrowInvalid):
        return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
