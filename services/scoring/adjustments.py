"""What pay depends on besides work and attendance, as people enter it, and objections
to a closed month's TPP line: conditions without TPP (decrees), each agency's quarterly
budget realisation, tax profiles; an employee objects to one step of their line within
the rule set's window, the review team decides, and an upheld objection becomes an
audited correction (payroll.correct: a new snapshot version, never an edit)."""
import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from ekinerja_contract import clock, periods
from ekinerja_contract.envelope import utcnow
from ekinerja_contract.errors import Conflict, Forbidden, InvalidInput, NotFound
from ekinerja_contract.schemas import (
    Actor,
    BudgetRealisationIn,
    ConditionIn,
    PayObjectionDecisionIn,
    PayObjectionIn,
    TaxProfileIn,
)

from . import payroll
from .models import (
    BudgetRealisation,
    EmployeeCondition,
    PayObjection,
    SnapshotLine,
    TaxProfile,
)

_person = payroll.latest_placement


def _may_administer(actor: Actor, agency_id: int) -> None:
    payroll.may_administer(actor, agency_id)


# --- conditions ------------------------------------------------------------------------------

def record_condition(uow, actor: Actor, data: ConditionIn) -> EmployeeCondition:
    """A decree's spell without TPP. Not in a closed month of the person's agency: that
    changes only by correction."""
    s = uow.session
    person = _person(s, data.employee_id)
    _may_administer(actor, person.agency_id)
    if payroll.is_closed(s, periods.period_of(data.start_date), person.agency_id):
        raise Conflict("that month is closed; it changes only by a correction",
                       code="condition_period_closed",
                       params={"period": periods.period_of(data.start_date)})
    row = EmployeeCondition(**data.model_dump(), recorded_by=actor.account_id, recorded_at=utcnow())
    s.add(row)
    s.flush()
    return row


def end_condition(uow, actor: Actor, condition_id: int, end_date: dt.date) -> EmployeeCondition:
    s = uow.session
    row = s.get(EmployeeCondition, condition_id)
    if row is None:
        raise NotFound(f"condition {condition_id} not found", code="condition_not_found")
    _may_administer(actor, _person(s, row.employee_id).agency_id)
    if end_date < row.start_date:
        raise InvalidInput("the end is before the start",
                           [{"field": "end_date", "code": "end_date_before_start_date",
                             "reason": end_date.isoformat()}], code="invalid_input")
    row.end_date = end_date
    return row


def conditions_of(s, employee_id: int) -> list[EmployeeCondition]:
    return list(s.scalars(select(EmployeeCondition).where(EmployeeCondition.employee_id == employee_id)
                          .order_by(EmployeeCondition.start_date, EmployeeCondition.id)))


def condition_dict(c: EmployeeCondition) -> dict:
    return {"id": c.id, "employee_id": c.employee_id, "kind": c.kind,
            "start_date": c.start_date.isoformat(),
            "end_date": c.end_date.isoformat() if c.end_date else None, "reference": c.reference,
            "recorded_by": c.recorded_by, "recorded_at": c.recorded_at.isoformat()}


# --- budget realisation, tax profiles -----------------------------------------------------------

def set_budget_realisation(uow, actor: Actor, data: BudgetRealisationIn) -> BudgetRealisation:
    """Set again, it changes, until a month of that quarter is closed for the agency."""
    s = uow.session
    months = [f"{data.year}-{m:02d}" for m in range(data.quarter * 3 - 2, data.quarter * 3 + 1)]
    closed = [m for m in months if payroll.is_closed(s, m, data.agency_id)]
    if closed:
        raise Conflict("a month of that quarter is closed; it changes only by a correction",
                       code="realisation_period_closed", params={"period": closed[0]})
    row = s.scalar(select(BudgetRealisation).where(
        BudgetRealisation.agency_id == data.agency_id, BudgetRealisation.year == data.year,
        BudgetRealisation.quarter == data.quarter).with_for_update())
    if row is None:
        row = BudgetRealisation(agency_id=data.agency_id, year=data.year, quarter=data.quarter)
        s.add(row)
    row.percent, row.set_by, row.set_at = data.percent, actor.account_id, utcnow()
    s.flush()
    return row


def realisation_dict(r: BudgetRealisation) -> dict:
    return {"agency_id": r.agency_id, "year": r.year, "quarter": r.quarter,
            "percent": str(Decimal(r.percent).quantize(Decimal("0.01"))),
            "set_by": r.set_by, "set_at": r.set_at.isoformat()}


def set_tax_profile(uow, actor: Actor, data: TaxProfileIn) -> TaxProfile:
    s = uow.session
    _person(s, data.employee_id)
    row = s.get(TaxProfile, data.employee_id) or TaxProfile(employee_id=data.employee_id)
    row.ptkp, row.monthly_salary = data.ptkp, data.monthly_salary
    row.set_by, row.set_at = actor.account_id, utcnow()
    s.add(row)
    s.flush()
    return row


# --- objections to a pay line ---------------------------------------------------------------------

def file_pay_objection(uow, actor: Actor, data: PayObjectionIn, today: dt.date) -> PayObjection:
    """One open objection per person, month and step, within the window after the close."""
    s = uow.session
    if actor.employee_id is None:
        raise Forbidden("only employees object to their own pay", code="employees_only")
    person = _person(s, actor.employee_id)
    snapshot = payroll.latest_snapshot(s, data.period, person.agency_id) or \
        payroll.latest_snapshot(s, data.period, None)
    if snapshot is None:
        raise Conflict(f"{data.period} is not closed yet: the recap is still an estimate",
                       code="period_not_closed", params={"period": data.period})
    closed_on = clock.local_date(snapshot.created_at)
    window = payroll.rule_resolver(s)(person.agency_id, closed_on).body.pay_objection_days
    until = closed_on + dt.timedelta(days=window)
    if today > until:
        raise Conflict(f"objections to {data.period} closed on {until}", code="pay_objection_window",
                       params={"period": data.period, "until": until.isoformat()})
    if s.scalar(select(PayObjection.id).where(
            PayObjection.employee_id == actor.employee_id, PayObjection.period == data.period,
            PayObjection.step == data.step, PayObjection.state == "filed")):
        raise Conflict("that objection is already with the review team", code="pay_objection_open")
    row = PayObjection(employee_id=actor.employee_id, agency_id=person.agency_id, period=data.period,
                       snapshot_version=snapshot.version, step=data.step, reason=data.reason,
                       state="filed", filed_at=utcnow())
    s.add(row)
    s.flush()
    uow.emit("payroll.objection_filed", dict(objection_id=row.id, employee_id=row.employee_id,
                                             agency_id=row.agency_id, period=row.period, step=row.step))
    return row


def pay_objections(s, actor: Actor, state: str | None = "filed", employee_id: int | None = None):
    """The review team's queue (oldest first), or an employee's own objections."""
    q = select(PayObjection).order_by(PayObjection.filed_at, PayObjection.id)
    if not actor.has("review_team", "city_admin"):
        q = q.where(PayObjection.employee_id == actor.employee_id)
    elif employee_id is not None:
        q = q.where(PayObjection.employee_id == employee_id)
    if state:
        q = q.where(PayObjection.state == state)
    return list(s.scalars(q.limit(500)))


def objected_line(s, o: PayObjection) -> dict | None:
    """The newest frozen line the objection is about: what the review team weighs it against."""
    for agency in (o.agency_id, None):
        snapshot = payroll.latest_snapshot(s, o.period, agency)
        if snapshot is not None:
            line = s.scalar(select(SnapshotLine.line).where(SnapshotLine.snapshot_id == snapshot.id,
                                                            SnapshotLine.employee_id == o.employee_id))
            if line is not None:
                return {k: line.get(k) for k in ("name", "nip", "net", "steps", "segments", "excluded")} | {
                    "snapshot_version": snapshot.version}
    return None


def decide_pay_objection(uow, actor: Actor, objection_id: int, data: PayObjectionDecisionIn) -> PayObjection:
    s = uow.session
    if not actor.has("review_team"):
        raise Forbidden("the review team decides objections", code="roles_required")
    row = s.get(PayObjection, objection_id, with_for_update=True)
    if row is None:
        raise NotFound(f"objection {objection_id} not found", code="pay_objection_not_found")
    if row.employee_id == actor.employee_id:
        raise Forbidden("nobody decides their own objection", code="pay_objection_self")
    if row.state != "filed":
        raise Conflict("that objection is already decided", code="pay_objection_decided",
                       params={"state": row.state})
    row.state = "upheld" if data.upheld else "dismissed"
    row.decided_by, row.decided_at, row.decision = actor.account_id, utcnow(), data.reason
    if data.upheld:
        snapshot = payroll.correct(uow, actor, row.employee_id, row.period, data.points, data.rupiah,
                                   data.minutes, f"keberatan #{row.id} diterima: {data.reason}",
                                   data.excuse_dates)
        row.correction_version = snapshot.version
    uow.emit("payroll.objection_decided", dict(
        objection_id=row.id, employee_id=row.employee_id, agency_id=row.agency_id,
        period=row.period, step=row.step, upheld=data.upheld, reason=data.reason,
        correction_version=row.correction_version))
    return row


def objection_dict(o: PayObjection) -> dict:
    return {"id": o.id, "employee_id": o.employee_id, "agency_id": o.agency_id, "period": o.period,
            "snapshot_version": o.snapshot_version, "step": o.step, "reason": o.reason,
            "state": o.state, "filed_at": o.filed_at.isoformat(), "decided_by": o.decided_by,
            "decided_at": o.decided_at.isoformat() if o.decided_at else None,
            "decision": o.decision, "correction_version": o.correction_version}
