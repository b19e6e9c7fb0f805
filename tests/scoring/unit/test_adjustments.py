"""What pay depends on besides work and attendance, and objections to a pay line,
through ScoringService's entrypoints (worker_factory, SQLite, the city's clock held)."""
import datetime as dt

import pytest
from nameko.testing.services import worker_factory
from pydantic import ValidationError

from ekinerja_contract import events
from ekinerja_contract.errors import Conflict, Forbidden, InvalidInput
from ekinerja_contract.rule_set import variant
from services.scoring.models import Base
from services.scoring.service import ScoringService
from tests.support.clock import city, frozen
from tests.support.factories import attendance, org_chart, placed, report_approved
from tests.support.stores import sqlite_store

ADMIN = {"account_id": 99, "roles": ["city_admin"]}
FINANCE = {"account_id": 98, "roles": ["finance"]}
REVIEWER = {"account_id": 97, "employee_id": 9, "agency_id": 1, "roles": ["employee", "review_team"]}
CLERK = {"account_id": 2, "employee_id": 2, "agency_id": 1, "roles": ["employee"]}
NIPS = {1: "197805152005011003", 2: "199003212015032001", 3: "199511082020121004"}
WORKING = [dt.date(2026, 11, d) for d in range(1, 31) if dt.date(2026, 11, d).weekday() < 5]


@pytest.fixture
def service(tmp_path):
    with frozen(city(2026, 12, 10, 9)):
        svc = worker_factory(ScoringService, reporting=org_chart({2: 1, 3: 1}),
                             db=sqlite_store(Base.metadata, "scoring", tmp_path / "s.db"))
        svc.on_placement_changed(placed(1, NIPS[1], job_class=14, grade="IV/b"))
        svc.on_placement_changed(placed(2, NIPS[2], job_class=7, grade="III/b", superior=1))
        svc.on_placement_changed(placed(3, NIPS[3], job_class=5, superior=1))
        for day in WORKING:
            for employee, nip in NIPS.items():
                late = 45 if (employee, day) == (2, WORKING[0]) else 0
                svc.on_attendance(attendance(nip, day.isoformat(), minutes=late))
            for employee in (1, 2):
                svc.on_report_approved(report_approved(employee * 100 + day.day, employee_id=employee,
                                                       date=day.isoformat(), counted_minutes=330,
                                                       minutes=330))
        yield svc


def emitted(service, event_type):
    from sqlalchemy import select
    with service.db.session() as s:
        t = service.db._outbox
        return [r.envelope for r in s.execute(select(t.c.envelope).where(t.c.event_type == event_type)
                                              .order_by(t.c.created_at))]


def close(service):
    job = service.close_period(ADMIN, "2026-11")
    for body in emitted(service, "payroll.close_requested"):
        service.on_close_requested(body)
    return service.close_job(ADMIN, job["id"])


def lines(service, version=None):
    from services.scoring import payroll
    with service.db.session() as s:
        return {line["employee_id"]: line for line in payroll.snapshot_lines(s, "2026-11", None, version)[1]}


def skp_approved(employee_id):
    return events.build("skp.approved", dict(skp_id=employee_id, employee_id=employee_id, year=2026,
                                             decided_by=1), "reporting").model_dump(mode="json")


def test_the_perwali_pays_nobody_excluded_and_says_why_for_each_who_is(service):
    with frozen(city(2026, 12, 10, 9)):
        service.publish_rule_set(ADMIN, {"effective_from": "2026-11-01",
                                         "body": variant("perwali_12_2026").model_dump(mode="json")})
        for employee in (1, 2, 3):
            service.on_skp_approved(skp_approved(employee))
        service.set_appraisal({"account_id": 1, "employee_id": 1, "roles": ["employee"]}, 2, 2026,
                              "as_expected", "as_expected", 11, 11)
        condition = service.record_condition(ADMIN, {
            "employee_id": 2, "kind": "punishment_medium", "start_date": "2026-10-01",
            "reference": "SK 862/45/BKPSDM"})
        assert condition["kind"] == "punishment_medium" and condition["recorded_by"] == 99
        close(service)
    paid = lines(service)
    # the head left employee 3 unassessed; 2 is under a medium punishment; 3 reported nothing
    assert paid[1]["excluded"] == ["belum menilai bawahan: Pegawai 3"]
    assert paid[2]["excluded"] == ["hukuman disiplin sedang sejak 2026-10-01 SK 862/45/BKPSDM"]
    assert paid[3]["excluded"] == ["capaian kinerja 0%"]
    assert all(line["net"] == 0 for line in paid.values())
    exclusion = next(s for s in paid[2]["steps"] if s["key"] == "exclusion")
    assert exclusion["clause"] == "Perwali 12/2026 pasal 9: hukuman disiplin sedang: 2 bulan tanpa TPP"


def test_a_condition_is_refused_in_a_closed_month_and_ended_only_after_its_start(service):
    with frozen(city(2026, 12, 10, 9)):
        close(service)
        with pytest.raises(Conflict) as err:
            service.record_condition(ADMIN, {"employee_id": 2, "kind": "mpp", "start_date": "2026-11-20",
                                             "reference": "SK 1"})
        assert err.value.code == "condition_period_closed"
        row = service.record_condition(ADMIN, {"employee_id": 2, "kind": "mpp",
                                               "start_date": "2026-12-20", "reference": "SK 2"})
        with pytest.raises(InvalidInput):
            service.end_condition(ADMIN, row["id"], "2026-12-19")
        assert service.end_condition(ADMIN, row["id"], "2027-01-31")["end_date"] == "2027-01-31"
        with pytest.raises(Forbidden):
            service.record_condition({"account_id": 5, "agency_id": 2, "roles": ["agency_admin"]},
                                     {"employee_id": 2, "kind": "mpp", "start_date": "2026-12-20",
                                      "reference": "SK 3"})
        assert [c["reference"] for c in service.conditions(CLERK, 2)] == ["SK 2"]


def test_a_close_waits_for_the_quarters_realisation_which_is_then_frozen_with_it(service):
    with frozen(city(2026, 12, 10, 9)):
        service.publish_rule_set(ADMIN, {"effective_from": "2026-11-01", "agency_id": 1,
                                         "body": variant("badung_70_15_15").model_dump(mode="json")})
        with pytest.raises(ValidationError) as err:  # InvalidInput once across nameko (nameko_ext)
            service.set_budget_realisation(FINANCE, {"agency_id": 1, "year": 2026, "quarter": 4,
                                                     "percent": "banyak"})
        assert [(e["loc"], e["type"]) for e in err.value.errors()] == [(("percent",), "decimal_parsing")]
        with pytest.raises(Conflict) as missing:  # no line of agency 1 could be frozen without it
            close(service)
        assert (missing.value.code, missing.value.params["quarter"]) == ("realisation_missing", 4)
        service.set_budget_realisation(FINANCE, {"agency_id": 1, "year": 2026, "quarter": 4,
                                                 "percent": "95.5"})
        assert close(service)["done"] == 3
    with frozen(city(2026, 12, 10, 9)), pytest.raises(Conflict) as closed:
        service.set_budget_realisation(FINANCE, {"agency_id": 1, "year": 2026, "quarter": 4,
                                                 "percent": "80"})
    assert closed.value.code == "realisation_period_closed"


def test_realisation_entered_in_time_is_paid_on(service):
    with frozen(city(2026, 12, 10, 9)):
        service.publish_rule_set(ADMIN, {"effective_from": "2026-11-01", "agency_id": 1,
                                         "body": variant("badung_70_15_15").model_dump(mode="json")})
        row = service.set_budget_realisation(FINANCE, {"agency_id": 1, "year": 2026, "quarter": 4,
                                                       "percent": "80"})
        assert row["percent"] == "80.00"
        close(service)
    clerk = lines(service)[3]  # class 5: 2,250,000 x (0.70 + 0.15 + 0.15 x 80 %)
    assert clerk["gross"] == 1_575_000 + 337_500 + 270_000


def test_an_objection_upheld_becomes_an_audited_correction_with_a_new_version(service):
    with frozen(city(2026, 12, 10, 9)):
        close(service)
        before = lines(service)[2]
        assert before["segments"][0]["deductions"][0][1] == "terlambat 45 menit"
        filed = service.file_pay_objection(CLERK, {
            "period": "2026-11", "step": "discipline",
            "reason": "Tanggal 2 saya rapat di kantor wali kota sejak pagi (surat tugas terlampir)."})
        with pytest.raises(Conflict) as twice:
            service.file_pay_objection(CLERK, {"period": "2026-11", "step": "discipline",
                                               "reason": "sekali lagi, rapat di kantor wali kota"})
        assert twice.value.code == "pay_objection_open"
        assert [o["id"] for o in service.pay_objections(REVIEWER)] == [filed["id"]]
        assert service.pay_objections({**CLERK, "account_id": 3, "employee_id": 3}) == []
        with pytest.raises(Forbidden):
            service.decide_pay_objection({**REVIEWER, "employee_id": 2}, filed["id"], {
                "upheld": True, "reason": "surat tugas sah", "excuse_dates": [WORKING[0].isoformat()]})
        with pytest.raises(ValidationError, match="correction_required"):
            service.decide_pay_objection(REVIEWER, filed["id"], {"upheld": True, "reason": "surat tugas sah"})
        decided = service.decide_pay_objection(REVIEWER, filed["id"], {
            "upheld": True, "reason": "surat tugas wali kota nomor 005/77", "excuse_dates": [WORKING[0].isoformat()]})
    assert (decided["state"], decided["correction_version"]) == ("upheld", 2)
    after = lines(service)[2]
    assert after["segments"][0]["deductions"] == []
    # class 7 (3,900,000) x 0.4 x 1 % = 15,600 more before tax (III: 5 %) and BPJS (1 %)
    assert after["gross"] - before["gross"] == 15_600
    assert after["difference"] == after["net"] - before["net"] > 0
    assert lines(service, 1)[2]["net"] == before["net"]  # the frozen version never changes
    decided_event = emitted(service, "payroll.objection_decided")[-1]
    assert decided_event["data"]["upheld"] is True
    with frozen(city(2026, 12, 10, 9)), pytest.raises(Conflict):
        service.decide_pay_objection(REVIEWER, filed["id"], {"upheld": False, "reason": "berubah pikiran"})


def test_objections_close_with_the_window_and_need_a_closed_month(service):
    with frozen(city(2026, 12, 10, 9)), pytest.raises(Conflict) as early:
        service.file_pay_objection(CLERK, {"period": "2026-11", "step": "tax",
                                           "reason": "potongan pajak terlalu besar"})
    assert early.value.code == "period_not_closed"
    with frozen(city(2026, 12, 10, 9)):
        close(service)
    with frozen(city(2026, 12, 25, 9)), pytest.raises(Conflict) as late:  # 14 days after the 10th
        service.file_pay_objection(CLERK, {"period": "2026-11", "step": "tax",
                                           "reason": "potongan pajak terlalu besar"})
    assert (late.value.code, late.value.params["until"]) == ("pay_objection_window", "2026-12-24")


def pdf_text(data: bytes) -> str:
    """The page streams' text (fpdf2 deflates them; core fonts write latin-1 strings)."""
    import re
    import zlib
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            continue
    return "".join(out).replace("\\(", "(").replace("\\)", ")")


def test_the_slip_and_the_export_carry_the_same_steps_as_the_recap(service):
    import base64
    import io

    from openpyxl import load_workbook
    with frozen(city(2026, 12, 10, 9)):
        service.publish_rule_set(ADMIN, {"effective_from": "2026-11-01", "body": variant(
            "perwali_12_2026").model_dump(mode="json") | {"exclusions": {}}})
        close(service)
        line = lines(service)[2]
        slip = pdf_text(base64.b64decode(service.statement(CLERK, 2, "2026-11")["base64"]))
        sheet = load_workbook(io.BytesIO(base64.b64decode(
            service.export(FINANCE, "2026-11", None, "xlsx")["base64"])))["Rincian"]
    assert "Rincian dari pagu sampai TPP bersih" in slip
    assert "Perwali 12/2026 pasal 7 ayat (2): terlambat 31-60 menit 1%" in slip  # the dash, latin-1
    rows = [r for r in sheet.iter_rows(values_only=True) if r[0] == NIPS[2]]
    assert [r[3] for r in rows] == [s["label"] for s in line["steps"]]
    assert [r[5] for r in rows] == [s["amount"] for s in line["steps"]]
    assert rows[-1][5] == line["net"]


def test_a_draft_perwali_replayed_on_closed_months_leaves_the_snapshots_as_they_were(service):
    import base64
    import io

    from openpyxl import load_workbook

    from services.scoring.models import Snapshot, SnapshotLine
    with frozen(city(2026, 12, 10, 9)):
        service.set_budget(FINANCE, 1, 2026, 60_000_000)  # 5,000,000 a month
        close(service)
        before = lines(service)
        with service.db.session() as s:
            frozen_rows = [(r.id, r.net, r.line) for r in s.query(SnapshotLine).order_by(SnapshotLine.id)]
            snapshots = s.query(Snapshot).count()
        draft = variant("split_40_60").model_dump(mode="json")
        result = service.sandbox(ADMIN, draft, 3)
        workbook = service.sandbox_xlsx(ADMIN, draft, 3)
        with pytest.raises(Forbidden):
            service.sandbox(FINANCE, draft, 3)
    assert result["months"] == ["2026-11"] and result["draft"] == "Porsi 40/60 (Provinsi Bengkulu, Lebong)"
    people = {p["employee_id"]: p for p in result["people"]}
    assert {e: p["old_net"] for e, p in people.items()} == {e: line["net"] for e, line in before.items()}
    # employee 3 reported nothing: 40 % of nothing plus 60 % discipline beats 60/40's 40 %
    assert people[3]["difference"] > 0 and people[3]["new_gross"] == 2_250_000 * 60 // 100
    # the head and employee 2 worked 21 x 330 = 6,930 minutes (capped at 100 %): 40/60 moves
    # nothing for them, and the late 45 minutes (1 %) weighs 0.6 now instead of 0.4
    assert people[1]["difference"] == 0 and people[2]["difference"] < 0
    (agency,) = result["agencies"]
    assert (agency["people"], agency["gainers"], agency["losers"]) == (3, 1, 1)
    assert agency["budget"] == 5_000_000 and agency["over_budget"] is True
    assert result["totals"]["new_gross"] == sum(p["new_gross"] for p in result["people"])
    with service.db.session() as s:
        assert [(r.id, r.net, r.line) for r in s.query(SnapshotLine).order_by(SnapshotLine.id)] == frozen_rows
        assert s.query(Snapshot).count() == snapshots
    book = load_workbook(io.BytesIO(base64.b64decode(workbook["base64"])))
    assert book.sheetnames == ["Per OPD", "Per pegawai"]
    assert [r[0] for r in book["Per pegawai"].iter_rows(min_row=3, values_only=True)] == [
        p["nip"] for p in result["people"]]


def test_a_wrong_draft_is_refused_naming_the_field(service):
    draft = variant("split_40_60").model_dump(mode="json") | {"performance_share": "0.5"}
    with frozen(city(2026, 12, 10, 9)), pytest.raises(ValidationError) as err:
        service.sandbox(ADMIN, draft, 3)
    assert "shares_sum" in {e["type"] for e in err.value.errors()}
    with frozen(city(2026, 12, 10, 9)), pytest.raises(InvalidInput) as months:
        service.sandbox(ADMIN, variant("split_40_60").model_dump(mode="json"), 13)
    assert months.value.details[0]["code"] == "months_range"
