"""The attendance system's daily file, for cities whose attendance system cannot publish
`attendance.recorded`: the same marks, in bulk, all or nothing.

The file is CSV with a header: `nip,tanggal,jenis,menit,dimaafkan`.
- `jenis`: datang (arrival: `menit` late), pulang (departure: `menit` early; negative:
  stayed after the end of the day, which flexi hours count), tidak_hadir (absence), cuti
  (leave) or a kind of leave: cuti_tahunan, cuti_sakit, cuti_melahirkan, cuti_besar,
  cuti_alasan_penting, dinas_luar (duty travel, DL: present); the English event words too;
- `menit`: 0-1440 (pulang: -1440 to 1440), empty for 0; `dimaafkan`: ya/tidak (empty: tidak).

A mark is one per person, day and kind: a file sent again changes nothing, and a later
file with another value for the same mark replaces it (the attendance system's newest
word). A month already closed for the person's agency is refused: it changes only by an
audited correction. Every problem names its row (the header is row 1) and its column."""
import csv
import datetime as dt
import hashlib
import io

from sqlalchemy import select

from ekinerja_contract import periods
from ekinerja_contract.errors import InvalidInput

from .models import Attendance, Placement

KINDS = {"datang": "arrival", "pulang": "departure", "tidak_hadir": "absence", "cuti": "leave",
         "arrival": "arrival", "departure": "departure", "absence": "absence", "leave": "leave"}
LEAVES = {"cuti_tahunan": "annual", "cuti_sakit": "sick", "cuti_melahirkan": "maternity",
          "cuti_besar": "big", "cuti_alasan_penting": "important", "dinas_luar": "duty_travel"}
YES, NO = {"ya", "y", "1", "true"}, {"", "tidak", "t", "0", "false"}
COLUMNS = ("nip", "tanggal", "jenis", "menit", "dimaafkan")
MAX_ROWS = 200_000


def _problem(row: int, column: str, code: str, reason: str, **params) -> dict:
    return {"row": row, "column": column, "code": code, "reason": reason,
            "params": {k: str(v) for k, v in params.items()}}


def parse(text: str) -> tuple[list[dict], list[dict]]:
    """The rows as marks, and every problem found (row, column, code)."""
    try:
        return _parse(text)
    except csv.Error as error:  # a NUL byte, a broken quote: not CSV at all
        return [], [_problem(1, "nip", "attendance_not_csv", str(error))]


def _parse(text: str) -> tuple[list[dict], list[dict]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        return [], [_problem(1, c, "attendance_column_missing", f"no column {c}") for c in missing]
    marks, problems = [], []
    for n, raw in enumerate(reader, start=2):
        if n - 1 > MAX_ROWS:
            problems.append(_problem(n, "nip", "attendance_too_many_rows", f"over {MAX_ROWS} rows",
                                     limit=MAX_ROWS))
            break
        row = {k: (v or "").strip() for k, v in raw.items() if k}
        mark: dict = {"row": n, "nip": row["nip"]}
        if not (row["nip"].isascii() and row["nip"].isdigit() and len(row["nip"]) == 18):
            problems.append(_problem(n, "nip", "attendance_nip", "a NIP is 18 digits"))
        try:
            mark["date"] = dt.date.fromisoformat(row["tanggal"])
        except ValueError:
            problems.append(_problem(n, "tanggal", "attendance_date", "a date is YYYY-MM-DD"))
        word = row["jenis"].lower()
        mark["leave_type"] = LEAVES.get(word)
        kind = "leave" if mark["leave_type"] else KINDS.get(word)
        if kind is None:
            problems.append(_problem(n, "jenis", "attendance_kind", "datang, pulang, tidak_hadir or cuti"))
        mark["kind"] = kind
        minutes = row["menit"] or "0"
        digits = minutes[1:] if kind == "departure" and minutes.startswith("-") else minutes
        if not (digits.isascii() and digits.isdigit() and int(digits) <= 1440):
            problems.append(_problem(n, "menit", "attendance_minutes", "whole minutes, 0 to 1440"))
        else:
            mark["minutes"] = int(minutes)
        excused = row["dimaafkan"].lower()
        if excused not in YES | NO:
            problems.append(_problem(n, "dimaafkan", "attendance_excused", "ya or tidak"))
        mark["excused"] = excused in YES
        marks.append(mark)
    return marks, problems


def mark_id(nip: str, date: dt.date, kind: str) -> str:
    """The mark's one id, from the file or an attendance.recorded event alike: the same
    person, day and kind is one mark. ("import-" is historical: rows already loaded keep it.)"""
    return "import-" + hashlib.sha256(f"{nip}|{date}|{kind}".encode()).hexdigest()[:29]


def load(s, text: str, closed) -> dict:
    """Check the whole file, then write every mark; `closed(period, agency_id)` says
    whether a month is closed for an agency. Nothing is written when any row is wrong."""
    marks, problems = parse(text)
    seen: dict[tuple, int] = {}
    nips = {m["nip"] for m in marks}
    people = {nip: (employee, agency) for nip, employee, agency in s.execute(
        select(Placement.nip, Placement.employee_id, Placement.agency_id)
        .where(Placement.nip.in_(nips)).order_by(Placement.start_date, Placement.id))} if nips else {}
    for m in marks:
        if "date" not in m or m["kind"] is None:
            continue
        key = (m["nip"], m["date"], m["kind"])
        if key in seen:
            problems.append(_problem(m["row"], "jenis", "attendance_duplicate",
                                     f"the same mark as row {seen[key]}", other=seen[key]))
        seen.setdefault(key, m["row"])
        if m["nip"] not in people:
            problems.append(_problem(m["row"], "nip", "attendance_unknown_nip", "nobody has this NIP",
                                     nip=m["nip"]))
        elif closed(periods.period_of(m["date"]), people[m["nip"]][1]):
            problems.append(_problem(m["row"], "tanggal", "attendance_period_closed",
                                     "that month is closed", period=periods.period_of(m["date"])))
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s) in the file; nothing was imported",
                           sorted(problems, key=lambda p: p["row"]),
                           code="import_invalid", params={"count": len(problems)})
    added = replaced = unchanged = 0
    for m in marks:
        source = mark_id(m["nip"], m["date"], m["kind"])
        row = s.scalar(select(Attendance).where(Attendance.source_event_id == source))
        if row is None:
            s.add(Attendance(employee_id=people[m["nip"]][0], date=m["date"], kind=m["kind"],
                             minutes=m["minutes"], excused=m["excused"], leave_type=m["leave_type"],
                             source_event_id=source))
            added += 1
        elif (row.minutes, row.excused, row.leave_type) != (m["minutes"], m["excused"], m["leave_type"]):
            row.minutes, row.excused, row.leave_type = m["minutes"], m["excused"], m["leave_type"]
            replaced += 1
        else:
            unchanged += 1
    return {"rows": len(marks), "added": added, "replaced": replaced, "unchanged": unchanged}
