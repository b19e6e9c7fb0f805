"""Writing notices: `notify` (once per cause and person, grouped where many of a kind
come at once, with a delivery per chosen outside channel), and the event appliers that
call it. Each applier runs inside the inbox's transaction (Store.consume), so an event
redelivered writes nothing twice."""
import datetime as dt

from sqlalchemy import select

from ekinerja_contract import clock
from ekinerja_contract.events import (
    ApprovalRevoked,
    DisputeDismissed,
    DisputeUpheld,
    GraceWindowOpened,
    GraceWindowRevoked,
    IntegrityFlagged,
    PayObjectionDecided,
    PayrollLine,
    ReportApproved,
    ReportRejected,
    ReportSubmitted,
    RevisionRequested,
    RuleSetPublished,
    SkpReturned,
    TaskEscalated,
    TaskReminded,
    parse,
)

from . import rules
from .models import ApprovalHeard, Contact, DeadlineRule, Delivery, Notification, ReportFact, Settings


def notify(uow, person_id: int, kind: str, key: str, params: dict, link: str | None,
           configured: frozenset[str], group: bool = False, count: int = 1) -> Notification | None:
    """One notice for a person, unless one with this key exists: then a grouped kind
    counts one more (its text says "N laporan"), and nothing is sent again."""
    s = uow.session
    existing = s.scalar(select(Notification).where(
        Notification.person_id == person_id, Notification.key == key).with_for_update())
    if existing is not None:
        if group:
            existing.count += 1
            existing.params = {**existing.params, **params}
            existing.read_at = None  # news again
        return None
    settings = s.get(Settings, person_id)
    chosen = rules.channels_for(settings.choices if settings else None, kind)
    if not chosen:
        return None  # the person turned this kind off
    now = clock.now()
    notice = Notification(person_id=person_id, kind=kind, key=key, params=params, count=count, link=link,
                          shown="in_app" in chosen, created_at=now)
    s.add(notice)
    s.flush()
    contacts = s.scalars(select(Contact.channel).where(Contact.person_id == person_id))
    outside = [c for c in contacts if c in chosen and c in configured]
    if outside:
        start, end = rules.quiet_hours(settings.quiet_start if settings else None,
                                       settings.quiet_end if settings else None)
        due = rules.after_quiet(clock.local_now(), start, end).astimezone(dt.UTC)
        for channel in sorted(outside):
            delivery = Delivery(notification_id=notice.id, person_id=person_id, channel=channel,
                                state="due" if due <= now else "waiting", due_at=due, attempts=0)
            s.add(delivery)
            s.flush()
            if delivery.state == "due":
                announce(uow, delivery, kind)
    return notice


def test_message(uow, person_id: int, channel: str, configured: frozenset[str]) -> bool:
    """A test message on one channel, now, whatever the choices and quiet hours (the
    person asked for it): at most one a minute per channel. False: none sent (no address
    there, the channel off, or one sent this minute)."""
    s = uow.session
    if channel not in configured or s.get(Contact, (person_id, channel)) is None:
        return False
    now = clock.now()
    key = f"test:{channel}:{now:%Y%m%d%H%M}"
    if s.scalar(select(Notification.id).where(Notification.person_id == person_id,
                                              Notification.key == key)) is not None:
        return False
    notice = Notification(person_id=person_id, kind="test", key=key, params={}, count=1,
                          link="/pemberitahuan",
                          shown=False, created_at=now)
    s.add(notice)
    s.flush()
    delivery = Delivery(notification_id=notice.id, person_id=person_id, channel=channel, state="due",
                        due_at=now, attempts=0)
    s.add(delivery)
    s.flush()
    announce(uow, delivery, "test")
    return True


def announce(uow, delivery: Delivery, kind: str) -> None:
    uow.emit("notification.due", {"delivery_id": delivery.id, "notification_id": delivery.notification_id,
                                  "person_id": delivery.person_id, "channel": delivery.channel,
                                  "kind": kind})


def _report(s, report_id: int) -> dict:
    fact = s.get(ReportFact, report_id)
    return {"activity": fact.activity_name, "date": fact.date.isoformat()} if fact else {}


# --- the appliers (uow, envelope, configured channels) ----------------------------------

def report_sent(uow, env, configured) -> None:
    e = parse(env)
    assert isinstance(e, ReportSubmitted)  # report.resubmitted has the same facts
    fact = uow.session.get(ReportFact, e.report_id)
    if fact is None:
        uow.session.add(ReportFact(report_id=e.report_id, employee_id=e.employee_id, date=e.date,
                                   activity_name=e.activity_name))
    else:
        fact.date, fact.activity_name = e.date, e.activity_name


def rule_set(uow, env, configured) -> None:
    e = parse(env)
    assert isinstance(e, RuleSetPublished)
    if e.body is not None and uow.session.get(DeadlineRule, e.rule_set_id) is None:
        uow.session.add(DeadlineRule(source_id=e.rule_set_id, agency_id=e.agency_id,
                                     effective_from=e.effective_from,
                                     deadline_day=e.body.input_deadline_day))


def decided(uow, env, configured) -> None:
    """A rejection and a revision request are told at once, with the reason; an approval
    waits for the day's digest."""
    e = parse(env)
    if isinstance(e, ReportApproved):
        if uow.session.get(ApprovalHeard, e.report_id) is None:
            uow.session.add(ApprovalHeard(report_id=e.report_id, employee_id=e.employee_id,
                                          decided_on=clock.local_date(env.time), digested=False))
        return
    assert isinstance(e, ReportRejected | RevisionRequested)
    kind = "report_rejected" if isinstance(e, ReportRejected) else "revision_requested"
    params = {"date": e.date.isoformat(), **_report(uow.session, e.report_id), "reason": e.reason}
    notify(uow, e.employee_id, kind, f"{kind}:{env.id}", params, f"/laporan/{e.report_id}", configured)


def dispute_decided(uow, env, configured) -> None:
    e = parse(env)
    assert isinstance(e, DisputeUpheld | DisputeDismissed)
    params = {**_report(uow.session, e.report_id), "reason": e.reason,
              "variant": "upheld" if isinstance(e, DisputeUpheld) else "dismissed"}
    notify(uow, e.employee_id, "dispute_decided", f"dispute:{e.dispute_id}", params,
           f"/laporan/{e.report_id}", configured)


def revoked(uow, env, configured) -> None:
    """A post-audit took an approval back: the money goes with it, so the person hears why."""
    e = parse(env)
    assert isinstance(e, ApprovalRevoked)
    params = {"date": e.date.isoformat(), **_report(uow.session, e.report_id), "reason": e.reason}
    notify(uow, e.employee_id, "approval_revoked", f"revoked:{e.task_id}", params,
           f"/laporan/{e.report_id}", configured)


def skp_returned(uow, env, configured) -> None:
    e = parse(env)
    assert isinstance(e, SkpReturned)
    notify(uow, e.employee_id, "skp_returned", f"skp_returned:{env.id}", {"year": e.year, "reason": e.note},
           "/skp", configured)


def reminded(uow, env, configured) -> None:
    """Reminders of one approver on one day are one notice that counts them."""
    e = parse(env)
    assert isinstance(e, TaskReminded)
    if e.approver_id is None:
        return
    day = clock.local_date(env.time)
    notify(uow, e.approver_id, "task_reminded", f"reminded:{day}", {"days": e.waiting_working_days},
           "/persetujuan", configured, group=True)


def escalated(uow, env, configured) -> None:
    """The new decider is told the work is now theirs; the one it was taken from, that
    it went up. Grouped per day, like reminders."""
    e = parse(env)
    assert isinstance(e, TaskEscalated)
    day = clock.local_date(env.time)
    params = {"days": e.waiting_working_days}
    if e.escalated_to is not None:
        notify(uow, e.escalated_to, "task_escalated", f"escalated_to:{day}",
               {**params, "variant": "to_you"}, "/persetujuan", configured, group=True)
    if e.approver_id is not None and e.approver_id != e.escalated_to:
        notify(uow, e.approver_id, "task_escalated", f"escalated_from:{day}",
               {**params, "variant": "from_you"}, "/persetujuan", configured, group=True)


def grace_window(uow, env, configured, members: list[int]) -> None:
    """Everyone of the agency: their input is open again."""
    e = parse(env)
    assert isinstance(e, GraceWindowOpened)
    params = {"month": e.period, "until": e.until.isoformat(), "reason": e.reason}
    for person in members:
        notify(uow, person, "grace_window_opened", f"grace:{e.agency_id}:{e.period}:{e.until}",
               params, "/laporan/baru", configured)


PAY_STEPS = {"performance": "kinerja", "discipline": "disiplin", "fixed": "bagian tetap",
             "budget": "realisasi anggaran", "exclusion": "tidak dibayar", "cpns": "faktor CPNS",
             "tax": "pajak", "insurance": "iuran BPJS"}


def pay_objection_decided(uow, env, configured) -> None:
    """The review team's word on an objection to a pay line, with its reason."""
    e = parse(env)
    assert isinstance(e, PayObjectionDecided)
    params = {"month": e.period, "step": PAY_STEPS[e.step], "reason": e.reason,
              "version": e.correction_version}
    notify(uow, e.employee_id, "pay_objection_upheld" if e.upheld else "pay_objection_dismissed",
           f"pay-objection:{e.objection_id}", params, f"/rekap?periode={e.period}", configured)


def integrity_flagged(uow, env, configured) -> None:
    """A flag on a report reaches whoever decides it (both approvers, when one photo is on
    two employees' reports): once per report and signal, never to the employee."""
    e = parse(env)
    assert isinstance(e, IntegrityFlagged)
    if e.report_id is None or e.approver_id is None or e.approver_id == e.employee_id:
        return  # a month's pattern waits on the review team's desk
    notify(uow, e.approver_id, "integrity_flagged", f"integrity:{e.report_id}:{e.signal}",
           {"month": e.period, "reason": e.reason}, "/persetujuan", configured)


def grace_window_revoked(uow, env, configured, members: list[int]) -> None:
    e = parse(env)
    assert isinstance(e, GraceWindowRevoked)
    for person in members:
        notify(uow, person, "grace_window_revoked", f"grace-revoked:{e.window_id}",
               {"month": e.period, "reason": e.reason}, "/laporan/baru", configured)


def pay_line(uow, env, configured) -> None:
    """A closed month's line is the person's slip; a later version is a correction."""
    e = parse(env)
    assert isinstance(e, PayrollLine)
    params = {"month": e.period, "gross": e.gross, "net": e.net,
              "variant": "corrected" if e.snapshot_version > 1 else None}
    notify(uow, e.employee_id, "tpp_slip_ready", f"slip:{e.period}:{e.snapshot_version}", params,
           f"/rekap?periode={e.period}", configured)

