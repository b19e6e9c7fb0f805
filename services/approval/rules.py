"""Approval rules as plain functions: no broker, no database, no clock of their own."""
import datetime as dt
from collections.abc import Set as AbstractSet
from decimal import Decimal

from ekinerja_contract.errors import Conflict, Forbidden, InvalidInput

DECISIONS = {"approve": "approved", "reject": "rejected", "request_revision": "revision_requested"}
EVENT_OF = {"approved": "approval.approved", "rejected": "approval.rejected",
            "revision_requested": "approval.revision_requested"}


def decide(state: str, decision: str) -> str:
    """Only a pending task can be decided: a stale screen cannot re-decide."""
    if state != "pending":
        raise Conflict(f"this task is already {state}", [{"field": "state", "reason": state}],
                       code="task_decided", params={"state": state})
    return DECISIONS[decision]


def check_decider(actor_id: int | None, employee_id: int, approver_id: int | None,
                  escalated_to: int | None = None, delegates: frozenset = frozenset()) -> None:
    """The assigned approver, the escalation target or a registered delegate; never
    the employee themself."""
    if actor_id is None or actor_id == employee_id:
        raise Forbidden("nobody approves their own work", code="own_work")
    if actor_id not in {approver_id, escalated_to} | set(delegates):
        raise Forbidden("only the assigned approver, the escalation target or a "
                        "registered delegate may decide this task", code="not_approver")


def approver_points(earned_today: Decimal, per_decision: Decimal, daily_cap: Decimal) -> Decimal:
    """Points for one more decision today: the cap keeps rubber-stamping from paying."""
    return max(Decimal(0), min(per_decision, daily_cap - earned_today))


def is_working_day(day: dt.date, holidays: AbstractSet[dt.date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def working_days_between(start: dt.date, end: dt.date, holidays: AbstractSet[dt.date]) -> int:
    """Whole working days after `start` up to and including `end`."""
    days, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        days += is_working_day(day, holidays)
    return days


def due(submitted: dt.date, today: dt.date, holidays: AbstractSet[dt.date], remind_after: int,
        escalate_after: int) -> tuple[int, bool, bool]:
    """(working days waited, remind?, escalate?) for a pending task."""
    waited = working_days_between(submitted, today, holidays)
    return waited, waited >= remind_after, waited >= escalate_after


def dispute_last_day(rejected_on: dt.date, window_days: int) -> dt.date:
    """The last day (city time) an objection to a rejection may be filed."""
    return rejected_on + dt.timedelta(days=window_days)


def check_dispute_window(rejected_on: dt.date, today: dt.date, window_days: int) -> None:
    last_day = dispute_last_day(rejected_on, window_days)
    if today > last_day:
        raise Conflict(f"the objection window of {window_days} days after the rejection "
                       f"has passed", [{"field": "task", "reason": "window closed"}],
                       code="dispute_window_closed",
                       params={"window_days": window_days, "last_day": last_day.isoformat()})


def check_hearer(actor, heard_by: str, hearer_id: int | None, original_approver_id: int,
                 employee_id: int, agency_id: int, scope: str) -> None:
    """Who may decide a dispute; the original approver never sits on it."""
    if actor.employee_id in (original_approver_id, employee_id):
        raise Forbidden("the original approver and the employee cannot decide this dispute",
                        code="dispute_party")
    if heard_by == "superior":
        if actor.employee_id != hearer_id:
            raise Forbidden("this dispute is heard by the approver's own superior",
                            code="dispute_heard_by_superior")
        return
    if not actor.has("review_team"):
        raise Forbidden("this dispute is heard by the review team", code="dispute_heard_by_review_team")
    if scope == "agency" and actor.agency_id != agency_id:
        raise Forbidden("the review team of another agency cannot decide this dispute",
                        code="dispute_other_agency")


def check_delegation(approver_id: int, delegate_id: int) -> None:
    if approver_id == delegate_id:
        raise InvalidInput("you cannot delegate to yourself",
                           [{"field": "delegate_id", "reason": "self"}], code="delegate_self")
