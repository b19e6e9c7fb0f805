"""Spreadsheet cells that stay data. Names, NIPs and unit names come from the personnel
system's import, so a text cell may hold anything a clerk typed there: a name
`=HYPERLINK(...)` would open in finance's spreadsheet as a live formula. Every text cell
of a CSV or XLSX goes through `neutralise` (OWASP's CSV injection guidance); numbers are
left numbers."""
import base64
import csv
import io

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font

# What makes Excel, LibreOffice or Google Sheets read a cell as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text value that a spreadsheet would evaluate, as text: a leading `'`. Anything
    that is not a str (numbers, None) is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def typed_row(ws, row: list) -> None:
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


def csv_bytes(rows: list[dict], columns, cell, header: bool = True) -> bytes:
    """A header of `columns`' titles and a line per row, each value through `cell(row,
    key)`; UTF-8 with a BOM, which Excel needs to read it as UTF-8. Without `header`: the
    lines only (a later part of a file sent in parts), no BOM."""
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow([neutralise(title) for _, title in columns])
    for row in rows:
        writer.writerow([cell(row, key) for key, _ in columns])
    return out.getvalue().encode("utf-8-sig" if header else "utf-8")


def headed(ws, heading: str, columns) -> None:
    """A sheet's title line and its bold column titles (rows 1 and 2)."""
    typed_row(ws, [neutralise(heading)])
    ws["A1"].font = Font(bold=True, size=13)
    typed_row(ws, [neutralise(title) for _, title in columns])
    for cell in ws[2]:
        cell.font = Font(bold=True)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(fmt: str, name: str, as_csv, as_xlsx) -> dict:
    """A spreadsheet for the gateway to hand over: CSV or XLSX, built only as asked."""
    from .errors import InvalidInput
    if fmt == "csv":
        content, kind = as_csv(), "text/csv"
    elif fmt == "xlsx":
        content, kind = as_xlsx(), XLSX
    else:
        raise InvalidInput("format is csv or xlsx", [{"field": "fmt", "reason": fmt}], code="export_format")
    return {"filename": f"{name}.{fmt}", "content_type": kind, "base64": base64.b64encode(content).decode()}


def workbook_bytes(wb: Workbook, width: int = 18) -> bytes:
    """The workbook as a file, every column of every sheet wide enough to read."""
    for ws in wb.worksheets:
        for column in ws.columns:
            ws.column_dimensions[column[0].column_letter].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def table_xlsx(title: str, heading: str, columns, rows: list[dict], cell) -> bytes:
    """One sheet: a title line, the column titles, a row per item (`cell(row, key)`)."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    headed(ws, heading, columns)
    for row in rows:
        typed_row(ws, [cell(row, key) for key, _ in columns])
    return workbook_bytes(wb)
