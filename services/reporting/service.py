"""Reporting service: entrypoints only; rules in rules.py, queries in storage.py."""
from nameko.rpc import RpcProxy, rpc
from sqlalchemy import text

from ekinerja_contract import config, periods
from ekinerja_contract.envelope import utcnow
from ekinerja_contract.errors import Conflict, Forbidden, InvalidInput, NotFound
from ekinerja_contract.events import parse
from ekinerja_contract.nameko_ext import Database, event_handler
from ekinerja_contract.schemas import Actor, CatalogueIn, OrganisationIn, ReportIn

from . import rules, storage
from .models import Account, ActivityType, Base, Report

ADMINS = ("city_admin", "agency_admin")


class ReportingService:
    name = "reporting"
    db = Database(Base.metadata)
    evidence = RpcProxy("evidence")

    @rpc
    def health(self):
        with self.db.session() as s:
            s.execute(text("SELECT 1"))
        return {"service": self.name, "ok": True}

    # --- organisation and accounts --------------------------------------------
    @rpc
    def load_organisation(self, actor, organisation):
        actor = _admin(actor)
        org = OrganisationIn.model_validate(organisation)
        with self.db.unit_of_work() as uow:
            agency, placed = storage.load_organisation(uow.session, org)
            if actor.has("agency_admin") and not actor.has("city_admin") \
                    and actor.agency_id != agency.id:
                raise Forbidden("an agency admin loads only their own agency")
            for emp, changed in placed:
                if changed:
                    superior = storage.superior_of(uow.session, emp)
                    uow.emit("org.employee_placed", dict(
                        employee_id=emp.id, nip=emp.nip, name=emp.name, agency_id=agency.id,
                        position_id=emp.position_id,
                        job_class=storage.job_class(uow.session, emp),
                        superior_employee_id=superior.id if superior else None))
        return {"agency_id": agency.id, "employees": len(placed),
                "placed": sum(1 for _, c in placed if c)}

    @rpc
    def get_account(self, username):
        """Credentials for the gateway's login; the password is checked there."""
        with self.db.session() as s:
            acc = s.query(Account).filter_by(username=username).one_or_none()
            if acc is None:
                raise NotFound("unknown user")
            roles = set(acc.roles)
            name = username
            if acc.employee_id:
                emp = storage.employee(s, acc.employee_id)
                name = emp.name
                if storage.has_subordinates(s, acc.employee_id):
                    roles.add("supervisor")
            return {"account_id": acc.id, "username": acc.username, "name": name,
                    "password_hash": acc.password_hash, "roles": sorted(roles),
                    "employee_id": acc.employee_id, "agency_id": acc.agency_id}

    # --- catalogue -------------------------------------------------------------
    @rpc
    def publish_catalogue(self, actor, catalogue):
        _admin(actor)
        items = CatalogueIn.model_validate(catalogue).activity_types
        published = []
        with self.db.unit_of_work() as uow:
            latest = storage.latest_versions(uow.session)
            for item in items:
                current = latest.get(item.code)
                if current is not None and _same_terms(current, item):
                    continue  # re-publishing the same terms makes no new version
                row = ActivityType(version=(current.version + 1) if current else 1,
                                   **item.model_dump(mode="python"))
                row.role_weights = ({k: str(v) for k, v in item.role_weights.items()}
                                    if item.role_weights else None)
                uow.session.add(row)
                uow.session.flush()
                uow.emit("catalogue.version_published", dict(
                    activity_type_id=row.id, code=row.code, name=row.name, version=row.version,
                    effective_from=row.effective_from, points=row.points, rupiah=row.rupiah,
                    standard_minutes=row.standard_minutes))
                published.append({"code": row.code, "version": row.version})
        return {"published": published}

    @rpc
    def list_catalogue(self):
        with self.db.session() as s:
            return [_activity_dict(a) for a in storage.latest_versions(s).values()]

    # --- reports -----------------------------------------------------------------
    @rpc
    def submit_report(self, actor, report):
        actor = Actor.model_validate(actor)
        if actor.employee_id is None:
            raise Forbidden("only employees file reports")
        data = ReportIn.model_validate(report)
        rules.check_report_date(data.date, config.today())
        with self.db.session() as s:
            activity = rules.pick_version(storage.activity_versions(s, data.activity_code),
                                          data.date)
        if activity is None:
            raise InvalidInput(f"no activity {data.activity_code!r} in the catalogue on "
                               f"{data.date}", [{"field": "activity_code", "reason": "unknown"}])
        points, rupiah = rules.report_value(activity.points, activity.rupiah,
                                            activity.role_weights, data.role, data.quantity)
        sha256 = self._evidence_for(actor, data, activity)

        with self.db.unit_of_work() as uow:
            s = uow.session
            emp = storage.employee(s, actor.employee_id, lock=True)  # serialises one person
            same_day = storage.reports_on(s, emp.id, data.date)
            for other in same_day:
                if rules.overlaps((data.start, data.end), (other.start, other.end)):
                    raise Conflict(f"overlaps your report {other.id} "
                                   f"({other.start:%H:%M}-{other.end:%H:%M})",
                                   [{"field": "start", "reason": "overlapping time"}])
            if sha256 and storage.evidence_in_use(s, sha256):
                raise Conflict("this evidence is already used by another report",
                               [{"field": "evidence_id", "reason": "reused"}])
            minutes = rules.minutes_between(data.start, data.end)
            counted = rules.counted_minutes(minutes, sum(r.counted_minutes for r in same_day))
            superior = storage.superior_of(s, emp)
            row = Report(employee_id=emp.id, agency_id=emp.agency_id,
                         approver_id=superior.id if superior else None,
                         activity_type_id=activity.id, minutes=minutes, counted_minutes=counted,
                         points=points, rupiah=rupiah, evidence_sha256=sha256,
                         state=rules.next_state("draft", "submit"),
                         submitted_at=utcnow(), **data.model_dump(exclude={"activity_code"}))
            s.add(row)
            s.flush()
            uow.emit("report.submitted", dict(
                report_id=row.id, employee_id=emp.id, employee_name=emp.name,
                agency_id=emp.agency_id, approver_id=row.approver_id, date=row.date,
                start=row.start, end=row.end, activity_code=activity.code,
                activity_name=activity.name, activity_version=activity.version,
                role=row.role, quantity=row.quantity, description=row.description,
                evidence_id=row.evidence_id, evidence_sha256=sha256, minutes=minutes,
                counted_minutes=counted, points=points, rupiah=rupiah))
            result = _report_dict(row, activity)
        if counted < minutes:
            result["notice"] = (f"{minutes - counted} menit melebihi batas harian "
                                f"dan tidak dihitung")
        return result

    def _evidence_for(self, actor, data, activity):
        if data.evidence_id is None:
            if activity.evidence_required:
                raise InvalidInput("this activity needs evidence (a photo or scan)",
                                   [{"field": "evidence_id", "reason": "required"}])
            return None
        ev = self.evidence.describe(data.evidence_id)
        if ev["owner_id"] != actor.employee_id:
            raise Forbidden("that evidence belongs to someone else")
        if ev["status"] not in ("stored", "linked"):
            raise InvalidInput("that evidence upload is not complete",
                               [{"field": "evidence_id", "reason": ev["status"]}])
        return ev["sha256"]

    @rpc
    def list_reports(self, actor, period):
        actor = Actor.model_validate(actor)
        if actor.employee_id is None:
            return []
        start, end = periods.bounds(period)
        with self.db.session() as s:
            activities = {a.id: a for a in s.query(ActivityType)}
            return [_report_dict(r, activities[r.activity_type_id])
                    for r in storage.reports_of(s, actor.employee_id, start, end)]

    # --- what approval decided ---------------------------------------------------
    @event_handler("approval", "approval.approved")
    def on_approved(self, body):
        self.db.consume(body, lambda uow, env: _decide(uow, env, "approve"))

    @event_handler("approval", "approval.rejected")
    def on_rejected(self, body):
        self.db.consume(body, lambda uow, env: _decide(uow, env, "reject"))

    @event_handler("approval", "approval.revision_requested")
    def on_revision_requested(self, body):
        self.db.consume(body, lambda uow, env: _decide(uow, env, "request_revision"))


def _decide(uow, envelope, action):
    decision = parse(envelope)
    report = uow.session.get(Report, decision.report_id)
    if report is None:
        raise NotFound(f"report {decision.report_id} not found")
    report.state = rules.next_state(report.state, action)
    report.decision_reason = getattr(decision, "reason", None)
    report.decided_at = envelope.time


def _admin(actor) -> Actor:
    actor = Actor.model_validate(actor)
    if not actor.has(*ADMINS):
        raise Forbidden("admins only")
    return actor


def _same_terms(row: ActivityType, item) -> bool:
    weights = {k: str(v) for k, v in item.role_weights.items()} if item.role_weights else None
    return (row.name, row.output_unit, row.standard_minutes, row.points, row.rupiah,
            row.evidence_required, row.role_weights, row.effective_from) == (
        item.name, item.output_unit, item.standard_minutes, item.points, item.rupiah,
        item.evidence_required, weights, item.effective_from)


def _activity_dict(a: ActivityType) -> dict:
    return {"code": a.code, "version": a.version, "name": a.name, "output_unit": a.output_unit,
            "standard_minutes": a.standard_minutes, "points": str(a.points),
            "rupiah": a.rupiah, "evidence_required": a.evidence_required,
            "role_weights": a.role_weights, "effective_from": a.effective_from.isoformat()}


def _report_dict(r: Report, a: ActivityType) -> dict:
    return {"id": r.id, "employee_id": r.employee_id, "date": r.date.isoformat(),
            "start": r.start.strftime("%H:%M"), "end": r.end.strftime("%H:%M"),
            "activity_code": a.code, "activity_name": a.name, "role": r.role,
            "quantity": r.quantity, "description": r.description, "evidence_id": r.evidence_id,
            "minutes": r.minutes, "counted_minutes": r.counted_minutes,
            "points": str(r.points), "rupiah": r.rupiah, "state": r.state,
            "decision_reason": r.decision_reason, "approver_id": r.approver_id}
