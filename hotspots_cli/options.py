"""Options shared by every verb: store, district, the selection flags and ``--out``.

The same names are used as API query parameters and URL state (see :mod:`geo.params`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from geo.params import selection_from_mapping
from geo.selection import Selection
from geo.store import Store
from render.geojson import MARKING_MEMBER
from render.report_pdf import protective_marking
from render.safe import MARKING_COLUMN, neutralise_csv
from service.errors import OptionsError
from service.source import Source


def add_store_args(parser: argparse.ArgumentParser) -> None:
    """``--store`` and ``--district``."""
    parser.add_argument(
        "--store", help="DuckDB store file or postgresql:// URL (default: $HOTSPOTS_STORE or var/hotspots.duckdb)"
    )
    parser.add_argument("--district", help="district folder (default: the bundled data/winchester)")


def add_selection_args(parser: argparse.ArgumentParser) -> None:
    """The selection flags: dates, crime types, HO categories, sectors, zone, days, hours, night cut-off."""
    g = parser.add_argument_group("selection")
    g.add_argument("--from", dest="date_from", metavar="DATE", help="first date, dd/mm/yyyy or yyyy-mm-dd")
    g.add_argument("--to", dest="date_to", metavar="DATE", help="last date (inclusive)")
    g.add_argument("--crime", action="append", metavar="TYPE", help="crime type (repeat, or comma-separate)")
    g.add_argument("--ho", action="append", metavar="CATEGORY", help="Home Office target category (repeat)")
    g.add_argument("--sector", action="append", metavar="NAME", help="police sector (repeat)")
    g.add_argument("--zone", metavar="KEY", help="inside zone KEY (e.g. 2005); prefix 'out:' for outside")
    g.add_argument("--days", metavar="DAYS", help="days/nights of week, e.g. fri,sat")
    g.add_argument("--hours", metavar="HH-HH", help="hour window, may cross midnight, e.g. 20-04")
    g.add_argument(
        "--night-cutoff",
        metavar="HOUR",
        default="6",
        help="times before this hour count to the previous night (default 6; 'off' for calendar days)",
    )


def selection_params(args: argparse.Namespace) -> dict[str, object]:
    """The selection flags as the shared parameter names (``from``, ``to``, ``crime``, ...)."""
    return {
        "from": args.date_from,
        "to": args.date_to,
        "crime": args.crime,
        "ho": args.ho,
        "sector": args.sector,
        "zone": args.zone,
        "days": args.days,
        "hours": args.hours,
        "night_cutoff": args.night_cutoff,
    }


def params_from_args(args: argparse.Namespace, names: tuple[str, ...]) -> dict[str, object]:
    """The selection parameters plus the flags ``names`` that were given (dest names = parameter names)."""
    out = {k: v for k, v in selection_params(args).items() if v is not None}
    for name in names:
        value = getattr(args, name, None)
        if value is not None and value is not False:
            out[name] = value
    return out


def selection_from_args(args: argparse.Namespace) -> Selection:
    """Build a :class:`Selection` from parsed selection flags (validated; errors are SelectionError)."""
    return selection_from_mapping(selection_params(args))


def source_from_args(args: argparse.Namespace) -> Source:
    """The :class:`service.Source` named by ``--store``/``--district`` (or the defaults)."""
    return Source.build(args.store, args.district)


def open_store(args: argparse.Namespace, read_only: bool = True) -> Store:
    """Open the store named by ``--store``/``--district`` (or the defaults)."""
    from geo.config import DEFAULT_DISTRICT, load_district

    district = load_district(args.district or DEFAULT_DISTRICT)
    return Store.open(args.store, district=district, read_only=read_only)


def marking_of(args: argparse.Namespace) -> str:
    """The protective marking of the district named by ``--district`` (the bundled one by default)."""
    from geo.config import DEFAULT_DISTRICT

    return protective_marking(getattr(args, "district", None) or DEFAULT_DISTRICT)


def write_frame(df: pd.DataFrame, out: str | Path, marking: str | None = None) -> Path:
    """Write a (Geo)DataFrame to ``out``; the format comes from the suffix (.csv, .geojson, .gpkg).

    Geometry columns are written in WGS84 for GeoJSON and GeoPackage, and as WKT for CSV.  Every row
    carries the protective marking (``marking``, else the bundled district's), as the dashboard's
    downloads do: a ``protective_marking`` column in CSV, a ``marking`` property on each feature.
    """
    from geo.config import DEFAULT_DISTRICT

    marking = protective_marking(DEFAULT_DISTRICT) if marking is None else marking
    out = Path(out)
    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        frame = pd.DataFrame(df)
        if "geometry" in frame:
            frame["geometry"] = (
                frame["geometry"].to_wkt() if hasattr(frame["geometry"], "to_wkt") else frame["geometry"].astype(str)
            )
        if marking:
            frame[MARKING_COLUMN] = marking
        neutralise_csv(frame).to_csv(out, index=False)
    elif suffix in {".geojson", ".json", ".gpkg"}:
        if not hasattr(df, "geometry"):
            raise OptionsError(f"{out}: this result has no geometry; write it as .csv")
        gdf = df.to_crs(4326)
        if marking:
            gdf = gdf.assign(**{MARKING_MEMBER: marking})
        gdf.to_file(out, driver="GeoJSON" if suffix != ".gpkg" else "GPKG")
    else:
        raise OptionsError(f"{out}: unknown output format '{suffix}' (use .csv, .geojson or .gpkg)")
    return out
