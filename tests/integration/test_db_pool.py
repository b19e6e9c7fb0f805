"""The services' connection pool on real PostgreSQL: a connection left idle is checked
before use and replaced when its server process is gone; one in steady use is not
pinged (that was a round trip per transaction), so a server that vanishes under load
costs the one statement that finds out, and the pool then starts afresh."""
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from ekinerja_contract.db import make_engine
from tests.support import infra

pytestmark = pytest.mark.integration


def backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar()


def terminate(pid: int) -> None:
    infra._pg(f"SELECT pg_terminate_backend({pid})")


@pytest.fixture
def engines(pg_url):
    made = []

    def make(ping_after_idle):
        made.append(make_engine(pg_url, ping_after_idle=ping_after_idle))
        return made[-1]
    yield make
    for engine in made:
        engine.dispose()


def test_an_idle_connection_whose_server_went_away_is_replaced_before_use(engines):
    engine = engines(ping_after_idle=0.2)
    first = backend_pid(engine)
    terminate(first)
    time.sleep(0.3)
    assert backend_pid(engine) != first  # no error: the ping found it dead, the pool reconnected


def test_a_connection_in_steady_use_is_not_pinged(engines):
    engine = engines(ping_after_idle=60)
    first = backend_pid(engine)
    terminate(first)
    with pytest.raises(OperationalError):  # nothing checked it: the statement finds out
        backend_pid(engine)
    assert backend_pid(engine) != first  # and the pool starts afresh
