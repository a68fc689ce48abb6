"""`hotspots serve`: the production server `make run` uses (gunicorn), started as a user would."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HOTSPOTS = Path(sys.executable).with_name("hotspots")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_serve_runs_the_dashboard_and_api_under_gunicorn(tmp_path, demo_store):
    store = tmp_path / "served.duckdb"
    shutil.copy(demo_store.path, store)
    # login is on: a GIS user's API token, as QGIS would use it
    subprocess.run([str(HOTSPOTS), "user", "add", "gis", "--role", "officer", "--store", str(store)], check=True)
    made = subprocess.run(
        [str(HOTSPOTS), "token", "create", "gis", "--store", str(store)], check=True, capture_output=True
    )
    token = made.stdout.decode().splitlines()[1]
    port = _free_port()
    proc = subprocess.Popen(
        [str(HOTSPOTS), "serve", "--store", str(store), "--port", str(port), "--workers", "2", "--no-demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = _get(base + "/")
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "server did not answer within 60 s"
                time.sleep(0.3)
        assert status == 200 and b"Log in" in body
        status, body = _get(base + f"/api/incidents?crime=Robbery&from=01/04/2007&to=31/03/2008&token={token}")
        data = json.loads(body)
        assert status == 200 and data["type"] == "FeatureCollection" and len(data["features"]) > 0
        assert {f["properties"]["crime_type"] for f in data["features"]} == {"Robbery"}
        status, body = _get(base + f"/api/incidents?hours=25-99&token={token}")
        assert status == 400 and "error" in json.loads(body)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def test_serve_without_a_store_and_no_demo_is_a_clear_error(tmp_path):
    res = subprocess.run(
        [str(HOTSPOTS), "serve", "--store", str(tmp_path / "none.duckdb"), "--no-demo"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "none.duckdb" in res.stderr


def test_serve_on_a_postgresql_store_from_the_environment(pg_schemas, district, tmp_path):
    """``HOTSPOTS_STORE=postgresql://...``: no demo file is built, the API answers from the database."""
    from geo.store import Store
    from tests.conftest import POLICE_UK

    url = pg_schemas()
    june = POLICE_UK / "2017-06-hampshire-street-winchester.csv"
    Store.open(url, district=district, read_only=False).ingest([june])
    expected = len(Store.open(url, district=district).all())
    env = {**os.environ, "HOTSPOTS_STORE": url}
    # login is on: read the API with an officer's token, as a GIS tool would
    subprocess.run([str(HOTSPOTS), "user", "add", "gis", "--role", "officer"], check=True, env=env, cwd=tmp_path)
    made = subprocess.run(
        [str(HOTSPOTS), "token", "create", "gis"], check=True, capture_output=True, env=env, cwd=tmp_path
    )
    token = made.stdout.decode().splitlines()[1]
    port = _free_port()
    proc = subprocess.Popen(
        [str(HOTSPOTS), "serve", "--port", str(port), "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        cwd=tmp_path,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/api/incidents?token={token}")
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "server did not answer within 60 s"
                time.sleep(0.3)
        assert status == 200, body[:300]
        assert len(json.loads(body)["features"]) == expected
        assert not (tmp_path / "var").exists()  # no demo store file built for a URL
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        out = proc.communicate(timeout=20)[0]
    assert "postgresql://" in out and "building the demo store" not in out


def test_a_worker_warms_with_the_first_maps_layer_and_reads_no_rows(demo_store, monkeypatch, capsys):
    from geo.store import Store
    from hotspots_cli.cmd_serve import warm
    from service import cache
    from service.source import Source

    def no_rows(self, sel=None, columns=None, categorical=False):
        raise AssertionError("warming read incident rows")

    monkeypatch.setattr(Store, "query", no_rows)
    cache.clear()
    assert warm(Source.build(demo_store.path, demo_store.district.folder)) == demo_store.count()
    cache.clear()


def test_warming_an_unreadable_store_warns_and_carries_on(tmp_path, capsys):
    from hotspots_cli.cmd_serve import warm
    from service.source import Source

    assert warm(Source.build(tmp_path / "missing.duckdb")) is None
    assert "hotspots serve: warning: could not read the store yet (no store at" in capsys.readouterr().out


def test_the_workers_share_results_through_a_private_folder_removed_at_exit(monkeypatch):
    import stat

    from hotspots_cli.cmd_serve import SHARED_ENV, shared_results

    monkeypatch.delenv(SHARED_ENV, raising=False)
    with shared_results(64) as folder:
        st = os.lstat(folder)
        assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o700 and st.st_uid == os.geteuid()
        assert os.environ[SHARED_ENV] == folder and float(os.environ["HOTSPOTS_SHARED_CACHE_MB"]) == 64
        (Path(folder) / "x.pkl").write_bytes(b"x")
    assert not Path(folder).exists() and SHARED_ENV not in os.environ
    with shared_results(0) as folder:
        assert folder is None and SHARED_ENV not in os.environ


def test_serve_refuses_no_threads(tmp_path, demo_store):
    res = subprocess.run(
        [str(HOTSPOTS), "serve", "--store", str(demo_store.path), "--threads", "0", "--no-demo"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 2 and "--threads must be at least 1" in res.stderr
