"""ApprovalService entrypoints with nameko's worker_factory, a SQLite store and a
controllable clock: routing, decisions, points, escalation, disputes, audit."""
import datetime as dt

import pytest
from nameko.testing.services import worker_factory

from ekinerja_contract import events
from ekinerja_contract.errors import Conflict, Forbidden, NotFound
from ekinerja_contract.services import Reporting
from services.approval.models import Base
from services.approval.service import ApprovalService
from services.approval.settings import Settings
from tests.support.clock import frozen
from tests.support.factories import (
    report_resubmitted,
    report_submitted,
    rule_set_published,
    submitted_data,
)
from tests.support.rpc import local
from tests.support.stores import outbox_types, sqlite_store

HEAD = {"account_id": 1, "employee_id": 1, "agency_id": 1, "roles": ["employee", "supervisor"]}
STAFF = {"account_id": 2, "employee_id": 2, "agency_id": 1, "roles": ["employee"]}
BOSS = {"account_id": 9, "employee_id": 9, "agency_id": 1, "roles": ["employee", "supervisor"]}
REVIEWER = {"account_id": 7, "employee_id": 7, "agency_id": 1, "roles": ["employee", "review_team"]}
TODAY = dt.date(2026, 11, 20)


class FakeReporting:
    superiors = {1: 9, 2: 1}

    def __init__(self):
        self.departed: set[int] = set()

    def superior_of(self, employee_id, on=None):
        if employee_id in self.departed:  # as reporting answers for someone with no position
            raise NotFound(f"employee {employee_id} holds no position", code="no_position")
        sup = self.superiors.get(employee_id)
        return sup and {"employee_id": sup}

    def approver_of(self, employee_id, on=None):
        sup = self.superior_of(employee_id, on)
        return sup and sup["employee_id"]


def settings(**cfg):
    s = Settings().load(cfg)
    s.today = lambda: TODAY
    return s


@pytest.fixture
def service(tmp_path):
    store = sqlite_store(Base.metadata, "approval", tmp_path / "approval.db")
    return worker_factory(ApprovalService, db=store, settings=settings(),
                          reporting=local(Reporting, FakeReporting()))


def submitted_at(report_id, when: dt.datetime, **over):
    env = events.build("report.submitted", submitted_data(report_id=report_id, **over), "reporting")
    return env.model_copy(update={"time": when}).model_dump(mode="json")


def task_of(service, report_id, actor=HEAD):
    return next(t for t in service.inbox(actor)["tasks"] if t["report_id"] == report_id)


def test_the_inbox_comes_a_page_at_a_time_oldest_first_with_the_total(service):
    start = dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC)
    for n in range(7):  # submitted in reverse order of report id: the oldest comes first
        service.on_report_submitted(submitted_at(100 - n, start + dt.timedelta(minutes=n)))
    first = service.inbox(HEAD, "pending", 3, 0)
    rest = service.inbox(HEAD, "pending", 3, 3)["tasks"] + \
        service.inbox(HEAD, "pending", 3, 6)["tasks"]
    assert first["total"] == 7
    assert [t["report_id"] for t in first["tasks"] + rest] == [100, 99, 98, 97, 96, 95, 94]
    assert service.inbox(STAFF)["total"] == 0


def test_a_submitted_report_becomes_one_task_for_the_superior(service):
    body = report_submitted(1)
    service.on_report_submitted(body)
    service.on_report_submitted(body)
    assert [(t["report_id"], t["state"]) for t in service.inbox(HEAD)["tasks"]] == [(1, "pending")]
    assert service.inbox(STAFF)["tasks"] == []


def test_approving_emits_the_decision_and_the_approver_credit(service):
    service.on_report_submitted(report_submitted(1))
    result = service.decide(HEAD, task_of(service, 1)["id"], {"decision": "approve"})
    assert result["state"] == "approved"
    assert outbox_types(service.db)[-2:] == ["approval.approved", "approval.approver_credited"]


def test_a_stale_screen_cannot_decide_twice(service):
    service.on_report_submitted(report_submitted(1))
    task = task_of(service, 1)
    service.decide(HEAD, task["id"], {"decision": "reject", "reason": "bukti tidak jelas"})
    with pytest.raises(Conflict):
        service.decide(HEAD, task["id"], {"decision": "approve"})


def test_the_employee_cannot_decide_their_own_report(service):
    service.on_report_submitted(report_submitted(1))
    with pytest.raises(Forbidden):
        service.decide(STAFF, task_of(service, 1)["id"], {"decision": "approve"})


def test_approver_credit_is_capped_per_day_and_paid_once_per_decision(service):
    service.on_rule_set_published(rule_set_published(approver_daily_points_cap="3"))
    for report_id in (1, 2, 3):
        service.on_report_submitted(report_submitted(report_id))
    results = service.decide_many(HEAD, {"task_ids": [t["id"] for t in service.inbox(HEAD)["tasks"]]})
    assert [r["state"] for r in results] == ["approved"] * 3
    assert outbox_types(service.db).count("approval.approver_credited") == 2  # 2 + 1, cap 3


def test_a_bulk_approval_counts_the_credit_earned_earlier_that_day(service):
    service.on_rule_set_published(rule_set_published(approver_daily_points_cap="5"))
    for report_id in (1, 2, 3, 4):
        service.on_report_submitted(report_submitted(report_id))
    service.decide(HEAD, task_of(service, 1)["id"], {"decision": "approve"})  # 2 points
    rest = [t["id"] for t in service.inbox(HEAD)["tasks"]]
    assert len(rest) == 3
    results = service.decide_many(HEAD, {"task_ids": rest + rest[:1]})  # one sent twice
    assert [r.get("state") for r in results[:3]] == ["approved"] * 3
    assert results[3]["error"] == "Conflict"  # decided a moment ago, in the same request
    from sqlalchemy import select
    with service.db.session() as s:
        t = service.db._outbox
        credits = [r.envelope["data"]["points"] for r in s.execute(
            select(t.c.envelope).where(t.c.event_type == "approval.approver_credited")
            .order_by(t.c.created_at))]
    assert [float(p) for p in credits] == [2, 2, 1]  # 2 + 2 + 1: the cap of 5 reached


def test_bulk_approve_reports_each_task_on_its_own(service):
    service.on_report_submitted(report_submitted(1))
    service.on_report_submitted(report_submitted(2, employee_id=1, approver_id=9))
    mine = task_of(service, 1)["id"]
    other = task_of(service, 2, BOSS)["id"]
    results = service.decide_many(HEAD, {"task_ids": [mine, other, 999]})
    assert results[0]["state"] == "approved"
    assert results[1]["error"] == "Forbidden" and results[2]["error"] == "NotFound"


def test_a_registered_delegate_decides_while_the_approver_is_away(service):
    service.on_report_submitted(report_submitted(1))
    deputy = {"account_id": 5, "employee_id": 5, "agency_id": 1, "roles": ["employee"]}
    assert service.inbox(deputy)["tasks"] == []
    service.delegate(HEAD, {"delegate_id": 5, "start_date": "2026-11-19", "end_date": "2026-11-21"})
    task = task_of(service, 1, deputy)
    assert service.decide(deputy, task["id"], {"decision": "approve"})["decided_by"] == 5


def test_revision_then_resubmission_reopens_the_same_task(service):
    service.on_report_submitted(report_submitted(1))
    task = task_of(service, 1)
    service.decide(HEAD, task["id"], {"decision": "request_revision", "reason": "foto kurang"})
    resub = events.build("report.resubmitted", submitted_data(report_id=1, description="revisi"),
                         "reporting").model_dump(mode="json")
    service.on_report_resubmitted(resub)
    service.on_report_resubmitted(resub)
    again = task_of(service, 1)
    assert (again["id"], again["round"], again["report"]["description"]) == (task["id"], 2, "revisi")


def test_withdrawal_cancels_and_a_decided_task_refuses_it(service):
    service.on_report_submitted(report_submitted(1))
    service.on_report_submitted(report_submitted(2))
    assert service.cancel_task(1)["state"] == "cancelled"
    assert service.cancel_task(1)["state"] == "cancelled"  # idempotent
    service.decide(HEAD, task_of(service, 2)["id"], {"decision": "approve"})
    with pytest.raises(Conflict):
        service.cancel_task(2)


def test_a_withdrawal_that_overtakes_the_submission_leaves_no_pending_task(service):
    service.on_report_withdrawn(events.build("report.withdrawn", dict(
        report_id=7, employee_id=2, previous_state="submitted"), "reporting").model_dump(mode="json"))
    service.on_report_submitted(report_submitted(7))
    assert service.inbox(HEAD)["tasks"] == []


def test_a_placement_change_reroutes_pending_tasks(service):
    service.on_report_submitted(report_submitted(1))
    service.reporting.fake.superiors = {2: 4}
    placed = events.build("org.placement_changed", dict(
        employee_id=4, nip="1" * 18, name="Plh", status="PNS", agency_id=1, position_id=1,
        position_code="KADIS", job_class=14, kind="plh", start_date="2026-11-01",
        end_date="2026-11-30"), "reporting").model_dump(mode="json")
    service.on_placement_changed(placed)
    assert service.inbox(HEAD)["tasks"] == []
    assert task_of(service, 1, {**HEAD, "employee_id": 4})["approver_id"] == 4
    service.reporting.fake.superiors = FakeReporting.superiors


def test_a_placement_change_reroutes_the_others_when_one_employee_has_left(service):
    service.on_report_submitted(report_submitted(1))  # employee 2, approver 1
    service.on_report_submitted(report_submitted(2, employee_id=3, approver_id=1))
    service.reporting.fake.superiors = {2: 4, 3: 4}
    service.reporting.fake.departed = {3}  # reporting answers NotFound for him, across the hop
    placed = events.build("org.placement_changed", dict(
        employee_id=4, nip="1" * 18, name="Plh", status="PNS", agency_id=1, position_id=1,
        position_code="KADIS", job_class=14, kind="plh", start_date="2026-11-01",
        end_date="2026-11-30"), "reporting").model_dump(mode="json")
    service.on_placement_changed(placed)  # no exception: the event is not dead-lettered
    assert task_of(service, 1, {**HEAD, "employee_id": 4})["approver_id"] == 4
    assert task_of(service, 2)["approver_id"] == 1  # left as it was
    service.reporting.fake.superiors = FakeReporting.superiors


def test_an_escalation_run_carries_on_past_an_approver_who_has_left(service):
    friday = dt.datetime(2026, 11, 13, 2, tzinfo=dt.UTC)
    service.on_report_submitted(submitted_at(1, friday, employee_id=5, approver_id=6))
    service.on_report_submitted(submitted_at(2, friday))  # employee 2, approver 1
    service.reporting.fake.departed = {6}
    assert run_due_at(service, "2026-11-20T10:00:00+00:00") == {"reminded": 1, "escalated": 1}
    assert task_of(service, 2, BOSS)["escalated_to"] == 9
    service.reporting.fake.departed = set()  # reporting knows him again: the next run escalates
    service.reporting.fake.superiors = {**FakeReporting.superiors, 6: 9}
    assert run_due_at(service, "2026-11-20T11:00:00+00:00") == {"reminded": 0, "escalated": 1}
    service.reporting.fake.superiors = FakeReporting.superiors


def run_due_at(service, instant):
    """The deadline timer's work, with the city's clock at `instant`."""
    with frozen(instant):
        return service.run_due()


def test_reminder_after_three_working_days_escalation_after_five(service):
    friday = dt.datetime(2026, 11, 13, 2, tzinfo=dt.UTC)
    service.on_report_submitted(submitted_at(1, friday))
    assert run_due_at(service, "2026-11-17T10:00:00+00:00") == {"reminded": 0, "escalated": 0}
    assert run_due_at(service, "2026-11-18T10:00:00+00:00") == {"reminded": 1, "escalated": 0}
    assert run_due_at(service, "2026-11-19T10:00:00+00:00") == {"reminded": 0, "escalated": 0}
    assert run_due_at(service, "2026-11-20T10:00:00+00:00") == {"reminded": 0, "escalated": 1}
    assert run_due_at(service, "2026-11-23T10:00:00+00:00") == {"reminded": 0, "escalated": 0}
    task = task_of(service, 1, BOSS)  # the superior's superior now sees it
    assert task["escalated_to"] == 9
    assert service.decide(BOSS, task["id"], {"decision": "approve"})["state"] == "approved"


def test_holidays_are_data_and_delay_the_escalation(service):
    friday = dt.datetime(2026, 11, 13, 2, tzinfo=dt.UTC)
    service.on_report_submitted(submitted_at(1, friday))
    # the holiday is in the city's rule set, the one calendar payroll uses too
    service.on_rule_set_published(rule_set_published(holidays=["2026-11-18"]))
    assert run_due_at(service, "2026-11-20T10:00:00+00:00") == {"reminded": 1, "escalated": 0}


def test_each_day_is_judged_by_the_calendar_in_force_on_it(service):
    """A wait across New Year: the old set's Christmas and the new set's New Year both count
    (the new set lists only its own year), as scoring counts a month's working days."""
    service.on_report_submitted(submitted_at(1, dt.datetime(2026, 12, 23, 2, tzinfo=dt.UTC)))
    service.on_rule_set_published(rule_set_published(1, "2026-01-01", holidays=["2026-12-25"]))
    service.on_rule_set_published(rule_set_published(2, "2027-01-01", holidays=["2027-01-01"],
                                                     escalate_after_days=6))
    # working days after Wed 23 Dec: 24, 28, 29, 30, 31 Dec, 4 Jan (25 Dec and 1 Jan off):
    # 5 by New Year's Day (6 if Christmas were judged by the 2027 set), 6 on 4 January
    assert run_due_at(service, "2027-01-01T10:00:00+00:00") == {"reminded": 1, "escalated": 0}
    assert run_due_at(service, "2027-01-04T10:00:00+00:00") == {"reminded": 0, "escalated": 1}


def test_an_agencys_rule_set_sets_its_own_reminder_days_and_objection_window(service):
    friday = dt.datetime(2026, 11, 13, 2, tzinfo=dt.UTC)
    service.on_report_submitted(submitted_at(1, friday))  # agency 1
    agency = rule_set_published(5, "2026-01-01", agency_id=1, remind_after_days=1,
                                escalate_after_days=2, objection_window_days=3)
    service.on_rule_set_published(agency)
    service.on_rule_set_published(agency)  # redelivered: nothing changes
    service.on_rule_set_published(rule_set_published(6, "2026-01-01", agency_id=2,
                                                     remind_after_days=20, escalate_after_days=30))
    assert run_due_at(service, "2026-11-17T10:00:00+00:00") == {"reminded": 0, "escalated": 1}


def rejected(service, report_id=1):
    service.on_report_submitted(report_submitted(report_id))
    task = task_of(service, report_id)
    service.decide(HEAD, task["id"], {"decision": "reject", "reason": "tidak sesuai SKP"})
    return task


def test_a_dispute_upheld_by_the_review_team_counts_the_report(service):
    task = rejected(service)
    service.file_dispute(STAFF, task["id"], {"reason": "laporan sesuai tupoksi dan ada buktinya"})
    (queued,) = service.disputes(REVIEWER)
    assert [h["action"] for h in queued["history"]][-2:] == ["reject", "dispute"]
    decided = service.decide_dispute(REVIEWER, queued["id"], {"decision": "uphold",
                                                               "reason": "bukti lengkap dan sah"})
    assert decided["state"] == "upheld"
    assert outbox_types(service.db)[-1] == "approval.dispute_upheld"
    with pytest.raises(Conflict):  # final
        service.decide_dispute(REVIEWER, queued["id"], {"decision": "dismiss",
                                                         "reason": "berubah pikiran saja"})


def test_the_original_approver_cannot_hear_the_dispute(service):
    task = rejected(service)
    dispute = service.file_dispute(STAFF, task["id"], {"reason": "penolakan tidak berdasar"})
    approver_on_team = {**HEAD, "roles": ["employee", "review_team"]}
    assert service.disputes(approver_on_team) == []
    with pytest.raises(Forbidden):
        service.decide_dispute(approver_on_team, dispute["id"], {"decision": "uphold",
                                                                 "reason": "saya setuju saja"})


def test_disputes_heard_by_the_superiors_superior_when_the_city_says_so(service):
    service.settings = settings(DISPUTE_HEARD_BY="superior")
    task = rejected(service)
    dispute = service.file_dispute(STAFF, task["id"], {"reason": "penolakan tidak berdasar"})
    with pytest.raises(Forbidden):
        service.decide_dispute(REVIEWER, dispute["id"], {"decision": "uphold", "reason": "x" * 10})
    assert service.decide_dispute(BOSS, dispute["id"], {"decision": "dismiss",
                                                        "reason": "penolakan sudah tepat"})["state"] == "dismissed"


def test_only_a_rejection_within_the_window_can_be_disputed_and_only_once(service):
    service.on_report_submitted(report_submitted(2))
    with pytest.raises(Conflict):
        service.file_dispute(STAFF, task_of(service, 2)["id"], {"reason": "belum diputus kok"})
    task = rejected(service)
    with pytest.raises(Forbidden):
        service.file_dispute(HEAD, task["id"], {"reason": "saya bukan pemiliknya"})
    service.file_dispute(STAFF, task["id"], {"reason": "penolakan tidak berdasar"})
    with pytest.raises(Conflict):
        service.file_dispute(STAFF, task["id"], {"reason": "penolakan tidak berdasar"})
    service.settings.today = lambda: TODAY + dt.timedelta(days=20)
    task3 = rejected(service, 3)
    service.settings.today = lambda: TODAY + dt.timedelta(days=40)
    with pytest.raises(Conflict, match="window"):
        service.file_dispute(STAFF, task3["id"], {"reason": "terlambat mengajukan keberatan"})


def test_audit_log_per_report_and_per_approver_with_origin(service):
    service.on_report_submitted(report_submitted(1))
    service.decide({**HEAD, "origin": "10.1.2.3"}, task_of(service, 1)["id"], {"decision": "approve"})
    log = service.audit(STAFF, 1)
    assert [(a["action"], a["before"], a["after"]) for a in log] == [
        ("open", None, "pending"), ("approve", "pending", "approved")]
    assert log[-1]["origin"] == "10.1.2.3"
    assert [a["report_id"] for a in service.audit(HEAD, None, 1)] == [1]
    with pytest.raises(Forbidden):
        service.audit(STAFF, None, 1)


def test_dashboards_show_who_waits_on_whom(service):
    monday = dt.datetime(2026, 11, 16, 2, tzinfo=dt.UTC)
    service.on_report_submitted(submitted_at(1, monday))
    service.on_report_submitted(report_submitted(2))
    service.on_report_submitted(report_submitted(3, employee_id=3, employee_name="Agus"))
    board = service.supervisor_dashboard(HEAD)
    assert {r["employee_id"]: r["pending"] for r in board} == {2: 2, 3: 1}
    assert board[0]["employee_id"] == 2 and board[0]["oldest_working_days"] >= 4
    admin = {"account_id": 50, "agency_id": 1, "roles": ["agency_admin"]}
    (row,) = service.agency_dashboard(admin)
    assert (row["approver_id"], row["pending"], row["waiting_employees"]) == (1, 3, [2, 3])
    with pytest.raises(Forbidden):
        service.agency_dashboard({**admin, "agency_id": 2}, 1)


def test_every_consumed_event_redelivered_changes_nothing(service):
    bodies = [report_submitted(1),
              events.build("report.resubmitted", submitted_data(report_id=1), "reporting")
              .model_dump(mode="json"),
              events.build("report.withdrawn", dict(report_id=1, employee_id=2,
                                                    previous_state="submitted"), "reporting")
              .model_dump(mode="json")]
    handlers = [service.on_report_submitted, service.on_report_resubmitted,
                service.on_report_withdrawn]
    for handler, body in zip(handlers, bodies, strict=False):
        handler(body)
    before = outbox_types(service.db)
    for handler, body in zip(handlers, bodies, strict=False):
        handler(body)
    assert outbox_types(service.db) == before


def test_the_review_team_revokes_an_unfounded_approval_after_audit(service):
    service.on_report_submitted(report_submitted(1))
    task = task_of(service, 1)
    service.decide(HEAD, task["id"], {"decision": "approve"})
    with pytest.raises(Forbidden):
        service.revoke({**HEAD, "roles": ["employee", "review_team"]}, task["id"],
                       "saya sendiri yang menyetujui")
    with pytest.raises(Forbidden):
        service.revoke(STAFF, task["id"], "bukan anggota tim penilai")
    assert service.revoke(REVIEWER, task["id"], "foto bukti dipakai ulang")["state"] == "revoked"
    assert outbox_types(service.db)[-1] == "approval.approval_revoked"
    with pytest.raises(Conflict):
        service.revoke(REVIEWER, task["id"], "foto bukti dipakai ulang")


def test_a_decision_on_a_version_the_report_has_left_is_refused_with_the_current_one(service):
    from ekinerja_contract.errors import StaleVersion
    service.on_report_submitted(report_submitted(1))
    task = task_of(service, 1, HEAD)
    service.decide(HEAD, task["id"], {"decision": "request_revision", "reason": "lengkapi",
                                      "version": task["round"]})
    service.on_report_resubmitted(report_resubmitted(1, description="surat, diperbaiki"))
    fresh = task_of(service, 1, HEAD)
    assert fresh["round"] == task["round"] + 1
    with pytest.raises(StaleVersion) as stale:  # the list was loaded before the resubmission
        service.decide(HEAD, task["id"], {"decision": "approve", "version": task["round"]})
    assert stale.value.params == {"state": "pending", "version": fresh["round"]}
    results = service.decide_many(HEAD, {"task_ids": [task["id"]],
                                         "versions": {task["id"]: task["round"]}})
    assert results[0]["code"] == "stale_version"
    assert service.decide(HEAD, task["id"], {"decision": "approve",
                                             "version": fresh["round"]})["state"] == "approved"


def test_every_action_on_a_task_is_chained_and_a_decision_changed_in_the_database_is_found(service):
    from sqlalchemy import text as sql
    for report_id in (1, 2, 3):
        service.on_report_submitted(report_submitted(report_id))
    service.decide(HEAD, task_of(service, 1)["id"], {"decision": "approve"})
    service.decide_many(HEAD, {"task_ids": [task_of(service, 2)["id"], task_of(service, 3)["id"]]})
    [chain] = service.verify_chains({"account_id": 99, "roles": ["city_admin"]})
    assert chain["ok"] and chain["rows"] >= 6  # three submissions, three approvals
    with service.db.unit_of_work() as uow:  # someone turns an approval into a rejection by hand
        uow.session.execute(sql("UPDATE audit_entry SET state_after = 'rejected' "
                                "WHERE action = 'approve' AND report_id = 2"))
    [chain] = service.verify_chains({"account_id": 7, "roles": ["review_team"]})
    assert not chain["ok"] and chain["first_broken"]["why"] == "content"
    with service.db.session() as s:
        from services.approval.models import AuditEntry
        changed = s.get(AuditEntry, chain["first_broken"]["row_id"])
    assert (changed.report_id, changed.state_after) == (2, "rejected")
    with pytest.raises(Exception) as err:
        service.verify_chains(HEAD)
    assert type(err.value).__name__ == "Forbidden"
