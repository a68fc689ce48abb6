"""Record the Deployment page's plan in the deployment log, then follow the link to its assessment."""

from __future__ import annotations

from playwright.sync_api import expect

TIMEOUT = 60_000  # a bound on waiting, not a speed test: CI machines are shared
WEEKENDS = "from=2007-06-01&to=2007-08-31&days=fri,sat&hours=20-04"


def test_record_the_plan_and_see_its_assessment(page, live_server, console_errors):
    page.goto(f"{live_server}/deployment?{WEEKENDS}&k=3")
    expect(page.locator("#dep-plan-table tbody tr")).to_have_count(3, timeout=TIMEOUT)
    page.locator("#dep-record-who").fill("PC Jones")
    page.locator("#dep-record").click()
    link = page.locator("#dep-record-msg a")
    expect(link).to_contain_text("see its assessment", timeout=TIMEOUT)
    text = link.inner_text()
    number = text.removeprefix("Recorded deployment ").split(":")[0]
    assert number.isdigit(), text
    assert link.get_attribute("href") == f"/assess?deployment={number}"
    link.click()
    page.wait_for_url(f"**/assess?deployment={number}", timeout=TIMEOUT)
    deployment = page.locator("#as-deployment")
    expect(deployment).to_contain_text("PC Jones", timeout=TIMEOUT)
    expect(deployment).to_contain_text("3 van sites of 100 m from the plan")
    expect(page.locator("#as-sentence")).not_to_be_empty(timeout=TIMEOUT)
    assert console_errors == []


def test_recording_without_a_name_says_why(page, live_server, console_errors):
    page.goto(f"{live_server}/deployment?{WEEKENDS}&k=3")
    expect(page.locator("#dep-plan-table tbody tr")).to_have_count(3, timeout=TIMEOUT)
    page.locator("#dep-record").click()
    expect(page.locator("#dep-record-msg .text-danger")).not_to_be_empty(timeout=TIMEOUT)
    assert console_errors == []
