"""Reporting's queries: the narrow seam between the entrypoints and the tables."""
import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ekinerja_contract.errors import InvalidInput, NotFound
from ekinerja_contract.schemas import OrganisationIn

from .models import Account, ActivityType, Agency, Employee, Position, Report
from .rules import LIVE_STATES


def load_organisation(s: Session, org: OrganisationIn) -> tuple[Agency, list[tuple[Employee, bool]]]:
    """Upsert one agency's positions, employees and accounts. Returns the
    employees whose placement is new or changed. Raises before writing anything
    if a row refers to something that does not exist."""
    problems = []
    codes = {p.code for p in org.positions}
    for i, p in enumerate(org.positions):
        if p.superior and p.superior not in codes:
            problems.append({"row": i + 1, "field": "positions.superior",
                             "reason": f"unknown position {p.superior!r}"})
    seen_nips, seen_users = set(), set()
    for i, e in enumerate(org.employees):
        if e.position not in codes:
            problems.append({"row": i + 1, "field": "employees.position",
                             "reason": f"unknown position {e.position!r}"})
        if e.nip in seen_nips:
            problems.append({"row": i + 1, "field": "employees.nip", "reason": "duplicate NIP"})
        if e.username in seen_users:
            problems.append({"row": i + 1, "field": "employees.username",
                             "reason": "duplicate username"})
        seen_nips.add(e.nip)
        seen_users.add(e.username)
    if problems:
        raise InvalidInput("the organisation file has errors; nothing was loaded", problems)

    agency = s.scalar(select(Agency).where(Agency.code == org.agency.code))
    if agency is None:
        agency = Agency(code=org.agency.code, name=org.agency.name)
        s.add(agency)
    agency.name = org.agency.name
    s.flush()

    positions = {p.code: p for p in s.scalars(select(Position).where(Position.agency_id == agency.id))}
    for p in org.positions:
        row = positions.get(p.code) or Position(agency_id=agency.id, code=p.code)
        row.name, row.job_class = p.name, p.job_class
        positions[p.code] = row
        s.add(row)
    s.flush()
    for p in org.positions:
        positions[p.code].superior_position_id = positions[p.superior].id if p.superior else None

    placed = []
    for e in org.employees:
        emp = s.scalar(select(Employee).where(Employee.nip == e.nip))
        position_id = positions[e.position].id
        changed = emp is None or emp.position_id != position_id or emp.agency_id != agency.id
        if emp is None:
            emp = Employee(nip=e.nip)
            s.add(emp)
        emp.name, emp.agency_id, emp.position_id = e.name, agency.id, position_id
        emp.status, emp.grade = e.status, e.grade
        s.flush()
        account = s.scalar(select(Account).where(Account.username == e.username))
        if account is None:
            if not e.password_hash:
                raise InvalidInput(f"employee {e.nip} needs a password",
                                   [{"field": "employees.password", "reason": "missing"}])
            account = Account(username=e.username, password_hash=e.password_hash)
            s.add(account)
        elif account.employee_id not in (None, emp.id):
            raise InvalidInput(f"username {e.username!r} belongs to someone else",
                               [{"field": "employees.username", "reason": "taken"}])
        if e.password_hash:
            account.password_hash = e.password_hash
        account.roles = sorted(set(e.roles) | {"employee"})
        account.employee_id, account.agency_id = emp.id, agency.id
        placed.append((emp, changed))
    s.flush()
    return agency, placed


def superior_of(s: Session, employee: Employee) -> Employee | None:
    """The direct superior: whoever holds the superior position of the employee's."""
    superior_position = s.scalar(select(Position.superior_position_id)
                                 .where(Position.id == employee.position_id))
    if superior_position is None:
        return None
    return s.scalar(select(Employee).where(Employee.position_id == superior_position)
                    .order_by(Employee.id).limit(1))


def has_subordinates(s: Session, employee_id: int) -> bool:
    q = (select(func.count()).select_from(Employee)
         .join(Position, Employee.position_id == Position.id)
         .where(Position.superior_position_id ==
                select(Employee.position_id).where(Employee.id == employee_id).scalar_subquery()))
    return (s.scalar(q) or 0) > 0


def employee(s: Session, employee_id: int, lock: bool = False) -> Employee:
    q = select(Employee).where(Employee.id == employee_id)
    row = s.scalar(q.with_for_update() if lock else q)
    if row is None:
        raise NotFound(f"employee {employee_id} not found")
    return row


def job_class(s: Session, employee: Employee) -> int:
    return s.scalar(select(Position.job_class).where(Position.id == employee.position_id))


def activity_versions(s: Session, code: str) -> list[ActivityType]:
    return list(s.scalars(select(ActivityType).where(ActivityType.code == code)))


def latest_versions(s: Session) -> dict[str, ActivityType]:
    latest = {}
    for row in s.scalars(select(ActivityType).order_by(ActivityType.code, ActivityType.version)):
        latest[row.code] = row
    return latest


def reports_on(s: Session, employee_id: int, date: dt.date) -> list[Report]:
    return list(s.scalars(select(Report).where(Report.employee_id == employee_id,
                                               Report.date == date,
                                               Report.state.in_(LIVE_STATES))))


def evidence_in_use(s: Session, sha256: str) -> Report | None:
    return s.scalar(select(Report).where(Report.evidence_sha256 == sha256,
                                         Report.state.in_(LIVE_STATES)).limit(1))


def reports_of(s: Session, employee_id: int, start: dt.date, end: dt.date) -> list[Report]:
    return list(s.scalars(select(Report).where(Report.employee_id == employee_id,
                                               Report.date >= start, Report.date < end)
                          .order_by(Report.date, Report.start)))
