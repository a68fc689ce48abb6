"""Street names from location text: generic places skipped, the nearest named location as fallback."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.streets import named_places, nearest_street, places_near, street_name, streets_for_groups


def test_street_name_strips_the_prefix_and_skips_generic_places():
    assert street_name("On or near Jewry Street") == "Jewry Street"
    assert street_name("on or near  High Street ") == "High Street"
    assert street_name("Kingsgate Road") == "Kingsgate Road"
    for generic in ("Parking Area", "Shopping Area", "Petrol Station", "Supermarket", "Nightclub"):
        assert street_name(f"On or near {generic}") == ""
    assert street_name("On or near Sports/Recreation Area") == "" and street_name(None) == ""
    assert street_name(float("nan")) == "" and street_name("") == ""


def _frame(xy, locs):
    return pd.DataFrame({"easting": [p[0] for p in xy], "northing": [p[1] for p in xy], "location": locs})


def test_groups_take_the_most_common_named_street_with_deterministic_ties():
    df = _frame(
        [(0, 0), (0, 0), (5, 0), (50, 0), (60, 0), (1000, 0)],
        [
            "On or near Parking Area",
            "On or near Parking Area",
            "On or near B Street",
            "On or near A Street",
            "On or near Parking Area",
            "On or near Far Lane",
        ],
    )
    # group 0: B Street (5 m) and A Street (50 m) tie on one incident each: the nearer wins
    # group 1: only generic names: the nearest named snap point to its centre (1000, 0) is Far Lane
    got = streets_for_groups(df, np.array([0, 0, 0, 0, 1]), np.array([0, 1, 2, 3, 4]), [(0, 0), (990, 0)])
    assert got == ["B Street", "Far Lane"]
    # the same answer whatever the row order
    rev = df.iloc[::-1].reset_index(drop=True)
    assert streets_for_groups(rev, np.array([0, 0, 0, 0, 1]), np.array([5, 4, 3, 2, 1]), [(0, 0), (990, 0)]) == got
    assert nearest_street(df, 0, 0, k=3) == "B Street"


def test_named_places_and_places_near():
    df = _frame(
        [(0, 0), (0, 0), (100, 0), (400, 0), (3000, 0)],
        ["On or near X Road"] * 2 + ["On or near Supermarket", "On or near Y Road", "On or near Z Road"],
    )
    places = named_places(df)
    assert places["name"].tolist() == ["X Road", "Y Road", "Z Road"] and places["incidents"].tolist() == [2, 1, 1]
    near = places_near(df, [(50, 0)], 500)
    assert near["name"].tolist() == ["X Road", "Y Road"] and near["distance_m"].tolist() == [50.0, 350.0]


def test_real_data_has_no_generic_street_for_any_group(police_uk_incidents):
    df = police_uk_incidents.head(2000).reset_index(drop=True)
    centres = df[["easting", "northing"]].to_numpy()[:50]
    got = streets_for_groups(df, np.arange(50), np.arange(50), centres)
    assert all(got) and not any(g.startswith("On or near") for g in got)
    assert not {"Parking Area", "Supermarket", "Shopping Area"} & set(got)


def _reference_street(df: pd.DataFrame, rows: list[int], centre: tuple[float, float]) -> str:
    """The rule spelled out for one group: most incidents, then the nearest, then alphabetical."""
    seen: dict[str, list[float]] = {}
    for i in rows:
        name = street_name(df["location"].iloc[i])
        if name:
            d = float(np.hypot(df["easting"].iloc[i] - centre[0], df["northing"].iloc[i] - centre[1]))
            seen.setdefault(name, []).append(d)
    return min(seen, key=lambda s: (-len(seen[s]), min(seen[s]), s)) if seen else ""


def test_group_streets_and_named_places_follow_the_rule_on_random_ties():
    rng = np.random.default_rng(5)
    n = 3_000
    streets = ["B Road", "A Street", "C Lane", "Parking Area", "Aa Close", None]
    locs = [None if s is None else f"On or near {s}" for s in rng.choice(np.array(streets, dtype=object), n)]
    xy = rng.integers(0, 6, size=(n, 2)) * 10.0  # many incidents share a point: ties everywhere
    df = _frame([tuple(p) for p in xy], locs).astype({"location": "string"})
    group = rng.integers(0, 40, n)
    member = rng.permutation(n)
    centres = rng.integers(0, 6, size=(40, 2)) * 10.0
    got = streets_for_groups(df, group, member, centres)
    want = [_reference_street(df, member[group == g].tolist(), tuple(centres[g])) for g in range(40)]
    assert all(want) and got == want  # every group has named members here (the fallback is tested above)
    places = named_places(df)
    named = df.assign(name=[street_name(v) for v in df["location"].astype(object)])
    named = named[named["name"] != ""]
    want = named.groupby(["easting", "northing", "name"]).size().rename("incidents").reset_index()
    want = want.sort_values(["incidents", "name", "easting", "northing"], ascending=[False, True, True, True])
    pd.testing.assert_frame_equal(places, want.reset_index(drop=True)[places.columns], check_dtype=False)


def _reference_fallback(df: pd.DataFrame, centre: tuple[float, float]) -> tuple[str, float]:
    """The fallback spelled out: the nearest named place; equally near, the busiest, then by name, then position."""
    named = df.assign(name=[street_name(v) for v in df["location"].astype(object)])
    named = named[named["name"] != ""]
    places = named.groupby(["easting", "northing", "name"]).size().rename("n").reset_index()
    places["d"] = np.hypot(places["easting"] - centre[0], places["northing"] - centre[1])
    best = places.sort_values(["d", "n", "name", "easting", "northing"], ascending=[True, False, True, True, True])
    return str(best["name"].iloc[0]), float(best["d"].iloc[0])


def test_groups_without_a_named_member_take_the_nearest_named_place_on_random_ties():
    rng = np.random.default_rng(11)
    n = 2_000
    streets = np.array(["B Road", "A Street", "C Lane", "Aa Close"], dtype=object)
    xy = rng.integers(0, 8, size=(n, 2)) * 25.0  # snapped points: equal distances everywhere
    locs = [f"On or near {s}" for s in rng.choice(streets, n)]
    generic = np.flatnonzero(rng.random(n) < 0.3)
    for i in generic:
        locs[i] = "On or near Parking Area"
    df = _frame([tuple(p) for p in xy], locs)
    groups = 60
    member = rng.choice(generic, size=300)  # every member generic: each group needs the fallback
    group = rng.integers(0, groups, len(member))
    centres = rng.integers(-12, 24, size=(groups, 2)) * 12.5  # some beyond 100 m
    got = streets_for_groups(df, group, member, centres, far_m=100.0)
    for g in range(groups):
        name, d = _reference_fallback(df, tuple(centres[g]))
        far = f"{d / 1000:.1f} km" if d >= 1000 else f"{round(d, -1):.0f} m"
        assert got[g] == (name if d <= 100.0 else f"{name} (nearest named location, {far} away)"), g
