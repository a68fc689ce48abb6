"""Row checks: raw batches in, canonical incidents and rejects (with reasons) out.

This is the one place the validation rules live.  Each rule is vectorised; a row is rejected
by the first rule it fails, and the reject names the file, the row and the field.

Rules, in order:

1. crime type known (a data.police.uk category, or a force code in the district's table);
2. coordinates present and numeric; longitude/latitude not swapped; no eastings in the
   longitude column; inside the valid range of the coordinate system;
3. within the district boundary buffered by ``outside_tolerance_m`` (default 1 km);
4. dates parse (month ``YYYY-MM``, or the date format, with an optional ``HH:MM`` time);
   ``occurred_to`` not before ``occurred_from``;
5. each sensitivity flag column the file holds is a yes/no value.

Accepted rows get ``sensitive`` by the district's rule (:mod:`geo.sensitivity`).

Local times that do not exist (the hour skipped when clocks go forward) are moved forward
an hour; times that happen twice (when clocks go back) are taken as the first, summer-time
one.  Both are counted in the notes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo._numbers import to_float
from geo.config import District
from geo.geocode import geocode
from geo.readers import RawBatch
from geo.schema import (
    CRIME_TYPES,
    LOCAL_TZ,
    PRECISION_DAY,
    PRECISION_MONTH,
    PRECISION_POINT,
    PRECISION_POSTCODE,
    PRECISION_TIME,
)
from geo.sensitivity import FLAG_REASON, parse_flag, sensitive_rows
from geo.validate_ids import RepeatCounter, content_ids

REJECT_COLUMNS = ["file", "row", "field", "reason", "raw"]
#: Years an incident may fall in; anything outside is a data error (and would break time arithmetic).
YEAR_RANGE = (1900, 2100)
_AREAS: dict[int, tuple[District, shapely.Geometry]] = {}
_TO_BNG = Transformer.from_crs(4326, 27700, always_xy=True)
_TO_WGS = Transformer.from_crs(27700, 4326, always_xy=True)


class _Rejector:
    """Collects the first failing rule per row."""

    def __init__(self, n: int) -> None:
        self.reason = np.full(n, None, dtype=object)
        self.field = np.full(n, None, dtype=object)

    @property
    def ok(self) -> np.ndarray:
        return pd.isna(self.reason)

    def reject(self, mask: np.ndarray, field: str, reason: str, values: pd.Series | None = None) -> None:
        """Reject rows in ``mask`` not yet rejected; ``{}`` in ``reason`` takes each row's value."""
        new = np.asarray(mask, dtype=bool) & self.ok
        if not new.any():
            return
        self.field[new] = field
        if values is None:
            self.reason[new] = reason
        else:
            self.reason[new] = [reason.format(v) for v in values.to_numpy()[new]]


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame:
        col = frame[name]
        if col.dtype != "str" or col.hasnans:
            col = col.fillna("").astype(str)
        return col.str.strip()
    return pd.Series("", index=frame.index, dtype=str)


def _crime(batch: RawBatch, district: District, rj: _Rejector) -> tuple[pd.Series, pd.Series]:
    raw = _col(batch.frame, "crime")
    if batch.crime_is_code:
        codes = district.crime_codes.set_index("code")
        ctype = raw.map(codes["crime_type"])
        ho = raw.map(codes["ho_category"])
        by_name = raw.isin(CRIME_TYPES) & ctype.isna()
        ctype = ctype.where(~by_name, raw)
        ho = ho.where(~by_name, raw.map(district.police_uk_ho))
        known = ctype.notna().to_numpy()
        what = "force crime code"
    else:
        known = raw.isin(CRIME_TYPES).to_numpy()
        ctype = raw
        ho = raw.map(district.police_uk_ho)
        what = "crime type"
    missing = (raw == "").to_numpy()
    rj.reject(missing, "crime", f"missing {what}")
    rj.reject(~known, "crime", f"unknown {what} '{{}}'", raw)
    return ctype.where(known), ho


def _search_area(district: District) -> shapely.Geometry:
    """The district boundary buffered by the outside tolerance, prepared once per district."""
    cached = _AREAS.get(id(district))
    if cached is None or cached[0] is not district:
        area = district.boundary.geometry.union_all().buffer(district.outside_tolerance_m)
        shapely.prepare(area)
        cached = _AREAS[id(district)] = (district, area)
    return cached[1]


def _postcodes(batch: RawBatch, district: District, rj: _Rejector, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Fill missing coordinates from postcodes (in the batch's coordinate system); returns the mask."""
    f = batch.frame
    placed = np.zeros(len(f), dtype=bool)
    if "postcode" not in f:
        return placed
    pc = _col(f, "postcode")
    need = (np.isnan(x) | np.isnan(y)) & (pc != "").to_numpy() & rj.ok
    if not need.any():
        return placed
    e, n, found = geocode(pc[need], district)
    rj.reject(
        need & ~_spread(need, found), "postcode", "unknown postcode '{}' (not in the district's postcode list)", pc
    )
    placed = need & _spread(need, found)
    if batch.coords == "lonlat":
        lon, lat = _TO_WGS.transform(e[found], n[found])
        x[placed], y[placed] = lon, lat
    else:
        x[placed], y[placed] = e[found], n[found]
    return placed


def _spread(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = np.zeros(len(mask), dtype=bool)
    out[mask] = values
    return out


def _distinct_points(
    fn: Callable[[np.ndarray, np.ndarray], Any], x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, ...]:
    """``fn(x, y)`` computed once per distinct point (data.police.uk snap points repeat a lot).

    Returns each of ``fn``'s outputs (one array, or each item of a tuple) spread back to every point.
    """
    codes, distinct = pd.factorize(x + 1j * y)
    out = fn(distinct.real.copy(), distinct.imag.copy())
    outputs = out if isinstance(out, tuple) else (out,)
    return tuple(np.asarray(o)[codes] for o in outputs)


def _coords(batch: RawBatch, district: District, rj: _Rejector) -> tuple[np.ndarray, ...]:
    xs, ys = _col(batch.frame, "x"), _col(batch.frame, "y")
    xname, yname = ("longitude", "latitude") if batch.coords == "lonlat" else ("easting", "northing")
    x, y = np.require(to_float(xs), requirements="W"), np.require(to_float(ys), requirements="W")
    blank = ((xs == "") | (ys == "")).to_numpy()
    placed = _postcodes(batch, district, rj, x, y)
    has_pc = "postcode" in batch.frame
    rj.reject(blank & ~placed, xname, "missing coordinates" + (" and postcode" if has_pc else ""))
    rj.reject(np.isnan(x), xname, f"unparseable {xname} '{{}}'", xs)
    rj.reject(np.isnan(y), yname, f"unparseable {yname} '{{}}'", ys)
    if batch.coords == "lonlat":
        # Britain: longitude about -8..2, latitude 49..61.  Catch the two common mix-ups first.
        rj.reject((x > 1000) & (y > 1000), xname, "eastings/northings in the longitude/latitude columns")
        rj.reject((x >= 49) & (x <= 61) & (y >= -9) & (y <= 2.5), xname, "latitude and longitude swapped")
        rj.reject((np.abs(x) > 180) | (np.abs(y) > 90), xname, "longitude/latitude out of range")
        lon, lat = x, y
        area = _search_area(district)

        def to_bng_inside(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            east, north = _TO_BNG.transform(a, b)
            return east, north, shapely.contains_xy(area, np.nan_to_num(east), np.nan_to_num(north))

        # One pass over the distinct points (snap points repeat): grid reference and the area test.
        e, n, inside = _distinct_points(to_bng_inside, np.nan_to_num(lon), np.nan_to_num(lat))
    else:
        rj.reject(
            (np.abs(x) <= 180) & (np.abs(y) <= 90) & ~np.isnan(x),
            xname,
            "longitude/latitude in the easting/northing columns",
        )
        rj.reject((x < 0) | (x > 700_000) | (y < 0) | (y > 1_300_000), xname, "easting/northing outside Great Britain")
        e, n = x, y
        lon, lat = _TO_WGS.transform(np.nan_to_num(e), np.nan_to_num(n))
        area = _search_area(district)
        (inside,) = _distinct_points(lambda a, b: shapely.contains_xy(area, a, b), np.nan_to_num(e), np.nan_to_num(n))
    rj.reject(~inside, xname, f"outside {district.name} district by more than {district.outside_tolerance_m:g} m")
    return np.asarray(lon), np.asarray(lat), np.asarray(e), np.asarray(n), placed


def _localise(naive: pd.Series, dst: bool | np.ndarray = True) -> tuple[pd.Series, np.ndarray]:
    """Naive local wall times -> Europe/London; returns (times, mask of those moved out of the spring gap).

    ``dst`` picks the reading of a repeated autumn hour: True (default) the summer-time one.
    """
    ambiguous = np.broadcast_to(np.asarray(dst, dtype=bool), (len(naive),)).copy()
    local = naive.dt.tz_localize(LOCAL_TZ, ambiguous=ambiguous, nonexistent=pd.Timedelta(hours=1))
    check = naive.dt.tz_localize(LOCAL_TZ, ambiguous=ambiguous, nonexistent="NaT")
    return local, (check.isna() & naive.notna()).to_numpy()


def _in_years(parsed: pd.Series, text: pd.Series, field: str, rj: _Rejector, years: tuple[int, int]) -> pd.Series:
    """Reject times outside ``years`` (inclusive); returns nanosecond times, NaT where rejected."""
    year = parsed.dt.year
    bad = (year < years[0]) | (year > years[1])
    lo, hi = years
    rj.reject(bad.fillna(False).to_numpy(), field, f"{field} '{{}}' is outside the years {lo}-{hi}", text)
    return parsed.where(~bad).astype("datetime64[ns]")


def _times(
    batch: RawBatch, rj: _Rejector, notes: list[str], years: tuple[int, int] = YEAR_RANGE
) -> tuple[pd.Series, pd.Series, pd.Series]:
    f = batch.frame
    if batch.kind == "police_uk":
        month = _col(f, "month")
        # A file holds a handful of distinct months: parse and localise each once, then spread.
        codes, distinct = pd.factorize(month)
        first = pd.Series(pd.to_datetime(pd.Series(distinct, dtype=str), format="%Y-%m", errors="coerce"))
        # Both checks on the distinct months, spread to the rows (as _in_years would find them).
        rj.reject(first.isna().to_numpy()[codes], "month", "unparseable month '{}' (expected YYYY-MM)", month)
        lo, hi = years
        outside = ((first.dt.year < lo) | (first.dt.year > hi)).fillna(False).to_numpy(dtype=bool)[codes]
        rj.reject(outside, "month", f"month '{{}}' is outside the years {lo}-{hi}", month)
        first = pd.Series(first.where(first.dt.year.between(*years)).astype("datetime64[ns]"))
        last = first + pd.offsets.MonthBegin(1) - pd.Timedelta(seconds=1)
        prec = pd.Series(PRECISION_MONTH, index=f.index, dtype=str)
        t_from = pd.Series(_localise(first)[0].array.take(codes), index=f.index)
        t_to = pd.Series(_localise(last)[0].array.take(codes), index=f.index)
        return t_from, t_to, prec
    d_from, tm_from = _col(f, "date_from"), _col(f, "time_from")
    d_to, tm_to = _col(f, "date_to"), _col(f, "time_to")
    has_time = (tm_from != "") | d_from.str.contains(r"\d{1,2}:\d{2}", regex=True)
    start = _parse_datetime(d_from, tm_from, batch.date_format)
    rj.reject((d_from == "").to_numpy(), "date_from", "missing date")
    _reject_out_of_years(start, d_from, "date_from", rj, years)
    rj.reject(start.isna().to_numpy(), "date_from", "unparseable date '{}'", d_from + " " + tm_from)
    start = _in_years(start, d_from, "date_from", rj, years)
    has_to = d_to != ""
    end = _parse_datetime(d_to.where(has_to, d_from), tm_to.where(has_to, tm_from), batch.date_format)
    end_bad = has_to & end.isna()
    _reject_out_of_years(end.where(has_to), d_to.where(has_to, ""), "date_to", rj, years)
    rj.reject(end_bad.to_numpy(), "date_to", "unparseable date '{}'", d_to + " " + tm_to)
    end = _in_years(end, d_to.where(has_to, d_from), "date_to", rj, years)
    day_only = ~has_time
    end = end.where(~(day_only & ~has_to), start + pd.Timedelta(days=1) - pd.Timedelta(seconds=1))
    t_from, gaps1 = _localise(start)
    t_to, gaps2 = _localise(end)
    # A window across the autumn change (01:50 BST to 01:10 GMT): the end is the second 01:10.
    t_to = t_to.where(~(t_to < t_from).fillna(False), _localise(end, dst=False)[0])
    rj.reject((t_to < t_from).fillna(False).to_numpy(), "date_to", "occurred_to is before occurred_from")
    gaps = int((gaps1 | gaps2).sum())  # each record once, even when its start and end are both moved
    if gaps:
        notes.append(
            f"{batch.file}: {gaps} record(s) with a time in the hour skipped when clocks go forward moved on an hour"
        )
    prec = pd.Series(np.where(day_only, PRECISION_DAY, PRECISION_TIME), index=f.index, dtype=str)
    return t_from, t_to, prec


def _reject_out_of_years(parsed: pd.Series, text: pd.Series, field: str, rj: _Rejector, years: tuple[int, int]) -> None:
    """A date that failed to parse because its four-digit year is absurd gets that reason."""
    failed = parsed.isna() & (text != "")
    if not failed.any():
        return
    year = pd.to_numeric(text[failed].str.extract(r"(?<!\d)(\d{4})(?!\d)")[0], errors="coerce")
    bad = pd.Series(False, index=text.index)
    bad[failed] = ((year < years[0]) | (year > years[1])).fillna(False).to_numpy()
    lo, hi = years
    rj.reject(bad.to_numpy(), field, f"{field} '{{}}' is outside the years {lo}-{hi}", text)


def _parse_datetime(dates: pd.Series, times: pd.Series, date_format: str | None) -> pd.Series:
    text = (dates + " " + times).str.strip()
    # Microseconds hold any year (nanoseconds stop at 1677 and 2262); the year check follows.
    out = pd.Series(pd.NaT, index=dates.index, dtype="datetime64[us]")
    formats = [f"{date_format} %H:%M", f"{date_format} %H:%M:%S", date_format] if date_format else []
    formats += ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%d/%m/%Y %H:%M", "%d/%m/%Y"]
    for fmt in dict.fromkeys(formats):
        todo = out.isna() & (text != "")
        if not todo.any():
            break
        out.loc[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce").astype("datetime64[us]")
    # ISO strings with an offset (our own exports): parse as UTC then convert to local wall time.
    todo = out.isna() & text.str.contains(r"[+-]\d{2}:\d{2}$|Z$", regex=True)
    if todo.any():
        aware = pd.to_datetime(text[todo], utc=True, errors="coerce", format="ISO8601")
        out.loc[todo] = aware.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None).astype("datetime64[us]")
    return out


def _sensitive(batch: RawBatch, district: District, ho: pd.Series, rj: _Rejector) -> np.ndarray:
    """The ``sensitive`` value of each row; a flag that is not a yes/no value rejects its row."""
    flagged = np.zeros(len(batch.frame), dtype=bool)
    for column in batch.flags:
        text = batch.flag_text(column)
        true, invalid = parse_flag(text)
        shown = column.replace("{", "{{").replace("}", "}}")  # the reason is a format string
        rj.reject(invalid, column, f"{shown} {FLAG_REASON}", text.str.strip())
        flagged |= true
    codes = _col(batch.frame, "crime") if batch.crime_is_code else None
    return sensitive_rows(district.sensitivity, codes, ho, flagged)


def validate_batch(
    batch: RawBatch,
    district: District,
    years: tuple[int, int] = YEAR_RANGE,
    repeats: RepeatCounter | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Check a raw batch; return canonical rows (without derived areas), rejects and notes.

    Parameters
    ----------
    batch : RawBatch
    district : District
    years : (int, int), default (1900, 2100)
        Incidents outside these years (inclusive) are rejected.
    repeats : RepeatCounter, optional
        Carried across the batches of one file, so content ids match a whole-file read.

    Returns
    -------
    accepted : DataFrame
        Canonical columns except the derived ward/sector/zone ones.
    rejects : DataFrame
        :data:`REJECT_COLUMNS`, one row per refused input row (including the reader's refusals).
    notes : list of str
    """
    f = batch.frame
    rj = _Rejector(len(f))
    notes: list[str] = []
    ctype, ho = _crime(batch, district, rj)
    lon, lat, e, n, placed = _coords(batch, district, rj)
    t_from, t_to, prec = _times(batch, rj, notes, years)
    sensitive = _sensitive(batch, district, ho, rj)
    ok = rj.ok
    acc = pd.DataFrame(
        {
            "incident_id": _col(f, "id").where(lambda s: s != "", None),
            "source": batch.source,
            "synthetic": batch.synthetic,
            "crime_type": ctype,
            "ho_category": ho,
            "occurred_from": t_from,
            "occurred_to": t_to,
            "time_precision": prec,
            "longitude": np.round(lon, 6),
            "latitude": np.round(lat, 6),
            "easting": np.round(e, 1),
            "northing": np.round(n, 1),
            "location": _col(f, "location"),
            "lsoa_code": _col(f, "lsoa_code").replace("", None),
            "outcome": _col(f, "outcome").replace("", None),
            # One text for the whole batch when no row was placed by postcode (the usual case).
            "location_precision": np.where(placed, PRECISION_POSTCODE, PRECISION_POINT)
            if placed.any()
            else pd.Series(PRECISION_POINT, index=f.index, dtype=str),
            "sensitive": sensitive,
        }
    )
    if not ok.all():  # most batches have no reject: spare the copy
        acc = acc.loc[ok]
    no_id = acc["incident_id"].isna()
    if no_id.any():
        acc.loc[no_id, "incident_id"] = content_ids(acc.loc[no_id], batch.kind.replace("_", "")[:4], repeats)
    bad = ~ok
    rejects = pd.DataFrame(
        {
            "file": batch.file,
            "row": f["_row"].to_numpy()[bad],
            "field": rj.field[bad],
            "reason": rj.reason[bad],
            "raw": batch.raw_text(bad),
        }
    )
    if not batch.rows_rejected.empty:
        reader = batch.rows_rejected.rename(columns={"_row": "row", "_raw": "raw"}).assign(file=batch.file)
        rejects = pd.concat([reader[REJECT_COLUMNS], rejects], ignore_index=True).sort_values("row")
    return acc.reset_index(drop=True), rejects.reset_index(drop=True), notes
