"""Coordinates read by Arrow's cast are the very doubles Python's ``float`` gives; other text keeps its rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo._numbers import to_float

PLAIN = ["-1.180392", "50.942733", "0", "-0.0", "12", "1.23456789012345678901", "0.1", "-179.999999"]


def test_plain_decimals_are_the_doubles_python_reads():
    got = to_float(pd.Series(PLAIN, dtype="str"))
    want = np.array([float(v) for v in PLAIN])
    assert got.tobytes() == want.tobytes()  # bit for bit, signed zero included


@pytest.mark.parametrize("odd", ["", "1e3", "+1.5", ".5", "1.", "abc", "1_000", " nan"])
def test_other_text_is_read_as_before(odd):
    values = pd.Series([*PLAIN, odd], dtype="str")
    got = to_float(values)
    try:
        want = values.astype("float64").to_numpy(dtype=float)
    except ValueError:
        want = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    assert np.array_equal(got, want, equal_nan=True)
