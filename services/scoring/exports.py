"""A closed period for finance: CSV, XLSX, and a PDF statement per employee (in
Bahasa Indonesia) that explains the amount line by line.

Every text cell of both spreadsheets goes through `neutralise` (ekinerja_contract.sheets:
names come from the personnel import and may hold a formula); numbers are left numbers."""
from decimal import Decimal, InvalidOperation

from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.styles import Font

from ekinerja_contract.sheets import csv_bytes, headed, neutralise, typed_row, workbook_bytes

COLUMNS = [("nip", "NIP"), ("name", "Nama"), ("agency_code", "Kode OPD"), ("agency_name", "Nama OPD"),
           ("bank_name", "Bank"), ("bank_account", "Nomor Rekening"),
           ("bank_account_holder", "Nama Pemilik Rekening"), ("bank_changed_on", "Rekening Diubah"),
           ("job_class", "Kelas Jabatan"),
           ("status", "Status"), ("grade", "Golongan"), ("working_days", "Hari Kerja"),
           ("minutes", "Menit Kerja"), ("activity_points", "Poin Aktivitas"),
           ("approver_points", "Poin Persetujuan"), ("ceiling", "Pagu TPP"),
           ("performance", "Capaian Kinerja"), ("discipline", "Capaian Disiplin"),
           ("gross", "TPP Kotor"), ("cpns_factor", "Faktor CPNS"),
           ("after_factor", "TPP setelah Faktor CPNS"), ("tax", "PPh 21"),
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


# The money columns summed per agency and for the whole file, the way finance checks it.
TOTALS = ("ceiling", "gross", "after_factor", "tax", "insurance", "net")


NO_PAYEE = {"bank_name": "", "bank_account": "", "bank_account_holder": "", "bank_changed_on": ""}


def for_finance(line: dict, agencies: dict[int, tuple[str | None, str | None]],
                payees: dict | None = None) -> dict:
    """A frozen line as finance pays from it: the agency by code and name (the id where
    no placement named it), the payee's bank account as the organisation import gave it
    (`payees`, by employee id as text; empty where none is known), and the amount after
    the CPNS factor, so that it minus tax and insurance is the net as printed (a line
    frozen before it was kept: net + tax + insurance, which is what it was)."""
    code, name = agencies.get(line["agency_id"], (None, None))
    after = line.get("after_factor")
    if after is None:
        after = line["net"] + line["tax"] + line["insurance"]
    payee = (payees or {}).get(str(line["employee_id"]), NO_PAYEE)
    return line | payee | {"agency_code": code or str(line["agency_id"]), "agency_name": name or "",
                           "after_factor": after}


def by_agency(lines: list[dict]) -> list[dict]:
    """Per agency: how many people and each money column's sum, in the lines' order."""
    groups: dict[str, dict] = {}
    for line in lines:
        g = groups.setdefault(line["agency_code"], {"agency_code": line["agency_code"],
                                                    "agency_name": line["agency_name"], "people": 0,
                                                    **{k: 0 for k in TOTALS}})
        g["people"] += 1
        for key in TOTALS:
            g[key] += line[key]
    return list(groups.values())


def to_csv(lines: list[dict], columns=None) -> bytes:
    return csv_bytes(lines, columns or COLUMNS, _cell)


# What changed after a month was paid (later snapshot versions: audited corrections), for
# the next payroll: a positive difference is owed to the employee (kekurangan bayar), a
# negative one is taken back (kelebihan bayar).
CORRECTION_COLUMNS = [("nip", "NIP"), ("name", "Nama"), ("agency_code", "Kode OPD"),
                      ("agency_name", "Nama OPD"), ("bank_name", "Bank"),
                      ("bank_account", "Nomor Rekening"), ("paid_net", "TPP Bersih Dibayar"),
                      ("net", "TPP Bersih Seharusnya"), ("difference", "Selisih"), ("kind", "Jenis"),
                      ("reasons", "Alasan Koreksi")]


def corrections(paid: list[dict], now: list[dict], reasons: list[str]) -> list[dict]:
    """Per employee whose net differs between what was paid and the newest version."""
    before = {line["employee_id"]: line for line in paid}
    rows = []
    for line in now:
        paid_net = before[line["employee_id"]]["net"] if line["employee_id"] in before else 0
        if line["net"] != paid_net:
            difference = line["net"] - paid_net
            rows.append(line | {"paid_net": paid_net, "difference": difference, "reasons": reasons,
                                "kind": "kekurangan bayar" if difference > 0 else "kelebihan bayar"})
    return rows


def corrections_xlsx(rows: list[dict], period: str, since: int, version: int) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = f"Koreksi TPP {period}"
    headed(ws, f"Koreksi TPP {period}: versi {version} terhadap versi {since} yang dibayar",
            CORRECTION_COLUMNS)
    for row in rows:
        typed_row(ws, [_cell(row, key) for key, _ in CORRECTION_COLUMNS])
    ws.append([])
    owed = sum(r["difference"] for r in rows if r["difference"] > 0)
    back = sum(r["difference"] for r in rows if r["difference"] < 0)
    at = [key for key, _ in CORRECTION_COLUMNS].index("difference")  # the sums under Selisih

    def total(label, value, *between):
        typed_row(ws, [neutralise(label), *between] + [None] * (at - 1 - len(between)) + [value])
    total("Jumlah kekurangan bayar", owed)
    total("Jumlah kelebihan bayar", back)
    total("Total kontrol", owed + back, neutralise("jumlah baris"), len(rows),
          neutralise("jumlah selisih"))
    return workbook_bytes(wb)


def to_xlsx(lines: list[dict], period: str, version: int, seal: str | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = f"TPP {period}"
    headed(ws, f"Rekap TPP {period} (versi {version})", COLUMNS)
    for line in lines:
        row = [_cell(line, key) for key, _ in COLUMNS]
        typed_row(ws, [float(v) if isinstance(v, Decimal) else v for v in row])
    ws.append([])
    total = {key: sum(line[key] for line in lines) for key in TOTALS}
    typed_row(ws, [neutralise("Jumlah") if n == 0 else total.get(key)
                   for n, (key, _) in enumerate(COLUMNS)])
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    _agency_sheet(wb.create_sheet("Rekap per OPD"), lines, period, version, seal)
    _steps_sheet(wb.create_sheet("Rincian"), lines, period, version)
    return workbook_bytes(wb)


STEP_COLUMNS = [("nip", "NIP"), ("name", "Nama"), ("n", "Urutan"), ("label", "Rincian"),
                ("clause", "Dasar (aturan dan pasal)"), ("amount", "Jumlah (Rp)")]


def _steps_sheet(ws, lines: list[dict], period: str, version: int) -> None:
    """Each line's steps from the ceiling to net, one row each, as the slip prints them: a
    share adds, a deduction is negative, the ceiling is the base (a line frozen before the
    steps were kept has its totals only)."""
    headed(ws, f"Rincian TPP {period} per pegawai (versi {version})", STEP_COLUMNS)
    for line in lines:
        steps = line.get("steps") or [{"label": "TPP bersih (rincian belum dicatat)", "clause": "",
                                       "amount": line["net"], "kind": "total"}]
        for n, step in enumerate(steps, 1):
            typed_row(ws, [neutralise(line["nip"]), neutralise(line["name"]), n,
                           neutralise(step["label"]), neutralise(step["clause"]), step["amount"]])


AGENCY_COLUMNS = [("agency_code", "Kode OPD"), ("agency_name", "Nama OPD"), ("people", "Jumlah Pegawai"),
                  ("ceiling", "Pagu TPP"), ("gross", "TPP Kotor"),
                  ("after_factor", "TPP setelah Faktor CPNS"), ("tax", "PPh 21"), ("insurance", "Iuran BPJS"),
                  ("net", "TPP Bersih")]


def _agency_sheet(ws, lines: list[dict], period: str, version: int, seal: str | None) -> None:
    """Each agency's totals, the city's, the control total finance checks its transfer
    file against (how many lines, and their net summed), and the month's seal: the pay-line
    chain's hash after its last line, which the verifier holds the database against."""
    headed(ws, f"Rekap TPP {period} per OPD (versi {version})", AGENCY_COLUMNS)
    groups = by_agency(lines)
    for g in groups:
        typed_row(ws, [neutralise(g[key]) if key in ("agency_code", "agency_name") else g[key]
                       for key, _ in AGENCY_COLUMNS])
    city = {"people": len(lines), **{key: sum(g[key] for g in groups) for key in TOTALS}}
    typed_row(ws, [neutralise("Jumlah seluruhnya"), None] + [city[key] for key, _ in AGENCY_COLUMNS[2:]])
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    ws.append([])
    typed_row(ws, [neutralise("Total kontrol"), neutralise("jumlah baris"), len(lines),
                   neutralise("jumlah TPP bersih"), city["net"]])
    if seal:
        typed_row(ws, [neutralise("Segel rantai (SHA-256)"), seal])


def rupiah(value) -> str:
    return "Rp " + f"{int(value):,}".replace(",", ".")


def _text(value) -> str:
    """Helvetica is latin-1: the dashes and the minus sign of the labels become '-'."""
    text = str(value).replace("\u2212", "-").replace("\u2013", "-").replace("\u2014", "-")
    return text.encode("latin-1", "replace").decode("latin-1")


def _steps(pdf, line: dict) -> None:
    """Every step from the ceiling to net, with the article behind it."""
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 6, "Rincian dari pagu sampai TPP bersih", new_x="LMARGIN", new_y="NEXT")
    for step in line["steps"]:
        amount = step["amount"]
        shown = f"({rupiah(amount)})" if step["kind"] == "base" else \
            ("- " + rupiah(-amount) if step["kind"] == "subtract" else rupiah(amount))
        pdf.set_font("Helvetica", "B" if step["kind"] == "total" else "", 9)
        label = _text(step["label"])
        height = 5 * len(pdf.multi_cell(140, 5, label, dry_run=True, output="LINES"))
        if pdf.will_page_break(height):
            pdf.add_page()
        top = pdf.get_y()
        pdf.multi_cell(140, 5, label, new_x="RIGHT", new_y="TOP")
        pdf.cell(0, 5, _text(shown), align="R")
        pdf.set_xy(pdf.l_margin, top + height)
        if step["clause"]:
            pdf.set_font("Helvetica", "I", 7)
            pdf.multi_cell(140, 4, _text(step["clause"]), new_x="LMARGIN", new_y="NEXT")
        for mark in step["refs"].get("attendance", []):
            pdf.set_font("Helvetica", "", 7)
            pdf.multi_cell(0, 4, _text(f"    {mark['date']}  {mark['reason']}: {mark['percent']}%  "
                                       f"({mark['clause']})"), new_x="LMARGIN", new_y="NEXT")


def statement_pdf(line: dict, version: int, entries: list[dict], seal: str | None = None) -> bytes:
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
    if line.get("steps"):
        _steps(pdf, line)
    else:  # a month frozen before the steps were kept
        for n, seg in enumerate(line["segments"], 1):
            pdf.set_font("Helvetica", "B", 10)
            pdf.cell(0, 6, _text(f"Bagian {n}: aturan {seg['rule_set']}, {seg['working_days']} hari kerja"),
                     new_x="LMARGIN", new_y="NEXT")
            row("  Standar / capaian", f"{seg['standard']} / {seg['achieved']}")
            row("  Capaian kinerja", f"{float(seg['performance']):.2%}")
            row("  Potongan disiplin", f"{seg['deduction_percent']}%")
            for day, reason, pct, *_ in seg["deductions"]:
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
    if seal:  # the month's seal, to hold the database against (ekinerja_contract/chain.py)
        pdf.ln(4)
        pdf.set_font("Helvetica", "", 7)
        pdf.cell(0, 4, _text(f"Segel rekap (SHA-256): {seal}"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
