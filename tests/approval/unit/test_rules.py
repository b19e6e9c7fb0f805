from decimal import Decimal

import pytest

from ekinerja_contract.errors import Conflict, Forbidden
from services.approval import rules


def test_only_a_pending_task_can_be_decided():
    assert rules.decide("pending", "approve") == "approved"
    assert rules.decide("pending", "reject") == "rejected"
    assert rules.decide("pending", "request_revision") == "revision_requested"
    for state in ("approved", "rejected", "revision_requested"):
        with pytest.raises(Conflict):
            rules.decide(state, "approve")


def test_nobody_approves_their_own_work():
    with pytest.raises(Forbidden):
        rules.check_decider(actor_employee_id=5, approver_id=5, employee_id=5)


def test_only_the_assigned_approver_decides():
    rules.check_decider(actor_employee_id=1, approver_id=1, employee_id=2)
    with pytest.raises(Forbidden):
        rules.check_decider(actor_employee_id=3, approver_id=1, employee_id=2)
    with pytest.raises(Forbidden):
        rules.check_decider(actor_employee_id=None, approver_id=1, employee_id=2)


def test_approver_points_stop_at_the_daily_cap():
    per, cap = Decimal(2), Decimal(5)
    assert rules.approver_points(Decimal(0), per, cap) == 2
    assert rules.approver_points(Decimal(4), per, cap) == 1
    assert rules.approver_points(Decimal(5), per, cap) == 0
