"""Approval use cases: open, route, decide, remind, escalate, dispute. Each takes
a unit of work (or a session) and plain data; the entrypoints stay a few lines."""
import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select, update

from ekinerja_contract.envelope import utcnow
from ekinerja_contract.errors import Conflict, Forbidden, NotFound, ServiceError, StaleVersion
from ekinerja_contract.events import parse
from ekinerja_contract.schemas import Actor, DecisionIn, DisputeDecisionIn, DisputeIn

from . import rules
from .models import CHAINS, ApprovalTask, AuditEntry, CreditLine, Delegation, Dispute
from .rule_set import holidays_between, numbers_on, resolver


def _audit(s, task, actor_id, action, before, after, detail=None, origin=None, at=None):
    entry = AuditEntry(task_id=task.id, report_id=task.report_id, actor_id=actor_id, action=action,
                       state_before=before, state_after=after, detail=detail, origin=origin,
                       at=at or utcnow())
    s.add(entry)
    CHAINS.add(s, "decisions", entry)


def _task_event(uow, type_, task, **extra):
    uow.emit(type_, dict(task_id=task.id, report_id=task.report_id, employee_id=task.employee_id,
                         approver_id=task.approver_id, **extra))


def get(s, task_id: int, lock: bool = False) -> ApprovalTask:
    q = select(ApprovalTask).where(ApprovalTask.id == task_id)
    task = s.scalar(q.with_for_update() if lock else q)
    if task is None:
        raise NotFound(f"task {task_id} not found", code="task_not_found")
    return task


def by_report(s, report_id: int, lock: bool = False) -> ApprovalTask | None:
    q = select(ApprovalTask).where(ApprovalTask.report_id == report_id)
    return s.scalar(q.with_for_update() if lock else q)


# --- opening and routing -----------------------------------------------------------------

def open_task(uow, envelope):
    report = parse(envelope)
    if by_report(uow.session, report.report_id) is not None:
        return  # one task per report, whatever the broker redelivers
    task = ApprovalTask(report_id=report.report_id, employee_id=report.employee_id,
                        agency_id=report.agency_id, approver_id=report.approver_id,
                        state="pending", round=1, report=report.model_dump(mode="json"),
                        submitted_at=envelope.time)
    uow.session.add(task)
    uow.session.flush()
    _audit(uow.session, task, None, "open", None, "pending", f"for approver {task.approver_id}")
    _task_event(uow, "approval.task_created", task)


def reopen_task(uow, envelope):
    report = parse(envelope)
    task = by_report(uow.session, report.report_id, lock=True)
    if task is None:
        return open_task(uow, envelope)
    if task.state != "revision_requested":
        return  # cancelled meanwhile, or a stale redelivery
    task.state, task.round = "pending", task.round + 1
    task.report, task.approver_id = report.model_dump(mode="json"), report.approver_id
    task.submitted_at = envelope.time
    task.reminded_at, task.escalated_to, task.escalated_at = None, None, None
    task.decided_at, task.decided_by, task.reason = None, None, None
    _audit(uow.session, task, report.employee_id, "resubmitted", "revision_requested", "pending")
    _task_event(uow, "approval.task_created", task)


def cancel(uow, report_id: int) -> dict:
    """Withdrawn before a decision: the task is cancelled (or born cancelled, when the
    withdrawal overtakes the submission on the bus)."""
    s = uow.session
    task = by_report(s, report_id, lock=True)
    if task is not None and task.state == "cancelled":
        return {"report_id": report_id, "state": "cancelled"}
    if task is not None and task.state not in ("pending", "revision_requested"):
        raise Conflict(f"the report was already {task.state}",
                       [{"field": "state", "reason": task.state}],
                       code="task_decided", params={"state": task.state})
    before = task.state if task else None
    if task is None:
        task = ApprovalTask(report_id=report_id, employee_id=0, agency_id=0, approver_id=None,
                            state="cancelled", round=1, report={}, submitted_at=utcnow())
        s.add(task)
        s.flush()
    task.state = "cancelled"
    _audit(s, task, None, "cancel", before, "cancelled", "withdrawn by the employee")
    uow.emit("approval.task_cancelled", dict(report_id=report_id, task_id=task.id))
    return {"report_id": report_id, "state": "cancelled"}


def pending_in_agency(s, agency_id: int) -> list[ApprovalTask]:
    return list(s.scalars(select(ApprovalTask).where(ApprovalTask.agency_id == agency_id,
                                                     ApprovalTask.state == "pending")))


def reroute(uow, pending: list[ApprovalTask], routes: dict) -> None:
    """New approvers after a placement change (`routes`: employee -> today's approver); a
    task decided meanwhile, or one reporting could not route to anybody, is left alone."""
    for task in pending:
        new = routes.get(task.employee_id)
        if new is None or new == task.approver_id:  # no answer, nobody, or no change
            continue
        changed = uow.session.execute(
            update(ApprovalTask).where(ApprovalTask.id == task.id, ApprovalTask.state == "pending",
                                       ApprovalTask.approver_id.is_not_distinct_from(task.approver_id))
            .values(approver_id=new)).rowcount
        if changed:
            previous, task.approver_id = task.approver_id, new
            _audit(uow.session, task, None, "reroute", "pending", "pending",
                   f"approver {previous} -> {new}")
            _task_event(uow, "approval.task_rerouted", task, previous_approver_id=previous)


# --- deciding ---------------------------------------------------------------------------------

def delegators(s, delegate_id: int, on: dt.date) -> set[int]:
    """Approvers who have delegated their tasks to this person on a date."""
    return set(s.scalars(select(Delegation.approver_id).where(
        Delegation.delegate_id == delegate_id, Delegation.start_date <= on,
        Delegation.end_date >= on)))


def _decidable(s, employee_id: int, state: str, today: dt.date):
    whose = {employee_id} | delegators(s, employee_id, today)
    return (ApprovalTask.state == state) & (ApprovalTask.approver_id.in_(whose)
                                            | (ApprovalTask.escalated_to == employee_id))


def inbox(s, employee_id: int, state: str, today: dt.date, limit: int | None = None,
          offset: int = 0) -> tuple[list[ApprovalTask], int]:
    """A page of the tasks someone may decide, oldest first, and how many there are."""
    where = _decidable(s, employee_id, state, today)
    page = s.scalars(select(ApprovalTask).where(where)
                     .order_by(ApprovalTask.submitted_at, ApprovalTask.id)
                     .limit(limit).offset(offset))
    return list(page), s.scalar(select(func.count()).select_from(ApprovalTask).where(where))


def decide(uow, actor: Actor, task_id: int, decision: DecisionIn, settings,
           task: ApprovalTask | None = None, numbers=None, tally=None) -> ApprovalTask:
    """Everything is checked before anything is written: a refusal leaves the transaction
    as it found it (decide_many relies on that). `task`: already read, locked; `numbers`:
    a rule-set resolver to share (a bulk approval asks for the same day a hundred times)."""
    s = uow.session
    task = task or get(s, task_id, lock=True)
    if decision.version is not None and decision.version != task.round and task.state == "pending":
        # A second tab, or a list loaded before the report was resubmitted with changes.
        raise StaleVersion(f"the report changed since you saw it (version {decision.version}, "
                           f"now {task.round}); look at it again", code="stale_version",
                           params={"state": task.state, "version": task.round})
    today = settings.today()
    # the delegation lookup only when the actor is not already entitled (bulk approvals)
    entitled = actor.employee_id in (task.approver_id, task.escalated_to)
    delegates = frozenset({actor.employee_id}) if not entitled and task.approver_id in delegators(
        s, actor.employee_id or 0, today) else frozenset()
    rules.check_decider(actor.employee_id, task.employee_id, task.approver_id,
                        task.escalated_to, delegates)
    assert actor.employee_id is not None  # check_decider refused an actor without one
    before = task.state
    task.state = rules.decide(task.state, decision.decision)
    task.decided_at, task.decided_by, task.reason = utcnow(), actor.employee_id, decision.reason
    _audit(s, task, actor.employee_id, decision.decision, before, task.state, decision.reason,
           actor.origin, task.decided_at)
    report = task.report
    common = dict(task_id=task.id, report_id=task.report_id, employee_id=task.employee_id,
                  agency_id=task.agency_id, decided_by=actor.employee_id, date=report["date"])
    if task.state == "approved":
        uow.emit("approval.approved", dict(common, **_value(report)))
    else:
        uow.emit(rules.EVENT_OF[task.state], dict(common, reason=decision.reason))
    _credit(uow, task, actor.employee_id, settings, numbers, tally)
    return task


class CreditTally:
    """An approver's credits as a bulk approval goes: which of its tasks' rounds were
    credited, and each day's points so far, read once and then counted on here, so a
    hundred decisions neither flush nor ask the database a hundred times."""

    def __init__(self, s, approver_id: int, task_ids: list[int]):
        self.s, self.approver_id = s, approver_id
        self.credited = set(s.execute(select(CreditLine.task_id, CreditLine.round).where(
            CreditLine.task_id.in_(task_ids))).tuples())
        self.days: dict[dt.date, Decimal] = {}

    def earned(self, day: dt.date) -> Decimal:
        if day not in self.days:
            self.days[day] = Decimal(self.s.scalar(select(func.coalesce(
                func.sum(CreditLine.points), 0)).where(CreditLine.approver_id == self.approver_id,
                                                       CreditLine.day == day)))
        return self.days[day]

    def add(self, task, day: dt.date, points: Decimal) -> None:
        self.credited.add((task.id, task.round))
        self.days[day] = self.earned(day) + points


def decide_many(uow, actor: Actor, task_ids: list[int], versions: dict, settings) -> list[dict]:
    """Bulk approve in one transaction: the tasks read and locked in one statement (in id
    order, as any two bulk approvals lock them), each decided on its own; a refused one
    writes nothing (decide checks before it writes) and never blocks the rest."""
    s = uow.session
    ids = sorted(set(task_ids))
    found = {t.id: t for t in s.scalars(select(ApprovalTask).where(ApprovalTask.id.in_(ids))
                                        .order_by(ApprovalTask.id).with_for_update())}
    numbers = resolver(s)
    tally = CreditTally(s, actor.employee_id, ids) if actor.employee_id is not None else None
    results = []
    for task_id in task_ids:
        try:
            task = found.get(task_id)
            if task is None:
                raise NotFound(f"task {task_id} not found", code="task_not_found")
            decide(uow, actor, task_id, DecisionIn(decision="approve", version=versions.get(task_id)),
                   settings, task=task, numbers=numbers, tally=tally)
            results.append({"task_id": task_id, "state": task.state})
        except ServiceError as err:
            results.append({"task_id": task_id, "error": type(err).__name__, "code": err.code,
                            "message": err.message, "params": err.params})
    return results


def _value(report: dict) -> dict:
    return {k: report[k] for k in ("activity_code", "minutes", "counted_minutes", "points", "rupiah")}


def _credit(uow, task, approver_id: int, settings, numbers=None, tally=None) -> None:
    """Approver points for this decision (once per task round), within the daily cap.
    `tally`: a bulk approval's CreditTally, kept by the decider."""
    s = uow.session
    day = settings.local_date(task.decided_at)
    if tally is not None and tally.approver_id == approver_id:
        credited, earned = (task.id, task.round) in tally.credited, tally.earned(day)
    else:
        # one statement: whether this round was credited already, and the day's points
        credited, earned = s.execute(select(
            select(CreditLine.id).where(CreditLine.task_id == task.id,
                                        CreditLine.round == task.round).exists(),
            select(func.coalesce(func.sum(CreditLine.points), 0)).where(
                CreditLine.approver_id == approver_id, CreditLine.day == day).scalar_subquery(),
        )).one()
        tally = None
    if credited:
        return
    numbers = (numbers or resolver(s))(task.agency_id, day)
    points = rules.approver_points(Decimal(earned), numbers.points_per_decision,
                                   numbers.daily_points_cap)
    if points <= 0:
        return
    s.add(CreditLine(task_id=task.id, round=task.round, approver_id=approver_id, day=day,
                     points=points))
    if tally is not None:
        tally.add(task, day, points)
    uow.emit("approval.approver_credited", dict(task_id=task.id, approver_id=approver_id,
                                                agency_id=task.agency_id, date=day, points=points))


def revoke(uow, actor: Actor, task_id: int, reason: str) -> ApprovalTask:
    """Post-audit: the review team (or a city admin) revokes an approval it finds unfounded."""
    s = uow.session
    task = get(s, task_id, lock=True)
    if not actor.has("review_team", "city_admin"):
        raise Forbidden("only the review team revokes an approval after audit",
                        code="revoke_review_team_only")
    if actor.employee_id is not None and actor.employee_id in (task.employee_id, task.decided_by):
        raise Forbidden("neither the employee nor the approver may revoke this approval", code="revoke_party")
    if task.state != "approved":
        raise Conflict(f"only an approved report can be revoked (this one is {task.state})",
                       code="revoke_state", params={"state": task.state})
    task.state = "revoked"
    _audit(s, task, actor.employee_id, "revoke", "approved", "revoked", reason, actor.origin)
    uow.emit("approval.approval_revoked", dict(
        task_id=task.id, report_id=task.report_id, employee_id=task.employee_id,
        agency_id=task.agency_id, decided_by=actor.employee_id or actor.account_id,
        date=task.report["date"], reason=reason, **_value(task.report)))
    return task


# --- timeliness ----------------------------------------------------------------------------------

def due_tasks(s, now: dt.datetime, settings) -> list[tuple[ApprovalTask, bool]]:
    """Pending tasks past the reminder or escalation threshold, with whether to escalate."""
    numbers = resolver(s)
    today = settings.local_date(now)
    out = []
    for task in s.scalars(select(ApprovalTask).where(ApprovalTask.state == "pending",
                                                     ApprovalTask.escalated_at.is_(None))):
        n = numbers(task.agency_id, today)
        submitted = settings.local_date(task.submitted_at)
        waited, remind, escalate = rules.due(submitted, today,
                                             holidays_between(numbers, task.agency_id, submitted, today),
                                             n.remind_after, n.escalate_after)
        if escalate or (remind and task.reminded_at is None):
            task.waited = waited
            out.append((task, escalate))
    return out


def remind_or_escalate(uow, task, escalate: bool, targets: dict, now, settings) -> str | None:
    """Compare-and-set: when two instances race, only one changes the row."""
    s = uow.session
    target = targets.get(task.approver_id)
    if escalate and target is None:
        # nobody above the approver (who may have left): a reminder now, and the next run
        # tries again, rather than an escalation to nobody that would never be retried
        escalate = False
    if escalate:
        won = s.execute(update(ApprovalTask).where(
            ApprovalTask.id == task.id, ApprovalTask.state == "pending",
            ApprovalTask.escalated_at.is_(None)).values(escalated_at=now, escalated_to=target,
                                                        reminded_at=task.reminded_at or now)).rowcount
        if won:
            _audit(s, task, None, "escalate", "pending", "pending", f"to {target}", at=now)
            _task_event(uow, "approval.task_escalated", task, escalated_to=target,
                        waiting_working_days=task.waited)
            return "escalated"
        return None
    won = s.execute(update(ApprovalTask).where(
        ApprovalTask.id == task.id, ApprovalTask.state == "pending",
        ApprovalTask.reminded_at.is_(None)).values(reminded_at=now)).rowcount
    if won:
        _audit(s, task, None, "remind", "pending", "pending", at=now)
        _task_event(uow, "approval.task_reminded", task, waiting_working_days=task.waited)
        return "reminded"
    return None


# --- disputes --------------------------------------------------------------------------------------

def file_dispute(uow, actor: Actor, task_id: int, data: DisputeIn, hearer_id, settings) -> Dispute:
    s = uow.session
    task = get(s, task_id, lock=True)
    if task.employee_id != actor.employee_id:
        raise Forbidden("only the employee whose report was rejected may object", code="dispute_owner_only")
    if task.state != "rejected":
        raise Conflict(f"only a rejected report can be disputed (this one is {task.state})",
                       code="dispute_state", params={"state": task.state})
    if s.scalar(select(Dispute.id).where(Dispute.task_id == task.id)):
        raise Conflict("this rejection is already disputed", code="dispute_exists")
    decided_on = settings.local_date(task.decided_at)
    rules.check_dispute_window(decided_on, settings.today(),
                               numbers_on(s, task.agency_id, decided_on).objection_window)
    dispute = Dispute(task_id=task.id, report_id=task.report_id, employee_id=task.employee_id,
                      agency_id=task.agency_id, original_approver_id=task.decided_by,
                      heard_by=settings.dispute_heard_by, hearer_id=hearer_id, reason=data.reason,
                      state="open", filed_at=utcnow())
    s.add(dispute)
    s.flush()
    _audit(s, task, actor.employee_id, "dispute", "rejected", "rejected", data.reason, actor.origin)
    uow.emit("approval.dispute_filed", dict(_dispute_facts(dispute), reason=data.reason))
    return dispute


def _dispute_facts(d: Dispute) -> dict:
    return dict(dispute_id=d.id, task_id=d.task_id, report_id=d.report_id,
                employee_id=d.employee_id, agency_id=d.agency_id, heard_by=d.heard_by)


def decide_dispute(uow, actor: Actor, dispute_id: int, data: DisputeDecisionIn, settings) -> Dispute:
    s = uow.session
    dispute = s.scalar(select(Dispute).where(Dispute.id == dispute_id).with_for_update())
    if dispute is None:
        raise NotFound(f"dispute {dispute_id} not found", code="dispute_not_found")
    rules.check_hearer(actor, dispute.heard_by, dispute.hearer_id, dispute.original_approver_id,
                       dispute.employee_id, dispute.agency_id, settings.review_scope)
    if dispute.state != "open":
        raise Conflict(f"this dispute was already {dispute.state}; the decision is final",
                       code="dispute_decided", params={"state": dispute.state})
    dispute.state = "upheld" if data.decision == "uphold" else "dismissed"
    dispute.decided_by, dispute.decision_reason, dispute.decided_at = (
        actor.employee_id or actor.account_id, data.reason, utcnow())
    task = get(s, dispute.task_id)
    _audit(s, task, actor.employee_id, f"dispute_{dispute.state}", task.state, task.state,
           data.reason, actor.origin)
    facts = dict(_dispute_facts(dispute), decided_by=dispute.decided_by, reason=data.reason)
    if dispute.state == "upheld":
        uow.emit("approval.dispute_upheld", dict(facts, date=task.report["date"],
                                                 **_value(task.report)))
    else:
        uow.emit("approval.dispute_dismissed", facts)
    return dispute


def dispute_queue(s, actor: Actor, state: str, settings) -> list[dict]:
    q = select(Dispute).where(Dispute.state == state).order_by(Dispute.filed_at)
    out = []
    for d in s.scalars(q):
        try:
            rules.check_hearer(actor, d.heard_by, d.hearer_id, d.original_approver_id,
                               d.employee_id, d.agency_id, settings.review_scope)
        except Forbidden:
            continue
        task = get(s, d.task_id)
        history = s.scalars(select(AuditEntry).where(AuditEntry.task_id == task.id)
                            .order_by(AuditEntry.at, AuditEntry.id))
        out.append({**dispute_dict(d), "task": as_dict(task),
                    "history": [audit_dict(a) for a in history]})
    return out


# --- dashboards ------------------------------------------------------------------------------------

def _waiting(s, q, now, settings) -> list[tuple[ApprovalTask, int]]:
    numbers = resolver(s)
    today = settings.local_date(now)
    out = []
    for t in s.scalars(q):
        submitted = settings.local_date(t.submitted_at)
        out.append((t, rules.working_days_between(
            submitted, today, holidays_between(numbers, t.agency_id, submitted, today))))
    return out


def supervisor_dashboard(s, employee_id: int, now, settings) -> list[dict]:
    rows: dict[int, dict] = {}  # by employee
    q = select(ApprovalTask).where(ApprovalTask.state == "pending",
                                   (ApprovalTask.approver_id == employee_id)
                                   | (ApprovalTask.escalated_to == employee_id))
    for task, waited in _waiting(s, q, now, settings):
        row = rows.setdefault(task.employee_id, {
            "employee_id": task.employee_id, "name": task.report.get("employee_name"),
            "pending": 0, "oldest_working_days": 0})
        row["pending"] += 1
        row["oldest_working_days"] = max(row["oldest_working_days"], waited)
    return sorted(rows.values(), key=lambda r: -r["oldest_working_days"])


def agency_dashboard(s, agency_id: int, now, settings) -> list[dict]:
    rows: dict[int | None, dict] = {}  # by approver (None: the task has none)
    q = select(ApprovalTask).where(ApprovalTask.state == "pending", ApprovalTask.agency_id == agency_id)
    for task, waited in _waiting(s, q, now, settings):
        row = rows.setdefault(task.approver_id, {"approver_id": task.approver_id, "pending": 0,
                                                 "waiting_employees": set(),
                                                 "oldest_working_days": 0, "escalated": 0})
        row["pending"] += 1
        row["waiting_employees"].add(task.employee_id)
        row["oldest_working_days"] = max(row["oldest_working_days"], waited)
        row["escalated"] += task.escalated_at is not None
    return sorted(({**r, "waiting_employees": sorted(r["waiting_employees"])} for r in rows.values()),
                  key=lambda r: (-r["oldest_working_days"], -r["pending"]))


# --- shapes ------------------------------------------------------------------------------------------

def as_dict(t: ApprovalTask) -> dict:
    return {"id": t.id, "report_id": t.report_id, "employee_id": t.employee_id,
            "approver_id": t.approver_id, "state": t.state, "round": t.round, "report": t.report,
            "submitted_at": t.submitted_at.isoformat(),
            "escalated_to": t.escalated_to,
            "decided_at": t.decided_at.isoformat() if t.decided_at else None,
            "decided_by": t.decided_by, "reason": t.reason}


def dispute_dict(d: Dispute) -> dict:
    return {"id": d.id, "task_id": d.task_id, "report_id": d.report_id,
            "employee_id": d.employee_id, "heard_by": d.heard_by, "reason": d.reason,
            "state": d.state, "decided_by": d.decided_by, "decision_reason": d.decision_reason,
            "filed_at": d.filed_at.isoformat()}


def audit_dict(a: AuditEntry) -> dict:
    return {"task_id": a.task_id, "report_id": a.report_id, "actor_id": a.actor_id,
            "action": a.action, "before": a.state_before, "after": a.state_after,
            "detail": a.detail, "origin": a.origin, "at": a.at.isoformat()}
