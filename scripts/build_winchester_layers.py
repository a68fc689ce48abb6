"""Build the bundled Winchester layers in data/winchester/ from the reference data in ../shared.

Run once by a developer (``python scripts/build_winchester_layers.py``); its outputs are committed,
so the product never reads ../shared at run time.  Reports what it drops.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT.parent / "shared" / "data" / "winchester"
OUT = ROOT / "data" / "winchester"

# Illustrative fixed town-centre CCTV cameras: hand-placed on streets of the night-time economy.
_CCTV = [
    ("CAM01", "Westgate / High Street", -1.3197, 51.0633),
    ("CAM02", "High Street / Jewry Street", -1.3168, 51.0630),
    ("CAM03", "High Street (Buttercross)", -1.3135, 51.0622),
    ("CAM04", "High Street / Market Lane", -1.3115, 51.0617),
    ("CAM05", "The Broadway", -1.3082, 51.0612),
    ("CAM06", "Guildhall", -1.3097, 51.0608),
    ("CAM07", "Jewry Street (north)", -1.3165, 51.0652),
    ("CAM08", "North Walls", -1.3148, 51.0664),
    ("CAM09", "Station Hill", -1.3197, 51.0668),
    ("CAM10", "Southgate Street", -1.3180, 51.0603),
    ("CAM11", "St Thomas Street", -1.3158, 51.0604),
    ("CAM12", "Parchment Street", -1.3140, 51.0640),
    ("CAM13", "St George's Street", -1.3128, 51.0630),
    ("CAM14", "Middle Brook Street", -1.3108, 51.0630),
    ("CAM15", "Chesil Street bridge", -1.3072, 51.0603),
]


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "police-uk").mkdir(exist_ok=True)
    for f in sorted((SRC / "police-uk").glob("*.csv")):
        shutil.copyfile(f, OUT / "police-uk" / f.name)

    wards = gpd.read_file(SRC / "boundaries" / "wards2013_E07000094.geojson")
    wards = wards.rename(columns={"WD13CD": "ward_code", "WD13NM": "ward_name"})[["ward_code", "ward_name", "geometry"]]
    ws = pd.read_csv(SRC / "ward_sectors.csv")
    wards = wards.merge(ws[["ward_code", "sector", "in_2007_zone"]], on="ward_code", validate="1:1")
    wards[["ward_code", "ward_name", "sector", "geometry"]].to_file(OUT / "wards.geojson")

    bng = wards.to_crs(27700)
    sectors = bng.dissolve(by="sector", as_index=False)[["sector", "geometry"]]
    sectors["illustrative"] = True
    sectors.to_crs(4326).to_file(OUT / "sectors_illustrative.geojson")

    zone07 = bng[bng["in_2007_zone"] == "yes"].dissolve()[["geometry"]]
    zone07["name"] = "Winchester town alcohol control zone (2007 extension, illustrative: six town wards)"
    zone07["designated"] = "2007-09-01"
    zone07.to_crs(4326).to_file(OUT / "zone_2007_illustrative.geojson")
    shutil.copyfile(SRC / "alcohol_zone_2005_illustrative.geojson", OUT / "zone_2005_illustrative.geojson")

    lsoa = gpd.read_file(SRC / "boundaries" / "lsoa2011_E07000094.geojson")
    lsoa.rename(columns={"LSOA11CD": "lsoa_code", "LSOA11NM": "lsoa_name"})[
        ["lsoa_code", "lsoa_name", "geometry"]
    ].to_file(OUT / "lsoa.geojson")
    lad = gpd.read_file(SRC / "boundaries" / "lad2013_E07000094_from_topo.geojson")
    lad.rename(columns={"LAD13CD": "code", "LAD13NM": "name"})[["code", "name", "geometry"]].to_file(
        OUT / "boundary.geojson"
    )

    pubs = pd.read_csv(SRC / "premises" / "open_pubs_winchester.csv", dtype=str, keep_default_na=False)
    lat = pd.to_numeric(pubs["latitude"], errors="coerce")
    lon = pd.to_numeric(pubs["longitude"], errors="coerce")
    bad = lat.isna() | lon.isna()
    for _, row in pubs[bad].iterrows():
        print(f"premises: dropped {row['fsa_id']} {row['name']!r}: no location", file=sys.stderr)
    ok = pubs[~bad]
    premises = gpd.GeoDataFrame(
        ok[["fsa_id", "name", "address", "postcode"]],
        geometry=gpd.points_from_xy(lon[~bad], lat[~bad]),
        crs=4326,
    )
    premises.to_file(OUT / "premises.geojson")
    print(f"premises: kept {len(premises)} of {len(pubs)}", file=sys.stderr)

    cctv = gpd.GeoDataFrame(
        [{"camera_id": c, "name": n, "illustrative": True} for c, n, _, _ in _CCTV],
        geometry=[Point(x, y) for _, _, x, y in _CCTV],
        crs=4326,
    )
    cctv.to_file(OUT / "cctv_fixed_illustrative.geojson")
    pc = pd.read_csv(SRC / "postcodes" / "codepoint-open-2014-08_E07000094.csv")
    pc[["Postcode", "Eastings", "Northings", "Admin_ward_code"]].to_csv(OUT / "postcodes.csv", index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
