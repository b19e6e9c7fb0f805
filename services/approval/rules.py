"""Approval rules as plain functions."""
from decimal import Decimal

from ekinerja_contract.errors import Conflict, Forbidden

DECISIONS = {"approve": "approved", "reject": "rejected", "request_revision": "revision_requested"}
EVENT_OF = {"approved": "approval.approved", "rejected": "approval.rejected",
            "revision_requested": "approval.revision_requested"}


def decide(state: str, decision: str) -> str:
    """Only a pending task can be decided: a stale screen cannot re-decide."""
    if state != "pending":
        raise Conflict(f"this task is already {state}", [{"field": "state", "reason": state}])
    return DECISIONS[decision]


def check_decider(actor_employee_id: int | None, approver_id: int | None,
                  employee_id: int) -> None:
    if actor_employee_id is None or actor_employee_id == employee_id:
        raise Forbidden("nobody approves their own work")
    if actor_employee_id != approver_id:
        raise Forbidden("only the assigned approver may decide this task")


def approver_points(earned_today: Decimal, per_decision: Decimal, daily_cap: Decimal) -> Decimal:
    """Points for one more decision today: the cap keeps rubber-stamping from paying."""
    return max(Decimal(0), min(per_decision, daily_cap - earned_today))
