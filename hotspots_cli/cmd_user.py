"""``hotspots user``, ``hotspots token`` and ``hotspots audit``: accounts, API tokens, the audit log."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from hotspots_cli.main import CliError
from hotspots_cli.options import add_store_args, open_store

if TYPE_CHECKING:
    from geo.store import Store

LONDON = ZoneInfo("Europe/London")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``user``, ``token`` and ``audit`` verbs to the CLI."""
    user = subparsers.add_parser("user", help="manage dashboard accounts", description="Manage dashboard accounts.")
    usub = user.add_subparsers(dest="user_verb", metavar="ACTION")
    usub.required = True
    add = usub.add_parser("add", help="add an account (prints a one-time password)")
    add.add_argument("name")
    add.add_argument("--role", required=True, help="analyst, officer, partnership or public")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(handler=user_add)
    lst = usub.add_parser("list", help="list accounts")
    lst.set_defaults(handler=user_list)
    rm = usub.add_parser("remove", help="remove an account and its API tokens (its audit rows stay)")
    rm.add_argument("name")
    rm.set_defaults(handler=user_remove)
    pw = usub.add_parser("passwd", help="set a new password (prints a one-time password)")
    pw.add_argument("name")
    pw.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    pw.set_defaults(handler=user_passwd)
    demo = usub.add_parser(
        "demo",
        help="create the demo accounts (demo store only), or a first analyst",
        description="On a store holding only the bundled demo data, create one demo account per role "
        "(user name = password). On any other store with no analyst yet, create 'analyst' and print "
        "its one-time password.",
    )
    demo.set_defaults(handler=user_demo)
    for p in (add, lst, rm, pw, demo):
        add_store_args(p)

    token = subparsers.add_parser("token", help="manage API tokens", description="API tokens for GIS tools.")
    tsub = token.add_subparsers(dest="token_verb", metavar="ACTION")
    tsub.required = True
    create = tsub.add_parser("create", help="create an API token for a user (shown once)")
    create.add_argument("name")
    create.add_argument("--label", default="", help="what the token is for, e.g. 'QGIS on the CCTV PC'")
    create.set_defaults(handler=token_create)
    revoke = tsub.add_parser("revoke", help="revoke every API token of a user")
    revoke.add_argument("name")
    revoke.set_defaults(handler=token_revoke)
    for p in (create, revoke):
        add_store_args(p)

    aud = subparsers.add_parser("audit", help="print the audit log", description="Print audit rows (CSV).")
    add_store_args(aud)
    aud.add_argument("--from", dest="date_from", metavar="DATE", help="first day, dd/mm/yyyy or yyyy-mm-dd")
    aud.add_argument("--to", dest="date_to", metavar="DATE", help="last day (inclusive)")
    aud.add_argument("--user", help="only this user")
    aud.add_argument("--action", help="only this action (login, login_failed, read_points, export, ...)")
    aud.set_defaults(handler=audit_print)


def _store(args: argparse.Namespace) -> Store:
    return open_store(args, read_only=False)


def _password(args: argparse.Namespace) -> str | None:
    if not args.password_stdin:
        return None
    text = sys.stdin.readline().rstrip("\r\n")
    if not text:
        raise CliError("no password on standard input")
    return text


def _who() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in a container
        return "cli"


def _admin_audit(store: Store, detail: str) -> None:
    from geo import audit

    audit.record(store, "user_admin", username=_who(), route="hotspots user", detail=detail)


def user_add(args: argparse.Namespace) -> int:
    """``hotspots user add NAME --role ROLE``: add an account and print its one-time password."""
    from geo import accounts

    store = _store(args)
    given = _password(args)
    password = accounts.add_user(store, args.name, args.role, given)
    _admin_audit(store, f"add {args.name} ({args.role})")
    print(f"user {args.name} added with role {args.role}")
    if given is None:
        print(f"one-time password: {password}")
        print("(shown once: give it to the user and ask them to keep it safe)")
    return 0


def user_list(args: argparse.Namespace) -> int:
    """``hotspots user list``: print every account with its role and creation time."""
    from geo import accounts

    users = accounts.list_users(_store(args))
    if not users:
        print("no accounts")
        return 0
    print(f"{'user':<24} {'role':<12} created")
    for u in users:
        created = u.created_at.strftime("%d/%m/%Y %H:%M") if u.created_at else ""
        print(f"{u.username:<24} {u.role:<12} {created}{'  (demo)' if u.demo else ''}")
    return 0


def user_remove(args: argparse.Namespace) -> int:
    """``hotspots user remove NAME``: remove an account and its API tokens (its audit rows stay)."""
    from geo import accounts

    store = _store(args)
    accounts.remove_user(store, args.name)
    _admin_audit(store, f"remove {args.name}")
    print(f"user {args.name} removed (and its API tokens)")
    return 0


def user_passwd(args: argparse.Namespace) -> int:
    """``hotspots user passwd NAME``: set a new password (printed once unless read from stdin)."""
    from geo import accounts

    store = _store(args)
    given = _password(args)
    password = accounts.set_password(store, args.name, given)
    _admin_audit(store, f"passwd {args.name}")
    print(f"password of {args.name} changed")
    if given is None:
        print(f"one-time password: {password}")
    return 0


def user_demo(args: argparse.Namespace) -> int:
    """``hotspots user demo``: the demo accounts on a demo-only store, else a first analyst."""
    from geo import accounts

    store = _store(args)
    if accounts.demo_data_only(store):
        made = accounts.ensure_demo_accounts(store)
        for name, role in made:
            _admin_audit(store, f"add demo {name} ({role})")
        print("demo accounts (DEMO ONLY, user name = password): " + ", ".join(n for n, _ in accounts.DEMO_ACCOUNTS))
        return 0
    demo = [u.username for u in accounts.list_users(store) if u.demo]
    for name in demo:
        accounts.remove_user(store, name)
        _admin_audit(store, f"remove demo {name}: the store holds non-demo data")
    if demo:
        print(f"removed the demo accounts {', '.join(demo)}: the store holds data other than the bundled demo")
    if any(u.role == "analyst" for u in accounts.list_users(store)):
        print("demo accounts refused: the store holds non-demo data; log in with your own account")
        return 0
    password = accounts.add_user(store, "analyst", "analyst")
    _admin_audit(store, "add first analyst")
    print("demo accounts refused: the store holds non-demo data. First analyst account created:")
    print(f"  user: analyst   one-time password: {password}")
    print("  (shown once; change it with `hotspots user passwd analyst`)")
    return 0


def token_create(args: argparse.Namespace) -> int:
    """``hotspots token create NAME``: create an API token for a user and print it once."""
    from geo import accounts

    store = _store(args)
    token = accounts.create_token(store, args.name, args.label)
    _admin_audit(store, f"token for {args.name}" + (f" ({args.label})" if args.label else ""))
    print(f"API token for {args.name} (shown once; only its hash is kept):")
    print(token)
    print("use it as 'Authorization: Bearer TOKEN', or add ?token=TOKEN to a layer URL in QGIS")
    return 0


def token_revoke(args: argparse.Namespace) -> int:
    """``hotspots token revoke NAME``: revoke every API token of a user."""
    from geo import accounts

    store = _store(args)
    if accounts.get_user(store, args.name) is None:
        raise CliError(f"no user '{args.name}'")
    n = accounts.revoke_tokens(store, args.name)
    _admin_audit(store, f"revoke tokens of {args.name}")
    print(f"revoked {n} token(s) of {args.name}")
    return 0


def _day(text: str | None, flag: str) -> datetime | None:
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=LONDON)
        except ValueError:
            continue
    raise CliError(f"{flag} must be a date such as 31/12/2026, got '{text}'")


def audit_print(args: argparse.Namespace) -> int:
    """``hotspots audit``: print the audit rows as CSV (times Europe/London, cells neutralised)."""
    import csv
    from datetime import UTC

    from geo import audit
    from render.safe import csv_cell

    lo = _day(args.date_from, "--from")
    hi = _day(args.date_to, "--to")
    store = open_store(args, read_only=True)
    rows = audit.read(store, lo, hi + timedelta(days=1) if hi else None, username=args.user, action=args.action)
    cols = list(audit.COLUMNS)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(cols)
    for r in rows:
        at = r["at"].replace(tzinfo=UTC).astimezone(LONDON).strftime("%d/%m/%Y %H:%M:%S") if r["at"] else ""
        out.writerow([at if c == "at" else csv_cell(r[c]) for c in cols])
    return 0
