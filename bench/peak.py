"""The month-end peak: a city of 10,000 employees reporting late, all at once, with photos.

    .venv/bin/python -m bench.peak [--employees 10000] [--seconds 30] [--loads 1 1.5 2 3]
                                   [--instances 1 2] [--evidence-share 0.7] [--api-load 1]

The demand comes from ../shared/domain/BRIEF.md: each employee files up to 10
reports a working day (22 a month), and most of a month's late reports arrive in
the last days before the input deadline. Here: 70% of the month's reports in the
office hours (8 h) of the last 3 days, the busiest hour at twice that day's mean.
Their superiors approve in bulk while it happens, at the same pace.

Submissions arrive open-loop at a fixed rate (a multiple of that peak demand);
latency counts from the moment a request was due, so a slow system cannot hide
a queue by sending less. A submission claims a plain activity of the city's
catalogue (meetings need a meeting record: none here), an evidence-required one
for `--evidence-share` of them; that one first uploads a photo exactly as the page
does (POST /api/v1/evidence, the raw JPEG, Content-Type, Content-Length and
Content-Digest), then submits the report with its evidence_id. Every photo's bytes
are unique (bench.photos). The page's photos are resized (1600 px, quality 0.8,
about 300 KB); a last stage sends 12 MP originals (3.5-4.2 MB) as API clients do,
with one instance. Latency: the whole journey (upload + submit, from when it was
due), the submit alone and the upload alone.

Beside each figure: the demand, and the same stage run with one and with two
instances of every service (and gateway workers). Queue depth is read from
RabbitMQ every half second (passive declare, exact); CPU from /proc (the S3
server, a process of its own, and the load generator apart from the product);
resident memory of the gateway and of evidence every half second.
Timings are for reading: never part of the test suite."""
import argparse
import asyncio
import itertools
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from bench import city as bench_city
from bench.common import PeakRss, QueueDepth, Slots, cpu_per_op, cpu_snapshot, pct
from bench.photos import PhotoPool, content_digest, sizes
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
# Of a month's reports, those of an activity that needs a photo (a letter, minutes, a site):
# the BRIEF has evidence as part of a report, desk work such as data entry goes without.
# A choice of this bench (--evidence-share), not a figure from the BRIEF.
EVIDENCE_SHARE = 0.7


def peak_demand(employees: int) -> float:
    """Submissions per second in the busiest hour of the month-end peak."""
    month = employees * REPORTS_PER_DAY * WORKING_DAYS
    return month * LATE_SHARE / (LAST_DAYS * OFFICE_HOURS * 3600) * BUSIEST_HOUR


class Mix:
    """Which activity each submission claims: the city's catalogue's plain activities (no
    meeting: a meeting claim needs a meeting record), an evidence-required one for
    `share` of the submissions."""

    def __init__(self, catalogue: list[dict], share: float, job_class: int = 6):
        plain = [a for a in catalogue if not a.get("role_weights") and not a.get("position_codes")
                 and (a.get("min_job_class") or 0) <= job_class <= (a.get("max_job_class") or 99)]
        self.with_photo = [a["code"] for a in plain if a["evidence_required"]]
        self.without = [a["code"] for a in plain if not a["evidence_required"]]
        if not self.with_photo and not self.without:
            raise RuntimeError("the catalogue has no plain activity a staff member may claim")
        self.share = share if self.with_photo and self.without else float(bool(self.with_photo))

    def pick(self) -> tuple[str, bool]:
        """(activity code, whether it needs a photo)."""
        if random.random() < self.share:
            return random.choice(self.with_photo), True
        return random.choice(self.without), False

    def describe(self) -> str:
        return (f"{self.share:.0%} evidence-required ({', '.join(self.with_photo) or 'none'}), "
                f"the rest without ({', '.join(self.without) or 'none'})")


def _reason(r: httpx.Response) -> tuple[str, str]:
    """(reason code, message) of a gateway error answer."""
    try:
        err = r.json()["error"]
        details = "; ".join(f"{d.get('field')}: {d.get('reason')}" for d in err.get("details") or []
                            if isinstance(d, dict))
        return (str(err.get("reason_code") or err.get("code")),
                str(err.get("message")) + (f" ({details})" if details else ""))
    except (ValueError, KeyError, TypeError, AttributeError):
        return "-", r.text[:200]


async def stage(gateway_url: str, city, slots: Slots, mix: Mix, photos: PhotoPool | None,
                rate: float, seconds: float, connections: int = 64, approvers: int = 3,
                page: bool = True, think: float = 0.0) -> dict:
    """Submissions due at `rate`/s for `seconds` (open loop: a request waits in the
    client when every connection is busy, and its latency counts from when it was
    due); each one of an evidence-required activity first uploads a photo from `photos`
    (as the page does: the raw JPEG with its Content-Digest), then submits the report
    with its evidence_id, `think` seconds after the upload (the page sends the photo the
    moment it is chosen, and the person then fills in the rest; the journey's latency is
    the upload's from when it was due plus the submit's, without the thinking). Meanwhile
    superiors bulk-approve the oldest in their inbox, busiest first, at the same pace."""
    staff = city.staff
    journeys, submits, uploads, sent = [], [], [], []
    statuses: dict[str, int] = {}
    messages: dict[str, str] = {}
    accepted, with_photo = [], [0]
    pending: dict[str, int] = {}
    approved = [0]
    due_queue: asyncio.Queue = asyncio.Queue()
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    names = itertools.count(1)
    extra = {"X-Requested-With": "fetch"} if page else {}  # what the page's upload sends

    def failed(what: str, r: httpx.Response | None, exc: Exception | None = None):
        if r is None:
            key, message = f"{what} {type(exc).__name__}", str(exc)[:200]
        else:
            code, message = _reason(r)
            key = f"{what} {r.status_code} {code}"
        statuses[key] = statuses.get(key, 0) + 1
        messages.setdefault(key, message)

    async def upload(http, person) -> str | None:
        data = photos.next() if photos else b""
        sent.append(len(data))
        started = time.perf_counter()
        try:
            r = await http.post("/api/v1/evidence", params={"filename": f"IMG_{next(names):05d}.jpg"},
                                content=data, headers={
                                    **person.headers, **extra, "Content-Type": "image/jpeg",
                                    "Content-Length": str(len(data)),
                                    "Content-Digest": content_digest(data)})
        except httpx.HTTPError as exc:
            return failed("upload", None, exc)
        if r.status_code != 201:
            return failed("upload", r)
        uploads.append(time.perf_counter() - started)
        return r.json()["id"]

    later: list[asyncio.Task] = []

    async def send(http, person, body, needs_photo, waited):
        """The report itself; `waited`: the journey's time before it (from when it was due)."""
        started = time.perf_counter()
        try:
            r = await http.post("/api/v1/reports", headers=person.headers, json=body)
        except httpx.HTTPError as exc:
            failed("submit", None, exc)
            return
        if r.status_code != 201:
            failed("submit", r)
            return
        now = time.perf_counter()
        journeys.append(waited + now - started)
        submits.append(now - started)
        accepted.append(r.json()["id"])
        with_photo[0] += needs_photo
        pending[person.approver] = pending.get(person.approver, 0) + 1

    async def after_thinking(http, person, body, waited):
        await asyncio.sleep(think)
        await send(http, person, body, True, waited)

    async def submitter(http):
        while (item := await due_queue.get()) is not None:
            due, person = item
            slot = slots.next(person.employee_id)
            if slot is None:
                statuses["no free slot (not sent)"] = statuses.get("no free slot (not sent)", 0) + 1
                continue
            day, start, end = slot
            activity, needs_photo = mix.pick()
            body = {"skp_item_id": person.skp_item_id, "activity_code": activity,
                    "date": day.isoformat(), "start": start, "end": end,
                    "description": "laporan akhir bulan"}
            if needs_photo:
                if photos is None:
                    raise RuntimeError("an evidence-required activity without photos")
                if (evidence_id := await upload(http, person)) is None:
                    continue
                body["evidence_id"] = evidence_id
                if think > 0:
                    later.append(asyncio.create_task(after_thinking(
                        http, person, body, time.perf_counter() - due)))
                    continue
            await send(http, person, body, needs_photo, time.perf_counter() - due)

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
            boss = max(pending, key=lambda b: pending[b])
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
        await asyncio.gather(*later)
        elapsed = time.perf_counter() - started
        stop.set()
        await asyncio.gather(*bosses)
    return {"offered": rate, "achieved": len(accepted) / max(elapsed - think, seconds), "journeys": journeys,
            "submits": submits, "uploads": uploads, "sizes": sent, "statuses": statuses,
            "messages": messages, "accepted": accepted, "with_photo": with_photo[0],
            "approved": approved[0], "started": started, "ended": time.perf_counter()}


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
    return int(n or 0)


TASKS = "SELECT count(*) FROM approval_task"
LEDGER = "SELECT count(*) FROM ledger_entry WHERE kind = 'activity'"


def scale(system, instances: int) -> None:
    """`instances` of every service (extra ones started, surplus ones stopped) and the
    gateway restarted with that many workers."""
    for name in SERVICES:
        for k in range(2, instances + 1):
            if f"{name}-{k}" in system.sup.procs:
                continue
            extra = {}
            if name == "evidence":
                extra["EVIDENCE_HTTP_ADDRESS"] = f"127.0.0.1:{infra.free_port()}"
            system.sup.start(f"{name}-{k}", service_command(name), extra)
        for proc_name in [n for n in system.sup.procs if n.startswith(f"{name}-")]:
            if int(proc_name.rsplit("-", 1)[1]) > instances:
                system.sup.stop(proc_name)
    port = int(system.gateway_url.rsplit(":", 1)[1])
    system.sup.stop("gateway")
    system.sup.start("gateway", gateway_command(port, workers=instances))
    wait_until(lambda: httpx.get(f"{system.gateway_url}/readyz").status_code == 200, 60, "gateway")
    time.sleep(3)  # the new instances' consumers attach to their queues


def per_s(x: float) -> str:
    """A rate per second: a decimal below 10 (a small city's stage), none above."""
    return f"{x:.1f}/s" if x < 10 else f"{x:.0f}/s"


def lat3(values) -> str:
    return f"{pct(values, 50):.0f}/{pct(values, 95):.0f}/{pct(values, 99):.0f} ms" if values else "-"


NOT_PRODUCT = ("load generator", "s3 server")


class Run:
    """What the stages share: the system, its S3 server, the queue sampler, the city, and
    the counts of tasks and ledger entries so far (to know when a stage's have landed)."""

    def __init__(self, system, s3, depth, city, slots, mix, seconds):
        self.system, self.s3, self.depth, self.city, self.slots = system, s3, depth, city, slots
        self.mix, self.seconds = mix, seconds
        self.tasks, self.ledger = count(system, "approval", TASKS), count(system, "scoring", LEDGER)
        self.messages: dict[str, str] = {}
        self.sizes: dict[str, list[int]] = {}
        self.shares: dict[str, list[int]] = {}

    def stage(self, instances: int, load: float, rate: float, photos: PhotoPool, page: bool,
              think: float = 0.0):
        """One stage: (its table row, its CPU ms per submission by process)."""
        system, depth = self.system, self.depth
        procs = {**{name: proc.pid for name, proc in system.sup.procs.items()},
                 "s3 server": self.s3.pid}
        rss = PeakRss({"gateway": [system.sup.procs["gateway"].pid],
                       "evidence": [p.pid for n, p in system.sup.procs.items()
                                    if n.split("-")[0] == "evidence"]}).start()
        before = cpu_snapshot(procs)
        asked_before = asked_evidence(system)
        result = asyncio.run(stage(system.gateway_url, self.city, self.slots, self.mix, photos,
                                   rate, self.seconds, page=page, think=think))
        after = cpu_snapshot(procs)
        peaks = rss.stop()
        span = result["ended"] - result["started"]
        cores = {k: (after[k] - before.get(k, 0.0)) / span for k in after}
        product = sum(v for k, v in cores.items() if k not in NOT_PRODUCT)
        self.tasks += len(result["accepted"])
        self.ledger += result["approved"]
        drain = wait_count(system, "approval", TASKS, self.tasks)
        booked = wait_count(system, "scoring", LEDGER, self.ledger)
        # CPU per submission: everything the stage's work cost, its queues drained
        cpu = cpu_per_op(before, cpu_snapshot(procs), len(result["accepted"]))
        asked = asked_evidence(system) - asked_before
        window = depth.between(result["started"], result["ended"])
        errors = result["statuses"]  # everything but a 201, by what, status and reason code
        for k, v in result["messages"].items():
            self.messages.setdefault(k, v)
        kind = "page" if page else "api"
        self.sizes.setdefault(kind, []).extend(result["sizes"])
        share = self.shares.setdefault(kind, [0, 0])
        share[0] += result["with_photo"]
        share[1] += len(result["accepted"])
        accepted = len(result["accepted"])
        row = (instances, f"{load:g}x ({per_s(rate)})", per_s(result["achieved"]),
               f"{result['with_photo'] / accepted:.0%}" if accepted else "-",
               f"{asked} of {result['with_photo']}",
               lat3(result["journeys"]), lat3(result["submits"]), lat3(result["uploads"]),
               f"{max(window, default=0)} ({depth.deepest(result['started'], result['ended'])})",
               f"{window[-1] if window else 0}", f"{drain:.1f} s / {booked:.1f} s",
               per_s(result["approved"] / span),
               ", ".join(f"{k}: {v}" for k, v in errors.items()) or "none",
               f"{product:.2f}", f"{cores['s3 server']:.2f}", f"{cores['load generator']:.2f}",
               " / ".join(f"{mb:.0f} MB" + (f" ({n} proc.)" if n > 1 else "")
                          for mb, n in (peaks["gateway"], peaks["evidence"])))
        print("  " + " | ".join(map(str, row)), file=sys.stderr, flush=True)
        print(f"  CPU ms per submission: {cpu}", file=sys.stderr, flush=True)
        time.sleep(2)
        return row, (instances, f"{load:g}x" + ("" if page else ", API originals"), cpu)


def asked_evidence(system) -> int:
    """How many times reporting asked evidence (checked_facts) about a report's photo
    because evidence.checked had not reached it yet: evidence logs every entrypoint call."""
    total = 0
    for path in system.sup.log_dir.glob("evidence*.log"):
        total += path.read_bytes().count(b"evidence.checked_facts ")
    return total


HEADER = ("| instances | offered (x demand) | accepted/s | with photo | of those, reporting "
          "asked evidence (RPC) | journey p50/p95/p99 "
          "(upload + submit, from when due) | submit alone p50/p95/p99 | upload alone "
          "p50/p95/p99 | deepest queue (which) | depth at end | tasks / ledger complete after "
          "| approvals/s | errors | CPU cores busy: product | s3 server | load generator "
          "| peak RSS gateway / evidence |\n" + "|---" * 17 + "|")


def main():
    args = argparse.ArgumentParser()
    args.add_argument("--employees", type=int, default=10_000)
    args.add_argument("--seconds", type=float, default=30)
    args.add_argument("--loads", type=float, nargs="+", default=[1, 1.5, 2, 3],
                      help="multiples of the peak demand, one stage each")
    args.add_argument("--instances", type=int, nargs="+", default=[1, 2])
    args.add_argument("--evidence-share", type=float, default=EVIDENCE_SHARE,
                      help="share of the submissions that claim an evidence-required activity")
    args.add_argument("--think", type=float, default=5.0,
                      help="seconds between a photo's upload and its report's submit on the "
                           "page path (the page sends the photo when it is chosen)")
    args.add_argument("--api-load", type=float, default=1.0,
                      help="the API-originals stage (one instance) at this multiple of the "
                           "demand; 0 skips it")
    opts = args.parse_args()
    demand = peak_demand(opts.employees)
    print(f"peak demand for {opts.employees} employees: {demand:.1f} submissions/s", file=sys.stderr)
    started = time.perf_counter()
    page_photos = PhotoPool("page")
    api_photos = PhotoPool("originals") if opts.api_load > 0 else None
    print(f"photo bases made in {time.perf_counter() - started:.0f} s: page {page_photos.sizes()}"
          + (f"; originals {api_photos.sizes()}" if api_photos else ""), file=sys.stderr)
    vhost = f"bench-{uuid.uuid4().hex[:6]}"
    amqp = infra.create_vhost(vhost)
    s3 = infra.S3Server().start()
    system = full_system(amqp, Path(tempfile.mkdtemp(prefix="bench-logs-")),
                         {**s3.env(f"bench-{uuid.uuid4().hex[:6]}"), "GATEWAY_RPC_TIMEOUT": "30"})
    rows, api_rows, cpu_rows = [], [], []
    depth = None
    try:
        started = time.perf_counter()
        city = bench_city.build(system, opts.employees, config.today().year,
                                progress=lambda m: print(m, file=sys.stderr))
        built = time.perf_counter() - started
        print(f"city built in {built:.0f} s", file=sys.stderr)
        someone = city.staff[0].headers
        catalogue = httpx.get(f"{system.gateway_url}/api/v1/catalogue", headers=someone,
                              timeout=30).raise_for_status().json()
        mix = Mix(catalogue, opts.evidence_share)
        print(f"activities: {mix.describe()}", file=sys.stderr)
        slots = Slots(config.today())
        depth = QueueDepth(amqp, vhost).start()
        settled = depth.settle(system)  # the import told every service of each placement
        print(f"every service applied the import {settled:.0f} s later", file=sys.stderr)
        run = Run(system, s3, depth, city, slots, mix, opts.seconds)
        current = 1
        for instances in sorted(opts.instances):
            if instances != current:
                scale(system, instances)
                current = instances
            for load in opts.loads:
                rate = demand * load
                print(f"{instances} instance(s), {load}x demand = {rate:.0f}/s…", file=sys.stderr)
                row, cpu = run.stage(instances, load, rate, page_photos, page=True,
                                     think=opts.think)
                rows.append(row)
                cpu_rows.append(cpu)
        if api_photos is not None:
            if current != 1:
                scale(system, 1)
            rate = demand * opts.api_load
            print(f"API originals, 1 instance, {opts.api_load}x demand = {rate:.0f}/s…",
                  file=sys.stderr)
            row, cpu = run.stage(1, opts.api_load, rate, api_photos, page=False)
            api_rows.append(row)
            cpu_rows.append(cpu)
    finally:
        if depth:
            depth.stop()
        system.close()
        s3.stop()
        infra.delete_vhost(vhost)

    def share(kind):
        done, total = run.shares.get(kind, [0, 0])
        return f"{done / total:.0%} ({done:,} of {total:,})" if total else "-"
    print(f"\nPeak demand ({opts.employees} employees, busiest hour of the month-end burst): "
          f"{demand:.1f} submissions/s; stages of {opts.seconds:.0f} s, open-loop. The city's import "
          f"(CSV, {opts.employees} rows) and SKPs took {built:.0f} s; every service had applied the "
          f"import's events {settled:.0f} s later. Activities: {mix.describe()}; of the accepted "
          f"submissions {share('page')} had a photo. Each photo uploaded first (POST "
          f"/api/v1/evidence with its Content-Digest), then, {opts.think:g} s later (the page "
          f"sends the photo when it is chosen; the rest of the form is filled in meanwhile), "
          f"the report with its evidence_id. Page "
          f"photos (resized: long side 1600 px, quality 0.8, EXIF kept), as sent: "
          f"{sizes(run.sizes.get('page', []))}. CPU cores busy during the stage: the product is "
          f"every service, the gateway, PostgreSQL and RabbitMQ; the S3 server and the load "
          f"generator apart. Peak RSS: all processes of each (instances, workers) together, "
          f"sampled every 0.5 s.\n")
    print(HEADER)
    for r in rows:
        print("| " + " | ".join(map(str, r)) + " |")
    if api_rows:
        print(f"\nThe API path: 12 MP originals as API clients send them (not resized), one "
              f"instance; of the accepted submissions {share('api')} had a photo; photos as sent: "
              f"{sizes(run.sizes.get('api', []))}.\n")
        print(HEADER)
        for r in api_rows:
            print("| " + " | ".join(map(str, r)) + " |")
    print("\nCPU ms per accepted submission, by process (the stage's approvals and photos "
          "included, counted until its tasks and ledger entries were complete):\n")
    print("| instances | stage | CPU ms per submission |\n|---|---|---|")
    for r in cpu_rows:
        print("| " + " | ".join(map(str, r)) + " |")
    if run.messages:
        print("\nErrors returned (first message of each):\n")
        for k, v in run.messages.items():
            print(f"- {k}: {v}")


if __name__ == "__main__":
    main()
