"""The quarterly report as one A4 PDF page: page count and size, a real rendering, marking, escaping, statuses."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import numpy as np
import pytest
from PIL import Image

from geo.targets import PUBLISHED_TOTAL, TOTAL_CATEGORIES, target_table
from render.report_pdf import DEFAULT_MARKING, css_string, protective_marking
from service.assess import quarterly_report
from service.deployments import DeploymentInput, add_deployment
from service.source import Source

HOSTILE = "<script>alert('x')</script>"
POPPLER = shutil.which("pdfinfo") and shutil.which("pdftoppm")


@pytest.fixture(scope="module")
def report(demo_store, tmp_path_factory):
    """The 2007/08 Q3 report of a copy of the demo store with two deployments, district marked OFFICIAL-SENSITIVE."""
    tmp = tmp_path_factory.mktemp("report")
    shutil.copy(demo_store.path, tmp / "store.duckdb")
    folder = tmp / "district"
    shutil.copytree(demo_store.district.folder, folder)
    toml = folder / "district.toml"
    text = toml.read_text(encoding="utf-8")
    assert 'marking = "OFFICIAL-SENSITIVE"' in text  # the bundled district's own marking
    source = Source.build(tmp / "store.duckdb", folder)
    for cell, who in (("448200,129400,150", HOSTILE), ("448000,129700,200", "Sgt Jones")):
        params = {
            "kind": "patrol",
            "cell": cell,
            "from": "02/11/2007",
            "to": "29/12/2007",
            "days": "fri,sat",
            "hours": "20-04",
            "who": who,
            "notes": HOSTILE,
        }
        add_deployment(source, DeploymentInput.from_params(params))
    rep = quarterly_report(source, "2007/08 Q3", generated=date(2008, 1, 15))
    pdf = tmp / "report.pdf"
    pdf.write_bytes(rep.pdf)
    return rep, pdf


@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdfinfo, pdftoppm) is not installed")
def test_the_report_is_exactly_one_a4_page_and_renders(report, tmp_path):
    rep, pdf = report
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M)
    assert re.search(r"^Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info, re.M)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    img = np.asarray(Image.open(tmp_path / "page.png").convert("RGB")).astype(int)
    assert img.shape[0] > img.shape[1] * 1.35  # portrait
    ink = (img.sum(axis=2) < 600).mean()
    assert 0.04 < ink < 0.6  # text, tables and charts, not a blank or a black page
    blue = (abs(img[..., 0] - 0) < 40) & (abs(img[..., 1] - 114) < 40) & (abs(img[..., 2] - 178) < 40)
    assert blue.sum() > 500  # the chart bars were drawn


def test_the_report_carries_marking_commentary_and_the_quarters_assessments(report):
    rep, _ = report
    html = rep.html
    assert rep.marking == "OFFICIAL-SENSITIVE" and html.count("OFFICIAL-SENSITIVE") >= 2
    assert len(rep.assessments) == 2 and "Deployment 1" in html and "Deployment 2" in html
    assert "Before" in html and "Buffer ring (200 m)" in html and "Control: " in html and "WDQ" in html
    assert "Of 8 categories in 2007/08" in html and "2 deployments ran this quarter" in html
    assert html.count("<svg") == 8  # one chart per category


def test_every_data_string_is_escaped(report):
    html = report[0].html
    assert HOSTILE not in html and "<script" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<link" not in html and " src=" not in html and " href=" not in html
    css = css_string('x"; } </style><script>')
    assert css.count('"') == 2 and "<" not in css and "}" not in css


def test_no_status_says_met_before_the_target_year_ends(report, demo_incidents, district):
    html = report[0].html
    statuses = set(re.findall(r'<span class="status"[^>]*>([^<]+)</span>', html))
    assert "met" not in statuses and "on track to meet" in statuses
    done = target_table(demo_incidents, district.targets, as_of=date(2008, 3, 31))
    rows = done.table[~done.table["category"].isin([TOTAL_CATEGORIES, PUBLISHED_TOTAL])]
    assert done.months_elapsed == 12 and set(rows["status"]) <= {"met", "missed"}
    assert set(rows["status"]) == {"met", "missed"}


def test_marking_defaults_to_official(district, tmp_path):
    folder = tmp_path / "district"
    shutil.copytree(district.folder, folder)
    toml = folder / "district.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('marking = "OFFICIAL-SENSITIVE"', ""), encoding="utf-8")
    assert protective_marking(district.folder) == "OFFICIAL-SENSITIVE"
    assert protective_marking(folder) == DEFAULT_MARKING == "OFFICIAL"
