"""Deployment nights with dates, and the van rota when there are more sites than nights."""

from __future__ import annotations

from datetime import date

from geo.rota import deployment_nights, nights_text, van_rota, window_hours


def test_nights_with_dates():
    nights = deployment_nights((4, 5), date(2025, 4, 2))  # Wednesday 02/04/2025
    assert nights == [date(2025, 4, 4), date(2025, 4, 5)]
    assert nights_text(nights, (20, 4)) == "Fri 04/04 and Sat 05/04, 20:00–04:00"
    assert len(deployment_nights((), date(2025, 4, 2))) == 7
    assert nights_text([date(2025, 4, 4)]) == "Fri 04/04, hours not set"
    assert window_hours((20, 4)) == [20, 21, 22, 23, 0, 1, 2, 3]


def test_rota_splits_the_hours_when_there_are_more_sites_than_nights():
    rota = van_rota([1, 2, 3, 4, 5], [date(2025, 4, 4), date(2025, 4, 5)], (20, 4))
    fri = rota[rota["night_label"] == "Fri 04/04"]
    sat = rota[rota["night_label"] == "Sat 05/04"]
    assert fri["rank"].tolist() == [1, 3, 5] and sat["rank"].tolist() == [2, 4]
    # 8 hours in three slots of whole quarter-hours: 2:45, 2:45, 2:30
    assert list(zip(fri["start"], fri["end"], strict=True)) == [
        ("20:00", "22:45"),
        ("22:45", "01:30"),
        ("01:30", "04:00"),
    ]
    assert list(zip(sat["start"], sat["end"], strict=True)) == [("20:00", "00:00"), ("00:00", "04:00")]
    assert rota.groupby("night")["minutes"].sum().tolist() == [480, 480]


def test_rota_repeats_sites_when_there_are_more_nights():
    nights = deployment_nights((), date(2025, 4, 7))
    rota = van_rota([1, 2], nights, None)
    assert rota["rank"].tolist() == [1, 2, 1, 2, 1, 2, 1] and (rota["start"] == "").all()
