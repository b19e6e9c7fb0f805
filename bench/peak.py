"""The month-end peak: a city of 10,000 employees reporting late, all at once.

    .venv/bin/python -m bench.peak [--employees 10000] [--seconds 30] [--loads 1 1.5 2]
                                   [--instances 1 2]

The demand comes from ../shared/domain/BRIEF.md: each employee files up to 10
reports a working day (22 a month), and most of a month's late reports arrive in
the last days before the input deadline. Here: 70% of the month's reports in the
office hours (8 h) of the last 3 days, the busiest hour at twice that day's mean.
Their superiors approve in bulk while it happens, at the same pace.

Submissions arrive open-loop at a fixed rate (a multiple of that peak demand);
latency counts from the moment a request was due, so a slow system cannot hide
a queue by sending less. Beside each figure: the demand, and the same stage run
with one and with two instances of every service (and gateway workers). Queue
depth is read from RabbitMQ every half second (passive declare, exact).
Timings are for reading: never part of the test suite."""
import argparse
import asyncio
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from bench import city as bench_city
from bench.common import QueueDepth, Slots, cpu_snapshot, pct
from ekinerja_contract import config
from tests.support import infra
from tests.support.stack import full_system
from tools.supervisor import SERVICES, gateway_command, service_command, wait_until

REPORTS_PER_DAY = 10          # BRIEF: 4-10 a working day; the top of the range
WORKING_DAYS = 22
LATE_SHARE = 0.70             # of a month's reports, in the last days before the deadline
LAST_DAYS = 3
OFFICE_HOURS = 8
BUSIEST_HOUR = 2.0            # the busiest hour against that day's mean


def peak_demand(employees: int) -> float:
    """Submissions per second in the busiest hour of the month-end peak."""
    month = employees * REPORTS_PER_DAY * WORKING_DAYS
    return month * LATE_SHARE / (LAST_DAYS * OFFICE_HOURS * 3600) * BUSIEST_HOUR


async def stage(gateway_url: str, city, slots: Slots, activity: str, rate: float,
                seconds: float, connections: int = 64, approvers: int = 3) -> dict:
    """Submissions due at `rate`/s for `seconds` (open loop: a request waits in the
    client when every connection is busy, and its latency counts from when it was
    due); meanwhile superiors bulk-approve the oldest in their inbox, busiest first, at the
    same pace."""
    staff = city.staff
    latencies, statuses, accepted = [], {}, []
    pending: dict[str, int] = {}
    approved = [0]
    due_queue: asyncio.Queue = asyncio.Queue()
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)

    async def submitter(http):
        while (item := await due_queue.get()) is not None:
            due, person = item
            slot = slots.next(person.employee_id)
            if slot is None:
                continue
            day, start, end = slot
            try:
                r = await http.post("/api/v1/reports", headers=person.headers, json={
                    "skp_item_id": person.skp_item_id, "activity_code": activity,
                    "date": day.isoformat(), "start": start, "end": end,
                    "description": "laporan akhir bulan"})
                status = r.status_code
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            statuses[status] = statuses.get(status, 0) + 1
            if status == 201:
                latencies.append(time.perf_counter() - due)
                accepted.append(r.json()["id"])
                pending[person.approver] = pending.get(person.approver, 0) + 1

    budget, last = [0.0], [time.perf_counter()]

    async def approver(http, stop: asyncio.Event):
        """Approvals keep pace with the reports (the BRIEF: most of a month's reports and
        approvals in the same few days): up to `rate` a second, 100 at most at once."""
        while not stop.is_set():
            now = time.perf_counter()
            budget[0], last[0] = min(budget[0] + (now - last[0]) * rate, 200.0), now
            if not pending or budget[0] < 20:
                await asyncio.sleep(0.2)
                continue
            take = min(100, int(budget[0]))
            boss = max(pending, key=pending.get)
            waiting = pending.pop(boss)
            headers = city.people[boss].headers
            try:
                r = await http.get("/api/v1/approvals/inbox", headers=headers,
                                   params={"limit": take})
                ids = [t["id"] for t in r.json()]
                budget[0] -= len(ids)
                left = int(r.headers.get("X-Total-Count", 0)) - len(ids)
                if left > 0:
                    pending[boss] = max(left, waiting - len(ids))
                if ids:
                    r = await http.post("/api/v1/approvals/bulk-approve", headers=headers,
                                        json={"task_ids": ids})
                    approved[0] += sum(1 for x in r.json() if x.get("state") == "approved")
            except (httpx.HTTPError, KeyError, TypeError):
                await asyncio.sleep(0.2)

    async with httpx.AsyncClient(base_url=gateway_url, timeout=60, limits=limits) as http, \
            httpx.AsyncClient(base_url=gateway_url, timeout=120) as approving:
        stop = asyncio.Event()
        bosses = [asyncio.create_task(approver(approving, stop)) for _ in range(approvers)]
        workers = [asyncio.create_task(submitter(http)) for _ in range(connections)]
        started = time.perf_counter()
        for i in range(int(rate * seconds)):
            due = started + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            due_queue.put_nowait((due, random.choice(staff)))
        for _ in workers:
            due_queue.put_nowait(None)
        await asyncio.gather(*workers)
        elapsed = time.perf_counter() - started
        stop.set()
        await asyncio.gather(*bosses)
    return {"offered": rate, "achieved": len(accepted) / elapsed, "latencies": latencies,
            "statuses": statuses, "accepted": accepted, "approved": approved[0],
            "started": started, "ended": time.perf_counter()}


def wait_count(system, service: str, query: str, count: int, timeout: float = 600) -> float:
    """Seconds until `query` (a count in `service`'s database) reaches `count`."""
    engine = create_engine(system.db_url(service))
    started = time.perf_counter()

    def done():
        with engine.connect() as conn:
            return conn.execute(text(query)).scalar() >= count
    wait_until(done, timeout, query, interval=0.2)
    engine.dispose()
    return time.perf_counter() - started


def count(system, service: str, query: str) -> int:
    engine = create_engine(system.db_url(service))
    with engine.connect() as conn:
        n = conn.execute(text(query)).scalar()
    engine.dispose()
    return n


TASKS = "SELECT count(*) FROM approval_task"
LEDGER = "SELECT count(*) FROM ledger_entry WHERE kind = 'activity'"


def scale(system, instances: int) -> None:
    """Start extra instances of every service and restart the gateway with more workers."""
    for name in SERVICES:
        for k in range(2, instances + 1):
            extra = {}
            if name == "evidence":
                extra["EVIDENCE_HTTP_ADDRESS"] = f"127.0.0.1:{infra.free_port()}"
            system.sup.start(f"{name}-{k}", service_command(name), extra)
    port = int(system.gateway_url.rsplit(":", 1)[1])
    system.sup.stop("gateway")
    system.sup.start("gateway", gateway_command(port, workers=instances))
    wait_until(lambda: httpx.get(f"{system.gateway_url}/readyz").status_code == 200, 60, "gateway")
    time.sleep(3)  # the new instances' consumers attach to their queues


def main():
    args = argparse.ArgumentParser()
    args.add_argument("--employees", type=int, default=10_000)
    args.add_argument("--seconds", type=float, default=30)
    args.add_argument("--loads", type=float, nargs="+", default=[1, 1.5, 2],
                      help="multiples of the peak demand, one stage each")
    args.add_argument("--instances", type=int, nargs="+", default=[1, 2])
    opts = args.parse_args()
    demand = peak_demand(opts.employees)
    print(f"peak demand for {opts.employees} employees: {demand:.1f} submissions/s", file=sys.stderr)
    vhost = f"bench-{uuid.uuid4().hex[:6]}"
    amqp = infra.create_vhost(vhost)
    s3 = infra.S3Server().start()
    system = full_system(amqp, Path(tempfile.mkdtemp(prefix="bench-logs-")),
                         {**s3.env(f"bench-{uuid.uuid4().hex[:6]}"), "GATEWAY_RPC_TIMEOUT": "30"})
    rows = []
    depth = None
    try:
        started = time.perf_counter()
        city = bench_city.build(system, opts.employees, config.today().year,
                                progress=lambda m: print(m, file=sys.stderr))
        built = time.perf_counter() - started
        print(f"city built in {built:.0f} s", file=sys.stderr)
        slots = Slots(config.today())
        depth = QueueDepth(amqp, vhost).start()
        settled = depth.settle(system)  # the import told every service of each placement
        print(f"every service applied the import {settled:.0f} s later", file=sys.stderr)
        tasks, ledger = count(system, "approval", TASKS), count(system, "scoring", LEDGER)
        for instances in sorted(opts.instances):
            if instances > 1:
                scale(system, instances)
            for load in opts.loads:
                rate = demand * load
                print(f"{instances} instance(s), {load}x demand = {rate:.0f}/s…", file=sys.stderr)
                procs = {name: proc.pid for name, proc in system.sup.procs.items()}
                before = cpu_snapshot(procs)
                result = asyncio.run(stage(system.gateway_url, city, slots, "ENTRI-DATA", rate,
                                           opts.seconds))
                after = cpu_snapshot(procs)
                span = result["ended"] - result["started"]
                busy = sum(after[k] - before.get(k, 0) for k in after) / span
                generator = (after["load generator"] - before["load generator"]) / span
                tasks += len(result["accepted"])
                ledger += result["approved"]
                drain = wait_count(system, "approval", TASKS, tasks)
                booked = wait_count(system, "scoring", LEDGER, ledger)
                window = depth.between(result["started"], result["ended"])
                lat = result["latencies"]
                errors = {k: v for k, v in result["statuses"].items() if k != 201}
                rows.append((instances, f"{load:g}x ({rate:.0f}/s)", f"{result['achieved']:.0f}/s",
                             f"{pct(lat, 50):.0f}/{pct(lat, 95):.0f}/{pct(lat, 99):.0f} ms",
                             f"{max(window, default=0)} "
                             f"({depth.deepest(result['started'], result['ended'])})",
                             f"{window[-1] if window else 0}", f"{drain:.1f} s / {booked:.1f} s",
                             f"{result['approved'] / (result['ended'] - result['started']):.0f}/s",
                             ", ".join(f"{k}: {v}" for k, v in errors.items()) or "none",
                             f"{busy:.2f} ({generator:.2f})"))
                print("  " + " | ".join(map(str, rows[-1])), file=sys.stderr, flush=True)
                time.sleep(2)
    finally:
        if depth:
            depth.stop()
        system.close()
        s3.stop()
        infra.delete_vhost(vhost)
    print(f"\nPeak demand ({opts.employees} employees, busiest hour of the month-end burst): "
          f"{demand:.1f} submissions/s; stages of {opts.seconds:.0f} s, open-loop. The city's import "
          f"(CSV, {opts.employees} rows) and SKPs took {built:.0f} s; every service had applied the "
          f"import's events {settled:.0f} s later.\n")
    print("| instances | offered (x demand) | accepted/s | p50/p95/p99 | deepest queue (which) "
          "| depth at end | tasks / ledger complete after | approvals/s | errors "
          "| CPU cores busy (of it the load generator) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(map(str, r)) + " |")


if __name__ == "__main__":
    main()
