"""The briefing's map tiles: fetched from a local tile server, cached, and the offline map when unreachable."""

from __future__ import annotations

import base64
import io
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from PIL import Image

from service.briefing import TILE_FADE, run_briefing, tile_backdrop
from service.plan import PlanOptions
from service.source import Source

#: A colour no part of the offline map uses: the tiles' pixels are found by it.
TILE_RGB = (200, 0, 120)
WEEKENDS = {"from": "2007-06-01", "to": "2007-08-31", "days": "fri,sat", "hours": "20-04", "k": "3"}


def _png(rgb: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), rgb).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture()
def tile_server():
    """A tile server on localhost answering every ``/{z}/{x}/{y}.png`` with one flat PNG; counts requests."""
    body = _png(TILE_RGB)
    paths: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            paths.append(self.path)
            if not re.fullmatch(r"/\d+/\d+/\d+\.png", self.path):
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/{{z}}/{{x}}/{{y}}.png", paths
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def source(demo_store):
    return Source.build(demo_store.path, demo_store.district.folder)


def _embedded(html: str) -> list[np.ndarray]:
    """The tile images embedded in the briefing's maps, decoded."""
    uris = re.findall(r'<image class="tiles" href="data:image/png;base64,([^"]+)"', html)
    return [np.asarray(Image.open(io.BytesIO(base64.b64decode(u))).convert("RGB")) for u in uris]


def test_the_briefing_draws_tiles_from_a_reachable_server_and_caches_them(source, tile_server, tmp_path):
    url, paths = tile_server
    options = PlanOptions.from_params(WEEKENDS)
    page = run_briefing(source, options, tile_url=url, tile_attribution="&copy; Test tiles", tile_cache=tmp_path)
    images = _embedded(page.html)
    assert images, "no tile image in the briefing"
    faded = np.round(np.array(TILE_RGB) * (1 - TILE_FADE) + 255 * TILE_FADE)
    for img in images:
        # every pixel of the warped mosaic is the server's tile colour (faded for print)
        assert np.abs(img.reshape(-1, 3) - faded).max() <= 1
    assert "© Test tiles" in page.html and "without map tiles" not in page.html
    fetched = len(paths)
    assert fetched >= 1 and all(re.fullmatch(r"/1[0-9]/\d+/\d+\.png", p) for p in paths)
    # printed again: every tile comes from the cache folder, none from the server
    again = run_briefing(source, options, tile_url=url, tile_cache=tmp_path)
    assert len(paths) == fetched and _embedded(again.html)


def test_an_unreachable_tile_server_gives_the_offline_map_without_error(source, tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/{{z}}/{{x}}/{{y}}.png"
    page = run_briefing(source, PlanOptions.from_params(WEEKENDS), tile_url=url, tile_cache=tmp_path)
    assert _embedded(page.html) == []
    assert 'class="place"' in page.html  # the data's named streets still label the map
    assert "without map tiles" in page.html
    assert list(tmp_path.iterdir()) == []  # nothing cached from a failed fetch


def test_a_server_answering_with_something_other_than_an_image_is_not_drawn(tmp_path):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<html>not a tile</html>")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        draw = tile_backdrop(f"http://127.0.0.1:{server.server_port}/{{z}}/{{x}}/{{y}}.png", tmp_path)
        assert draw is not None
        assert draw((448000.0, 129000.0, 449000.0, 130000.0), 200, 200) is None
    finally:
        server.shutdown()
        server.server_close()


def test_no_tile_url_or_a_non_http_one_means_the_offline_map():
    assert tile_backdrop(None) is None
    assert tile_backdrop("file:///etc/{z}/{x}/{y}.png") is None
