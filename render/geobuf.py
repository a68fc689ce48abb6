"""Geobuf for the map: a vectorised encoder for point layers and a wrapper for any GeoJSON.

``geobuf.encode`` walks a GeoJSON dict feature by feature in Python: about 1.4 s for 100,000
points including building the dict.  Points need only a fixed byte pattern per feature, so numpy
builds the whole message in a few tens of milliseconds.  The output decodes with the same
``geobuf`` JavaScript decoder dash-leaflet uses (``format="geobuf"``).
"""

from __future__ import annotations

import base64

import numpy as np

#: Decimal places kept (geobuf ``precision``); 6 is about 0.1 m.
PRECISION = 6
_MAX_VARINT = 10


def _varints(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Varint bytes of non-negative int64 values: (n, 10) uint8 array and byte counts."""
    v = values.astype(np.uint64)
    out = np.zeros((len(v), _MAX_VARINT), dtype=np.uint8)
    lengths = np.ones(len(v), dtype=np.int64)
    rest = v.copy()
    for i in range(_MAX_VARINT):
        byte = (rest & np.uint64(0x7F)).astype(np.uint8)
        rest = rest >> np.uint64(7)
        more = rest > 0
        out[:, i] = byte | (more.astype(np.uint8) << 7)
        lengths += more
        if not more.any():
            break
    return out, lengths


def _zigzag(values: np.ndarray) -> np.ndarray:
    v = values.astype(np.int64)
    return ((v << 1) ^ (v >> 63)).astype(np.uint64)


def _varint_bytes(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


#: Bytes a flagged point's feature ends with: Value{bool_value: true}, then properties [key 0, value 0].
_FLAG_BYTES = np.array([0x6A, 0x02, 0x28, 0x01, 0x72, 0x02, 0x00, 0x00], dtype=np.uint8)


def encode_points(
    lon: np.ndarray,
    lat: np.ndarray,
    precision: int = PRECISION,
    flags: np.ndarray | None = None,
    flag: str = "postcode",
) -> bytes:
    """Encode points as a geobuf FeatureCollection, without properties or with one true/absent flag.

    Parameters
    ----------
    lon, lat : array-like of float
        WGS84 coordinates (same length, no NaN).
    precision : int, default 6
        Decimal places kept.
    flags : array-like of bool, optional
        Points whose feature carries the property ``flag`` = true (the others carry none).
    flag : str, default "postcode"
        The property's name.

    Returns
    -------
    bytes
        The geobuf message.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if lon.shape != lat.shape:
        raise ValueError("lon and lat must have the same length")
    marked = np.zeros(len(lon), dtype=bool) if flags is None else np.asarray(flags, dtype=bool)
    if marked.shape != lon.shape:
        raise ValueError("flags must have one value per point")
    features = _point_features(lon, lat, precision, marked)
    keys = b"" if flags is None else b"\x0a" + _varint_bytes(len(flag.encode())) + flag.encode()
    # Data{keys, dimensions: 2, precision, feature_collection}
    return keys + b"\x10\x02" + b"\x18" + _varint_bytes(precision) + b"\x22" + _varint_bytes(len(features)) + features


def _point_features(lon: np.ndarray, lat: np.ndarray, precision: int, marked: np.ndarray) -> bytes:
    """The FeatureCollection's features: one fixed byte pattern per point, the flag's bytes after it."""
    scale = 10**precision
    xb, xl = _varints(_zigzag(np.round(lon * scale)))
    yb, yl = _varints(_zigzag(np.round(lat * scale)))
    n = len(lon)
    coords_len = xl + yl  # <= 20 bytes, one-byte length
    geom_len = 4 + coords_len  # type field (2 bytes) + coords tag + length
    feat_len = 2 + geom_len + len(_FLAG_BYTES) * marked  # <= 34 bytes, one-byte length
    width = 8 + 2 * _MAX_VARINT + len(_FLAG_BYTES)
    buf = np.zeros((n, width), dtype=np.uint8)
    mask = np.zeros((n, width), dtype=bool)
    # Feature{geometry: Geometry{type: POINT, coords: packed sint64}}
    header = np.column_stack(
        [
            np.full(n, 0x0A),  # FeatureCollection.features, length-delimited
            feat_len,
            np.full(n, 0x0A),  # Feature.geometry
            geom_len,
            np.full(n, 0x08),  # Geometry.type
            np.zeros(n),  # POINT
            np.full(n, 0x1A),  # Geometry.coords, packed
            coords_len,
        ]
    ).astype(np.uint8)
    buf[:, :8] = header
    mask[:, :8] = True
    cols = np.arange(_MAX_VARINT)
    # x bytes straight after the header, y bytes straight after x: scatter by per-row offsets.
    rows = np.repeat(np.arange(n), _MAX_VARINT).reshape(n, _MAX_VARINT)
    x_take = cols[None, :] < xl[:, None]
    buf[rows[x_take], 8 + np.broadcast_to(cols, (n, _MAX_VARINT))[x_take]] = xb[x_take]
    mask[rows[x_take], 8 + np.broadcast_to(cols, (n, _MAX_VARINT))[x_take]] = True
    y_take = cols[None, :] < yl[:, None]
    y_pos = 8 + xl[:, None] + cols[None, :]
    buf[rows[y_take], y_pos[y_take]] = yb[y_take]
    mask[rows[y_take], y_pos[y_take]] = True
    if marked.any():  # Feature.values then Feature.properties, straight after the geometry
        at = np.flatnonzero(marked)
        pos = (8 + xl[at] + yl[at])[:, None] + np.arange(len(_FLAG_BYTES))[None, :]
        buf[at[:, None], pos] = _FLAG_BYTES
        mask[at[:, None], pos] = True
    return buf[mask].tobytes()


def points_to_geobuf_b64(
    lon: np.ndarray, lat: np.ndarray, precision: int = PRECISION, flags: np.ndarray | None = None
) -> str:
    """:func:`encode_points`, base64-encoded as dash-leaflet's ``GeoJSON(format="geobuf")`` expects."""
    return base64.b64encode(encode_points(lon, lat, precision, flags)).decode("ascii")


def _row_varints(values: np.ndarray) -> list[bytes]:
    """The packed varint bytes of each row of a 2-D array of non-negative integers."""
    n, m = values.shape
    out, lengths = _varints(values.ravel())
    flat = out[np.arange(_MAX_VARINT)[None, :] < lengths[:, None]].tobytes()
    ends = np.cumsum(lengths.reshape(n, m).sum(axis=1)).tolist()
    return [flat[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]


def _field(tag: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    size = len(payload)
    return bytes((tag, size)) + payload if size < 0x80 else bytes((tag,)) + _varint_bytes(size) + payload


def encode_squares(
    lon: np.ndarray, lat: np.ndarray, counts: np.ndarray, tooltips: list[str], precision: int = PRECISION
) -> bytes:
    """Encode one-ring polygons with a ``count`` (int) and a ``tooltip`` (text) as a geobuf FeatureCollection.

    The bytes ``geobuf.encode`` writes for the same GeoJSON (tests compare them), with the
    coordinates quantised, delta-coded and varint-packed for all polygons at once.

    Parameters
    ----------
    lon, lat : arrays of shape (n, k)
        Closed rings (the last corner repeats the first), WGS84.
    counts : array of n non-negative int
    tooltips : list of n str
    precision : int, default 6
    """
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    n = len(lon)
    if lat.shape != lon.shape or len(counts) != n or len(tooltips) != n:
        raise ValueError("rings, counts and tooltips must have one entry per polygon")
    scale = 10**precision
    # geobuf drops a closed ring's last corner and stores the first absolutely, then differences.
    q = np.stack([np.round(lon[:, :-1] * scale), np.round(lat[:, :-1] * scale)], axis=2).astype(np.int64)
    deltas = np.diff(q, axis=1, prepend=np.zeros((n, 1, 2), dtype=np.int64)).reshape(n, -1)
    coords = _row_varints(_zigzag(deltas)) if n else []
    props = b"\x72\x04\x00\x00\x01\x01"  # Feature.properties: [key 0, value 0, key 1, value 1]
    features = []
    for packed, count, tip in zip(coords, np.asarray(counts).tolist(), tooltips, strict=True):
        geometry = b"\x08\x04" + _field(0x1A, packed)  # Geometry{type: POLYGON, coords}
        values = _field(0x6A, b"\x18" + _varint_bytes(int(count))) + _field(0x6A, _field(0x0A, tip.encode()))
        features.append(_field(0x0A, _field(0x0A, geometry) + values + props))
    keys = _field(0x0A, b"count") + _field(0x0A, b"tooltip")
    return keys + b"\x10\x02" + b"\x18" + _varint_bytes(precision) + _field(0x22, b"".join(features))


def grid_geobuf_b64(easting: np.ndarray, northing: np.ndarray, counts: np.ndarray, cell_m: float) -> str:
    """The map's grid-count layer as base64 geobuf: :func:`render.geojson.grid_geojson`, encoded directly."""
    from render.geojson import grid_rings, grid_tooltip

    if len(counts) == 0:
        return points_to_geobuf_b64(np.zeros(0), np.zeros(0))
    lon, lat = grid_rings(easting, northing, cell_m)
    tips = [grid_tooltip(c, cell_m) for c in np.asarray(counts).tolist()]
    return base64.b64encode(encode_squares(lon, lat, counts, tips)).decode("ascii")


def geojson_to_geobuf_b64(geojson: dict) -> str:
    """GeoJSON -> base64 geobuf for ``dl.GeoJSON(format="geobuf")``.

    A string prop is far cheaper for the Dash renderer than a large nested dict, which it walks
    on every update (hundreds of hotspot polygons stalled the browser for a minute).
    """
    import geobuf

    if not geojson.get("features"):
        # geobuf.encode writes no collection at all for zero features and the decoder then has no
        # ``features`` array; the point encoder writes an explicit empty collection.
        return points_to_geobuf_b64(np.zeros(0), np.zeros(0))
    return base64.b64encode(geobuf.encode(geojson, 6)).decode("ascii")
