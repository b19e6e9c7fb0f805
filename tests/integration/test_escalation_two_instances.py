"""Two approval instances run their timers at once on the same PostgreSQL database:
each overdue task is reminded and escalated exactly once."""
import datetime as dt

import pytest
from sqlalchemy import create_engine, text

from ekinerja_contract import clock, events
from tests.support.bus import Watcher, publish
from tests.support.factories import submitted_data
from tests.support.stack import Stack
from tools import demo_data
from tools.supervisor import service_command, wait_until

pytestmark = pytest.mark.integration
ADMIN = {"account_id": 99, "roles": ["city_admin"]}


@pytest.fixture(scope="module")
def stack(amqp_uri, tmp_path_factory):
    stack = Stack(amqp_uri, tmp_path_factory.mktemp("logs"), {"APPROVAL_TIMER_SECONDS": "0.3"})
    try:
        stack.start_services("reporting", "approval")
        stack.sup.start("approval-2", service_command("approval"))
        yield stack
    finally:
        stack.close()


def test_two_timers_escalate_each_task_once(stack, amqp_uri):
    org = {**demo_data.ORGANISATION, "employees": [
        {**{k: v for k, v in e.items() if k != "password"}, "password_hash": "x",
         "since": "2025-01-01"} for e in demo_data.ORGANISATION["employees"]]}
    stack.rpc.call("reporting", "load_organisation", ADMIN, org)
    # agus's work waits on sari (as if she had been made his approver), kadis is above her
    staff = stack.rpc.call("reporting", "get_account", "agus")["employee_id"]
    head = stack.rpc.call("reporting", "get_account", "sari")["employee_id"]
    escalated = Watcher(amqp_uri, "approval", "approval.task_escalated")
    long_ago = clock.now() - dt.timedelta(days=15)
    for report_id in range(1, 21):
        env = events.build("report.submitted", submitted_data(
            report_id=report_id, employee_id=staff, approver_id=head), "reporting")
        publish(amqp_uri, env.model_copy(update={"time": long_ago}).model_dump(mode="json"))
    wait_until(lambda: len(escalated.drain(0.3)) >= 20, 30, "20 escalations")
    escalated.drain(2.0)  # both timers keep ticking: nothing more may come
    assert sorted(m["data"]["report_id"] for m in escalated.received) == list(range(1, 21))
    engine = create_engine(stack.db_url("approval"))
    with engine.connect() as conn:
        per_task = conn.execute(text("SELECT task_id, count(*) FROM audit_entry "
                                     "WHERE action = 'escalate' GROUP BY task_id")).all()
        reminded = conn.execute(text("SELECT count(*) FROM approval_task "
                                     "WHERE reminded_at IS NOT NULL")).scalar()
    engine.dispose()
    assert len(per_task) == 20 and all(n == 1 for _, n in per_task)
    assert reminded == 20
    assert "approval-2" not in stack.sup.exited()
    escalated.close()


def test_an_escalation_run_carries_on_past_an_approver_who_has_left(stack, amqp_uri):
    """reporting answers NotFound for the approver who left (across the real hop, as its
    own class): that task waits (reminded, tried again each run, never escalated to nobody),
    the others escalate. Before, the RemoteError broke the run."""
    ids = {u: stack.rpc.call("reporting", "get_account", u)["employee_id"]
           for u in ("sari", "agus", "kadis")}
    gone = 987_654  # nobody in reporting
    escalated = Watcher(amqp_uri, "approval", "approval.task_escalated")
    long_ago = clock.now() - dt.timedelta(days=15)
    for report_id, approver in ((101, gone), (102, ids["sari"])):
        env = events.build("report.submitted", submitted_data(
            report_id=report_id, employee_id=ids["agus"], approver_id=approver), "reporting")
        publish(amqp_uri, env.model_copy(update={"time": long_ago}).model_dump(mode="json"))
    wait_until(lambda: any(m["data"]["report_id"] == 102 for m in escalated.drain(0.3)), 30,
               "the other escalation")
    (theirs,) = [m for m in escalated.received if m["data"]["report_id"] == 102]
    assert theirs["data"]["escalated_to"] == ids["kadis"]
    escalated.drain(1.5)  # a few more timer runs: the task of the one who left is not escalated
    assert not any(m["data"]["report_id"] == 101 for m in escalated.received)
    assert not {"approval", "approval-2"} & set(stack.sup.exited())
    escalated.close()
