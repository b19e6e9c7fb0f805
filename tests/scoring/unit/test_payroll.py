"""The month close through ScoringService's entrypoints (worker_factory, SQLite):
frozen snapshot, one line event per employee, idempotent, corrections, exports."""
import base64
import csv
import datetime as dt
import io

import pytest
from nameko.testing.services import worker_factory
from openpyxl import load_workbook

from ekinerja_contract import config
from ekinerja_contract.errors import Conflict, Forbidden, NotFound
from services.scoring.models import Base, Placement
from services.scoring.service import ScoringService
from tests.support.factories import approver_credited, attendance, org_chart, placed, report_approved
from tests.support.stores import sqlite_store

ADMIN = {"account_id": 99, "roles": ["city_admin"]}
FINANCE = {"account_id": 98, "roles": ["finance"]}
NIPS = {1: "197805152005011003", 2: "199003212015032001", 3: "199511082020121004"}
WORKING = [dt.date(2026, 11, d) for d in range(1, 31) if dt.date(2026, 11, d).weekday() < 5]


@pytest.fixture
def service(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "today", lambda: dt.date(2026, 12, 10))
    svc = worker_factory(ScoringService, reporting=org_chart({2: 1, 3: 1, 4: 1}), db=sqlite_store(Base.metadata, "scoring", tmp_path / "s.db"))
    svc.on_placement_changed(placed(1, NIPS[1], job_class=14, grade="IV/b"))
    svc.on_placement_changed(placed(2, NIPS[2], job_class=7, grade="III/b", superior=1))
    svc.on_placement_changed(placed(3, NIPS[3], job_class=5, status="CPNS", superior=1))
    for day in WORKING:
        for _employee, nip in NIPS.items():
            svc.on_attendance(attendance(nip, day.isoformat()))
    for n, day in enumerate(WORKING):
        svc.on_report_approved(report_approved(100 + n, employee_id=2, date=day.isoformat(),
                                               counted_minutes=300, minutes=300))
        svc.on_approver_credited(approver_credited(100 + n, date=day.isoformat()))
    return svc


def last_event(service, event_type):
    from sqlalchemy import select
    with service.db.session() as s:
        t = service.db._outbox
        rows = s.execute(select(t.c.envelope).where(t.c.event_type == event_type)
                         .order_by(t.c.created_at)).all()
    return [r.envelope for r in rows]


def close(service, agency_id=None):
    job = service.close_period(ADMIN, "2026-11", agency_id)
    for body in last_event(service, "payroll.close_requested"):
        service.on_close_requested(body)
    return service.close_job(ADMIN, job["id"])


def test_a_close_freezes_every_employee_and_publishes_their_lines(service):
    job = close(service)
    assert (job["state"], job["done"], job["total"]) == ("done", 3, 3)
    lines = {e["data"]["employee_id"]: e["data"] for e in last_event(service, "payroll.line")}
    assert set(lines) == {1, 2, 3}
    # 21 days x 300 minutes = 6,300 of 6,750; class 7 ceiling Rp 3,900,000; all on time
    assert lines[2]["gross"] == 3_744_000 and lines[2]["tax"] == 187_200
    assert last_event(service, "payroll.period_closed")[0]["data"]["employees"] == 3


def test_closing_again_changes_nothing(service):
    first = close(service)
    again = service.close_period(ADMIN, "2026-11", None)
    assert again["id"] == first["id"]
    assert len(last_event(service, "payroll.line")) == 3


def test_a_period_cannot_close_before_its_input_deadline(service, monkeypatch):
    monkeypatch.setattr(config, "today", lambda: dt.date(2026, 12, 5))
    with pytest.raises(Conflict, match="deadline"):
        service.close_period(ADMIN, "2026-11", None)


def test_one_bad_record_is_reported_and_never_blocks_the_others(service):
    with service.db.session() as s:
        s.add(Placement(employee_id=4, start_date=dt.date(2026, 1, 1), nip="1" * 18, name="Rusak",
                        status="PNS", grade=None, agency_id=1, job_class=99))
        s.commit()
    job = close(service)
    assert job["done"] == 3
    from services.scoring import payroll
    with service.db.session() as s:
        snapshot = payroll.latest_snapshot(s, "2026-11", None)
    assert [e["employee_id"] for e in snapshot.errors] == [4]


def test_after_close_only_an_audited_correction_changes_pay(service):
    close(service)
    before = {e["data"]["employee_id"]: e["data"]["net"] for e in last_event(service, "payroll.line")}
    with pytest.raises(Forbidden):
        service.correct(FINANCE, 3, "2026-11", {"points": "0", "rupiah": 0, "minutes": 900,
                                                "reason": "laporan hilang saat gangguan server"})
    result = service.correct(ADMIN, 3, "2026-11", {"points": "0", "rupiah": 0, "minutes": 900,
                                                   "reason": "laporan hilang saat gangguan server"})
    assert result["snapshot_version"] == 2
    corrected = last_event(service, "payroll.line")[-1]["data"]
    assert corrected["snapshot_version"] == 2 and corrected["employee_id"] == 3
    assert corrected["difference"] == corrected["net"] - before[3] > 0
    export = service.export(FINANCE, "2026-11", None, "csv")
    rows = list(csv.DictReader(io.StringIO(base64.b64decode(export["base64"]).decode("utf-8-sig"))))
    assert export["filename"].endswith("-v2.csv") and len(rows) == 3
    assert {r["NIP"]: r["Selisih"] for r in rows}[NIPS[3]] == str(corrected["difference"])


def test_a_correction_needs_a_closed_period(service):
    with pytest.raises(Conflict, match="not closed"):
        service.correct(ADMIN, 3, "2026-11", {"points": "1", "rupiah": 0, "minutes": 0,
                                              "reason": "coba koreksi sebelum tutup"})


def test_exports_for_finance_csv_xlsx_and_a_pdf_statement(service):
    close(service)
    xlsx = service.export(FINANCE, "2026-11", None, "xlsx")
    sheet = load_workbook(io.BytesIO(base64.b64decode(xlsx["base64"]))).active
    assert sheet["A2"].value == "NIP" and sheet.max_row >= 5
    pdf = service.statement({"account_id": 2, "employee_id": 2, "roles": ["employee"]}, 2, "2026-11")
    assert base64.b64decode(pdf["base64"]).startswith(b"%PDF")
    with pytest.raises(NotFound):  # someone else's: as if there were nobody by that id
        service.statement({"account_id": 3, "employee_id": 3, "roles": ["employee"]}, 2, "2026-11")
    with pytest.raises(Forbidden):
        service.export({"account_id": 3, "employee_id": 3, "roles": ["employee"]}, "2026-11")


def test_the_provisional_recap_estimates_tpp_before_the_close(service):
    recap = service.recap({"account_id": 2, "employee_id": 2, "roles": ["employee"]}, 2, "2026-11")
    assert recap["closed"] is False and recap["activities"] == 21
    assert recap["tpp"]["gross"] == 3_744_000
    head = service.recap({"account_id": 1, "employee_id": 1, "roles": ["employee"]}, 1, "2026-11")
    assert head["approver_points"] == "42.00"  # the cap is approval's; here: 21 x 2
    assert service.recap({"account_id": 1, "employee_id": 1, "roles": ["employee"]}, 2, "2026-11")


def test_rule_sets_are_validated_with_errors_naming_the_field(service):
    from pydantic import ValidationError

    from ekinerja_contract.rule_set import default_body
    body = default_body().model_dump(mode="json")
    body["ceilings"]["5"] = 2_700_000
    service.publish_rule_set(ADMIN, {"effective_from": "2026-11-15", "body": body})
    assert service.recap(ADMIN, 3, "2026-11")["tpp"]["rule_sets"] == ["bawaan", "kota-2026-11-15"]
    body["discipline_share"] = "0.5"
    with pytest.raises(ValidationError, match="add up to 1"):
        service.publish_rule_set(ADMIN, {"effective_from": "2026-12-01", "body": body})
    body["discipline_share"] = "0.4"
    with pytest.raises(Conflict) as overlapping:  # the same scope and day: named at the field
        service.publish_rule_set(ADMIN, {"effective_from": "2026-11-15", "body": body})
    assert [(d["field"], d["code"]) for d in overlapping.value.details] == [
        ("effective_from", "rule_set_exists")]


def test_predikat_with_distribution_warnings(service):
    head = {"account_id": 1, "employee_id": 1, "agency_id": 1, "roles": ["employee", "supervisor"]}
    assert service.set_appraisal(head, 2, 2026, "above", "above")["predikat"] == "Sangat Baik"
    service.set_appraisal(head, 3, 2026, "above", "above")
    with pytest.raises(Forbidden):
        service.set_appraisal({"account_id": 2, "employee_id": 2, "roles": ["employee"]}, 3, 2026,
                              "above", "above")
    report = service.predikat_report({"account_id": 50, "agency_id": 1, "roles": ["agency_admin"]},
                                     2026, 1)
    assert report["counts"] == {"Sangat Baik": 2}
    assert report["warnings"] and "Sangat Baik" in report["warnings"][0]


def test_a_month_with_an_approval_revoked_and_a_rejection_upheld_on_dispute(service):
    from ekinerja_contract import events
    revoked = events.build("approval.approval_revoked", dict(
        task_id=100, report_id=100, employee_id=2, agency_id=1, decided_by=7,
        date=WORKING[0].isoformat(), reason="bukti tidak sesuai pekerjaan", activity_code="SURAT",
        minutes=300, counted_minutes=300, points="5.00", rupiah=7500), "approval").model_dump(mode="json")
    service.on_approval_revoked(revoked)
    service.on_approval_revoked(revoked)  # redelivered: taken back once
    upheld = events.build("approval.dispute_upheld", dict(
        dispute_id=1, task_id=200, report_id=200, employee_id=2, agency_id=1,
        heard_by="review_team", decided_by=7, reason="bukti sah", date=WORKING[1].isoformat(),
        activity_code="SURAT", minutes=150, counted_minutes=150, points="5.00", rupiah=7500),
        "approval").model_dump(mode="json")
    service.on_dispute_upheld(upheld)
    staff = {"account_id": 2, "employee_id": 2, "roles": ["employee"]}
    recap = service.recap(staff, 2, "2026-11")
    assert (recap["activities"], recap["counted_minutes"]) == (21, 21 * 300 - 300 + 150)
    # 3,900,000 x (0.6 x 6150/6750 + 0.4) = 3,692,000; tax 5 %; insurance 1 %
    tpp = recap["tpp"]
    assert (tpp["gross"], tpp["tax"], tpp["insurance"], tpp["net"]) == (
        3_692_000, 184_600, 36_920, 3_470_480)
    close(service)
    pdf = service.statement(staff, 2, "2026-11")
    assert base64.b64decode(pdf["base64"]).startswith(b"%PDF")
