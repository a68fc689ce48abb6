"""``hotspots user``, ``hotspots token`` and the demo accounts of ``make run``."""

from __future__ import annotations

import io
import shutil

import pytest

from geo import accounts
from geo.store import Store
from hotspots_cli.main import main


@pytest.fixture()
def store_path(demo_store, tmp_path):
    path = tmp_path / "cli.duckdb"
    shutil.copy(demo_store.path, path)
    return path


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_user_lifecycle(store_path, capsys, monkeypatch, demo_store):
    s = str(store_path)
    code, out, _ = _run(capsys, "user", "add", "alice", "--role", "officer", "--store", s)
    assert code == 0
    password = out.split("one-time password: ")[1].split()[0]
    store = Store.open(store_path, district=demo_store.district, read_only=False)
    assert accounts.verify_password(store, "alice", password).role == "officer"
    assert accounts.verify_password(store, "alice", password + "x") is None
    code, out, _ = _run(capsys, "user", "list", "--store", s)
    assert "alice" in out and "officer" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("a-new-password\n"))
    assert _run(capsys, "user", "passwd", "alice", "--password-stdin", "--store", s)[0] == 0
    assert accounts.verify_password(store, "alice", "a-new-password") is not None
    assert accounts.verify_password(store, "alice", password) is None
    code, out, _ = _run(capsys, "token", "create", "alice", "--store", s)
    token = out.splitlines()[1]
    assert accounts.account_for_token(store, token).username == "alice"
    assert _run(capsys, "user", "remove", "alice", "--store", s)[0] == 0
    assert accounts.account_for_token(store, token) is None
    assert accounts.get_user(store, "alice") is None


def test_passwords_and_tokens_are_stored_hashed(store_path, demo_store):
    from geo import records

    store = Store.open(store_path, district=demo_store.district, read_only=False)
    accounts.add_user(store, "bob", "analyst", "plain-text-password")
    token = accounts.create_token(store, "bob")
    row = records.select(store, accounts.ACCOUNTS, where={"username": "bob"})[0]
    assert row["password_hash"].startswith("$argon2id$")
    assert "plain-text-password" not in str(row)
    assert token not in str(records.select(store, accounts.TOKENS))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["user", "add", "carol", "--role", "admin"], "role 'admin' is not one of"),
        (["user", "add", "bad name", "--role", "officer"], "is not valid"),
        (["user", "remove", "nobody"], "no user 'nobody'"),
        (["token", "create", "nobody"], "no user 'nobody'"),
        (["audit", "--from", "31/02/2026"], "--from must be a date"),
    ],
)
def test_user_errors_are_one_line(store_path, capsys, argv, message):
    code, _, err = _run(capsys, *argv, "--store", str(store_path))
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_short_password_from_stdin_is_refused(store_path, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, _, err = _run(
        capsys, "user", "add", "dave", "--role", "officer", "--password-stdin", "--store", str(store_path)
    )
    assert code == 2
    assert "at least 8 characters" in err


def test_demo_accounts_on_the_demo_store(store_path, capsys, demo_store):
    code, out, _ = _run(capsys, "user", "demo", "--store", str(store_path))
    assert code == 0
    assert "DEMO ONLY" in out
    store = Store.open(store_path, district=demo_store.district, read_only=False)
    users = {u.username: (u.role, u.demo) for u in accounts.list_users(store)}
    assert users == {n: (r, True) for n, r in accounts.DEMO_ACCOUNTS}
    assert accounts.verify_password(store, "demo-officer", "demo-officer").role == "officer"
    assert _run(capsys, "user", "demo", "--store", str(store_path))[0] == 0  # again: nothing new


def test_demo_accounts_refused_with_real_data(store_path, capsys, demo_store, tmp_path):
    assert _run(capsys, "user", "demo", "--store", str(store_path))[0] == 0
    extra = tmp_path / "force_extract_2009.csv"
    src = demo_store.district.data_path("demo_extract")
    lines = src.read_text().splitlines()
    # New incident ids, so the rows are stored rather than dropped as duplicates.
    extra.write_text("\n".join([lines[0]] + [line.replace("SYN-WIN-", "REAL-", 1) for line in lines[1:20]]) + "\n")
    store = Store.open(store_path, district=demo_store.district, read_only=False)
    assert store.ingest([extra]).stored == 19
    assert not accounts.demo_data_only(store)
    with pytest.raises(accounts.AccountError, match="not created"):
        accounts.ensure_demo_accounts(store)
    code, out, _ = _run(capsys, "user", "demo", "--store", str(store_path))
    assert code == 0
    assert "removed the demo accounts" in out
    password = out.split("one-time password: ")[1].split()[0]
    assert {u.username for u in accounts.list_users(store)} == {"analyst"}
    assert accounts.verify_password(store, "analyst", password).role == "analyst"
