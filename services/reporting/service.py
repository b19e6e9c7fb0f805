"""Reporting service: entrypoints only. Use cases in organisation.py, skp.py,
reports.py, meetings.py; rules in rules.py; queries in storage.py."""
import datetime as dt

from nameko.events import BROADCAST
from nameko.extensions import DependencyProvider
from sqlalchemy import select, text

from ekinerja_contract import clock, config, periods
from ekinerja_contract.envelope import utcnow
from ekinerja_contract.errors import Conflict, Forbidden, InvalidInput, NotFound
from ekinerja_contract.events import parse
from ekinerja_contract.nameko_ext import Database, Metrics, ServiceRpc, event_handler, rpc
from ekinerja_contract.schemas import (
    SYSTEM_ACTOR,
    Actor,
    CatalogueIn,
    GraceWindowIn,
    MeetingIn,
    MeetingRolesIn,
    OrganisationIn,
    ReportIn,
    SkpDecisionIn,
    SkpIn,
)
from ekinerja_contract.services import Approval, Evidence
from ekinerja_contract.sheets import download

from . import catalogue, evidence_facts, logins, meetings, national, organisation, reports, skp, storage
from .memory import Memory
from .models import (
    Account,
    ActivityType,
    Agency,
    AuditEntry,
    Base,
    ClosedPeriod,
    Employee,
    GraceWindow,
    Meeting,
    Report,
)

ADMINS = ("city_admin", "agency_admin")
LINK_BATCH = 2000


def _decision(event_type: str, action: str):
    """An event handler applying an approval decision to the report it names."""
    @event_handler("approval", event_type)
    def handle(self, body):
        self.db.consume(body, lambda uow, env: _decided(uow, env, action))
    return handle


class Remembered(DependencyProvider):
    """The service's memory of the catalogue, the organisation and the rule set's numbers
    (memory.py), one per process, shared by its workers."""

    def setup(self):
        cfg = self.container.config.get("REPORTING") or {}
        self.memory = Memory(float(cfg.get("MEMORY_SECONDS", 300)))

    def get_dependency(self, worker_ctx):
        return self.memory


def _forget(source: str, event_type: str, kind: str):
    """Every instance forgets `kind` when the event comes (a queue of its own each)."""
    @event_handler(source, event_type, handler_type=BROADCAST, reliable_delivery=False)
    def forget(self, body):
        self.memory.forget(kind)
    return forget


class ReportingService:
    name = "reporting"
    db = Database(Base.metadata)
    metrics = Metrics()
    memory: Memory = Remembered()
    evidence: Evidence = ServiceRpc(Evidence)
    approval: Approval = ServiceRpc(Approval)

    @rpc
    def health(self):
        with self.db.session() as s:
            s.execute(text("SELECT 1"))
        return {"service": self.name, "ok": True}

    # --- organisation and accounts ------------------------------------------------
    @rpc
    def load_organisation(self, actor, data):
        actor = _admin(actor)
        org = OrganisationIn.model_validate(data)
        with self.db.unit_of_work() as uow:
            _check_agency_admin(uow.session, actor, org.agency.code)
            result = organisation.load(uow, org, config.today())
            _audit_payees(uow, actor, result)
            _audit(uow, actor, "organisation.loaded", {"agency": org.agency.code, **result})
        return result

    @rpc
    def import_organisation_csv(self, actor, csv_text):
        actor = _admin(actor, "city_admin")
        with self.db.unit_of_work() as uow:
            result = organisation.import_csv(uow, csv_text, config.today())
            _audit_payees(uow, actor, result)
            _audit(uow, actor, "organisation.imported", result)
        return result

    @rpc
    def get_account(self, username):
        """An account's facts, its password hash included (the gateway checks a current
        password before a change); NotFound if unknown."""
        with self.db.session() as s:
            acc = logins.find(s, username)
            if acc is None:
                raise NotFound("unknown user", code="account_unknown")
            return _account_dict(s, acc)

    @rpc
    def login_state(self, username):
        """What the gateway's login needs, in one call whether the username exists or
        not (so the answer and its time do not tell): the account or None, and how
        long this username must wait after failed attempts."""
        with self.db.session() as s:
            acc = logins.find(s, username)
            if acc is not None and acc.active is False:
                acc = None  # deactivated: the same answer as a username nobody holds
            return {"account": _account_dict(s, acc) if acc else None,
                    "retry_after": logins.retry_after(logins.throttle_of(s, username), utcnow())}

    @rpc
    def record_login(self, username, succeeded):
        """Count an attempt (known usernames and unknown alike); returns the wait."""
        with self.db.unit_of_work() as uow:
            row, started = logins.record(uow.session, username, bool(succeeded), utcnow())
            if started:
                acc = logins.find(uow.session, username)
                _audit(uow, Actor(account_id=acc.id if acc else 0), "login.throttled",
                       {"username": username[:60], "known": acc is not None})
            return {"retry_after": logins.retry_after(row, utcnow())}

    @rpc
    def unlock_account(self, actor, username):
        """An admin clears a username's failed attempts (audited)."""
        actor = _admin(actor)
        with self.db.unit_of_work() as uow:
            cleared = logins.clear(uow.session, username)
            _audit(uow, actor, "login.unthrottled", {"username": username[:60],
                                                     "had_failures": cleared})
        return {"username": username, "cleared": cleared}

    @rpc
    def set_account_active(self, actor, username, active):
        """An admin deactivates (or reactivates) an account: a deactivated one cannot log
        in and every token it holds stops working (audited)."""
        actor = _admin(actor)
        with self.db.unit_of_work() as uow:
            acc = logins.find(uow.session, username)
            if acc is None or (actor.has("agency_admin") and not actor.has("city_admin")
                               and acc.agency_id != actor.agency_id):
                raise NotFound("unknown user", code="account_unknown")
            acc.active = bool(active)
            logins.revoke_tokens(acc)
            _audit(uow, actor, "account.activated" if active else "account.deactivated",
                   {"username": username})
            return {"username": username, "active": acc.active}

    @rpc
    def token_version(self, account_id):
        """The version every valid token of this account carries; NotFound if gone or
        deactivated."""
        with self.db.session() as s:
            acc = s.get(Account, account_id)
            if acc is None or acc.active is False:
                raise NotFound("unknown account", code="account_unknown")
            return acc.token_version or 0

    @rpc
    def revoke_tokens(self, actor):
        """Log out everywhere: every token issued to the caller's account stops working."""
        actor = Actor.model_validate(actor)
        with self.db.unit_of_work() as uow:
            acc = uow.session.get(Account, actor.account_id, with_for_update=True)
            if acc is None:
                raise NotFound("unknown account", code="account_unknown")
            return {"token_version": logins.revoke_tokens(acc)}

    @rpc
    def set_password(self, actor, username, password_hash):
        """An admin sets someone's password (an agency admin: their own agency's);
        anyone sets their own (the gateway checks the current one first)."""
        actor = Actor.model_validate(actor)
        with self.db.unit_of_work() as uow:
            acc = uow.session.scalar(select(Account).where(Account.username == username))
            if acc is None:
                raise NotFound("unknown user", code="account_unknown")
            own = acc.id == actor.account_id
            if not (own or actor.has("city_admin") or (
                    actor.has("agency_admin") and acc.agency_id == actor.agency_id
                    and "city_admin" not in acc.roles)):
                raise Forbidden("you may not set this password", code="password_forbidden")
            acc.password_hash = password_hash
            logins.revoke_tokens(acc)  # every session of the old password ends
            _audit(uow, actor, "account.password_set", {"username": username})
        return {"username": username}

    @rpc
    def superior_of(self, employee_id, on=None):
        """Who is this employee's direct superior on a date (acting officials included)."""
        with self.db.session() as s:
            sup = storage.superior_on(s, employee_id, _date(on))
            return None if sup is None else {"employee_id": sup.id, "name": sup.name, "nip": sup.nip}

    @rpc
    def approver_of(self, employee_id, on=None):
        """Who approves this employee's work of a date, as a report of it would be routed:
        the direct superior, else the rule set's head approver; None when nobody."""
        with self.db.session() as s:
            return storage.approver_id_on(s, employee_id, _date(on))

    @rpc
    def may_see_employee(self, actor, employee_id, on=None):
        """The one visibility rule other services ask: the employee, anyone above them
        in the live chain (acting officials included), admins of their agency."""
        actor = Actor.model_validate(actor)
        with self.db.session() as s:
            return _may_see_employee(s, actor, employee_id, _date(on))

    @rpc
    def superior_for(self, actor, employee_id, on=None):
        """superior_of for a person: only the employee, anyone above them in the chain,
        and admins may ask; anyone else gets the same NotFound as for an id that does
        not exist, so ids cannot be probed for names and NIPs."""
        actor = Actor.model_validate(actor)
        day = _date(on)
        with self.db.session() as s:
            if not _may_see_employee(s, actor, employee_id, day):
                raise NotFound(f"employee {employee_id} not found", code="employee_not_found")
            sup = storage.superior_on(s, employee_id, day)
            return None if sup is None else {"employee_id": sup.id, "name": sup.name, "nip": sup.nip}

    @rpc
    def payment_accounts(self, actor, employee_ids):
        """Where finance transfers each employee's TPP: {employee_id: bank, account,
        holder}, for finance and city admins (everyone), an agency admin (their agency's
        people); anyone else gets nothing. People with no account known are left out."""
        actor = Actor.model_validate(actor)
        if not actor.has("finance", "city_admin", "agency_admin"):
            raise Forbidden("finance and admins only", code="admins_only")
        today = config.today()
        with self.db.session() as s:
            rows = s.scalars(select(Employee).where(Employee.id.in_([int(i) for i in employee_ids]),
                                                    Employee.bank_account.is_not(None)))
            return {str(e.id): {"bank_name": e.bank_name, "bank_account": e.bank_account,
                                "bank_account_holder": e.bank_account_holder,
                                "bank_changed_on": clock.local_date(e.bank_changed_at).isoformat()
                                if e.bank_changed_at else ""}
                    for e in rows
                    if actor.has("finance", "city_admin") or _may_see_employee(s, actor, e.id, today)}

    @rpc
    def subordinates(self, actor, on=None):
        actor = Actor.model_validate(actor)
        with self.db.session() as s:
            return [{"employee_id": e.id, "name": e.name, "nip": e.nip}
                    for e in storage.subordinates_on(s, actor.employee_id, _date(on))]

    # --- catalogue and numbers ------------------------------------------------------
    @rpc
    def publish_catalogue(self, actor, items):
        _admin(actor)
        with self.db.unit_of_work() as uow:
            return {"published": catalogue.publish(uow, CatalogueIn.model_validate(items))}

    @rpc
    def rule_set_on(self, on=None, agency_id=None):
        """The reporting numbers in force for an agency (the city's without one) on a
        date: daily cap, input deadline day, the approver of heads."""
        with self.db.session() as s:
            numbers = storage.rule_set_on(s, agency_id, _date(on))
            return {"daily_cap_minutes": numbers.daily_cap_minutes,
                    "input_deadline_day": numbers.input_deadline_day,
                    "head_approver": numbers.head_approver}

    @rpc
    def catalogue_versions(self):
        """Every version of every activity type with its effective date, upcoming ones
        included (the admin's view; reports use the version in force on their date)."""
        with self.db.session() as s:
            rows = s.scalars(select(ActivityType).order_by(ActivityType.code,
                                                           ActivityType.version))
            return [catalogue.as_dict(r) for r in rows]

    @rpc
    def list_catalogue(self, on=None):
        with self.db.session() as s:
            return catalogue.in_force(s, _date(on))

    @rpc
    def open_grace_window(self, actor, window, idempotency_key=None):
        actor = _admin(actor)
        data = GraceWindowIn.model_validate(window)
        periods.bounds(data.period)
        self._agency_exists(data.agency_id)
        if actor.has("agency_admin") and not actor.has("city_admin") \
                and actor.agency_id != data.agency_id:
            raise Forbidden("an agency admin opens windows only for their own agency", code="agency_scope")
        return self.db.once(idempotency_key, f"{actor.account_id}:grace",
                            lambda uow: _open_window(uow, actor, data, False, None))

    @rpc
    def open_grace_window_automatically(self, window, measured, key):
        """The availability service's: the system missed its objective before the
        deadline. Audited with what it measured; once per `key` however often asked."""
        data = GraceWindowIn.model_validate(window)
        self._agency_exists(data.agency_id)
        return self.db.once(key, "availability:grace",
                            lambda uow: _open_window(uow, SYSTEM_ACTOR, data, True, measured))

    @rpc
    def grace_windows(self, actor, period=None):
        """The windows opened (newest first): the city's, or an agency admin's own."""
        actor = _admin(actor)
        with self.db.session() as s:
            q = select(GraceWindow).order_by(GraceWindow.opened_at.desc(), GraceWindow.id.desc()).limit(200)
            if not actor.has("city_admin"):
                q = q.where(GraceWindow.agency_id == actor.agency_id)
            if period:
                q = q.where(GraceWindow.period == period)
            rows = list(s.scalars(q))
            names = dict(s.execute(select(Agency.id, Agency.name).where(
                Agency.id.in_({w.agency_id for w in rows}))).all()) if rows else {}
            return [_window_dict(w) | {"agency_name": names.get(w.agency_id)} for w in rows]

    @rpc
    def revoke_grace_window(self, actor, window_id, reason):
        """An admin takes a window back (a city admin any; an agency admin their own):
        audited, announced; input for the period closes again at its deadline."""
        actor = _admin(actor)
        text_ = str(reason or "").strip()
        if not 10 <= len(text_) <= 1000:
            raise InvalidInput("a reason of 10 to 1000 characters",
                               [{"field": "reason", "code": "string_too_short", "reason": text_[:50],
                                 "params": {"min_length": 10}}], code="invalid_input")
        with self.db.unit_of_work() as uow:
            row = uow.session.get(GraceWindow, int(window_id), with_for_update=True)
            if row is None or (not actor.has("city_admin") and row.agency_id != actor.agency_id):
                raise NotFound(f"grace window {window_id} not found", code="grace_window_not_found")
            if row.revoked_at is not None:
                raise Conflict("that window is already revoked", code="grace_window_revoked")
            row.revoked_at, row.revoked_by, row.revoke_reason = utcnow(), actor.account_id, text_
            _audit(uow, actor, "grace_window.revoked", {"window_id": row.id, "agency_id": row.agency_id,
                                                        "period": row.period, "reason": text_})
            uow.emit("reporting.grace_window_revoked", dict(
                window_id=row.id, agency_id=row.agency_id, period=row.period, reason=text_,
                revoked_by=actor.account_id))
            return _window_dict(row)

    def _agency_exists(self, agency_id: int) -> None:
        with self.db.session() as s:
            if s.get(Agency, agency_id) is None:
                raise NotFound(f"agency {agency_id} not found", code="agency_not_found")

    # --- SKP ------------------------------------------------------------------------
    @rpc
    def save_skp(self, actor, data):
        actor = _employee(actor)
        with self.db.unit_of_work() as uow:
            return skp.as_dict(uow.session, skp.save(uow, actor, SkpIn.model_validate(data),
                                                     config.today()))

    @rpc
    def submit_skp(self, actor, year):
        actor = _employee(actor)
        with self.db.unit_of_work() as uow:
            return skp.as_dict(uow.session, skp.submit(uow, actor, year))

    @rpc
    def decide_skp(self, actor, employee_id, year, decision):
        actor = Actor.model_validate(actor)
        with self.db.unit_of_work() as uow:
            return skp.as_dict(uow.session, skp.decide(
                uow, actor, employee_id, year, SkpDecisionIn.model_validate(decision),
                config.today()))

    @rpc
    def get_skp(self, actor, employee_id, year):
        actor = Actor.model_validate(actor)
        with self.db.session() as s:
            found = storage.skp_of(s, employee_id, year)
            if found is None:
                raise NotFound(f"no SKP {year} for employee {employee_id}",
                               code="skp_not_found", params={"year": year})
            if actor.employee_id != employee_id and not actor.has("city_admin") and not skp.may_decide(
                    s, actor, employee_id, year, config.today()):
                # the same answer as for an SKP that does not exist: ids tell nothing
                raise NotFound(f"no SKP {year} for employee {employee_id}", code="skp_not_found",
                               params={"year": year})
            return skp.as_dict(s, found)

    @rpc
    def superior_skp_items(self, actor, year):
        """The items of my superior's SKP that my main items cascade from (titles only:
        enough to choose a parent, nothing of the superior's indicators)."""
        actor = _employee(actor)
        with self.db.session() as s:
            superior = storage.superior_on(s, actor.employee_id,
                                           skp.reference_date(year, config.today()))
            found = storage.skp_of(s, superior.id, year) if superior else None
            return [] if found is None else [
                {"id": i.id, "kind": i.kind, "title": i.title}
                for i in storage.skp_items(s, found.id)]

    # --- meetings ---------------------------------------------------------------------
    @rpc
    def create_meeting(self, actor, meeting, idempotency_key=None):
        actor = Actor.model_validate(actor)
        data = MeetingIn.model_validate(meeting)
        return self.db.once(idempotency_key, f"{actor.account_id}:meeting", lambda uow:
                            meetings.as_dict(meetings.create(uow, actor, data, config.today())))

    @rpc
    def meeting_claims(self, actor, meeting_id):
        with self.db.session() as s:
            return meetings.claims(s, Actor.model_validate(actor), meeting_id)

    @rpc
    def confirm_meeting_roles(self, actor, meeting_id, roles):
        """The organiser names or confirms who chairs, speaks, takes notes."""
        actor = _employee(actor)
        data = MeetingRolesIn.model_validate(roles)
        with self.db.unit_of_work() as uow:
            return meetings.as_dict(meetings.confirm_roles(uow, actor, meeting_id, data.roles))

    @rpc
    def meeting_roles(self, actor, meeting_id):
        """Who claimed which role, for the organiser, a claimant or the approver of a
        claim (so a superior judging a chair's claim sees the whole meeting)."""
        actor = Actor.model_validate(actor)
        with self.db.session() as s:
            meeting = s.get(Meeting, meeting_id)
            if meeting is None:
                raise NotFound(f"meeting {meeting_id} not found", code="meeting_not_found")
            claimants = set(s.scalars(select(Report.employee_id).where(
                Report.meeting_id == meeting_id)))
            approvers = set(s.scalars(select(Report.approver_id).where(
                Report.meeting_id == meeting_id)))
            if not (actor.has("city_admin", "review_team") or actor.employee_id in
                    claimants | approvers | {meeting.organiser_id}):
                raise NotFound(f"meeting {meeting_id} not found", code="meeting_not_found")
            return {**meetings.as_dict(meeting), "claims": meetings.role_list(s, meeting)}

    @rpc
    def colleagues(self, actor):
        """Everyone placed in the caller's agency today (to invite to a meeting)."""
        actor = _employee(actor)
        with self.db.session() as s:
            agency = storage.position_on(s, actor.employee_id, config.today()).agency_id
            return [{"employee_id": e.id, "name": e.name}
                    for e in storage.placed_in_agency(s, agency, config.today())]

    @rpc
    def my_meetings(self, actor):
        """Meetings I organise or am expected at (the last 60 days and ahead)."""
        actor = _employee(actor)
        since = config.today() - dt.timedelta(days=60)
        with self.db.session() as s:
            rows = s.scalars(select(Meeting).where(Meeting.date >= since).order_by(Meeting.date))
            return [meetings.as_dict(m) for m in rows
                    if m.organiser_id == actor.employee_id or actor.employee_id in m.expected]

    # --- reports ----------------------------------------------------------------------
    @rpc
    def save_draft(self, actor, report, idempotency_key=None):
        return self._write(actor, report, "draft", idempotency_key)

    @rpc
    def submit_report(self, actor, report, idempotency_key=None):
        return self._write(actor, report, "submit", idempotency_key)

    @rpc
    def submit_draft(self, actor, report_id):
        return self._rewrite(actor, report_id, None, "submit")

    @rpc
    def revise_report(self, actor, report_id, report):
        return self._rewrite(actor, report_id, report, "revise")

    @rpc
    def resubmit_report(self, actor, report_id):
        return self._rewrite(actor, report_id, None, "resubmit")

    @rpc
    def withdraw_report(self, actor, report_id):
        actor = _employee(actor)
        with self.db.session() as s:
            state = reports.own_report(s, actor, report_id).state
        if state == "submitted":  # the approver must not be deciding it right now
            self.approval.cancel_task(report_id)
        with self.db.unit_of_work() as uow:
            report = reports.withdraw(uow, actor, report_id)
            return _report_dict(uow.session, report)

    def _write(self, actor, report, action, idempotency_key=None):
        actor = _employee(actor)
        data = ReportIn.model_validate(report)
        today = config.today()
        with self.db.session() as s:
            prepared = reports.prepare(s, data, self._evidence_facts(s), today, self.memory)
        return self.db.once(idempotency_key, f"{actor.account_id}:report.{action}", lambda uow:
                            _with_notice(reports.as_dict(reports.write(
                                uow, actor, prepared, today, action, memory=self.memory),
                                prepared.activity)))

    def _rewrite(self, actor, report_id, report, action):
        actor = _employee(actor)
        today = config.today()
        with self.db.session() as s:
            existing = reports.own_report(s, actor, report_id)
            data = ReportIn.model_validate(report) if report else reports.as_input(s, existing)
            prepared = reports.prepare(s, data, self._evidence_facts(s), today, self.memory)
        with self.db.unit_of_work() as uow:
            row = reports.own_report(uow.session, actor, report_id, lock=True)
            row = reports.write(uow, actor, prepared, today, action, report=row,
                                memory=self.memory)
            return _with_notice(reports.as_dict(row, prepared.activity))

    def _evidence_facts(self, s):
        return lambda evidence_id: evidence_facts.lookup(s, evidence_id,
                                                         self.evidence.checked_facts)

    @rpc
    def list_reports(self, actor, period, employee_id=None):
        """One person's reports for a month: your own, or a subordinate's."""
        actor = Actor.model_validate(actor)
        start, end = periods.bounds(period)
        target = employee_id or actor.employee_id
        if target is None:
            return []
        with self.db.session() as s:
            if target != actor.employee_id and not actor.has("city_admin") and target not in {
                    e.id for e in storage.subordinates_on(s, actor.employee_id, config.today())}:
                raise NotFound(f"employee {employee_id} not found", code="employee_not_found")
            return [_report_dict(s, r) for r in storage.reports_of(s, target, start, end)]

    @rpc
    def progress_export(self, actor, period, fmt="csv", agency_id=None, employee_id=None):
        """The national Progres Harian of a month (national.py): one person's (themself, or
        someone they may see), an agency's (its admin) or the city's (a city admin); each
        photo as a long-lived link a national reviewer opens without an account."""
        rows, scope = self._progress(actor, period, agency_id, employee_id,
                                     limit=national.XLSX_MAX_ROWS + 1)
        if len(rows) > national.XLSX_MAX_ROWS:
            raise InvalidInput(f"over {national.XLSX_MAX_ROWS} rows: ask for CSV, or one agency",
                               [{"field": "fmt", "reason": "too many rows"}], code="export_too_large",
                               params={"rows": national.XLSX_MAX_ROWS})
        return download(fmt, f"progres-harian-{period}-{scope}", lambda: national.to_csv(rows),
                        lambda: national.to_xlsx(rows, period, scope))

    @rpc
    def progress_part(self, actor, period, agency_id=None, employee_id=None, after=0):
        """The Progres Harian as CSV in parts, for the gateway to send as one file of any
        size: the header with the first part (`after` 0), then PAGE_ROWS rows at a time by
        report id; `next` is the `after` of the next part, None after the last."""
        rows, scope = self._progress(actor, period, agency_id, employee_id, after=int(after),
                                     limit=national.PAGE_ROWS)
        return {"filename": f"progres-harian-{period}-{scope}.csv",
                "csv": national.to_csv(rows, header=int(after) == 0).decode("utf-8"),
                "next": rows[-1]["report_id"] if len(rows) == national.PAGE_ROWS else None}

    def _progress(self, actor, period, agency_id, employee_id, **window) -> tuple[list[dict], str]:
        """The approved reports the actor asked for (whole, or a window of them), with
        their photos' links, and the scope's name for the file."""
        actor = Actor.model_validate(actor)
        with self.db.session() as s:
            people, agency, scope = _progress_scope(s, actor, agency_id, employee_id)
            rows = national.approved(s, period, people, agency, **window)
        return self._linked(actor, rows), scope

    def _linked(self, actor, rows: list[dict]) -> list[dict]:
        """The rows with their photos as long-lived links (evidence signs them)."""
        return national.with_links(rows, self._links(actor, rows), config.public_url() or "")

    def _links(self, actor, rows: list[dict]) -> dict:
        """Evidence's long-lived links for the rows' photos, asked in batches (evidence
        answers at most 5,000 at a time: a city's month has more)."""
        ids = [r["evidence_id"] for r in rows if r["evidence_id"]]
        links: dict = {}
        for start in range(0, len(ids), LINK_BATCH):
            links |= self.evidence.share_links(actor, ids[start:start + LINK_BATCH])
        return links

    @rpc
    def progress_items(self, report_ids):
        """For the sync adapter: the national items of these approved reports (not yet
        approved, or no more: left out), their photos as long-lived links."""
        with self.db.session() as s:
            rows = []
            for period in sorted({p for p in _periods_of(s, report_ids)}):
                rows += national.approved(s, period, report_ids=[int(i) for i in report_ids])
        return [national.as_item(r) | {"report_id": r["report_id"], "employee_id": r["employee_id"]}
                for r in self._linked(SYSTEM_ACTOR, rows)]

    @rpc
    def approved_on(self, day):
        """For the sync adapter's reconciliation: every report approved for a day (by its
        date), with whose it is."""
        on = dt.date.fromisoformat(str(day))
        with self.db.session() as s:
            return [{"report_id": r.id, "employee_id": r.employee_id, "nip": nip, "name": name,
                     "decided_at": clock.as_utc(r.decided_at).isoformat() if r.decided_at else None}
                    for r, nip, name in s.execute(
                        select(Report, Employee.nip, Employee.name)
                        .join(Employee, Employee.id == Report.employee_id)
                        .where(Report.date == on, Report.state == "approved").order_by(Report.id))]

    @rpc
    def get_report(self, actor, report_id):
        actor = _employee(actor)
        with self.db.session() as s:
            return _report_dict(s, reports.own_report(s, actor, report_id))

    # --- what others decided: each approval event moves the report one step ------------
    on_approved = _decision("approval.approved", "approve")
    on_rejected = _decision("approval.rejected", "reject")
    on_revision_requested = _decision("approval.revision_requested", "request_revision")
    on_dispute_filed = _decision("approval.dispute_filed", "dispute")
    on_dispute_upheld = _decision("approval.dispute_upheld", "uphold")
    on_dispute_dismissed = _decision("approval.dispute_dismissed", "dismiss")
    on_approval_revoked = _decision("approval.approval_revoked", "revoke")

    # --- what evidence found ----------------------------------------------------------------
    @event_handler("evidence", "evidence.checked")
    def on_evidence_checked(self, body):
        self.db.consume(body, lambda uow, env: evidence_facts.project(uow, parse(env)))

    @event_handler("evidence", "evidence.expired")
    def on_evidence_expired(self, body):
        self.db.consume(body, lambda uow, env: evidence_facts.forget(uow, parse(env)))

    # --- what this instance remembers, forgotten when it changes ---------------------------
    forget_catalogue = _forget("reporting", "catalogue.version_published", "catalogue")
    forget_organisation = _forget("reporting", "org.placement_changed", "organisation")
    forget_rules = _forget("scoring", "scoring.rule_set_published", "rules")

    @event_handler("scoring", "scoring.rule_set_published")
    def on_rule_set_published(self, body):
        self.db.consume(body, lambda uow, env: catalogue.project_rule_set(uow, parse(env)))
        self.memory.forget("rules")  # after the commit: this instance reads the new numbers

    @event_handler("scoring", "payroll.period_closed")
    def on_period_closed(self, body):
        def close(uow, env):
            closed = parse(env)
            exists = uow.session.scalar(select(ClosedPeriod.id).where(
                ClosedPeriod.period == closed.period, ClosedPeriod.agency_id == closed.agency_id))
            if exists is None:
                uow.session.add(ClosedPeriod(period=closed.period, agency_id=closed.agency_id))
        self.db.consume(body, close)


def _decided(uow, envelope, action):
    decision = parse(envelope)
    reports.apply_decision(uow, decision.report_id, action, getattr(decision, "reason", None),
                           envelope.time, getattr(decision, "decided_by", None))


def _periods_of(s, report_ids) -> set[str]:
    dates = s.scalars(select(Report.date).where(Report.id.in_([int(i) for i in report_ids])))
    return {periods.period_of(d) for d in dates}


def _progress_scope(s, actor: Actor, agency_id, employee_id) -> tuple[list[int] | None, int | None, str]:
    """Whose Progres Harian the actor asked for, as (people, agency, the file's name part)."""
    today = config.today()
    if employee_id is not None:
        if not _may_see_employee(s, actor, int(employee_id), today):
            raise NotFound(f"employee {employee_id} not found", code="employee_not_found")
        return [int(employee_id)], None, storage.employee(s, int(employee_id)).nip
    if agency_id is None and not actor.has("city_admin"):
        if actor.has("agency_admin") and actor.agency_id is not None:
            agency_id = actor.agency_id
        elif actor.employee_id is not None:
            return [actor.employee_id], None, storage.employee(s, actor.employee_id).nip
        else:
            raise Forbidden("not allowed for this agency", code="agency_scope")
    if agency_id is None:
        return None, None, "kota"
    if not (actor.has("city_admin") or (actor.has("agency_admin") and actor.agency_id == int(agency_id))):
        raise Forbidden("not allowed for this agency", code="agency_scope")
    agency = s.get(Agency, int(agency_id))
    if agency is None:
        raise NotFound(f"agency {agency_id} not found", code="agency_not_found")
    return None, agency.id, agency.code


def _date(on):
    return dt.date.fromisoformat(on) if on else config.today()


def _admin(actor, *roles) -> Actor:
    actor = Actor.model_validate(actor)
    if not actor.has(*(roles or ADMINS)):
        raise Forbidden("admins only", code="admins_only")
    return actor


def _employee(actor) -> Actor:
    actor = Actor.model_validate(actor)
    if actor.employee_id is None:
        raise Forbidden("only employees do this", code="employees_only")
    return actor


def _check_agency_admin(s, actor: Actor, agency_code: str) -> None:
    if actor.has("city_admin"):
        return
    agency = s.scalar(select(Agency).where(Agency.code == agency_code))
    if agency is None or agency.id != actor.agency_id:
        raise Forbidden("an agency admin loads only their own agency", code="agency_scope")


def _may_see_employee(s, actor: Actor, employee_id: int, on: dt.date) -> bool:
    if actor.has("city_admin") or actor.employee_id == employee_id:
        return True
    if s.get(Employee, employee_id) is None:
        return False
    if actor.has("agency_admin"):
        try:
            return storage.position_on(s, employee_id, on).agency_id == actor.agency_id
        except NotFound:
            return False
    current: int | None = employee_id
    seen: set[int] = set()
    while current is not None and current not in seen and len(seen) < 20:  # the chain up
        seen.add(current)
        try:  # the approver: the superior, at the top the rule set's head approver
            current = storage.approver_id_on(s, current, on)
        except NotFound:  # no position that day: the chain ends here
            return False
        if current is not None and current == actor.employee_id:
            return True
    return False


def _account_dict(s, acc: Account) -> dict:
    roles, name = set(acc.roles), acc.username
    if acc.employee_id:
        name = storage.employee(s, acc.employee_id).name
        today = config.today()
        if storage.subordinates_on(s, acc.employee_id, today) or \
                storage.is_head_approver(s, acc.employee_id, today):
            roles.add("supervisor")
    return {"account_id": acc.id, "username": acc.username, "name": name,
            "password_hash": acc.password_hash, "roles": sorted(roles),
            "employee_id": acc.employee_id, "agency_id": acc.agency_id,
            "token_version": acc.token_version or 0}


def _open_window(uow, actor: Actor, data: GraceWindowIn, automatic: bool, measured) -> dict:
    row = GraceWindow(opened_by=actor.account_id, opened_at=utcnow(), automatic=automatic,
                      **data.model_dump())
    uow.session.add(row)
    uow.session.flush()
    detail = data.model_dump(mode="json") | ({"measured": measured} if automatic else {})
    _audit(uow, actor, "grace_window.opened_automatically" if automatic else "grace_window.opened",
           detail)
    uow.emit("reporting.grace_window_opened",
             dict(data.model_dump(exclude={"reason"}), reason=data.reason, opened_by=actor.account_id,
                  automatic=automatic, window_id=row.id))
    return data.model_dump(mode="json") | {"id": row.id, "automatic": automatic}


def _window_dict(w: GraceWindow) -> dict:
    return {"id": w.id, "agency_id": w.agency_id, "period": w.period, "until": w.until.isoformat(),
            "reason": w.reason, "opened_by": w.opened_by, "opened_at": w.opened_at.isoformat(),
            "automatic": bool(w.automatic),
            "revoked_at": w.revoked_at.isoformat() if w.revoked_at else None,
            "revoked_by": w.revoked_by, "revoke_reason": w.revoke_reason}


def _audit(uow, actor: Actor, action: str, detail: dict) -> None:
    uow.session.add(AuditEntry(actor_account_id=actor.account_id, action=action, detail=detail,
                               at=utcnow()))


def _audit_payees(uow, actor: Actor, result: dict) -> None:
    """Each changed bank account its own audit line (who, whose, before and after, masked);
    the reply counts them."""
    changes = result.pop("payees_changed")
    for change in changes:
        _audit(uow, actor, "employee.payee_changed", change)
    result["payees_changed"] = len(changes)


def _report_dict(s, report) -> dict:
    return reports.as_dict(report, s.get(ActivityType, report.activity_type_id))


def _with_notice(result: dict) -> dict:
    if result["state"] != "draft" and result["counted_minutes"] < result["minutes"]:
        result["notice"] = (f"{result['minutes'] - result['counted_minutes']} menit melebihi "
                            f"batas harian dan tidak dihitung")
    return result
