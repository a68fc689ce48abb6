"""/report.pdf: the one-page quarterly report as a PDF, from the same service call as the Sectors page."""

from __future__ import annotations

import shutil
import subprocess

import pytest


def _pages(pdf: bytes, tmp_path) -> int:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])


def test_report_pdf_is_one_page(client, tmp_path):
    resp = client.get("/report.pdf?quarter=2007/08 Q3")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "application/pdf"
    body = resp.get_data()
    assert body.startswith(b"%PDF-")
    assert "2007" in resp.headers["Content-Disposition"] and ".pdf" in resp.headers["Content-Disposition"]
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo (poppler) not installed: page count not checked")
    assert _pages(body, tmp_path) == 1


def test_report_pdf_bad_quarter_is_a_400_page(client):
    resp = client.get("/report.pdf?quarter=2007/09 Q3")
    assert resp.status_code == 400 and resp.mimetype == "text/html"
    assert "not a financial year" in resp.get_data(as_text=True)
    assert client.get("/report.pdf?q=1").status_code == 400
