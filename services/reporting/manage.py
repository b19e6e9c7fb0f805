"""Reporting's admin commands, run beside the service on its own database.

    python -m services.reporting.manage create-admin USERNAME   (password from
        EKINERJA_ADMIN_PASSWORD, else asked for)
    python -m services.reporting.manage import-org FILE.csv     (columns: docs/IMPORT.md)

Events these commands cause go into the outbox; the running service's relay
publishes them (at once if it runs, else when it starts).
"""
import argparse
import getpass
import os
import sys

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from ekinerja_contract import config
from ekinerja_contract.db import make_engine

from .models import Account


def create_admin(username: str, password: str, url: str | None = None) -> int:
    """A city admin account (no employee behind it); updates the password if it exists."""
    if len(password) < 8:
        raise SystemExit("the password needs at least 8 characters")
    engine = make_engine(url or config.db_url("reporting"))
    with Session(engine) as s, s.begin():
        acc = s.scalar(select(Account).where(Account.username == username))
        if acc is None:
            acc = Account(username=username, roles=["city_admin"])
            s.add(acc)
        acc.password_hash = PasswordHasher().hash(password)
        s.flush()
        account_id = acc.id
    engine.dispose()
    return account_id


def progress_bar(done: int, total: int, width: int = 40) -> None:
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def import_org(path: str, url: str | None = None) -> int:
    from sqlalchemy.orm import sessionmaker

    from ekinerja_contract.errors import InvalidInput
    from ekinerja_contract.outbox import Store

    from . import organisation
    from .models import Base

    engine = make_engine(url or config.db_url("reporting"))
    tables = Base.metadata.tables
    store = Store(sessionmaker(engine, expire_on_commit=False), tables["outbox"], tables["inbox"],
                  "reporting", relay=None)
    with open(path, encoding="utf-8-sig") as f:
        text = f.read()
    try:
        with store.unit_of_work() as uow:
            result = organisation.import_csv(uow, text, config.today(), progress=progress_bar)
    except InvalidInput as err:
        print(f"{err.message}:", file=sys.stderr)
        for p in err.details:
            print(f"  row {p.get('row')}, column {p.get('column')}: {p['reason']}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"imported {result['employees']} employees, {result['placements']} new placements "
          f"in {result['agencies']} agencies")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m services.reporting.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("create-admin", help="create or reset a city admin account")
    p.add_argument("username")
    p = sub.add_parser("import-org", help="import a personnel-system CSV (all or nothing)")
    p.add_argument("file")
    args = parser.parse_args(argv)
    if args.command == "import-org":
        return import_org(args.file)
    password = os.environ.get("EKINERJA_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    account_id = create_admin(args.username, password)
    print(f"admin {args.username!r} ready (account {account_id})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
