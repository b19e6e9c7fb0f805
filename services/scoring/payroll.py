"""Payroll use cases: who is paid, with which rule set, from what; the month close
(a job with progress), corrections after it, the yearly predikat (each employee's and
each agency's own) and each agency's yearly budget ceiling.

The close reads the ledger and attendance with a few set-based queries, computes
each employee on their own (one bad record never blocks the others), and writes
the snapshot, its lines and their events in one transaction."""
import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from ekinerja_contract import periods
from ekinerja_contract.envelope import utcnow
from ekinerja_contract.errors import Conflict, Forbidden, InvalidInput, NotFound
from ekinerja_contract.rule_set import RuleSetBody, RuleSetIn, default_body, in_force
from ekinerja_contract.schemas import Actor, BudgetIn, OrganisationPredikatIn

from . import rules, siasn
from .models import (
    CHAINS,
    AgencyBudget,
    Appraisal,
    ApprovedSkp,
    Attendance,
    BudgetRealisation,
    CloseJob,
    EmployeeCondition,
    GraceHold,
    LedgerEntry,
    OrganisationPredikat,
    Placement,
    RuleSet,
    Snapshot,
    SnapshotLine,
    TaxProfile,
)

DEFAULT_RULES = rules.RuleRef(0, "bawaan", default_body())
LINE_EVENT_FIELDS = ("period", "employee_id", "nip", "name", "agency_id", "job_class", "ceiling",
                     "performance", "discipline", "gross", "cpns_factor", "tax", "insurance",
                     "net", "rule_sets")


# --- rule sets ----------------------------------------------------------------------------

def publish_rule_set(uow, actor: Actor, data: RuleSetIn) -> RuleSet:
    s = uow.session
    if s.scalar(select(RuleSet.id).where(RuleSet.agency_id.is_not_distinct_from(data.agency_id),
                                         RuleSet.effective_from == data.effective_from)):
        raise Conflict(f"a rule set already takes effect on {data.effective_from} for that scope",
                       [{"field": "effective_from", "code": "rule_set_exists",
                         "params": {"effective_from": str(data.effective_from)}}],
                       code="rule_set_exists", params={"effective_from": str(data.effective_from)})
    if is_closed(s, periods.period_of(data.effective_from), data.agency_id):
        raise Conflict("that period is closed; a rule set cannot change it", code="rule_set_period_closed")
    row = RuleSet(agency_id=data.agency_id, effective_from=data.effective_from,
                  body=data.body.model_dump(mode="json"), created_by=actor.account_id,
                  created_at=utcnow())
    s.add(row)
    s.flush()
    announce(uow, row)
    return row


def announce(uow, row: RuleSet) -> None:
    """The whole body travels: reporting and approval project the numbers they apply."""
    uow.emit("scoring.rule_set_published", dict(rule_set_id=row.id, agency_id=row.agency_id,
                                                effective_from=row.effective_from,
                                                body=row.body))


def rule_resolver(s):
    """`(agency_id, day) -> RuleRef`: the agency's own rule set if one is in force, else
    the city's, else the built-in default."""
    rows = list(s.scalars(select(RuleSet).order_by(RuleSet.effective_from)))
    refs = {r.id: rules.RuleRef(r.id, f"{'kota' if r.agency_id is None else f'opd-{r.agency_id}'}"
                                       f"-{r.effective_from.isoformat()}",
                                RuleSetBody.model_validate(r.body)) for r in rows}

    def resolve(agency_id, day):
        best = in_force(rows, agency_id, day)
        return refs[best.id] if best else DEFAULT_RULES
    # whether any rule set excludes an appraiser who left a subordinate unassessed
    resolve.asks_appraisals = any(  # type: ignore[attr-defined]
        r.body.exclusions.appraiser_must_assess for r in [*refs.values(), DEFAULT_RULES])
    return resolve


# --- who, with what -----------------------------------------------------------------------------

def placements_on(s, on: dt.date, employee_ids) -> dict[int, Placement]:
    """Each employee's definitive placement on a date, as heard (the last begun by then);
    everyone's when `employee_ids` is None."""
    latest: dict[int, Placement] = {}
    q = select(Placement).where(Placement.start_date <= on)
    if employee_ids is not None:
        q = q.where(Placement.employee_id.in_(list(employee_ids)))
    for p in s.scalars(q.order_by(Placement.start_date, Placement.id)):
        latest[p.employee_id] = p
    return latest


def siasn_evaluations(s, year: int, agency_id: int | None = None, employee_id: int | None = None,
                      months: tuple[int, int] | None = None) -> dict:
    """The year's appraisals in SIASN's shapes (siasn.py): periodic ones and the year's."""
    q = select(Appraisal).where(Appraisal.year == year)
    if agency_id is not None:
        q = q.where(Appraisal.agency_id == agency_id)
    if employee_id is not None:
        q = q.where(Appraisal.employee_id == employee_id)
    if months is not None:
        q = q.where(Appraisal.month_from == months[0], Appraisal.month_to == months[1])
    rows = list(s.scalars(q.order_by(Appraisal.employee_id, Appraisal.month_from, Appraisal.month_to)))
    end = dt.date(year, 12, 31)
    people = placements_on(s, end, {r.employee_id for r in rows})
    # None: a city admin entered it (or it was set before 0004 recorded who): NON ASN
    appraisers = placements_on(s, end, {r.appraiser_employee_id for r in rows} - {None})
    out: dict = {"tahun": year, "periodik": [], "tahunan": []}
    for r in rows:
        person = people.get(r.employee_id)
        if person is None:
            continue
        span = SPANS[r.month_to - r.month_from + 1]
        item = siasn.evaluation(r, person, appraisers.get(r.appraiser_employee_id), span)
        out["tahunan" if span == "tahunan" else "periodik"].append(item)
    return out


def latest_placement(s, employee_id: int) -> Placement:
    """The employee's newest definitive placement (whatever its date), or NotFound."""
    person = s.scalar(select(Placement).where(Placement.employee_id == employee_id)
                      .order_by(Placement.start_date.desc(), Placement.id.desc()).limit(1))
    if person is None:
        raise NotFound(f"employee {employee_id} unknown", code="employee_not_found")
    return person


def may_administer(actor, agency_id, *extra) -> Actor:
    """City admins anything; agency admins (and `extra` roles) their own agency."""
    actor = Actor.model_validate(actor)
    if actor.has("city_admin") or ("finance" in extra and actor.has("finance")):
        return actor
    if actor.has("agency_admin") and agency_id is not None and agency_id == actor.agency_id:
        return actor
    raise Forbidden("not allowed for this agency", code="agency_scope")


def profiles(s, on: dt.date, agency_id: int | None = None,
             employee_ids=None) -> dict[int, rules.Profile]:
    """Everyone's definitive placement on a date (the last one that began by then)."""
    q = select(Placement).where(Placement.start_date <= on)
    if employee_ids is not None:
        q = q.where(Placement.employee_id.in_(employee_ids))
    latest = {}
    for p in s.scalars(q.order_by(Placement.start_date, Placement.id)):
        latest[p.employee_id] = p
    return {e: rules.Profile(p.employee_id, p.nip, p.name, p.agency_id, p.job_class, p.status,
                             p.grade)
            for e, p in latest.items() if agency_id is None or p.agency_id == agency_id}


def work_by_day(s, period: str, employee_ids=None) -> dict[int, dict[dt.date, rules.DayWork]]:
    q = (select(LedgerEntry.employee_id, LedgerEntry.date, LedgerEntry.kind,
                func.sum(LedgerEntry.minutes), func.sum(LedgerEntry.points),
                func.sum(LedgerEntry.rupiah))
         .where(LedgerEntry.period == period)
         .group_by(LedgerEntry.employee_id, LedgerEntry.date, LedgerEntry.kind))
    if employee_ids is not None:
        q = q.where(LedgerEntry.employee_id.in_(employee_ids))
    out: dict[int, dict] = defaultdict(dict)
    for employee_id, date, kind, minutes, points, rupiah in s.execute(q):
        day = out[employee_id].setdefault(date, rules.DayWork())
        if kind == "approver_credit":
            day.approver_points += Decimal(points)
        else:
            day.minutes += int(minutes)
            day.points += Decimal(points)
            day.rupiah += int(rupiah)
    return out


def attendance_by_day(s, period: str, employee_ids=None):
    start, end = periods.bounds(period)
    q = select(Attendance.employee_id, Attendance.date, Attendance.kind, Attendance.minutes,
               Attendance.excused, Attendance.leave_type).where(Attendance.date >= start,
                                                                Attendance.date < end)
    if employee_ids is not None:
        q = q.where(Attendance.employee_id.in_(employee_ids))
    out: dict[int, dict] = defaultdict(lambda: defaultdict(list))
    for employee_id, date, kind, minutes, excused, leave_type in s.execute(q):
        out[employee_id][date].append(rules.AttendanceMark(kind, minutes, bool(excused), leave_type))
    return out


def month_facts(s, period: str, people: dict[int, rules.Profile], needs_subordinates: bool
                ) -> dict[int, rules.MonthFacts]:
    """Each person's conditions, SKP, tax profile, their agency's quarter and (only when a
    rule set asks: it reads the whole org chart) the subordinates they left unassessed."""
    first, next_first = periods.bounds(period)
    year, month = first.year, first.month
    ids = list(people)
    facts = {e: rules.MonthFacts(has_skp=False) for e in ids}
    for c in s.scalars(select(EmployeeCondition).where(EmployeeCondition.employee_id.in_(ids),
                                                       EmployeeCondition.start_date < next_first)):
        facts[c.employee_id].conditions.append(rules.Condition(c.kind, c.start_date, c.end_date,
                                                               c.reference))
    for employee_id in s.scalars(select(ApprovedSkp.employee_id).where(
            ApprovedSkp.year == year, ApprovedSkp.employee_id.in_(ids))):
        facts[employee_id].has_skp = True
    for t in s.scalars(select(TaxProfile).where(TaxProfile.employee_id.in_(ids))):
        facts[t.employee_id].ptkp, facts[t.employee_id].monthly_salary = t.ptkp, t.monthly_salary
    quarter = {r.agency_id: r.percent for r in s.scalars(select(BudgetRealisation).where(
        BudgetRealisation.year == year, BudgetRealisation.quarter == (month - 1) // 3 + 1))}
    for e, person in people.items():
        facts[e].budget_realisation = quarter.get(person.agency_id)
    if needs_subordinates:
        last_day = next_first - dt.timedelta(days=1)
        assessed = set(s.scalars(select(Appraisal.employee_id).where(
            Appraisal.year == year, Appraisal.month_from <= month, Appraisal.month_to >= month)))
        for p in placements_on(s, last_day, None).values():
            if p.superior_employee_id in facts and p.employee_id not in assessed:
                facts[p.superior_employee_id].unassessed.append(p.name)
    return facts


def compute_lines(s, period: str, agency_id: int | None, employee_ids=None,
                  progress=lambda done, total: None, as_of: dt.date | None = None, resolve=None):
    """(lines, errors): each employee on their own. `as_of` (a provisional recap's
    today): days after it are not judged for attendance yet. `resolve` (the sandbox's
    draft): the rule set of (agency, day) instead of the published ones."""
    last_day = periods.bounds(period)[1] - dt.timedelta(days=1)
    people = profiles(s, last_day, agency_id, employee_ids)
    ids = list(people) if employee_ids is not None else None
    work = work_by_day(s, period, ids)
    marks = attendance_by_day(s, period, ids)
    resolve = resolve or rule_resolver(s)
    facts = month_facts(s, period, people, resolve.asks_appraisals)
    lines, errors = [], []
    for n, (employee_id, person) in enumerate(sorted(people.items()), 1):
        try:
            lines.append(rules.compute(person, period, lambda d, a=person.agency_id: resolve(a, d),
                                       work.get(employee_id, {}), marks.get(employee_id, {}),
                                       as_of, facts[employee_id]))
        except Exception as exc:  # reported, never blocks the others
            errors.append({"employee_id": employee_id, "nip": person.nip, "error": str(exc)})
        if n % 500 == 0 or n == len(people):
            progress(n, len(people))
    return lines, errors


# --- closing --------------------------------------------------------------------------------------

def _scope_key(agency_id):
    return agency_id or 0


def latest_snapshot(s, period: str, agency_id: int | None) -> Snapshot | None:
    return s.scalar(select(Snapshot).where(Snapshot.period == period,
                                           Snapshot.agency_key == _scope_key(agency_id))
                    .order_by(Snapshot.version.desc()).limit(1))


def is_closed(s, period: str, agency_id: int | None) -> bool:
    keys = {0, _scope_key(agency_id)}
    return s.scalar(select(func.count()).select_from(Snapshot).where(
        Snapshot.period == period, Snapshot.agency_key.in_(keys))) > 0


def request_close(uow, actor: Actor, period: str, agency_id: int | None, today: dt.date) -> CloseJob:
    s = uow.session
    first_next = periods.bounds(period)[1]
    last_day = first_next - dt.timedelta(days=1)
    deadline = first_next.replace(day=rule_resolver(s)(agency_id, last_day).body.input_deadline_day)
    if today <= deadline:
        raise Conflict(f"{period} can be closed after the input deadline ({deadline.isoformat()})",
                       code="close_too_early", params={"period": period, "deadline": deadline.isoformat()})
    _realisation_entered(s, period, agency_id, last_day)
    holding = s.scalar(select(func.max(GraceHold.until)).where(
        GraceHold.period == period, GraceHold.revoked.is_(False),
        *([GraceHold.agency_id == agency_id] if agency_id is not None else [])))
    if holding is not None and today <= holding:
        raise Conflict(f"{period} has a grace window open until {holding.isoformat()}",
                       code="close_grace_window_open",
                       params={"period": period, "until": holding.isoformat()})
    existing = s.scalar(select(CloseJob).where(
        CloseJob.period == period, CloseJob.agency_id.is_not_distinct_from(agency_id),
        CloseJob.state.in_(("queued", "running", "done")))
        .order_by(CloseJob.id.desc()).limit(1))
    if existing is not None:
        return existing  # closing again changes nothing
    job = CloseJob(period=period, agency_id=agency_id, state="queued", requested_by=actor.account_id)
    s.add(job)
    s.flush()
    uow.emit("payroll.close_requested", dict(job_id=job.id, period=period, agency_id=agency_id))
    return job


def _realisation_entered(s, period: str, agency_id: int | None, last_day: dt.date) -> None:
    """A rule set that pays on the quarter's budget realisation closes only once it is
    entered for every agency it applies to (else no line of theirs could be frozen)."""
    agencies = {agency_id} if agency_id is not None else \
        set(s.scalars(select(Placement.agency_id).distinct()))
    resolve = rule_resolver(s)
    needing = {a for a in agencies if resolve(a, last_day).body.budget_share > 0}
    if not needing:
        return
    quarter = (last_day.month - 1) // 3 + 1
    entered = set(s.scalars(select(BudgetRealisation.agency_id).where(
        BudgetRealisation.year == last_day.year, BudgetRealisation.quarter == quarter)))
    missing = sorted(needing - entered)
    if missing:
        raise Conflict(f"enter the budget realisation of quarter {quarter} first (agencies {missing})",
                       code="realisation_missing",
                       params={"quarter": quarter, "year": last_day.year,
                               "agencies": ", ".join(str(a) for a in missing)})


def run_close(store, job_id: int) -> None:
    """Runs in a worker; safe to run again after a crash (the snapshot is all or nothing)."""
    with store.unit_of_work() as uow:
        job = uow.session.get(CloseJob, job_id)
        if job is None or job.state == "done":
            return
        job.state, job.started_at, job.done = "running", utcnow(), 0
        period, agency_id, requested_by = job.period, job.agency_id, job.requested_by

    def progress(done, total):
        with store.unit_of_work() as uow:
            j = uow.session.get(CloseJob, job_id)
            j.done, j.total = done, total

    with store.session() as s:
        already = latest_snapshot(s, period, agency_id)
        closed_elsewhere = set()
        if agency_id is None:  # the city: leave out agencies closed on their own
            closed_elsewhere = set(s.scalars(select(SnapshotLine.employee_id).join(
                Snapshot, Snapshot.id == SnapshotLine.snapshot_id).where(Snapshot.period == period)))
        lines, errors = ([], []) if already else compute_lines(s, period, agency_id,
                                                               progress=progress)
    lines = [line for line in lines if line["employee_id"] not in closed_elsewhere]
    with store.unit_of_work() as uow:
        snapshot = latest_snapshot(uow.session, period, agency_id) or _freeze(
            uow, period, agency_id, lines, errors, requested_by)
        job = uow.session.get(CloseJob, job_id)
        job.state, job.snapshot_id, job.finished_at = "done", snapshot.id, utcnow()
        job.done = job.total = snapshot.employees


def _freeze(uow, period, agency_id, lines, errors, created_by, version=1, reason=None,
            differences=None) -> Snapshot:
    s = uow.session
    snapshot = Snapshot(period=period, agency_id=agency_id, agency_key=_scope_key(agency_id),
                        version=version, employees=len(lines), errors=errors, reason=reason,
                        created_by=created_by, created_at=utcnow())
    s.add(snapshot)
    s.flush()
    differences = differences or {}
    if lines:
        s.execute(insert(SnapshotLine), [
            {"snapshot_id": snapshot.id, "employee_id": line["employee_id"],
             "agency_id": line["agency_id"], "net": line["net"],
             "difference": differences.get(line["employee_id"]), "line": line} for line in lines])
        CHAINS.add(s, "snapshot_lines", *s.scalars(select(SnapshotLine.id).where(
            SnapshotLine.snapshot_id == snapshot.id).order_by(SnapshotLine.id)))
    changed = [line for line in lines if version == 1 or line["employee_id"] in differences]
    uow.emit_many("payroll.line", [
        dict({k: line[k] for k in LINE_EVENT_FIELDS}, snapshot_version=version,
             difference=differences.get(line["employee_id"])) for line in changed])
    if version == 1:
        uow.emit("payroll.period_closed", dict(period=period, agency_id=agency_id,
                                               snapshot_version=version, employees=len(lines)))
    return snapshot


def correct(uow, actor: Actor, employee_id: int, period: str, points: Decimal, rupiah: int,
            minutes: int, reason: str, excuse_dates: tuple[dt.date, ...] | list[dt.date] = ()) -> Snapshot:
    """After a close: an audited correction (a ledger line, and/or the person's attendance
    marks on `excuse_dates` excused) and a new snapshot version with the difference line."""
    s = uow.session
    last_day = periods.bounds(period)[1] - dt.timedelta(days=1)
    person = profiles(s, last_day, employee_ids=[employee_id]).get(employee_id)
    if person is None:
        raise NotFound(f"employee {employee_id} had no placement in {period}", code="no_placement")
    snapshot = latest_snapshot(s, period, person.agency_id) or latest_snapshot(s, period, None)
    if snapshot is None:
        raise Conflict(f"{period} is not closed: report or approve normally instead",
                       code="correction_not_closed", params={"period": period})
    if points or rupiah or minutes:
        entry = LedgerEntry(employee_id=employee_id, agency_id=person.agency_id, period=period,
                            date=last_day, kind="correction", points=points, rupiah=rupiah,
                            minutes=minutes, reason=f"{reason} (oleh akun {actor.account_id})",
                            source_event_id=str(uuid.uuid4()), recorded_at=utcnow())
        s.add(entry)
        s.flush()
        CHAINS.add(s, "ledger", entry)
    for mark in s.scalars(select(Attendance).where(Attendance.employee_id == employee_id,
                                                   Attendance.date.in_(list(excuse_dates)))):
        mark.excused = True
    (new_line,), errors = compute_lines(s, period, None, employee_ids=[employee_id])
    old = {line.employee_id: line for line in s.scalars(select(SnapshotLine).where(
        SnapshotLine.snapshot_id == snapshot.id))}
    previous = old.get(employee_id)
    lines = [line.line for e, line in sorted(old.items()) if e != employee_id] + [new_line]
    difference = new_line["net"] - (previous.net if previous else 0)
    return _freeze(uow, period, snapshot.agency_id, lines, snapshot.errors, actor.account_id,
                   version=snapshot.version + 1, reason=reason,
                   differences={employee_id: difference})


def correction_reasons(s, period: str, agency_id: int | None, since: int) -> list[str]:
    """Why each version after `since` was made, oldest first."""
    return [r for r in s.scalars(select(Snapshot.reason).where(
        Snapshot.period == period, Snapshot.agency_key == _scope_key(agency_id),
        Snapshot.version > since).order_by(Snapshot.version)) if r]


def agency_names(s, agency_ids: set[int]) -> dict[int, tuple[str | None, str | None]]:
    """Each agency's code and name as the newest placement in it told them."""
    names: dict[int, tuple[str | None, str | None]] = {}
    for agency_id, code, name in s.execute(
            select(Placement.agency_id, Placement.agency_code, Placement.agency_name)
            .where(Placement.agency_id.in_(agency_ids), Placement.agency_code.is_not(None))
            .order_by(Placement.start_date, Placement.id)):
        names[agency_id] = (code, name)
    return names


def seal(s, snapshot: Snapshot) -> str | None:
    """A frozen month's seal: the pay-line chain's hash just after its last line (None for
    a month frozen before the chain began)."""
    last = s.scalar(select(func.max(SnapshotLine.id)).where(SnapshotLine.snapshot_id == snapshot.id))
    return CHAINS.link_of(s, "snapshot_lines", last) if last is not None else None


def snapshot_lines(s, period: str, agency_id: int | None, version: int | None = None):
    q = select(Snapshot).where(Snapshot.period == period, Snapshot.agency_key == _scope_key(agency_id))
    q = q.where(Snapshot.version == version) if version else q.order_by(Snapshot.version.desc())
    snapshot = s.scalar(q.limit(1))
    if snapshot is None:
        raise NotFound(f"{period} is not closed for that scope",
                       code="period_not_closed", params={"period": period})
    lines = [line.line | {"difference": line.difference} for line in s.scalars(
        select(SnapshotLine).where(SnapshotLine.snapshot_id == snapshot.id)
        .order_by(SnapshotLine.agency_id, SnapshotLine.employee_id))]
    return snapshot, lines


# --- predikat ---------------------------------------------------------------------------------------

# A periodic evaluation covers a month, a quarter or a semester, as PermenPANRB 6/2022's
# periodic ones do (SIASN's periodikId); twelve months is the year's own.
SPANS = {1: "bulanan", 3: "triwulanan", 6: "semesteran", 12: "tahunan"}


def check_span(month_from: int, month_to: int) -> None:
    span = month_to - month_from + 1
    if not (1 <= month_from <= month_to <= 12) or span not in SPANS or (month_from - 1) % span:
        raise InvalidInput("a month, a quarter (1-3, 4-6, ...), a semester (1-6, 7-12) or the year",
                           [{"field": "months", "reason": f"{month_from}-{month_to}"}],
                           code="appraisal_span", params={"from": month_from, "to": month_to})


def set_appraisal(uow, actor: Actor, employee_id: int, year: int, result: str, behaviour: str,
                  today: dt.date, months: tuple[int, int] = (1, 12)) -> Appraisal:
    s = uow.session
    check_span(*months)
    person = latest_placement(s, employee_id)
    if actor.employee_id == employee_id:
        raise Forbidden("nobody appraises themself", code="appraisal_self")
    if not (actor.employee_id == person.superior_employee_id or actor.has("city_admin")):
        raise Forbidden("the appraiser is the direct superior", code="appraisal_superior_only")
    if (result, behaviour) not in rules.PREDIKAT:
        raise InvalidInput("ratings are above, as_expected or below",
                           [{"field": "rating", "reason": f"{result}/{behaviour}"}], code="appraisal_rating")
    month_from, month_to = months
    row = s.scalar(select(Appraisal).where(Appraisal.employee_id == employee_id, Appraisal.year == year,
                                           Appraisal.month_from == month_from,
                                           Appraisal.month_to == month_to))
    if row is None:
        row = Appraisal(employee_id=employee_id, year=year, agency_id=person.agency_id,
                        month_from=month_from, month_to=month_to)
        s.add(row)
    row.result_rating, row.behaviour_rating = result, behaviour
    row.predikat, row.set_by = rules.predikat(result, behaviour), actor.account_id
    row.appraiser_employee_id = actor.employee_id
    facts = dict(employee_id=employee_id, agency_id=row.agency_id, year=year, predikat=row.predikat,
                 appraiser_id=actor.employee_id)
    if months == (1, 12):
        uow.emit("appraisal.predikat_set", facts)
    else:  # the year's distribution (monitoring, predikat_report) counts the year's only
        uow.emit("appraisal.periodic_set", facts | dict(month_from=month_from, month_to=month_to))
    return row


def predikat_report(s, year: int, agency_id: int) -> dict:
    rows = list(s.scalars(select(Appraisal).where(Appraisal.year == year,
                                                  Appraisal.agency_id == agency_id,
                                                  Appraisal.month_from == 1, Appraisal.month_to == 12)))
    own = s.scalar(select(OrganisationPredikat.predikat).where(
        OrganisationPredikat.agency_id == agency_id, OrganisationPredikat.year == year))
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r.predikat] += 1
    limits = rule_resolver(s)(agency_id, dt.date(year, 12, 31)).body.predikat_limits
    return {"year": year, "agency_id": agency_id, "organisation_predikat": own,
            "counts": dict(counts),
            "warnings": rules.distribution_warnings(counts, limits),
            "employees": [{"employee_id": r.employee_id, "predikat": r.predikat,
                           "result": r.result_rating, "behaviour": r.behaviour_rating}
                          for r in rows]}


def set_organisation_predikat(uow, actor: Actor, data: OrganisationPredikatIn) -> OrganisationPredikat:
    """An agency's own predikat for a year (set again, it changes); announced."""
    row = _yearly(uow.session, OrganisationPredikat, data.agency_id, data.year)
    row.predikat, row.set_by, row.set_at = data.predikat, actor.account_id, utcnow()
    _flush_yearly(uow.session)
    uow.emit("appraisal.organisation_predikat_set", dict(
        agency_id=row.agency_id, year=row.year, predikat=row.predikat, set_by=row.set_by))
    return row


# --- budget ceilings (pagu) ---------------------------------------------------------------------------

def set_budget(uow, actor: Actor, data: BudgetIn) -> AgencyBudget:
    """An agency's TPP budget ceiling for a year, in rupiah (set again, it changes); announced."""
    row = _yearly(uow.session, AgencyBudget, data.agency_id, data.year)
    row.ceiling, row.set_by, row.set_at = data.ceiling, actor.account_id, utcnow()
    _flush_yearly(uow.session)
    uow.emit("payroll.budget_set", dict(agency_id=row.agency_id, year=row.year,
                                        ceiling=row.ceiling, set_by=row.set_by))
    return row


def budgets(s, year: int, agency_id: int | None = None) -> list[AgencyBudget]:
    """The year's ceilings by agency: every agency's, or one agency's (`agency_id`)."""
    q = select(AgencyBudget).where(AgencyBudget.year == year)
    if agency_id is not None:
        q = q.where(AgencyBudget.agency_id == agency_id)
    return list(s.scalars(q.order_by(AgencyBudget.agency_id)))


def _yearly(s, model, agency_id: int, year: int):
    """The agency's row for the year, locked; a new one (added) when there is none."""
    row = s.scalar(select(model).where(model.agency_id == agency_id, model.year == year)
                   .with_for_update())
    if row is None:
        row = model(agency_id=agency_id, year=year)
        s.add(row)
    return row


def _flush_yearly(s) -> None:
    """Two first settings of one agency's year at once: the unique key takes one, the
    other is refused (its caller may send it again: it then changes the row)."""
    try:
        s.flush()
    except IntegrityError:
        raise Conflict("someone else set this agency's year at the same moment; send it again",
                       code="agency_year_set_concurrently") from None
