"""Approval and scoring as real processes on real RabbitMQ and PostgreSQL:
redelivered events change nothing; poison messages are dead-lettered."""
import time

import pytest
from sqlalchemy import create_engine, text

from tests.support.bus import Watcher, publish
from tests.support.factories import report_approved, report_submitted
from tests.support.stack import Stack
from tools.supervisor import wait_until

pytestmark = pytest.mark.integration

HEAD = {"account_id": 1, "employee_id": 1, "agency_id": 1, "roles": ["employee", "supervisor"]}


@pytest.fixture(scope="module")
def stack(amqp_uri, tmp_path_factory):
    stack = Stack(amqp_uri, tmp_path_factory.mktemp("logs"))
    try:
        yield stack.start_services("approval", "scoring")
    finally:
        stack.close()


def count(url: str, sql: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text(sql)).scalar()
    engine.dispose()
    return n


def test_a_report_submitted_three_times_makes_one_approval_task(stack, amqp_uri):
    watcher = Watcher(amqp_uri, "approval", "approval.task_created")
    publish(amqp_uri, report_submitted(9001), times=3)
    wait_until(lambda: count(stack.db_url("approval"), "SELECT count(*) FROM inbox") >= 1, 10,
               "approval consumed")
    time.sleep(1.0)  # let the two redeliveries be processed too
    approval_db = stack.db_url("approval")
    assert count(approval_db, "SELECT count(*) FROM approval_task WHERE report_id = 9001") == 1
    assert [t["report_id"] for t in stack.rpc.call("approval", "inbox", HEAD)["tasks"]] == [9001]
    assert len(watcher.wait_for(1)) == 1 and len(watcher.drain(1.0)) == 1
    watcher.close()


def test_an_approval_redelivered_three_times_makes_one_ledger_entry(stack, amqp_uri):
    body = report_approved(9002)
    publish(amqp_uri, body, times=3)
    scoring_db = stack.db_url("scoring")
    wait_until(lambda: count(scoring_db, "SELECT count(*) FROM ledger_entry "
                                         "WHERE report_id = 9002") == 1, 10, "ledger entry")
    time.sleep(1.0)
    assert count(scoring_db, "SELECT count(*) FROM ledger_entry WHERE report_id = 9002") == 1
    staff = {"account_id": 2, "employee_id": 2, "agency_id": 1, "roles": ["employee"]}
    recap = stack.rpc.call("scoring", "recap", staff, 2, "2026-11")
    assert recap["rupiah"] == 7500


def test_a_decision_flows_from_approval_to_the_ledger_over_the_bus(stack, amqp_uri):
    publish(amqp_uri, report_submitted(9003))
    wait_until(lambda: any(t["report_id"] == 9003 for t in stack.rpc.call("approval", "inbox", HEAD)["tasks"]),
               10, "task")
    task = next(t for t in stack.rpc.call("approval", "inbox", HEAD)["tasks"] if t["report_id"] == 9003)
    stack.rpc.call("approval", "decide", HEAD, task["id"], {"decision": "approve"})
    scoring_db = stack.db_url("scoring")
    wait_until(lambda: count(scoring_db, "SELECT count(*) FROM ledger_entry "
                                         "WHERE report_id = 9003") == 1, 10, "ledger entry")
    wait_until(lambda: count(scoring_db, "SELECT count(*) FROM ledger_entry WHERE "
                                         "kind = 'approver_credit' AND employee_id = 1") >= 1,
               10, "approver credit")


def test_a_poison_message_is_retried_with_backoff_then_dead_lettered_with_its_reason(stack, amqp_uri):
    import time as clock

    from ekinerja_contract import dead_letters
    poison = report_submitted(9004)
    poison["data"].pop("employee_id")  # breaks the schema
    started = clock.monotonic()
    publish(amqp_uri, poison)
    found = []
    wait_until(lambda: found.extend(dead_letters.list_dead_letters(amqp_uri)) or found, 60,
               "dead letter")
    elapsed = clock.monotonic() - started
    (letter,) = [f for f in found if f["id"] == poison["id"]]
    assert letter["retries"] == 3 and elapsed >= 1 + 5 + 30 - 1  # three delays, then parked
    assert "ValidationError" in letter["error"] and "approval" in letter["queue"]
    from tools import reliability
    reliability.record("poison", "Poison messages (tests/integration/test_redelivery.py)", [
        f"A report.submitted without an employee id: retried {letter['retries']} times with "
        f"delays of 1, 5 and 30 s, then parked in `ekinerja.dead-letters` after {elapsed:.1f} s "
        f"with the reason `{' '.join(letter['error'].split())[:70]}…` and its queue; the consumer kept consuming. "
        "`python -m ekinerja_contract.dead_letters list|replay` lists and replays them (tested). "
        "Redelivered events (3x) made one approval task and one ledger entry."])
    assert count(stack.db_url("approval"), "SELECT count(*) FROM approval_task "
                                           "WHERE report_id = 9004") == 0
    # the service is still alive and consuming
    publish(amqp_uri, report_submitted(9005))
    wait_until(lambda: count(stack.db_url("approval"), "SELECT count(*) FROM approval_task "
                                                       "WHERE report_id = 9005") == 1, 10, "next")


def test_an_operator_replays_a_dead_letter_once_the_cause_is_fixed(stack, amqp_uri):
    # a correct event parked by hand, as if it had failed during an outage
    from kombu import Connection, Exchange

    from ekinerja_contract import dead_letters
    body = report_submitted(9006)
    with Connection(amqp_uri) as conn:
        conn.Producer().publish(body, exchange=Exchange("ekinerja.dlx", type="topic", durable=True),
                                routing_key="report.submitted", headers={
                                    "x-ekinerja-queue":
                                        "evt-reporting-report.submitted--approval.on_report_submitted",
                                    "x-ekinerja-error": "OperationalError: database down"})
    wait_until(lambda: any(d["id"] == body["id"] for d in dead_letters.list_dead_letters(amqp_uri)),
               10, "parked")
    assert dead_letters.replay(amqp_uri, {body["id"]}) == 1
    wait_until(lambda: count(stack.db_url("approval"), "SELECT count(*) FROM approval_task "
                                                       "WHERE report_id = 9006") == 1, 10, "replayed")
    assert not any(d["id"] == body["id"] for d in dead_letters.list_dead_letters(amqp_uri))
