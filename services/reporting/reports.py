"""Daily report use cases: draft, submit, revise, resubmit, withdraw, decisions.

Lookups that need another service (evidence) happen in `prepare`, before the
transaction; every rule that depends on this service's data is checked in
`write`, inside it, with the employee's row locked so one person's requests
are serialised."""
import datetime as dt
from dataclasses import dataclass
from typing import cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ekinerja_contract import periods
from ekinerja_contract.envelope import utcnow
from ekinerja_contract.errors import Conflict, Forbidden, InvalidInput, NotFound
from ekinerja_contract.schemas import Actor, MeetingRole, ReportIn

from . import meetings, rules, storage
from .memory import NOTHING, Memory, plain
from .models import ActivityType, Meeting, Report


@dataclass
class Prepared:
    data: ReportIn
    date: dt.date
    start: dt.time
    end: dt.time
    activity: ActivityType
    meeting: Meeting | None
    evidence: dict | None


def prepare(s, data: ReportIn, describe_evidence, today: dt.date,
            memory: Memory = NOTHING) -> Prepared:
    meeting = None
    date, start, end = data.date, data.start, data.end
    if data.meeting_id is not None:
        meeting = s.get(Meeting, data.meeting_id)
        if meeting is None:
            raise NotFound(f"meeting {data.meeting_id} not found", code="meeting_not_found")
        if meeting.activity_code != data.activity_code:
            raise InvalidInput("the activity must be the meeting's",
                               [{"field": "activity_code", "reason": meeting.activity_code}],
                               code="meeting_activity_mismatch")
        date, start, end = meeting.date, meeting.start, meeting.end
    # ReportIn's validator: without a meeting, date, start and end are all given
    assert date is not None and start is not None and end is not None
    rules.check_report_date(date, today)
    activity = rules.pick_version(memory.recall("catalogue", data.activity_code, lambda: [
        plain(a) for a in storage.activity_versions(s, data.activity_code)]), date)
    if activity is None:
        raise InvalidInput(f"no activity {data.activity_code!r} in the catalogue on {date}",
                           [{"field": "activity_code", "reason": "unknown"}],
                           code="activity_unknown", params={"date": str(date)})
    if activity.role_weights and meeting is None:
        raise InvalidInput("a meeting or event is claimed through its shared record",
                           [{"field": "meeting_id", "reason": "required for this activity"}],
                           code="meeting_claim_via_meeting")
    evidence = describe_evidence(data.evidence_id) if data.evidence_id else None
    return Prepared(data, date, start, end, activity, meeting, evidence)


def write(uow, actor: Actor, p: Prepared, today: dt.date, action: str,
          report: Report | None = None, memory: Memory = NOTHING) -> Report:
    """Check every rule against the current data and write the report in its new state.
    The catalogue, the organisation and the rule set's numbers come from `memory`."""
    s = uow.session
    assert actor.employee_id is not None  # the service let employees only in (_employee)
    emp = storage.employee(s, actor.employee_id, lock=True)
    try:
        position = memory.recall("organisation", ("position", emp.id, p.date),
                                 lambda: plain(storage.position_on(s, emp.id, p.date)))
    except NotFound:
        raise InvalidInput(f"you held no position on {p.date.isoformat()}",
                           [{"field": "date", "reason": "no placement"}],
                           code="no_position", params={"date": p.date.isoformat()}) from None
    numbers = storage.input_window(s, position.agency_id, p.date, periods.period_of(p.date),
                                   rules_on=lambda agency, on: memory.recall(
                                       "rules", (agency, on),
                                       lambda: storage.rule_set_on(s, agency, on)))
    rules.check_input_open(p.date, today, numbers.input_deadline_day, numbers.closed,
                           numbers.grace_until)
    rules.check_may_claim(p.activity, position.job_class, position.code)
    _check_skp_item(s, emp.id, p)
    if report is None:
        state = "draft" if action == "draft" else rules.next_state("draft", action)
    else:
        state = rules.next_state(report.state, action)
    # A draft may wait for its photo; anything sent to the superior must carry it.
    _check_evidence(s, actor, p, report, required=state != "draft")
    own = report.id if report else None
    if p.meeting is not None:
        _check_claim(s, emp.id, p, p.meeting, own)
    same_day = storage.live_reports_on(s, emp.id, p.date, excluding=own)
    for other in same_day:
        if rules.overlaps((p.start, p.end), (other.start, other.end)):
            raise Conflict(f"overlaps your report {other.id} "
                           f"({other.start:%H:%M}-{other.end:%H:%M})",
                           [{"field": "start", "reason": "overlapping time"}], code="report_overlap",
                           params={"report_id": other.id, "start": f"{other.start:%H:%M}",
                                   "end": f"{other.end:%H:%M}"})

    points, rupiah = rules.report_value(p.activity.points, p.activity.rupiah,
                                        p.activity.role_weights, p.data.role, p.data.quantity)
    minutes = rules.minutes_between(p.start, p.end)
    counted = 0
    if state in rules.COUNTED_STATES:
        counted = rules.counted_minutes(
            minutes, sum(r.counted_minutes for r in same_day if r.state in rules.COUNTED_STATES),
            numbers.daily_cap_minutes)
    superior_id = memory.recall(
        "organisation", ("approver", emp.id, p.date, numbers.head_approver),
        lambda: storage.approver_id_on(s, emp.id, p.date, position, numbers.head_approver))
    if superior_id is None and state != "draft":
        # work nobody can approve would wait for ever: refused before anything is written
        raise Conflict("nobody can approve this report: no superior holds the position above "
                       "yours, and the city's rule set names no approver for heads (or nobody "
                       "else holds it)", code="no_approver",
                       params={"date": p.date.isoformat()})
    if report is None:
        report = Report(employee_id=emp.id, created_at=utcnow())
        s.add(report)
    report.agency_id, report.approver_id = position.agency_id, superior_id
    report.skp_item_id, report.meeting_id = p.data.skp_item_id, p.data.meeting_id
    report.date, report.start, report.end = p.date, p.start, p.end
    report.activity_type_id, report.role, report.quantity = p.activity.id, p.data.role, p.data.quantity
    report.description, report.evidence_id = p.data.description, p.data.evidence_id
    report.evidence_sha256 = p.evidence["sha256"] if p.evidence else None
    report.minutes, report.counted_minutes, report.points, report.rupiah = minutes, counted, points, rupiah
    report.state = state
    if state == "submitted":
        report.submitted_at = utcnow()
    try:
        s.flush()
    except IntegrityError:
        raise Conflict("this meeting already has that claim (one per person, one chair)",
                       [{"field": "role", "reason": "already claimed"}], code="meeting_claim_taken") from None
    _emit(uow, emp, report, p, action)
    return report


def _check_skp_item(s, employee_id: int, p: Prepared) -> None:
    item = storage.skp_item_of(s, p.data.skp_item_id)
    if item is None or item.employee_id != employee_id or item.year != p.date.year:
        raise InvalidInput(f"not an item of your SKP for {p.date.year}",
                           [{"field": "skp_item_id", "reason": "unknown item"}],
                           code="skp_item_unknown", params={"year": p.date.year})
    rules.check_skp_item(item.kind, item.state, p.activity.creative)


def _check_evidence(s, actor: Actor, p: Prepared, report: Report | None,
                    required: bool = True) -> None:
    if p.evidence is None:
        if p.activity.evidence_required and required:
            raise InvalidInput("this activity needs evidence (a photo or scan)",
                               [{"field": "evidence_id", "reason": "required"}], code="evidence_required")
        return
    if p.evidence["owner_id"] != actor.employee_id:
        raise Forbidden("that evidence belongs to someone else", code="evidence_not_yours")
    if p.evidence["status"] == "damaged":
        raise InvalidInput("that photo is damaged or cannot be read; take or choose it again",
                           [{"field": "evidence_id", "reason": p.evidence.get("problem") or
                             "damaged"}], code="evidence_damaged")
    if p.evidence["status"] not in ("stored", "linked") or not p.evidence.get("sha256"):
        raise InvalidInput("that evidence upload is not complete",
                           [{"field": "evidence_id", "reason": p.evidence["status"]}],
                           code="evidence_incomplete")
    # Your own photo twice is refused: one picture is evidence of one piece of work.
    # Another employee's same (or near) photo is accepted and never mentioned to you: the
    # integrity checks flag it to both approvers, or show it as a meeting's shared photo.
    other = storage.evidence_in_use(s, p.evidence["sha256"], actor.employee_id,
                                    excluding=report.id if report else None)
    if other is not None:
        raise Conflict("this evidence is already used by another of your reports",
                       [{"field": "evidence_id", "reason": "reused"}], code="evidence_in_use")


def _check_claim(s, employee_id: int, p: Prepared, meeting: Meeting, own: int | None) -> None:
    live = select(Report).where(Report.meeting_id == meeting.id,
                                Report.state.in_(rules.LIVE_STATES))
    if own is not None:
        live = live.where(Report.id != own)
    claims = list(s.scalars(live))
    if any(r.employee_id == employee_id for r in claims):
        raise Conflict("you already claimed this meeting",
                       [{"field": "meeting_id", "reason": "already claimed"}], code="meeting_already_claimed")
    meetings.check_role(meeting, employee_id, p.data.role)
    if p.data.role == "chair" and any(r.role == "chair" for r in claims):
        raise Conflict("this meeting already has a chair",
                       [{"field": "role", "reason": "chair taken"}], code="meeting_has_chair")


def _emit(uow, emp, report: Report, p: Prepared, action: str) -> None:
    if report.state == "draft":
        uow.emit("report.drafted" if action == "draft" else "report.revised",
                 dict(report_id=report.id, employee_id=emp.id, date=report.date)
                 if action == "draft" else
                 dict(report_id=report.id, employee_id=emp.id, state=report.state))
        return
    if action == "revise":
        uow.emit("report.revised", dict(report_id=report.id, employee_id=emp.id,
                                        state=report.state))
        return
    facts = dict(
        report_id=report.id, employee_id=emp.id, employee_name=emp.name,
        agency_id=report.agency_id, approver_id=report.approver_id,
        skp_item_id=report.skp_item_id, meeting_id=report.meeting_id, date=report.date,
        start=report.start, end=report.end, activity_code=p.activity.code,
        activity_name=p.activity.name, activity_version=p.activity.version, role=report.role,
        quantity=report.quantity, description=report.description,
        evidence_id=report.evidence_id, evidence_sha256=report.evidence_sha256,
        minutes=report.minutes, counted_minutes=report.counted_minutes, points=report.points,
        rupiah=report.rupiah)
    uow.emit("report.resubmitted" if action == "resubmit" else "report.submitted", facts)
    if p.meeting is not None and action == "submit":
        uow.emit("meeting.claimed", dict(meeting_id=p.meeting.id, employee_id=emp.id,
                                         role=report.role, report_id=report.id))


def own_report(s, actor: Actor, report_id: int, lock: bool = False) -> Report:
    q = select(Report).where(Report.id == report_id)
    report = s.scalar(q.with_for_update() if lock else q)
    if report is None or report.employee_id != actor.employee_id:
        raise NotFound(f"report {report_id} not found", code="report_not_found")
    return report


def as_input(s, report: Report) -> ReportIn:
    activity = s.get(ActivityType, report.activity_type_id)
    return ReportIn(skp_item_id=report.skp_item_id, activity_code=activity.code,
                    meeting_id=report.meeting_id, date=report.date, start=report.start,
                    end=report.end, role=cast(MeetingRole | None, report.role), quantity=report.quantity,
                    description=report.description, evidence_id=report.evidence_id)


def withdraw(uow, actor: Actor, report_id: int) -> Report:
    report = own_report(uow.session, actor, report_id, lock=True)
    before = report.state
    report.state = rules.next_state(before, "withdraw")
    report.counted_minutes = 0
    uow.emit("report.withdrawn", dict(report_id=report.id, employee_id=report.employee_id,
                                      previous_state=before))
    return report


def apply_decision(uow, report_id: int, action: str, reason: str | None, at,
                   decided_by: int | None = None) -> None:
    report = uow.session.get(Report, report_id)
    if report is None:
        raise NotFound(f"report {report_id} not found", code="report_not_found")
    report.state = rules.next_state(report.state, action)
    if action == "uphold":  # it counts now: its minutes within today's cap
        same_day = storage.live_reports_on(uow.session, report.employee_id, report.date,
                                           excluding=report.id)
        report.counted_minutes = rules.counted_minutes(
            report.minutes, sum(r.counted_minutes for r in same_day
                                if r.state in rules.COUNTED_STATES),
            storage.rule_set_on(uow.session, report.agency_id, report.date).daily_cap_minutes)
    if report.state not in rules.COUNTED_STATES:
        report.counted_minutes = 0
    # Each voice keeps its own field: an objection never overwrites the superior's reason.
    if action == "dispute":
        report.objection_reason = reason
    elif action in ("uphold", "dismiss"):
        report.dispute_decision_reason, report.decided_at = reason, at
    else:
        report.decision_reason, report.decided_at = reason, at
    # The superior's own decision only: an upheld objection's decider may be an account
    # with no employee record, so there the routed approver stands (approver_id).
    if action in ("approve", "reject"):
        report.decided_by = decided_by


def as_dict(report: Report, activity: ActivityType) -> dict:
    return {"id": report.id, "employee_id": report.employee_id, "date": report.date.isoformat(),
            "start": report.start.strftime("%H:%M"), "end": report.end.strftime("%H:%M"),
            "skp_item_id": report.skp_item_id, "meeting_id": report.meeting_id,
            "activity_code": activity.code, "activity_name": activity.name,
            "activity_version": activity.version, "role": report.role,
            "quantity": report.quantity, "description": report.description,
            "evidence_id": report.evidence_id, "minutes": report.minutes,
            "counted_minutes": report.counted_minutes, "points": str(report.points),
            "rupiah": report.rupiah, "state": report.state,
            "decision_reason": report.decision_reason,
            "objection_reason": report.objection_reason,
            "dispute_decision_reason": report.dispute_decision_reason,
            "approver_id": report.approver_id}
