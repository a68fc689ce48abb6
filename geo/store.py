"""The incident store: an embedded DuckDB file.

* One table ``incidents`` with the canonical columns (times kept as UTC, returned as
  Europe/London), one ``ingests`` log, one ``meta`` table.
* Each ingest is one transaction: a malformed file or any failure leaves the store as it was.
* Connections are short-lived, so several read-only processes (dashboard workers) can share
  the file; a writer retries briefly while readers hold it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from geo.config import DEFAULT_DISTRICT, District, load_district
from geo.ingest import IngestLimits, IngestReport, ingest_files
from geo.schema import COLUMNS, LOCAL_TZ
from geo.selection import Selection, SelectionResult, filter_frame

#: Default store file, relative to the working directory.
DEFAULT_STORE = Path("var") / "hotspots.duckdb"

_SQL_TYPES = {
    "string": "VARCHAR",
    "bool": "BOOLEAN",
    "float64": "DOUBLE",
}


class StoreError(ValueError):
    """The store file is missing, locked for too long, or not a csp-hotspots store."""


def default_store_path() -> Path:
    """``$HOTSPOTS_STORE`` if set, else ``var/hotspots.duckdb``."""
    return Path(os.environ.get("HOTSPOTS_STORE") or DEFAULT_STORE)


class Store:
    """An incident store on a DuckDB file.  Build with :meth:`Store.open`."""

    def __init__(self, path: Path, district: District, read_only: bool) -> None:
        self.path = path
        self.district = district
        self.read_only = read_only

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path | None = None, district: District | None = None, read_only: bool = True) -> Store:
        """Open (or, when writable, create) a store.

        Parameters
        ----------
        path : path, optional
            Default :func:`default_store_path`.
        district : District, optional
            Default the bundled Winchester district.
        read_only : bool, default True
            A read-only store refuses :meth:`ingest`; a missing file is an error.
        """
        path = Path(path) if path else default_store_path()
        district = district or load_district(DEFAULT_DISTRICT)
        store = cls(path, district, read_only)
        if not path.exists():
            if read_only:
                raise StoreError(
                    f"no store at {path}: create it with `hotspots ingest FILES --store {path}` "
                    f"or `hotspots demo --store {path}`"
                )
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:  # a file where a folder should be, or no permission
                raise StoreError(f"{path}: cannot create the store there ({exc.strerror})") from None
        store._init_schema()
        return store

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        deadline = time.monotonic() + 30
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=not write)
                break
            except duckdb.IOException as exc:  # another process holds the write lock
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise StoreError(f"{self.path}: cannot open the store ({exc})") from None
                time.sleep(0.1)
            except duckdb.Error as exc:
                raise StoreError(f"{self.path}: not a DuckDB store ({exc})") from None
        try:
            yield con
        finally:
            con.close()

    def _zone_columns(self) -> list[str]:
        return [z.column for z in self.district.zones]

    def _init_schema(self) -> None:
        if self.read_only:
            with self._connect() as con:
                tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            if "incidents" not in tables:
                raise StoreError(f"{self.path}: not a csp-hotspots store (no incidents table)")
            return
        from geo.schema import CANONICAL_COLUMNS

        cols = []
        for name, (dtype, _) in CANONICAL_COLUMNS.items():
            sql = "TIMESTAMP" if dtype.startswith("datetime") else _SQL_TYPES.get(dtype, "VARCHAR")
            # No PRIMARY KEY: ingest removes duplicates with an anti join, 4x faster than the index.
            cols.append(f"{name} {sql}")
        cols += [f"{c} BOOLEAN" for c in self._zone_columns()]
        cols.append("ingest_id INTEGER")
        with self._connect(write=True) as con:
            con.execute(f"CREATE TABLE IF NOT EXISTS incidents ({', '.join(cols)})")
            con.execute(
                "CREATE TABLE IF NOT EXISTS ingests (ingest_id INTEGER PRIMARY KEY, finished_at TIMESTAMP, "
                "files VARCHAR, read BIGINT, stored BIGINT, duplicates BIGINT, rejected BIGINT, "
                "rejects_path VARCHAR)"
            )
            con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
            con.execute(
                "INSERT OR IGNORE INTO meta VALUES ('district', ?), ('schema_version', '1')", [self.district.name]
            )

    # -- reading ---------------------------------------------------------------------------
    @property
    def version(self) -> int:
        """Number of ingests so far: changes whenever the incidents change (use it as a cache key)."""
        with self._connect() as con:
            return int(con.execute("SELECT count(*) FROM ingests").fetchall()[0][0])

    def _select_sql(self, sel: Selection) -> tuple[str, list]:
        where, args = [], []
        for col, values in (
            ("crime_type", sel.crime_types),
            ("ho_category", sel.ho_categories),
            ("sector", sel.sectors),
            ("source", sel.sources),
        ):
            if values:
                where.append(f"{col} IN ({', '.join('?' * len(values))})")
                args += list(values)
        if sel.zone is not None:
            col = self.district.zone(sel.zone).column
            where.append(f"{col}" if sel.zone_inside else f"NOT {col}")
        # Coarse date bounds (UTC, a day's margin); filter_frame applies the exact local rules.
        if sel.date_from:
            where.append("occurred_to >= ?")
            args.append(datetime.combine(sel.date_from, datetime.min.time()) - pd.Timedelta(days=1))
        if sel.date_to:
            where.append("occurred_from <= ?")
            args.append(datetime.combine(sel.date_to, datetime.min.time()) + pd.Timedelta(days=2))
        cols = ", ".join([*COLUMNS, *self._zone_columns()])
        sql = f"SELECT {cols} FROM incidents"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return sql + " ORDER BY occurred_from, incident_id", args

    def query(self, sel: Selection | None = None) -> SelectionResult:
        """Incidents matching a selection, as canonical columns (times in Europe/London).

        Parameters
        ----------
        sel : Selection, optional
            Default: everything.
        """
        sel = sel or Selection()
        sql, args = self._select_sql(sel)
        with self._connect() as con:
            df = con.execute(sql, args).df()
        return filter_frame(_from_sql(df), sel)

    def all(self) -> pd.DataFrame:
        """Every stored incident (canonical columns)."""
        return self.query(Selection()).incidents

    def summary(self) -> dict:
        """What the store holds: totals, sources, date range (and ``dated_to``, the latest incident
        with a day rather than only a month), counts per crime type and sector."""
        with self._connect() as con:
            total = con.execute("SELECT count(*) FROM incidents").fetchall()[0][0]
            sources = con.execute(
                "SELECT source, any_value(synthetic) AS synthetic, count(*) AS incidents, "
                "min(occurred_from) AS first, max(occurred_to) AS last FROM incidents "
                "GROUP BY source ORDER BY source"
            ).df()
            by_type = con.execute("SELECT crime_type, count(*) AS n FROM incidents GROUP BY 1 ORDER BY 2 DESC").df()
            by_sector = con.execute("SELECT sector, count(*) AS n FROM incidents GROUP BY 1 ORDER BY 2 DESC").df()
            by_prec = con.execute("SELECT time_precision, count(*) AS n FROM incidents GROUP BY 1").df()
            rng = con.execute("SELECT min(occurred_from), max(occurred_to) FROM incidents").fetchall()[0]
            dated = con.execute("SELECT max(occurred_to) FROM incidents WHERE time_precision <> 'month'").fetchall()[0][
                0
            ]
            ingests = con.execute("SELECT * FROM ingests ORDER BY ingest_id").df()
        for col in ("first", "last"):
            sources[col] = _to_local(sources[col])
        lo, hi = (_to_local(pd.Series([v]))[0] if v is not None else None for v in rng)
        return {
            "total": int(total),
            "sources": sources,
            "date_from": lo,
            "date_to": hi,
            # the latest incident with a day: weekend and 28-day picks count back from it
            "dated_to": _to_local(pd.Series([dated]))[0] if dated is not None else None,
            "by_crime_type": by_type.set_index("crime_type")["n"],
            "by_sector": by_sector.set_index("sector")["n"],
            "by_precision": by_prec.set_index("time_precision")["n"],
            "synthetic": int(sources.loc[sources["synthetic"].astype(bool), "incidents"].sum()),
            "ingests": ingests,
        }

    # -- writing ---------------------------------------------------------------------------
    def ingest(
        self,
        paths: list[str | Path],
        fmt: str = "auto",
        mapping: Mapping[str, str] | None = None,
        synthetic: bool = False,
        progress: bool = False,
        limits: IngestLimits | None = None,
    ) -> IngestReport:
        """Read, validate and store files in one transaction (see :func:`geo.ingest.ingest_files`).

        Parameters
        ----------
        paths : list of path
            Files, folders or zips (see :func:`geo.readers.iter_batches`).
        fmt : {"auto", "police_uk", "force_csv", "vector"}, default "auto"
        mapping : mapping, optional
            Force-extract column mapping; default the district config's ``[force_csv]``.
        synthetic : bool, default False
            Mark every stored row synthetic (files named ``*synthetic*`` are marked anyway).
        progress : bool, default False
            Show a progress bar on stderr.
        limits : IngestLimits, optional
            Batch size, field size, year range and upload limits.

        Returns
        -------
        IngestReport
            Counts that add up; rejects written beside the store.

        Raises
        ------
        FileFormatError, FileNotFoundError, StoreError
            With one clear message; the store is unchanged.
        """
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only; cannot ingest")
        return ingest_files(
            self, paths, fmt=fmt, mapping=mapping, synthetic=synthetic, progress=progress, limits=limits
        )

    def writer(self):
        """The ingest writer for this store: a context manager that rolls back on an exception."""
        from geo._duckdb_writer import DuckDBWriter

        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only; cannot ingest")
        return DuckDBWriter(self)


def _progress(enabled: bool, total: int):
    from tqdm import tqdm

    return tqdm(total=total, unit="step", disable=not enabled, file=sys.stderr, leave=False)


def _to_sql(frame: pd.DataFrame, zone_cols: list[str]) -> pd.DataFrame:
    out = pd.DataFrame({c: frame[c] for c in [*COLUMNS, *zone_cols] if c in frame})
    for col in ("occurred_from", "occurred_to"):
        out[col] = out[col].dt.tz_convert("UTC").dt.tz_localize(None)
    for col in COLUMNS:
        if col not in out:
            out[col] = None
    return out


def _to_local(col: pd.Series) -> pd.Series:
    return pd.to_datetime(col).dt.tz_localize("UTC").dt.tz_convert(LOCAL_TZ)


def _from_sql(df: pd.DataFrame) -> pd.DataFrame:
    for col in ("occurred_from", "occurred_to"):
        df[col] = _to_local(df[col]).astype(f"datetime64[ns, {LOCAL_TZ}]")
    for col in (
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
    ):
        df[col] = df[col].astype("string")
    return df
