"""Incident frames to and from the store's tables, the same way on every backend.

The tables keep times as naive UTC; pandas frames carry them tz-aware in Europe/London.  Both
backends (the DuckDB file and PostgreSQL) write and read through these helpers, so a row comes
back from either exactly as it went in.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.schema import COLUMNS, LOCAL_TZ, PRECISION_POINT
from geo.sql_selection import LOCAL_COLUMNS

#: Canonical text columns, typed as pandas ``string`` when read back.
STRING_COLUMNS = (
    "incident_id",
    "source",
    "crime_type",
    "ho_category",
    "time_precision",
    "location",
    "lsoa_code",
    "outcome",
    "ward_code",
    "ward_name",
    "sector",
    "location_precision",
)
#: Text columns whose values repeat (a few types, precisions, sectors, a few thousand location texts):
#: a read may return them as pandas categoricals (one small code per row and each text once) instead
#: of a text per row, a fraction of the memory (``StoreReads.query(..., categorical=True)``).
CATEGORY_COLUMNS = tuple(c for c in STRING_COLUMNS if c != "incident_id")
_TIME_COLUMNS = ("occurred_from", "occurred_to")
#: Columns added to the schema after the first stores were made -> the value every row stored before
#: them holds: a store made before geocoding holds points only, and one made before the ``sensitive``
#: column was set at ingest holds no row marked sensitive (the public view also checks the Home
#: Office category when it reads).  Text (``str``) and boolean (``bool``) columns are supported.
ADDED_COLUMNS: dict[str, str | bool] = {"location_precision": PRECISION_POINT, "sensitive": False}


def sql_literal(value: str | bool) -> str:
    """An :data:`ADDED_COLUMNS` default as an SQL literal (DuckDB and PostgreSQL alike)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return "'" + value.replace("'", "''") + "'"


#: Every column an older store may lack: those with a default, then the wall-clock ones.
LATER_COLUMNS: tuple[str, ...] = (*ADDED_COLUMNS, *LOCAL_COLUMNS)


def fill_local_sql(columns: list[str]) -> str:
    """The UPDATE that fills the wall-clock ``columns`` of every stored row from its times."""
    return f"UPDATE incidents SET {', '.join(f'{c} = {LOCAL_COLUMNS[c]}' for c in columns)}"


def missing_column_sql(column: str) -> str:
    """What a view of an older store reads for a missing ``column``: its default, or its wall-clock SQL."""
    return LOCAL_COLUMNS[column] if column in LOCAL_COLUMNS else sql_literal(ADDED_COLUMNS[column])


def to_sql_frame(frame: pd.DataFrame, zone_cols: list[str]) -> pd.DataFrame:
    """Canonical and zone columns, in store order, with times as naive UTC.

    Parameters
    ----------
    frame : DataFrame
        Canonical incidents with tz-aware ``occurred_from`` / ``occurred_to``.
    zone_cols : list of str
        The district's ``in_zone_<key>`` columns.

    Returns
    -------
    DataFrame
        :data:`geo.schema.COLUMNS` then ``zone_cols``; a column the frame lacks is missing (None),
        except those of :data:`ADDED_COLUMNS`, which take their default (``location_precision``: a point;
        ``sensitive``: false, also where a frame holds it missing).
    """
    out = pd.DataFrame({c: frame[c] for c in [*COLUMNS, *zone_cols] if c in frame})
    for col in _TIME_COLUMNS:
        out[col] = out[col].dt.tz_convert("UTC").dt.tz_localize(None)
    for col in [*COLUMNS, *zone_cols]:
        if col not in out:
            out[col] = ADDED_COLUMNS.get(col)
        elif isinstance(ADDED_COLUMNS.get(col), bool):
            values = out[col]
            out[col] = values.astype(object).where(values.notna(), ADDED_COLUMNS[col]).astype(bool)
    return out[[*COLUMNS, *zone_cols]]


def to_local(col: pd.Series) -> pd.Series:
    """Naive UTC times (as stored) -> tz-aware Europe/London times."""
    return pd.to_datetime(col).dt.tz_localize("UTC").dt.tz_convert(LOCAL_TZ)


def arrow_to_pandas(table: pa.Table, categories: tuple[str, ...] = ()) -> pd.DataFrame:
    """An Arrow table as a DataFrame, the columns named in ``categories`` dictionary-encoded first.

    Encoding in Arrow turns a text column into pandas categoricals without a Python string per row
    (:func:`from_sql_frame` then gives every backend the same categories).
    """
    for name in categories:
        if name in table.column_names:
            i = table.column_names.index(name)
            table = table.set_column(i, name, pc.dictionary_encode(table[name].combine_chunks()))
    return table.to_pandas()


def _as_category(values: pd.Series) -> pd.Series:
    """Text -> a categorical of ``string`` categories in sorted order (whatever the backend returned)."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return values.astype("string").astype("category")
    texts = pd.Index(values.cat.categories.astype("string"))
    values = values.cat.rename_categories(texts)
    return values.cat.reorder_categories(texts.sort_values())


def from_sql_frame(df: pd.DataFrame, categorical: bool = False) -> pd.DataFrame:
    """Rows read from ``incidents`` -> canonical dtypes (local times, ``string`` text), in place.

    Parameters
    ----------
    df : DataFrame
        Stored columns (all or some) as a backend returns them (times as naive UTC).
    categorical : bool, default False
        The columns of :data:`CATEGORY_COLUMNS` become categoricals of ``string`` categories in
        sorted order (the same values, missing ones missing), not ``string`` columns.

    Returns
    -------
    DataFrame
        ``df`` itself, converted.
    """
    for col in _TIME_COLUMNS:
        if col in df:
            df[col] = to_local(df[col]).astype(f"datetime64[ns, {LOCAL_TZ}]")
    for col in STRING_COLUMNS:
        if col in df:
            df[col] = _as_category(df[col]) if categorical and col in CATEGORY_COLUMNS else df[col].astype("string")
    if "sensitive" in df:
        df["sensitive"] = df["sensitive"].fillna(False).astype(bool)
    return df


def is_present(value: Any) -> bool:
    """Whether a scalar read from the database holds a value (not None, NaN or NaT)."""
    return value is not None and not bool(pd.isna(value))
