"""The national e-Kinerja's daily entry (BKN's "Progres Harian") from the approved reports:
one row per approved report, as a CSV or XLSX for BKN's Excel importer, and as the JSON
item the sync adapter pushes (services/sync). docs/NATIONAL.md maps every column to
where it comes from."""
import datetime as dt

from sqlalchemy import select

from ekinerja_contract import clock, national_ids, periods
from ekinerja_contract.sheets import csv_bytes, neutralise, table_xlsx

from .models import ActivityType, Agency, Employee, Report, SkpItem

COLUMNS = [("nip", "NIP"), ("name", "Nama"), ("agency_code", "Kode OPD"),
           ("rhk", "Rencana Hasil Kerja"), ("action", "Rencana Aksi"), ("date", "Tanggal"),
           ("start", "Jam Mulai"), ("end", "Jam Selesai"), ("activity", "Kegiatan"),
           ("quantity", "Realisasi"), ("unit", "Satuan"), ("evidence_link", "Link Bukti Dukung"),
           ("approver_nip", "NIP Atasan Penyetuju"), ("approver_name", "Nama Atasan Penyetuju"),
           ("approved_at", "Tanggal Persetujuan"), ("report_id", "ID Laporan e-Kinerja Kota")]


# A file of more rows than this is not made as XLSX (openpyxl takes some 15 s per 100,000
# rows, and the message would outgrow the broker's): CSV is sent in parts (`after`).
XLSX_MAX_ROWS = 50_000
PAGE_ROWS = 5_000  # the CSV's part: about 1.8 MB of message


def approved(s, period: str, employee_ids: list[int] | None = None,
             agency_id: int | None = None, report_ids: list[int] | None = None,
             after: int | None = None, limit: int | None = None) -> list[dict]:
    """The month's approved reports (of these people, or this agency, or the city), by
    person, date and start; or, a part at a time (`after` a report id, `limit` of them),
    by report id. `evidence_id` is left for the caller to make a link of."""
    start, end = periods.bounds(period)
    q = (select(Report, Employee, ActivityType, SkpItem.title, Agency.code)
         .join(Employee, Employee.id == Report.employee_id)
         .join(ActivityType, ActivityType.id == Report.activity_type_id)
         .join(SkpItem, SkpItem.id == Report.skp_item_id)
         .join(Agency, Agency.id == Report.agency_id)
         .where(Report.state == "approved", Report.date >= start, Report.date < end))
    if employee_ids is not None:
        q = q.where(Report.employee_id.in_(employee_ids))
    if agency_id is not None:
        q = q.where(Report.agency_id == agency_id)
    if report_ids is not None:
        q = q.where(Report.id.in_(report_ids))
    if after is not None:
        q = q.where(Report.id > after).order_by(Report.id).limit(limit)
    else:
        q = q.order_by(Employee.nip, Report.date, Report.start, Report.id).limit(limit)
    found = s.execute(q).all()
    deciders = {r.decided_by or r.approver_id for r, *_ in found} - {None}
    names = {e.id: e for e in s.scalars(select(Employee).where(Employee.id.in_(deciders)))}
    return [row(r, emp, activity, rhk, code, names.get(r.decided_by or r.approver_id))
            for r, emp, activity, rhk, code in found]


def row(r: Report, emp: Employee, activity: ActivityType, rhk: str, agency_code: str,
        approver: Employee | None) -> dict:
    return {"report_id": r.id, "employee_id": r.employee_id, "nip": emp.nip, "name": emp.name,
            "agency_code": agency_code, "rhk": rhk, "action": activity.name,
            "date": r.date.isoformat(), "start": r.start.strftime("%H:%M"),
            "end": r.end.strftime("%H:%M"), "activity": r.description, "quantity": r.quantity,
            "unit": activity.output_unit, "evidence_id": r.evidence_id, "evidence_link": "",
            "approver_nip": approver.nip if approver else "",
            "approver_name": approver.name if approver else "",
            "approved_at": _city_day(r.decided_at)}


def _city_day(at: dt.datetime | None) -> str:
    """The day of the decision in the city's time zone (stored as UTC)."""
    if at is None:
        return ""
    if at.tzinfo is None:  # SQLite hands back the UTC wall time
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(clock.zone()).date().isoformat()


def with_links(rows: list[dict], links: dict, public_url: str) -> list[dict]:
    """Each row's evidence as the long-lived link evidence signed (none without a photo)."""
    for r in rows:
        link = links.get(r["evidence_id"]) if r["evidence_id"] else None
        r["evidence_link"] = f"{public_url}/bukti/bagikan/{link['token']}" if link else ""
    return rows


def to_csv(rows: list[dict], header: bool = True) -> bytes:
    return csv_bytes(rows, COLUMNS, lambda r, key: neutralise(r[key]), header)


def to_xlsx(rows: list[dict], period: str, scope: str) -> bytes:
    return table_xlsx(f"Progres Harian {period}",
                      f"Progres Harian {period} ({scope}): {len(rows)} laporan disetujui",
                      COLUMNS, rows, lambda r, key: neutralise(r[key]))


def as_item(r: dict) -> dict:
    """The JSON item pushed to the national endpoint (docs/NATIONAL.md)."""
    return {"idLokal": national_ids.progress_id(r["report_id"]), "nip": r["nip"],
            "rencanaHasilKerja": r["rhk"],
            "rencanaAksi": r["action"], "tanggal": r["date"], "jamMulai": r["start"],
            "jamSelesai": r["end"], "kegiatan": r["activity"], "realisasi": r["quantity"],
            "satuan": r["unit"], "buktiDukung": r["evidence_link"] or None,
            "penilai": {"nip": r["approver_nip"], "nama": r["approver_name"]},
            "tanggalPersetujuan": r["approved_at"]}
