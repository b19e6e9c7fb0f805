"""Scoring's admin commands, run beside the service on its own database.

    python -m services.scoring.manage load-rule-set FILE.json --effective-from 2027-01-01 [--agency ID]
    python -m services.scoring.manage announce-rule-sets

`announce-rule-sets` publishes every stored rule set again (`scoring.rule_set_published`
1.1, with its body): after an upgrade from a version whose announcements carried no body,
reporting and approval build their projections from it. Safe to run again: a projection
keeps each set once.

The file holds the rule-set body (see ekinerja_contract/default_rule_set.json); errors name the field.
"""
import argparse
import datetime as dt
import json
import sys

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ekinerja_contract import config
from ekinerja_contract.db import make_engine
from ekinerja_contract.errors import ServiceError
from ekinerja_contract.outbox import Store
from ekinerja_contract.rule_set import RuleSetIn
from ekinerja_contract.schemas import Actor

from . import payroll
from .models import Base, RuleSet


def load_rule_set(path: str, effective_from: str, agency_id: int | None, url: str | None = None) -> int:
    try:
        data = RuleSetIn.model_validate({"effective_from": effective_from, "agency_id": agency_id,
                                         "body": json.loads(open(path, encoding="utf-8").read())})
    except ValidationError as err:
        for e in err.errors():
            print(f"  {'.'.join(str(p) for p in e['loc'])}: {e['msg']}", file=sys.stderr)
        return 1
    engine, store = _store(url)
    try:
        with store.unit_of_work() as uow:
            row = payroll.publish_rule_set(uow, Actor(account_id=0, roles=["city_admin"]), data)
            print(f"rule set {row.id} takes effect on {row.effective_from}")
    except ServiceError as err:
        print(err.message, file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


def _store(url: str | None):
    engine = make_engine(url or config.db_url("scoring"))
    tables = Base.metadata.tables
    return engine, Store(sessionmaker(engine, expire_on_commit=False), tables["outbox"],
                         tables["inbox"], "scoring", relay=None)


def announce_rule_sets(url: str | None = None) -> int:
    engine, store = _store(url)
    try:
        with store.unit_of_work() as uow:
            rows = list(uow.session.scalars(select(RuleSet).order_by(RuleSet.id)))
            for row in rows:
                payroll.announce(uow, row)
        print(f"{len(rows)} rule sets announced (sent by the service's outbox relay)")
    finally:
        engine.dispose()
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m services.scoring.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("load-rule-set", help="publish a payroll rule set from a JSON file")
    p.add_argument("file")
    p.add_argument("--effective-from", required=True, type=dt.date.fromisoformat)
    p.add_argument("--agency", type=int, default=None)
    sub.add_parser("announce-rule-sets", help="publish every stored rule set again (projections)")
    args = parser.parse_args(argv)
    if args.command == "announce-rule-sets":
        return announce_rule_sets()
    return load_rule_set(args.file, args.effective_from.isoformat(), args.agency)


if __name__ == "__main__":
    sys.exit(main())
