"""The leaders' pages at city scale on PostgreSQL: monitoring's read model for 10,000
employees in 40 agencies (a month of filled-in days, waiting tasks and every approver's
month, twelve months of TPP lines, predikat), then each page's figures timed where the
service computes them, and the city's page end to end: the monitoring service as a
process over RabbitMQ, the gateway's tables, charts and template.

    .venv/bin/python -m bench.leaders [--employees 10000] [--repeat 15]

Baselines from the same run: the team page (8 people) and one agency (250) beside the
city; compliance counted from the raw days (report_day) as it was before the read model
kept a count per person and month; and an RPC of `health` (the floor of one hop).
Creates its own database and vhost and drops them afterwards."""
import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
import uuid

import psycopg2
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from ekinerja_contract.db import make_engine
from ekinerja_contract.schemas import Actor
from services.monitoring import rules, views
from services.monitoring.models import ReportDay

from .common import copy, scratch_database

PERIOD = "2026-11"
TODAY = dt.date(2026, 11, 30)
NOW = dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)
AGENCIES, TEAM = 40, 8
PREDIKAT = ["Sangat Baik"] * 2 + ["Baik"] * 6 + ["Butuh Perbaikan", "Kurang"]


def city(employees: int):
    """Agency heads, then teams of TEAM under superiors who are under their head."""
    people = []
    per_agency = employees // AGENCIES
    for a in range(1, AGENCIES + 1):
        first = (a - 1) * per_agency + 1
        head = first
        superiors = list(range(first + 1, first + 1 + per_agency // (TEAM + 1)))
        for e in range(first, first + per_agency):
            if e == head:
                boss, job = None, 14
            elif e in superiors:
                boss, job = head, 9
            else:
                boss, job = superiors[(e - first) % len(superiors)], 7
            unit = a * 100 + (superiors.index(boss) % 5 if boss in superiors else 0)
            people.append((e, boss, a, unit, job))
    return people


def generate(dsn: str, employees: int) -> dict:
    rnd = random.Random(23)
    people = city(employees)
    days = [d for d in (dt.date(2026, 11, 1) + dt.timedelta(n) for n in range(30)) if d.weekday() < 5]
    conn = psycopg2.connect(dsn)
    # each holds the position of their own id; a team is the positions under its leader's
    copy(conn, "person", ["employee_id", "nip", "name", "status", "agency_id", "agency_code",
                          "agency_name", "unit_id", "unit_name", "position_code", "position_name",
                          "job_class", "position_id", "superior_position_id", "placed_from"],
         ((e, f"{199001012015031000 + e}", f"Pegawai {e}", "PNS", a, f"OPD{a:02d}",
           f"Dinas Nomor {a}", u, f"Bidang {u}", f"P{e}", "Pelaksana", j, e, boss,
           "2026-01-01") for e, boss, a, u, j in people))
    copy(conn, "holder", ["position_id", "employee_id", "agency_id", "kind", "top", "since"],
         ((e, e, a, "definitive", boss is None, "2026-01-01") for e, boss, a, *_ in people))
    # most days filled in; one in twenty files nothing at all
    filled = [(e, d) for e, *_ in people if e % 20 for d in days if rnd.random() < 0.9]
    copy(conn, "report_day", ["employee_id", "date", "reports"],
         ((e, d, rnd.randint(1, 8)) for e, d in filled))
    per_person: dict[int, int] = {}
    for e, _ in filled:
        per_person[e] = per_person.get(e, 0) + 1
    copy(conn, "person_month", ["employee_id", "period", "weekdays_filled"],
         ((e, PERIOD, n) for e, n in per_person.items()))
    approvers = sorted({boss for _, boss, *_ in people if boss is not None})
    boss_of = {e: boss for e, boss, *_ in people}
    pending, task_id = [], 0
    for e, boss, *_ in people:
        for _ in range(rnd.choice([0, 0, 1, 2, 4])):
            task_id += 1
            since = NOW - dt.timedelta(hours=rnd.expovariate(1 / 30))
            pending.append((task_id, task_id, e, boss, "pending", since.isoformat(),
                            rnd.random() < 0.05, since.isoformat()))
    copy(conn, "task", ["task_id", "report_id", "employee_id", "approver_id", "state",
                        "waiting_since", "escalated", "last_event_at"], pending)
    copy(conn, "live_report", ["report_id", "employee_id", "date", "withdrawn", "sent_at"],
         ((t[1], t[2], days[t[0] % len(days)], False, t[5]) for t in pending))
    months = []
    for a in approvers:
        hist = rules.empty_histogram()
        decided = sum(1 for e in boss_of if boss_of[e] == a) * 150
        for _ in range(min(decided, 400)):  # the shape is what matters, not every one
            hist[rules.bucket_of(rnd.expovariate(1 / 20))] += decided // 400 or 1
        approved = int(decided * rnd.uniform(0.7, 0.99))
        rejected = (decided - approved) // 2
        months.append((a, PERIOD, approved, rejected, decided - approved - rejected,
                       approved * 2, rnd.randint(0, 3), "[" + ", ".join(map(str, hist)) + "]"))
    copy(conn, "approver_month", ["approver_id", "period", "approved", "rejected", "revised",
                                  "points_given", "escalated", "latency"], months)
    periods = [f"{(2025 * 12 + 11 + k) // 12}-{(2025 * 12 + 11 + k) % 12 + 1:02d}" for k in range(12)]
    copy(conn, "pay_line", ["period", "employee_id", "agency_id", "snapshot_version", "gross", "net"],
         ((p, e, a, 1, 3_500_000 + e % 7 * 100_000, 3_300_000 + e % 7 * 95_000)
          for p in periods if p != PERIOD for e, _, a, *_ in people))
    copy(conn, "agency_month_cost", ["agency_id", "period", "gross", "net", "people"],
         ((a, p, sum(3_500_000 + e % 7 * 100_000 for e, _, pa, *_ in people if pa == a),
           sum(3_300_000 + e % 7 * 95_000 for e, _, pa, *_ in people if pa == a),
           sum(1 for _, _, pa, *_ in people if pa == a))
          for p in periods if p != PERIOD for a in range(1, AGENCIES + 1)))
    told = NOW.isoformat()
    copy(conn, "budget", ["agency_id", "year", "ceiling", "told_at"],
         ((a, y, employees // AGENCIES * 4_000_000 * 12, told)
          for a in range(1, AGENCIES + 1) for y in (2025, 2026)))
    given = [(e, 2026, a, rnd.choice(PREDIKAT)) for e, _, a, *_ in people]
    copy(conn, "predikat", ["employee_id", "year", "agency_id", "predikat", "told_at"],
         (g + (told,) for g in given))
    counted: dict[tuple, int] = {}
    for _, year, a, name in given:
        counted[(a, year, name)] = counted.get((a, year, name), 0) + 1
    copy(conn, "predikat_count", ["agency_id", "year", "predikat", "people"],
         ((a, y, name, n) for (a, y, name), n in counted.items()))
    copy(conn, "organisation_predikat", ["agency_id", "year", "predikat", "told_at"],
         ((a, 2026, "Baik", told) for a in range(1, AGENCIES + 1)))
    conn.commit()
    with conn.cursor() as cur:
        cur.execute("ANALYZE")
    conn.commit()
    conn.close()
    return {"people": len(people), "days": days, "pending": len(pending), "approvers": len(approvers),
            "superior": approvers[1], "agency": 7}


def timed(repeat: int, call) -> dict:
    call()  # warm: the first query plans and fills the caches
    seconds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - t0)
    seconds.sort()
    return {"p50": statistics.median(seconds) * 1000, "max": seconds[-1] * 1000}


def page_html(body: dict) -> int:
    """The gateway's work for the page: its tables, charts and template."""
    from starlette.requests import Request

    from gateway.web import leaders
    sections = leaders.tables(body)
    by_key = {t["key"]: t for t in sections}
    pictures = leaders.pictures(body, by_key)
    from gateway.web.routes import templates
    template = templates.env.get_template("leaders.html")
    request = Request({"type": "http", "method": "GET", "path": "/pantauan/kota", "headers": [],
                       "query_string": b""})
    html = template.render(request=request, actor=None, flash=None, body=body, slug="kota",
                           tables=by_key, pictures=pictures, title="Pantauan Kota",
                           agency_name=None, query="bulan=" + PERIOD,
                           export="/api/v1/dashboards/leaders/city/export",
                           export_query="period=" + PERIOD)
    return len(html)


def rpc_round_trip(url: str, repeat: int) -> tuple[dict, dict, dict]:
    """The city's figures through a monitoring process over RabbitMQ, beside `health`."""
    import subprocess

    from ekinerja_contract.services import Monitoring
    from tests.support import infra
    from tools.supervisor import wait_until
    vhost = f"bench-leaders-{uuid.uuid4().hex[:6]}"
    amqp = infra.create_vhost(vhost)
    # the service's own clock: the month benched (November) is over by then either way
    env = {**os.environ, "AMQP_URI": amqp, "MONITORING_DB_URL": url}
    proc = subprocess.Popen([sys.executable, "-m", "nameko", "run", "--config",
                             "services/monitoring/config.yml", "services.monitoring.service"],
                            env=env, stdout=subprocess.DEVNULL, stderr=open("/tmp/bench-monitoring.log", "w"),
                            start_new_session=True)
    from ekinerja_contract.rpc_client import RpcClient
    rpc = RpcClient(amqp, timeout=5, name="bench-leaders").start()
    try:
        client = Monitoring(lambda service, method, *args: rpc.call(service, method, *args))
        wait_until(lambda: _answers(client), 90, "monitoring to answer")
        admin = Actor(account_id=1, roles=["city_admin"])
        health = timed(repeat, client.health)
        city_page = timed(repeat, lambda: client.dashboard(admin, "city", PERIOD))
        return health, city_page, client.dashboard(admin, "city", PERIOD)
    finally:
        rpc.stop()
        proc.terminate()
        proc.wait(30)
        infra.delete_vhost(vhost)


def _answers(client) -> bool:
    try:
        client.health()
        return True
    except Exception:
        return False


def main(argv=None) -> int:
    args = argparse.ArgumentParser()
    args.add_argument("--employees", type=int, default=10_000)
    args.add_argument("--repeat", type=int, default=15)
    opts = args.parse_args(argv)
    with scratch_database("leaders", "monitoring") as (dsn, url):
        t0 = time.perf_counter()
        made = generate(dsn, opts.employees)
        print(f"generated {made['people']:,} people, {made['pending']:,} waiting tasks, "
              f"{made['approvers']:,} approvers in {time.perf_counter() - t0:.0f} s")
        engine = make_engine(url)
        sessions = sessionmaker(engine)
        city_admin = Actor(account_id=1, roles=["city_admin"])
        head = Actor(account_id=2, employee_id=made["superior"], agency_id=1, roles=["supervisor"])

        def page(actor, audience, agency=None):
            with sessions() as s:
                return views.dashboard(s, actor, audience, agency, None, PERIOD, TODAY, NOW)

        def floor():
            with sessions() as s:
                s.execute(select(ReportDay.employee_id, func.count()).where(
                    ReportDay.reports > 0, ReportDay.date.in_(made["days"]))
                    .group_by(ReportDay.employee_id)).all()

        per_agency = made["people"] // AGENCIES
        rows = [("team page (8 people)", timed(opts.repeat, lambda: page(head, "team"))),
                (f"agency page ({per_agency:,} people)",
                 timed(opts.repeat, lambda: page(city_admin, "agency", made["agency"]))),
                (f"city page ({made['people']:,} people)",
                 timed(opts.repeat, lambda: page(city_admin, "city"))),
                ("compliance from the raw days instead of the kept counts", timed(opts.repeat, floor))]
        health, over_rpc, body = rpc_round_trip(url, opts.repeat)  # the body as the gateway gets it
        size = len(json.dumps(body, default=str))
        rows += [("RPC health (one hop, floor)", health),
                 (f"city page's figures over RPC ({size / 1024:.0f} KB of JSON)", over_rpc),
                 ("gateway: tables, charts, template of the city page",
                  timed(opts.repeat, lambda: page_html(body)))]
        print(f"\n| figure | p50 | max of {opts.repeat} |\n|---|---|---|")
        for label, t in rows:
            print(f"| {label} | {t['p50']:.0f} ms | {t['max']:.0f} ms |")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
