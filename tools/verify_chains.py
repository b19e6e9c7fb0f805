"""Recompute the tamper-evident chains straight from the databases (no broker, no running
service needed): `python -m tools.verify_chains [approval] [scoring]`, each service's
database from its <SERVICE>_DB_URL. Prints each chain's length, head and first broken
link; exits 1 when a chain is broken. The admin route GET /api/v1/admin/integrity/chains
asks the running services the same."""
import importlib
import json
import sys

from sqlalchemy.orm import sessionmaker

from ekinerja_contract import config
from ekinerja_contract.db import make_engine

SERVICES = ("approval", "scoring")  # the services that keep chains


def verify(service: str, url: str | None = None) -> list[dict]:
    chains = importlib.import_module(f"services.{service}.models").CHAINS
    engine = make_engine(url or config.db_url(service))
    try:
        with sessionmaker(engine)() as session:
            return chains.verify_all(session)
    finally:
        engine.dispose()


def main(argv: list[str]) -> int:
    broken = False
    for service in argv or SERVICES:
        for result in verify(service):
            broken |= not result["ok"]
            print(json.dumps({"service": service, **result}, ensure_ascii=False))
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
