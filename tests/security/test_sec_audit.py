"""Audit rows for each audited action, the admin page and ``hotspots audit``."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from geo import audit
from hotspots_cli.main import main
from tests.conftest import POLICE_UK
from tests.security.conftest import MONTH, callback_body, csrf_header, log_in


def _since(store, start, **where):
    return audit.read(store, start, None, **where)


def _start():
    return datetime.now(UTC)


def test_login_and_failed_login_are_audited(secure_app, secure_store):
    start = _start()
    client = secure_app.server.test_client()
    assert log_in(client, "officer1", "not-the-password", "10.2.0.1").status_code == 401
    from tests.security.conftest import password_of

    assert log_in(client, "officer1", password_of("officer"), "10.2.0.1").status_code == 302
    rows = _since(secure_store, start, username="officer1")
    assert [(r["action"], r["address"]) for r in rows] == [("login_failed", "10.2.0.1"), ("login", "10.2.0.1")]
    assert rows[1]["role"] == "officer"


def test_api_point_read_is_audited_with_its_row_count(anon, tokens, secure_store):
    start = _start()
    resp = anon.get(f"/api/incidents?{MONTH}&crime=Burglary", headers={"Authorization": f"Bearer {tokens['officer']}"})
    n = len(resp.get_json()["features"])
    assert n > 0
    rows = _since(secure_store, start, action="read_points")
    assert len(rows) == 1
    row = rows[0]
    assert (row["username"], row["role"], row["rows"], row["status"]) == ("officer1", "officer", n, 200)
    assert row["route"] == f"/api/incidents?{MONTH}&crime=Burglary"
    # an aggregate read is not a point read
    anon.get(f"/api/hotspots?{MONTH}", headers={"Authorization": f"Bearer {tokens['officer']}"})
    assert len(_since(secure_store, start, action="read_points")) == 1


def test_token_is_never_written_to_the_audit(anon, tokens, secure_store):
    start = _start()
    anon.get(f"/api/incidents?{MONTH}&limit=3&token={tokens['analyst']}")
    (row,) = _since(secure_store, start, action="read_points")
    assert "token" not in row["route"]
    assert row["rows"] == 3


def test_map_incident_layer_and_export_callbacks_are_audited(secure_app, logged_in, secure_store):
    client = logged_in("officer")
    headers = csrf_header(client)
    start = _start()
    sel = {"from": "2017-02-01", "to": "2017-02-28"}
    body = callback_body(secure_app, "map-incidents.data", {"selection.data": sel})
    assert client.post("/_dash-update-component", json=body, headers=headers).status_code == 200
    dl = callback_body(
        secure_app, "map-download.data", {"selection.data": sel, "map-method.value": "dbscan", "map-dl-csv.n_clicks": 1}
    )
    resp = client.post("/_dash-update-component", json=dl, headers=headers)
    content = resp.get_json()["response"]["map-download"]["data"]["content"]
    (read,) = _since(secure_store, start, action="read_points")
    assert read["detail"].startswith("callback map-incidents; selection {")
    assert read["username"] == "officer1"
    (export,) = _since(secure_store, start, action="export")
    assert "hotspots-dbscan-OFFICIAL-SENSITIVE.csv" in export["detail"]  # the file name as sent
    assert export["rows"] == content.count("\n") - 1


def test_plan_and_briefing_are_audited(logged_in, secure_store):
    client = logged_in("officer")
    start = _start()
    assert client.get(f"/briefing?{MONTH}").status_code == 200
    assert client.get(f"/api/plan?{MONTH}&k=3").status_code == 200
    assert [r["action"] for r in _since(secure_store, start, username="officer1")] == ["briefing", "export"]
    assert _since(secure_store, start, action="export")[0]["rows"] == 3


def test_refused_reads_write_no_read_row(logged_in, secure_store):
    client = logged_in("partnership")
    start = _start()
    assert client.get(f"/api/incidents?{MONTH}").status_code == 403
    assert _since(secure_store, start, action="read_points") == []


def test_upload_is_audited(secure_app, logged_in, secure_store):
    client = logged_in("analyst")
    path = POLICE_UK / "2022-02-hampshire-street-winchester.csv"  # already stored: every row a duplicate
    contents = "data:text/csv;base64," + base64.b64encode(path.read_bytes()).decode()
    body = callback_body(
        secure_app, "data-report.children", {"data-upload.contents": contents, "data-upload.filename": path.name}
    )
    start = _start()
    resp = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    assert resp.status_code == 200
    (row,) = _since(secure_store, start, action="upload")
    assert row["username"] == "analyst1"
    assert path.name in row["detail"]
    officer = logged_in("officer")
    assert officer.post("/_dash-update-component", json=body, headers=csrf_header(officer)).status_code == 403


def test_admin_page_escapes_what_it_shows(secure_app, logged_in):
    client = secure_app.server.test_client()
    log_in(client, "<script>alert(1)</script>", "whatever-password", "10.3.0.1")
    page = logged_in("analyst").get("/admin/audit")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_cli_prints_the_period(secure_store_path, secure_app, capsys):
    client = secure_app.server.test_client()
    log_in(client, "partnership1", "wrong-password-x", "10.4.0.1")
    today = datetime.now(UTC).strftime("%d/%m/%Y")
    assert (
        main(
            [
                "audit",
                "--store",
                str(secure_store_path),
                "--from",
                today,
                "--to",
                today,
                "--user",
                "partnership1",
                "--action",
                "login_failed",
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "at,username,role,action,route,detail,rows,status,address"
    assert any(line.endswith(",10.4.0.1") and ",login_failed," in line for line in lines[1:])
    yesterday = (datetime.now(UTC) - timedelta(days=2)).strftime("%d/%m/%Y")
    assert main(["audit", "--store", str(secure_store_path), "--to", yesterday]) == 0
    assert capsys.readouterr().out.strip().splitlines() == ["at,username,role,action,route,detail,rows,status,address"]


def test_audit_module_offers_no_way_to_change_rows():
    public = {n for n in dir(audit) if not n.startswith("_")}
    assert not public & {"delete", "update", "clear", "purge", "remove"}
