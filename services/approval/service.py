"""Approval service: entrypoints only; rules in rules.py, use cases in tasks.py."""
import logging

from sqlalchemy import select, text

from ekinerja_contract.envelope import utcnow
from ekinerja_contract.errors import Forbidden, InvalidInput, NotFound, ServiceError
from ekinerja_contract.events import parse, parse_body
from ekinerja_contract.nameko_ext import Database, Metrics, ServiceRpc, event_handler, rpc, timer
from ekinerja_contract.schemas import (
    Actor,
    BulkDecisionIn,
    DecisionIn,
    DelegationIn,
    DisputeDecisionIn,
    DisputeIn,
)
from ekinerja_contract.services import Reporting

from . import rule_set, rules, tasks
from .models import CHAINS, AuditEntry, Base, Delegation
from .settings import Settings

log = logging.getLogger(__name__)


class ApprovalService:
    name = "approval"
    db = Database(Base.metadata)
    metrics = Metrics()
    settings = Settings()
    reporting: Reporting = ServiceRpc(Reporting)

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

    # --- what reporting tells ------------------------------------------------------
    @event_handler("scoring", "scoring.rule_set_published")
    def on_rule_set_published(self, body):
        self.db.consume(body, lambda uow, env: rule_set.project(uow, parse(env)))

    @event_handler("reporting", "report.submitted")
    def on_report_submitted(self, body):
        self.db.consume(body, tasks.open_task)

    @event_handler("reporting", "report.resubmitted")
    def on_report_resubmitted(self, body):
        self.db.consume(body, tasks.reopen_task)

    @event_handler("reporting", "report.withdrawn")
    def on_report_withdrawn(self, body):
        self.db.consume(body, lambda uow, env: tasks.cancel(uow, parse(env).report_id))

    @event_handler("reporting", "org.placement_changed")
    def on_placement_changed(self, body):
        """Recompute the approver of the agency's pending tasks (before the decision)."""
        placed = parse_body(body)
        with self.db.session() as s:
            pending = tasks.pending_in_agency(s, placed.agency_id)
        # Pending work goes to whoever approves the employee today: the head who moved or
        # left is gone whatever the report's date.
        today = self.settings.today().isoformat()
        routes = {}  # employee -> approver
        for task in pending:
            if task.employee_id in routes:
                continue
            try:
                routes[task.employee_id] = self.reporting.approver_of(task.employee_id, today)
            except ServiceError as exc:  # e.g. the employee has left: the task stays as it is
                log.info("task %s keeps its approver: %s", task.id, exc)
        self.db.consume(body, lambda uow, env: tasks.reroute(uow, pending, routes))

    @rpc
    def cancel_task(self, report_id):
        """Reporting asks before a withdrawal: refused once a decision exists."""
        with self.db.unit_of_work() as uow:
            return tasks.cancel(uow, report_id)

    # --- the approver's work -----------------------------------------------------------
    @rpc
    def inbox(self, actor, state="pending", limit=100, offset=0):
        """Tasks I may decide (mine, escalated to me, or delegated to me), oldest first, a
        page at a time, and how many there are: at month end a section head may have
        thousands waiting."""
        actor = Actor.model_validate(actor)
        with self.db.session() as s:
            page, total = tasks.inbox(s, actor.employee_id, state, self.settings.today(),
                                      limit, offset)
            return {"tasks": [tasks.as_dict(t) for t in page], "total": total}

    @rpc
    def decide(self, actor, task_id, decision):
        actor = Actor.model_validate(actor)
        decision = DecisionIn.model_validate(decision)
        with self.db.unit_of_work() as uow:
            task = tasks.decide(uow, actor, task_id, decision, self.settings)
            return tasks.as_dict(task)

    @rpc
    def decide_many(self, actor, bulk):
        """Bulk approve: each task on its own, so one refusal never blocks the rest."""
        actor = Actor.model_validate(actor)
        data = BulkDecisionIn.model_validate(bulk)
        with self.db.unit_of_work() as uow:
            return tasks.decide_many(uow, actor, data.task_ids, data.versions or {},
                                     self.settings)

    @rpc
    def revoke(self, actor, task_id, reason):
        actor = Actor.model_validate(actor)
        if not isinstance(reason, str) or len(reason.strip()) < 10:
            raise InvalidInput("say why the approval is revoked (10 characters at least)",
                               [{"field": "reason", "reason": "too short"}], code="revoke_reason_required")
        with self.db.unit_of_work() as uow:
            return tasks.as_dict(tasks.revoke(uow, actor, task_id, reason.strip()))

    @rpc
    def delegate(self, actor, delegation, idempotency_key=None):
        actor = Actor.model_validate(actor)
        data = DelegationIn.model_validate(delegation)
        if actor.employee_id is None:
            raise Forbidden("only an approver (an employee) delegates their tasks",
                            code="delegate_employees_only")
        tasks.rules.check_delegation(actor.employee_id, data.delegate_id)

        def add(uow):
            uow.session.add(Delegation(approver_id=actor.employee_id, created_by=actor.account_id,
                                       **data.model_dump()))
            return data.model_dump(mode="json")
        return self.db.once(idempotency_key, f"{actor.account_id}:delegate", add)

    # --- timeliness ------------------------------------------------------------------------
    @timer("APPROVAL.TIMER_SECONDS", 60)
    def check_deadlines(self):
        self.run_due()

    def run_due(self):
        """Remind and escalate what waited too long. Safe with many instances: each
        change is a compare-and-set, so only one instance wins it. Not an RPC: only
        the timer runs it, by the city's clock (nothing on the bus moves time)."""
        now = utcnow()
        with self.db.session() as s:
            due = tasks.due_tasks(s, now, self.settings)
        targets = {}
        for task, escalate in due:
            if escalate and task.approver_id and task.approver_id not in targets:
                try:  # the approver's own approver: a head's is the rule set's head approver
                    targets[task.approver_id] = self.reporting.approver_of(task.approver_id, None)
                except ServiceError:  # e.g. the approver left: not escalated yet, tried again
                    targets[task.approver_id] = None
        done = {"reminded": 0, "escalated": 0}
        for task, escalate in due:
            with self.db.unit_of_work() as uow:
                kind = tasks.remind_or_escalate(uow, task, escalate, targets, now, self.settings)
                if kind:
                    done[kind] += 1
        return done

    # --- disputes ---------------------------------------------------------------------------
    @rpc
    def file_dispute(self, actor, task_id, dispute, idempotency_key=None):
        actor = Actor.model_validate(actor)
        data = DisputeIn.model_validate(dispute)
        with self.db.session() as s:
            task = tasks.get(s, task_id)
        hearer = None
        if self.settings.dispute_heard_by == "superior" and task.approver_id:
            superior = self.reporting.superior_of(task.approver_id, None)
            hearer = superior and superior["employee_id"]
        return self.db.once(idempotency_key, f"{actor.account_id}:dispute", lambda uow:
                            tasks.dispute_dict(tasks.file_dispute(uow, actor, task_id, data,
                                                                  hearer, self.settings)))

    @rpc
    def disputes(self, actor, state="open"):
        """The dispute queue of whoever may hear them, with each report's history."""
        actor = Actor.model_validate(actor)
        with self.db.session() as s:
            return tasks.dispute_queue(s, actor, state, self.settings)

    @rpc
    def decide_dispute(self, actor, dispute_id, decision):
        actor = Actor.model_validate(actor)
        data = DisputeDecisionIn.model_validate(decision)
        with self.db.unit_of_work() as uow:
            return tasks.dispute_dict(tasks.decide_dispute(uow, actor, dispute_id, data,
                                                           self.settings))

    @rpc
    def objection_window(self, actor, report_id):
        """For the employee whose report was rejected: the task to object to and the
        last day they may (None when it is not rejected)."""
        actor = Actor.model_validate(actor)
        with self.db.session() as s:
            task = tasks.by_report(s, report_id)
            if task is None or task.employee_id != actor.employee_id:
                raise NotFound(f"no task for report {report_id}", code="task_not_found")
            if task.state != "rejected" or task.decided_at is None:
                return {"task_id": task.id, "last_day": None}
            decided_on = self.settings.local_date(task.decided_at)
            last_day = rules.dispute_last_day(
                decided_on, rule_set.numbers_on(s, task.agency_id, decided_on).objection_window)
            return {"task_id": task.id, "last_day": last_day.isoformat()}

    # --- audit and dashboards -------------------------------------------------------------------
    @rpc
    def audit(self, actor, report_id=None, approver_id=None):
        actor = Actor.model_validate(actor)
        if approver_id is not None and approver_id != actor.employee_id and not actor.has(
                "city_admin", "agency_admin", "review_team"):
            raise Forbidden("you may see only your own decisions", code="decisions_scope")
        with self.db.session() as s:
            if report_id is not None:
                task = tasks.by_report(s, report_id)
                if task is None:
                    raise NotFound(f"no task for report {report_id}", code="task_not_found")
                if actor.employee_id not in (task.employee_id, task.approver_id, task.escalated_to) \
                        and not actor.has("city_admin", "agency_admin", "review_team"):
                    raise NotFound(f"no task for report {report_id}", code="task_not_found")
            q = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)
            if report_id is not None:
                q = q.where(AuditEntry.report_id == report_id)
            if approver_id is not None:
                q = q.where(AuditEntry.actor_id == approver_id)
            return [tasks.audit_dict(a) for a in s.scalars(q.limit(1000))]

    @rpc
    def supervisor_dashboard(self, actor):
        """Per subordinate: pending count and the oldest pending age (working days)."""
        actor = Actor.model_validate(actor)
        with self.db.session() as s:
            return tasks.supervisor_dashboard(s, actor.employee_id, utcnow(), self.settings)

    @rpc
    def agency_dashboard(self, actor, agency_id=None):
        """Which approvers hold up whom, and for how long."""
        actor = Actor.model_validate(actor)
        agency_id = agency_id or actor.agency_id
        if not (actor.has("city_admin") or (actor.has("agency_admin")
                                            and actor.agency_id == agency_id)):
            raise Forbidden("agency admins see their own agency", code="agency_admin_scope")
        with self.db.session() as s:
            return tasks.agency_dashboard(s, agency_id, utcnow(), self.settings)
