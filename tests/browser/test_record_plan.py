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
    # The plan is for the week after its data (June to August 2007), not for today.
    expect(page.locator("#dep-record-msg")).to_contain_text("for 01/09/2007–07/09/2007")
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
    # before, during and after on the demo store: the periods around the plan's week, with incidents
    head = page.locator("#as-table thead")
    expect(head).to_contain_text("During")
    expect(head).to_contain_text("01/09/2007–07/09/2007")
    target = page.locator("#as-table tbody tr").nth(0)
    expect(target).to_contain_text("Target area")
    before, during, after = (int(c.replace(",", "")) for c in target.locator("td").all_inner_texts()[0:3])
    assert before + during + after > 0 and before > 0
    assert console_errors == []


def test_recording_without_a_name_says_why(page, live_server, console_errors):
    page.goto(f"{live_server}/deployment?{WEEKENDS}&k=3")
    expect(page.locator("#dep-plan-table tbody tr")).to_have_count(3, timeout=TIMEOUT)
    page.locator("#dep-record").click()
    expect(page.locator("#dep-record-msg .text-danger")).not_to_be_empty(timeout=TIMEOUT)
    assert console_errors == []
