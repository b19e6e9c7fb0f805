"""Scoring's admin commands, run beside the service on its own database.

    python -m services.scoring.manage load-rule-set FILE.json --effective-from 2027-01-01 [--agency ID]

The file holds the rule-set body (see ekinerja_contract/default_rule_set.json); errors name the field.
"""
import argparse
import datetime as dt
import json
import sys

from pydantic import ValidationError
from sqlalchemy.orm import sessionmaker

from ekinerja_contract import config
from ekinerja_contract.db import make_engine
from ekinerja_contract.errors import ServiceError
from ekinerja_contract.outbox import Store
from ekinerja_contract.rule_set import RuleSetIn
from ekinerja_contract.schemas import Actor

from . import payroll
from .models import Base


def load_rule_set(path: str, effective_from: str, agency_id: int | None, url: str | None = None) -> int:
    try:
        data = RuleSetIn.model_validate({"effective_from": effective_from, "agency_id": agency_id,
                                         "body": json.loads(open(path, encoding="utf-8").read())})
    except ValidationError as err:
        for e in err.errors():
            print(f"  {'.'.join(str(p) for p in e['loc'])}: {e['msg']}", file=sys.stderr)
        return 1
    engine = make_engine(url or config.db_url("scoring"))
    tables = Base.metadata.tables
    store = Store(sessionmaker(engine, expire_on_commit=False), tables["outbox"], tables["inbox"],
                  "scoring", relay=None)
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


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m services.scoring.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("load-rule-set", help="publish a payroll rule set from a JSON file")
    p.add_argument("file")
    p.add_argument("--effective-from", required=True, type=dt.date.fromisoformat)
    p.add_argument("--agency", type=int, default=None)
    args = parser.parse_args(argv)
    return load_rule_set(args.file, args.effective_from.isoformat(), args.agency)


if __name__ == "__main__":
    sys.exit(main())
