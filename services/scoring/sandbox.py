"""A draft Perwali tried on the past: the last N closed months recomputed under a draft
rule set, from the same ledger and attendance, beside what was frozen. Read only: the
frozen snapshots never change (the session writes nothing). Per person and per agency,
old against new, who gains and who loses, and the total against each agency's budget
ceiling (its yearly pagu pro rata for the months replayed)."""
from collections import defaultdict

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select

from ekinerja_contract.rule_set import RuleSetBody
from ekinerja_contract.sheets import headed, neutralise, typed_row, workbook_bytes

from . import payroll, rules
from .models import AgencyBudget, Snapshot, SnapshotLine

MAX_MONTHS = 12


def draft_resolver(body: RuleSetBody, name: str = "draf"):
    ref = rules.RuleRef(-1, name, body)

    def resolve(agency_id, day):
        return ref
    resolve.asks_appraisals = body.exclusions.appraiser_must_assess  # type: ignore[attr-defined]
    return resolve


def closed_periods(s, months: int, agency_id: int | None) -> list[str]:
    q = select(Snapshot.period).distinct().order_by(Snapshot.period.desc()).limit(months)
    if agency_id is not None:
        q = q.where(Snapshot.agency_key.in_((0, agency_id)))
    return sorted(s.scalars(q))


def frozen_lines(s, period: str, agency_id: int | None) -> dict[int, dict]:
    """The newest version of every snapshot of the month, by employee."""
    newest: dict[int, Snapshot] = {}
    for snap in s.scalars(select(Snapshot).where(Snapshot.period == period).order_by(Snapshot.version)):
        newest[snap.agency_key] = snap
    out = {}
    for line in s.scalars(select(SnapshotLine).where(
            SnapshotLine.snapshot_id.in_([snap.id for snap in newest.values()]))):
        if agency_id is None or line.agency_id == agency_id:
            out[line.employee_id] = line.line
    return out


def replay(s, body: RuleSetBody, months: int, agency_id: int | None = None, progress=None) -> dict:
    periods_ = closed_periods(s, months, agency_id)
    resolve = draft_resolver(body, body.name)
    people: dict[int, dict] = {}
    errors = []
    for n, period in enumerate(periods_, 1):
        old = frozen_lines(s, period, agency_id)
        new, failed = payroll.compute_lines(s, period, None, employee_ids=list(old), resolve=resolve)
        errors += [e | {"period": period} for e in failed]
        by_id = {line["employee_id"]: line for line in new}
        for employee_id, before in old.items():
            after = by_id.get(employee_id)
            p = people.setdefault(employee_id, {
                "employee_id": employee_id, "nip": before["nip"], "name": before["name"],
                "agency_id": before["agency_id"], "old_gross": 0, "new_gross": 0, "old_net": 0,
                "new_net": 0, "months": 0})
            p["months"] += 1
            p["old_gross"] += before["gross"]
            p["old_net"] += before["net"]
            if after is not None:  # failed under the draft: counted as nothing, and listed
                p["new_gross"] += after["gross"]
                p["new_net"] += after["net"]
        if progress:
            progress(n, len(periods_))
    for p in people.values():
        p["difference"] = p["new_net"] - p["old_net"]
    return _summary(s, body, periods_, sorted(people.values(), key=lambda p: p["difference"]), errors)


def _summary(s, body, periods_, people, errors) -> dict:
    agencies: dict[int, dict] = {}
    for p in people:
        a = agencies.setdefault(p["agency_id"], {"agency_id": p["agency_id"], "people": 0, "gainers": 0,
                                                 "losers": 0, "old_gross": 0, "new_gross": 0,
                                                 "old_net": 0, "new_net": 0})
        a["people"] += 1
        a["gainers"] += p["difference"] > 0
        a["losers"] += p["difference"] < 0
        for key in ("old_gross", "new_gross", "old_net", "new_net"):
            a[key] += p[key]
    names = payroll.agency_names(s, set(agencies))
    months_by_year: dict[int, int] = defaultdict(int)
    for period in periods_:
        months_by_year[int(period[:4])] += 1
    budgets: dict[int, int] = defaultdict(int)
    for row in s.scalars(select(AgencyBudget).where(AgencyBudget.year.in_(list(months_by_year)))):
        budgets[row.agency_id] += row.ceiling * months_by_year[row.year] // 12
    for agency_id, a in agencies.items():
        code, name = names.get(agency_id, (None, None))
        a["agency_code"], a["agency_name"] = code or str(agency_id), name or ""
        a["budget"] = budgets.get(agency_id)
        a["over_budget"] = a["budget"] is not None and a["new_gross"] > a["budget"]
    totals = {key: sum(a[key] for a in agencies.values())
              for key in ("people", "gainers", "losers", "old_gross", "new_gross", "old_net", "new_net")}
    known = [a["budget"] for a in agencies.values() if a["budget"] is not None]
    totals["budget"] = sum(known) if known else None
    return {"draft": body.name, "months": periods_, "totals": totals,
            "agencies": sorted(agencies.values(), key=lambda a: a["agency_code"]),
            "people": people, "errors": errors}


PEOPLE_COLUMNS = [("nip", "NIP"), ("name", "Nama"), ("agency_code", "Kode OPD"), ("months", "Bulan"),
                  ("old_gross", "TPP Kotor Lama"), ("new_gross", "TPP Kotor Draf"),
                  ("old_net", "TPP Bersih Lama"), ("new_net", "TPP Bersih Draf"),
                  ("difference", "Selisih Bersih")]
AGENCY_COLUMNS = [("agency_code", "Kode OPD"), ("agency_name", "Nama OPD"), ("people", "Pegawai"),
                  ("gainers", "Naik"), ("losers", "Turun"), ("old_gross", "TPP Kotor Lama"),
                  ("new_gross", "TPP Kotor Draf"), ("budget", "Pagu (pro rata)"),
                  ("old_net", "TPP Bersih Lama"), ("new_net", "TPP Bersih Draf")]


def to_xlsx(result: dict) -> bytes:
    """For the approval file: the agencies (with the city's total against the pagu), then
    every person, biggest loss first."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Per OPD"
    span = f"{result['months'][0]} s.d. {result['months'][-1]}" if result["months"] else "-"
    headed(ws, f"Simulasi {result['draft']} atas {span}: lama lawan draf", AGENCY_COLUMNS)
    for a in result["agencies"]:
        typed_row(ws, [neutralise(a[k]) if k in ("agency_code", "agency_name") else a[k]
                       for k, _ in AGENCY_COLUMNS])
    t = result["totals"]
    typed_row(ws, [neutralise("Jumlah kota"), None, t["people"], t["gainers"], t["losers"],
                   t["old_gross"], t["new_gross"], t["budget"], t["old_net"], t["new_net"]])
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    codes = {a["agency_id"]: a["agency_code"] for a in result["agencies"]}
    people = wb.create_sheet("Per pegawai")
    headed(people, f"Simulasi {result['draft']} per pegawai ({span})", PEOPLE_COLUMNS)
    for p in result["people"]:
        row = p | {"agency_code": codes.get(p["agency_id"], str(p["agency_id"]))}
        typed_row(people, [neutralise(row[k]) if k in ("nip", "name", "agency_code") else row[k]
                           for k, _ in PEOPLE_COLUMNS])
    if result["errors"]:
        failed = wb.create_sheet("Gagal dihitung")
        headed(failed, "Baris yang tidak dapat dihitung dengan draf",
               [("period", "Bulan"), ("nip", "NIP"), ("error", "Masalah")])
        for e in result["errors"]:
            typed_row(failed, [neutralise(e["period"]), neutralise(e["nip"]), neutralise(e["error"])])
    return workbook_bytes(wb)
