"""How each public event changes the read model. Every function is `apply(uow, envelope)`
and runs in the transaction that records the event as seen (the inbox), so a redelivered
event changes nothing. Events of one report or task may arrive out of order (each type
has its own queue): every function checks the state it finds rather than assume one."""
import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ekinerja_contract import clock, periods
from ekinerja_contract.events import (
    ApprovalTaskCreated,
    BudgetSet,
    EventData,
    OrganisationPredikatSet,
    PayrollLine,
    PeriodClosed,
    PlacementChanged,
    PredikatSet,
    ReportApproved,
    ReportRejected,
    ReportResubmitted,
    ReportSubmitted,
    ReportWithdrawn,
    RevisionRequested,
    RuleSetPublished,
    TaskCancelled,
    TaskEscalated,
    TaskRerouted,
    parse,
)
from ekinerja_contract.rule_set import default_body, in_force

from . import rules
from .models import (
    AgencyMonthCost,
    ApproverMonth,
    Budget,
    ClosedMonth,
    Holder,
    Holidays,
    LiveReport,
    OrganisationPredikat,
    PayLine,
    Person,
    PersonMonth,
    Predikat,
    PredikatCount,
    ReportDay,
    Task,
)

_REPORT = (ReportSubmitted, ReportResubmitted)
_DECISION = (ReportApproved, ReportRejected, RevisionRequested)


def _as(env, model: type[EventData] | tuple[type[EventData], ...]) -> Any:
    """The typed payload of an event this function handles."""
    e = parse(env)
    if not isinstance(e, model):
        raise TypeError(f"{env.type} is not what this projection reads")
    return e


# --- the organisation --------------------------------------------------------------------

def _newer(stored: dt.datetime | None, env) -> bool:
    """Is this event newer than what the row holds? (Each type has its own queue and
    several workers: an older message can be handled last.)"""
    return stored is None or env.time >= clock.as_utc(stored)


def place(uow, env) -> None:
    """The newest definitive placement is where a person stands; every placement, acting
    posts (Plt/Plh) too, says who holds its position now."""
    e = _as(env, PlacementChanged)
    s = uow.session
    holder = s.get(Holder, e.position_id, with_for_update=True)
    # the latest to begin holds it (an acting official from a later date acts for the head)
    if holder is None or (e.start_date, e.kind == "definitive") >= (
            holder.since, holder.kind == "definitive"):
        if holder is None:
            holder = Holder(position_id=e.position_id)
            s.add(holder)
        holder.employee_id, holder.agency_id, holder.kind = e.employee_id, e.agency_id, e.kind
        holder.top, holder.since = e.superior_position_id is None, e.start_date
        if env.version == "1.0":  # no superior position told: not taken for a head
            holder.top = False
    if e.kind != "definitive":
        return
    row = s.get(Person, e.employee_id, with_for_update=True)
    if row is not None and (row.placed_from, clock.as_utc(row.told_at) if row.told_at else env.time) > (
            e.start_date, env.time):
        return  # an older placement arriving late
    if row is None:
        row = Person(employee_id=e.employee_id)
        s.add(row)
    elif row.position_id not in (None, e.position_id):
        # moved on: the old post's team is no longer theirs (unless they act in it)
        s.query(Holder).filter(Holder.employee_id == e.employee_id,
                               Holder.position_id == row.position_id,
                               Holder.kind == "definitive").delete()
    row.nip, row.name, row.status = e.nip, e.name, e.status
    row.agency_id, row.position_code, row.job_class = e.agency_id, e.position_code, e.job_class
    row.placed_from, row.placed_until = e.start_date, e.end_date
    row.position_id, row.told_at = e.position_id, env.time
    if env.version != "1.0":  # 1.1 names them; a 1.0 message keeps what an earlier one told
        row.agency_code, row.agency_name = e.agency_code, e.agency_name
        row.unit_id, row.unit_name, row.position_name = e.unit_id, e.unit_name, e.position_name
        row.superior_position_id = e.superior_position_id


def keep_holidays(uow, env) -> None:
    e = _as(env, RuleSetPublished)
    if e.body is None or uow.session.get(Holidays, e.rule_set_id) is not None:
        return
    uow.session.add(Holidays(source_id=e.rule_set_id, agency_id=e.agency_id,
                             effective_from=e.effective_from,
                             days=[d.isoformat() for d in e.body.holidays]))


# --- reports: which days are filled in ------------------------------------------------------

def _count_day(s, employee_id: int, date: dt.date, delta: int) -> None:
    day = s.get(ReportDay, (employee_id, date), with_for_update=True)
    before = day.reports if day else 0
    if day is None:
        day = ReportDay(employee_id=employee_id, date=date, reports=0)
        s.add(day)
    day.reports = max(before + delta, 0)
    if date.weekday() < 5 and (before == 0) != (day.reports == 0):  # the day filled or emptied
        period = periods.period_of(date)
        month = s.get(PersonMonth, (employee_id, period), with_for_update=True)
        if month is None:
            month = PersonMonth(employee_id=employee_id, period=period, weekdays_filled=0)
            s.add(month)
        month.weekdays_filled += 1 if day.reports else -1


def report_sent(uow, env) -> None:
    """report.submitted / report.resubmitted: the day has a live report (a resubmission
    may have moved it to another day)."""
    e = _as(env, _REPORT)
    s = uow.session
    live = s.get(LiveReport, e.report_id, with_for_update=True)
    if live is None:
        s.add(LiveReport(report_id=e.report_id, employee_id=e.employee_id, date=e.date,
                         withdrawn=False, sent_at=env.time))
        _count_day(s, e.employee_id, e.date, +1)
        return
    if live.withdrawn or not _newer(live.sent_at, env):
        return  # withdrawn for good, or an older version of it
    if live.date != e.date:
        _count_day(s, live.employee_id, live.date, -1)
        _count_day(s, e.employee_id, e.date, +1)
    live.date, live.sent_at = e.date, env.time


def report_withdrawn(uow, env) -> None:
    e = _as(env, ReportWithdrawn)
    s = uow.session
    live = s.get(LiveReport, e.report_id, with_for_update=True)
    if live is None:  # heard before the report itself: keep the tombstone
        s.add(LiveReport(report_id=e.report_id, employee_id=e.employee_id, date=None,
                         withdrawn=True, sent_at=env.time))
        return
    if live.withdrawn:
        return
    live.withdrawn = True
    if live.date is not None:
        _count_day(s, live.employee_id, live.date, -1)


# --- approval tasks and decisions ---------------------------------------------------------------


def _task(s, task_id: int, report_id: int, employee_id: int) -> Task:
    task = s.get(Task, task_id, with_for_update=True)
    if task is None:
        task = Task(task_id=task_id, report_id=report_id, employee_id=employee_id,
                    state="new", escalated=False, last_event_at=dt.datetime.min.replace(
                        tzinfo=dt.UTC))
        s.add(task)
    return task


def _month(s, approver_id: int, period: str) -> ApproverMonth:
    row = s.get(ApproverMonth, (approver_id, period), with_for_update=True)
    if row is None:
        row = ApproverMonth(approver_id=approver_id, period=period, approved=0, rejected=0,
                            revised=0, points_given=Decimal(0), escalated=0,
                            latency=rules.empty_histogram())
        s.add(row)
    return row


def _took(s, decider: int, decided_at: dt.datetime, waited_from: dt.datetime) -> None:
    """One decision's time to decide, in its decider's month."""
    month = _month(s, decider, periods.period_of(clock.local_date(decided_at)))
    hist = list(month.latency)
    hist[rules.bucket_of((decided_at - waited_from).total_seconds() / 3600)] += 1
    month.latency = hist  # a new list: the JSON column is not mutation-tracked


def task_created(uow, env) -> None:
    """A task opens, or opens again after a revision (a new round)."""
    e = _as(env, ApprovalTaskCreated)
    s = uow.session
    task = _task(s, e.task_id, e.report_id, e.employee_id)
    if task.state != "new" and env.time < clock.as_utc(task.last_event_at):
        # this round's decision (or the withdrawal) came first: it is over, and its time
        # to decide is known now
        if task.decided_at is not None and task.decided_by is not None and task.waiting_since is None \
                and env.time <= clock.as_utc(task.decided_at):
            _took(s, task.decided_by, clock.as_utc(task.decided_at), env.time)
            task.waiting_since = env.time  # counted once
        return
    task.state, task.waiting_since = "pending", env.time
    if _newer(task.approver_set_at, env):
        task.approver_id, task.approver_set_at = e.approver_id, env.time
    task.escalated, task.last_event_at = False, env.time
    task.decided_at = task.decided_by = None


OUTCOME = {"approval.approved": "approved", "approval.rejected": "rejected",
           "approval.revision_requested": "revised"}


def decided(uow, env) -> None:
    """A decision: the task stops waiting; the decider's month counts it, with the time it
    took (from its round's start) and the points it gave."""
    e = _as(env, _DECISION)
    s = uow.session
    task = _task(s, e.task_id, e.report_id, e.employee_id)
    month = _month(s, e.decided_by, periods.period_of(clock.local_date(env.time)))
    outcome = OUTCOME[env.type]
    setattr(month, outcome, getattr(month, outcome) + 1)
    if isinstance(e, ReportApproved):
        month.points_given = Decimal(month.points_given) + Decimal(e.points)
    since = clock.as_utc(task.waiting_since) if task.waiting_since is not None else None
    if task.state == "pending" and since is not None and env.time >= since:
        _took(s, e.decided_by, env.time, since)
        task.state, task.last_event_at = "decided", env.time
    elif task.state == "new" or (task.state != "pending" and env.time >= clock.as_utc(task.last_event_at)):
        # heard before its round opened: the round's task_created counts its time
        task.state, task.last_event_at = "decided", env.time
        task.decided_at, task.decided_by, task.waiting_since = env.time, e.decided_by, None
    # else: an older round's decision, heard after the next round opened: counted above


def escalated(uow, env) -> None:
    """Counted in the approver's month whatever the order (the inbox has dropped repeats,
    and approval escalates a task once a round); flagged on the task while it waits."""
    e = _as(env, TaskEscalated)
    s = uow.session
    task = _task(s, e.task_id, e.report_id, e.employee_id)
    if task.state == "pending":
        task.escalated = True
    if e.approver_id is not None:
        _month(s, e.approver_id, periods.period_of(clock.local_date(env.time))).escalated += 1


def rerouted(uow, env) -> None:
    e = _as(env, TaskRerouted)
    task = _task(uow.session, e.task_id, e.report_id, e.employee_id)
    if _newer(task.approver_set_at, env):
        task.approver_id, task.approver_set_at = e.approver_id, env.time


def cancelled(uow, env) -> None:
    e = _as(env, TaskCancelled)
    s = uow.session
    task = s.get(Task, e.task_id, with_for_update=True)
    if task is None:
        s.add(Task(task_id=e.task_id, report_id=e.report_id, employee_id=0, state="cancelled",
                   escalated=False, last_event_at=env.time))
    else:
        task.state, task.last_event_at = "cancelled", env.time


# --- pay, budgets and predikat -----------------------------------------------------------------

def pay_line(uow, env) -> None:
    """The newest version of a line stands; the agency's month moves by the difference."""
    e = _as(env, PayrollLine)
    s = uow.session
    line = s.get(PayLine, (e.period, e.employee_id), with_for_update=True)
    if line is not None and line.snapshot_version > e.snapshot_version:
        return
    for agency in sorted({e.agency_id, line.agency_id if line else e.agency_id}):
        _cost(s, agency, e.period, 0, 0, 0)  # both rows locked in one order: no deadlock
    if line is None:
        line = PayLine(period=e.period, employee_id=e.employee_id)
        s.add(line)
    else:
        _cost(s, line.agency_id, e.period, -line.gross, -line.net, -1)
    line.agency_id, line.snapshot_version = e.agency_id, e.snapshot_version
    line.gross, line.net = e.gross, e.net
    _cost(s, e.agency_id, e.period, e.gross, e.net, +1)


def _cost(s, agency_id: int, period: str, gross: int, net: int, people: int) -> None:
    row = s.get(AgencyMonthCost, (agency_id, period), with_for_update=True)
    if row is None:
        row = AgencyMonthCost(agency_id=agency_id, period=period, gross=0, net=0, people=0)
        s.add(row)
    row.gross, row.net, row.people = row.gross + gross, row.net + net, row.people + people


def period_closed(uow, env) -> None:
    e = _as(env, PeriodClosed)
    if uow.session.get(ClosedMonth, (e.period, e.agency_id or 0)) is None:
        uow.session.add(ClosedMonth(period=e.period, agency_key=e.agency_id or 0))


def _keep_newest(s, model, key: dict, env, **values) -> None:
    """A row told whole by each event (a budget, an organisation's predikat): the newest
    event's values stand, whichever order they are handled in."""
    row = s.get(model, tuple(key.values()), with_for_update=True)
    if row is None:
        row = model(**key)
        s.add(row)
    elif not _newer(row.told_at, env):
        return
    for name, value in values.items():
        setattr(row, name, value)
    row.told_at = env.time


def budget_set(uow, env) -> None:
    e = _as(env, BudgetSet)
    _keep_newest(uow.session, Budget, {"agency_id": e.agency_id, "year": e.year}, env,
                 ceiling=e.ceiling)


def predikat_set(uow, env) -> None:
    e = _as(env, PredikatSet)
    s = uow.session
    row = s.get(Predikat, (e.employee_id, e.year), with_for_update=True)
    if row is not None and not _newer(row.told_at, env):
        return
    keys = {(e.agency_id, e.predikat)} | ({(row.agency_id, row.predikat)} if row else set())
    for agency, name in sorted(keys):
        _count_predikat(s, agency, e.year, name, 0)  # locked in one order: no deadlock
    if row is None:
        row = Predikat(employee_id=e.employee_id, year=e.year)
        s.add(row)
    else:
        _count_predikat(s, row.agency_id, e.year, row.predikat, -1)
    row.agency_id, row.predikat, row.told_at = e.agency_id, e.predikat, env.time
    _count_predikat(s, e.agency_id, e.year, e.predikat, +1)


def _count_predikat(s, agency_id: int, year: int, name: str, delta: int) -> None:
    row = s.get(PredikatCount, (agency_id, year, name), with_for_update=True)
    if row is None:
        row = PredikatCount(agency_id=agency_id, year=year, predikat=name, people=0)
        s.add(row)
        s.flush()
    row.people += delta


def organisation_predikat_set(uow, env) -> None:
    e = _as(env, OrganisationPredikatSet)
    _keep_newest(uow.session, OrganisationPredikat, {"agency_id": e.agency_id, "year": e.year},
                 env, predikat=e.predikat)


def holidays_resolver(s):
    """`(agency_id, day) -> the holidays`, of the rule set in force on that day."""
    rows = list(s.scalars(select(Holidays).order_by(Holidays.source_id)))
    default = frozenset(default_body().holidays)
    cache: dict[int, frozenset[dt.date]] = {}

    def holidays(agency_id: int | None, day: dt.date) -> frozenset[dt.date]:
        row = in_force(rows, agency_id, day)
        if row is None:
            return default
        if row.source_id not in cache:
            cache[row.source_id] = frozenset(dt.date.fromisoformat(d) for d in row.days)
        return cache[row.source_id]
    return holidays
