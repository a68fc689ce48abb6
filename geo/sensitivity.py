"""The ``sensitive`` column: which incidents are shown at point level to analysts and officers only.

The rule is the district's (:class:`geo.config.Sensitivity`, from the ``[privacy]`` table of
``district.toml``) and is applied once, at ingest (:func:`geo.validate.validate_batch`): a row is
sensitive when its force code is a sensitive code, its Home Office category a sensitive category,
or one of the force extract's flag columns (a domestic-abuse flag) is true.  data.police.uk rows
carry no code and no flag, and fold sexual offences into "Violence and sexual offences", so they are
sensitive only through the Home Office category their type maps to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from geo.config import Sensitivity

#: Flag values read as true and as false (compared trimmed and case-insensitively).
FLAG_TRUE = frozenset({"1", "true", "yes", "y", "t"})
FLAG_FALSE = frozenset({"", "0", "false", "no", "n", "f"})
#: The reason given for a row whose flag is neither (``{}`` takes the value).
FLAG_REASON = "'{}' is not a yes/no value (use 1/true/yes/y/t or 0/false/no/n/f, or leave it empty)"


def parse_flag(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Read a yes/no column.

    Parameters
    ----------
    text : Series of str
        The raw values (missing ones empty).

    Returns
    -------
    true, invalid : ndarray of bool
        Rows whose value reads as true, and rows whose value is neither true nor false.
    """
    low = text.fillna("").astype(str).str.strip().str.lower()
    true = low.isin(FLAG_TRUE).to_numpy()
    invalid = ~(true | low.isin(FLAG_FALSE).to_numpy())
    return true, invalid


def sensitive_rows(
    rule: Sensitivity, codes: pd.Series | None, ho_categories: pd.Series, flagged: np.ndarray | None = None
) -> np.ndarray:
    """Which rows are sensitive under ``rule``.

    Parameters
    ----------
    rule : Sensitivity
        The district's rule.
    codes : Series of str or None
        Force offence codes (None for a source that has none, such as data.police.uk).
    ho_categories : Series
        Home Office categories (missing where none applies).
    flagged : ndarray of bool, optional
        Rows a flag column marks true.

    Returns
    -------
    ndarray of bool
    """
    out = np.array(ho_categories.isin(rule.ho_categories).fillna(False), dtype=bool)  # a writable copy
    if codes is not None and rule.codes:
        out |= codes.isin(rule.codes).to_numpy(dtype=bool)
    if flagged is not None:
        out |= np.asarray(flagged, dtype=bool)
    return out
