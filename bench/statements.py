"""How much each unit of work costs the system in SQL statements, transactions, RPC calls
and event deliveries, by service (issue 17: "count the statements per submission").

    .venv/bin/python -m bench.statements [--employees 206] [--reports 100]

The whole system runs as in bench.peak, every process with bench/sqlcount on its
PYTHONPATH: its sitecustomize counts every statement SQLAlchemy sends (an executemany
once), every commit and every ping of a connection idle 10 s (ekinerja_contract.db), by
the nameko entrypoint that ran it, and writes them out on SIGUSR1. A small city is
imported (by default just enough staff: 2N); then, each phase followed by waiting until
every queue is empty, every outbox sent and nothing but the sweep has moved for 2 s and
then 11 s more (PostgreSQL reports a backend's transactions up to 10 s late):

    photos:       N page-sized photos uploaded (with Content-Digest), one each by N staff;
    with photo:   those N submit one report each of an evidence-required activity naming it;
    without:      N other staff submit one report each of an activity without evidence;
    inbox:        each superior reads their approval inbox (one page: all their tasks);
    one by one:   each superior approves half the tasks a day's cap credits (10 of 20),
                  one decision a request;
    bulk:         the other half of those, one bulk-approve per superior;
    past the cap: the rest of their tasks, one bulk-approve each (no approver points).

Per unit (a photo, a submission, an inbox page, an approval): statements by service and
by entrypoint, RPC calls and event deliveries by service and entrypoint (the
`service.entrypoint ok 1.2 ms` line nameko_ext.Metrics logs for every call), and
transactions by database (pg_stat_database.xact_commit). The outbox sweep (a SELECT and
a commit a second in every service) and the timers are no unit's work: left out, and
said how much; the timers are set a day apart, and autovacuum is off for the services'
tables (its ANALYZE of each table is a transaction of the database). Every process must
run this tree's code (checked from what each has imported). Counts are for reading:
never part of the test suite."""
import argparse
import asyncio
import collections
import datetime as dt
import importlib
import itertools
import json
import logging
import os
import re
import signal
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

import httpx
import psycopg2
from sqlalchemy import create_engine, text

from bench import city as bench_city
from bench.common import QueueDepth, descendants
from bench.photos import PhotoPool, content_digest
from ekinerja_contract import config
from ekinerja_contract.config import REPO_ROOT
from tests.support import infra
from tests.support.stack import full_system
from tools.supervisor import SERVICES, wait_until

COUNTER = REPO_ROOT / "bench" / "sqlcount"
PROCESSES = (*SERVICES, "gateway")
WITH_PHOTO, WITHOUT = "SURAT-DINAS", "ENTRI-DATA"  # the bench catalogue's (tools/demo_data.py)
SWEEP = "._sweep_forever"  # the outbox relay's sweep thread (ekinerja_contract.nameko_ext)
SPECIAL = ("COMMIT", "PING", "CONNECT")  # what sitecustomize counts beside statements
ENTRYPOINT_LINE = re.compile(rb'"message": "(\w+)\.(\w+) (ok|error) [0-9.]+ ms"')


def entrypoint_kinds() -> dict[str, str]:
    """"reporting.submit_report" -> "rpc", "reporting.on_checked" -> "event evidence.checked",
    "approval.tick" -> "timer", …: what each service's class declares (this tree's code)."""
    from nameko.events import EventHandler
    from nameko.rpc import Rpc
    from nameko.timer import Timer
    kinds = {}
    for name in SERVICES:
        module = importlib.import_module(f"services.{name}.service")
        cls = next(c for c in vars(module).values() if isinstance(c, type)
                   and getattr(c, "name", None) == name and c.__module__ == module.__name__)
        for attr in dir(cls):
            for ep in getattr(getattr(cls, attr, None), "nameko_entrypoints", ()):
                if isinstance(ep, EventHandler):
                    kind = f"event {ep.event_type}"
                elif isinstance(ep, Rpc):
                    kind = "rpc"
                elif isinstance(ep, Timer):
                    kind = "timer"
                else:
                    kind = type(ep).__name__.removesuffix("RequestHandler").lower() or "other"
                kinds[f"{name}.{attr}"] = kind
    return kinds


class Snapshot:
    def __init__(self):
        self.statements: collections.Counter = collections.Counter()  # service ->
        self.texts: collections.Counter = collections.Counter()  # (service, origin, text) ->
        self.calls: collections.Counter = collections.Counter()  # (service.entrypoint, outcome) ->
        self.xact: collections.Counter = collections.Counter()  # service (its database) ->
        self.at = time.perf_counter()


class Meter:
    """Reads every process's counts (SIGUSR1, then its <pid>.json), the entrypoint lines of
    the logs, and each service database's committed transactions."""

    def __init__(self, system, count_dir: Path, kinds: dict[str, str]):
        self.system, self.dir, self.kinds = system, count_dir, kinds
        self.databases = {system.databases[s][0]: s for s in SERVICES}
        self.checked: set[int] = set()

    def pids(self) -> dict[int, str]:
        """Every process of the system (uvicorn's workers too) that catches SIGUSR1 (one
        that did not would die of it)."""
        found = {pid: name.split("-")[0] for name, proc in self.system.sup.procs.items()
                 for pid in descendants(proc.pid)}
        return {pid: name for pid, name in found.items() if catches(pid, signal.SIGUSR1)}

    def snapshot(self) -> Snapshot:
        snap = Snapshot()
        pids = self.pids()
        for pid in pids:
            (self.dir / f"{pid}.json").unlink(missing_ok=True)
            os.kill(pid, signal.SIGUSR1)
        for pid, name in pids.items():
            path = self.dir / f"{pid}.json"
            wait_until(path.exists, 30, f"the counts of {name} (pid {pid})", interval=0.05)
            data = json.loads(path.read_text())
            if pid not in self.checked:
                self.check_code(name, data)
                self.checked.add(pid)
            snap.statements[name] += data["statements"]
            for key, n in (data.get("texts") or {}).items():
                origin, _, statement = key.partition(" | ")
                snap.texts[name, origin, statement] += n
        for name in self.system.sup.procs:
            path = self.system.sup.log_dir / f"{name}.log"
            if path.exists():
                for service, entrypoint, outcome in ENTRYPOINT_LINE.findall(path.read_bytes()):
                    snap.calls[f"{service.decode()}.{entrypoint.decode()}", outcome.decode()] += 1
        conn = psycopg2.connect(infra.PG_ADMIN_DSN)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT pg_stat_clear_snapshot()")
                cur.execute("SELECT datname, xact_commit FROM pg_stat_database "
                            "WHERE datname = ANY(%s)", (list(self.databases),))
                for datname, commits in cur.fetchall():
                    snap.xact[self.databases[datname]] = commits
        finally:
            conn.close()
        return snap

    def check_code(self, name: str, data: dict):
        """Each process runs this tree's code, not the editable install's."""
        package = "gateway" if name == "gateway" else "services"
        where = data["modules"].get(package) or ""
        if Path(data["cwd"]).resolve() != REPO_ROOT or not where.startswith(str(REPO_ROOT) + "/"):
            raise RuntimeError(f"{name} (pid {data['pid']}) runs {where!r} from {data['cwd']}, "
                               f"not this tree ({REPO_ROOT})")
        print(f"  {name} pid {data['pid']}: cwd {data['cwd']}, {package} from {where}",
              file=sys.stderr)

    def background(self, service: str, origin: str) -> bool:
        """The outbox sweep and the timers: work of the clock, not of a unit."""
        return origin.endswith(SWEEP) or self.kinds.get(origin) == "timer"

    def foreground(self, snap: Snapshot) -> tuple:
        """What a unit's work moves (to see when it has stopped moving)."""
        busy = sum(n for (s, o, t), n in snap.texts.items()
                   if t not in SPECIAL and not self.background(s, o))
        calls = sum(n for (ep, _), n in snap.calls.items() if self.kinds.get(ep) != "timer")
        return busy, calls


class Quiet:
    """Waits until nothing is left to do: no message ready in any queue, no unsent
    outbox row, and no statement or entrypoint call (but the sweep's) for 2 s."""

    STATS = 11.0

    def __init__(self, system, depth: QueueDepth, meter: Meter):
        self.depth, self.meter = depth, meter
        self.engines = [create_engine(system.db_url(name)) for name in SERVICES]

    def unsent(self) -> int:
        total = 0
        for engine in self.engines:
            with engine.connect() as conn:
                total += conn.execute(text("SELECT count(*) FROM outbox "
                                           "WHERE published_at IS NULL")).scalar() or 0
        return total

    def wait(self, timeout: float = 600) -> Snapshot:
        """Then one more look `STATS` s later, nothing having moved meanwhile: PostgreSQL
        (15) reports a backend's committed transactions up to 10 s late."""
        deadline = time.perf_counter() + timeout

        def queues_empty():
            recent = [t for at, t, _ in self.depth.samples if at > time.perf_counter() - 1.5]
            return len(recent) >= 2 and not any(recent) and self.unsent() == 0
        last, gap = None, 2.0
        while time.perf_counter() < deadline:
            wait_until(queues_empty, deadline - time.perf_counter(), "the queues to empty",
                       interval=0.5)
            snap = self.meter.snapshot()
            if last is not None and self.meter.foreground(snap) == self.meter.foreground(last):
                if gap >= self.STATS:
                    return snap
                gap = self.STATS
            else:
                gap = 2.0
            last = snap
            time.sleep(gap)
        raise TimeoutError("the system did not come to rest")

    def close(self):
        for engine in self.engines:
            engine.dispose()


class Phase:
    """One phase's counts: `after - before`, per unit."""

    def __init__(self, label: str, unit: str, units: int, before: Snapshot, after: Snapshot,
                 meter: Meter, errors: dict[str, int], seconds: float):
        self.label, self.unit, self.units, self.errors = label, unit, units, errors
        self.seconds = seconds
        counter = collections.Counter
        self.statements: collections.Counter = counter()  # service -> the unit's statements
        self.commits: collections.Counter = counter()  # service -> the unit's commits
        self.pings: collections.Counter = counter()  # service -> pings of idle connections
        self.connects: collections.Counter = counter()  # service -> new connections
        self.sweep: collections.Counter = counter()  # service -> statements of sweep, timers
        self.background_xact: collections.Counter = counter()  # their commits and pings
        self.origins: collections.Counter = counter()  # (service, origin) -> statements
        self.origin_commits: collections.Counter = counter()
        self.texts: collections.Counter = counter()  # (service, origin, text) -> statements
        for key in set(after.texts) | set(before.texts):
            n = after.texts[key] - before.texts[key]
            if not n:
                continue
            service, origin, statement = key
            if statement == "CONNECT":
                self.connects[service] += n
            elif meter.background(service, origin):
                if statement in ("COMMIT", "PING"):
                    self.background_xact[service] += n
                else:
                    self.sweep[service] += n
            elif statement == "COMMIT":
                self.commits[service] += n
                self.origin_commits[service, origin] += n
            elif statement == "PING":
                self.pings[service] += n
            else:
                self.statements[service] += n
                self.origins[service, origin] += n
                self.texts[key] += n
        self.calls: collections.Counter = counter()
        for key in after.calls:
            if n := after.calls[key] - before.calls[key]:
                self.calls[key] += n
        self.xact = {s: after.xact[s] - before.xact[s] - self.background_xact[s]
                     for s in SERVICES}


def no_autovacuum(system):
    """Turn autovacuum off for the services' tables, then VACUUM ANALYZE each database
    (its catalogs too) once: an autovacuum worker's ANALYZE or VACUUM of each table is
    a transaction of that database, no unit's."""
    for name in SERVICES:
        engine = create_engine(system.db_url(name), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for table in conn.execute(text("SELECT quote_ident(tablename) FROM pg_tables "
                                           "WHERE schemaname = 'public'")).scalars().all():
                conn.execute(text(f"ALTER TABLE {table} SET (autovacuum_enabled = false, "
                                  "toast.autovacuum_enabled = false)"))
            conn.execute(text("VACUUM ANALYZE"))
        engine.dispose()


def catches(pid: int, sig: int) -> bool:
    """Whether `pid` has a handler for `sig` (SigCgt in /proc/<pid>/status)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            caught = next(int(line.split()[1], 16) for line in status if line.startswith("SigCgt:"))
    except (OSError, StopIteration):
        return False
    return bool(caught >> (sig - 1) & 1)


def per(n: float, units: int) -> str:
    """A count per unit: 12, 1.5, 0.05."""
    x = n / max(units, 1)
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return s or "0"


def short(origin: str, service: str) -> str:
    """An entrypoint of `service` by its name; the outbox relay's thread as such."""
    if origin.endswith("._relay_forever"):
        return "(outbox relay)"
    return origin.removeprefix(f"{service}.")


def breakdown(items: dict[str, int], units: int) -> str:
    return ", ".join(f"{name} {per(n, units)}" for name, n in
                     sorted(items.items(), key=lambda kv: (-kv[1], kv[0]))) or "-"


def tables(phases: list[Phase], kinds: dict[str, str], statements_of: list[str]) -> str:
    out = []

    def row(cells) -> str:
        return "| " + " | ".join(cells)
    services = [p for p in PROCESSES if any(ph.statements[p] for ph in phases) or p in SERVICES]

    out.append("SQL statements per unit, by service (the outbox sweep and timers left out):\n")
    out.append(row(["unit", "units", *services, "total"]) + " |")
    out.append("|---" * (len(services) + 3) + "|")
    for ph in phases:
        out.append(row([ph.unit, str(ph.units), *(per(ph.statements[s], ph.units) for s in services),
                        per(sum(ph.statements.values()), ph.units)]) + " |")

    out.append("\nSQL statements per unit, by service and what ran them (a nameko entrypoint, "
               "else the project's outermost function):\n")
    out.append(row(["unit", *services]) + " |")
    out.append("|---" * (len(services) + 1) + "|")
    for ph in phases:
        cells = []
        for s in services:
            ran = {short(o, s): n for (svc, o), n in ph.origins.items() if svc == s}
            cells.append(breakdown(ran, ph.units))
        out.append(row([ph.unit, *cells]) + " |")

    for title, wanted in (("RPC calls handled per unit, by service (which entrypoints)",
                           lambda k: k == "rpc"),
                          ("Events handled per unit, by service (which handler: which event)",
                           lambda k: k.startswith("event")),
                          ("Other entrypoint calls per unit (HTTP, timers)",
                           lambda k: not (k == "rpc" or k.startswith("event")))):
        rows = []
        for ph in phases:
            cells, total = [], 0
            for s in SERVICES:
                mine: dict[str, int] = collections.Counter()
                for (ep, outcome), n in ph.calls.items():
                    kind = kinds.get(ep, "?")
                    if ep.split(".")[0] == s and wanted(kind):
                        label = ep.split(".", 1)[1]
                        if kind.startswith("event "):
                            label += f" ({kind.removeprefix('event ')})"
                        if outcome != "ok":
                            label += f" [{outcome}]"
                        mine[label] += n
                        total += n
                cells.append(f"{per(sum(mine.values()), ph.units)}: {breakdown(mine, ph.units)}"
                             if mine else "0")
            rows.append(row([ph.unit, *cells, per(total, ph.units)]) + " |")
        if title.startswith("Other") and all(r.endswith("| 0 |") for r in rows):
            continue
        out.append(f"\n{title}:\n")
        out.append(row(["unit", *SERVICES, "total"]) + " |")
        out.append("|---" * (len(SERVICES) + 2) + "|")
        out.extend(rows)

    out.append("\nPostgreSQL transactions per unit, by database (pg_stat_database.xact_commit, "
               "less the sweep's; in brackets what the service's process sent: commits + pings "
               "(a SELECT 1 in autocommit on a connection idle 10 s); new connections):\n")
    out.append(row(["unit", *SERVICES, "total"]) + " |")
    out.append("|---" * (len(SERVICES) + 2) + "|")
    def sent(ph: Phase, c: int, p: int, k: int) -> str:
        return (f"{per(c, ph.units)} + {per(p, ph.units)}"
                + (f"; {per(k, ph.units)} connects" if k else ""))
    for ph in phases:
        sums = [sum(c[s] for s in SERVICES) for c in (ph.commits, ph.pings, ph.connects)]
        out.append(row([ph.unit, *(f"{per(ph.xact[s], ph.units)} "
                                   f"({sent(ph, ph.commits[s], ph.pings[s], ph.connects[s])})"
                                   for s in SERVICES),
                        f"{per(sum(ph.xact.values()), ph.units)} ({sent(ph, *sums)})"]) + " |")

    out.append("\nLeft out of the above, for the phase as a whole: the outbox sweep's and "
               "timers' statements / transactions (commits and pings), by service; how long "
               "the phase's requests took; errors:\n")
    out.append(row(["unit", *SERVICES, "requests took", "errors"]) + " |")
    out.append("|---" * (len(SERVICES) + 3) + "|")
    for ph in phases:
        out.append(row([ph.unit, *(f"{ph.sweep[s]} / {ph.background_xact[s]}" for s in SERVICES),
                        f"{ph.seconds:.1f} s",
                        ", ".join(f"{k}: {v}" for k, v in ph.errors.items()) or "none"]) + " |")

    for origin in statements_of:
        service = origin.split(".")[0]
        for ph in phases:
            its = {t: n for (s, o, t), n in ph.texts.items() if s == service and o == origin}
            if not its:
                continue
            commits = ph.origin_commits[service, origin]
            out.append(f"\nThe distinct statements of {origin}, per {ph.unit} "
                       f"({per(sum(its.values()), ph.units)} statements and "
                       f"{per(commits, ph.units)} commits per unit; the first 120 characters):\n")
            out.append("| per unit | statement |\n|---|---|")
            for statement, n in sorted(its.items(), key=lambda kv: (-kv[1], kv[0])):
                out.append(f"| {per(n, ph.units)} | `{statement.replace('|', '/')}` |")
    return "\n".join(out)


def credited_per_day() -> int:
    """How many decisions a day earn an approver points: the default rule set's cap over
    its points per decision (the bench city keeps the default)."""
    rules = json.loads((REPO_ROOT / "ekinerja_contract" / "default_rule_set.json").read_text())
    return int(Decimal(rules["approver_daily_points_cap"])
               / Decimal(rules["approver_points_per_decision"]))


def report_day(today: dt.date) -> dt.date:
    """The last working day (Monday to Friday) before today: an open month either way."""
    day = today - dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


class Load:
    """The requests of the phases, `concurrency` at a time."""

    def __init__(self, gateway_url: str, concurrency: int):
        self.url, self.concurrency = gateway_url, concurrency
        self.errors: collections.Counter = collections.Counter()

    def run(self, jobs) -> list:
        """`jobs`: (what, method, path, kwargs); the answers' JSON (None where it failed)."""
        async def go():
            gate = asyncio.Semaphore(self.concurrency)
            async with httpx.AsyncClient(base_url=self.url, timeout=120) as http:
                async def one(what, method, path, kwargs):
                    async with gate:
                        try:
                            r = await http.request(method, path, **kwargs)
                        except httpx.HTTPError as exc:
                            self.errors[f"{what} {type(exc).__name__}"] += 1
                            return None
                    if r.status_code >= 300:
                        try:
                            err = r.json()["error"]
                            reason = err.get("reason_code") or err.get("code")
                        except (ValueError, KeyError, TypeError):
                            reason = r.text[:80]
                        self.errors[f"{what} {r.status_code} {reason}"] += 1
                        return None
                    return r
                return await asyncio.gather(*(one(*job) for job in jobs))
        self.errors.clear()
        return asyncio.run(go())


def main():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the in-process S3 of old trees
    args = argparse.ArgumentParser()
    args.add_argument("--employees", type=int, default=None,
                      help="the city's size; by default just enough for 2 x --reports staff")
    args.add_argument("--reports", type=int, default=100,
                      help="N: photos, reports with them, reports without; 2N approvals")
    args.add_argument("--concurrency", type=int, default=4, help="requests at once")
    args.add_argument("--statements-of", nargs="*", default=[
        "reporting.submit_report", "evidence.on_report_submitted", "approval.decide"],
                      help="list the distinct statements of these entrypoints per unit")
    opts = args.parse_args()
    n = opts.reports
    per_agency_staff = 250 - 1 - bench_city.SECTIONS
    employees = opts.employees or (2 * n + (2 * n // per_agency_staff + 1) * (1 + bench_city.SECTIONS))
    photos = PhotoPool("page")
    count_dir = Path(tempfile.mkdtemp(prefix="bench-sqlcount-"))
    log_dir = Path(tempfile.mkdtemp(prefix="bench-logs-"))
    vhost = f"bench-{uuid.uuid4().hex[:6]}"
    amqp = infra.create_vhost(vhost)
    s3 = infra.S3Server().start()
    env = {**s3.env(f"bench-{uuid.uuid4().hex[:6]}"), "GATEWAY_RPC_TIMEOUT": "30",
           "PYTHONPATH": os.pathsep.join(p for p in (str(COUNTER), os.environ.get("PYTHONPATH"))
                                         if p),
           "EKINERJA_SQL_COUNT_DIR": str(count_dir), "EKINERJA_SQL_COUNT_TEXT": "1",
           # the timers are no unit's work: a day apart
           "APPROVAL_TIMER_SECONDS": "86400", "EVIDENCE_PURGE_SECONDS": "86400",
           "EVIDENCE_AUDIT_SECONDS": "86400"}
    print(f"code: {REPO_ROOT} at {git_head()}; logs in {log_dir}", file=sys.stderr)
    system = full_system(amqp, log_dir, env)
    depth = quiet = None
    phases: list[Phase] = []
    try:
        kinds = entrypoint_kinds()
        city = bench_city.build(system, employees, config.today().year,
                                progress=lambda m: print(m, file=sys.stderr))
        # staff under a section head (city.staff has the section heads too)
        staff = sorted((p for p in city.staff if city.people[p.approver].approver is not None),
                       key=lambda p: p.employee_id)
        if len(staff) < 2 * n:
            raise SystemExit(f"{len(staff)} staff in {employees} employees: need {2 * n}")
        depth = QueueDepth(amqp, vhost).start()
        meter = Meter(system, count_dir, kinds)
        quiet = Quiet(system, depth, meter)
        print("waiting for the import to settle; the processes:", file=sys.stderr)
        no_autovacuum(system)
        rest = quiet.wait()
        time.sleep(10)
        quiet_again = quiet.wait()
        idle = Phase("idle", "idle", 1, rest, quiet_again, meter, {}, quiet_again.at - rest.at)
        print(f"idle {idle.seconds:.0f} s: statements {dict(idle.statements)}, sweep "
              f"{dict(idle.sweep)}, transactions less the sweep's {idle.xact} (the sweep's "
              f"{dict(idle.background_xact)})", file=sys.stderr)
        load = Load(system.gateway_url, opts.concurrency)

        last = [quiet.wait()]

        def phase(label: str, unit: str, units: int, jobs) -> list:
            print(f"{label}: {units} {unit}…", file=sys.stderr)
            started = time.perf_counter()
            answers = load.run(jobs)
            worked = time.perf_counter() - started
            after = quiet.wait()
            phases.append(Phase(label, unit, units, last[0], after, meter, dict(load.errors),
                                worked))
            last[0] = after
            if load.errors:
                print(f"  errors: {dict(load.errors)}", file=sys.stderr)
            return answers

        uploaders, others = staff[:n], staff[n:2 * n]
        answers = phase("photos", "photo", n, [
            ("upload", "POST", "/api/v1/evidence", {
                "params": {"filename": f"IMG_{i:05d}.jpg"}, "content": data, "headers": {
                    **p.headers, "X-Requested-With": "fetch", "Content-Type": "image/jpeg",
                    "Content-Length": str(len(data)), "Content-Digest": content_digest(data)}})
            for i, p in enumerate(uploaders) for data in [photos.next()]])
        evidence = {p.username: r.json()["id"] for p, r in zip(uploaders, answers, strict=True)
                    if r is not None}
        day = report_day(config.today())

        def report(p, code, **extra):
            return ("submit", "POST", "/api/v1/reports", {"headers": p.headers, "json": {
                "skp_item_id": p.skp_item_id, "activity_code": code, "date": day.isoformat(),
                "start": "07:30", "end": "08:15", "description": "laporan kegiatan harian",
                **extra}})
        with_photo = [p for p in uploaders if p.username in evidence]
        reports = phase("with photo", "submission with photo", len(with_photo), [
            report(p, WITH_PHOTO, evidence_id=evidence[p.username]) for p in with_photo])
        photo_reports = {r.json()["id"] for r in reports if r is not None}
        reports = phase("without", "submission without photo", len(others),
                        [report(p, WITHOUT) for p in others])
        plain_reports = {r.json()["id"] for r in reports if r is not None}
        bosses = sorted({p.approver for p in with_photo + others})
        pages = phase("inbox", "inbox page", len(bosses), [
            ("inbox", "GET", "/api/v1/approvals/inbox",
             {"headers": city.people[b].headers, "params": {"limit": 500}}) for b in bosses])
        # An approver earns points for the first `credited` decisions of a day (the rule
        # set's cap): each superior decides half of those one by one, half in bulk, and the
        # rest of their tasks in bulk past the cap (no credit: no approver_credited).
        credited = credited_per_day()
        single: list[tuple[str, int]] = []
        bulk: dict[str, list[int]] = collections.defaultdict(list)
        past: dict[str, list[int]] = collections.defaultdict(list)
        for boss, page in zip(bosses, pages, strict=True):
            mine = page.json() if page is not None else []
            # with and without a photo in turn: every approval phase has as many of each
            tasks = [t for pair in itertools.zip_longest(
                *(sorted((t for t in mine if t["report_id"] in kind), key=lambda t: t["report_id"])
                  for kind in (photo_reports, plain_reports))) for t in pair if t is not None]
            for k, task in enumerate(tasks):
                if k < credited // 2:
                    single.append((boss, task["id"]))
                elif k < credited:
                    bulk[boss].append(task["id"])
                else:
                    past[boss].append(task["id"])
        phase("one by one", "approval, one by one", len(single), [
            ("decide", "POST", f"/api/v1/approvals/{task}/decision",
             {"headers": city.people[boss].headers, "json": {"decision": "approve"}})
            for boss, task in single])
        for label, unit, tasks_of in (("bulk", "approval, in bulk", bulk),
                                      ("bulk past the cap", "approval, in bulk, past the cap",
                                       past)):
            if not tasks_of:
                continue
            answers = phase(label, unit, sum(map(len, tasks_of.values())), [
                ("bulk-approve", "POST", "/api/v1/approvals/bulk-approve",
                 {"headers": city.people[boss].headers, "json": {"task_ids": ids}})
                for boss, ids in tasks_of.items()])
            refused = collections.Counter(x.get("code") or x.get("error") for r in answers
                                          if r is not None for x in r.json()
                                          if x.get("state") != "approved")
            if refused:
                phases[-1].errors.update({f"bulk item {k}": v for k, v in refused.items()})
        detail = log_dir / "statements.json"
        detail.write_text(json.dumps([{"unit": ph.unit, "units": ph.units, "texts": [
            [s, o, t, c] for (s, o, t), c in sorted(ph.texts.items())],
            "calls": [[ep, oc, c] for (ep, oc), c in ph.calls.items()]} for ph in phases], indent=1))
    finally:
        if quiet:
            quiet.close()
        if depth:
            depth.stop()
        system.close()
        s3.stop()
        infra.delete_vhost(vhost)
    print(f"\nCode at {git_head()} ({REPO_ROOT}). A city of {employees} employees; N = {n}; "
          f"{opts.concurrency} requests at once; reports of {day} 07:30-08:15 "
          f"({WITH_PHOTO} with a page-sized photo, {WITHOUT} without), each its employee's first; "
          f"one inbox page per superior ({len(bosses)}); an approver is credited for the first "
          f"{credited} decisions of a day (the rule set's cap): {credited // 2} one by one and "
          f"{credited - credited // 2} in bulk each, the rest in bulk past the cap (with and "
          f"without a photo in turn: half of each phase's reports have one). Every "
          f"statement of a phase counted until the system was at rest. Each statement per "
          f"phase: {detail}\n")
    print(tables(phases, kinds, opts.statements_of))


def git_head() -> str:
    import subprocess
    out = subprocess.run(["git", "-C", str(REPO_ROOT), "log", "-1", "--format=%h %s"],
                         capture_output=True, text=True)
    return out.stdout.strip()[:60] or "?"


if __name__ == "__main__":
    main()
