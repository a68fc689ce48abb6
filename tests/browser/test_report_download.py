"""The Sectors page downloads the one-page quarterly report as a PDF."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from playwright.sync_api import expect

TIMEOUT = 60_000  # a bound on waiting, not a speed test: CI machines are shared


def test_quarterly_report_pdf_download(page, live_server, console_errors):
    page.goto(live_server + "/sectors?quarter=2007-08-Q3")
    expect(page.locator("#tg-table")).to_contain_text("Published total", timeout=TIMEOUT)
    with page.expect_download(timeout=TIMEOUT) as dl:
        page.get_by_role("button", name="Download quarterly report (PDF)").click()
    assert dl.value.suggested_filename.endswith(".pdf")
    body = Path(dl.value.path()).read_bytes()
    assert body.startswith(b"%PDF-")
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", dl.value.path()], capture_output=True, text=True, check=True).stdout
        assert "Pages:           1" in info
    assert console_errors == []
