"""Approval's numbers: a projection of the city's one rule set, which scoring owns.

The calendar (holidays), the approver points and their daily cap, the reminder and
escalation days and the objection window all come from the set in force for the
task's agency on the day in question, resolved by the contract's one rule
(`ekinerja_contract.rule_set.in_force`); before any is published, its defaults."""
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekinerja_contract.rule_set import default_body, in_force

from .models import RuleSet


@dataclass(frozen=True)
class Numbers:
    holidays: frozenset[dt.date]
    points_per_decision: Decimal
    daily_points_cap: Decimal
    remind_after: int
    escalate_after: int
    objection_window: int


_DEFAULT = default_body()
DEFAULTS = Numbers(frozenset(_DEFAULT.holidays), _DEFAULT.approver_points_per_decision,
                   _DEFAULT.approver_daily_points_cap, _DEFAULT.remind_after_days,
                   _DEFAULT.escalate_after_days, _DEFAULT.objection_window_days)


def project(uow, published) -> None:
    """Keep what approval applies of a published rule set; a redelivery changes nothing
    (1.0 messages carry no body: nothing to keep)."""
    body = published.body
    if body is None or uow.session.scalar(
            select(RuleSet.id).where(RuleSet.source_id == published.rule_set_id)):
        return
    uow.session.add(RuleSet(
        source_id=published.rule_set_id, agency_id=published.agency_id,
        effective_from=published.effective_from,
        holidays=[d.isoformat() for d in body.holidays],
        approver_points_per_decision=body.approver_points_per_decision,
        approver_daily_points_cap=body.approver_daily_points_cap,
        remind_after_days=body.remind_after_days, escalate_after_days=body.escalate_after_days,
        objection_window_days=body.objection_window_days))


def resolver(s: Session) -> Callable[[int | None, dt.date], Numbers]:
    """`(agency_id, day) -> Numbers`, reading the (small) projection once."""
    rows = list(s.scalars(select(RuleSet)))
    by_row: dict[int, Numbers] = {}
    by_day: dict[tuple[int | None, dt.date], Numbers] = {}  # the timer asks for every waiting day

    def numbers(agency_id: int | None, day: dt.date) -> Numbers:
        if (agency_id, day) in by_day:
            return by_day[(agency_id, day)]
        row = in_force(rows, agency_id, day)
        if row is None:
            found = DEFAULTS
        else:
            if row.id not in by_row:
                by_row[row.id] = Numbers(
                    frozenset(dt.date.fromisoformat(d) for d in row.holidays),
                    Decimal(row.approver_points_per_decision),
                    Decimal(row.approver_daily_points_cap), row.remind_after_days,
                    row.escalate_after_days, row.objection_window_days)
            found = by_row[row.id]
        by_day[(agency_id, day)] = found
        return found
    return numbers


def numbers_on(s: Session, agency_id: int | None, day: dt.date) -> Numbers:
    return resolver(s)(agency_id, day)


def holidays_between(numbers: Callable[[int | None, dt.date], Numbers], agency_id: int | None,
                     start: dt.date, end: dt.date) -> frozenset[dt.date]:
    """The holidays in (start, end], each day judged by the set in force on it, as scoring
    judges a month's working days: one calendar."""
    days = (start + dt.timedelta(days=n) for n in range(1, (end - start).days + 1))
    return frozenset(d for d in days if d in numbers(agency_id, d).holidays)
