"""Loading the organisation: agencies, units, positions, employees, placements
(acting officials included) and accounts, from JSON or a personnel-system CSV.
A load lands whole or not at all: every problem is reported before anything is written."""
import csv
import datetime as dt
import io

from pydantic import ValidationError
from sqlalchemy import select

from ekinerja_contract.envelope import utcnow
from ekinerja_contract.errors import InvalidInput
from ekinerja_contract.schemas import OrganisationIn

from . import rules, storage
from .models import Account, Agency, Employee, Placement, Position, Unit

NO_PASSWORD = "!"  # an account that cannot log in until a password is set


def check(s, org: OrganisationIn, today: dt.date) -> list[dict]:
    """Every problem with an organisation file, as {row, field, code, reason}."""
    codes = {p.code for p in org.positions}
    return (_position_problems(s, org, codes) + _chain_problems(org, codes)
            + _employee_problems(org, codes, today) + _acting_problems(s, org, codes))


def _position_problems(s, org: OrganisationIn, codes: set[str]) -> list[dict]:
    problems = []
    units = {u.code for u in org.units}
    for i, p in enumerate(org.positions, 1):
        if p.unit and p.unit not in units:
            problems.append({"row": i, "field": "positions.unit", "code": "unknown_unit",
                             "params": {"value": p.unit}, "reason": f"unknown unit {p.unit!r}"})
        if p.superior and "/" not in p.superior and p.superior not in codes:
            problems.append({"row": i, "field": "positions.superior", "code": "unknown_position",
                             "params": {"value": p.superior},
                             "reason": f"unknown position {p.superior!r}"})
        if p.superior and "/" in p.superior and storage.position_ref(s, 0, p.superior) is None:
            problems.append({"row": i, "field": "positions.superior", "code": "unknown_position",
                             "params": {"value": p.superior},
                             "reason": f"no position {p.superior!r} in the system"})
    return problems


def _chain_problems(org: OrganisationIn, codes: set[str]) -> list[dict]:
    """A chain of superiors that comes back to itself would never end."""
    superiors = {p.code: p.superior for p in org.positions}
    for code in codes:
        seen: set[str | None] = set()
        cur: str | None = code
        while cur in superiors and cur not in seen:
            seen.add(cur)
            cur = superiors[cur]
        if cur in seen:
            return [{"row": 0, "field": "positions.superior", "code": "superior_loop",
                     "params": {"value": code}, "reason": f"superior chain of {code!r} loops"}]
    return []


def _employee_problems(org: OrganisationIn, codes: set[str], today: dt.date) -> list[dict]:
    problems: list[dict] = []
    nips: set[str] = set()
    users: set[str] = set()
    for i, e in enumerate(org.employees, 1):
        if (why := rules.nip_problem(e.nip, today)) is not None:
            problems.append({"row": i, "field": "employees.nip", "code": "nip_invalid",
                             "reason": why})
        if e.position not in codes:
            problems.append({"row": i, "field": "employees.position", "code": "unknown_position",
                             "params": {"value": e.position},
                             "reason": f"unknown position {e.position!r}"})
        if e.bank_account and not e.bank_name:
            problems.append({"row": i, "field": "employees.bank_name", "code": "bank_required",
                             "reason": "a bank account needs its bank"})
        for value, seen, field in ((e.nip, nips, "nip"), (e.username, users, "username")):
            if value in seen:
                problems.append({"row": i, "field": f"employees.{field}", "code": "duplicate",
                                 "reason": f"duplicate {field}"})
            seen.add(value)
    return problems


def _acting_problems(s, org: OrganisationIn, codes: set[str]) -> list[dict]:
    problems, nips = [], {e.nip for e in org.employees}
    for i, a in enumerate(org.acting, 1):
        if a.nip not in nips and s.scalar(select(Employee.id).where(Employee.nip == a.nip)) is None:
            problems.append({"row": i, "field": "acting.nip", "code": "unknown_employee",
                             "reason": "unknown employee"})
        if "/" not in a.position and a.position not in codes:
            problems.append({"row": i, "field": "acting.position", "code": "unknown_position",
                             "params": {"value": a.position},
                             "reason": f"unknown position {a.position!r}"})
    return problems


def load(uow, org: OrganisationIn, today: dt.date, tick=lambda: None) -> dict:
    """Upsert one agency; emits org.placement_changed for every new placement."""
    s = uow.session
    if problems := check(s, org, today):
        raise InvalidInput("the organisation file has errors; nothing was loaded", problems,
                           code="organisation_invalid")
    agency = s.scalar(select(Agency).where(Agency.code == org.agency.code))
    if agency is None:
        agency = Agency(code=org.agency.code)
        s.add(agency)
    agency.name = org.agency.name
    s.flush()

    units = {u.code: u for u in s.scalars(select(Unit).where(Unit.agency_id == agency.id))}
    for u in org.units:
        row = units.get(u.code) or Unit(agency_id=agency.id, code=u.code)
        row.name = u.name
        units[u.code] = row
        s.add(row)
    s.flush()

    positions = {p.code: p for p in s.scalars(select(Position).where(Position.agency_id == agency.id))}
    for p in org.positions:
        row = positions.get(p.code) or Position(agency_id=agency.id, code=p.code)
        row.name, row.job_class = p.name, p.job_class
        row.unit_id = units[p.unit].id if p.unit else None
        positions[p.code] = row
        s.add(row)
    s.flush()
    for p in org.positions:
        positions[p.code].superior_position_id = (
            _known_position(s, agency.id, p.superior).id if p.superior else None)

    placed, payees_changed = [], []
    for e in org.employees:
        emp = s.scalar(select(Employee).where(Employee.nip == e.nip))
        if emp is None:
            emp = Employee(nip=e.nip)
            s.add(emp)
        emp.name, emp.status, emp.grade = e.name, e.status, e.grade
        if e.bank_account is not None:  # a file without bank columns keeps what is known
            payee = (e.bank_name, e.bank_account, e.bank_account_holder or e.name)
            before = (emp.bank_name, emp.bank_account, emp.bank_account_holder)
            if payee != before:
                # where TPP goes is money: each change is audited with its before and after
                # (the caller's audit entry) and shown to finance beside the account
                if emp.bank_account is not None:
                    payees_changed.append({"nip": emp.nip, "before": mask(before[1]),
                                           "after": mask(payee[1]), "bank": payee[0]})
                emp.bank_name, emp.bank_account, emp.bank_account_holder = payee
                emp.bank_changed_at = utcnow()
        s.flush()
        since = e.since or today
        placement = _place(s, emp, positions[e.position], since)
        if placement is not None:
            placed.append(placement)
        _account(s, emp, agency, e)
        tick()
    for a in org.acting:
        emp = s.scalar(select(Employee).where(Employee.nip == a.nip))
        position = _known_position(s, agency.id, a.position)
        exists = s.scalar(select(Placement.id).where(
            Placement.employee_id == emp.id, Placement.position_id == position.id,
            Placement.kind == a.kind, Placement.start_date == a.start))
        if exists is None:
            row = Placement(employee_id=emp.id, position_id=position.id, kind=a.kind,
                            start_date=a.start, end_date=a.end)
            s.add(row)
            placed.append(row)
        tick()
    s.flush()
    for placement in placed:
        emit_placement(uow, placement)
    return {"agency_id": agency.id, "employees": len(org.employees), "placements": len(placed),
            "payees_changed": payees_changed}


def mask(account: str | None) -> str | None:
    """An account number as an audit line keeps it: its last four digits."""
    return None if account is None else "*" * max(0, len(account) - 4) + account[-4:]


def _known_position(s, agency_id: int, ref: str) -> Position:
    """A position that check() found: an unknown reference is a problem, never loaded."""
    position = storage.position_ref(s, agency_id, ref)
    assert position is not None
    return position


def _place(s, emp: Employee, position: Position, since: dt.date) -> Placement | None:
    """Move someone to a position from a date: the open placement ends the day before."""
    current = s.scalar(select(Placement).where(Placement.employee_id == emp.id,
                                               Placement.kind == "definitive",
                                               Placement.end_date.is_(None)))
    if current is not None and current.position_id == position.id:
        return None
    if current is not None:
        current.end_date = max(current.start_date, since - dt.timedelta(days=1))
    row = Placement(employee_id=emp.id, position_id=position.id, kind="definitive",
                    start_date=since, end_date=None)
    s.add(row)
    return row


def _account(s, emp: Employee, agency: Agency, e) -> None:
    account = s.scalar(select(Account).where(Account.username == e.username))
    if account is None:
        account = s.scalar(select(Account).where(Account.employee_id == emp.id))
    if account is None:
        account = Account(username=e.username, password_hash=e.password_hash or NO_PASSWORD)
        s.add(account)
    elif account.employee_id not in (None, emp.id):
        raise InvalidInput(f"username {e.username!r} belongs to someone else",
                           [{"field": "employees.username", "reason": "taken"}],
                           code="username_taken", params={"username": e.username})
    roles = sorted(set(e.roles) | {"employee"})
    # A new password, new roles or another agency: tokens issued before stop working.
    changed = account.id is not None and (
        bool(e.password_hash and e.password_hash != account.password_hash)
        or sorted(account.roles or []) != roles or account.agency_id != agency.id)
    if e.password_hash:
        account.password_hash = e.password_hash
    account.username = e.username
    account.roles = roles
    account.employee_id, account.agency_id = emp.id, agency.id
    if changed:
        account.token_version = (account.token_version or 0) + 1


def emit_placement(uow, placement: Placement) -> None:
    s = uow.session
    emp = s.get(Employee, placement.employee_id)
    position = s.get(Position, placement.position_id)
    # 1.1 names them: the load has them in the session already (s.get reads no row twice)
    agency = s.get(Agency, position.agency_id)
    unit = s.get(Unit, position.unit_id) if position.unit_id is not None else None
    superior = None
    if placement.kind == "definitive":
        superior = storage.superior_on(s, emp.id, placement.start_date)
    uow.emit("org.placement_changed", dict(
        employee_id=emp.id, nip=emp.nip, name=emp.name, status=emp.status,
        agency_id=position.agency_id, position_id=position.id, position_code=position.code,
        job_class=position.job_class, kind=placement.kind, start_date=placement.start_date,
        end_date=placement.end_date,
        superior_employee_id=superior.id if superior else None, grade=emp.grade,
        agency_code=agency.code, agency_name=agency.name,
        unit_id=unit.id if unit else None, unit_name=unit.name if unit else None,
        position_name=position.name, superior_position_id=position.superior_position_id))


# --- CSV import ---------------------------------------------------------------------

CSV_COLUMNS = ["nip", "nama", "status", "golongan", "kode_opd", "nama_opd", "kode_unit",
               "nama_unit", "kode_jabatan", "nama_jabatan", "kelas_jabatan",
               "kode_jabatan_atasan", "jenis", "tmt_mulai", "tmt_selesai", "username", "peran",
               "bank", "no_rekening", "nama_rekening"]
REQUIRED = ["nip", "nama", "kode_opd", "nama_opd", "kode_jabatan", "nama_jabatan",
            "kelas_jabatan", "jenis", "tmt_mulai"]


KINDS = {"definitif": "definitive", "plt": "plt", "plh": "plh"}


def parse_csv(text: str) -> tuple[dict[str, dict], list[dict]]:
    """Rows of a personnel-system export -> one organisation dict per agency, plus
    every problem as {row, column, code, reason}: every problem of every row, not the
    first. Row numbers count the header as row 1."""
    problems: list[dict] = []
    agencies: dict[str, dict] = {}
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        return {}, [{"row": 1, "column": c, "code": "missing_column", "reason": "missing column"}
                    for c in missing]
    for n, raw in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in raw.items() if k}
        bad, kind, dates = _row_problems(n, row)
        if bad:
            problems += bad
        else:
            _add_row(agencies, n, row, kind, dates)
    for org in agencies.values():
        org["units"] = list(org["units"].values())
        org["positions"] = list(org["positions"].values())
    return agencies, problems


def _row_problems(n: int, row: dict) -> tuple[list[dict], str | None, dict]:
    """Everything wrong with one row, its kind of placement and its dates."""
    bad = [{"row": n, "column": c, "code": "missing", "reason": "required"}
           for c in REQUIRED if not row.get(c)]
    kind = KINDS.get(row.get("jenis", "").lower())
    if row.get("jenis") and kind is None:
        bad.append({"row": n, "column": "jenis", "code": "placement_kind",
                    "reason": "must be definitif, plt or plh"})
    dates = {}
    for col in ("tmt_mulai", "tmt_selesai"):
        if row.get(col):
            try:
                dates[col] = dt.date.fromisoformat(row[col])
            except ValueError:
                bad.append({"row": n, "column": col, "code": "date_parsing",
                            "reason": "not a date (YYYY-MM-DD)"})
    if kind in ("plt", "plh") and not row.get("tmt_selesai"):
        bad.append({"row": n, "column": "tmt_selesai", "code": "acting_end_required",
                    "reason": "required for plt/plh"})
    if not row.get("kelas_jabatan", "").isdigit():
        bad.append({"row": n, "column": "kelas_jabatan", "code": "job_class_number",
                    "reason": "must be a number 1-17"})
    return bad, kind, dates


def _add_row(agencies: dict, n: int, row: dict, kind: str | None, dates: dict) -> None:
    org = agencies.setdefault(row["kode_opd"], {
        "agency": {"code": row["kode_opd"], "name": row["nama_opd"]},
        "units": {}, "positions": {}, "employees": [], "acting": [], "_rows": {}})
    if row.get("kode_unit"):
        org["units"][row["kode_unit"]] = {"code": row["kode_unit"],
                                          "name": row.get("nama_unit") or row["kode_unit"]}
    org["positions"][row["kode_jabatan"]] = {
        "code": row["kode_jabatan"], "name": row["nama_jabatan"],
        "job_class": int(row["kelas_jabatan"]), "unit": row.get("kode_unit") or None,
        "superior": row.get("kode_jabatan_atasan") or None}
    if kind == "definitive":
        org["_rows"][("employees", len(org["employees"]) + 1)] = n
        org["employees"].append({
            "nip": row["nip"], "name": row["nama"], "position": row["kode_jabatan"],
            "since": dates["tmt_mulai"].isoformat(), "status": row.get("status") or "PNS",
            "grade": row.get("golongan") or None,
            "username": row.get("username") or row["nip"],
            "bank_name": row.get("bank") or None, "bank_account": row.get("no_rekening") or None,
            "bank_account_holder": row.get("nama_rekening") or None,
            "roles": [r for r in row.get("peran", "").split("|") if r] or ["employee"]})
    else:
        org["_rows"][("acting", len(org["acting"]) + 1)] = n
        org["acting"].append({"nip": row["nip"], "position": row["kode_jabatan"],
                              "kind": kind, "start": dates["tmt_mulai"].isoformat(),
                              "end": dates["tmt_selesai"].isoformat()})


def import_csv(uow, text: str, today: dt.date, progress=lambda done, total: None) -> dict:
    agencies, problems = parse_csv(text)
    validated = {}
    for code, raw in agencies.items():
        rows = raw.pop("_rows")
        try:
            org = OrganisationIn.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                loc = err["loc"]
                line = rows.get((loc[0], loc[1] + 1)) if len(loc) > 1 and isinstance(loc[1], int) else None
                problems.append({"row": line, "column": _column(loc[-1]), "code": err["type"],
                                 "params": {k: str(v) for k, v in (err.get("ctx") or {}).items()
                                            if k != "error"}, "reason": err["msg"]})
            continue
        for p in check(uow.session, org, today):
            section, _, field = p["field"].partition(".")
            problems.append({"row": rows.get((section, p["row"])), "column": _column(field),
                             **{k: p[k] for k in ("code", "params") if k in p},
                             "reason": p["reason"]})
        validated[code] = org
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s) in the file; nothing was imported",
                           sorted(problems, key=lambda p: (p["row"] or 0)),
                           code="import_invalid", params={"count": len(problems)})
    total = sum(len(o.employees) + len(o.acting) for o in validated.values())
    done, summary = [0], {"agencies": 0, "employees": 0, "placements": 0}
    payees_changed: list[dict] = []

    def tick():
        done[0] += 1
        if done[0] == total or done[0] % 50 == 0:
            progress(done[0], total)

    for org in validated.values():
        result = load(uow, org, today, tick)
        summary["agencies"] += 1
        summary["employees"] += result["employees"]
        summary["placements"] += result["placements"]
        payees_changed += result["payees_changed"]
    return {**summary, "payees_changed": payees_changed}


def _column(field) -> str:
    return {"nip": "nip", "name": "nama", "position": "kode_jabatan", "status": "status",
            "username": "username", "superior": "kode_jabatan_atasan", "job_class": "kelas_jabatan",
            "since": "tmt_mulai", "start": "tmt_mulai", "end": "tmt_selesai",
            "grade": "golongan", "roles": "peran", "bank_name": "bank",
            "bank_account": "no_rekening", "bank_account_holder": "nama_rekening"}.get(str(field), str(field))
