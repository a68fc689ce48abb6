"""A planted store of ASB rows: some placed at a postcode centroid, a smaller group at exact points."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.store import Store

ROOT = Path(__file__).resolve().parents[1]
POSTCODES = ROOT / "data" / "winchester" / "postcodes.csv"
CODE = "SO23 9LS"
#: A street with exact points, 1.5 km from the postcode's centroid (a smaller group than the centroid's).
POINT = (447000.0, 129900.0)
N_CENTROID, N_POINT = 30, 12


def build_store(folder: Path, district) -> Path:
    """Ingest the planted rows into ``folder/s.duckdb`` (checking what was stored) and return its path."""
    rows = ["Ref,Type,Date,Postcode,X,Y,Location"]
    rows += [f"C{i},Anti-social behaviour,{1 + i % 28:02d}/03/2017 22:30,{CODE},,," for i in range(N_CENTROID)]
    rows += [
        f"P{i},Anti-social behaviour,{1 + i % 28:02d}/03/2017 23:00,,{POINT[0] + i},{POINT[1]},Stockbridge Road"
        for i in range(N_POINT)
    ]
    csv = folder / "asb.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    path = folder / "s.duckdb"
    store = Store.open(path, district=district, read_only=False)
    mapping = {"id": "Ref", "crime_type": "Type", "datetime": "Date", "postcode": "Postcode"}
    mapping |= {"easting": "X", "northing": "Y", "location": "Location"}
    report = store.ingest([csv], fmt="force_csv", mapping=mapping)
    assert report.stored == N_CENTROID + N_POINT and report.geocoded == N_CENTROID
    return path


def centroid() -> tuple[float, float]:
    """The bundled Code-Point Open centroid of :data:`CODE` (BNG metres)."""
    row = pd.read_csv(POSTCODES).set_index("Postcode").loc[CODE.replace(" ", "")]
    return float(row["Eastings"]), float(row["Northings"])
