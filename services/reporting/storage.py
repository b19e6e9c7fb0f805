"""Reporting's queries: the narrow seam between the use cases and the tables."""
import datetime as dt
from functools import partial
from types import SimpleNamespace

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ekinerja_contract.errors import NotFound
from ekinerja_contract.rule_set import in_force

from . import rules
from .models import (
    ActivityType,
    Agency,
    ClosedPeriod,
    Employee,
    GraceWindow,
    Placement,
    Position,
    Report,
    RuleSet,
    Skp,
    SkpItem,
)

DEFAULT_RULES = rules.DEFAULTS


def employee(s: Session, employee_id: int, lock: bool = False) -> Employee:
    q = select(Employee).where(Employee.id == employee_id)
    row = s.scalar(q.with_for_update() if lock else q)
    if row is None:
        raise NotFound(f"employee {employee_id} not found", code="employee_not_found")
    return row


def position_ref(s: Session, agency_id: int, ref: str) -> Position | None:
    """`CODE` in the agency, or `AGENCY/CODE` anywhere."""
    if "/" in ref:
        agency_code, code = ref.split("/", 1)
        return s.scalar(select(Position).join(Agency, Agency.id == Position.agency_id)
                        .where(Agency.code == agency_code, Position.code == code))
    return s.scalar(select(Position).where(Position.agency_id == agency_id, Position.code == ref))


def placements_of_position(s: Session, position_id: int) -> list[Placement]:
    return list(s.scalars(select(Placement).where(Placement.position_id == position_id)))


def position_on(s: Session, employee_id: int, on: dt.date) -> Position:
    """The position of the employee's definitive placement on a date (one query)."""
    position = s.scalar(select(Position).join(Placement, Placement.position_id == Position.id).where(
        Placement.employee_id == employee_id, Placement.kind == "definitive",
        Placement.start_date <= on,
        or_(Placement.end_date.is_(None), Placement.end_date >= on))
        .order_by(Placement.start_date.desc()).limit(1))
    if position is None:
        raise NotFound(f"employee {employee_id} holds no position on {on.isoformat()}",
                       code="no_position", params={"date": on.isoformat()})
    return position


def superior_id_on(s: Session, employee_id: int, on: dt.date,
                   position: Position | None = None) -> int | None:
    """The direct superior on a date: whoever holds (or acts in) the superior
    position; a vacant one passes the task one level up. Give `position` when the
    caller has already looked it up."""
    position = position or position_on(s, employee_id, on)
    superior_position = position.superior_position_id
    while superior_position is not None:
        holder = rules.holder_on(placements_of_position(s, superior_position), on)
        if holder is not None and holder.employee_id != employee_id:
            return holder.employee_id
        superior_position = s.scalar(select(Position.superior_position_id)
                                     .where(Position.id == superior_position))
    return None


def is_head_approver(s: Session, employee_id: int, on: dt.date) -> bool:
    """Whether someone holds a position a rule set names as the approver of heads: they
    approve work though nobody reports to them in the org chart."""
    held = set(positions_held_on(s, employee_id, on))
    refs = {ref for ref in s.scalars(select(RuleSet.head_approver).where(
        RuleSet.head_approver.is_not(None), RuleSet.effective_from <= on)) if ref}
    return bool(held) and any(
        # a head approver is always AGENCY/CODE (the rule set's pattern): no agency to resolve in
        (position := position_ref(s, 0, ref)) is not None and position.id in held for ref in refs)


def approver_id_on(s: Session, employee_id: int, on: dt.date,
                   position: Position | None = None, head_approver: str | None = None
                   ) -> int | None:
    """Who approves this employee's work of a date: the direct superior; for someone with
    none (an agency head, the city secretary), whoever holds the position the city's
    rule set names (`head_approver`, given or looked up), never the person themselves;
    None when there is nobody."""
    position = position or position_on(s, employee_id, on)
    superior_id = superior_id_on(s, employee_id, on, position)
    if superior_id is not None:
        return superior_id
    ref = head_approver or rule_set_on(s, position.agency_id, on).head_approver
    head_position = position_ref(s, position.agency_id, ref) if ref else None
    holder = rules.holder_on(placements_of_position(s, head_position.id), on) \
        if head_position is not None else None
    return None if holder is None or holder.employee_id == employee_id else holder.employee_id


def superior_on(s: Session, employee_id: int, on: dt.date) -> Employee | None:
    superior_id = superior_id_on(s, employee_id, on)
    return None if superior_id is None else s.get(Employee, superior_id)


def positions_held_on(s: Session, employee_id: int, on: dt.date) -> list[int]:
    """Positions someone holds on a date: definitive or acting."""
    return list(s.scalars(select(Placement.position_id).where(
        Placement.employee_id == employee_id, Placement.start_date <= on,
        or_(Placement.end_date.is_(None), Placement.end_date >= on))))


def placed_in_agency(s: Session, agency_id: int, on: dt.date) -> list[Employee]:
    """Everyone holding (or acting in) a position of the agency on a date, by name."""
    return list(s.scalars(
        select(Employee).join(Placement, Placement.employee_id == Employee.id)
        .join(Position, Position.id == Placement.position_id)
        .where(Position.agency_id == agency_id, Placement.start_date <= on,
               or_(Placement.end_date.is_(None), Placement.end_date >= on))
        .distinct().order_by(Employee.name)))


def subordinates_on(s: Session, employee_id: int, on: dt.date) -> list[Employee]:
    """Everyone whose direct superior on that date is this employee."""
    held = positions_held_on(s, employee_id, on)
    if not held:
        return []
    candidates = s.scalars(select(Employee).join(Placement, Placement.employee_id == Employee.id)
                           .join(Position, Position.id == Placement.position_id)
                           .where(Position.superior_position_id.in_(held),
                                  Placement.kind == "definitive", Placement.start_date <= on,
                                  or_(Placement.end_date.is_(None), Placement.end_date >= on)))
    return [e for e in candidates if superior_id_on(s, e.id, on) == employee_id]


def rule_set_on(s: Session, agency_id: int | None, on: dt.date) -> SimpleNamespace:
    """Reporting's numbers in force for an agency on a date (the projection of the city's
    rule set; the contract's defaults before any was published)."""
    row = in_force(s.scalars(select(RuleSet).where(
        RuleSet.effective_from <= on,
        or_(RuleSet.agency_id.is_(None), RuleSet.agency_id == agency_id))), agency_id, on)
    if row is None:
        defaults = DEFAULT_RULES
        return SimpleNamespace(daily_cap_minutes=defaults.daily_cap_minutes,
                               input_deadline_day=defaults.input_deadline_day,
                               head_approver=defaults.head_approver, effective_from=None)
    return SimpleNamespace(daily_cap_minutes=row.daily_cap_minutes,
                           input_deadline_day=row.input_deadline_day,
                           head_approver=row.head_approver, effective_from=row.effective_from)


def input_window(s: Session, agency_id: int, on: dt.date, period: str,
                 rules_on=None) -> SimpleNamespace:
    """What decides whether work of a date may still be reported: the rule set's daily
    cap, deadline day and head approver, whether the period is closed for the agency,
    and the last day of any grace window."""
    numbers = SimpleNamespace(**vars((rules_on or partial(rule_set_on, s))(agency_id, on)))
    row = s.execute(select(
        select(func.count()).select_from(ClosedPeriod).where(
            ClosedPeriod.period == period,
            or_(ClosedPeriod.agency_id == agency_id, ClosedPeriod.agency_id.is_(None)))
        .scalar_subquery(),
        select(func.max(GraceWindow.until)).where(
            GraceWindow.agency_id == agency_id, GraceWindow.period == period,
            GraceWindow.revoked_at.is_(None)).scalar_subquery(),
    )).one()
    numbers.closed, numbers.grace_until = row[0] > 0, row[1]
    return numbers


def skp_item_of(s: Session, item_id: int):
    """(kind, employee_id, year, state) of an SKP item and its SKP, or None."""
    return s.execute(select(SkpItem.kind, Skp.employee_id, Skp.year, Skp.state)
                     .join(Skp, Skp.id == SkpItem.skp_id).where(SkpItem.id == item_id)).first()


def activity_versions(s: Session, code: str) -> list[ActivityType]:
    return list(s.scalars(select(ActivityType).where(ActivityType.code == code)))


def latest_versions(s: Session) -> dict[str, ActivityType]:
    latest = {}
    for row in s.scalars(select(ActivityType).order_by(ActivityType.code, ActivityType.version)):
        latest[row.code] = row
    return latest


def live_reports_on(s: Session, employee_id: int, date: dt.date,
                    excluding: int | None = None) -> list:
    """(id, start, end, state, counted_minutes) of the day's live reports: rows, not
    entities, since a submission reads them only to check overlaps and the cap."""
    q = select(Report.id, Report.start, Report.end, Report.state, Report.counted_minutes).where(
        Report.employee_id == employee_id, Report.date == date, Report.state.in_(rules.LIVE_STATES))
    if excluding is not None:
        q = q.where(Report.id != excluding)
    return list(s.execute(q))


def evidence_in_use(s: Session, sha256: str, employee_id: int,
                    excluding: int | None = None) -> Report | None:
    """The employee's own live report with these bytes, if any."""
    q = select(Report).where(Report.evidence_sha256 == sha256, Report.employee_id == employee_id,
                             Report.state.in_(rules.LIVE_STATES))
    if excluding is not None:
        q = q.where(Report.id != excluding)
    return s.scalar(q.limit(1))


def reports_of(s: Session, employee_id: int, start: dt.date, end: dt.date) -> list[Report]:
    return list(s.scalars(select(Report).where(Report.employee_id == employee_id,
                                               Report.date >= start, Report.date < end)
                          .order_by(Report.date, Report.start)))


def skp_of(s: Session, employee_id: int, year: int) -> Skp | None:
    return s.scalar(select(Skp).where(Skp.employee_id == employee_id, Skp.year == year))


def skp_items(s: Session, skp_id: int) -> list[SkpItem]:
    return list(s.scalars(select(SkpItem).where(SkpItem.skp_id == skp_id).order_by(SkpItem.id)))
