"""The SKP evaluation in SIASN's shape: a periodic appraisal (a month, a quarter, a
semester) as `kinerja periodik`, the year's as `skp22`, with the appraiser's penilai…
fields from their placement; who may read whose; a span SIASN has no periodikId for is
refused. Through ScoringService's entrypoints (worker_factory, SQLite)."""
import datetime as dt

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import select

from ekinerja_contract import config
from ekinerja_contract.errors import Forbidden, InvalidInput, NotFound
from services.scoring import siasn
from services.scoring.models import Base
from services.scoring.service import ScoringService
from tests.support.factories import org_chart, placed
from tests.support.stores import sqlite_store

ADMIN = {"account_id": 99, "roles": ["city_admin"]}
HEAD = {"account_id": 1, "employee_id": 1, "agency_id": 1, "roles": ["employee", "supervisor"]}
STAFF = {"account_id": 2, "employee_id": 2, "agency_id": 1, "roles": ["employee"]}
OTHER = {"account_id": 3, "employee_id": 3, "agency_id": 1, "roles": ["employee"]}


@pytest.fixture
def service(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "today", lambda: dt.date(2026, 12, 10))
    svc = worker_factory(ScoringService, reporting=org_chart({2: 1, 3: 1}),
                         db=sqlite_store(Base.metadata, "scoring", tmp_path / "s.db"))
    svc.on_placement_changed(placed(1, "197805152005011003", job_class=14, grade="IV/b",
                                    name="I Made Wirawan", position_name="Kepala Dinas",
                                    agency_name="Dinas Kominfo"))
    svc.on_placement_changed(placed(2, "199003212015032001", grade="III/b", superior=1,
                                    name="Ni Luh Sari", unit_name="Bidang Aplikasi"))
    svc.on_placement_changed(placed(3, "199511082020121004", superior=1, status="CPNS"))
    return svc


def test_a_quarter_and_the_year_in_siasns_shapes_with_the_appraiser(service):
    service.set_appraisal(HEAD, 2, 2026, "above", "as_expected", 4, 6)
    service.set_appraisal(HEAD, 2, 2026, "above", "above")
    out = service.siasn_evaluations(ADMIN, 2026)
    [quarter], [year] = out["periodik"], out["tahunan"]
    assert quarter | {"idLokal": None} == {
        "idLokal": None, "pnsDinilaiNip": "199003212015032001", "pnsDinilaiId": None,
        "tahun": 2026, "tahunMulaiPenilaian": 2026, "tahunSelesaiPenilaian": 2026,
        "bulanMulaiPenilaian": 4, "bulanSelesaiPenilaian": 6,
        "periodikId": siasn.REFERENCE["periodik"]["triwulanan"],
        "hasilKinerjaNilai": 3, "perilakuKerjaNilai": 2, "kuadranKinerjaNilai": 4,  # Baik
        "koefisienId": None, "penilaiNama": "I Made Wirawan", "penilaiNipNrp": "197805152005011003",
        "penilaiJabatanNama": "Kepala Dinas", "penilaiGolongan": "42", "penilaiUnorNama": "Dinas Kominfo",
        "statusPenilai": "ASN"}
    assert year["kuadranKinerjaNilai"] == 5 and year["penilaiJabatan"] == "Kepala Dinas"
    assert "bulanMulaiPenilaian" not in year and year["pnsDinilaiOrang"] is None


def test_a_periodic_appraisal_leaves_the_years_predikat_distribution_alone(service):
    service.set_appraisal(HEAD, 2, 2026, "below", "below", 11, 11)
    report = service.predikat_report(ADMIN, 2026, 1)
    assert report["counts"] == {}
    with service.db.session() as s:
        t = service.db._outbox
        types = [r.event_type for r in s.execute(select(t.c.event_type))]
    assert types == ["appraisal.periodic_set"]


@pytest.mark.parametrize("months", [(2, 4), (0, 1), (5, 4), (1, 2), (4, 9), (1, 13)])
def test_a_span_siasn_has_no_period_for_is_refused(service, months):
    with pytest.raises(InvalidInput) as err:
        service.set_appraisal(HEAD, 2, 2026, "above", "above", *months)
    assert err.value.code == "appraisal_span"


def test_an_appraisal_entered_by_a_city_admin_is_non_asn(service):
    service.set_appraisal(ADMIN, 2, 2026, "as_expected", "as_expected", 1, 1)
    [item] = service.siasn_evaluations(ADMIN, 2026)["periodik"]
    assert item["statusPenilai"] == "NON ASN" and item["penilaiNama"] is None


def test_who_reads_whose_evaluations(service):
    service.set_appraisal(HEAD, 2, 2026, "above", "above", 1, 6)
    service.set_appraisal(HEAD, 3, 2026, "above", "above", 1, 6)
    assert len(service.siasn_evaluations(STAFF, 2026)["periodik"]) == 1  # their own
    assert len(service.siasn_evaluations(HEAD, 2026, employee_id=2)["periodik"]) == 1
    with pytest.raises(NotFound):
        service.siasn_evaluations(OTHER, 2026, employee_id=2)
    with pytest.raises(Forbidden):
        service.siasn_evaluations(STAFF, 2026, agency_id=1)
    agency_admin = {"account_id": 50, "agency_id": 1, "roles": ["agency_admin"]}
    assert len(service.siasn_evaluations(agency_admin, 2026)["periodik"]) == 2
    assert service.siasn_evaluations(ADMIN, 2026, months=[1, 6])["periodik"][1]["pnsDinilaiNip"] == \
        "199511082020121004"


@pytest.mark.parametrize("grade,code", [("III/b", "32"), ("IV/a", "41"), ("i/a", "11"),
                                        ("II/e", "25"), ("IX", None), (None, None), ("III", None)])
def test_grades_as_bkn_codes_them(grade, code):
    assert siasn.golongan_id(grade) == code
