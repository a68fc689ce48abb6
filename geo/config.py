"""District configuration: one folder per district, read into one typed :class:`District`.

A district folder holds ``district.toml`` and the layers it names.  Adding a district means
writing such a folder; no code changes.  Layers are read lazily and cached on the instance
(they are immutable inputs, so caching is safe).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geo.errors import HotspotsError
from geo.schema import BNG, CRIME_TYPES, zone_column

#: The bundled district folders live here.
DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DEFAULT_DISTRICT = DATA_DIR / "winchester"


class ConfigError(HotspotsError, ValueError):
    """A district folder or its ``district.toml`` is missing or wrong."""


@dataclass(frozen=True)
class Zone:
    """An alcohol control zone layer declared by the district."""

    key: str
    label: str
    path: Path
    designated: str = ""
    illustrative: bool = False

    @property
    def column(self) -> str:
        """The incident column holding membership of this zone."""
        return zone_column(self.key)


@dataclass(frozen=True)
class Targets:
    """Home Office reduction targets: baseline counts per category and the reductions asked."""

    baseline_year: int
    target_year: int
    reductions: tuple[float, ...]
    baseline: dict[str, int]
    published_total: int | None = None
    source: str = ""


#: Home Office categories treated as sensitive when the district names none.
DEFAULT_SENSITIVE_HO = ("Sexual offences",)
#: Columns of a force extract that mark a row sensitive when true, when the district names none.
DEFAULT_SENSITIVE_FLAGS = ("domestic",)


@dataclass(frozen=True)
class Sensitivity:
    """Which incidents are sensitive: shown at point level to analysts and officers only, never public.

    Read from the ``[privacy]`` table of ``district.toml``.  A row is sensitive when its force code
    is one of ``codes``, its Home Office category one of ``ho_categories``, or a column of the force
    extract named in ``flag_columns`` (matched case-insensitively) is true.  data.police.uk has no
    sexual-offence type of its own (it folds them into "Violence and sexual offences"), so its rows
    are sensitive only through ``ho_categories``.

    Attributes
    ----------
    codes : tuple of str
        Force offence codes (``crime_codes.csv``), e.g. ``VIO-SEX``.  None by default: codes are a
        force's own.
    ho_categories : tuple of str
        Home Office categories, default ``("Sexual offences",)``.
    flag_columns : tuple of str
        Yes/no columns of a force extract, default ``("domestic",)`` (a domestic-abuse flag).
    """

    codes: tuple[str, ...] = ()
    ho_categories: tuple[str, ...] = DEFAULT_SENSITIVE_HO
    flag_columns: tuple[str, ...] = DEFAULT_SENSITIVE_FLAGS


def sensitivity_from_table(privacy: dict[str, Any], where: str) -> Sensitivity:
    """The :class:`Sensitivity` of a ``[privacy]`` table (defaults for the keys it leaves out).

    Parameters
    ----------
    privacy : dict
        The parsed ``[privacy]`` table.
    where : str
        Named in the error (the file).

    Raises
    ------
    ConfigError
        When a key is not a list of strings.
    """
    base = Sensitivity()

    def names(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = privacy.get(key, default)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(f'{where} [privacy]: {key} must be a list of names, e.g. {key} = ["..."]')
        return tuple(v.strip() for v in value)

    return Sensitivity(
        codes=names("sensitive_codes", base.codes),
        ho_categories=names("sensitive_ho_categories", base.ho_categories),
        flag_columns=names("sensitive_flag_columns", base.flag_columns),
    )


@dataclass(frozen=True)
class District:
    """A district's configuration: layers, mappings and targets.

    Use :func:`load_district` to build one.  Layer properties return GeoDataFrames in
    British National Grid (EPSG:27700).
    """

    folder: Path
    name: str
    code: str
    partnership: str
    outside_tolerance_m: float
    centre: tuple[float, float]
    zoom: int
    layers: dict[str, dict[str, Any]]
    zones: tuple[Zone, ...]
    force_csv: dict[str, str]
    police_uk_ho: dict[str, str]
    targets: Targets
    data: dict[str, str] = field(default_factory=dict)
    sensitivity: Sensitivity = field(default_factory=Sensitivity)

    def _layer(self, key: str) -> gpd.GeoDataFrame:
        spec = self.layers.get(key)
        if spec is None:
            raise ConfigError(f"{self.folder / 'district.toml'}: no layer '{key}' in [layers]")
        path = self.folder / spec["path"]
        if not path.exists():
            raise ConfigError(f"{self.folder / 'district.toml'}: layer '{key}' file {path} does not exist")
        return _valid(gpd.read_file(path).to_crs(BNG))

    def has_layer(self, key: str) -> bool:
        """Whether the district declares layer ``key``."""
        return key in self.layers

    @cached_property
    def boundary(self) -> gpd.GeoDataFrame:
        """District outline."""
        return self._layer("boundary")

    @cached_property
    def wards(self) -> gpd.GeoDataFrame:
        """Wards with columns ``ward_code``, ``ward_name``."""
        spec = self.layers["wards"]
        return self._layer("wards").rename(
            columns={spec.get("code", "ward_code"): "ward_code", spec.get("name", "ward_name"): "ward_name"}
        )[["ward_code", "ward_name", "geometry"]]

    @cached_property
    def lsoa(self) -> gpd.GeoDataFrame:
        """LSOAs with columns ``lsoa_code``, ``lsoa_name``."""
        spec = self.layers["lsoa"]
        return self._layer("lsoa").rename(
            columns={spec.get("code", "lsoa_code"): "lsoa_code", spec.get("name", "lsoa_name"): "lsoa_name"}
        )[["lsoa_code", "lsoa_name", "geometry"]]

    @cached_property
    def sectors(self) -> gpd.GeoDataFrame:
        """Police sectors with column ``sector`` (and ``population`` where configured)."""
        spec = self.layers["sectors"]
        gdf = self._layer("sectors").rename(columns={spec.get("name", "sector"): "sector"})
        keep = ["sector"] + (["population"] if "population" in gdf else []) + ["geometry"]
        return gdf[keep].sort_values("sector").reset_index(drop=True)

    @cached_property
    def premises(self) -> gpd.GeoDataFrame:
        """Licensed premises with columns ``premises_id``, ``name``."""
        spec = self.layers["premises"]
        gdf = self._layer("premises").rename(
            columns={spec.get("id", "id"): "premises_id", spec.get("name", "name"): "name"}
        )
        gdf["premises_id"] = gdf["premises_id"].astype(str)
        return gdf

    @cached_property
    def cctv(self) -> gpd.GeoDataFrame:
        """Fixed CCTV cameras with ``camera_id``, ``name``, ``radius_m`` (empty if none declared)."""
        if "cctv" not in self.layers:
            return gpd.GeoDataFrame({"camera_id": [], "name": [], "radius_m": []}, geometry=[], crs=BNG)
        spec = self.layers["cctv"]
        gdf = self._layer("cctv").rename(columns={spec.get("id", "id"): "camera_id", spec.get("name", "name"): "name"})
        if "radius_m" not in gdf:
            gdf["radius_m"] = float(spec.get("radius_m", 100))
        return gdf[["camera_id", "name", "radius_m", "geometry"]]

    def zone_layer(self, key: str) -> gpd.GeoDataFrame:
        """The zone with config key ``key``, dissolved to one geometry."""
        zone = self.zone(key)
        return _valid(gpd.read_file(zone.path).to_crs(BNG)).dissolve()[["geometry"]]

    def zone(self, key: str) -> Zone:
        """The :class:`Zone` with config key ``key``."""
        for z in self.zones:
            if z.key == key:
                return z
        raise ConfigError(f"district {self.name} has no zone '{key}' (has {[z.key for z in self.zones]})")

    @cached_property
    def crime_codes(self) -> pd.DataFrame:
        """Force offence codes: ``code``, ``description``, ``crime_type``, ``ho_category``."""
        path = self.folder / self.layers.get("_crime_codes", {}).get("path", "crime_codes.csv")
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        unknown = set(table["crime_type"]) - set(CRIME_TYPES)
        if unknown:
            raise ConfigError(f"{path}: crime_type not a data.police.uk category: {sorted(unknown)}")
        table["ho_category"] = table["ho_category"].replace("", pd.NA)
        return table

    @property
    def illustrative_layers(self) -> list[str]:
        """Names of the layers the config marks illustrative (the UI labels them)."""
        names = [k for k, v in self.layers.items() if isinstance(v, dict) and v.get("illustrative")]
        return names + [f"zone {z.key}" for z in self.zones if z.illustrative]

    def data_path(self, key: str) -> Path | None:
        """Path of a bundled data entry (``police_uk``, ``demo_extract``), or None."""
        rel = self.data.get(key)
        return self.folder / rel if rel else None


def _valid(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Polygon layers with invalid rings (the bundled boundary, from TopoJSON, self-intersects) made valid.

    ``make_valid`` keeps every part of the area (``buffer(0)`` can drop a bow-tie's lobe); stray
    lines or points it leaves from a collapsed ring are dropped, so each row stays an areal geometry.
    Point and line layers pass through unchanged.
    """
    geoms = gdf.geometry
    polygonal = geoms.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    bad = polygonal & ~geoms.is_valid.to_numpy()
    if not bad.any():
        return gdf
    fixed = shapely.make_valid(geoms.to_numpy()[bad])
    # keep only the areal part of a GeometryCollection
    fixed = [g if g.geom_type in ("Polygon", "MultiPolygon") else _areal(g) for g in fixed]
    out = gdf.copy()
    out.loc[bad, out.geometry.name] = fixed
    return out


def _areal(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygonal parts of ``geom`` as one geometry (``geom`` itself when it has none)."""
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else geom


def _require(table: dict[str, Any], key: str, where: str) -> Any:
    if key not in table:
        raise ConfigError(f"{where}: missing '{key}'")
    return table[key]


def load_district(folder: str | Path = DEFAULT_DISTRICT) -> District:
    """Read a district folder into a :class:`District`.

    Parameters
    ----------
    folder : str or Path, default the bundled Winchester folder
        Folder holding ``district.toml``.

    Returns
    -------
    District

    Raises
    ------
    ConfigError
        If the folder, the TOML file or a required entry is missing.
    """
    folder = Path(folder).resolve()
    toml_path = folder / "district.toml"
    if not toml_path.exists():
        raise ConfigError(f"{folder}: no district.toml (is this a district folder?)")
    try:
        raw = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{toml_path}: {exc}") from exc
    where = str(toml_path)
    d = _require(raw, "district", where)
    layers = dict(_require(raw, "layers", where))
    for key in ("boundary", "wards", "lsoa", "sectors", "premises"):
        _require(layers, key, f"{where} [layers]")
    layers = {k: ({"path": v} if isinstance(v, str) else dict(v)) for k, v in layers.items()}
    if "crime_codes" in raw:
        layers["_crime_codes"] = dict(raw["crime_codes"])
    zones = tuple(
        Zone(
            key=str(_require(z, "key", f"{where} [[zones]]")),
            label=z.get("label", f"Zone {z['key']}"),
            path=folder / _require(z, "path", f"{where} [[zones]]"),
            designated=z.get("designated", ""),
            illustrative=bool(z.get("illustrative", False)),
        )
        for z in raw.get("zones", [])
    )
    t = raw.get("targets", {})
    targets = Targets(
        baseline_year=int(t.get("baseline_year", 0)),
        target_year=int(t.get("target_year", 0)),
        reductions=tuple(float(r) for r in t.get("reductions", ())),
        baseline={str(k): int(v) for k, v in t.get("baseline", {}).items()},
        published_total=t.get("published_total"),
        source=t.get("source", ""),
    )
    return District(
        folder=folder,
        name=_require(d, "name", f"{where} [district]"),
        code=d.get("code", ""),
        partnership=d.get("partnership", ""),
        outside_tolerance_m=float(d.get("outside_tolerance_m", 1000)),
        centre=tuple(d.get("centre", (0.0, 0.0))),
        zoom=int(d.get("zoom", 11)),
        layers=layers,
        zones=zones,
        force_csv=dict(raw.get("force_csv", {})),
        police_uk_ho=dict(raw.get("police_uk_ho_categories", {})),
        targets=targets,
        data=dict(raw.get("data", {})),
        sensitivity=sensitivity_from_table(dict(raw.get("privacy", {})), where),
    )
