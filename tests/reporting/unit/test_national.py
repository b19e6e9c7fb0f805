"""BKN's Progres Harian from the approved reports: one row per approved report, the RHK,
the activity, the realisation with its unit, the approver, the photo as a long-lived link;
for a person, an agency or the city, only to whoever may see it."""
import base64
import csv
import io

import pytest
from openpyxl import load_workbook

from ekinerja_contract.errors import Forbidden, InvalidInput, NotFound
from tests.reporting.conftest import ADMIN
from tests.support.factories import report_approved


def approved(city, username="sari", **over):
    r = city.service.submit_report(city.actor(username), city.report(username, **over))
    city.service.on_approved(report_approved(r["id"], employee_id=city.ids[username],
                                             decided_by=city.ids["kadis"]))
    return r


def rows_of(result) -> list[dict]:
    text = base64.b64decode(result["base64"]).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def photos(city, monkeypatch):
    monkeypatch.setenv("EKINERJA_PUBLIC_URL", "https://ekinerja.kota.test/")
    return city.service.evidence


def test_an_approved_report_is_a_row_with_its_rhk_realisation_approver_and_photo_link(city, photos):
    fake = photos.fake
    photo = fake.add(city.ids["sari"])
    r = city.service.submit_report(city.actor("sari"), city.report(
        "sari", evidence_id=photo, quantity=3, description="Entri 3 berkas =SUM(A1)"))
    fake.records[photo]["status"] = "linked"  # as evidence does on submission
    city.service.on_approved(report_approved(r["id"], employee_id=city.ids["sari"],
                                             decided_by=city.ids["kadis"]))
    city.service.submit_report(city.actor("sari"), city.report("sari", date="2026-11-19"))  # waiting
    [row] = rows_of(city.service.progress_export(city.actor("sari"), "2026-11"))
    assert row["NIP"] == "199003212015032001" and row["Tanggal"] == "2026-11-18"
    assert (row["Jam Mulai"], row["Jam Selesai"], row["Realisasi"]) == ("08:00", "09:00", "3")
    assert row["Rencana Hasil Kerja"] == city.skp["sari"]["items"][0]["title"]
    assert row["Satuan"] and row["Rencana Aksi"]  # the catalogue's name and output unit
    assert row["Kegiatan"] == "Entri 3 berkas =SUM(A1)"  # a formula only where a cell starts
    assert (row["NIP Atasan Penyetuju"], row["Nama Atasan Penyetuju"]) == ("197805152005011003",
                                                                          "I Made Wirawan")
    assert row["Link Bukti Dukung"].startswith(f"https://ekinerja.kota.test/bukti/bagikan/{photo}.")
    assert row["ID Laporan e-Kinerja Kota"] == str(r["id"])


def test_the_xlsx_holds_the_same_rows_as_text_under_a_title(city, photos):
    approved(city)
    result = city.service.progress_export(city.actor("sari"), "2026-11", "xlsx")
    assert result["filename"] == "progres-harian-2026-11-199003212015032001.xlsx"
    sheet = load_workbook(io.BytesIO(base64.b64decode(result["base64"]))).active
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0][0].startswith("Progres Harian 2026-11") and values[1][0] == "NIP"
    assert values[2][0] == "199003212015032001" and len(values) == 3


def test_who_may_export_whose_progress(city, photos):
    approved(city, "sari")
    approved(city, "agus")
    kadis, agus = city.actor("kadis"), city.actor("agus")
    assert len(rows_of(city.service.progress_export(kadis, "2026-11", employee_id=city.ids["sari"]))) == 1
    with pytest.raises(NotFound):  # a colleague is nobody's business
        city.service.progress_export(agus, "2026-11", employee_id=city.ids["sari"])
    assert {r["Nama"] for r in rows_of(city.service.progress_export(agus, "2026-11"))} == {"Putu Agus"}
    agency_admin = {"account_id": 500, "agency_id": 1, "roles": ["agency_admin"]}
    assert len(rows_of(city.service.progress_export(agency_admin, "2026-11"))) == 2
    with pytest.raises(Forbidden):
        city.service.progress_export(agency_admin, "2026-11", agency_id=2)
    assert len(rows_of(city.service.progress_export(ADMIN, "2026-11"))) == 2  # the city
    assert rows_of(city.service.progress_export(ADMIN, "2026-11", agency_id=2)) == []
    with pytest.raises(NotFound):
        city.service.progress_export(ADMIN, "2026-11", agency_id=77)
    with pytest.raises(InvalidInput):
        city.service.progress_export(ADMIN, "2026-13")
    with pytest.raises(InvalidInput):
        city.service.progress_export(ADMIN, "2026-11", "pdf")


def test_the_sync_adapter_gets_the_national_items_of_approved_reports_only(city, photos):
    r = approved(city)
    waiting = city.service.submit_report(city.actor("sari"), city.report("sari", date="2026-11-19"))
    [item] = city.service.progress_items([r["id"], waiting["id"], 9999])
    assert item["idLokal"] == f"laporan-{r['id']}" and item["report_id"] == r["id"]
    assert item["penilai"] == {"nip": "197805152005011003", "nama": "I Made Wirawan"}
    assert item["tanggal"] == "2026-11-18" and item["buktiDukung"] is None


def test_a_csv_of_any_size_comes_in_parts_that_add_up_to_one_file(city, photos, monkeypatch):
    from services.reporting import national
    for start in ("08:00", "10:00", "13:00"):
        approved(city, start=start, end=f"{int(start[:2]) + 1:02d}:00")
    monkeypatch.setattr(national, "PAGE_ROWS", 2)
    parts, after = [], 0
    while after is not None:
        part = city.service.progress_part(ADMIN, "2026-11", None, None, after)
        parts.append(part["csv"])
        after = part["next"]
    assert len(parts) == 2 and parts[0].startswith("\ufeffNIP,") and not parts[1].startswith("\ufeff")
    lines = list(csv.DictReader(io.StringIO("".join(parts).lstrip("\ufeff"))))
    assert [r["Jam Mulai"] for r in lines] == ["08:00", "10:00", "13:00"]
    assert part["filename"] == "progres-harian-2026-11-kota.csv"
    monkeypatch.setattr(national, "XLSX_MAX_ROWS", 2)
    with pytest.raises(InvalidInput) as err:  # too big to make as one XLSX: CSV says so
        city.service.progress_export(ADMIN, "2026-11", "xlsx")
    assert err.value.code == "export_too_large"
    with pytest.raises(Forbidden):  # the parts keep the export's scope
        city.service.progress_part(city.actor("agus"), "2026-11", 1, None, 0)
