"""A closed period for finance: CSV, XLSX, and a PDF statement per employee (in
Bahasa Indonesia) that explains the amount line by line.

Every text cell of both spreadsheets goes through `neutralise` (ekinerja_contract.sheets:
names come from the personnel import and may hold a formula); numbers are left numbers."""
import csv
import io
from decimal import Decimal, InvalidOperation

from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.styles import Font

from ekinerja_contract.sheets import neutralise, typed_row

COLUMNS = [("nip", "NIP"), ("name", "Nama"), ("agency_id", "OPD"), ("job_class", "Kelas Jabatan"),
           ("status", "Status"), ("grade", "Golongan"), ("working_days", "Hari Kerja"),
           ("minutes", "Menit Kerja"), ("activity_points", "Poin Aktivitas"),
           ("approver_points", "Poin Persetujuan"), ("ceiling", "Pagu TPP"),
           ("performance", "Capaian Kinerja"), ("discipline", "Capaian Disiplin"),
           ("gross", "TPP Kotor"), ("cpns_factor", "Faktor CPNS"), ("tax", "PPh 21"),
           ("insurance", "Iuran BPJS"), ("net", "TPP Bersih"), ("difference", "Selisih"),
           ("rule_sets", "Aturan")]
# The rules hand these over as decimal strings ("0.9500", "-5.00" after a reversal): they
# are numbers, and a negative one must not be taken for a formula and quoted.
DECIMALS = {"activity_points", "approver_points", "performance", "discipline", "cpns_factor"}
def _cell(line, key):
    value = line.get(key)
    if isinstance(value, list):
        value = ", ".join(value)
    if key in DECIMALS and isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            pass  # not a number after all: it is text, below
    return neutralise(value)


def to_csv(lines: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(title) for _, title in COLUMNS])
    for line in lines:
        writer.writerow([_cell(line, key) for key, _ in COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(lines: list[dict], period: str, version: int) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = f"TPP {period}"
    typed_row(ws, [neutralise(f"Rekap TPP {period} (versi {version})")])
    ws["A1"].font = Font(bold=True, size=13)
    typed_row(ws, [neutralise(title) for _, title in COLUMNS])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for line in lines:
        row = [_cell(line, key) for key, _ in COLUMNS]
        typed_row(ws, [float(v) if isinstance(v, Decimal) else v for v in row])
    ws.append([])
    typed_row(ws, ["Jumlah", None, None, None, None, None, None, None, None, None,
                 sum(line["ceiling"] for line in lines), None, None, sum(line["gross"] for line in lines),
                 None, sum(line["tax"] for line in lines), sum(line["insurance"] for line in lines),
                 sum(line["net"] for line in lines)])
    for column in ws.columns:
        ws.column_dimensions[column[1].column_letter].width = 16
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rupiah(value) -> str:
    return "Rp " + f"{int(value):,}".replace(",", ".")


def _text(value) -> str:
    return str(value).encode("latin-1", "replace").decode("latin-1")


def statement_pdf(line: dict, version: int, entries: list[dict]) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, _text(f"Rincian TPP {line['period']}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, _text(f"Versi rekap {version} - aturan: {', '.join(line['rule_sets'])}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    def row(label, value, bold=False):
        pdf.set_font("Helvetica", "B" if bold else "", 10)
        pdf.cell(80, 6, _text(label))
        pdf.cell(0, 6, _text(value), new_x="LMARGIN", new_y="NEXT")

    row("Nama", line["name"])
    row("NIP", line["nip"])
    row("Kelas jabatan / golongan", f"{line['job_class']} / {line.get('grade') or '-'}")
    row("Status", line["status"])
    row("Hari kerja", line["working_days"])
    row("Menit kerja yang disetujui", line["minutes"])
    row("Poin aktivitas / poin persetujuan", f"{line['activity_points']} / {line['approver_points']}")
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 6, "Aktivitas yang dihitung", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    kinds = {"activity": "disetujui", "approver_credit": "persetujuan", "reversal": "dibatalkan",
             "correction": "koreksi"}
    for e in entries:
        pdf.cell(0, 5, _text(f"  {e['date']}  {kinds.get(e['kind'], e['kind']):<12} "
                             f"{e.get('activity_code') or '-':<14} {e['minutes']:>5} menit  "
                             f"{e['points']:>7} poin  {rupiah(e['rupiah'])}"),
                 new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for n, seg in enumerate(line["segments"], 1):
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 6, _text(f"Bagian {n}: aturan {seg['rule_set']}, {seg['working_days']} hari kerja"),
                 new_x="LMARGIN", new_y="NEXT")
        row("  Standar / capaian", f"{seg['standard']} / {seg['achieved']}")
        row("  Capaian kinerja", f"{float(seg['performance']):.2%}")
        row("  Potongan disiplin", f"{seg['deduction_percent']}%")
        for day, reason, pct in seg["deductions"]:
            row(f"    {day}", f"{reason}: {pct}%")
        row("  Pagu (proporsional)", rupiah(seg["ceiling"]))
        row("  TPP bagian ini", rupiah(seg["amount"]))
    pdf.ln(2)
    row("Pagu TPP", rupiah(line["ceiling"]))
    row("TPP kotor", rupiah(line["gross"]))
    row("Faktor CPNS", line["cpns_factor"])
    row("PPh 21", "- " + rupiah(line["tax"]))
    row("Iuran BPJS Kesehatan", "- " + rupiah(line["insurance"]))
    row("TPP bersih", rupiah(line["net"]), bold=True)
    if line.get("difference"):
        row("Selisih dari versi sebelumnya", rupiah(line["difference"]))
    return bytes(pdf.output())
