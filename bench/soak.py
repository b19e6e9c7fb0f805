"""The soak: the city's 1x month-end peak, held for 30 minutes, on loopback only.

    scripts/soak [--minutes 30] [--employees 10000] [--evidence-share 0]

The whole system as processes (bench.peak's city: 10,000 employees with approved SKPs);
submissions arrive open-loop at the busiest hour's rate (bench.peak.peak_demand) in
back-to-back one-minute stages while superiors bulk-approve at the same pace. Every
10 s it samples what would show a leak: resident memory and open files of every
process, PostgreSQL connections to the system's databases, AMQP connections on its
vhost, the depth of every service queue, and the unsent outbox rows; each minute's
errors too. Figures are the least-squares slope of each over the run after its first
fifth (warm-up), per 10 minutes, beside its mean: flat is a slope that is a small part
of the mean. The run then drains and counts every report through to its ledger entry.

Bounded: the load generator sends no more than the rate and stops at the end; every
server is on 127.0.0.1. The long form writes the `soak` section of docs/RELIABILITY.md;
the suite's short form (tests/drills/test_soak.py) writes `soak-short`."""
import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from base64 import b64encode
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from bench import city as bench_city
from bench.common import QueueDepth, Slots, descendants, rss_bytes
from bench.peak import Mix, peak_demand, stage
from ekinerja_contract import config
from tests.support import infra
from tests.support.load import rows
from tests.support.stack import full_system
from tools import reliability

SAMPLE_EVERY = 10.0
STAGE_SECONDS = 60.0


def open_files(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def amqp_connections(vhost: str) -> int:
    url = f"{infra.RABBIT_API}/vhosts/{urllib.parse.quote(vhost, safe='')}/connections?columns=name"
    auth = "Basic " + b64encode(b"guest:guest").decode()
    req = urllib.request.Request(url, headers={"authorization": auth})
    try:
        return len(json.loads(urllib.request.urlopen(req, timeout=10).read()))
    except OSError:  # no management API: rabbitmqctl (needs root)
        out = subprocess.run(["rabbitmqctl", "list_connections", "vhost", "--formatter", "json"],
                             capture_output=True, text=True, check=True).stdout
        return sum(1 for c in json.loads(out) if c.get("vhost") == vhost)


class Sampler:
    """Every SAMPLE_EVERY s: one row of the figures that must stay flat."""

    def __init__(self, system, vhost: str, depth: QueueDepth):
        self.system, self.vhost, self.depth = system, vhost, depth
        self.engines = {name: create_engine(system.db_url(name)) for name in system.databases}
        self.db_names = [db for db, _ in system.databases.values()]
        self.rows: list[dict] = []

    def sample(self, errors: int, window: float = SAMPLE_EVERY) -> dict:
        pids = [p for proc in self.system.sup.procs.values() for p in descendants(proc.pid)]
        outbox = 0
        for engine in self.engines.values():
            with engine.connect() as conn:
                outbox += conn.execute(text("SELECT count(*) FROM outbox "
                                            "WHERE published_at IS NULL")).scalar()
        with next(iter(self.engines.values())).connect() as conn:
            pg = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = ANY(:names)"),
                              {"names": self.db_names}).scalar()
        recent = [total for t, total, _ in self.depth.samples if t > time.perf_counter() - window]
        row = {"t": time.perf_counter(), "rss_mb": sum(map(rss_bytes, pids)) / 2**20,
               "open_files": sum(map(open_files, pids)), "pg_connections": pg,
               "amqp_connections": amqp_connections(self.vhost),
               "queue_depth": max(recent, default=0), "outbox_unsent": outbox, "errors": errors}
        self.rows.append(row)
        return row

    def close(self):
        for engine in self.engines.values():
            engine.dispose()


def slope(rows: list[dict], key: str) -> tuple[float, float]:
    """(least-squares slope per 10 minutes, mean) of `key` over `rows`."""
    xs = [r["t"] for r in rows]
    ys = [float(r[key]) for r in rows]
    if len(xs) < 2:
        return 0.0, ys[0] if ys else 0.0
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return (sxy / sxx if sxx else 0.0) * 600, my


FIGURES = [("rss_mb", "resident memory, all processes (MB)"), ("open_files", "open files, all processes"),
           ("pg_connections", "PostgreSQL connections"), ("amqp_connections", "AMQP connections"),
           ("queue_depth", "deepest service queue in each 10 s"), ("outbox_unsent", "unsent outbox rows")]


def soak(minutes: float, employees: int, evidence_share: float = 0.0, progress=print) -> dict:
    vhost = f"ekt-soak-{uuid.uuid4().hex[:6]}"
    amqp = infra.create_vhost(vhost)
    s3 = infra.S3Server().start()
    system = full_system(amqp, Path(tempfile.mkdtemp(prefix="soak-logs-")),
                         {**s3.env(f"ekt-soak-{uuid.uuid4().hex[:6]}"), "GATEWAY_RPC_TIMEOUT": "30"})
    depth = sampler = None
    try:
        city = bench_city.build(system, employees, config.today().year, progress=progress)
        catalogue = httpx.get(f"{system.gateway_url}/api/v1/catalogue", headers=city.staff[0].headers,
                              timeout=30).raise_for_status().json()
        mix = Mix(catalogue, evidence_share)
        photos = None
        if evidence_share > 0:
            from bench.photos import PhotoPool
            photos = PhotoPool("page")
        depth = QueueDepth(amqp, vhost).start()
        depth.settle(system)
        sampler = Sampler(system, vhost, depth)
        rate = peak_demand(employees)
        slots = Slots(config.today())
        progress(f"soak: {rate:.1f} submissions/s for {minutes:g} min ({employees} employees)")
        errors, accepted, approved, by_status, per_stage = 0, 0, 0, {}, []
        started = time.perf_counter()
        stages = max(1, round(minutes * 60 / STAGE_SECONDS))
        sampler.sample(0)
        for n in range(stages):
            result: dict = {}

            def run_stage(into: dict) -> None:
                into.update(asyncio.run(stage(system.gateway_url, city, slots, mix, photos, rate,
                                              STAGE_SECONDS, page=True)))
            worker = threading.Thread(target=run_stage, args=(result,))
            worker.start()
            while worker.is_alive():
                worker.join(SAMPLE_EVERY)
                if worker.is_alive():
                    sampler.sample(errors)
            for k, v in result["statuses"].items():
                by_status[k] = by_status.get(k, 0) + v
            per_stage.append(sum(result["statuses"].values()))
            errors += per_stage[-1]
            accepted += len(result["accepted"])
            approved += result["approved"]
            row = sampler.sample(errors)
            progress(f"  minute {n + 1}/{stages}: accepted {len(result['accepted'])}, errors {errors}, "
                     f"RSS {row['rss_mb']:.0f} MB, files {row['open_files']}, PG {row['pg_connections']}, "
                     f"AMQP {row['amqp_connections']}, queue {row['queue_depth']}, "
                     f"outbox {row['outbox_unsent']}")
        held = time.perf_counter() - started
        drained = depth.settle(system)
        # drained: what is left over, from the depth samples since the queues went quiet (a
        # 10 s window would reach back before the drain and count its last messages)
        after = sampler.sample(errors, window=2)
        tasks = _count(system, "approval", "SELECT count(*) FROM approval_task")
        reports = _count(system, "reporting", "SELECT count(*) FROM report")
        ledger = _count(system, "scoring", "SELECT count(*) FROM ledger_entry WHERE kind = 'activity'")
        approved_tasks = _count(system, "approval",
                                "SELECT count(*) FROM approval_task WHERE state = 'approved'")
        rows = sampler.rows
        warm = rows[max(1, len(rows) // 5):]
        half = len(per_stage) // 2
        return {"minutes": held / 60, "employees": employees, "rate": rate, "accepted": accepted,
                "approved_by_load": approved, "errors": errors, "by_status": by_status,
                "reports": reports, "tasks": tasks, "approved": approved_tasks, "ledger": ledger,
                "drained_s": drained, "samples": len(rows), "after": after,
                "errors_halves": (sum(per_stage[:half]), sum(per_stage[half:])),
                "figures": {key: (*slope(warm, key), warm[0][key], warm[-1][key]) for key, _ in FIGURES},
                "evidence_share": evidence_share}
    finally:
        if sampler:
            sampler.close()
        if depth:
            depth.stop()
        system.close()
        s3.stop()
        infra.delete_vhost(vhost)


def _count(system, service: str, sql: str) -> int:
    return rows(system.db_url(service), sql)[0][0]


def record(result: dict, section: str, title: str) -> None:
    lines = [
        f"The whole system as processes on loopback; {result['employees']:,} employees with approved "
        f"SKPs; the city's 1x month-end peak, {result['rate']:.1f} submissions/s open-loop "
        f"(bench.peak's demand; {result['evidence_share']:.0%} with a photo) with superiors "
        f"bulk-approving at the same pace, for {result['minutes']:.1f} minutes. Sampled every "
        f"{SAMPLE_EVERY:.0f} s ({result['samples']} samples); slopes by least squares after the "
        "first fifth (warm-up).", "",
        "| figure | at start | at end | mean | slope per 10 min |", "|---|---|---|---|---|",
        *[f"| {label} | {result['figures'][key][2]:,.0f} | {result['figures'][key][3]:,.0f} | "
          f"{result['figures'][key][1]:,.1f} | {result['figures'][key][0]:+,.1f} |"
          for key, label in FIGURES], "",
        f"- submissions accepted: {result['accepted']:,}; errors: {result['errors']} "
        f"{result['by_status'] or ''} (first half {result['errors_halves'][0]}, second half "
        f"{result['errors_halves'][1]})",
        f"- afterwards (drained in {result['drained_s']:.0f} s): reports {result['reports']:,} "
        f"(the demo city's included), approval tasks {result['tasks']:,}, approved "
        f"{result['approved']:,}, ledger entries {result['ledger']:,}; left in the queues "
        f"{result['after']['queue_depth']}, unsent in the outboxes {result['after']['outbox_unsent']}"]
    reliability.record(section, title, lines)


def main():
    args = argparse.ArgumentParser()
    args.add_argument("--minutes", type=float, default=30)
    args.add_argument("--employees", type=int, default=10_000)
    args.add_argument("--evidence-share", type=float, default=0.0,
                      help="share of submissions with a photo (bench.peak's path); 0 by default: "
                           "the photo path's capacity is issue 17's subject")
    opts = args.parse_args()
    result = soak(opts.minutes, opts.employees, opts.evidence_share,
                  progress=lambda m: print(m, file=sys.stderr, flush=True))
    record(result, "soak", "Soak (bench/soak.py, scripts/soak)")
    print(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
