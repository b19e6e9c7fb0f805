"""The attendance system's daily file: all or nothing, each problem with its row and
column, the same file twice changes nothing, a closed month is refused."""
import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import select

from ekinerja_contract.errors import Forbidden, InvalidInput
from gateway import messages
from services.scoring.models import Attendance, Base
from services.scoring.service import ScoringService
from tests.support.factories import org_chart, placed
from tests.support.stores import sqlite_store

ADMIN = {"account_id": 99, "roles": ["city_admin"]}
SARI, AGUS = "199003212015032001", "198805112010011002"
HEADER = "nip,tanggal,jenis,menit,dimaafkan\n"


@pytest.fixture
def svc(tmp_path):
    service = worker_factory(ScoringService, reporting=org_chart({}),
                             db=sqlite_store(Base.metadata, "scoring", tmp_path / "s.db"))
    service.on_placement_changed(placed(1, SARI))
    service.on_placement_changed(placed(2, AGUS))
    return service


def marks(svc):
    with svc.db.session() as s:
        return sorted((a.employee_id, a.date.isoformat(), a.kind, a.minutes, a.excused)
                      for a in s.scalars(select(Attendance)))


def test_a_days_file_lands_whole_and_sent_again_changes_nothing(svc):
    file = HEADER + f"{SARI},2026-11-02,datang,35,tidak\n{AGUS},2026-11-02,tidak_hadir,,ya\n{SARI},2026-11-02,pulang,0,\n"
    assert svc.import_attendance_csv(ADMIN, file) == {"rows": 3, "added": 3, "replaced": 0, "unchanged": 0}
    assert marks(svc) == [(1, "2026-11-02", "arrival", 35, False), (1, "2026-11-02", "departure", 0, False),
                          (2, "2026-11-02", "absence", 0, True)]
    assert svc.import_attendance_csv(ADMIN, file) == {"rows": 3, "added": 0, "replaced": 0, "unchanged": 3}
    corrected = HEADER + f"{SARI},2026-11-02,datang,5,tidak\n"  # the attendance system's newer word
    assert svc.import_attendance_csv(ADMIN, corrected)["replaced"] == 1
    assert marks(svc)[0] == (1, "2026-11-02", "arrival", 5, False)


def test_any_wrong_row_means_nothing_is_written_and_each_problem_names_row_and_column(svc):
    file = HEADER + (f"{SARI},2026-11-02,datang,35,tidak\n"
                     f"12345,2026-11-02,datang,0,tidak\n"
                     f"{AGUS},02/11/2026,masuk,-3,mungkin\n"
                     f"{SARI},2026-11-02,datang,10,tidak\n"
                     f"199901012020011009,2026-11-03,cuti,0,ya\n")
    with pytest.raises(InvalidInput) as refused:
        svc.import_attendance_csv(ADMIN, file)
    assert refused.value.code == "import_invalid" and marks(svc) == []
    found = [(d["row"], d["column"], d["code"]) for d in refused.value.details]
    assert found == [(3, "nip", "attendance_nip"), (3, "nip", "attendance_unknown_nip"),
                     (4, "tanggal", "attendance_date"), (4, "jenis", "attendance_kind"),
                     (4, "menit", "attendance_minutes"), (4, "dimaafkan", "attendance_excused"),
                     (5, "jenis", "attendance_duplicate"), (6, "nip", "attendance_unknown_nip")]
    texts = [messages.reason_text(d) for d in refused.value.details]
    assert texts[2] == "Baris 4, Tanggal: tanggal ditulis TTTT-BB-HH, misalnya 2026-11-02"
    assert texts[6] == "Baris 5, Jenis: tanda yang sama sudah ada di baris 2"


def test_a_file_without_its_columns_and_a_closed_month_are_refused(svc, monkeypatch):
    with pytest.raises(InvalidInput) as refused:
        svc.import_attendance_csv(ADMIN, "nip,tanggal\n")
    assert {d["column"] for d in refused.value.details} == {"jenis", "menit", "dimaafkan"}
    from services.scoring import payroll
    monkeypatch.setattr(payroll, "is_closed", lambda s, period, agency: period == "2026-10")
    with pytest.raises(InvalidInput) as closed:
        svc.import_attendance_csv(ADMIN, HEADER + f"{SARI},2026-10-30,datang,5,tidak\n")
    assert closed.value.details[0]["code"] == "attendance_period_closed"


def test_only_city_admins_load_attendance(svc):
    with pytest.raises(Forbidden):
        svc.import_attendance_csv({"account_id": 5, "agency_id": 1, "roles": ["agency_admin"]}, HEADER)


def test_a_file_that_is_not_csv_at_all_is_a_clear_refusal(svc):
    with pytest.raises(InvalidInput) as refused:
        svc.import_attendance_csv(ADMIN, HEADER + f'{SARI},2026-11-02,"{"x" * 200_000}",0,tidak\n')
    assert refused.value.details[0]["code"] == "attendance_not_csv"  # csv: field larger than field limit


def test_a_mark_from_the_event_and_the_same_from_the_file_is_one_mark(svc):
    from tests.support.factories import attendance
    svc.on_attendance(attendance(SARI, "2026-11-03", "arrival", minutes=40))
    svc.on_attendance(attendance(SARI, "2026-11-03", "arrival", minutes=40))  # sent twice
    assert svc.import_attendance_csv(ADMIN, HEADER + f"{SARI},2026-11-03,datang,40,tidak\n")["unchanged"] == 1
    svc.on_attendance(attendance(SARI, "2026-11-03", "arrival", minutes=10))  # the system's newer word
    assert marks(svc) == [(1, "2026-11-03", "arrival", 10, False)]
