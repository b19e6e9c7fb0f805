"""A generated city for the benchmarks: agencies of one head, section heads and staff.

The organisation goes in the way a city's would (the CSV import, docs/IMPORT.md);
the approved SKPs are written straight into reporting's database (drawing up
10,000 SKPs over the API is not what is being measured), and the bench signs its
own tokens with the gateway's secret instead of 10,000 password logins."""
import csv
import datetime as dt
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, insert, select

from ekinerja_contract import clock
from gateway.auth import issue_token

SECTIONS = 5  # section heads per agency; everyone else is staff under one of them
HEADER = ["nip", "nama", "status", "golongan", "kode_opd", "nama_opd", "kode_unit", "nama_unit",
          "kode_jabatan", "nama_jabatan", "kelas_jabatan", "kode_jabatan_atasan", "jenis",
          "tmt_mulai", "tmt_selesai", "username", "peran"]


@dataclass
class Person:
    employee_id: int
    username: str
    skp_item_id: int
    headers: dict
    approver: str | None  # username of the direct superior


@dataclass
class City:
    people: dict[str, Person] = field(default_factory=dict)

    @property
    def staff(self) -> list[Person]:
        return [p for p in self.people.values() if p.approver is not None]


def organisation_csv(employees: int, per_agency: int = 250, year: int = 2026) -> str:
    """`employees` people in agencies of `per_agency`: a head, SECTIONS section heads
    reporting to the head, and staff spread over the sections."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for n in range(employees):
        agency, k = divmod(n, per_agency)
        code = f"BENCH{agency:03d}"
        if k == 0:
            position, name, job_class, superior = "KADIS", "Kepala Dinas", 15, ""
        elif k <= SECTIONS:
            position, name, job_class, superior = f"KASI{k}", f"Kepala Seksi {k}", 9, "KADIS"
        else:
            position, name, job_class = f"STAF{k}", "Pelaksana", 6
            superior = f"KASI{1 + k % SECTIONS}"
        born = dt.date(1970, 1, 1) + dt.timedelta(days=n // 900)
        nip = f"{born:%Y%m%d}200501{1 + n % 2}{n % 900 + 1:03d}"
        writer.writerow([nip, f"Pegawai Uji {n}", "PNS", "III/a", code, f"Dinas Uji {agency}", "",
                         "", position, name, job_class, superior, "definitif", f"{year}-01-01",
                         "", f"uji{n}", "employee"])
    return out.getvalue()


def build(system, employees: int, year: int, progress=print) -> City:
    """Import the city into a running `full_system`, give everyone an approved SKP and
    a token. Returns who is who."""
    path = Path(tempfile.mkdtemp(prefix="bench-city-")) / "city.csv"
    path.write_text(organisation_csv(employees, year=year))
    progress(f"importing {employees} employees…")
    system.manage("import-org", str(path))
    engine = create_engine(system.db_url("reporting"))
    from services.reporting.models import Account, Placement, Position, Skp, SkpItem
    now = clock.now()
    with engine.begin() as conn:
        rows = conn.execute(
            select(Account.id, Account.username, Account.employee_id, Account.roles,
                   Position.agency_id, Position.code)
            .join(Placement, Placement.employee_id == Account.employee_id)
            .join(Position, Position.id == Placement.position_id)
            .where(Account.username.like("uji%"))).all()
        progress(f"approved SKPs for {len(rows)} employees…")
        skps = conn.execute(insert(Skp).returning(Skp.id, Skp.employee_id, sort_by_parameter_order=True), [
            {"employee_id": r.employee_id, "year": year, "state": "approved", "updated_at": now}
            for r in rows]).all()
        items = conn.execute(insert(SkpItem).returning(SkpItem.id, SkpItem.skp_id,
                                                       sort_by_parameter_order=True), [
            {"skp_id": s.id, "kind": "main", "title": "Layanan administrasi",
             "indicators": [{"text": "berkas selesai", "target": 100, "unit": "berkas"}]}
            for s in skps]).all()
    engine.dispose()
    item_of = {s.employee_id: i.id for s, i in zip(skps, items, strict=False)}
    secret = system.sup.env["GATEWAY_JWT_SECRET"]
    by_agency_position = {(r.agency_id, r.code): r.username for r in rows}
    city = City()
    for r in rows:
        roles = list(r.roles) + ([] if r.code.startswith("STAF") else ["supervisor"])
        token = issue_token({"account_id": r.id, "employee_id": r.employee_id,
                             "agency_id": r.agency_id, "roles": roles, "name": r.username},
                            secret, 24 * 60)
        if r.code.startswith("STAF"):
            approver = by_agency_position[(r.agency_id, f"KASI{1 + int(r.code[4:]) % SECTIONS}")]
        elif r.code.startswith("KASI"):
            approver = by_agency_position[(r.agency_id, "KADIS")]
        else:
            approver = None
        city.people[r.username] = Person(r.employee_id, r.username, item_of[r.employee_id],
                                         {"Authorization": f"Bearer {token}"}, approver)
    return city
