"""Rolling-upgrade drill: two instances of every service and two gateways (the load goes
to whichever gateway takes the connection, as a load balancer sends it). approval's
database starts one migration behind. Under a load of submissions and approvals:
the expand migration (approval 0004, an index built CONCURRENTLY) runs, every instance
is restarted one at a time (SIGTERM: nameko finishes its workers, uvicorn its requests),
each waited for until it consumes again, and then the contract migration (0005) runs.
Afterwards: no 5xx at all, and nothing lost or doubled."""
import json
import subprocess
import time
import uuid

import httpx
import pytest

from ekinerja_contract import migrate
from tests.support.load import Load, rows
from tests.support.stack import full_system
from tools import reliability
from tools.supervisor import SERVICES, gateway_command, service_command, wait_until

from ..support.infra import free_port

pytestmark = pytest.mark.e2e
EXPAND, CONTRACT = "0004", "0005"


@pytest.fixture(scope="module")
def system(amqp_uri, s3_server, tmp_path_factory):
    # two instances of each service on PostgreSQL's default max_connections (100): 4 each
    env = {**s3_server.env(f"ekt-rolling-{uuid.uuid4().hex[:6]}"), "GATEWAY_RPC_TIMEOUT": "10",
           "EKINERJA_DB_MAX_CONNECTIONS": "4"}
    stack = full_system(amqp_uri, tmp_path_factory.mktemp("rolling-drill"), env,
                        revisions={"approval": "0003"})
    try:
        for name in SERVICES:  # the second instance of each
            extra = {"EVIDENCE_HTTP_ADDRESS": f"127.0.0.1:{free_port()}"} if name == "evidence" else {}
            if extra:
                extra["EVIDENCE_PUBLIC_URL"] = f"http://{extra['EVIDENCE_HTTP_ADDRESS']}"
            stack.sup.start(f"{name}-2", service_command(name), extra)
        port = free_port()
        stack.sup.start("gateway-2", gateway_command(port))
        stack.second_gateway = f"http://127.0.0.1:{port}"
        wait_until(lambda: httpx.get(f"{stack.second_gateway}/readyz").status_code == 200, 30, "gateway-2")
        for name in SERVICES:
            wait_until(lambda name=name: consumers(amqp_uri, name) == 2, 60, f"two instances of {name}")
        yield stack
    finally:
        stack.close()


def consumers(amqp_uri: str, service: str) -> int:
    vhost = amqp_uri.rsplit("/", 1)[1]
    out = subprocess.run(["rabbitmqctl", "list_queues", "-p", vhost, "name", "consumers", "--formatter", "json"],
                         capture_output=True, text=True, check=True).stdout
    return next((q["consumers"] for q in json.loads(out) if q["name"] == f"rpc-{service}"), 0)


def indexes(url: str) -> set[str]:
    return {r[0] for r in rows(url, "SELECT indexname FROM pg_indexes WHERE tablename = 'approval_task'")}


def test_expand_restart_each_instance_in_turn_contract_without_a_5xx(system, amqp_uri):
    gateways = [system.gateway_url, system.second_gateway]
    load = Load(system, gateways=gateways, timeout=30).start()
    steps = []
    approval_db = system.db_url("approval")
    try:
        time.sleep(4)
        started = time.monotonic()
        migrate.upgrade("approval", approval_db, EXPAND)
        steps.append(("expand: approval 0004, index built concurrently", time.monotonic() - started))
        assert "ix_task_inbox" in indexes(approval_db)
        for name in SERVICES:
            for instance in (name, f"{name}-2"):
                started = time.monotonic()
                system.sup.restart(instance)  # SIGTERM, wait for it to finish, start again
                wait_until(lambda name=name: consumers(amqp_uri, name) == 2, 60,
                           f"{instance} consuming again")
                steps.append((f"restart {instance}", time.monotonic() - started))
        for instance, url in (("gateway", gateways[0]), ("gateway-2", gateways[1])):
            started = time.monotonic()
            system.sup.restart(instance)
            wait_until(lambda url=url: httpx.get(f"{url}/readyz").status_code == 200, 30,
                       f"{instance} back")
            steps.append((f"restart {instance}", time.monotonic() - started))
            time.sleep(1)
        started = time.monotonic()
        migrate.upgrade("approval", approval_db, CONTRACT)
        steps.append(("contract: approval 0005, old index dropped concurrently", time.monotonic() - started))
        assert "ix_approval_task_approver_id" not in indexes(approval_db)
        time.sleep(3)
    finally:
        load.stop()
    counts = load.outcome(120)
    restarts = [secs for what, secs in steps if what.startswith("restart")]
    print(f"\nrolling upgrade drill: {counts} {load.statuses} {steps}")
    reliability.record("rolling", "Rolling-upgrade drill (tests/drills/test_rolling_upgrade_drill.py)", [
        f"Two instances of each of the {len(SERVICES)} services and two gateways; the load "
        "(three employees submitting, their head bulk-approving) goes to whichever gateway "
        "takes the connection. approval's database starts at 0003; under load the expand "
        "migration runs, every instance is restarted one at a time (SIGTERM, then started "
        "again and waited for until it consumes its RPC queue), then the contract migration.", "",
        "| step | took (s) |", "|---|---|",
        *[f"| {what} | {secs:.1f} |" for what, secs in steps if not what.startswith("restart")],
        f"| {len(restarts)} restarts, one instance at a time | {sum(restarts):.1f} in all, "
        f"{max(restarts):.1f} the longest |", "",
        f"- 5xx answered to the submissions and to the approver: "
        f"{sum(load.server_errors(allowed=()).values())}; inbox reads and bulk approvals by "
        f"status: {dict(sorted(load.decisions.items()))}",
        *load.summary(counts)])
    assert counts["lost"] == 0 and counts["doubled"] == 0 and counts["accepted"] > 30
    assert not load.server_errors(allowed=()), load.statuses
    assert load.failed() == 0, load.statuses
