"""The policy table covers the app: every callback output and every route has a rule."""

from __future__ import annotations

import json

from dashboard.security import policy


def _output_ids(key: str) -> list:
    parts = key.strip(".").split("...") if key.startswith("..") else [key]
    ids = []
    for part in parts:
        cid = part.split("@")[0].rsplit(".", 1)[0]
        ids.append(json.loads(cid) if cid.startswith("{") else cid)
    return ids


def test_every_callback_output_is_in_the_policy(secure_app, anon):
    anon.get("/login")  # Dash adds the Pages router's callbacks at the first request
    unlisted = sorted(
        {
            policy.output_key(cid)
            for key in secure_app.callback_map
            for cid in _output_ids(key)
            if policy.output_key(cid) not in policy.CALLBACK_OUTPUTS and cid != policy.PAGES_CONTENT
        }
    )
    # An unlisted output is analyst-only (deny by default): list it in dashboard/security/policy.py.
    assert unlisted == []


def test_every_flask_route_is_in_the_policy(secure_app):
    unlisted = []
    for rule in secure_app.server.url_map.iter_rules():
        path = rule.rule
        if path == "/api/" or path.split("<")[0] in ("/", "/api/", "/assets/", "/static/", "/_dash-component-suites/"):
            continue  # Dash's page catch-all, the API's 404 answers, static files
        if policy.is_open(path) or policy.route_rule(path) or policy.page_rule(path):
            continue
        unlisted.append(path)
    assert unlisted == []


def test_every_page_is_in_the_policy():
    import dash

    paths = {page["path"] for page in dash.page_registry.values()}
    assert paths <= set(policy.PAGES)


def test_roles_are_ordered_by_trust():
    caps = policy.ROLE_CAPABILITIES
    assert caps["public"] < caps["partnership"] < caps["officer"] < caps["analyst"]
    assert "points" not in caps["partnership"]
    assert "upload" not in caps["officer"]


def test_unlisted_things_need_admin():
    assert policy.output_rule("a-new-output").capability == "admin"
    assert policy.route_rule("/api/new-thing") is None
    assert not policy.allowed("officer", policy.output_rule("a-new-output"))
