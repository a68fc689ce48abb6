"""Fixtures of the security tests: a store copy with one account and token per role, the secured app,
a logged-in test client per role, a live server and Debian's Chromium (launch args as in tests/browser).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from dashboard.app import create_app
from dashboard.local_server import serve_in_thread
from dashboard.security import SecurityConfig
from geo import accounts
from geo.store import Store

ROLES = ("analyst", "officer", "partnership")
#: A month of the real data.police.uk files: small answers, quick hotspots.
MONTH = "from=2017-02-01&to=2017-02-28"
TILE_HOST = "tiles.invalid"
#: Upload limit of the test app (MB): small, so that the limit can be exceeded cheaply.
TEST_UPLOAD_MB = 1.0


def password_of(role: str) -> str:
    return f"{role}-password-1"


@pytest.fixture(scope="session")
def secure_store_path(demo_store, tmp_path_factory):
    """A copy of the demo store with accounts ``<role>1`` for each role."""
    path = tmp_path_factory.mktemp("secure") / "secure.duckdb"
    shutil.copy(demo_store.path, path)
    store = Store.open(path, district=demo_store.district, read_only=False)
    for role in ROLES:
        accounts.add_user(store, f"{role}1", role, password_of(role))
    return path


@pytest.fixture(scope="session")
def secure_store(secure_store_path, demo_store):
    return Store.open(secure_store_path, district=demo_store.district, read_only=False)


@pytest.fixture(scope="session")
def tokens(secure_store):
    """An API token per role."""
    return {role: accounts.create_token(secure_store, f"{role}1", "tests") for role in ROLES}


@pytest.fixture(scope="session")
def secure_app(secure_store_path, demo_store):
    """The real dashboard with the security layer on (its defaults, a 1 MB upload limit)."""
    config = SecurityConfig(max_upload_mb=TEST_UPLOAD_MB)
    return create_app(
        secure_store_path,
        demo_store.district.folder,
        tile_url=f"https://{TILE_HOST}/{{z}}/{{x}}/{{y}}.png",
        security=config,
    )


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def log_in(client, username: str, password: str, address: str = "127.0.0.1"):
    """Log ``client`` in through the login form; returns the POST's response."""
    env = {"REMOTE_ADDR": address}
    page = client.get("/login", environ_base=env)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_from(page.text), "next": "/"},
        environ_base=env,
    )


def csrf_header(client) -> dict:
    """The CSRF header a logged-in page would send (from the cookie the server sets on pages)."""
    client.get("/")
    return {"X-CSRFToken": client.get_cookie("hotspots_csrf").value}


@pytest.fixture()
def anon(secure_app):
    return secure_app.server.test_client()


@pytest.fixture()
def logged_in(secure_app):
    """``logged_in(role)`` -> a test client logged in as that role's account."""

    def make(role: str):
        client = secure_app.server.test_client()
        resp = log_in(client, f"{role}1", password_of(role))
        assert resp.status_code == 302, resp.text
        return client

    return make


@pytest.fixture(scope="session")
def live_url(secure_app):
    """Base URL of the secured dashboard served in a thread on a free port."""
    with serve_in_thread(secure_app) as url:
        yield url


def callback_body(app, first_output: str, values: dict | None = None) -> dict:
    """The JSON a browser posts to run the callback whose first output is ``first_output`` ("id.prop").

    ``values`` maps "id.prop" of inputs/states to their values (others are ``None``).
    """
    values = values or {}
    for key, spec in app.callback_map.items():
        outputs = key.strip(".").split("...") if key.startswith("..") else [key]
        if outputs[0].split("@")[0] != first_output:
            continue
        outs = []
        for out in outputs:
            cid, prop = out.rsplit(".", 1)
            outs.append({"id": cid, "property": prop})

        def items(kind, spec=spec):
            return [
                {"id": i["id"], "property": i["property"], "value": values.get(f"{i['id']}.{i['property']}")}
                for i in spec.get(kind, [])
            ]

        return {
            "output": key,
            "outputs": outs if key.startswith("..") else outs[0],
            "inputs": items("inputs"),
            "state": items("state"),
            "changedPropIds": [f"{i['id']}.{i['property']}" for i in spec.get("inputs", [])[:1]],
        }
    raise KeyError(f"no callback has the first output {first_output}")


# --- A store with hostile and sensitive rows, added through the real ingest -------------------------

ROOT = Path(__file__).resolve().parents[2]
WINCHESTER = ROOT / "data" / "winchester"
#: Month of the planted rows: synthetic demo data where one ward (Upper Meon Valley) has 4 incidents.
PLANTED_MONTH = "2008-03"
#: Text that runs a script if any output places it in HTML unescaped (the browser test looks for it).
HOSTILE = '<img src=x onerror="window.__xss=1">'
#: A spreadsheet formula as location text.
FORMULA = '=HYPERLINK("http://evil.invalid","x")'
#: The location of the planted sexual offences: no public output may name it.
SECRET = "On or near Secret Close"
HOSTILE_CODE = "ZZZ-HST"
HOSTILE_HO = "<b onmouseover=alert(3)>Hostile category</b>"
HOSTILE_PREMISES = HOSTILE + " Tavern"
#: The upload's file name is shown on the Data page and kept as the rows' source.
HOSTILE_FILE = "planted <img src=x onerror=alert(4)>.csv"
#: Ward -> (easting, northing) of a point inside it (representative points of the bundled wards).
WARD_POINTS = {"St Bartholomew": (448411, 130336), "Sparsholt": (442960, 133030), "St Michael": (448090, 128372)}
#: Planted rows per ward: (how many, force code, location text, the extract's ``Domestic`` flag).  The
#: sensitive ones (VIO-SEX, the district's sensitive code, or flagged domestic abuse) sit at SECRET.
PLANTED = {
    "St Bartholomew": [(40, "PUB-ORD", HOSTILE, "N"), (9, "VIO-SEX", SECRET, ""), (3, "THF-OTH", SECRET, "yes")],
    "Sparsholt": [(6, "VIO-SEX", SECRET, "0"), (8, "PUB-ORD", SECRET, "1")],
    "St Michael": [(30, "PUB-ORD", FORMULA, ""), (15, HOSTILE_CODE, HOSTILE, "false")],
}
#: Friday and Saturday nights of March 2008.
NIGHTS = ("07/03/2008", "08/03/2008", "14/03/2008", "15/03/2008", "21/03/2008", "22/03/2008", "28/03/2008")


def planted_csv(path: Path) -> Path:
    """A force extract (the district's column names) of the planted rows, within 20 m of each point."""
    import csv

    rows = []
    for ward, groups in PLANTED.items():
        x0, y0 = WARD_POINTS[ward]
        for count, code, location, domestic in groups:
            for i in range(count):
                day = NIGHTS[i % len(NIGHTS)]
                urn = f"PLANT-{ward[:4].upper()}-{code}-{domestic or 'blank'}-{i:03d}"
                x, y = x0 + (i % 5) * 4, y0 + (i // 5) * 4
                rows.append([urn, code, day, "23:30", "", "", x, y, location, domestic])
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["URN", "HO_CODE", "DATE_FROM", "TIME_FROM", "DATE_TO", "TIME_TO", "EASTING", "NORTHING", "STREET"]
            + ["Domestic"]  # the district's flag column `domestic`, as a force might capitalise it
        )
        writer.writerows(rows)
    return path


@pytest.fixture(scope="session")
def planted_district(tmp_path_factory):
    """A copy of the bundled district whose config names sexual offences and a hostile code and premises.

    Its crime-code table gives the force code VIO-SEX the Home Office category "Sexual offences" (the
    bundled table leaves it blank), and adds a code whose Home Office category is markup (crime types
    are the closed list of data.police.uk categories: the config refuses any other) and is a target.
    """
    import csv
    import json

    from geo.config import load_district

    folder = tmp_path_factory.mktemp("planted-district") / "winchester"
    shutil.copytree(WINCHESTER, folder, ignore=shutil.ignore_patterns("police-uk", "demo"))
    codes = list(csv.reader((folder / "crime_codes.csv").open(encoding="utf-8")))
    for row in codes:
        if row and row[0] == "VIO-SEX":
            row[3] = "Sexual offences"
    codes.append([HOSTILE_CODE, "Hostile", "Other crime", HOSTILE_HO])
    with (folder / "crime_codes.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(codes)
    # ... and makes that category a target, so that the quarterly report shows it
    toml = (folder / "district.toml").read_text(encoding="utf-8")
    toml = toml.replace("[targets.baseline]\n", f'[targets.baseline]\n"{HOSTILE_HO}" = 20\n', 1)
    (folder / "district.toml").write_text(toml, encoding="utf-8")
    premises = json.loads((folder / "premises.geojson").read_text(encoding="utf-8"))
    premises["features"][0]["properties"]["name"] = HOSTILE_PREMISES
    (folder / "premises.geojson").write_text(json.dumps(premises), encoding="utf-8")
    return load_district(folder)


@pytest.fixture(scope="session")
def planted_store_factory(demo_store, planted_district, tmp_path_factory):
    """``make(name)`` -> a new copy of the demo store plus the planted rows, ingested from HOSTILE_FILE."""
    source = planted_csv(tmp_path_factory.mktemp("planted-file") / HOSTILE_FILE)
    expected = sum(n for groups in PLANTED.values() for n, *_ in groups)

    def make(name: str) -> Path:
        path = tmp_path_factory.mktemp(name) / f"{name}.duckdb"
        shutil.copy(demo_store.path, path)
        store = Store.open(path, district=planted_district, read_only=False)
        report = store.ingest([source])
        assert report.stored == expected, report.summary_line()
        for role in ROLES:
            accounts.add_user(store, f"{role}1", role, password_of(role))
        return path

    return make


@pytest.fixture(scope="session")
def public_app(planted_store_factory, planted_district):
    """The secured dashboard with public access on, over the planted store."""
    return create_app(
        planted_store_factory("public"),
        planted_district.folder,
        tile_url=f"https://{TILE_HOST}/{{z}}/{{x}}/{{y}}.png",
        security=SecurityConfig(public=True),
    )


@pytest.fixture(scope="session")
def public_url(public_app):
    """Base URL of the public-access dashboard served in a thread."""
    with serve_in_thread(public_app) as url:
        yield url
