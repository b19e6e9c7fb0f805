"""Reporting's admin commands, run beside the service on its own database.

    python -m services.reporting.manage create-admin USERNAME   (password from
    EKINERJA_ADMIN_PASSWORD, else asked for)
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


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m services.reporting.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("create-admin", help="create or reset a city admin account")
    p.add_argument("username")
    args = parser.parse_args(argv)
    password = os.environ.get("EKINERJA_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    account_id = create_admin(args.username, password)
    print(f"admin {args.username!r} ready (account {account_id})")


if __name__ == "__main__":
    sys.exit(main())
