import datetime as dt
from decimal import Decimal

import pytest

from ekinerja_contract.errors import Conflict, Forbidden
from ekinerja_contract.schemas import Actor
from services.approval import rules

d = dt.date


def test_only_a_pending_task_can_be_decided():
    assert rules.decide("pending", "approve") == "approved"
    assert rules.decide("pending", "reject") == "rejected"
    assert rules.decide("pending", "request_revision") == "revision_requested"


@pytest.mark.parametrize("state", ["approved", "rejected", "revision_requested", "cancelled"])
@pytest.mark.parametrize("decision", ["approve", "reject", "request_revision"])
def test_every_decision_on_a_decided_task_is_refused(state, decision):
    with pytest.raises(Conflict):
        rules.decide(state, decision)


def test_nobody_approves_their_own_work_not_even_as_delegate_or_escalation_target():
    for kwargs in ({"approver_id": 5}, {"approver_id": 1, "escalated_to": 5},
                   {"approver_id": 1, "delegates": frozenset({5})}):
        with pytest.raises(Forbidden):
            rules.check_decider(5, 5, **kwargs)


def test_the_approver_the_escalation_target_and_a_delegate_may_decide():
    rules.check_decider(1, 2, approver_id=1)
    rules.check_decider(3, 2, approver_id=1, escalated_to=3)
    rules.check_decider(4, 2, approver_id=1, delegates=frozenset({4}))
    with pytest.raises(Forbidden):
        rules.check_decider(9, 2, approver_id=1, escalated_to=3)


def test_approver_points_stop_at_the_daily_cap():
    per, cap = Decimal(2), Decimal(5)
    assert rules.approver_points(Decimal(0), per, cap) == 2
    assert rules.approver_points(Decimal(4), per, cap) == 1
    assert rules.approver_points(Decimal(5), per, cap) == 0


def test_working_days_skip_weekends_and_holidays():
    # Fri 2026-12-18 -> Mon 12-21, Tue 12-22, Thu 12-24 (Wed 12-23 a holiday), Fri 12-25 holiday
    holidays = {d(2026, 12, 23), d(2026, 12, 25)}
    assert rules.working_days_between(d(2026, 12, 18), d(2026, 12, 20), holidays) == 0
    assert rules.working_days_between(d(2026, 12, 18), d(2026, 12, 25), holidays) == 3
    assert rules.due(d(2026, 12, 18), d(2026, 12, 24), holidays, 3, 5) == (3, True, False)
    assert rules.due(d(2026, 12, 18), d(2026, 12, 29), holidays, 3, 5) == (5, True, True)


def test_objections_are_only_heard_within_the_window():
    rules.check_dispute_window(d(2026, 11, 1), d(2026, 11, 15), 14)
    with pytest.raises(Conflict):
        rules.check_dispute_window(d(2026, 11, 1), d(2026, 11, 16), 14)


def reviewer(employee_id, agency_id=1, roles=("employee", "review_team")):
    return Actor(account_id=employee_id, employee_id=employee_id, agency_id=agency_id,
                 roles=list(roles))


def test_the_original_approver_never_sits_on_the_dispute_even_on_the_review_team():
    with pytest.raises(Forbidden):
        rules.check_hearer(reviewer(1), "review_team", None, original_approver_id=1,
                           employee_id=2, agency_id=1, scope="agency")
    with pytest.raises(Forbidden):
        rules.check_hearer(reviewer(1), "superior", 1, original_approver_id=1,
                           employee_id=2, agency_id=1, scope="agency")


def test_who_hears_a_dispute_follows_the_city_setting():
    rules.check_hearer(reviewer(7), "review_team", None, 1, 2, 1, "agency")
    with pytest.raises(Forbidden):  # another agency's team
        rules.check_hearer(reviewer(7, agency_id=2), "review_team", None, 1, 2, 1, "agency")
    rules.check_hearer(reviewer(7, agency_id=2), "review_team", None, 1, 2, 1, "city")
    with pytest.raises(Forbidden):  # not on the team
        rules.check_hearer(reviewer(7, roles=("employee",)), "review_team", None, 1, 2, 1, "city")
    rules.check_hearer(reviewer(8, roles=("employee",)), "superior", 8, 1, 2, 1, "agency")
    with pytest.raises(Forbidden):
        rules.check_hearer(reviewer(7), "superior", 8, 1, 2, 1, "agency")
