"""Month close at city scale on PostgreSQL: 10,000 employees, 1.5 million approved
activities, a month of attendance. Prints progress and the time to close and to export.

    .venv/bin/python -m bench.close_period [--employees 10000] [--entries 1500000]

Creates its own database and drops it afterwards."""
import argparse
import io
import random
import sys
import time
import uuid

import psycopg2
from sqlalchemy.orm import sessionmaker

from ekinerja_contract.db import make_engine
from ekinerja_contract.outbox import Store
from services.scoring import exports, payroll
from services.scoring.models import Base
from services.scoring.rules import period_days

from .common import copy, scratch_database

PERIOD = "2026-11"


def generate(dsn, employees, entries):
    days = [d for d in period_days(PERIOD) if d.weekday() < 5]
    rnd = random.Random(7)
    conn = psycopg2.connect(dsn)
    copy(conn, "placement", ["employee_id", "start_date", "nip", "name", "status", "grade",
                             "agency_id", "job_class", "superior_employee_id"],
         ((e, "2026-01-01", f"{199001012015031000 + e}", f"Pegawai {e}",
           "CPNS" if e % 10 == 0 else "PNS", ["II/c", "III/b", "IV/a"][e % 3], e % 40 + 1,
           e % 17 + 1, None) for e in range(1, employees + 1)))
    per = entries // employees
    copy(conn, "ledger_entry", ["employee_id", "agency_id", "period", "date", "kind", "points",
                                "rupiah", "minutes", "report_id", "source_event_id", "recorded_at"],
         ((e, e % 40 + 1, PERIOD, days[i % len(days)], "activity", "2.00", 3000, 20,
           e * 1000 + i, uuid.UUID(int=e * 1000 + i), "2026-11-30T00:00:00Z")
          for e in range(1, employees + 1) for i in range(per)))
    copy(conn, "attendance", ["employee_id", "date", "kind", "minutes", "excused", "source_event_id"],
         ((e, d, "arrival", rnd.choice([0, 0, 0, 0, 12, 45]), False, uuid.uuid4())
          for e in range(1, employees + 1) for d in days))
    conn.commit()
    with conn.cursor() as cur:
        cur.execute("ANALYZE")
    conn.commit()
    conn.close()
    return per * employees


def floors(dsn) -> tuple[float, float]:
    """What PostgreSQL alone takes: summing the month's ledger per employee, and
    writing the frozen snapshot lines out as CSV."""
    conn = psycopg2.connect(dsn)
    with conn.cursor() as cur:
        t = time.perf_counter()
        cur.execute("SELECT employee_id, sum(points), sum(minutes), sum(rupiah) FROM ledger_entry "
                    "WHERE period = %s GROUP BY employee_id", (PERIOD,))
        cur.fetchall()
        summed = time.perf_counter() - t
        t = time.perf_counter()
        cur.copy_expert("COPY (SELECT * FROM snapshot_line) TO STDOUT WITH CSV HEADER", io.StringIO())
        copied = time.perf_counter() - t
    conn.close()
    return summed, copied


def progress(done, total):
    sys.stderr.write(f"\r  computing {done}/{total}")
    if done == total:
        sys.stderr.write("\n")


def main():
    args = argparse.ArgumentParser()
    args.add_argument("--employees", type=int, default=10_000)
    args.add_argument("--entries", type=int, default=1_500_000)
    opts = args.parse_args()
    with scratch_database("close", "scoring") as (dsn, url):
        t = time.perf_counter()
        n = generate(dsn, opts.employees, opts.entries)
        print(f"generated {opts.employees} employees, {n} ledger entries "
              f"in {time.perf_counter() - t:.1f} s")
        engine = make_engine(url)
        tables = Base.metadata.tables
        store = Store(sessionmaker(engine, expire_on_commit=False), tables["outbox"],
                      tables["inbox"], "scoring", relay=None)
        t = time.perf_counter()
        with store.session() as s:
            lines, errors = payroll.compute_lines(s, PERIOD, None, progress=progress)
        computed = time.perf_counter() - t
        with store.unit_of_work() as uow:
            payroll._freeze(uow, PERIOD, None, lines, errors, created_by=0)
        closed = time.perf_counter() - t
        t = time.perf_counter()
        with store.session() as s:
            snapshot, frozen = payroll.snapshot_lines(s, PERIOD, None)
        csv_bytes = exports.to_csv(frozen)
        csv_s = time.perf_counter() - t
        xlsx_bytes = exports.to_xlsx(frozen, PERIOD, snapshot.version)
        xlsx_s = time.perf_counter() - t - csv_s
        sum_s, copy_s = floors(dsn)
        print("\n| step | seconds | baseline (same run) | note |\n|---|---|---|---|")
        print(f"| compute {len(lines)} lines | {computed:.2f} | {sum_s:.2f} s: one GROUP BY of the "
              f"month's ledger in SQL | {len(errors)} errors |")
        print(f"| close (compute + freeze + {len(lines) + 1} outbox events) | {closed:.2f} | | "
              f"target <= 10 s |")
        print(f"| export CSV | {csv_s:.2f} | {copy_s:.2f} s: COPY of the frozen lines to CSV | "
              f"{len(csv_bytes) / 1e6:.1f} MB |")
        print(f"| export XLSX | {xlsx_s:.2f} | | {len(xlsx_bytes) / 1e6:.1f} MB |")
        engine.dispose()


if __name__ == "__main__":
    main()
