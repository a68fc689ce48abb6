"""The bench analyst: the browser and API rows measure a logged-in user, as the server has it."""

from __future__ import annotations

from pathlib import Path

#: The analyst account the browser and API rows log in with (created or reset on each run).
BENCH_USER = "bench"


def bench_credentials(store: Path) -> tuple[str, str]:
    """(password, API token) of the bench analyst on ``store``, set afresh: the rows measure a logged-in user."""
    from geo import accounts
    from geo.config import DEFAULT_DISTRICT, load_district
    from geo.store import Store

    st = Store.open(store, district=load_district(DEFAULT_DISTRICT), read_only=False)
    if accounts.get_user(st, BENCH_USER) is None:
        password = accounts.add_user(st, BENCH_USER, "analyst")
    else:
        password = accounts.set_password(st, BENCH_USER)
    return password, accounts.create_token(st, BENCH_USER, label="bench")


def log_in(page, base: str, password: str) -> None:  # noqa: ANN001 - a Playwright page
    """Log the bench analyst in through the login form (not timed)."""
    page.goto(base + "/login")
    page.fill("#username", BENCH_USER)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
