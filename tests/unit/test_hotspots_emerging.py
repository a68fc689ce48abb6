"""Emerging hotspot classes over time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.hotspots import HotspotError
from geo.hotspots.emerging import classify_emerging


def monthly(points_by_month: dict[str, list[tuple[float, float, int]]], seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for month, pts in points_by_month.items():
        t = pd.Timestamp(f"{month}-15 12:00", tz="Europe/London")
        # background noise every month so Gi* has a mean to compare with
        for x, y in zip(rng.uniform(440000, 450000, 150), rng.uniform(120000, 130000, 150), strict=True):
            rows.append((t, x, y))
        for x, y, n in pts:
            rows += [(t, x + rng.normal(0, 20), y + rng.normal(0, 20)) for _ in range(n)]
    t, x, y = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "crime_type": "Burglary",
            "occurred_from": t,
            "occurred_to": t,
            "time_precision": "time",
            "easting": x,
            "northing": y,
        }
    )


def test_persistent_new_and_former_classes():
    months = [f"2017-{m:02d}" for m in range(1, 11)]
    persistent = (442000.0, 122000.0, 40)
    former = (448000.0, 128000.0, 40)
    new = (445000.0, 126000.0, 60)
    data = {m: [persistent] + ([former] if i < 5 else []) + ([new] if i == 9 else []) for i, m in enumerate(months)}
    res = classify_emerging(monthly(data), cell_size=200)
    assert res.params["periods"] == 10
    cats = res.polygons

    def cat_at(x, y):
        hit = cats[cats.geometry.contains(__import__("shapely").Point(x, y))]
        return set(hit["category"])

    assert "persistent hotspot" in cat_at(442000, 122000)
    assert "former hotspot" in cat_at(448000, 128000)
    assert "new hotspot" in cat_at(445000, 126000)


def test_one_period_is_an_error():
    df = monthly({"2017-01": [(442000.0, 122000.0, 30)]})
    with pytest.raises(HotspotError):
        classify_emerging(df)


def test_real_data_runs(police_uk_incidents, district):
    df = police_uk_incidents[police_uk_incidents["occurred_from"].dt.year == 2017]
    res = classify_emerging(df, district=district)
    assert res.params["periods"] == 8 and not res.empty
    assert "persistent hotspot" in set(res.polygons["category"])
