"""Finance's spreadsheets never carry a formula from imported data (OWASP CSV injection):
text cells starting with = + - @ tab or CR are written as text with a leading quote, in
the CSV read back with the csv module and in the XLSX read back with openpyxl; numbers,
negative ones too, stay numbers."""
import base64
import csv
import datetime as dt
import io

import pytest
from nameko.testing.services import worker_factory
from openpyxl import load_workbook

from ekinerja_contract import config
from ekinerja_contract.errors import InvalidInput
from services.scoring import exports
from services.scoring.models import Base
from services.scoring.service import ScoringService
from tests.support.factories import attendance, org_chart, placed
from tests.support.stores import sqlite_store

HYPERLINK = '=HYPERLINK("http://evil.example/x","klik")'
HOSTILE = [HYPERLINK, "+1+1", "-2+3", "@SUM(1,2)", "\t=1+1", "\r=1+1"]
COLUMN = {key: n for n, (key, _) in enumerate(exports.COLUMNS)}


def line(n, name, **changes) -> dict:
    """A frozen line as scoring stores it: money in whole rupiah, decimals as strings."""
    return {"employee_id": n, "nip": f"19900101201501100{n}", "name": name, "agency_id": 1,
            "job_class": 7, "status": "PNS", "grade": "III/b", "working_days": 21,
            "minutes": 6300, "activity_points": "-5.00", "approver_points": "0",
            "ceiling": 4_500_000, "performance": "0.9500", "discipline": "1.0000",
            "gross": 4_380_000, "cpns_factor": "1", "tax": 219_000, "insurance": 43_800,
            "net": 4_117_200, "difference": -12_500, "rule_sets": ["bawaan"]} | changes


def for_finance(lines: list[dict]) -> list[dict]:
    return [exports.for_finance(line, {1: ("DISKOMINFO", "Dinas Komunikasi dan Informatika")})
            for line in lines]


@pytest.mark.parametrize("value", HOSTILE + ["#N/A", "'already quoted"])
def test_neutralise_quotes_exactly_what_a_spreadsheet_would_evaluate(value):
    assert exports.neutralise(value) == ("'" + value if value[0] in "=+-@\t\r" else value)


def test_neutralise_leaves_plain_text_and_numbers_alone():
    for value in ("Siti Aminah", "", "III/b", " =spasi dulu", -12_500, 0.95, None):
        assert exports.neutralise(value) == value


def test_the_csv_writes_every_hostile_text_cell_as_text_and_numbers_as_numbers():
    lines = [line(n, name, grade=name, rule_sets=[name]) for n, name in enumerate(HOSTILE, 1)]
    rows = list(csv.reader(io.StringIO(exports.to_csv(for_finance(lines)).decode("utf-8-sig"), newline="")))
    assert rows[0] == [title for _, title in exports.COLUMNS]
    for name, row in zip(HOSTILE, rows[1:], strict=False):
        for key in ("name", "grade", "rule_sets"):
            assert row[COLUMN[key]] == "'" + name
        assert row[COLUMN["difference"]] == "-12500"
        assert row[COLUMN["activity_points"]] == "-5.00"
        assert row[COLUMN["net"]] == "4117200"


def test_the_xlsx_types_every_hostile_text_cell_as_a_quoted_string():
    lines = [line(n, name, grade=name, rule_sets=[name]) for n, name in enumerate(HOSTILE, 1)]
    lines.append(line(9, "#N/A"))
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(for_finance(lines), "2026-11", 1))).active
    body = list(sheet.iter_rows(min_row=3, max_row=2 + len(lines)))
    for name, row in zip(HOSTILE, body, strict=False):
        for key in ("name", "grade", "rule_sets"):
            cell = row[COLUMN[key]]
            # A CR comes back as LF: XML's end-of-line handling, not the export's doing.
            assert cell.data_type == "s" and cell.value == "'" + name.replace("\r", "\n"), key
    not_an_error = body[-1][COLUMN["name"]]
    assert (not_an_error.data_type, not_an_error.value) == ("s", "#N/A")
    for row in body:
        for key, value in (("difference", -12_500), ("activity_points", -5.0), ("net", 4_117_200),
                           ("performance", 0.95)):
            assert (row[COLUMN[key]].data_type, row[COLUMN[key]].value) == ("n", value), key
    no_formula = [c.coordinate for r in sheet.iter_rows() for c in r if c.data_type == "f"]
    assert no_formula == []


ADMIN = {"account_id": 99, "roles": ["city_admin"]}
FINANCE = {"account_id": 98, "roles": ["finance"]}


PAYEE = {"bank_name": "Bank BPD Bali", "bank_account": "0012345678",
         "bank_account_holder": "Siti Aminah", "bank_changed_on": "2026-11-20"}


def closed_november(tmp_path, monkeypatch, nip: str, name: str):
    """Scoring with one employee and November 2026 closed, as the close job runs it."""
    monkeypatch.setattr(config, "today", lambda: dt.date(2026, 12, 10))
    store = sqlite_store(Base.metadata, "scoring", tmp_path / "s.db")
    svc = worker_factory(ScoringService, reporting=org_chart({}, payees={1: PAYEE}), db=store)
    svc.on_placement_changed(placed(1, nip, name=name))
    svc.on_attendance(attendance(nip, "2026-11-02"))
    svc.close_period(ADMIN, "2026-11")
    from sqlalchemy import select
    with svc.db.session() as s:
        t = svc.db._outbox
        bodies = [r.envelope for r in s.execute(
            select(t.c.envelope).where(t.c.event_type == "payroll.close_requested"))]
    for body in bodies:
        svc.on_close_requested(body)
    return svc


def test_an_employee_imported_with_a_formula_for_a_name_reaches_finance_as_text(tmp_path,
                                                                                monkeypatch):
    """The way of the issue: the name comes with the placement event, the month closes, and
    finance downloads both files through the service."""
    nip = "199003212015032001"
    svc = closed_november(tmp_path, monkeypatch, nip, HYPERLINK)

    content = base64.b64decode(svc.export(FINANCE, "2026-11", None, "csv")["base64"])
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[1][COLUMN["name"]] == "'" + HYPERLINK

    content = base64.b64decode(svc.export(FINANCE, "2026-11", None, "xlsx")["base64"])
    cell = load_workbook(io.BytesIO(content)).active.cell(3, COLUMN["name"] + 1)
    assert (cell.data_type, cell.value) == ("s", "'" + HYPERLINK)


def test_finance_reads_the_agency_by_code_and_name_and_every_step_adds_up():
    lines = for_finance([line(1, "Siti"), line(2, "Made", status="CPNS", cpns_factor="0.8", gross=4_000_000,
                                               after_factor=3_200_000, tax=160_000, insurance=32_000,
                                               net=3_008_000),
                         line(3, "Agus", agency_id=2)])
    rows = list(csv.reader(io.StringIO(exports.to_csv(lines).decode("utf-8-sig"), newline="")))
    header = rows[0]
    assert header[2:4] == ["Kode OPD", "Nama OPD"] and "TPP setelah Faktor CPNS" in header
    siti, made, agus = (dict(zip(header, row, strict=True)) for row in rows[1:])
    assert (siti["Kode OPD"], siti["Nama OPD"]) == ("DISKOMINFO", "Dinas Komunikasi dan Informatika")
    assert (agus["Kode OPD"], agus["Nama OPD"]) == ("2", "")  # no placement named it: the id
    for row in (siti, made):  # as printed: after the factor, less tax and insurance, is the net
        assert int(row["TPP setelah Faktor CPNS"]) - int(row["PPh 21"]) - int(row["Iuran BPJS"]) == \
            int(row["TPP Bersih"])
    assert made["TPP setelah Faktor CPNS"] == "3200000"
    assert siti["TPP setelah Faktor CPNS"] == "4380000"  # frozen before it was kept: net + tax + insurance


def test_the_xlsx_has_each_agencys_totals_the_citys_and_a_control_total():
    lines = for_finance([line(1, "Siti"), line(2, "Made"), line(3, "Agus", agency_id=2)])
    book = load_workbook(io.BytesIO(exports.to_xlsx(lines, "2026-11", 2)))
    sheet = book["Rekap per OPD"]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=3)]
    assert rows[0][:3] == ["DISKOMINFO", "Dinas Komunikasi dan Informatika", 2]
    assert rows[0][8] == 2 * 4_117_200 and rows[1][:3] == ["2", None, 1]
    assert rows[2][0] == "Jumlah seluruhnya" and rows[2][2] == 3 and rows[2][8] == 3 * 4_117_200
    assert rows[4][:5] == ["Total kontrol", "jumlah baris", 3, "jumlah TPP bersih", 3 * 4_117_200]
    lines_sheet = book.worksheets[0]
    total = [c.value for c in list(lines_sheet.iter_rows())[-1]]
    assert total[0] == "Jumlah" and total[COLUMN["net"]] == 3 * 4_117_200


def test_the_corrections_after_payment_list_what_is_owed_and_taken_back_with_totals():
    paid = [line(1, "Siti"), line(2, "Made"), line(3, "Agus")]
    now = for_finance([line(1, "Siti", net=4_217_200), line(2, "Made", net=4_017_200), line(3, "Agus"),
                       line(4, "Baru", net=1_000_000)])
    rows = exports.corrections(paid, now, ["laporan 12 Nov dipulihkan", "bukti palsu"])
    assert [(r["name"], r["paid_net"], r["difference"], r["kind"]) for r in rows] == [
        ("Siti", 4_117_200, 100_000, "kekurangan bayar"), ("Made", 4_117_200, -100_000, "kelebihan bayar"),
        ("Baru", 0, 1_000_000, "kekurangan bayar")]
    text = exports.to_csv(rows, exports.CORRECTION_COLUMNS).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("NIP,Nama,Kode OPD,Nama OPD,Bank,Nomor Rekening,"
                                           "TPP Bersih Dibayar")
    sheet = load_workbook(io.BytesIO(exports.corrections_xlsx(rows, "2026-11", 1, 3))).active
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    at = [key for key, _ in exports.CORRECTION_COLUMNS].index("difference")
    assert values[2][at] == 100_000  # the first row's Selisih: the totals stand under it
    assert values[-3][:at + 1] == ["Jumlah kekurangan bayar"] + [None] * (at - 1) + [1_100_000]
    assert values[-2][at] == -100_000 and values[-1][:3] == ["Total kontrol", "jumlah baris", 3]
    assert values[-1][at] == 1_000_000


def test_a_correction_after_the_close_is_in_finances_corrections_file(tmp_path, monkeypatch):
    nip = "199003212015032001"
    svc = closed_november(tmp_path, monkeypatch, nip, "Siti Aminah")
    empty = base64.b64decode(svc.corrections_export(FINANCE, "2026-11", None, "csv")["base64"])
    assert len(empty.decode("utf-8-sig").splitlines()) == 1  # nothing changed yet: the header
    svc.correct(ADMIN, 1, "2026-11", {"points": "40", "rupiah": 60000, "minutes": 480,
                                      "reason": "laporan rapat 12 Nov dipulihkan"})
    done = svc.corrections_export(FINANCE, "2026-11", None, "csv")
    assert done["filename"] == "tpp-koreksi-2026-11-kota-v1-v2.csv"
    rows = list(csv.reader(io.StringIO(base64.b64decode(done["base64"]).decode("utf-8-sig"), newline="")))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["NIP"] == nip and row["Alasan Koreksi"] == "laporan rapat 12 Nov dipulihkan"
    assert int(row["TPP Bersih Seharusnya"]) - int(row["TPP Bersih Dibayar"]) == int(row["Selisih"]) != 0
    with pytest.raises(InvalidInput) as refused:
        svc.corrections_export(FINANCE, "2026-11", None, "csv", 5)
    assert refused.value.code == "export_version"


def test_finance_pays_to_the_account_the_organisation_import_gave_leading_zeros_kept(tmp_path,
                                                                                    monkeypatch):
    svc = closed_november(tmp_path, monkeypatch, "199003212015032001", "Siti Aminah")
    content = base64.b64decode(svc.export(FINANCE, "2026-11", None, "csv")["base64"])
    header, row = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    siti = dict(zip(header, row, strict=True))
    assert (siti["Bank"], siti["Nomor Rekening"], siti["Nama Pemilik Rekening"], siti["Rekening Diubah"]) == (
        "Bank BPD Bali", "0012345678", "Siti Aminah", "2026-11-20")  # finance checks a recent change
    content = base64.b64decode(svc.export(FINANCE, "2026-11", None, "xlsx")["base64"])
    cell = load_workbook(io.BytesIO(content)).active.cell(3, COLUMN["bank_account"] + 1)
    assert (cell.data_type, cell.value) == ("s", "0012345678")  # text: a number loses the zeros


def test_someone_with_no_account_known_has_empty_bank_cells():
    [row] = [exports.for_finance(line(7, "Baru"), {}, {"1": PAYEE})]
    assert (row["bank_name"], row["bank_account"], row["bank_account_holder"]) == ("", "", "")
