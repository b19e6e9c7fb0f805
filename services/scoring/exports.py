"""A closed period for finance: CSV, XLSX, and a PDF statement per employee (in
Bahasa Indonesia) that explains the amount line by line.

Names, NIPs and grades come from the personnel system's import, so a text cell may hold
anything a clerk typed there: a name `=HYPERLINK(...)` would open in finance's spreadsheet as
a live formula. Every text cell of both spreadsheets goes through `neutralise` (OWASP's CSV
injection guidance); numbers are left numbers."""
import csv
import io
from decimal import Decimal, InvalidOperation

from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font

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
# What makes Excel, LibreOffice or Google Sheets read a cell as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text value that a spreadsheet would evaluate, as text: a leading `'`. Anything
    that is not a str (numbers, None) is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


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


def _append(ws, row: list) -> None:
    """One row, its text cells typed as strings. openpyxl makes a formula of any str that
    starts with `=` and an error cell of "#N/A" and the like; `neutralise` already quoted the
    first, the explicit type covers both whatever the value. (Cells made here rather than
    looked up after `ws.append`: `ws.max_row` scans every cell, once per row of a city.)"""
    cells = []
    for value in row:
        cell = Cell(ws, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
        cells.append(cell)
    ws.append(cells)


def to_xlsx(lines: list[dict], period: str, version: int) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = f"TPP {period}"
    _append(ws, [neutralise(f"Rekap TPP {period} (versi {version})")])
    ws["A1"].font = Font(bold=True, size=13)
    _append(ws, [neutralise(title) for _, title in COLUMNS])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for line in lines:
        row = [_cell(line, key) for key, _ in COLUMNS]
        _append(ws, [float(v) if isinstance(v, Decimal) else v for v in row])
    ws.append([])
    _append(ws, ["Jumlah", None, None, None, None, None, None, None, None, None,
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
