"""Refresh the README's screenshots: every dashboard page over the demo store, in headless Chromium.

Builds the demo store (the one ``make run`` serves) in a temporary folder, or uses ``--store``, serves the
real app on a free local port with the login switched off (a throwaway local server, no data leaves the
machine), and writes ``docs/screenshots/<page>.png`` at 1400x900.  Map tiles point at a host that never
resolves, so the pictures show what an offline installation shows.  Uses the system's Chromium
(``/usr/bin/chromium``); never ``playwright install``.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--store var/hotspots.duckdb]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from dashboard.local_server import CHROMIUM_ARGS, CHROMIUM_PATH

ROOT = Path(__file__).resolve().parents[1]
DISTRICT = ROOT / "data" / "winchester"
WIDTH, HEIGHT = 1400, 900
TIMEOUT = 120_000
WEEKENDS = "from=2007-06-01&to=2007-08-31&days=fri,sat&hours=20-04"
#: A plan on July to September 2007 is for the week from 01/10/2007: recorded, it is in the report's quarter.
SUMMER = "from=2007-07-01&to=2007-09-30&days=fri,sat&hours=20-04"
REPORT_QUARTER = "2007/08%20Q3"


@contextmanager
def serve(store: Path) -> Iterator[str]:
    """The dashboard over ``store`` on a free local port, login off; yields its base URL."""
    sys.path.insert(0, str(ROOT))
    from dashboard.app import create_app
    from dashboard.local_server import serve_in_thread
    from dashboard.security import SecurityConfig

    app = create_app(
        store,
        str(DISTRICT),
        tile_url="https://tiles.invalid/{z}/{x}/{y}.png",
        security=SecurityConfig(disabled_for_tests=True),
    )
    with serve_in_thread(app) as url:
        yield url


def settle(page: Page) -> None:
    """Wait until Dash has no callback running and Leaflet has drawn."""
    page.wait_for_load_state("networkidle", timeout=TIMEOUT)
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=TIMEOUT)
    page.wait_for_timeout(800)


def shot_map(page: Page, base: str) -> None:
    page.goto(base + "/")
    expect(page.locator("#map-count")).to_contain_text("selected", timeout=TIMEOUT)
    expect(page.locator("#map .hs-rank").first).to_be_attached(timeout=TIMEOUT)
    expect(page.locator("#map-pai")).to_contain_text("PAI", timeout=TIMEOUT)


def shot_map_details(page: Page, base: str) -> None:
    page.goto(base + "/?top=5")
    expect(page.locator('#map .hs-rank[data-ranks~="1"]')).to_be_attached(timeout=TIMEOUT)
    page.locator('#map .hs-rank[data-ranks~="1"]').click()
    expect(page.locator("#map-details-pai")).to_contain_text("PAI", timeout=TIMEOUT)


def shot_map_repeats(page: Page, base: str) -> None:
    page.goto(base + "/?from=2017-01-01&to=2017-12-31")
    expect(page.locator("#map-count")).to_contain_text("selected", timeout=TIMEOUT)
    page.locator("#map .leaflet-control-layers-toggle").focus()
    page.keyboard.press("Enter")
    control = page.locator("#map .leaflet-control-layers")
    for name in ("Repeat locations (top 200)", "Near-repeat risk zones"):
        control.get_by_label(name).focus()  # Space, as a keyboard user would (a click toggles twice here)
        page.keyboard.press("Space")
    expect(page.locator("#map-risk-note")).to_contain_text("Risk zones", timeout=TIMEOUT)
    expect(page.locator("#map-repeats-note")).to_contain_text("Repeat locations", timeout=TIMEOUT)


def shot_deployment(page: Page, base: str) -> None:
    page.goto(f"{base}/deployment?{WEEKENDS}&k=3")
    expect(page.locator("#dep-plan-table tbody tr")).to_have_count(3, timeout=TIMEOUT)


def shot_briefing(page: Page, base: str) -> None:
    page.goto(f"{base}/briefing?{WEEKENDS}&k=3")
    expect(page.locator("#plan-table")).to_be_visible(timeout=TIMEOUT)


def shot_assess(page: Page, base: str) -> None:
    page.goto(f"{base}/deployment?{SUMMER}&k=3")
    expect(page.locator("#dep-plan-table tbody tr")).to_have_count(3, timeout=TIMEOUT)
    page.locator("#dep-record-who").fill("CCTV manager")
    page.locator("#dep-record").click()
    page.locator("#dep-record-link").click(timeout=TIMEOUT)
    expect(page.locator("#as-table")).to_be_visible(timeout=TIMEOUT)


def shot_page(path: str, ready: str) -> Callable[[Page, str], None]:
    def go(page: Page, base: str) -> None:
        page.goto(base + path)
        expect(page.locator(ready).first).to_be_visible(timeout=TIMEOUT)

    return go


def shot_upload(page: Page, base: str) -> None:
    src = DISTRICT / "police-uk" / "2017-02-hampshire-street-winchester.csv"
    lines = src.read_text(encoding="utf-8").splitlines()
    rows = lines[1:21]
    cols = rows[5].split(",")
    cols[4], cols[5] = "2.5", "48.9"  # a point in France: one rejected row to show
    rows[5] = ",".join(cols)
    folder = Path(tempfile.mkdtemp())
    upload = folder / "2099-01-hampshire-street-winchester.csv"
    upload.write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    page.goto(base + "/data")
    page.locator("#data-upload input[type=file]").set_input_files(str(upload))
    expect(page.locator("#data-report-counts")).to_contain_text("Rejected: 1", timeout=TIMEOUT)
    page.locator("#data-report-counts").scroll_into_view_if_needed()  # the report, not the holdings above it
    shutil.rmtree(folder)


SHOTS: list[tuple[str, Callable[[Page, str], None]]] = [
    ("map", shot_map),
    ("map-hotspot-details", shot_map_details),
    ("map-repeats", shot_map_repeats),
    ("deployment", shot_deployment),
    ("briefing", shot_briefing),
    ("nte", shot_page("/nte", "#nte-heatmap .main-svg")),
    ("sectors", shot_page("/sectors", "#sec-map path.leaflet-interactive")),
    ("repeats", shot_page("/repeats?from=2017-01-01&to=2017-09-30&crime=Burglary", "#nr-knox-table")),
    ("assess", shot_assess),
    ("data", shot_page("/data", "#data-holdings")),
    ("data-upload-report", shot_upload),
]


def report_png(base: str, out: Path) -> None:
    """The quarterly report PDF's page as ``report.png`` (poppler's pdftoppm), when pdftoppm is installed.

    The quarter of the deployment the Assessment screenshot records, so the report shows its assessment.
    """
    import urllib.request

    if not shutil.which("pdftoppm"):
        print("report: pdftoppm not installed, skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "report.pdf"
        with urllib.request.urlopen(f"{base}/report.pdf?quarter={REPORT_QUARTER}", timeout=120) as answer:  # noqa: S310 (local server)
            pdf.write_bytes(answer.read())
        subprocess.run(["pdftoppm", "-png", "-r", "100", "-singlefile", str(pdf), str(out / "report")], check=True)
    print(f"report: {out / 'report.png'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--store", type=Path, help="a store to copy and serve (default: build the demo store)")
    parser.add_argument("--only", nargs="*", help="names of the screenshots to take (default: all)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "demo.duckdb"
        if args.store:
            shutil.copy(args.store, store)
        else:
            sys.path.insert(0, str(ROOT))
            from geo.config import load_district
            from geo.demo_store import build_demo_store

            build_demo_store(store, load_district(DISTRICT))
        with serve(store) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM_PATH, args=list(CHROMIUM_ARGS))
            context = browser.new_context(
                viewport={"width": WIDTH, "height": HEIGHT}, locale="en-GB", timezone_id="Europe/London"
            )
            for name, take in SHOTS:
                if args.only and name not in args.only:
                    continue
                page = context.new_page()
                take(page, base)
                settle(page)
                page.screenshot(path=str(args.out / f"{name}.png"))
                page.close()
                print(f"{name}: {args.out / f'{name}.png'}")
            browser.close()
            if not args.only or "report" in args.only:
                report_png(base, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
