"""Approval service: entrypoints only; rules in rules.py."""
from decimal import Decimal

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from sqlalchemy import select, text

from ekinerja_contract.envelope import utcnow
from ekinerja_contract.errors import Conflict, NotFound
from ekinerja_contract.events import parse
from ekinerja_contract.nameko_ext import Database, event_handler
from ekinerja_contract.schemas import Actor, DecisionIn

from . import rules
from .models import ApprovalTask, ApproverCredit, AuditEntry, Base


class Settings(DependencyProvider):
    def setup(self):
        cfg = self.container.config.get("APPROVAL") or {}
        self.points_per_decision = Decimal(str(cfg.get("POINTS_PER_DECISION", 2)))
        self.daily_points_cap = Decimal(str(cfg.get("DAILY_POINTS_CAP", 40)))

    def get_dependency(self, worker_ctx):
        return self


class ApprovalService:
    name = "approval"
    db = Database(Base.metadata)
    settings = Settings()

    @rpc
    def health(self):
        with self.db.session() as s:
            s.execute(text("SELECT 1"))
        return {"service": self.name, "ok": True}

    @event_handler("reporting", "report.submitted")
    def on_report_submitted(self, body):
        self.db.consume(body, _open_task)

    @event_handler("reporting", "report.resubmitted")
    def on_report_resubmitted(self, body):
        self.db.consume(body, _reopen_task)

    @event_handler("reporting", "report.withdrawn")
    def on_report_withdrawn(self, body):
        self.db.consume(body, lambda uow, env: _cancel(uow, parse(env).report_id, None))

    @rpc
    def cancel_task(self, report_id):
        """Reporting asks before a withdrawal: refused once a decision exists."""
        with self.db.unit_of_work() as uow:
            return _cancel(uow, report_id, None)

    @rpc
    def inbox(self, actor, state="pending"):
        actor = Actor.model_validate(actor)
        with self.db.session() as s:
            tasks = s.scalars(select(ApprovalTask).where(
                ApprovalTask.approver_id == actor.employee_id, ApprovalTask.state == state)
                .order_by(ApprovalTask.created_at))
            return [_task_dict(t) for t in tasks]

    @rpc
    def decide(self, actor, task_id, decision):
        actor = Actor.model_validate(actor)
        decision = DecisionIn.model_validate(decision)
        with self.db.unit_of_work() as uow:
            s = uow.session
            task = s.scalar(select(ApprovalTask).where(ApprovalTask.id == task_id)
                            .with_for_update())
            if task is None:
                raise NotFound(f"task {task_id} not found")
            rules.check_decider(actor.employee_id, task.approver_id, task.employee_id)
            before = task.state
            task.state = rules.decide(task.state, decision.decision)
            task.decided_at, task.decided_by, task.reason = utcnow(), actor.employee_id, decision.reason
            s.add(AuditEntry(task_id=task.id, report_id=task.report_id, actor_id=actor.employee_id,
                             action=decision.decision, state_before=before,
                             state_after=task.state, detail=decision.reason, at=task.decided_at))
            report = task.report
            common = dict(task_id=task.id, report_id=task.report_id, employee_id=task.employee_id,
                          agency_id=task.agency_id, decided_by=actor.employee_id,
                          date=report["date"])
            if task.state == "approved":
                uow.emit("approval.approved", dict(
                    common, activity_code=report["activity_code"], minutes=report["minutes"],
                    counted_minutes=report["counted_minutes"], points=report["points"],
                    rupiah=report["rupiah"]))
            else:
                uow.emit(rules.EVENT_OF[task.state], dict(common, reason=decision.reason))
            self._credit_approver(uow, task, actor.employee_id)
            return _task_dict(task)

    def _credit_approver(self, uow, task, approver_id):
        s = uow.session
        day = task.decided_at.date()
        tally = s.scalar(select(ApproverCredit).where(ApproverCredit.approver_id == approver_id,
                                                      ApproverCredit.day == day))
        if tally is None:
            tally = ApproverCredit(approver_id=approver_id, day=day, points=Decimal(0))
            s.add(tally)
        points = rules.approver_points(tally.points, self.settings.points_per_decision,
                                       self.settings.daily_points_cap)
        if points > 0:
            tally.points += points
            uow.emit("approval.approver_credited", dict(
                task_id=task.id, approver_id=approver_id, agency_id=task.agency_id,
                date=day, points=points))


def _open_task(uow, envelope):
    report = parse(envelope)
    if uow.session.scalar(select(ApprovalTask.id).where(ApprovalTask.report_id == report.report_id)):
        return  # one task per report, whatever the broker redelivers
    task = ApprovalTask(report_id=report.report_id, employee_id=report.employee_id,
                        agency_id=report.agency_id, approver_id=report.approver_id,
                        state="pending", report=report.model_dump(mode="json"),
                        created_at=utcnow())
    uow.session.add(task)
    uow.session.flush()
    uow.session.add(AuditEntry(task_id=task.id, report_id=task.report_id, actor_id=None,
                               action="open", state_before=None, state_after="pending",
                               detail=f"for approver {task.approver_id}", at=task.created_at))
    uow.emit("approval.task_created", dict(task_id=task.id, report_id=task.report_id,
                                           employee_id=task.employee_id,
                                           approver_id=task.approver_id))


def _reopen_task(uow, envelope):
    report = parse(envelope)
    task = uow.session.scalar(select(ApprovalTask).where(ApprovalTask.report_id == report.report_id)
                              .with_for_update())
    if task is None:
        return _open_task(uow, envelope)
    if task.state != "revision_requested":
        return  # cancelled meanwhile, or a stale redelivery
    before, task.state = task.state, "pending"
    task.report, task.decided_at, task.decided_by, task.reason = (
        report.model_dump(mode="json"), None, None, None)
    task.approver_id = report.approver_id
    uow.session.add(AuditEntry(task_id=task.id, report_id=task.report_id, actor_id=report.employee_id,
                               action="resubmitted", state_before=before, state_after="pending",
                               detail=None, at=utcnow()))
    uow.emit("approval.task_created", dict(task_id=task.id, report_id=task.report_id,
                                           employee_id=task.employee_id,
                                           approver_id=task.approver_id))


def _cancel(uow, report_id, actor_id):
    """Withdrawn before a decision: the task is cancelled (or born cancelled, when the
    withdrawal overtakes the submission on the bus)."""
    s = uow.session
    task = s.scalar(select(ApprovalTask).where(ApprovalTask.report_id == report_id).with_for_update())
    if task is None:
        task = ApprovalTask(report_id=report_id, employee_id=0, agency_id=0, approver_id=None,
                            state="cancelled", report={}, created_at=utcnow())
        s.add(task)
        s.flush()
        before = None
    elif task.state in ("cancelled",):
        return {"report_id": report_id, "state": "cancelled"}
    elif task.state not in ("pending", "revision_requested"):
        raise Conflict(f"the report was already {task.state}",
                             [{"field": "state", "reason": task.state}])
    else:
        before, task.state = task.state, "cancelled"
    s.add(AuditEntry(task_id=task.id, report_id=report_id, actor_id=actor_id, action="cancel",
                     state_before=before, state_after="cancelled", detail="withdrawn",
                     at=utcnow()))
    return {"report_id": report_id, "state": "cancelled"}


def _task_dict(t: ApprovalTask) -> dict:
    return {"id": t.id, "report_id": t.report_id, "employee_id": t.employee_id,
            "approver_id": t.approver_id, "state": t.state, "report": t.report,
            "created_at": t.created_at.isoformat(),
            "decided_at": t.decided_at.isoformat() if t.decided_at else None,
            "decided_by": t.decided_by, "reason": t.reason}
