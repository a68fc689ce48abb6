"""The read side every store backend shares: selections and aggregates computed in the database.

A backend provides ``dialect``, ``district``, ``_zone_columns()`` and ``_frame(sql, args)`` (run one
query, return a DataFrame); this mixin builds the SQL with :mod:`geo.sql_selection`, so DuckDB and
PostgreSQL answer the same selection with the same rows and counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from geo.backends.frames import CATEGORY_COLUMNS, from_sql_frame
from geo.schema import COLUMNS, PRECISION_POSTCODE
from geo.selection import Selection, SelectionResult, selection_notes
from geo.sql_selection import (
    CompiledSelection,
    Dialect,
    Frag,
    all_of,
    bounds_condition,
    compile_selection,
    group_expression,
)

if TYPE_CHECKING:
    from geo.config import District

#: The columns :meth:`StoreReads.points` returns.
POINT_COLUMNS = ("easting", "northing", "longitude", "latitude")


class StoreReads:
    """Queries on the ``incidents`` table, pushed into the database."""

    dialect: Dialect
    district: District

    # -- provided by the backend -----------------------------------------------------------
    def _frame(  # pragma: no cover - abstract
        self, sql: str, args: list | None = None, categories: tuple[str, ...] = ()
    ) -> pd.DataFrame:
        raise NotImplementedError

    def _zone_columns(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- helpers ---------------------------------------------------------------------------
    def _compiled(self, sel: Selection | None) -> tuple[Selection, CompiledSelection]:
        sel = sel or Selection()
        return sel, compile_selection(sel, lambda key: self.district.zone(key).column)

    def _order(self) -> str:
        return f" ORDER BY occurred_from, {self.dialect.text_order('incident_id')}"

    def _run(self, sql: str, where: Frag, categories: tuple[str, ...] = ()) -> pd.DataFrame:
        return self._frame(self.dialect.sql(sql.replace("{where}", where.sql)), where.args, categories)

    def _stored_columns(self) -> list[str]:
        return [*COLUMNS, *self._zone_columns()]

    # -- selections ------------------------------------------------------------------------
    def query(
        self,
        sel: Selection | None = None,
        columns: tuple[str, ...] | None = None,
        categorical: bool = False,
        ordered: bool = True,
    ) -> SelectionResult:
        """Incidents matching a selection, as canonical columns (times in Europe/London).

        The whole selection runs in the database; only matching rows are read, and of them only
        ``columns`` when given (an analysis that needs a few columns does not hold the rest).

        Parameters
        ----------
        sel : Selection, optional
            Default: everything.
        columns : tuple of str, optional
            Stored columns to read, in this order (default: every stored column).
        categorical : bool, default False
            Return the repeated text columns (:data:`geo.backends.frames.CATEGORY_COLUMNS`) as pandas
            categoricals (sorted ``string`` categories) rather than ``string``: the same values in a
            fraction of the memory (about 1-2 bytes a row instead of the text's length and 8).
        ordered : bool, default True
            Rows by ``occurred_from``, then ``incident_id`` (every backend the same order).  False:
            in no particular order, for a use that only counts them (the sort is most of the
            read's cost: 0.15 s of CPU for 250k rows against 0.05 s for the read itself).

        Raises
        ------
        ValueError
            A name in ``columns`` is not a stored column.
        """
        sel, comp = self._compiled(sel)
        stored = self._stored_columns()
        unknown = [c for c in columns or () if c not in stored]
        if unknown:
            raise ValueError(f"not stored columns: {', '.join(unknown)}")
        names = columns if columns else stored
        encode = tuple(c for c in names if c in CATEGORY_COLUMNS) if categorical else ()
        sql = f"SELECT {', '.join(names)} FROM incidents WHERE {{where}}{self._order() if ordered else ''}"
        df = self._run(sql, comp.where, encode)
        partial, imprecise = self._left_out(comp)
        return SelectionResult(
            incidents=from_sql_frame(df, categorical),
            selection=sel,
            excluded_imprecise=imprecise,
            excluded_partial_month=partial,
            notes=selection_notes(sel, imprecise, partial),
        )

    def _left_out(self, comp: CompiledSelection) -> tuple[int, int]:
        """(partial-month, imprecise) counts of the rows a selection leaves out."""
        if comp.partial is None and comp.imprecise is None:
            return 0, 0
        parts = [comp.partial or Frag("FALSE"), comp.imprecise or Frag("FALSE")]
        sql = (
            f"SELECT count(*) FILTER (WHERE {parts[0].sql}), count(*) FILTER (WHERE {parts[1].sql}) "
            f"FROM incidents WHERE {comp.base.sql}"
        )
        row = self._frame(self.dialect.sql(sql), parts[0].args + parts[1].args + comp.base.args).iloc[0]
        return int(row.iloc[0]), int(row.iloc[1])

    def all(self) -> pd.DataFrame:
        """Every stored incident (canonical columns)."""
        return self.query(Selection()).incidents

    # -- aggregates ------------------------------------------------------------------------
    def count(self, sel: Selection | None = None) -> int:
        """How many incidents a selection holds (counted in the database)."""
        _, comp = self._compiled(sel)
        return int(self._run("SELECT count(*) AS n FROM incidents WHERE {where}", comp.where)["n"].iloc[0])

    def counts_by(self, sel: Selection | None, column: str) -> pd.Series:
        """Incidents of a selection per value of ``column``, counted in the database.

        Parameters
        ----------
        sel : Selection or None
        column : str
            A stored column (``sector``, ``ward_name``, ``crime_type``...) or ``"month"`` (local
            month of the reference time, labelled ``yyyy-mm``).

        Returns
        -------
        Series
            Counts (int) indexed by value in ascending order; missing values last, labelled None.
        """
        _, comp = self._compiled(sel)
        key = group_expression(column, self._stored_columns())
        df = self._run(f"SELECT {key} AS k, count(*) AS n FROM incidents WHERE {{where}} GROUP BY 1", comp.where)
        if column == "month":
            df["k"] = pd.to_datetime(df["k"]).dt.strftime("%Y-%m")
        df = df.sort_values("k", na_position="last", kind="stable")
        keys = [None if pd.isna(k) else k for k in df["k"]]
        return pd.Series(df["n"].astype("int64").to_numpy(), index=pd.Index(keys, dtype=object, name=column), name="n")

    def grid_counts(
        self,
        sel: Selection | None,
        cell_m: float,
        bounds: tuple[float, float, float, float] | None = None,
        unlocated: bool = False,
    ) -> pd.DataFrame:
        """Incidents per square British National Grid cell, counted in the database.

        Parameters
        ----------
        sel : Selection or None
        cell_m : float
            Cell side in metres; cells are aligned on multiples of it.
        bounds : (min_e, min_n, max_e, max_n), optional
            Only points inside this box (metres, edges included).
        unlocated : bool, default False
            Also count the incidents without coordinates, in a last row whose ``x`` and ``y`` are
            NaN (omitted when there are none): ``n`` then sums to the selection's count, so one
            scan answers both.  Not with ``bounds``.

        Returns
        -------
        DataFrame
            ``x``, ``y`` (south-west corner of the cell, metres) and ``n``, sorted by x then y;
            incidents without coordinates are not counted unless ``unlocated``.
        """
        cell = float(cell_m)
        if not cell > 0:
            raise ValueError(f"cell size must be a positive number of metres, got {cell_m}")
        if unlocated and bounds is not None:
            raise ValueError("unlocated incidents have no place in a bounding box: pass one or the other")
        _, comp = self._compiled(sel)
        located = Frag("easting IS NOT NULL AND northing IS NOT NULL")
        where = comp.where if unlocated else all_of([comp.where, located, self._bounds(bounds)])
        cx, cy = (f"floor({c} / {cell!r}) * {cell!r}" for c in ("easting", "northing"))
        if unlocated:  # an incident with one coordinate missing is unlocated too: both corners NULL
            cx, cy = (f"CASE WHEN {located.sql} THEN {c} END" for c in (cx, cy))
        sql = (
            f"SELECT {cx} AS x, {cy} AS y, count(*) AS n FROM incidents WHERE {{where}} "
            "GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2 NULLS LAST"
        )
        df = self._run(sql, where)
        return pd.DataFrame(
            {
                "x": df["x"].astype("float64"),
                "y": df["y"].astype("float64"),
                "n": df["n"].astype("int64"),
            }
        )

    def points(
        self,
        sel: Selection | None,
        bounds: tuple[float, float, float, float] | None = None,
        limit: int | None = None,
        with_precision: bool = False,
    ) -> pd.DataFrame:
        """Coordinates only (``easting``, ``northing``, ``longitude``, ``latitude``) of a selection.

        Parameters
        ----------
        sel : Selection or None
        bounds : (min_e, min_n, max_e, max_n), optional
            British National Grid box, edges included (PostGIS index on PostgreSQL).
        limit : int, optional
            At most this many points (in time order); compare with :meth:`count` to know whether
            the view holds more.
        with_precision : bool, default False
            Also ``at_postcode`` (bool): the point is a postcode centroid (``location_precision``).
        """
        _, comp = self._compiled(sel)
        where = all_of([comp.where, Frag("easting IS NOT NULL AND northing IS NOT NULL"), self._bounds(bounds)])
        cols = ", ".join(POINT_COLUMNS)
        if with_precision:
            cols += f", coalesce(location_precision = '{PRECISION_POSTCODE}', FALSE) AS at_postcode"
        sql = f"SELECT {cols} FROM incidents WHERE {{where}}{self._order()}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        df = self._run(sql, where)
        out = pd.DataFrame({c: df[c].astype("float64") for c in POINT_COLUMNS})
        if with_precision:
            out["at_postcode"] = df["at_postcode"].astype(bool).to_numpy()
        return out

    def locations(self, sel: Selection | None, source_families: tuple[str, ...] | None = None) -> pd.DataFrame:
        """The distinct located coordinates of a selection (``easting``, ``northing``), found in the database.

        Parameters
        ----------
        sel : Selection or None
        source_families : tuple of str, optional
            Only rows whose ``source`` begins with one of these followed by a colon, or equals one
            (the part before the colon: ``police_uk``, ``force_csv``...); default: every source.

        Returns
        -------
        DataFrame
            One row per distinct (easting, northing), sorted by easting then northing.
        """
        _, comp = self._compiled(sel)
        parts = [comp.where, Frag("easting IS NOT NULL AND northing IS NOT NULL")]
        if source_families is not None:
            families = list(source_families)
            marks = ", ".join("?" * len(families))
            parts.append(Frag(f"split_part(source, ':', 1) IN ({marks})", families) if families else Frag("FALSE"))
        where = all_of(parts)
        df = self._run("SELECT DISTINCT easting, northing FROM incidents WHERE {where} ORDER BY 1, 2", where)
        return pd.DataFrame({c: df[c].astype("float64") for c in ("easting", "northing")})

    def postcode_places(self, sel: Selection | None) -> pd.DataFrame:
        """Incidents of a selection placed at a postcode centroid, counted per place and crime type in the database.

        Returns
        -------
        DataFrame
            ``longitude``, ``latitude``, ``crime_type``, ``n`` (incidents) and ``first`` (the earliest
            ``occurred_from``, naive UTC), one row per place and type; rows without coordinates are left out.
        """
        _, comp = self._compiled(sel)
        where = all_of(
            [
                comp.where,
                Frag("longitude IS NOT NULL AND latitude IS NOT NULL"),
                Frag("location_precision = ?", [PRECISION_POSTCODE]),
            ]
        )
        sql = (
            "SELECT longitude, latitude, crime_type, count(*) AS n, min(occurred_from) AS first "
            "FROM incidents WHERE {where} GROUP BY 1, 2, 3"
        )
        df = self._run(sql, where)
        return pd.DataFrame(
            {
                "longitude": df["longitude"].astype("float64"),
                "latitude": df["latitude"].astype("float64"),
                "crime_type": df["crime_type"].astype("string"),
                "n": df["n"].astype("int64"),
                "first": pd.to_datetime(df["first"]),
            }
        )

    def map_layer(
        self,
        sel: Selection | None,
        bounds: tuple[float, float, float, float] | None = None,
        max_points: int = 50_000,
        cell_m: float | None = None,
    ) -> dict:
        """What the map should draw for a view: the points, or grid counts when there are too many.

        Parameters
        ----------
        sel : Selection or None
        bounds : (min_e, min_n, max_e, max_n), optional
            The visible window in British National Grid metres (see :func:`geo.params.parse_bbox`).
        max_points : int, default 50 000
            Above this many points in the window, cells are sent instead.
        cell_m : float, optional
            Cell size; default from the window (:func:`grid_cell_for`).

        Returns
        -------
        dict
            ``kind`` (``"points"`` or ``"grid"``), ``total`` (incidents with a point in the window),
            and ``points`` (DataFrame of :data:`POINT_COLUMNS`) or ``cells`` (x, y, n) with ``cell_m``.
        """
        _, comp = self._compiled(sel)
        where = all_of([comp.where, Frag("easting IS NOT NULL AND northing IS NOT NULL"), self._bounds(bounds)])
        total = int(self._run("SELECT count(*) AS n FROM incidents WHERE {where}", where)["n"].iloc[0])
        if total <= max_points:
            return {"kind": "points", "total": total, "points": self.points(sel, bounds)}
        cell = float(cell_m) if cell_m else grid_cell_for(bounds)
        return {"kind": "grid", "total": total, "cell_m": cell, "cells": self.grid_counts(sel, cell, bounds)}

    def _bounds(self, bounds: tuple[float, float, float, float] | None) -> Frag | None:
        return bounds_condition(bounds, self.dialect)


#: Cell sizes (metres) the map's grid counts step through as the view widens.
GRID_STEPS_M = (25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000)


def grid_cell_for(bounds: tuple[float, float, float, float] | None, cells_across: int = 200) -> float:
    """The smallest step of :data:`GRID_STEPS_M` that spans the window in at most ``cells_across`` cells."""
    if bounds is None:
        return 500.0
    extent = max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    for step in GRID_STEPS_M:
        if extent / step <= cells_across:
            return float(step)
    return float(GRID_STEPS_M[-1])
