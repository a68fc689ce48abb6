"""The model behind the SYNTHETIC demo extract of :mod:`geo.demo`: components per force offence code.

The model
---------
Each force offence code (``crime_codes.csv``) is a mixture of *components*.  A component has

* a **share** of the code's 2003/04 count and a yearly **trend** factor (``count = base * share *
  trend ** (financial_year - 2003)``).  Home Office target categories take their 2003/04 count from
  the district's baseline table; the other codes from :data:`OTHER_BASELINE` (chosen so a year holds
  about 9,700 records including ASB, plausible for a district of ~110,000 people).  The baseline year
  reproduces the table exactly; later years carry multiplicative log-normal noise (``noise``, default
  sd 0.03) so the trend is visible but not ruler-straight.  Trends: woundings about +4 %/yr overall,
  made of city-centre night-time economy (NTE) violence +8.5 %/yr and elsewhere +1 %/yr; criminal
  damage about +2 %/yr, centre +6 %/yr; domestic burglary -8 %/yr; theft of and from vehicles
  -7 %/yr; cycle theft flat; common assault and public order rising in the centre.
* a **place**: resample the real 2017 points of the same data.police.uk crime type, restricted to the
  2005 city-centre zone (``zone``), outside it (``outside``: residential burglary, domestic violence),
  anywhere (``any``), or weighted towards Winchester station and the University of Winchester
  (``cycle``: weight ``1 + 6 exp(-d / 300 m)`` for each site).  Each point is jittered uniformly in a
  disc of ``jitter_m`` (default 25 m) so points look like addresses rather than snap points; a jitter
  that would leave the district or cross the zone edge is dropped (the snap point is kept).
  ``STREET`` is the resampled point's data.police.uk location text ("On or near ...").
* a **rhythm**: month-of-year weights (party season and summer for violence, dark evenings for
  burglary, term time and summer for cycles, Halloween and Bonfire Night for ASB and damage),
  day-of-week weights and hour-of-day weights.  Days of week refer to the police "night": an hour
  before 06:00 belongs to the previous day, so Friday-night violence at 01:30 carries Saturday's
  date.  City-centre violence peaks 23:00-02:00 on Friday and Saturday nights; domestic burglary
  falls by day on weekdays; shoplifting in shop hours, Saturday highest.
* an optional **from/to window** instead of an exact time: ``overnight`` (from 17:00-23:30 to
  06:00-08:30 next morning: cars parked overnight, overnight criminal damage, sheds),
  ``workday`` (from 07:30-09:30 to 16:30-19:00 the same day: bike locked at the station, house empty
  while at work) and ``away`` (house empty for 1-7 days).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Approximate sites that attract cycle theft (WGS84 lon, lat).
STATION_LONLAT = (-1.3197, 51.0672)
UNIVERSITY_LONLAT = (-1.3295, 51.0597)
#: Decay length (m) and peak extra weight of the cycle-theft attraction of each site.
CYCLE_DECAY_M = 300.0
CYCLE_PULL = 6.0

#: 2003/04 counts for force codes without a Home Office target category (illustrative).
OTHER_BASELINE: dict[str, int] = {
    "VIO-CMA": 760,
    "VIO-SEX": 70,
    "PUB-ORD": 380,
    "WPN-POS": 45,
    "BUR-OTH": 420,
    "THF-SHP": 560,
    "THF-OTH": 1100,
    "DRG-OFF": 190,
    "OTH-OFF": 130,
    "ASB-INC": 2500,
}

# The weight tables read as tables: keep their layout.
# fmt: off
# Month weights, January..December.
_FLAT = (1,) * 12
_NTE_SEASON = (0.9, 0.85, 0.95, 1.0, 1.05, 1.1, 1.15, 1.1, 1.0, 1.0, 0.95, 1.3)
_DARK = (1.25, 1.1, 1.0, 0.9, 0.85, 0.8, 0.8, 0.85, 0.95, 1.1, 1.2, 1.25)
_TERM = (0.8, 0.8, 0.95, 1.05, 1.15, 1.2, 1.1, 1.0, 1.2, 1.15, 1.0, 0.7)
_SUMMER = (0.85, 0.85, 0.95, 1.05, 1.1, 1.15, 1.2, 1.1, 1.0, 1.1, 1.1, 0.85)

# Day-of-week weights, Monday..Sunday (of the night starting at 06:00).
_WEEK = (1,) * 7
_WEEKEND_NIGHTS = (0.35, 0.35, 0.5, 0.75, 1.7, 2.1, 0.55)
_LATE_WEEK = (0.9, 0.9, 0.95, 1.0, 1.2, 1.25, 1.0)
_WEEKDAYS = (1.15, 1.15, 1.15, 1.15, 1.1, 0.75, 0.55)
_SHOPPING = (0.9, 0.9, 0.95, 1.0, 1.1, 1.5, 0.7)

# Hour-of-day weights, 00:00..23:00 clock hours.
_H_NTE = (0.9, 1.0, 0.75, 0.35, 0.12, 0.04, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.03, 0.03, 0.03,
          0.03, 0.03, 0.06, 0.08, 0.12, 0.2, 0.35, 0.55, 0.8)
_H_EVENING = (0.35, 0.25, 0.15, 0.08, 0.05, 0.04, 0.05, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.45, 0.5,
              0.6, 0.7, 0.8, 0.85, 0.9, 0.9, 0.85, 0.7, 0.5)
_H_DAY = (0.03, 0.02, 0.02, 0.02, 0.02, 0.03, 0.05, 0.15, 0.4, 0.8, 1.0, 1.0, 0.95, 1.0, 1.0, 0.95,
          0.85, 0.6, 0.45, 0.35, 0.25, 0.15, 0.08, 0.05)
_H_SHOP = (0,) * 8 + (0.1, 0.5, 0.8, 0.95, 1.0, 1.0, 1.0, 0.95, 0.9, 0.7, 0.35, 0.15, 0.05, 0, 0, 0)
_H_NIGHT = (0.8, 0.7, 0.6, 0.5, 0.35, 0.2, 0.1, 0.08, 0.08, 0.1, 0.1, 0.12, 0.15, 0.15, 0.15, 0.2,
            0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85)
_H_ASB = (0.3, 0.2, 0.1, 0.05, 0.03, 0.02, 0.03, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.45, 0.65,
          0.85, 0.95, 1.0, 1.0, 1.0, 0.9, 0.75, 0.5)

# fmt: on


@dataclass(frozen=True)
class Component:
    """One component of a force code's model (see the module notes)."""

    code: str
    share: float
    trend: float
    place: str = "any"  # any | zone | outside | cycle
    dow: tuple[float, ...] = _WEEK
    hours: tuple[float, ...] = _H_EVENING
    season: tuple[float, ...] = _FLAT
    window: str | None = None  # None | overnight | workday | away
    special: float = 1.0  # extra weight on the code's special days (see _special_days)


#: The model: components per force code (shares of one code sum to 1).
MODEL: tuple[Component, ...] = (
    Component("VIO-WND", 0.40, 1.085, "zone", _WEEKEND_NIGHTS, _H_NTE, _NTE_SEASON, special=3.0),
    Component("VIO-WND", 0.60, 1.010, "outside", _LATE_WEEK, _H_EVENING, _SUMMER),
    Component("VIO-CMA", 0.30, 1.070, "zone", _WEEKEND_NIGHTS, _H_NTE, _NTE_SEASON, special=3.0),
    Component("VIO-CMA", 0.70, 1.015, "outside", _LATE_WEEK, _H_EVENING, _SUMMER),
    Component("VIO-SEX", 1.00, 1.020, "any", _LATE_WEEK, _H_NIGHT, _SUMMER),
    Component("PUB-ORD", 0.40, 1.060, "zone", _WEEKEND_NIGHTS, _H_NTE, _NTE_SEASON, special=3.0),
    Component("PUB-ORD", 0.60, 1.000, "outside", _LATE_WEEK, _H_EVENING, _SUMMER),
    Component("WPN-POS", 0.40, 1.050, "zone", _WEEKEND_NIGHTS, _H_NTE, _NTE_SEASON),
    Component("WPN-POS", 0.60, 1.010, "outside", _LATE_WEEK, _H_EVENING),
    Component("ROB-PER", 1.00, 1.000, "any", _LATE_WEEK, _H_NIGHT, _DARK),
    Component("BUR-DOM", 0.40, 0.920, "outside", _WEEKDAYS, _H_DAY, _DARK),
    Component("BUR-DOM", 0.45, 0.920, "outside", _WEEKDAYS, _H_DAY, _DARK, "workday"),
    Component("BUR-DOM", 0.15, 0.920, "outside", _SHOPPING, _H_DAY, _SUMMER, "away"),
    Component("BUR-OTH", 0.35, 0.950, "any", _WEEK, _H_NIGHT, _DARK),
    Component("BUR-OTH", 0.65, 0.950, "any", _WEEK, _H_NIGHT, _DARK, "overnight"),
    Component("VEH-TOV", 0.40, 0.930, "any", _LATE_WEEK, _H_NIGHT, _DARK),
    Component("VEH-TOV", 0.45, 0.930, "any", _WEEK, _H_NIGHT, _DARK, "overnight"),
    Component("VEH-TOV", 0.15, 0.930, "any", _WEEKDAYS, _H_DAY, _DARK, "workday"),
    Component("VEH-TFV", 0.35, 0.930, "any", _WEEK, _H_NIGHT, _DARK),
    Component("VEH-TFV", 0.45, 0.930, "any", _WEEK, _H_NIGHT, _DARK, "overnight"),
    Component("VEH-TFV", 0.20, 0.930, "any", _WEEKDAYS, _H_DAY, _DARK, "workday"),
    Component("CYC-THF", 0.50, 1.000, "cycle", _WEEKDAYS, _H_DAY, _TERM),
    Component("CYC-THF", 0.35, 1.000, "cycle", _WEEKDAYS, _H_DAY, _TERM, "workday"),
    Component("CYC-THF", 0.15, 1.000, "cycle", _WEEK, _H_NIGHT, _TERM, "overnight"),
    Component("THF-PER", 0.60, 0.985, "any", _SHOPPING, _H_SHOP, _NTE_SEASON),
    Component("THF-PER", 0.40, 0.985, "zone", _WEEKEND_NIGHTS, _H_NTE, _NTE_SEASON),
    Component("THF-SHP", 1.00, 1.010, "any", _SHOPPING, _H_SHOP, _NTE_SEASON),
    Component("THF-OTH", 0.75, 0.970, "any", _WEEK, _H_DAY, _SUMMER),
    Component("THF-OTH", 0.25, 0.970, "any", _WEEK, _H_DAY, _SUMMER, "workday"),
    Component("CDA-DMG", 0.25, 1.060, "zone", _WEEKEND_NIGHTS, _H_NTE, _NTE_SEASON, special=2.0),
    Component("CDA-DMG", 0.35, 1.007, "outside", _LATE_WEEK, _H_EVENING, _SUMMER, special=3.0),
    Component("CDA-DMG", 0.40, 1.007, "outside", _LATE_WEEK, _H_NIGHT, _SUMMER, "overnight", 3.0),
    Component("DRG-OFF", 1.00, 1.040, "any", _LATE_WEEK, _H_EVENING),
    Component("OTH-OFF", 1.00, 1.000, "any", _WEEKDAYS, _H_DAY),
    Component("ASB-INC", 0.30, 1.040, "zone", _WEEKEND_NIGHTS, _H_NTE, _NTE_SEASON, special=2.0),
    Component("ASB-INC", 0.70, 1.010, "outside", _LATE_WEEK, _H_ASB, _SUMMER, special=4.0),
)


def special_days(code: str, days: pd.DatetimeIndex) -> np.ndarray:
    """Days with extra weight: party season for the NTE, Halloween and Bonfire Night for ASB/damage."""
    md = days.month * 100 + days.day
    if code in ("ASB-INC", "CDA-DMG"):
        return np.isin(md, (1030, 1031, 1104, 1105))
    return np.isin(md, (1219, 1224, 1231))


__all__ = [
    "CYCLE_DECAY_M",
    "CYCLE_PULL",
    "MODEL",
    "OTHER_BASELINE",
    "STATION_LONLAT",
    "UNIVERSITY_LONLAT",
    "Component",
    "special_days",
]
