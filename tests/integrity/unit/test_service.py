"""IntegrityService with worker_factory on SQLite: events in (as their publishers build
them), flags out; who sees them; the review team's desk and its audited outcomes."""
import datetime as dt

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import select

from ekinerja_contract import events
from ekinerja_contract.errors import Conflict, Forbidden
from services.integrity.models import Base, Outcome, Signal
from services.integrity.service import IntegrityService
from tests.support.factories import placed
from tests.support.factories import report_submitted as submitted_now
from tests.support.stores import outbox_types, sqlite_store

APPROVER = {"account_id": 11, "employee_id": 1, "agency_id": 1, "roles": ["employee", "supervisor"]}
SARI = {"account_id": 12, "employee_id": 2, "agency_id": 1, "roles": ["employee"]}
BUDI = {"account_id": 13, "employee_id": 3, "agency_id": 1, "roles": ["employee"]}
REVIEWER = {"account_id": 19, "employee_id": 9, "agency_id": 1, "roles": ["employee", "review_team"]}
OTHER_REVIEWER = {"account_id": 29, "employee_id": 29, "agency_id": 2, "roles": ["employee", "review_team"]}
T0 = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)


def report_submitted(report_id=1, **over):
    """report.submitted as reporting sends it, an hour before the decisions of T0."""
    env = submitted_now(report_id, **over)
    env["time"] = (T0 - dt.timedelta(hours=1)).isoformat()
    return env


def body(type_, data, at=None):
    env = events.build(type_, data).model_dump(mode="json")
    if at is not None:
        env["time"] = at.isoformat()
    return env


def checked(evidence_id, owner_id, similar=(), content_type="image/jpeg", **photo):
    facts = {"exif_present": True, "captured_at": "2026-11-02T08:30:00"} | photo
    return body("evidence.checked", dict(
        evidence_id=evidence_id, owner_id=owner_id, sha256="ab" * 32, content_type=content_type,
        problem=None, photo=facts, similar=[dict(evidence_id=e, owner_id=o, dhash_distance=d,
                                                 phash_distance=d, same_bytes=d == 0)
                                            for e, o, d in similar]))


def approved(report_id, employee_id, at, decided_by=1):
    return body("approval.approved", dict(
        task_id=report_id, report_id=report_id, employee_id=employee_id, agency_id=1,
        decided_by=decided_by, date="2026-11-02", activity_code="SURAT", minutes=60,
        counted_minutes=60, points="5.00", rupiah=7500), at)


@pytest.fixture
def svc(tmp_path):
    service = worker_factory(IntegrityService, db=sqlite_store(Base.metadata, "integrity", tmp_path / "i.db"),
                             config={"INTEGRITY": {}})
    for emp, name in ((1, "Kepala"), (2, "Sari"), (3, "Budi"), (9, "Made")):
        service.on_placement_changed(placed(emp, f"19800101200001100{emp}", name=name,
                                            agency_name="Dinas Kominfo"))
    return service


def signals(svc, report_key=None):
    with svc.db.session() as s:
        q = select(Signal.signal, Signal.state, Signal.report_key).order_by(Signal.id)
        rows = list(s.execute(q))
    return [(n, st) for n, st, k in rows if report_key is None or k == report_key]


def test_a_photo_another_employee_used_is_flagged_on_both_reports_once_the_second_is_sent(svc):
    svc.on_evidence_checked(checked("e1", 2))
    svc.on_report_submitted(report_submitted(1, employee_id=2, evidence_id="e1"))
    svc.on_evidence_checked(checked("e2", 3, similar=[("e1", 2, 3)]))
    assert signals(svc) == []  # the second upload alone marks nobody
    svc.on_report_submitted(report_submitted(2, employee_id=3, employee_name="Budi", evidence_id="e2"))
    assert signals(svc, 1) == [("photo_reused", "open")] and signals(svc, 2) == [("photo_reused", "open")]
    assert outbox_types(svc.db).count("integrity.flagged") == 2
    flags = svc.report_flags(APPROVER, [1, 2])
    assert flags["1"]["risk"] == 40 and "Budi" in flags["1"]["flags"][0]["reason"]
    assert "Sari" in flags["2"]["flags"][0]["reason"]
    # the employees themselves learn nothing, of their own report or the other's
    assert svc.report_flags(BUDI, [1, 2]) == {} and svc.report_flags(SARI, [1, 2]) == {}
    # the same event again changes nothing
    svc.on_report_submitted(report_submitted(2, employee_id=3, employee_name="Budi", evidence_id="e2"))
    assert outbox_types(svc.db).count("integrity.flagged") == 2


def test_one_meetings_photo_on_its_attendees_reports_is_shown_as_shared(svc):
    svc.on_evidence_checked(checked("m1", 2))
    svc.on_report_submitted(report_submitted(1, employee_id=2, evidence_id="m1", meeting_id=5))
    svc.on_evidence_checked(checked("m2", 3, similar=[("m1", 2, 0)]))
    svc.on_report_submitted(report_submitted(2, employee_id=3, evidence_id="m2", meeting_id=5))
    assert signals(svc, 2) == [("photo_shared_meeting", "open")]
    flags = svc.report_flags(APPROVER, [2])["2"]
    assert flags["risk"] == 0 and flags["flags"][0]["reason"].startswith("Foto bersama rapat")
    assert "integrity.flagged" not in outbox_types(svc.db)  # weight 0: nobody is told


def test_exif_and_location_signals_and_what_could_not_be_checked(svc):
    svc.set_offices({"account_id": 1, "roles": ["city_admin"]}, 1, {"offices": [
        {"name": "Kantor Dinas Kominfo", "lat": -8.65, "lon": 115.22, "radius_m": 100}]})
    svc.on_evidence_checked(checked("x1", 2, captured_at="2026-10-30T08:30:00", software="Snapseed 2.0",
                                    gps_lat=-8.67, gps_lon=115.22))
    svc.on_report_submitted(report_submitted(1, employee_id=2, evidence_id="x1"))
    assert {n for n, _ in signals(svc, 1)} == {"exif_time_mismatch", "exif_edited", "outside_geofence"}
    reasons = " ".join(f["reason"] for f in svc.report_flags(APPROVER, [1])["1"]["flags"])
    assert "30 Okt 2026 08.30" in reasons and "Snapseed" in reasons and "2,2 km" in reasons
    svc.on_evidence_checked(checked("x2", 2, unchecked=["exif"]))
    svc.on_report_submitted(report_submitted(2, employee_id=2, evidence_id="x2", date="2026-11-03"))
    flags = svc.report_flags(APPROVER, [2])["2"]
    assert flags["risk"] == 0 and all(not f["checkable"] for f in flags["flags"])
    assert all("tidak dapat diperiksa" in f["reason"] for f in flags["flags"])


def test_duty_travel_exempts_the_day_from_the_geofence(svc):
    svc.set_offices({"account_id": 1, "roles": ["city_admin"]}, 1, {"offices": [
        {"name": "Kantor", "lat": -8.65, "lon": 115.22}]})
    svc.on_attendance(body("attendance.recorded", dict(employee_nip="198001012000011002", date="2026-11-02",
                                                       kind="leave", leave_type="duty_travel")))
    svc.on_evidence_checked(checked("d1", 2, gps_lat=-8.9, gps_lon=115.22))
    svc.on_report_submitted(report_submitted(1, employee_id=2, evidence_id="d1"))
    assert signals(svc, 1) == []


def test_approvals_at_machine_speed_without_opening_the_evidence(svc):
    for n in range(1, 12):
        svc.on_evidence_checked(checked(f"r{n}", 2))
        svc.on_report_submitted(report_submitted(n, employee_id=2, evidence_id=f"r{n}",
                                                 start=f"{7 + n % 3:02d}:00", end=f"{7 + n % 3:02d}:30"))
    # the approver opened report 4's photo before deciding it
    svc.on_evidence_viewed(body("evidence.viewed", dict(evidence_id="r4", owner_id=2, viewer_id=1), T0))
    for n in range(1, 12):
        svc.on_approved(approved(n, 2, T0 + dt.timedelta(seconds=3 * n)))
    stamped = {k for k in range(1, 12) if ("rubber_stamp", "open") in signals(svc, k)}
    assert stamped == set(range(1, 12)) - {4}
    with svc.db.session() as s:
        month = s.scalar(select(Signal).where(Signal.report_key == 0, Signal.employee_id == 1,
                                              Signal.signal == "rubber_stamping"))
    assert month is not None and "10 laporan" in month.reason


def test_a_view_heard_after_the_decision_but_made_before_it_lapses_the_flag(svc):
    for n in range(1, 11):
        svc.on_evidence_checked(checked(f"r{n}", 2))
        svc.on_report_submitted(report_submitted(n, employee_id=2, evidence_id=f"r{n}"))
        svc.on_approved(approved(n, 2, T0 + dt.timedelta(seconds=n)))
    assert ("rubber_stamp", "open") in signals(svc, 3)
    svc.on_evidence_viewed(body("evidence.viewed", dict(evidence_id="r3", owner_id=2, viewer_id=1),
                                T0 + dt.timedelta(seconds=2)))
    assert signals(svc, 3) == [("rubber_stamp", "lapsed")]


def test_cap_chasing_and_repeated_descriptions_on_the_month(svc):
    for day in range(2, 7):
        svc.on_report_submitted(report_submitted(day, employee_id=2, date=f"2026-11-{day:02d}",
                                                 start="08:00", end="15:30", minutes=450,
                                                 description="Melaksanakan tugas harian"))
    with svc.db.session() as s:
        month = {x.signal: x.reason for x in s.scalars(select(Signal).where(Signal.report_key == 0))}
    assert "tepat 450 menit" in month["cap_chasing"] and "5 hari" in month["repeated_description"]
    flags = svc.report_flags(APPROVER, [2])["2"]
    assert flags["month_risk"] == 40 and len(flags["month_flags"]) == 2


def test_the_review_teams_queue_filters_clears_with_a_note_and_keeps_the_record(svc):
    svc.on_evidence_checked(checked("e1", 2))
    svc.on_report_submitted(report_submitted(1, employee_id=2, evidence_id="e1"))
    svc.on_evidence_checked(checked("e2", 3, similar=[("e1", 2, 0)], software="PicsArt"))
    svc.on_report_submitted(report_submitted(2, employee_id=3, employee_name="Budi", evidence_id="e2"))
    page = svc.queue(REVIEWER)
    assert [c["report_id"] for c in page["items"]] == [2, 1]  # 60 before 40
    assert page["items"][0]["risk"] == 60 and page["signals"] == {"photo_reused": 2, "exif_edited": 1}
    assert [c["report_id"] for c in svc.queue(REVIEWER, signal="exif_edited")["items"]] == [2]
    assert svc.queue(REVIEWER, period="2026-10")["items"] == []
    with pytest.raises(Forbidden):
        svc.queue(SARI)
    with pytest.raises(Forbidden):
        svc.queue(OTHER_REVIEWER, agency_id=1)
    assert svc.queue(OTHER_REVIEWER)["items"] == []
    case = svc.clear(REVIEWER, 2, None, None, {"note": "foto diambil bersama, dicek di lokasi"})
    assert all(f["state"] == "cleared" for f in case["flags"])
    assert [c["report_id"] for c in svc.queue(REVIEWER)["items"]] == [1]
    assert svc.queue(REVIEWER, state="cleared")["items"][0]["outcomes"][0]["note"].startswith("foto diambil")
    assert "integrity.cleared" in outbox_types(svc.db)
    with pytest.raises(Conflict):
        svc.clear(REVIEWER, 2, None, None, {"note": "sekali lagi"})
    with pytest.raises(Forbidden):  # nobody decides on their own work
        svc.clear({**REVIEWER, "employee_id": 2}, 1, None, None, {"note": "punya saya sendiri"})
    # a revocation through the post-audit is recorded as the case's outcome
    svc.on_approval_revoked(body("approval.approval_revoked", dict(
        task_id=1, report_id=1, employee_id=2, agency_id=1, decided_by=9, date="2026-11-02",
        reason="foto milik pegawai lain", activity_code="SURAT", minutes=60, counted_minutes=60,
        points="5.00", rupiah=7500)))
    with svc.db.session() as s:
        outcomes = [(o.report_key, o.outcome) for o in s.scalars(select(Outcome).order_by(Outcome.id))]
    assert outcomes == [(2, "cleared"), (1, "revoked")]
    assert svc.queue(REVIEWER)["items"] == []


def test_a_post_audit_sample_draws_from_every_approved_report_risky_ones_likelier(svc):
    for n in range(1, 31):
        svc.on_report_submitted(report_submitted(n, employee_id=2 + n % 2, date="2026-11-02"))
        svc.on_approved(approved(n, 2 + n % 2, T0 + dt.timedelta(minutes=n)))
    drawn = svc.sample(REVIEWER, "2026-11", 5, seed=7)
    assert drawn["population"] == 30 and len(drawn["items"]) == 5
    assert drawn == svc.sample(REVIEWER, "2026-11", 5, seed=7)  # a seed repeats the draw


def bare_jpeg(evidence_id, owner_id, similar=()):
    """A camera photo without EXIF: one flag (exif_missing, weight 10) to follow around."""
    env = checked(evidence_id, owner_id, similar)
    env["data"]["photo"] = {"exif_present": False}
    return env


def open_signals(svc):
    with svc.db.session() as s:
        return sorted((x.report_key, x.period, x.signal) for x in s.scalars(
            select(Signal).where(Signal.state == "open")))


def test_a_withdrawn_report_counts_for_nothing(svc):
    svc.on_evidence_checked(bare_jpeg("w1", 2))
    svc.on_report_submitted(report_submitted(1, employee_id=2, evidence_id="w1"))
    assert open_signals(svc) == [(1, "2026-11", "exif_missing")]
    svc.on_report_withdrawn(body("report.withdrawn", dict(report_id=1, employee_id=2, previous_state="submitted")))
    assert open_signals(svc) == [] and svc.queue(REVIEWER)["items"] == []


def test_the_events_may_come_in_any_order_and_both_copies_are_flagged(svc):
    # B's report and check first, then A's report, then A's check (which finds B's photo)
    svc.on_report_submitted(report_submitted(2, employee_id=3, employee_name="Budi", evidence_id="eB"))
    svc.on_evidence_checked(checked("eB", 3))
    svc.on_report_submitted(report_submitted(1, employee_id=2, evidence_id="eA"))
    svc.on_evidence_checked(checked("eA", 2, similar=[("eB", 3, 4)]))
    assert open_signals(svc) == [(1, "2026-11", "photo_reused"), (2, "2026-11", "photo_reused")]
    # and a report heard after its photo's look-alike was found by the other's check
    svc.on_evidence_checked(checked("eD", 3, similar=[("eC", 2, 2)]))
    svc.on_report_submitted(report_submitted(4, employee_id=3, evidence_id="eD", date="2026-11-03"))
    svc.on_report_submitted(report_submitted(3, employee_id=2, evidence_id="eC", date="2026-11-03"))
    assert {(k, n) for k, _, n in open_signals(svc)} >= {(3, "photo_reused"), (4, "photo_reused")}


def test_a_decision_heard_before_its_report_is_kept(svc):
    svc.on_approved(approved(1, 2, T0 + dt.timedelta(minutes=5)))
    svc.on_report_submitted(body("report.submitted", {**report_submitted(1, employee_id=2)["data"]}, T0))
    with svc.db.session() as s:
        from services.integrity.models import Report
        report = s.get(Report, 1)
        assert (report.state, report.decided_by, report.task_id) == ("approved", 1, 1)
    # a later round starts again: the resubmission after the decision is waiting
    svc.on_report_resubmitted(body("report.resubmitted", {**report_submitted(1, employee_id=2)["data"]},
                                   T0 + dt.timedelta(hours=1)))
    with svc.db.session() as s:
        assert s.get(Report, 1).state == "submitted"


def test_a_revision_that_moves_the_report_to_another_month_moves_its_flags(svc):
    svc.on_evidence_checked(bare_jpeg("v1", 2))
    svc.on_report_submitted(report_submitted(1, employee_id=2, evidence_id="v1"))
    svc.on_report_resubmitted(body("report.resubmitted", report_submitted(
        1, employee_id=2, evidence_id="v1", date="2026-10-30")["data"]))
    assert open_signals(svc) == [(1, "2026-10", "exif_missing")]
    flags = svc.report_flags(APPROVER, [1])["1"]
    assert flags["risk"] == 10 and len(flags["flags"]) == 1


def test_duty_travel_heard_after_the_photo_lifts_the_geofence(svc):
    svc.set_offices({"account_id": 1, "roles": ["city_admin"]}, 1, {"offices": [
        {"name": "Kantor", "lat": -8.65, "lon": 115.22}]})
    svc.on_evidence_checked(checked("d1", 2, gps_lat=-8.9, gps_lon=115.22))
    svc.on_report_submitted(report_submitted(1, employee_id=2, evidence_id="d1"))
    assert open_signals(svc) == [(1, "2026-11", "outside_geofence")]
    svc.on_attendance(body("attendance.recorded", dict(employee_nip="198001012000011002", date="2026-11-02",
                                                       kind="leave", leave_type="duty_travel")))
    assert open_signals(svc) == []


def test_the_desk_hides_ones_own_work_and_nobody_decides_what_they_approved(svc):
    svc.on_evidence_checked(bare_jpeg("own", 9))
    svc.on_report_submitted(report_submitted(1, employee_id=9, evidence_id="own"))
    assert svc.queue(REVIEWER)["items"] == [] and svc.sample(REVIEWER, "2026-11", 5)["population"] == 0
    svc.on_evidence_checked(bare_jpeg("sari", 2))
    svc.on_report_submitted(report_submitted(2, employee_id=2, evidence_id="sari", approver_id=9))
    with pytest.raises(Forbidden):  # the reviewer is this report's approver
        svc.clear(REVIEWER, 2, None, None, {"note": "saya sendiri yang menyetujui"})
    assert svc.clear({**REVIEWER, "employee_id": 8}, 2, None, None, {"note": "dicek, foto asli"})


def test_a_rubber_stamp_is_the_review_teams_to_read_not_the_approvers(svc):
    for n in range(1, 11):
        svc.on_evidence_checked(checked(f"r{n}", 2))
        svc.on_report_submitted(report_submitted(n, employee_id=2, evidence_id=f"r{n}"))
        svc.on_approved(approved(n, 2, T0 + dt.timedelta(seconds=n)))
    assert ("rubber_stamp", "open") in signals(svc, 5)
    assert svc.report_flags(APPROVER, [5])["5"]["flags"] == []
    assert [f["signal"] for f in svc.report_flags(REVIEWER, [5])["5"]["flags"]] == ["rubber_stamp"]
    with svc.db.session() as s:
        from sqlalchemy import text as sql
        told = [row[0] for row in s.execute(sql("SELECT envelope FROM outbox WHERE event_type = 'integrity.flagged'"))]
    import json
    assert all((json.loads(e) if isinstance(e, str) else e)["data"]["approver_id"] is None for e in told)


def test_a_listed_case_shows_what_could_not_be_checked_too(svc):
    svc.on_evidence_checked(checked("u1", 2, unchecked=["exif"], software=None))
    svc.on_report_submitted(report_submitted(1, employee_id=2, evidence_id="u1", minutes=200))
    svc.on_catalogue_version(body("catalogue.version_published", dict(
        activity_type_id=1, code="SURAT", name="Surat", version=1, effective_from="2026-01-01",
        points="5", rupiah=7500, standard_minutes=30)))
    svc.on_report_resubmitted(body("report.resubmitted", report_submitted(
        1, employee_id=2, evidence_id="u1", minutes=200)["data"]))
    [case] = svc.queue(REVIEWER)["items"]
    assert {(f["signal"], f["checkable"]) for f in case["flags"]} == {
        ("minutes_above_standard", True), ("exif_time_mismatch", False), ("exif_edited", False)}


def test_a_copy_of_a_photo_from_before_the_checks_ran_is_still_flagged(svc):
    env = checked("baru", 3)
    env["data"]["similar"] = [dict(evidence_id="lama", owner_id=2, dhash_distance=3, phash_distance=2,
                                   same_bytes=False, report_id=7)]  # report 7: never heard of here
    svc.on_evidence_checked(env)
    svc.on_report_submitted(report_submitted(20, employee_id=3, employee_name="Budi", evidence_id="baru"))
    [flag] = svc.report_flags(APPROVER, [20])["20"]["flags"]
    assert flag["signal"] == "photo_reused" and "Sari" in flag["reason"]
    assert "laporan #7)" in flag["reason"]


def test_an_older_decision_heard_late_does_not_undo_the_latest(svc):
    svc.on_report_submitted(report_submitted(1, employee_id=2))
    svc.on_approved(approved(1, 2, T0 + dt.timedelta(minutes=10)))
    svc.on_revision_requested(body("approval.revision_requested", dict(
        task_id=1, report_id=1, employee_id=2, agency_id=1, decided_by=1, date="2026-11-02",
        reason="lengkapi"), T0))  # round one's, on its own queue, heard after round two's
    with svc.db.session() as s:
        from services.integrity.models import Report
        assert s.get(Report, 1).state == "approved"


def test_the_desk_orders_a_month_by_its_riskiest_report_whatever_the_filter(svc):
    for day in range(2, 7):
        svc.on_report_submitted(report_submitted(day, employee_id=2, date=f"2026-11-{day:02d}",
                                                 start="08:00", end="15:30", minutes=450,
                                                 description=f"Tugas harian nomor {day}"))
    svc.on_evidence_checked(checked("x", 3, software="PicsArt", captured_at="2026-10-01T08:00:00"))
    svc.on_report_submitted(report_submitted(9, employee_id=3, evidence_id="x"))
    svc.on_evidence_checked(checked("y", 2, similar=[("x", 3, 0)]))
    svc.on_report_submitted(report_submitted(10, employee_id=2, evidence_id="y", date="2026-11-09"))
    [month] = svc.queue(REVIEWER, signal="cap_chasing")["items"]
    # Sari's month: cap-chasing 25 plus her riskiest report (reused photo 40, taken a week early 20)
    assert month["kind"] == "month" and month["risk"] == 85
    assert month["risk"] == svc.report_flags(REVIEWER, [10])["10"]["month_risk"]


def test_a_reviewer_who_approves_does_not_read_the_stamps_on_their_own_approvals(svc):
    for n in range(1, 11):
        svc.on_evidence_checked(checked(f"r{n}", 2))
        svc.on_report_submitted(report_submitted(n, employee_id=2, evidence_id=f"r{n}", approver_id=9))
        svc.on_approved(approved(n, 2, T0 + dt.timedelta(seconds=n), decided_by=9))
    assert ("rubber_stamp", "open") in signals(svc, 5)
    assert svc.report_flags(REVIEWER, [5])["5"]["flags"] == []
    assert all(c["kind"] == "month" or not c["flags"] for c in svc.queue(REVIEWER)["items"])
    other = {**REVIEWER, "employee_id": 8, "account_id": 18}
    assert [f["signal"] for f in svc.report_flags(other, [5])["5"]["flags"]] == ["rubber_stamp"]


def test_offices_are_read_within_ones_agency(svc):
    svc.set_offices({"account_id": 1, "roles": ["city_admin"]}, 1, {"offices": [
        {"name": "Kantor", "lat": -8.65, "lon": 115.22}]})
    assert svc.offices(REVIEWER, 1)[0]["name"] == "Kantor"
    with pytest.raises(Forbidden):
        svc.offices(OTHER_REVIEWER, 1)
