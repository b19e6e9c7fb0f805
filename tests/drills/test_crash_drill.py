"""Crash drill: under a steady load of submissions and approvals, kill -9 each service
in turn and the gateway, and start it again. Afterwards every accepted submission has
exactly one approval task and every approval exactly one ledger entry."""
import time
import uuid

import httpx
import pytest

from tests.support.load import Load
from tests.support.stack import full_system
from tools import reliability
from tools.supervisor import wait_until

pytestmark = pytest.mark.e2e
KILL_ORDER = ["reporting", "approval", "scoring", "evidence", "gateway"]


@pytest.fixture(scope="module")
def system(amqp_uri, s3_server, tmp_path_factory):
    stack = full_system(amqp_uri, tmp_path_factory.mktemp("drill-logs"),
                  {**s3_server.env(f"ekt-drill-{uuid.uuid4().hex[:6]}"), "GATEWAY_RPC_TIMEOUT": "5"})
    try:
        yield stack
    finally:
        stack.close()


def test_kill_each_part_under_load_and_nothing_is_lost_or_doubled(system):
    load = Load(system).start()
    kills = []
    try:
        time.sleep(3)
        for name in KILL_ORDER:
            system.sup.kill(name)  # kill -9
            killed_at = time.monotonic()
            time.sleep(1.5)
            system.sup.restart(name)
            if name == "gateway":
                wait_until(lambda: httpx.get(f"{system.gateway_url}/readyz").status_code == 200,
                           30, "gateway back")
            else:
                system.wait_healthy(name, 60)
            kills.append((name, time.monotonic() - killed_at))
            time.sleep(2)
    finally:
        load.stop()
    counts = load.outcome(90)
    print(f"\ncrash drill: {counts}")
    reliability.record("crash", "Crash drill (tests/drills/test_crash_drill.py)", [
        "Three employees submit one-minute reports through the gateway (with Idempotency-Keys) "
        "while their head bulk-approves from the inbox; meanwhile each part is killed with "
        "SIGKILL and started again, one after another.", "",
        "| killed | back after (s) |", "|---|---|",
        *[f"| {name} | {secs:.1f} |" for name, secs in kills], "",
        f"- requests that failed during the kills (refused, 5xx, time-outs): {load.failed()}",
        *load.summary(counts)])
    assert counts["accepted"] > 30
    assert counts["lost"] == 0 and counts["doubled"] == 0
