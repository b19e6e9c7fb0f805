"""MonitoringService with worker_factory: the read model from events, and the pages'
figures and scopes."""

import pytest
from nameko.testing.services import worker_factory

from ekinerja_contract import events
from ekinerja_contract.errors import Forbidden
from services.monitoring.models import Base
from services.monitoring.service import MonitoringService
from tests.support.clock import city, frozen
from tests.support.factories import rule_set_published, submitted_data
from tests.support.stores import sqlite_store

CITY_ADMIN = {"account_id": 90, "employee_id": None, "agency_id": None, "roles": ["city_admin"]}
HEAD = {"account_id": 1, "employee_id": 1, "agency_id": 1, "roles": ["employee", "supervisor"]}
SARI = {"account_id": 2, "employee_id": 2, "agency_id": 1, "roles": ["employee"]}
OTHER_ADMIN = {"account_id": 91, "employee_id": 30, "agency_id": 2, "roles": ["agency_admin"]}


def ev(type_, at, **data):
    """An event as its publisher sends it, stamped at a city-local instant."""
    source = events.REGISTRY[type_].source
    with frozen(at):
        return events.build(type_, data, source).model_dump(mode="json")


def placed(employee_id, superior, agency=1, unit=10, job_class=7, at=city(2026, 11, 1)):
    return ev("org.placement_changed", at, employee_id=employee_id, nip=f"1990{employee_id:014d}",
              name=f"Pegawai {employee_id}", status="PNS", agency_id=agency, position_id=employee_id,
              position_code=f"P{employee_id}", job_class=job_class, kind="definitive",
              start_date="2026-01-01", end_date=None, superior_employee_id=superior,
              agency_code=f"OPD{agency}", agency_name=f"Dinas {agency}", unit_id=unit,
              unit_name=f"Bidang {unit}", position_name="Analis",
              superior_position_id=superior)  # each holds the position of their own id


@pytest.fixture
def service(tmp_path):
    svc = worker_factory(MonitoringService, db=sqlite_store(Base.metadata, "monitoring", tmp_path / "m.db"))
    # agency 1: head 1; 2 and 3 under 1 (unit 10), 4 under 1 (unit 11); agency 2: 30 heads 31
    for e in (placed(1, None, job_class=12), placed(2, 1), placed(3, 1), placed(4, 1, unit=11),
              placed(30, None, agency=2, unit=20, job_class=12), placed(31, 30, agency=2, unit=20)):
        svc.on_placement_changed(e)
    return svc


def submit(svc, report_id, employee_id, date, at):
    svc.on_report_submitted(ev("report.submitted", at, **submitted_data(
        report_id=report_id, employee_id=employee_id, date=date, agency_id=1)))
    svc.on_task_created(ev("approval.task_created", at, task_id=report_id, report_id=report_id,
                           employee_id=employee_id, approver_id=1))


def decide(svc, report_id, employee_id, at, kind="approval.approved", **extra):
    data = dict(task_id=report_id, report_id=report_id, employee_id=employee_id, agency_id=1,
                decided_by=1, date="2026-12-01")
    if kind == "approval.approved":
        data.update(activity_code="SURAT", minutes=60, counted_minutes=60, points="5.00", rupiah=7500)
        handler = svc.on_approved
    else:
        data.update(reason="kurang jelas")
        handler = svc.on_rejected if kind == "approval.rejected" else svc.on_revision_requested
    handler(ev(kind, at, **data))


def page(svc, actor=CITY_ADMIN, audience="city", **kw):
    with frozen(city(2026, 12, 4, 15)):  # a Friday afternoon
        return svc.dashboard(actor, audience, "2026-12", **kw)


def listed(svc, actor, audience, criterion="all", **kw):
    with frozen(city(2026, 12, 4, 15)):
        return svc.people(actor, audience, "2026-12", criterion, **kw)["people"]


def test_compliance_counts_working_days_with_a_live_report(service):
    # December 2026 to Friday the 4th: four working days (1-4)
    submit(service, 1, 2, "2026-12-01", city(2026, 12, 1, 16))
    submit(service, 2, 2, "2026-12-01", city(2026, 12, 1, 17))  # the same day again
    submit(service, 3, 2, "2026-12-02", city(2026, 12, 2, 16))
    submit(service, 4, 3, "2026-12-03", city(2026, 12, 3, 16))
    service.on_report_withdrawn(ev("report.withdrawn", city(2026, 12, 3, 17), report_id=4,
                                   employee_id=3, previous_state="submitted"))
    body = page(service, HEAD, "agency", agency_id=1)
    c = body["compliance"]
    assert c["working_days"] == 4 and c["people"] == 4 and c["nothing_filed"] == 3
    unit10 = next(g for g in c["groups"] if g["id"] == 10)
    assert (unit10["filled"], unit10["possible"], str(unit10["share"])) == (2, 12, "0.1667")
    nobody = listed(service, HEAD, "agency", "nothing_filed", agency_id=1)
    assert sorted(p["employee_id"] for p in nobody) == [1, 3, 4]


def test_weekends_holidays_and_days_to_come_are_no_working_days_filled(service):
    service.on_rule_set_published(rule_set_published(holidays=["2026-12-02"]))
    for n, day in enumerate(("2026-12-01", "2026-12-02", "2026-12-05", "2026-12-07"), 1):
        submit(service, n, 2, day, city(2026, 12, 4, 8))  # Tue, a holiday, a Saturday, next week
    [sari] = [p for p in listed(service, HEAD, "team") if p["employee_id"] == 2]
    assert (sari["days_filled"], sari["working_days"]) == (1, 3)  # 1, 3 and 4 December
    assert page(service, HEAD, "team")["compliance"]["working_days"] == 3


def test_a_redelivered_event_changes_no_figure(service):
    body = ev("report.submitted", city(2026, 12, 1, 16), **submitted_data(
        report_id=1, employee_id=2, date="2026-12-01"))
    for _ in range(3):
        service.on_report_submitted(body)
    assert page(service)["compliance"]["groups"][0]["filled"] in (0, 1)
    agency1 = next(g for g in page(service)["compliance"]["groups"] if g["id"] == 1)
    assert agency1["filled"] == 1


def test_approval_debt_names_the_approver_the_oldest_and_the_time_to_decide(service):
    submit(service, 1, 2, "2026-12-01", city(2026, 12, 1, 8))
    submit(service, 2, 3, "2026-12-01", city(2026, 12, 1, 9))
    submit(service, 3, 4, "2026-12-02", city(2026, 12, 2, 9))
    decide(service, 1, 2, city(2026, 12, 1, 10))  # 2 hours
    decide(service, 2, 3, city(2026, 12, 2, 9), "approval.rejected")  # 24 hours
    service.on_task_escalated(ev("approval.task_escalated", city(2026, 12, 4, 9), task_id=3,
                                 report_id=3, employee_id=4, approver_id=1, escalated_to=None,
                                 waiting_working_days=3))
    debt = page(service)["approval_debt"]
    [row] = debt["approvers"]
    assert (row["approver_id"], row["pending"], row["decided"], row["escalated"]) == (1, 1, 2, 1)
    assert row["oldest_days"] == 2
    assert row["median_hours"] > 1 and row["median_hours"] <= 24 and row["p90_hours"] <= 24
    [agency] = page(service)["approval_debt"]["agencies"]  # the city's page: per agency too
    assert (agency["agency_id"], agency["pending"], agency["oldest_days"]) == (1, 1, 2)
    assert page(service)["blocked"] == [] and page(service)["month_open"]  # waiting, not blocked yet
    with frozen(city(2027, 1, 5, 9)):  # the month is over and not closed: its pay is held up
        blocked = service.dashboard(CITY_ADMIN, "city", "2026-12")["blocked"]
    assert blocked[0]["agency_id"] == 1 and blocked[0]["by"][0]["approver_id"] == 1
    service.on_period_closed(ev("payroll.period_closed", city(2027, 1, 6), period="2026-12",
                                agency_id=1, snapshot_version=1, employees=4))
    with frozen(city(2027, 1, 6, 9)):
        assert service.dashboard(CITY_ADMIN, "city", "2026-12")["blocked"] == []


def test_a_decision_overtaking_its_task_leaves_nothing_pending(service):
    decide(service, 7, 2, city(2026, 12, 1, 10))
    service.on_task_created(ev("approval.task_created", city(2026, 12, 1, 9), task_id=7,
                               report_id=7, employee_id=2, approver_id=1))
    assert page(service)["approval_debt"]["pending"] == 0


def test_a_resubmission_waits_again(service):
    submit(service, 1, 2, "2026-12-01", city(2026, 12, 1, 8))
    decide(service, 1, 2, city(2026, 12, 1, 10), "approval.revision_requested")
    service.on_task_created(ev("approval.task_created", city(2026, 12, 2, 8), task_id=1,
                               report_id=1, employee_id=2, approver_id=1))
    assert page(service)["approval_debt"]["pending"] == 1


def test_cost_sets_closed_months_against_the_budget(service):
    for period, gross in (("2026-11", 3_000_000), ("2026-12", 3_500_000)):
        for employee in (2, 3):
            service.on_payroll_line(ev(
                "payroll.line", city(2026, 12, 4, 10), period=period, snapshot_version=1,
                employee_id=employee, nip="x", name="x", agency_id=1, job_class=7, ceiling=3_900_000,
                performance="0.9", discipline="1", gross=gross, cpns_factor="1", tax=0,
                insurance=0, net=gross - 100_000, rule_sets=["default"]))
    service.on_budget_set(ev("payroll.budget_set", city(2026, 1, 5), agency_id=1, year=2026,
                             ceiling=120_000_000, set_by=90))
    cost = page(service, HEAD, "agency", agency_id=1)["cost"]
    assert cost["gross"] == 7_000_000 and cost["monthly_ceiling"] == 10_000_000
    assert str(cost["share"]) == "0.7000" and cost["year_to_date"] == 13_000_000
    assert [m["period"] for m in cost["trend"]][-2:] == ["2026-11", "2026-12"]
    assert len(cost["trend"]) == 12
    # a correction after the close: version 2 of one line replaces it, and only it
    service.on_payroll_line(ev(
        "payroll.line", city(2026, 12, 4, 11), period="2026-12", snapshot_version=2,
        employee_id=2, nip="x", name="x", agency_id=1, job_class=7, ceiling=3_900_000,
        performance="1", discipline="1", gross=3_900_000, cpns_factor="1", tax=0,
        insurance=0, net=3_800_000, rule_sets=["default"], difference=400_000))
    cost = page(service, HEAD, "agency", agency_id=1)["cost"]
    assert (cost["gross"], cost["trend"][-1]["people"]) == (7_400_000, 2)
    # the people behind the month's TPP, with theirs; a team's page shows nobody's pay
    paid = {p["employee_id"]: p["tpp_gross"] for p in listed(service, HEAD, "agency", "paid")}
    assert paid == {2: 3_900_000, 3: 3_500_000}
    assert all(p["tpp_gross"] is None for p in listed(service, HEAD, "team"))


def test_the_predikat_curve_is_held_to_the_organisations_pattern(service):
    for employee, p in ((2, "Baik"), (3, "Baik"), (4, "Baik")):
        service.on_predikat_set(ev("appraisal.predikat_set", city(2026, 12, 1), employee_id=employee,
                                   agency_id=1, year=2026, predikat=p, appraiser_id=1))
    service.on_organisation_predikat_set(ev("appraisal.organisation_predikat_set", city(2026, 12, 1),
                                            agency_id=1, year=2026, predikat="Baik", set_by=90))
    curve = page(service)["predikat"]
    agency1 = next(a for a in curve["agencies"] if a["agency_id"] == 1)
    assert agency1["counts"]["Baik"] == 3 and agency1["organisation"] == "Baik"
    assert {d["rule"] for d in agency1["deviations"]} == {"max", "min_count"}
    # the appraiser changes one: it moves, it is not counted twice
    service.on_predikat_set(ev("appraisal.predikat_set", city(2026, 12, 2), employee_id=4,
                               agency_id=1, year=2026, predikat="Butuh Perbaikan", appraiser_id=1))
    agency1 = next(a for a in page(service)["predikat"]["agencies"] if a["agency_id"] == 1)
    assert (agency1["counts"]["Baik"], agency1["counts"]["Butuh Perbaikan"]) == (2, 1)
    assert agency1["deviations"] == []  # 67% Baik, someone below Baik
    # and the count links to its people
    assert [p["employee_id"] for p in listed(service, CITY_ADMIN, "city", "predikat",
                                             predikat="Butuh Perbaikan")] == [4]
    # a unit's curve counts its own people
    unit = page(service, CITY_ADMIN, "agency", agency_id=1, unit_id=11)["predikat"]
    assert unit["counts"]["Butuh Perbaikan"] == 1 and unit["counts"]["Baik"] == 0


def test_fairness_compares_with_peers_of_the_same_job_class(service):
    # approver 1 (class 12) approves all 12; approver 30 (class 12) rejects half of 12
    for n in range(12):
        submit(service, 100 + n, 2, "2026-12-01", city(2026, 12, 1, 8))
        decide(service, 100 + n, 2, city(2026, 12, 1, 9))
    for n in range(12):
        service.on_task_created(ev("approval.task_created", city(2026, 12, 1, 8), task_id=200 + n,
                                   report_id=200 + n, employee_id=31, approver_id=30))
        kind = "approval.approved" if n % 2 else "approval.rejected"
        data = dict(task_id=200 + n, report_id=200 + n, employee_id=31, agency_id=2, decided_by=30,
                    date="2026-12-01")
        data.update(dict(activity_code="SURAT", minutes=60, counted_minutes=60, points="5.00",
                         rupiah=7500) if n % 2 else dict(reason="tidak sesuai"))
        (service.on_approved if n % 2 else service.on_rejected)(ev(kind, city(2026, 12, 1, 9), **data))
    rows = {r["approver_id"]: r for r in page(service)["fairness"]["appraisers"]}
    # an appraiser's row links to the team they appraise
    assert [p["employee_id"] for p in listed(service, CITY_ADMIN, "city", "team_of",
                                             approver_id=30)] == [31]
    assert rows[1]["approval"]["value"] == 1.0 and rows[1]["approval"]["peers"] == 0.5
    assert rows[1]["approval"]["verdict"] == "above"
    assert rows[1]["points_per_subordinate"]["value"] == 20.0  # 60 points, 3 subordinates
    assert rows[1]["points_per_subordinate"]["verdict"] == "no_peers" or \
        rows[1]["points_per_subordinate"]["verdict"] == "few"


def test_each_page_has_its_audience(service):
    with pytest.raises(Forbidden):
        page(service, HEAD, "city")
    with pytest.raises(Forbidden):
        page(service, SARI, "agency", agency_id=1)
    with pytest.raises(Forbidden):
        page(service, OTHER_ADMIN, "agency", agency_id=1)
    assert page(service, OTHER_ADMIN, "agency")["agency_id"] == 2
    team = page(service, HEAD, "team")
    assert team["compliance"]["people"] == 3 and team["cost"] is None
    with pytest.raises(Forbidden):  # someone with no subordinates has no team page
        page(service, SARI, "team")


def test_a_late_older_placement_does_not_move_a_person_back(service):
    older = placed(2, 1, unit=99)
    older["data"]["start_date"] = "2025-01-01"
    service.on_placement_changed(older)
    people = listed(service, HEAD, "team")
    assert next(p for p in people if p["employee_id"] == 2)["unit"] == "Bidang 10"


# --- events out of order, and a chart that changes ------------------------------------------

def test_a_resubmission_on_another_day_moves_the_filled_day(service):
    submit(service, 1, 2, "2026-12-01", city(2026, 12, 1, 16))
    service.on_report_resubmitted(ev("report.resubmitted", city(2026, 12, 3, 9), **submitted_data(
        report_id=1, employee_id=2, date="2026-12-03")))
    service.on_report_resubmitted(ev("report.resubmitted", city(2026, 12, 2, 9), **submitted_data(
        report_id=1, employee_id=2, date="2026-12-02")))  # an older version, heard last
    [sari] = [p for p in listed(service, HEAD, "team") if p["employee_id"] == 2]
    assert sari["days_filled"] == 1
    assert sorted(p["employee_id"] for p in listed(service, HEAD, "team", "nothing_filed")) == [3, 4]


def test_a_withdrawal_heard_before_its_submission_counts_nothing(service):
    service.on_report_withdrawn(ev("report.withdrawn", city(2026, 12, 1, 17), report_id=9,
                                   employee_id=2, previous_state="submitted"))
    submit(service, 9, 2, "2026-12-01", city(2026, 12, 1, 16))
    [sari] = [p for p in listed(service, HEAD, "team") if p["employee_id"] == 2]
    assert sari["days_filled"] == 0


def test_a_decision_heard_before_its_task_still_counts_its_time(service):
    decide(service, 5, 2, city(2026, 12, 1, 13))  # decided at 13:00
    service.on_task_created(ev("approval.task_created", city(2026, 12, 1, 9), task_id=5,
                               report_id=5, employee_id=2, approver_id=1))  # opened at 09:00
    [row] = page(service)["approval_debt"]["approvers"]
    assert row["pending"] == 0 and row["decided"] == 1 and 2 < row["median_hours"] <= 4


def test_a_round_opened_before_the_last_decision_is_heard_gives_no_negative_time(service):
    submit(service, 1, 2, "2026-12-01", city(2026, 12, 1, 8))
    service.on_task_created(ev("approval.task_created", city(2026, 12, 2, 8), task_id=1,
                               report_id=1, employee_id=2, approver_id=1))  # round 2
    decide(service, 1, 2, city(2026, 12, 1, 10), "approval.revision_requested")  # round 1's
    [row] = page(service)["approval_debt"]["approvers"]
    assert row["pending"] == 1 and row["decided"] == 1
    assert row["latency"][0] == 0  # not counted as "within the hour" from round 2's start


def test_escalations_and_reroutes_heard_first_are_not_lost(service):
    service.on_task_escalated(ev("approval.task_escalated", city(2026, 12, 4, 9), task_id=3,
                                 report_id=3, employee_id=4, approver_id=1, escalated_to=None,
                                 waiting_working_days=3))
    service.on_task_rerouted(ev("approval.task_rerouted", city(2026, 12, 2, 9), task_id=3,
                                report_id=3, employee_id=4, approver_id=30,
                                previous_approver_id=1))
    submit(service, 3, 4, "2026-12-01", city(2026, 12, 1, 9))  # the task, opened before both
    debt = page(service)["approval_debt"]
    assert {r["approver_id"]: r["pending"] for r in debt["approvers"]}.get(30) == 1
    assert next(r for r in debt["approvers"] if r["approver_id"] == 1)["escalated"] == 1


def test_an_older_budget_heard_last_does_not_win(service):
    for at, ceiling in ((city(2026, 2, 1), 240_000_000), (city(2026, 1, 5), 120_000_000)):
        service.on_budget_set(ev("payroll.budget_set", at, agency_id=1, year=2026,
                                 ceiling=ceiling, set_by=90))
    assert page(service, HEAD, "agency", agency_id=1)["cost"]["annual_ceiling"] == 240_000_000


def test_a_new_head_of_a_team_takes_it_over_and_the_old_one_loses_it(service):
    # 1 moves to agency 2's top post (position 40); 50 becomes head of position 1
    moved = placed(1, None, agency=2, unit=20, job_class=12, at=city(2026, 11, 2))
    moved["data"].update(position_id=40, start_date="2026-11-02")
    service.on_placement_changed(moved)
    new_head = placed(50, None, job_class=12, at=city(2026, 11, 3))
    new_head["data"].update(position_id=1, start_date="2026-11-03")
    service.on_placement_changed(new_head)
    new = {"account_id": 50, "employee_id": 50, "agency_id": 1, "roles": ["employee", "supervisor"]}
    assert page(service, new, "team")["compliance"]["people"] == 3
    with pytest.raises(Forbidden):
        page(service, HEAD, "team")  # 1 leads nobody in position 40
    assert page(service, new, "agency")["agency_id"] == 1  # the top of agency 1 now


def test_an_acting_head_sees_the_agency(service):
    plt = placed(60, None, job_class=12)
    plt["data"].update(kind="plt", position_id=1, start_date="2026-12-01", end_date="2026-12-31")
    service.on_placement_changed(plt)
    acting = {"account_id": 60, "employee_id": 60, "agency_id": 1, "roles": ["employee"]}
    assert page(service, acting, "agency")["agency_id"] == 1


def test_the_month_counts_the_people_placed_in_it_from_their_first_day(service):
    late = placed(5, 1, at=city(2026, 12, 3))
    late["data"]["start_date"] = "2026-12-03"
    service.on_placement_changed(late)
    gone = placed(6, 1)
    gone["data"]["end_date"] = "2026-11-30"
    service.on_placement_changed(gone)
    submit(service, 1, 5, "2026-12-01", city(2026, 12, 1, 9))  # before they were placed here
    people = {p["employee_id"]: p for p in listed(service, HEAD, "team")}
    assert 6 not in people
    assert (people[5]["days_filled"], people[5]["working_days"]) == (0, 2)  # 3 and 4 December


def test_nobody_has_filed_nothing_in_a_month_with_no_working_day_yet(service):
    with frozen(city(2026, 12, 4)):
        body = service.dashboard(CITY_ADMIN, "city", "2027-01")
    assert body["compliance"]["nothing_filed"] == 0 and body["compliance"]["working_days"] == 0


def test_for_the_notifications_who_has_days_unreported_whose_work_waits_and_who_is_in_an_agency(service):
    submit(service, 1, 2, "2026-12-01", city(2026, 12, 1, 16))
    submit(service, 2, 2, "2026-12-02", city(2026, 12, 2, 16))
    submit(service, 3, 3, "2026-12-02", city(2026, 12, 2, 17))
    with frozen(city(2026, 12, 4, 15)):  # Friday: four working days so far
        missing = {r["employee_id"]: r["missing"] for r in service.unreported("2026-12")}
        waiting = service.waiting_by_approver()
        members = service.members(1)
    assert missing[2] == 2 and missing[3] == 3 and missing[30] == 4
    assert waiting == [{"approver_id": 1, "count": 3, "oldest": "2026-12-01T08:00:00+00:00"}]
    assert members == [1, 2, 3, 4]
