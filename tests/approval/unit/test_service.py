"""ApprovalService entrypoints with nameko's worker_factory and a SQLite store."""
from decimal import Decimal
from types import SimpleNamespace

import pytest
from nameko.testing.services import worker_factory

from ekinerja_contract.errors import Conflict, Forbidden
from services.approval.models import Base
from services.approval.service import ApprovalService
from tests.support.factories import report_submitted
from tests.support.stores import outbox_types, sqlite_store

HEAD = {"account_id": 1, "employee_id": 1, "agency_id": 1, "roles": ["employee", "supervisor"]}
STAFF = {"account_id": 2, "employee_id": 2, "agency_id": 1, "roles": ["employee"]}


@pytest.fixture
def service(tmp_path):
    store = sqlite_store(Base.metadata, "approval", tmp_path / "approval.db")
    settings = SimpleNamespace(points_per_decision=Decimal(2), daily_points_cap=Decimal(3))
    return worker_factory(ApprovalService, db=store, settings=settings)


def test_a_submitted_report_becomes_one_task_for_the_superior(service):
    body = report_submitted(1)
    service.on_report_submitted(body)
    service.on_report_submitted(body)
    tasks = service.inbox(HEAD)
    assert [(t["report_id"], t["state"]) for t in tasks] == [(1, "pending")]
    assert service.inbox(STAFF) == []


def test_approving_emits_the_decision_and_the_approver_credit(service):
    service.on_report_submitted(report_submitted(1))
    task = service.inbox(HEAD)[0]
    result = service.decide(HEAD, task["id"], {"decision": "approve"})
    assert result["state"] == "approved"
    assert outbox_types(service.db)[-2:] == ["approval.approved", "approval.approver_credited"]


def test_a_stale_screen_cannot_decide_twice(service):
    service.on_report_submitted(report_submitted(1))
    task = service.inbox(HEAD)[0]
    service.decide(HEAD, task["id"], {"decision": "reject", "reason": "bukti tidak jelas"})
    with pytest.raises(Conflict):
        service.decide(HEAD, task["id"], {"decision": "approve"})


def test_the_employee_cannot_decide_their_own_report(service):
    service.on_report_submitted(report_submitted(1))
    task = service.inbox(HEAD)[0]
    with pytest.raises(Forbidden):
        service.decide(STAFF, task["id"], {"decision": "approve"})


def test_approver_credit_is_capped_per_day(service):
    for report_id in (1, 2, 3):
        service.on_report_submitted(report_submitted(report_id))
    for task in service.inbox(HEAD):
        service.decide(HEAD, task["id"], {"decision": "approve"})
    # cap 3, 2 per decision: 2 + 1 + nothing
    assert outbox_types(service.db).count("approval.approver_credited") == 2
