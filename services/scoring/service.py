"""Scoring service: entrypoints only; arithmetic in rules.py, use cases in payroll.py,
files in exports.py."""
import base64
import datetime as dt

from sqlalchemy import delete, func, select, text

from ekinerja_contract import config, periods
from ekinerja_contract.envelope import utcnow
from ekinerja_contract.errors import Forbidden, InvalidInput, NotFound
from ekinerja_contract.events import parse, parse_body
from ekinerja_contract.nameko_ext import Database, Metrics, ServiceRpc, event_handler, rpc
from ekinerja_contract.rule_set import RuleSetBody, RuleSetIn
from ekinerja_contract.schemas import (
    Actor,
    BudgetIn,
    BudgetRealisationIn,
    ConditionIn,
    CorrectionIn,
    OrganisationPredikatIn,
    PayObjectionDecisionIn,
    PayObjectionIn,
    TaxProfileIn,
)
from ekinerja_contract.services import Reporting
from ekinerja_contract.sheets import download

from . import adjustments, attendance_import, exports, payroll, rules, sandbox
from .models import (
    CHAINS,
    ApprovedSkp,
    Attendance,
    Base,
    CloseJob,
    GraceHold,
    LedgerEntry,
    Placement,
    RuleSet,
    Snapshot,
)


class ScoringService:
    name = "scoring"
    db = Database(Base.metadata)
    metrics = Metrics()
    reporting: Reporting = ServiceRpc(Reporting)  # owns who may see whom (the live org chart)

    def _may_see(self, actor: Actor, employee_id: int) -> None:
        """One visibility rule, owned by reporting (the employee, their superiors up the
        live chain, acting officials, admins of the agency); finance pays everyone."""
        if employee_id == actor.employee_id or actor.has("city_admin", "finance"):
            return
        if not self.reporting.may_see_employee(actor, employee_id):
            raise NotFound(f"employee {employee_id} not found", code="employee_not_found")

    @rpc
    def verify_chains(self, actor):
        """Recompute the tamper-evident chains (ekinerja_contract/chain.py): each one's
        length, head and first broken link. City admins and the review team."""
        return CHAINS.verify_for(self.db, actor)

    @rpc
    def health(self):
        with self.db.session() as s:
            s.execute(text("SELECT 1"))
        return {"service": self.name, "ok": True}

    # --- the ledger ------------------------------------------------------------------
    @event_handler("approval", "approval.approved")
    def on_report_approved(self, body):
        self.db.consume(body, _credit_activity)

    @event_handler("approval", "approval.dispute_upheld")
    def on_dispute_upheld(self, body):
        """An upheld objection: the rejected report counts as approved."""
        self.db.consume(body, _credit_activity)

    @event_handler("approval", "approval.approval_revoked")
    def on_approval_revoked(self, body):
        """A revoked approval: a reversal line, in the report's month while it is open,
        else in the current month (a closed month changes only by correction)."""
        self.db.consume(body, _reverse)

    @event_handler("approval", "approval.approver_credited")
    def on_approver_credited(self, body):
        self.db.consume(body, _credit_approver)

    @event_handler("reporting", "org.placement_changed")
    def on_placement_changed(self, body):
        self.db.consume(body, _place)

    @event_handler("attendance", "attendance.recorded")
    def on_attendance(self, body):
        self.db.consume(body, _attend)

    @event_handler("reporting", "reporting.grace_window_opened")
    def on_grace_window_opened(self, body):
        """A month stays open to close while its agency may still report for it."""
        self.db.consume(body, _grace_opened)

    @event_handler("reporting", "reporting.grace_window_revoked")
    def on_grace_window_revoked(self, body):
        self.db.consume(body, _grace_revoked)

    @event_handler("reporting", "skp.approved")
    def on_skp_approved(self, body):
        """Who has an approved SKP for the year: a rule set may pay no TPP without one."""
        self.db.consume(body, _skp_approved)

    @event_handler("reporting", "skp.returned")
    def on_skp_returned(self, body):
        self.db.consume(body, _skp_returned)

    # --- recap ------------------------------------------------------------------------
    @rpc
    def recap(self, actor, employee_id, period):
        """A provisional recap of one person's month: ledger lines and estimated TPP."""
        actor = Actor.model_validate(actor)
        periods.bounds(period)
        with self.db.session() as s:
            self._may_see(actor, employee_id)
            entries = list(s.scalars(select(LedgerEntry).where(
                LedgerEntry.employee_id == employee_id, LedgerEntry.period == period)
                .order_by(LedgerEntry.date, LedgerEntry.id)))
            totals = rules.recap(entries)
            lines, _ = payroll.compute_lines(s, period, None, employee_ids=[employee_id],
                                             as_of=config.today())
            return {"employee_id": employee_id, "period": period,
                    "closed": bool(lines) and payroll.is_closed(s, period, lines[0]["agency_id"]),
                    **{k: v if isinstance(v, int) else str(v) for k, v in totals.items()},
                    "tpp": lines[0] if lines else None,
                    "entries": [_entry_dict(e) for e in entries]}

    # --- rule sets --------------------------------------------------------------------------
    @rpc
    def publish_rule_set(self, actor, rule_set):
        actor = _role(actor, "city_admin")
        data = RuleSetIn.model_validate(rule_set)
        with self.db.unit_of_work() as uow:
            row = payroll.publish_rule_set(uow, actor, data)
            return {"id": row.id, "effective_from": row.effective_from.isoformat(),
                    "agency_id": row.agency_id}

    @rpc
    def rule_set_in_force(self, agency_id=None, on=None):
        """The payroll rule set in force (the city's unless an agency has its own): its
        name and its whole body, for the admin's form."""
        day = dt.date.fromisoformat(on) if on else config.today()
        with self.db.session() as s:
            ref = payroll.rule_resolver(s)(agency_id, day)
            return {"name": ref.version, "body": ref.body.model_dump(mode="json")}

    @rpc
    def list_rule_sets(self):
        with self.db.session() as s:
            return [{"id": r.id, "agency_id": r.agency_id,
                     "effective_from": r.effective_from.isoformat(), "body": r.body}
                    for r in s.scalars(select(RuleSet).order_by(RuleSet.effective_from))]

    # --- close, corrections, exports ------------------------------------------------------------
    @rpc
    def closings(self, actor, limit=50):
        """Past closes and their corrections (each a new version of a month's snapshot),
        newest first; an agency admin sees their agency's."""
        actor = _role(actor, "city_admin", "agency_admin", "finance")
        with self.db.session() as s:
            q = select(Snapshot).order_by(Snapshot.created_at.desc()).limit(min(int(limit), 200))
            if not actor.has("city_admin", "finance"):
                q = q.where(Snapshot.agency_id == actor.agency_id)
            return [{"period": r.period, "agency_id": r.agency_id, "version": r.version,
                     "employees": r.employees, "errors": len(r.errors or []),
                     "reason": r.reason, "created_at": r.created_at.isoformat()}
                    for r in s.scalars(q)]

    @rpc
    def close_period(self, actor, period, agency_id=None):
        """Start (or find) the close of a month: returns the job to watch."""
        actor = _may_administer(actor, agency_id)
        with self.db.unit_of_work() as uow:
            return _job_dict(payroll.request_close(uow, actor, period, agency_id, config.today()))

    @event_handler("scoring", "payroll.close_requested")
    def on_close_requested(self, body):
        payroll.run_close(self.db, parse_body(body).job_id)

    @rpc
    def close_job(self, actor, job_id):
        _role(actor, "city_admin", "agency_admin", "finance")
        with self.db.session() as s:
            job = s.get(CloseJob, job_id)
            if job is None:
                raise NotFound(f"job {job_id} not found", code="job_not_found")
            return _job_dict(job)

    @rpc
    def correct(self, actor, employee_id, period, correction, idempotency_key=None):
        actor = _role(actor, "city_admin")
        data = CorrectionIn.model_validate(correction)

        def apply(uow):
            snapshot = payroll.correct(uow, actor, employee_id, period, data.points, data.rupiah,
                                       data.minutes, data.reason)
            return {"period": period, "snapshot_version": snapshot.version}
        return self.db.once(idempotency_key, f"{actor.account_id}:correction", apply)

    @rpc
    def export(self, actor, period, agency_id=None, fmt="csv", version=None):
        actor = _may_administer(actor, agency_id, "finance")
        with self.db.session() as s:
            snapshot, lines = payroll.snapshot_lines(s, period, agency_id, version)
            agencies = payroll.agency_names(s, {line["agency_id"] for line in lines})
            seal = payroll.seal(s, snapshot)
        payees = self.reporting.payment_accounts(actor, [line["employee_id"] for line in lines])
        lines = [exports.for_finance(line, agencies, payees) for line in lines]
        scope = f"opd{agency_id}" if agency_id else "kota"
        return download(fmt, f"tpp-{period}-{scope}-v{snapshot.version}", lambda: exports.to_csv(lines),
                         lambda: exports.to_xlsx(lines, period, snapshot.version, seal))

    @rpc
    def import_attendance_csv(self, actor, csv_text):
        """The attendance system's daily file: all or nothing (attendance_import.py)."""
        actor = _may_administer(actor, None)
        with self.db.unit_of_work() as uow:
            s = uow.session
            return attendance_import.load(s, str(csv_text),
                                          lambda period, agency: payroll.is_closed(s, period, agency))

    @rpc
    def corrections_export(self, actor, period, agency_id=None, fmt="csv", since=1):
        """What changed after a closed month was paid (the corrections' later versions),
        against the version paid (`since`, the close's by default), for the next payroll."""
        actor = _may_administer(actor, agency_id, "finance")
        with self.db.session() as s:
            newest, now = payroll.snapshot_lines(s, period, agency_id)
            if int(since) > newest.version:
                raise InvalidInput(f"{period} has no version {since}",
                                   [{"field": "since", "reason": str(since)}], code="export_version")
            _paid, paid = payroll.snapshot_lines(s, period, agency_id, int(since))
            reasons = payroll.correction_reasons(s, period, agency_id, int(since))
            agencies = payroll.agency_names(s, {line["agency_id"] for line in now})
        payees = self.reporting.payment_accounts(actor, [line["employee_id"] for line in now])
        rows = exports.corrections(paid, [exports.for_finance(line, agencies, payees) for line in now],
                                   reasons)
        scope = f"opd{agency_id}" if agency_id else "kota"
        return download(fmt, f"tpp-koreksi-{period}-{scope}-v{since}-v{newest.version}",
                         lambda: exports.to_csv(rows, exports.CORRECTION_COLUMNS),
                         lambda: exports.corrections_xlsx(rows, period, int(since), newest.version))

    @rpc
    def statement(self, actor, employee_id, period):
        """The employee's PDF statement for a closed month."""
        actor = Actor.model_validate(actor)
        with self.db.session() as s:
            self._may_see(actor, employee_id)
            person = payroll.profiles(s, periods.bounds(period)[1] - dt.timedelta(days=1),
                                      employee_ids=[employee_id]).get(employee_id)
            if person is None:
                raise NotFound("no placement in that period", code="no_placement")
            for agency in (person.agency_id, None):
                try:
                    snapshot, lines = payroll.snapshot_lines(s, period, agency)
                except NotFound:
                    continue
                line = next((line for line in lines if line["employee_id"] == employee_id), None)
                if line is not None:
                    entries = [_entry_dict(e) for e in s.scalars(select(LedgerEntry).where(
                        LedgerEntry.employee_id == employee_id, LedgerEntry.period == period)
                        .order_by(LedgerEntry.date, LedgerEntry.id))]
                    pdf = exports.statement_pdf(line, snapshot.version, entries, payroll.seal(s, snapshot))
                    return {"filename": f"tpp-{period}-{person.nip}.pdf",
                            "content_type": "application/pdf",
                            "base64": base64.b64encode(pdf).decode()}
            raise NotFound(f"{period} is not closed for this employee",
                           code="period_not_closed", params={"period": period})

    # --- yearly predikat ------------------------------------------------------------------------
    @rpc
    def set_appraisal(self, actor, employee_id, year, result_rating, behaviour_rating,
                      month_from=1, month_to=12):
        """The ratings for the year (months 1-12) or a periodic span of it."""
        actor = Actor.model_validate(actor)
        with self.db.unit_of_work() as uow:
            row = payroll.set_appraisal(uow, actor, employee_id, year, result_rating,
                                        behaviour_rating, config.today(),
                                        (int(month_from), int(month_to)))
            return {"employee_id": employee_id, "year": year, "predikat": row.predikat,
                    "month_from": row.month_from, "month_to": row.month_to}

    @rpc
    def siasn_evaluations(self, actor, year, agency_id=None, employee_id=None, months=None):
        """The year's evaluations in SIASN's shape (siasn.py), periodic and yearly: one
        person's (themself, or someone they may see), an agency's (its admin) or the
        city's (a city admin); `months` [from, to] picks one span."""
        actor = Actor.model_validate(actor)
        if employee_id is not None:
            self._may_see(actor, int(employee_id))
        elif agency_id is not None or not actor.has("city_admin"):
            if agency_id is None and actor.employee_id is not None and not actor.has("agency_admin"):
                employee_id = actor.employee_id  # an employee: their own
            else:
                agency_id = agency_id if agency_id is not None else actor.agency_id
                actor = _may_administer(actor, agency_id)
        span = (int(months[0]), int(months[1])) if months else None
        with self.db.session() as s:
            return payroll.siasn_evaluations(s, int(year), agency_id, employee_id, span)

    @rpc
    def predikat_report(self, actor, year, agency_id=None):
        actor = _may_administer(actor, agency_id or Actor.model_validate(actor).agency_id)
        with self.db.session() as s:
            return payroll.predikat_report(s, year, agency_id or actor.agency_id)

    @rpc
    def set_organisation_predikat(self, actor, agency_id, year, predikat):
        """An agency's own predikat for a year (the city sets it); set again, it changes."""
        actor = _role(actor, "city_admin")
        data = OrganisationPredikatIn.model_validate(
            {"agency_id": agency_id, "year": year, "predikat": predikat})
        with self.db.unit_of_work() as uow:
            return _yearly_dict(payroll.set_organisation_predikat(uow, actor, data), "predikat")

    # --- budget ceilings (pagu) -------------------------------------------------------------------
    @rpc
    def set_budget(self, actor, agency_id, year, ceiling):
        """An agency's TPP budget ceiling for a year, in rupiah; set again, it changes."""
        actor = _role(actor, "city_admin", "finance")
        data = BudgetIn.model_validate({"agency_id": agency_id, "year": year, "ceiling": ceiling})
        with self.db.unit_of_work() as uow:
            return _yearly_dict(payroll.set_budget(uow, actor, data), "ceiling")

    @rpc
    def budgets(self, actor, year):
        """The year's ceilings: every agency's (city admin, finance) or the agency admin's own."""
        actor = _role(actor, "city_admin", "finance", "agency_admin")
        if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
            raise InvalidInput("year is a whole number from 2000 to 2100",
                               [{"field": "year", "code": "year_range", "reason": repr(year)}],
                               code="year_range")
        if actor.has("city_admin", "finance"):
            scope = None
        elif actor.agency_id is not None:
            scope = actor.agency_id
        else:
            raise Forbidden("not allowed for this agency", code="agency_scope")
        with self.db.session() as s:
            return [_yearly_dict(row, "ceiling") for row in payroll.budgets(s, year, scope)]


    # --- a draft Perwali tried on the past (sandbox.py) ----------------------------------------------
    @rpc
    def sandbox(self, actor, draft, months=3, agency_id=None):
        """The last `months` closed months recomputed under a draft rule set body, beside
        what was frozen (which never changes): per person, per agency, against the pagu."""
        actor = _role(actor, "city_admin")
        body = RuleSetBody.model_validate(draft)
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= sandbox.MAX_MONTHS:
            raise InvalidInput(f"months is a whole number from 1 to {sandbox.MAX_MONTHS}",
                               [{"field": "months", "code": "months_range", "reason": repr(months)}],
                               code="invalid_input")
        with self.db.session() as s:
            result = sandbox.replay(s, body, months, agency_id)
            s.rollback()  # read only, whatever a rule might have touched
        return result

    @rpc
    def sandbox_xlsx(self, actor, draft, months=3, agency_id=None):
        """The same replay as a workbook, for the approval file."""
        result = self.sandbox(actor, draft, months, agency_id)
        return download("xlsx", f"simulasi-tpp-{'_'.join(result['months'][-1:]) or 'kosong'}",
                        None, lambda: sandbox.to_xlsx(result))

    # --- what pay depends on, objections to a pay line (adjustments.py) ---------------------------
    @rpc
    def record_condition(self, actor, condition):
        """A decree's spell without TPP (MPP, uang tunggu, detention, CLTN, temporary
        dismissal, a disciplinary punishment): city admins, or the person's agency admin."""
        actor = _role(actor, "city_admin", "agency_admin")
        data = ConditionIn.model_validate(condition)
        with self.db.unit_of_work() as uow:
            return adjustments.condition_dict(adjustments.record_condition(uow, actor, data))

    @rpc
    def end_condition(self, actor, condition_id, end_date):
        actor = _role(actor, "city_admin", "agency_admin")
        day = _date(end_date, "end_date")
        with self.db.unit_of_work() as uow:
            return adjustments.condition_dict(adjustments.end_condition(uow, actor, int(condition_id), day))

    @rpc
    def conditions(self, actor, employee_id):
        actor = Actor.model_validate(actor)
        with self.db.session() as s:
            self._may_see(actor, int(employee_id))
            return [adjustments.condition_dict(c) for c in adjustments.conditions_of(s, int(employee_id))]

    @rpc
    def set_budget_realisation(self, actor, realisation):
        """An agency's budget realisation in a quarter (percent): the budget share's input."""
        actor = _role(actor, "city_admin", "finance")
        data = BudgetRealisationIn.model_validate(realisation)
        with self.db.unit_of_work() as uow:
            return adjustments.realisation_dict(adjustments.set_budget_realisation(uow, actor, data))

    @rpc
    def set_tax_profile(self, actor, profile):
        """PTKP status and monthly salary, for PPh 21 TER: finance."""
        actor = _role(actor, "finance", "city_admin")
        data = TaxProfileIn.model_validate(profile)
        with self.db.unit_of_work() as uow:
            row = adjustments.set_tax_profile(uow, actor, data)
            return {"employee_id": row.employee_id, "ptkp": row.ptkp,
                    "monthly_salary": row.monthly_salary}

    @rpc
    def file_pay_objection(self, actor, objection):
        actor = Actor.model_validate(actor)
        data = PayObjectionIn.model_validate(objection)
        with self.db.unit_of_work() as uow:
            return adjustments.objection_dict(
                adjustments.file_pay_objection(uow, actor, data, config.today()))

    @rpc
    def pay_objections(self, actor, state="filed", employee_id=None):
        """The review team's queue of objections to pay lines; an employee's own."""
        actor = Actor.model_validate(actor)
        if state not in (None, "filed", "upheld", "dismissed"):
            raise InvalidInput("state is filed, upheld or dismissed",
                               [{"field": "state", "code": "invalid", "reason": str(state)}],
                               code="invalid_input")
        with self.db.session() as s:
            return [adjustments.objection_dict(o) | {"line": adjustments.objected_line(s, o)}
                    for o in adjustments.pay_objections(
                        s, actor, state, int(employee_id) if employee_id is not None else None)]

    @rpc
    def decide_pay_objection(self, actor, objection_id, decision):
        actor = Actor.model_validate(actor)
        data = PayObjectionDecisionIn.model_validate(decision)
        with self.db.unit_of_work() as uow:
            return adjustments.objection_dict(
                adjustments.decide_pay_objection(uow, actor, int(objection_id), data))


def _date(value, field) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{field} is a date, YYYY-MM-DD",
                           [{"field": field, "code": "date_from_datetime_parsing", "reason": str(value)}],
                           code="invalid_input") from None


def _role(actor, *roles) -> Actor:
    actor = Actor.model_validate(actor)
    if not actor.has(*roles):
        raise Forbidden(f"this needs one of the roles: {', '.join(roles)}", code="roles_required")
    return actor


_may_administer = payroll.may_administer





def _record(uow, envelope, **line):
    date = dt.date.fromisoformat(str(line["date"]))
    entry = LedgerEntry(period=periods.period_of(date), source_event_id=envelope.id,
                        recorded_at=utcnow(), **line)
    uow.session.add(entry)
    uow.session.flush()
    CHAINS.add(uow.session, "ledger", entry)
    uow.emit("ledger.entry_recorded", dict(
        entry_id=entry.id, employee_id=entry.employee_id, period=entry.period, kind=entry.kind,
        points=entry.points, rupiah=entry.rupiah, source_event_id=envelope.id,
        report_id=entry.report_id))


def _credit_activity(uow, envelope):
    a = parse(envelope)
    kinds = uow.session.execute(select(LedgerEntry.kind, func.count()).where(
        LedgerEntry.report_id == a.report_id).group_by(LedgerEntry.kind)).all()
    kinds = dict(kinds)
    if kinds.get("activity", 0) > kinds.get("reversal", 0):
        return  # a report counts once, whichever event told of its approval
    _record(uow, envelope, employee_id=a.employee_id, agency_id=a.agency_id, date=a.date,
            kind="activity", points=a.points, rupiah=a.rupiah, minutes=a.counted_minutes,
            report_id=a.report_id, task_id=a.task_id, activity_code=a.activity_code)


def _reverse(uow, envelope):
    r = parse(envelope)
    kinds = dict(uow.session.execute(select(LedgerEntry.kind, func.count()).where(
        LedgerEntry.report_id == r.report_id).group_by(LedgerEntry.kind)).all())
    if kinds.get("activity", 0) <= kinds.get("reversal", 0):
        return  # nothing counted, nothing to take back
    date = r.date
    if payroll.is_closed(uow.session, periods.period_of(date), r.agency_id):
        date = config.today()
    _record(uow, envelope, employee_id=r.employee_id, agency_id=r.agency_id, date=date,
            kind="reversal", points=-r.points, rupiah=-r.rupiah, minutes=-r.counted_minutes,
            report_id=r.report_id, task_id=r.task_id, activity_code=r.activity_code,
            reason=r.reason)


def _credit_approver(uow, envelope):
    c = parse(envelope)
    _record(uow, envelope, employee_id=c.approver_id, agency_id=c.agency_id, date=c.date,
            kind="approver_credit", points=c.points, rupiah=0, minutes=0, report_id=None,
            task_id=c.task_id)


def _place(uow, envelope):
    p = parse(envelope)
    if p.kind != "definitive":
        return  # acting officials keep their own class and pay
    uow.session.add(Placement(employee_id=p.employee_id, start_date=p.start_date, nip=p.nip,
                              name=p.name, status=p.status, grade=p.grade, agency_id=p.agency_id,
                              agency_code=p.agency_code, agency_name=p.agency_name,
                              position_name=p.position_name, unit_name=p.unit_name,
                              job_class=p.job_class, superior_employee_id=p.superior_employee_id))


def _attend(uow, envelope):
    mark = parse(envelope)
    employee_id = uow.session.scalar(select(Placement.employee_id).where(
        Placement.nip == mark.employee_nip).limit(1))
    if employee_id is None:
        raise NotFound(f"attendance for unknown NIP {mark.employee_nip}",
                       code="attendance_unknown_nip", params={"nip": mark.employee_nip})
    # One mark per person, day and kind, whether it came as an event or in the daily file
    # (attendance_import.mark_id): a city that uses both never counts a lateness twice, and
    # the later word replaces the earlier.
    source = attendance_import.mark_id(mark.employee_nip, mark.date, mark.kind)
    row = uow.session.scalar(select(Attendance).where(Attendance.source_event_id == source))
    if row is None:
        uow.session.add(Attendance(employee_id=employee_id, date=mark.date, kind=mark.kind,
                                   minutes=mark.minutes, excused=mark.excused,
                                   leave_type=mark.leave_type, source_event_id=source))
    else:
        row.minutes, row.excused, row.leave_type = mark.minutes, mark.excused, mark.leave_type


def _grace_opened(uow, envelope):
    e = parse(envelope)
    if e.window_id is not None and uow.session.get(GraceHold, e.window_id) is None:
        uow.session.add(GraceHold(window_id=e.window_id, agency_id=e.agency_id, period=e.period,
                                  until=e.until, revoked=False))


def _grace_revoked(uow, envelope):
    e = parse(envelope)
    row = uow.session.get(GraceHold, e.window_id)
    if row is not None:
        row.revoked = True


def _skp_approved(uow, envelope):
    e = parse(envelope)
    if uow.session.scalar(select(ApprovedSkp.id).where(ApprovedSkp.employee_id == e.employee_id,
                                                       ApprovedSkp.year == e.year)) is None:
        uow.session.add(ApprovedSkp(employee_id=e.employee_id, year=e.year))


def _skp_returned(uow, envelope):
    """Returned to be changed, the year has no approved SKP until it is approved again."""
    e = parse(envelope)
    uow.session.execute(delete(ApprovedSkp).where(ApprovedSkp.employee_id == e.employee_id,
                                                  ApprovedSkp.year == e.year))


def _entry_dict(e: LedgerEntry) -> dict:
    return {"id": e.id, "date": e.date.isoformat(), "kind": e.kind, "points": str(e.points),
            "activity_code": e.activity_code,
            "rupiah": e.rupiah, "minutes": e.minutes, "report_id": e.report_id,
            "reason": e.reason}


def _yearly_dict(row, value: str) -> dict:
    """A budget ceiling (`value` "ceiling") or an agency's predikat ("predikat")."""
    return {"agency_id": row.agency_id, "year": row.year, value: getattr(row, value),
            "set_by": row.set_by, "set_at": row.set_at.isoformat()}


def _job_dict(job: CloseJob) -> dict:
    return {"id": job.id, "period": job.period, "agency_id": job.agency_id, "state": job.state,
            "done": job.done, "total": job.total, "snapshot_id": job.snapshot_id,
            "error": job.error}
