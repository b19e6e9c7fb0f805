"""Spreadsheet cells that stay data. Names, NIPs and unit names come from the personnel
system's import, so a text cell may hold anything a clerk typed there: a name
`=HYPERLINK(...)` would open in finance's spreadsheet as a live formula. Every text cell
of a CSV or XLSX goes through `neutralise` (OWASP's CSV injection guidance); numbers are
left numbers."""
from openpyxl.cell.cell import Cell

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
