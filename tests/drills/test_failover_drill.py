"""Database failover drill: every service's database on a PostgreSQL primary of the drill's
own with a synchronous streaming standby; the services reach them through one libpq
multi-host URL with target_session_attrs=read-write. Under a load of submissions and
approvals the primary is killed (kill -9 of the postmaster and its backends) and the
standby promoted. Requests caught in between get 503 with Retry-After (never 500 or
502) and go through when retried with their Idempotency-Key; afterwards every report
the system accepted is there, approved once and credited once."""
import time
import uuid

import pytest

from tests.support.load import Load
from tests.support.pg_standby import VERSION, PgPair
from tests.support.stack import full_system
from tools import reliability

pytestmark = pytest.mark.e2e
DOWN_BEFORE_PROMOTION = 3.0  # seconds: a failover manager's detection, here by hand


@pytest.fixture(scope="module")
def pair():
    p = PgPair()
    try:
        yield p.start()
    finally:
        p.stop()


@pytest.fixture(scope="module")
def system(pair, amqp_uri, s3_server, tmp_path_factory):
    env = {**s3_server.env(f"ekt-failover-{uuid.uuid4().hex[:6]}"), "GATEWAY_RPC_TIMEOUT": "5"}
    stack = full_system(amqp_uri, tmp_path_factory.mktemp("failover-drill"), env, database=pair)
    try:
        yield stack
    finally:
        stack.close()


def test_the_primary_dies_the_standby_is_promoted_and_nothing_committed_is_lost(pair, system):
    load = Load(system).start()
    try:
        time.sleep(5)
        before = dict(load.statuses)
        killed_at = time.monotonic()
        pair.kill_primary()
        time.sleep(DOWN_BEFORE_PROMOTION)
        promoting = time.monotonic()
        pair.promote()
        promoted = time.monotonic() - promoting
        time.sleep(12)
        recovery, failures = load.recovery(killed_at)
    finally:
        load.stop()
    counts = load.outcome(120)
    during = {s: n - before.get(s, 0) for s, n in load.statuses.items() if n - before.get(s, 0)}
    print(f"\nfailover drill: {counts} {load.statuses} recovery={recovery:.1f}s failures={failures}")
    reliability.record("failover", "Database failover drill (tests/drills/test_failover_drill.py)", [
        f"A PostgreSQL {VERSION} primary and a synchronous streaming standby of the drill's "
        "own (`pg_createcluster`, `pg_basebackup -R`, `synchronous_standby_names = '*'`); every "
        "service given one libpq multi-host URL with `target_session_attrs=read-write`. Three "
        "employees submit one-minute reports through the gateway (Idempotency-Keys, retried "
        "with the same key) while their head bulk-approves; the primary's postmaster and "
        f"backends are killed with SIGKILL, the standby promoted {DOWN_BEFORE_PROMOTION:.0f} s "
        "later (by hand: a failover manager's detection).", "",
        f"- promotion took {promoted:.1f} s; submissions failed for {recovery:.1f} s after the kill "
        f"({failures} failed attempts)",
        f"- responses from the kill on: {dict(sorted(during.items()))}",
        f"- submissions that failed and then went through on a retry with their key: {load.retried_ok}",
        *load.summary(counts)])
    assert counts["lost"] == 0 and counts["doubled"] == 0
    assert counts["accepted"] > 30
    assert "503" in during and not load.server_errors(allowed=("503",)), load.statuses
    assert load.retried_ok > 0

