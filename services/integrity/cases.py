"""Integrity use cases: keep what the events tell, run the checks (rules.py) where the
facts change, keep each signal once, score, and serve the approver and the review team.

A report's checks run again whenever one of their facts arrives (the report, its photo's
EXIF and neighbours, a decision, a view), in whatever order the events come: each handler
first takes a lock per employee-month and per photo (PostgreSQL advisory locks, held to
the commit), so two handlers that need each other's rows never run side by side.
Signals are kept by (case, signal): a repeated check updates its row, one that no longer
fires lapses, and only a newly open one is announced (integrity.flagged)."""
import datetime as dt
import hashlib
import random
from collections import defaultdict
from typing import Any, cast

from sqlalchemy import case, func, or_, select, text

from ekinerja_contract.envelope import utcnow
from ekinerja_contract.errors import Conflict, Forbidden, InvalidInput, NotFound
from ekinerja_contract.events import (
    ApprovalRevoked,
    AttendanceRecorded,
    CatalogueVersionPublished,
    EvidenceChecked,
    EvidenceViewed,
    PlacementChanged,
    ReportSubmitted,
    ReportWithdrawn,
    RuleSetPublished,
    _Decision,
    parse,
)
from ekinerja_contract.periods import bounds, period_of
from ekinerja_contract.rule_set import default_body, in_force
from ekinerja_contract.schemas import Actor

from . import rules
from .models import (
    Activity,
    Decision,
    DutyTravel,
    Likeness,
    Office,
    Outcome,
    Person,
    Photo,
    Report,
    RuleSetHeard,
    Signal,
    View,
)
from .rules import Checks, Found

MONTH = 0  # report_key of an employee-month's own signals
ABOUT_THE_APPROVER = frozenset({"rubber_stamp"})
REPORT_MANAGED = frozenset(rules.REPORT_SIGNALS) - {"rubber_stamp"}
MONTH_MANAGED = frozenset({"cap_chasing", "repeated_description", "peer_outlier"})
LIVE = ("submitted", "approved", "rejected", "revision")  # withdrawn ones count for nothing


def serialise(s, *keys: str) -> None:
    """Advisory locks, in one order, until the commit (PostgreSQL; SQLite has one writer)."""
    if s.bind.dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        number = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": number})


# --- what it hears -------------------------------------------------------------------------

def _photo_keys(s, *evidence_ids: str | None) -> list[str]:
    """Lock keys of photos and of every photo known to look like them: two reports whose
    photos are alike are then never evaluated side by side (each would miss the other)."""
    ids = {i for i in evidence_ids if i}
    if ids:
        ids |= set(s.scalars(select(Likeness.other_id).where(Likeness.evidence_id.in_(list(ids)))))
    return [f"e:{i}" for i in ids]


def hear_report(uow, env, checks: Checks) -> None:
    e = cast(ReportSubmitted, parse(env))
    s, period = uow.session, period_of(e.date)
    row = s.get(Report, e.report_id)
    before = (row.period, row.evidence_id) if row is not None else None
    decided = s.get(Decision, e.report_id)
    keys = [f"m:{e.employee_id}:{period}", *([f"m:{e.employee_id}:{before[0]}"] if before else []),
            *_photo_keys(s, e.evidence_id, before[1] if before else None),
            *([f"a:{decided.approver_id}"] if decided is not None else [])]
    serialise(s, *keys)
    # look-alikes found by a check that committed while this waited: locked too (a deadlock
    # this could make is PostgreSQL's to break, and the event is retried)
    late = set(_photo_keys(s, e.evidence_id)) - set(keys)
    if late:
        serialise(s, *late)
    if row is None:
        row = Report(report_id=e.report_id, viewers=[])
    row.employee_id, row.employee_name, row.agency_id = e.employee_id, e.employee_name, e.agency_id
    row.approver_id, row.meeting_id, row.period, row.date = e.approver_id, e.meeting_id, period, e.date
    row.start, row.end = e.start, e.end
    row.activity_code, row.activity_name = e.activity_code, e.activity_name
    row.quantity, row.description, row.evidence_id = e.quantity, e.description, e.evidence_id
    row.minutes, row.state, row.sent_at = e.minutes, "submitted", env.time
    if decided is not None:
        s.refresh(decided)  # as it is now that the locks are held
    if decided is not None and _aware(decided.at) > _aware(env.time):  # its decision came first
        row.state, row.decided_by, row.decided_at = decided.kind, decided.approver_id, decided.at
        row.task_id = decided.task_id
    s.add(row)
    s.flush()
    if before is not None and before[0] != period:  # a revision moved it to another month
        _lapse(s, row.report_id, row.employee_id, before[0], REPORT_MANAGED | {"rubber_stamp"})
        evaluate_month(uow, checks, row.employee_id, before[0])
    if before is not None and before[1] and before[1] != row.evidence_id:  # another photo now
        for other in _reports_of_photos(s, _likeness_ids(s, before[1]), row.report_id):
            evaluate_report(uow, checks, other)
    evaluate_report(uow, checks, row, also_neighbours=True)
    evaluate_month(uow, checks, row.employee_id, period)
    if row.state == "approved" and row.decided_by is not None and row.decided_at is not None and (
            _stamps(uow, checks, row.decided_by, row.decided_at)):  # its decision was heard first
        _stamping(uow, checks, row.decided_by, row.agency_id, period)


def hear_withdrawn(uow, env, checks: Checks) -> None:
    e = cast(ReportWithdrawn, parse(env))
    row = uow.session.get(Report, e.report_id)
    if row is None:
        return
    serialise(uow.session, f"m:{row.employee_id}:{row.period}", *_photo_keys(uow.session, row.evidence_id))
    row.state = "withdrawn"  # counts for nothing: its own flags lapse
    _lapse(uow.session, row.report_id, row.employee_id, row.period, REPORT_MANAGED | {"rubber_stamp"})
    for other in _neighbour_reports(uow.session, row):
        evaluate_report(uow, checks, other)
    evaluate_month(uow, checks, row.employee_id, row.period)


def hear_checked(uow, env, checks: Checks) -> None:
    e = cast(EvidenceChecked, parse(env))
    s = uow.session
    if e.problem:
        return  # never part of a report
    ids = list({e.evidence_id, *(n.evidence_id for n in e.similar), *_likeness_ids(s, e.evidence_id)})
    serialise(s, *(f"e:{i}" for i in ids))
    photo = s.get(Photo, e.evidence_id) or Photo(evidence_id=e.evidence_id)
    photo.owner_id, photo.content_type = e.owner_id, e.content_type
    photo.facts = e.photo.model_dump(mode="json") if e.photo else None
    photo.fingerprinted = e.photo is None or "fingerprint" not in e.photo.unchecked
    s.add(photo)
    for n in e.similar:
        for a, b, owner, report in ((e.evidence_id, n.evidence_id, n.owner_id, n.report_id),
                                    (n.evidence_id, e.evidence_id, e.owner_id, None)):
            if s.get(Likeness, (a, b)) is None:
                s.add(Likeness(evidence_id=a, other_id=b, phash_distance=n.phash_distance,
                               same_bytes=n.same_bytes, other_owner_id=owner, other_report_id=report))
    s.flush()
    for report in s.scalars(select(Report).where(Report.evidence_id.in_(ids), Report.state.in_(LIVE))):
        evaluate_report(uow, checks, report)


def hear_view(uow, env, checks: Checks) -> None:
    e = cast(EvidenceViewed, parse(env))
    s = uow.session
    at = env.time
    reports = list(s.scalars(select(Report).where(Report.evidence_id == e.evidence_id)))
    # the same lock as the viewer's decisions: a view and a decision never pass each other
    serialise(s, f"a:{e.viewer_id}")
    s.add(View(evidence_id=e.evidence_id, viewer_id=e.viewer_id, at=at))
    for report in reports:
        s.refresh(report)
        if report.decided_by == e.viewer_id and report.decided_at is not None and (
                at <= _aware(report.decided_at)):
            _lapse(s, report.report_id, report.employee_id, report.period, {"rubber_stamp"})
            _stamping(uow, checks, e.viewer_id, report.agency_id, report.period)


def hear_decision(uow, env, kind: str, checks: Checks) -> None:
    e = cast(_Decision, parse(env))
    s = uow.session
    period = period_of(e.date)
    # the approver's lock (views, bursts) and the report's month (its report may be heard now)
    serialise(s, f"a:{e.decided_by}", f"m:{e.employee_id}:{period}")
    at = env.time
    decision = s.get(Decision, e.report_id)
    if decision is None:
        decision = Decision(report_id=e.report_id)
        s.add(decision)
    latest = decision.at is None or _aware(at) >= _aware(decision.at)
    if latest:  # the latest round's decision (each kind comes on its own queue)
        decision.approver_id, decision.at, decision.kind, decision.task_id = e.decided_by, at, kind, e.task_id
    report = s.get(Report, e.report_id)
    if report is not None and latest and report.state not in ("withdrawn", "revoked") and (
            report.sent_at is None or _aware(at) >= _aware(report.sent_at)):
        report.state, report.decided_by, report.decided_at = kind, e.decided_by, at
        report.task_id = e.task_id
    s.flush()
    if kind == "approved" and report is not None and report.state == "approved" and (
            _stamps(uow, checks, e.decided_by, at)):
        _stamping(uow, checks, e.decided_by, e.agency_id, period)


def hear_revoked(uow, env) -> None:
    """The post-audit revocation (approval.approval_revoked): the report's open flags end
    as revoked, recorded as the review team's outcome."""
    e = cast(ApprovalRevoked, parse(env))
    s = uow.session
    report = s.get(Report, e.report_id)
    if report is None:
        return
    report.state = "revoked"
    signals = _open(s, report.report_id, report.employee_id, report.period)
    for sig in signals:
        sig.state, sig.updated_at = "revoked", utcnow()
    s.add(Outcome(report_key=report.report_id, employee_id=report.employee_id, period=report.period,
                  outcome="revoked", signals=sorted({x.signal for x in signals}), note=e.reason,
                  decided_by=e.decided_by, at=env.time))


def hear_new_approver(uow, env) -> None:
    """A reroute (a placement changed) hands the report to a new approver, who replaces
    the old one; an escalation lets the approver's superior decide too."""
    e = cast(Any, parse(env))
    report = uow.session.get(Report, e.report_id)
    if report is None:
        return
    if env.type == "approval.task_rerouted":
        report.viewers = sorted(set(report.viewers or []) - {report.approver_id})
        report.approver_id = e.approver_id
    elif e.escalated_to is not None and e.escalated_to not in (report.viewers or []):
        report.viewers = sorted(set(report.viewers or []) | {e.escalated_to})


def hear_placement(uow, env) -> None:
    e = cast(PlacementChanged, parse(env))
    row = uow.session.get(Person, e.employee_id) or Person(employee_id=e.employee_id)
    row.nip, row.name, row.agency_id, row.agency_name = e.nip, e.name, e.agency_id, e.agency_name
    row.position_code, row.position_name = e.position_code, e.position_name
    uow.session.add(row)


def hear_activity(uow, env) -> None:
    e = cast(CatalogueVersionPublished, parse(env))
    row = uow.session.get(Activity, e.code) or Activity(code=e.code)
    row.standard_minutes = e.standard_minutes
    uow.session.add(row)


def hear_rule_set(uow, env) -> None:
    e = cast(RuleSetPublished, parse(env))
    if e.body is None:
        return
    row = uow.session.get(RuleSetHeard, e.rule_set_id) or RuleSetHeard(id=e.rule_set_id)
    row.agency_id, row.effective_from = e.agency_id, e.effective_from
    row.daily_cap_minutes = e.body.daily_cap_minutes
    row.monthly_standard_minutes = (int(e.body.monthly_standard)
                                    if e.body.standard_unit == "minutes" else None)
    uow.session.add(row)


def hear_attendance(uow, env, checks: Checks) -> None:
    e = cast(AttendanceRecorded, parse(env))
    if e.kind != "leave" or e.leave_type != "duty_travel":
        return
    s = uow.session
    person = s.scalar(select(Person).where(Person.nip == e.employee_nip))
    if person is None or s.get(DutyTravel, (person.employee_id, e.date)) is not None:
        return
    day = list(s.scalars(select(Report.evidence_id).where(Report.employee_id == person.employee_id,
                                                          Report.date == e.date)))
    serialise(s, f"m:{person.employee_id}:{period_of(e.date)}", *_photo_keys(s, *day))
    s.add(DutyTravel(employee_id=person.employee_id, date=e.date))
    s.flush()
    for report in s.scalars(select(Report).where(Report.employee_id == person.employee_id,
                                                 Report.date == e.date, Report.state.in_(LIVE))):
        evaluate_report(uow, checks, report)  # heard after the day's photos: the geofence lifts


# --- checks ---------------------------------------------------------------------------------

def _likeness_ids(s, evidence_id: str | None) -> list[str]:
    if not evidence_id:
        return []
    return list(s.scalars(select(Likeness.other_id).where(Likeness.evidence_id == evidence_id)))


def _reports_of_photos(s, evidence_ids: list[str], excluding: int) -> list[Report]:
    if not evidence_ids:
        return []
    return list(s.scalars(select(Report).where(Report.evidence_id.in_(evidence_ids),
                                               Report.report_id != excluding, Report.state.in_(LIVE))))


def _neighbour_reports(s, report: Report) -> list[Report]:
    return _reports_of_photos(s, _likeness_ids(s, report.evidence_id), report.report_id)


def evaluate_report(uow, checks: Checks, report: Report, also_neighbours: bool = False) -> None:
    s = uow.session
    found: list[Found] = []
    photo = s.get(Photo, report.evidence_id) if report.evidence_id else None
    # the photo's look-alikes as either side's check found them (its own may come later)
    likeness = {x.other_id: x for x in s.scalars(select(Likeness).where(
        Likeness.evidence_id == report.evidence_id))} if report.evidence_id else {}
    neighbours = _reports_of_photos(s, list(likeness), report.report_id)
    known = [rules.Neighbour(r.report_id, r.employee_id, r.employee_name, r.date, r.meeting_id,
                             likeness[r.evidence_id].phash_distance, likeness[r.evidence_id].same_bytes)
             for r in neighbours]
    if photo is not None or known:
        found += rules.photo_reuse(_facts(report, photo), known + _earlier(s, likeness, neighbours),
                                   photo.fingerprinted if photo is not None else True)
    if photo is not None:
        if photo.facts is not None:
            found += rules.exif(_facts(report, photo), photo.facts, checks)
            offices = [rules.Office(o.name, o.lat, o.lon, o.radius_m) for o in s.scalars(
                select(Office).where(Office.agency_id == report.agency_id))]
            travelling = s.get(DutyTravel, (report.employee_id, report.date)) is not None
            found += rules.location(photo.facts, offices, travelling, checks)
    activity = s.get(Activity, report.activity_code)
    found += rules.minutes_above_standard(report.minutes, report.quantity,
                                          activity.standard_minutes if activity else None, checks)
    sync(uow, checks, report.report_id, report.employee_id, report.agency_id, report.period,
         report.approver_id, found, REPORT_MANAGED)
    if also_neighbours:
        for other in neighbours:
            evaluate_report(uow, checks, other)


def _earlier(s, likeness: dict, heard: list[Report]) -> list[rules.Neighbour]:
    """Look-alikes on reports from before these checks ran (evidence fingerprinted their
    photos afterwards): known only by their report's id and owner."""
    ids = {r.evidence_id for r in heard}
    unheard = [x for x in likeness.values() if x.other_id not in ids and x.other_report_id is not None
               and s.get(Report, x.other_report_id) is None]
    out = []
    for x in unheard:
        person = s.get(Person, x.other_owner_id) if x.other_owner_id is not None else None
        out.append(rules.Neighbour(x.other_report_id, x.other_owner_id or 0,
                                   person.name if person else "pegawai lain", None, None,
                                   x.phash_distance, x.same_bytes))
    return out


def _facts(report: Report, photo: Photo | None) -> rules.ReportFacts:
    return rules.ReportFacts(report.report_id, report.employee_id, report.date, report.start,
                             report.end, report.meeting_id, photo.content_type if photo else None)


def evaluate_month(uow, checks: Checks, employee_id: int, period: str) -> None:
    s = uow.session
    # plain rows, not entities: a month is read again on every report of it
    reports = list(s.execute(select(Report.agency_id, Report.date, Report.minutes, Report.quantity,
                                    Report.description, Report.activity_code, Report.activity_name).where(
        Report.employee_id == employee_id, Report.period == period, Report.state.in_(LIVE))))
    if not reports:
        _lapse(s, MONTH, employee_id, period, MONTH_MANAGED)
        return
    agency_id = reports[0].agency_id
    first, _ = bounds(period)
    ruled = in_force(list(s.scalars(select(RuleSetHeard))), agency_id, first)
    cap = ruled.daily_cap_minutes if ruled else default_body().daily_cap_minutes
    standard = ruled.monthly_standard_minutes if ruled else None
    day_minutes: dict[dt.date, int] = defaultdict(int)
    by_text: dict[str, set[dt.date]] = defaultdict(set)
    for r in reports:
        day_minutes[r.date] += r.minutes
        by_text[rules.normalise(r.description)].add(r.date)
    found = rules.cap_chasing(dict(day_minutes), cap, standard, checks)
    found += rules.repeated_description(by_text, checks)
    found += _peer_outlier(s, checks, employee_id, period, reports)
    sync(uow, checks, MONTH, employee_id, agency_id, period, None, found, MONTH_MANAGED)


def _per_unit(rows) -> dict[str, float]:
    minutes: dict[str, int] = defaultdict(int)
    units: dict[str, int] = defaultdict(int)
    for code, m, q in rows:
        minutes[code] += m
        units[code] += max(q, 1)
    return {c: minutes[c] / units[c] for c in minutes}


def _peer_outlier(s, checks: Checks, employee_id: int, period: str, reports: list) -> list[Found]:
    person = s.get(Person, employee_id)
    if person is None:
        return []
    same_post = (Person.position_name == person.position_name if person.position_name else
                 (Person.agency_id == person.agency_id) & (Person.position_code == person.position_code))
    peers = select(Person.employee_id).where(same_post, Person.employee_id != employee_id)
    own = _per_unit((r.activity_code, r.minutes, r.quantity) for r in reports)
    # each peer's month per activity, summed where the rows are (a common post may have
    # thousands of holders): one row per peer and activity comes back
    units = func.sum(case((Report.quantity < 1, 1), else_=Report.quantity))
    peer_values: dict[str, list[float]] = defaultdict(list)
    for code, minutes, count in s.execute(select(Report.activity_code, func.sum(Report.minutes), units).where(
            Report.period == period, Report.employee_id.in_(peers), Report.activity_code.in_(list(own)),
            Report.state.in_(LIVE)).group_by(Report.employee_id, Report.activity_code)):
        peer_values[code].append(int(minutes) / max(int(count), 1))
    if max((len(v) for v in peer_values.values()), default=0) < checks.peer_min:
        return []
    names = {r.activity_code: r.activity_name for r in reports}
    return rules.peer_outlier(own, dict(peer_values), names, checks)


def _stamps(uow, checks: Checks, approver_id: int, at: dt.datetime) -> bool:
    """Approvals by this approver around `at`: those in a burst whose evidence the
    approver never opened before deciding get `rubber_stamp`. A bulk approval of 200 is
    200 events: each reads the window's decision times (light rows) and only the members
    not yet judged, so the work per event stays small. True when a stamp was added."""
    s = uow.session
    span = dt.timedelta(seconds=checks.burst_seconds)
    rows = list(s.execute(select(Decision.report_id, Decision.at).where(
        Decision.approver_id == approver_id, Decision.kind == "approved",
        Decision.at >= _utc(at - span), Decision.at <= _utc(at + span)).order_by(Decision.at)))
    members = rules.burst_members([_aware(r.at) for r in rows], checks.burst_decisions, checks.burst_seconds)
    if not members:
        return False
    decided = {rows[i].report_id: _aware(rows[i].at) for i in members}
    judged = select(Signal.report_key).where(Signal.signal == "rubber_stamp",
                                             Signal.report_key.in_(list(decided)))
    fresh = list(s.scalars(select(Report).where(Report.report_id.in_(list(decided)),
                                                Report.evidence_id.is_not(None),
                                                Report.report_id.not_in(judged))))
    if not fresh:
        return False
    first_view = dict(s.execute(select(View.evidence_id, func.min(View.at)).where(
        View.viewer_id == approver_id, View.evidence_id.in_([r.evidence_id for r in fresh])).group_by(
        View.evidence_id)).tuples().all())
    stamped = False
    for report in fresh:
        seen = first_view.get(report.evidence_id)
        if seen is not None and _aware(seen) <= decided[report.report_id]:  # opened before deciding
            continue
        # about the approver's own conduct: for the review team, not told to the approver
        sync(uow, checks, report.report_id, report.employee_id, report.agency_id, report.period,
             None, rules.rubber_stamp(True, False, len(members), checks), frozenset())
        stamped = True
    return stamped


def _stamping(uow, checks: Checks, approver_id: int, agency_id: int, period: str) -> None:
    s = uow.session
    days = list(s.execute(select(Report.date).join(Signal, Signal.report_key == Report.report_id).where(
        Signal.signal == "rubber_stamp", Signal.state == "open", Report.decided_by == approver_id,
        Report.period == period)))
    found = rules.rubber_stamping(len(days), sorted({d.date for d in days}), checks)
    person = s.get(Person, approver_id)
    sync(uow, checks, MONTH, approver_id, person.agency_id if person else agency_id, period, None,
         found, frozenset({"rubber_stamping"}))


def sync(uow, checks: Checks, report_key: int, employee_id: int, agency_id: int, period: str,
         approver_id: int | None, found: list[Found], managed: frozenset) -> None:
    """Keep the case's signals as `found` says: new ones open (and announced), repeated
    ones updated, those of `managed` that no longer fire lapse. What the review team
    decided (cleared, revoked) stays decided."""
    s, now = uow.session, utcnow()
    by_signal: dict[str, Found] = {}
    for f in found:  # one per signal: one that fired before one that could not be checked
        if f.signal not in by_signal or (f.checkable and not by_signal[f.signal].checkable):
            by_signal[f.signal] = f
    existing = {x.signal: x for x in s.scalars(select(Signal).where(
        Signal.report_key == report_key, Signal.employee_id == employee_id, Signal.period == period))}
    opened = []
    for name, f in by_signal.items():
        row = existing.get(name)
        weight = checks.weight(name) if f.checkable else 0
        if row is None:
            row = Signal(report_key=report_key, employee_id=employee_id, agency_id=agency_id,
                         period=period, signal=name, created_at=now, state="lapsed")
            s.add(row)
        if row.state in ("cleared", "revoked"):
            continue
        if row.state != "open" and weight > 0:
            opened.append(row)
        row.reason, row.evidence, row.weight, row.checkable = f.reason, f.evidence, weight, f.checkable
        row.state, row.updated_at = "open", now
    for name, row in existing.items():
        if name in managed and name not in by_signal and row.state == "open":
            row.state, row.updated_at = "lapsed", now
    if not opened:
        return
    s.flush()
    score = risk_of(s, report_key, employee_id, period)
    uow.emit_many("integrity.flagged", [dict(
        signal_id=row.id, signal=row.signal, report_id=report_key or None, employee_id=employee_id,
        agency_id=agency_id, approver_id=approver_id, period=period, reason=row.reason,
        weight=row.weight, risk=score) for row in opened])


def _lapse(s, report_key: int, employee_id: int, period: str, names) -> None:
    for row in s.scalars(select(Signal).where(Signal.report_key == report_key,
                                              Signal.employee_id == employee_id,
                                              Signal.period == period, Signal.state == "open",
                                              Signal.signal.in_(list(names)))):
        row.state, row.updated_at = "lapsed", utcnow()


def _open(s, report_key: int, employee_id: int, period: str) -> list[Signal]:
    return list(s.scalars(select(Signal).where(Signal.report_key == report_key,
                                               Signal.employee_id == employee_id,
                                               Signal.period == period, Signal.state == "open")))


def risk_of(s, report_key: int, employee_id: int, period: str, hidden=frozenset()) -> int:
    """A report's score: its open signals' weights, capped at 100. An employee-month's:
    its own signals' plus the riskiest of its reports. `hidden`: signals the reader may
    not see, counted by nobody on their behalf."""
    own = s.scalar(select(func.coalesce(func.sum(Signal.weight), 0)).where(
        Signal.report_key == report_key, Signal.employee_id == employee_id, Signal.period == period,
        Signal.state == "open", Signal.signal.not_in(list(hidden)))) or 0
    if report_key != MONTH:
        return min(100, int(own))
    worst = max([0, *_report_risks(s, employee_id, period, hidden).values()])
    return min(100, int(own) + worst)


def _report_risks(s, employee_id: int, period: str, hidden=frozenset()) -> dict[int, int]:
    rows = s.execute(select(Signal.report_key, func.sum(Signal.weight)).where(
        Signal.signal.not_in(list(hidden)),
        Signal.employee_id == employee_id, Signal.period == period, Signal.state == "open",
        Signal.report_key != MONTH).group_by(Signal.report_key))
    return {k: min(100, int(v)) for k, v in rows}


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _utc(moment: dt.datetime) -> dt.datetime:
    """As the rows are kept (SQLite compares the text: one zone for every value)."""
    return _aware(moment).astimezone(dt.UTC)


# --- who sees what ---------------------------------------------------------------------------

def reviewer_scope(actor: Actor, review_scope: str) -> int | None | bool:
    """None: every agency; an agency id; False: not a reviewer at all."""
    if actor.has("city_admin") or (actor.has("review_team") and review_scope == "city"):
        return None
    if actor.has("review_team") and actor.agency_id is not None:
        return actor.agency_id
    return False


def _may_see(actor: Actor, report: Report, review_scope: str) -> bool:
    if actor.employee_id is not None and actor.employee_id == report.employee_id:
        return False  # nobody reads the checks on their own work
    deciders = {report.approver_id} | set(report.viewers or [])
    if actor.employee_id is not None and actor.employee_id in deciders:
        return True
    scope = reviewer_scope(actor, review_scope)
    return scope is None or (scope is not False and scope == report.agency_id)


def _flag(row: Signal) -> dict:
    return {"signal_id": row.id, "signal": row.signal, "name": rules.NAMES.get(row.signal, row.signal),
            "reason": row.reason, "weight": row.weight, "checkable": row.checkable,
            "state": row.state, "evidence": row.evidence or {}}


def report_flags(s, actor: Actor, report_ids, review_scope: str) -> dict:
    """For the approver's list (and the review team): each visible report's score and
    open flags, and its employee-month's. Reports the caller may not see are left out."""
    ids = [int(i) for i in list(report_ids)[:500]]
    reports = [r for r in s.scalars(select(Report).where(Report.report_id.in_(ids)))
               if _may_see(actor, r, review_scope)]
    if not reports:
        return {}
    months = {(r.employee_id, r.period) for r in reports}
    rows = list(s.scalars(select(Signal).where(
        Signal.state == "open",
        or_(Signal.report_key.in_([r.report_id for r in reports]), Signal.report_key == MONTH),
        Signal.employee_id.in_([e for e, _ in months]))))
    reviewer = reviewer_scope(actor, review_scope) is not False
    decided_here = {r.report_id for r in reports if r.decided_by == actor.employee_id}
    hidden = set() if reviewer else set(ABOUT_THE_APPROVER)  # the approver's own conduct
    rows = [x for x in rows if x.signal not in hidden and not (
        x.signal in ABOUT_THE_APPROVER and x.report_key in decided_here)]
    by_case: dict[tuple, list[Signal]] = defaultdict(list)
    for x in rows:
        by_case[(x.report_key, x.employee_id, x.period)].append(x)
    month_risk = {m: risk_of(s, MONTH, m[0], m[1], hidden) for m in months}  # once a month, not a task
    out = {}
    for r in reports:
        mine = by_case[(r.report_id, r.employee_id, r.period)]
        month = by_case[(MONTH, r.employee_id, r.period)]
        out[str(r.report_id)] = {
            "risk": min(100, sum(x.weight for x in mine)), "flags": [_flag(x) for x in _ordered(mine)],
            "month_risk": month_risk[(r.employee_id, r.period)],
            "month_flags": [_flag(x) for x in _ordered(month)]}
    return out


def _ordered(rows: list[Signal]) -> list[Signal]:
    return sorted(rows, key=lambda x: (-x.weight, not x.checkable, x.signal))


# --- the review team's desk -----------------------------------------------------------------

STATES = ("open", "cleared", "revoked", "all")


def queue(s, actor: Actor, review_scope: str, agency_id=None, signal=None, period=None,
          state: str = "open", limit: int = 50, offset: int = 0) -> dict:
    """Cases (a report, or an employee's month) with flags, riskiest first."""
    scope = _desk(actor, review_scope)
    if state not in STATES:
        raise InvalidInput("state is one of open, cleared, revoked, all",
                           [{"field": "state", "reason": str(state)[:40]}], code="integrity_state_unknown")
    if signal is not None and signal not in rules.NAMES:
        raise InvalidInput("no such signal", [{"field": "signal", "reason": str(signal)[:40]}],
                           code="integrity_signal_unknown")
    agency_id = _agency_in_scope(scope, agency_id)
    # the rows that decide which cases are listed and their order: plain columns, so a
    # city's month of flags costs one statement; only the page's cases are built whole
    q = select(Signal.report_key, Signal.employee_id, Signal.period, Signal.signal, Signal.weight,
               Signal.state).where(Signal.state != "lapsed")
    if agency_id is not None:
        q = q.where(Signal.agency_id == int(agency_id))
    if period:
        q = q.where(Signal.period == str(period))
    if actor.employee_id is not None:  # nobody reads the checks on their own work
        q = q.where(Signal.employee_id != actor.employee_id)
        # nor the rubber stamps on approvals they made themselves
        q = q.where(or_(Signal.signal.not_in(list(ABOUT_THE_APPROVER)), Signal.report_key.not_in(
            select(Report.report_id).where(Report.decided_by == actor.employee_id))))
    everything: dict[tuple, list] = defaultdict(list)
    for row in s.execute(q):
        everything[(row.report_key, row.employee_id, row.period)].append(row)
    # scores as risk_of computes them, from every open flag in scope: a report's own; a
    # month's plus its riskiest report's (whatever the filters below leave out)
    own = {k: min(100, sum(x.weight for x in v if x.state == "open")) for k, v in everything.items()}
    worst: dict[tuple, int] = defaultdict(int)
    for (key, employee_id, p), score in own.items():
        if key != MONTH:
            worst[(employee_id, p)] = max(worst[(employee_id, p)], score)
    scores = {k: own[k] if k[0] != MONTH else min(100, own[k] + worst[(k[1], k[2])]) for k in everything}
    cases = {k: [x for x in v if state == "all" or (x.state == state and x.weight > 0)]
             for k, v in everything.items()}
    cases = {k: v for k, v in cases.items() if v and (signal is None or any(x.signal == signal for x in v))}
    order = sorted(cases, key=lambda k: (-scores[k], k[2], k[0]))
    items = [{**_case(s, key), "risk": scores[key]} for key in order[offset:offset + limit]]
    counts: dict[str, int] = defaultdict(int)
    for rows in cases.values():
        for name in {x.signal for x in rows}:
            counts[name] += 1
    return {"total": len(order), "items": items, "signals": dict(counts)}


def _desk(actor: Actor, review_scope: str):
    scope = reviewer_scope(actor, review_scope)
    if scope is False:
        raise Forbidden("the review team's desk", code="integrity_review_team_only")
    return scope


def _agency_in_scope(scope, agency_id):
    if scope is None:
        return agency_id
    if agency_id is not None and int(agency_id) != scope:
        raise Forbidden("another agency's cases", code="integrity_other_agency")
    return scope


def _case(s, key: tuple) -> dict:
    report_key, employee_id, period = key
    signals = list(s.scalars(select(Signal).where(
        Signal.report_key == report_key, Signal.employee_id == employee_id, Signal.period == period,
        Signal.state != "lapsed")))
    report = s.get(Report, report_key) if report_key != MONTH else None
    person = s.get(Person, employee_id)
    open_weight = sum(x.weight for x in signals if x.state == "open")
    history = [{"outcome": o.outcome, "note": o.note, "signals": o.signals, "decided_by": o.decided_by,
                "at": o.at.isoformat()} for o in s.scalars(select(Outcome).where(
                    Outcome.report_key == report_key, Outcome.employee_id == employee_id,
                    Outcome.period == period).order_by(Outcome.id))]
    return {"kind": "report" if report else "month", "report_id": report_key or None,
            "employee_id": employee_id,
            "employee_name": (report.employee_name if report else
                              person.name if person else str(employee_id)),
            "agency_id": signals[0].agency_id if signals else (report.agency_id if report else 0),
            "agency_name": person.agency_name if person else None, "period": period,
            "date": report.date.isoformat() if report else None,
            "activity_name": report.activity_name if report else None,
            "description": report.description if report else None,
            "report_state": report.state if report else None,
            "task_id": report.task_id if report else None,
            "evidence_id": report.evidence_id if report else None,
            "risk": (risk_of(s, report_key, employee_id, period) if report_key == MONTH
                     else min(100, open_weight)),
            "flags": [_flag(x) for x in _ordered(signals)], "outcomes": history}


def sample(s, actor: Actor, review_scope: str, period: str, size: int, agency_id=None,
           seed: int | None = None) -> dict:
    """A post-audit sample of the month's approved reports: drawn at random, the risky
    more likely (weight 1 + risk, Efraimidis-Spirakis), the clean ones too: an audit that
    only reads flagged work teaches nobody what it misses."""
    scope = _desk(actor, review_scope)
    agency_id = _agency_in_scope(scope, agency_id)
    q = select(Report).where(Report.period == str(period), Report.state == "approved")
    if agency_id is not None:
        q = q.where(Report.agency_id == int(agency_id))
    if actor.employee_id is not None:
        q = q.where(Report.employee_id != actor.employee_id)
    reports = list(s.scalars(q.order_by(Report.report_id)))  # one order: a seed repeats its draw
    risks: dict[int, int] = defaultdict(int)
    for key, weight in s.execute(select(Signal.report_key, func.sum(Signal.weight)).where(
            Signal.state == "open", Signal.period == str(period), Signal.report_key != MONTH)
            .group_by(Signal.report_key)):
        risks[key] = min(100, int(weight))
    rng = random.Random(seed)
    keyed = sorted(reports, key=lambda r: rng.random() ** (1 / (1 + risks[r.report_id])), reverse=True)
    chosen = keyed[:max(0, min(int(size), 500))]
    items = [_case(s, (r.report_id, r.employee_id, r.period)) for r in chosen]
    return {"period": str(period), "population": len(reports), "items": items}


def clear(uow, actor: Actor, review_scope: str, report_id, employee_id, period, note: str) -> dict:
    """The review team looked and found nothing: the case's open flags are cleared,
    recorded with the note and announced. Revoking is the post-audit revocation's."""
    s = uow.session
    scope = _desk(actor, review_scope)
    note = (note or "").strip()
    if len(note) < 5:
        raise InvalidInput("say what you checked (at least 5 characters)",
                           [{"field": "note", "reason": "too short"}], code="integrity_note_required")
    if report_id:
        report = s.get(Report, int(report_id))
        if report is None:
            raise NotFound("no such case", code="integrity_case_not_found")
        key, employee_id, period = report.report_id, report.employee_id, report.period
        involved = {report.employee_id, report.approver_id, report.decided_by, *(report.viewers or [])}
    else:
        if employee_id is None or not period:
            raise NotFound("no such case", code="integrity_case_not_found")
        key, employee_id = MONTH, int(employee_id)
        involved = {employee_id} | {x for r in s.execute(select(Report.approver_id, Report.decided_by).where(
            Report.employee_id == employee_id, Report.period == str(period))) for x in r}
    signals = _open(s, key, employee_id, str(period))
    # the case's agency is the flags' own (a transfer since moves nothing already found)
    agency_id = signals[0].agency_id if signals else None
    if scope is not None and agency_id is not None and scope != agency_id:
        raise NotFound("no such case", code="integrity_case_not_found")
    if actor.employee_id is not None and actor.employee_id in involved:
        # neither one's own work nor a report one decided (nor a month one approved)
        raise Forbidden("nobody decides on their own work", code="integrity_own_case")
    if not signals:
        raise Conflict("this case has no open flag", code="integrity_nothing_open")
    names = sorted({x.signal for x in signals})
    for row in signals:
        row.state, row.updated_at = "cleared", utcnow()
    decided_by = actor.employee_id if actor.employee_id is not None else -actor.account_id
    s.add(Outcome(report_key=key, employee_id=employee_id, period=str(period), outcome="cleared",
                  signals=names, note=note, decided_by=decided_by, at=utcnow()))
    uow.emit("integrity.cleared", dict(report_id=key or None, employee_id=employee_id, agency_id=agency_id,
                                       period=str(period), signals=names, decided_by=decided_by, note=note))
    s.flush()
    return _case(s, (key, employee_id, str(period)))


# --- offices ----------------------------------------------------------------------------------

def offices(s, actor: Actor, agency_id: int, review_scope: str) -> list[dict]:
    """A city admin any agency's; an agency admin and a review team their own (a city-wide
    review team any)."""
    scope = reviewer_scope(actor, review_scope)
    if not (actor.has("city_admin") or scope is None or scope == int(agency_id)
            or (actor.has("agency_admin") and actor.agency_id == int(agency_id))):
        raise Forbidden("another agency's offices", code="admins_only")
    return _offices(s, agency_id)


def _offices(s, agency_id: int) -> list[dict]:
    return [{"id": o.id, "agency_id": o.agency_id, "name": o.name, "lat": o.lat, "lon": o.lon,
             "radius_m": o.radius_m} for o in s.scalars(select(Office).where(
                 Office.agency_id == int(agency_id)).order_by(Office.id))]


def set_offices(uow, actor: Actor, agency_id: int, given: list) -> list[dict]:
    if not (actor.has("city_admin") or (actor.has("agency_admin") and actor.agency_id == int(agency_id))):
        raise Forbidden("an admin of this agency", code="admins_only")
    s = uow.session
    for o in s.scalars(select(Office).where(Office.agency_id == int(agency_id))):
        s.delete(o)
    for o in given:
        s.add(Office(agency_id=int(agency_id), name=o["name"], lat=float(o["lat"]), lon=float(o["lon"]),
                     radius_m=o.get("radius_m")))
    s.flush()
    return _offices(s, agency_id)
