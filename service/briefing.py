"""The printable one-page briefing of a deployment plan (``/briefing``, ``hotspots plan --briefing``).

The map is drawn on tiles from the configured tile server when it answers within a short time
(:data:`TILE_DEADLINE_S` for the whole map); tiles are kept in a folder on disk
(:func:`tile_cache_dir`), so a briefing printed again needs no server.  When the server cannot be
reached the briefing falls back to the offline map (the data's named streets and places), with no
error.  Tiles are Web Mercator; they are warped onto the briefing's British National Grid frame
pixel by pixel, so the streets sit under the sites where they are.
"""

from __future__ import annotations

import base64
import hashlib
import io
import math
import os
import re
import tempfile
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from pyproj import Transformer

from geo.briefing import briefing_html
from service.plan import PlanOptions, run_plan
from service.source import Source

#: Seconds one tile request may take, and the whole map's tiles together.
TILE_TIMEOUT_S = 2.0
TILE_DEADLINE_S = 4.0
#: Most tiles fetched for one map panel (the zoom is lowered until the panel needs no more).
MAX_TILES = 30
TILE_SIZE = 256
#: Share of white blended over the tiles so the plan's markers stay legible in print.
TILE_FADE = 0.3
#: Web Mercator metres per pixel at the equator at zoom 0.
_EQUATOR_M_PER_PX = 156_543.033_928

Backdrop = Callable[[Sequence[float], int, int], str | None]


@dataclass(frozen=True)
class Briefing:
    """A rendered briefing and the file name to save it under."""

    filename: str
    html: str


def tile_cache_dir() -> Path:
    """The folder tiles are kept in (``HOTSPOTS_TILE_CACHE``, else a folder in the system's temp dir)."""
    return Path(os.environ.get("HOTSPOTS_TILE_CACHE") or Path(tempfile.gettempdir()) / "csp-hotspots-tiles")


def _tile_path(cache: Path, url: str) -> Path:
    return cache / (hashlib.sha256(url.encode("utf-8")).hexdigest()[:32] + ".png")


def _fetch_tile(url: str, cache: Path) -> bytes:
    """One tile's bytes, from the cache folder or the server (raises OSError/ValueError on failure)."""
    path = _tile_path(cache, url)
    if path.exists():
        return path.read_bytes()
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"tile URL scheme not supported: {url}")
    request = urllib.request.Request(url, headers={"User-Agent": "csp-hotspots briefing"})
    with urllib.request.urlopen(request, timeout=TILE_TIMEOUT_S) as answer:  # noqa: S310 (http(s) only)
        data = answer.read(2_000_000)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return data


def _tile_range(lon: np.ndarray, lat: np.ndarray, zoom: int) -> tuple[int, int, int, int]:
    """Tile x and y ranges (inclusive) covering the points at ``zoom``."""
    n = 2**zoom
    xs = np.floor((lon + 180.0) / 360.0 * n)
    lat_r = np.radians(lat)
    ys = np.floor((1.0 - np.log(np.tan(lat_r) + 1.0 / np.cos(lat_r)) / math.pi) / 2.0 * n)
    return int(xs.min()), int(xs.max()), int(ys.min()), int(ys.max())


def _mercator_px(lon: np.ndarray, lat: np.ndarray, zoom: int) -> tuple[np.ndarray, np.ndarray]:
    """Global pixel coordinates of WGS84 points at ``zoom``."""
    scale = TILE_SIZE * 2**zoom
    lat_r = np.radians(lat)
    px = (lon + 180.0) / 360.0 * scale
    py = (1.0 - np.log(np.tan(lat_r) + 1.0 / np.cos(lat_r)) / math.pi) / 2.0 * scale
    return px, py


def _zoom_for(bounds: Sequence[float], width: int, lat: float) -> int:
    """The tile zoom whose pixels are about as fine as the panel's."""
    m_per_px = max((bounds[2] - bounds[0]) / max(width, 1), 0.1)
    return int(min(19, max(1, math.ceil(math.log2(_EQUATOR_M_PER_PX * math.cos(math.radians(lat)) / m_per_px)))))


def _mosaic(tile_url: str, zoom: int, xr: tuple[int, int], yr: tuple[int, int], cache: Path) -> np.ndarray | None:
    """The tiles of the ranges as one RGB array, or None when any tile could not be had in time."""
    from PIL import Image

    urls = {
        (x, y): tile_url.replace("{s}", "a").replace("{z}", str(zoom)).replace("{x}", str(x)).replace("{y}", str(y))
        for x in range(xr[0], xr[1] + 1)
        for y in range(yr[0], yr[1] + 1)
    }
    pool = ThreadPoolExecutor(max_workers=4)
    futures = {key: pool.submit(_fetch_tile, url, cache) for key, url in urls.items()}
    done, pending = wait(futures.values(), timeout=TILE_DEADLINE_S)
    pool.shutdown(wait=False, cancel_futures=True)
    if pending or any(f.exception() is not None for f in done):
        return None
    out = np.full(((yr[1] - yr[0] + 1) * TILE_SIZE, (xr[1] - xr[0] + 1) * TILE_SIZE, 3), 255, dtype=np.uint8)
    for (x, y), future in futures.items():
        try:
            tile = Image.open(io.BytesIO(future.result())).convert("RGB").resize((TILE_SIZE, TILE_SIZE))
        except OSError:  # not an image: treat the server as unusable
            return None
        oy, ox = (y - yr[0]) * TILE_SIZE, (x - xr[0]) * TILE_SIZE
        out[oy : oy + TILE_SIZE, ox : ox + TILE_SIZE] = np.asarray(tile)
    return out


def tile_backdrop(tile_url: str | None, cache: Path | None = None) -> Backdrop | None:
    """A function drawing the tiles under a BNG box as a PNG data URI, or None without a tile URL.

    The function returns None (the briefing then draws its offline map) when a tile cannot be
    fetched within :data:`TILE_TIMEOUT_S` or the map's tiles within :data:`TILE_DEADLINE_S`.
    """
    if not tile_url or not tile_url.startswith(("http://", "https://")):
        return None
    folder = cache or tile_cache_dir()
    to_wgs = Transformer.from_crs(27700, 4326, always_xy=True)

    def draw(bounds: Sequence[float], width: int, height: int) -> str | None:
        from PIL import Image

        minx, miny, maxx, maxy = (float(b) for b in bounds)
        ex = np.linspace(minx, maxx, 5)
        ey = np.linspace(miny, maxy, 5)
        gx, gy = np.meshgrid(ex, ey)
        lon, lat = to_wgs.transform(gx.ravel(), gy.ravel())
        zoom = _zoom_for(bounds, width, float(np.mean(lat)))
        x0, x1, y0, y1 = _tile_range(lon, lat, zoom)
        while zoom > 1 and (x1 - x0 + 1) * (y1 - y0 + 1) > MAX_TILES:
            zoom -= 1
            x0, x1, y0, y1 = _tile_range(lon, lat, zoom)
        mosaic = _mosaic(tile_url, zoom, (x0, x1), (y0, y1), folder)
        if mosaic is None:
            return None
        # Each output pixel's centre in BNG -> WGS84 -> the mosaic's pixel (nearest neighbour).
        cx = minx + (np.arange(width) + 0.5) * (maxx - minx) / width
        cy = maxy - (np.arange(height) + 0.5) * (maxy - miny) / height
        px, py = np.meshgrid(cx, cy)
        plon, plat = to_wgs.transform(px.ravel(), py.ravel())
        mx, my = _mercator_px(np.asarray(plon), np.asarray(plat), zoom)
        col = np.clip((mx - x0 * TILE_SIZE).astype(int), 0, mosaic.shape[1] - 1)
        row = np.clip((my - y0 * TILE_SIZE).astype(int), 0, mosaic.shape[0] - 1)
        warped = mosaic[row, col].reshape(height, width, 3).astype(float)
        faded = (warped * (1 - TILE_FADE) + 255 * TILE_FADE).astype(np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(faded).save(buffer, format="PNG", optimize=True)
        return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")

    return draw


def _plain(text: str | None) -> str:
    """An attribution without HTML tags or entities' markup (``&copy;`` -> ``©``)."""
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", text or "")).strip()


def run_briefing(
    source: Source,
    options: PlanOptions,
    generated: datetime | None = None,
    *,
    tile_url: str | None = None,
    tile_attribution: str | None = None,
    tile_cache: Path | None = None,
) -> Briefing:
    """The briefing of the plan ``options`` describe (not cached: it is stamped with the time).

    Parameters
    ----------
    source : Source
    options : PlanOptions
    generated : datetime, optional
        The time stamped on it (default now).
    tile_url : str, optional
        A ``{z}/{x}/{y}`` tile server; without one, or when it cannot be reached, the offline map.
    tile_attribution : str, optional
        Printed on the map when tiles are drawn (HTML tags removed).
    tile_cache : Path, optional
        Folder tiles are kept in (default :func:`tile_cache_dir`).

    Returns
    -------
    Briefing
    """
    run = run_plan(source, options)
    html = briefing_html(
        run.result,
        source.district(),
        selection_text=options.selection.describe(),
        generated=generated,
        synthetic=run.synthetic > 0,
        notes=run.notes,
        start=run.start,
        backdrop=tile_backdrop(tile_url, tile_cache),
        attribution=_plain(tile_attribution) or "Map tiles: the configured tile server",
    )
    return Briefing(f"{options.file_stem}-briefing.html", html)
