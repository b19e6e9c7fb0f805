"""E-Kinerja benchmarks, each figure beside a baseline measured in the same run.

    .venv/bin/python -m bench.run [--seconds 15] [--clients 8] [--skip-close] [--skip-peak]
                                  [--peak-seconds 30] [--only-submissions] [--only-uploads]
                                  [--profile DIR]

All five of issue 10 in one command: submissions, bulk approval and uploads here,
then the month close (bench.close_period) and the month-end peak (bench.peak),
each as its own process. Each starts its own RabbitMQ vhost, PostgreSQL
databases, S3 server (moto, a process of its own), the four services and the gateway, and removes them
afterwards. Prints Markdown tables.
Never part of the test suite: timings are for reading, not for asserting."""
import argparse
import contextlib
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench import city as bench_city
from bench import skeleton as bench_skeleton
from bench.common import QueueDepth, Slots, cpu_per_op, cpu_snapshot, load, pct
from bench.photos import PhotoPool, content_digest, sizes
from ekinerja_contract import config
from tests.support import infra
from tests.support.photos import jpeg_with_exif
from tests.support.stack import full_system
from tools.supervisor import wait_until

ROWS = []


def row(what, value, baseline, ratio, note=""):
    ROWS.append((what, value, baseline, ratio, note))
    print(f"  {what}: {value} | baseline {baseline} | {ratio} {note}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def profiling(system, profile_dir, seconds):
    """py-spy on every process while the block runs: raw stacks plus the top functions."""
    if profile_dir is None:
        yield
        return
    profile_dir.mkdir(parents=True, exist_ok=True)
    spies = {name: subprocess.Popen(
        [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(proc.pid),
         "--duration", str(int(seconds)), "--rate", "200", "--format", "raw", "--nonblocking", "--gil",
         "--subprocesses", "-o", str(profile_dir / f"{name}.txt")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for name, proc in system.sup.procs.items()}
    try:
        yield
    finally:
        for name, spy in spies.items():
            spy.wait(60)
            print_top(name, profile_dir / f"{name}.txt")


def print_top(name, path, n=12):
    """Self and total samples per function from py-spy's collapsed stacks."""
    if not path.exists():
        return
    own, total, samples = {}, {}, 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames, count = stack.split(";"), int(count)
        samples += count
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for f in set(frames):
            total[f] = total.get(f, 0) + count
    print(f"\n{name}: {samples} samples; top by total (incl. callees):", file=sys.stderr)
    for f, c in sorted(total.items(), key=lambda x: -x[1])[:n * 3]:
        if "site-packages" not in f or "sqlalchemy" in f or "fastapi" in f:
            print(f"  {c / samples:6.1%}  {f}", file=sys.stderr)
    print(f"{name}: top by self:", file=sys.stderr)
    for f, c in sorted(own.items(), key=lambda x: -x[1])[:n]:
        print(f"  {c / samples:6.1%}  {f}", file=sys.stderr)


def bench_submissions(system, seconds, clients, profile_dir=None, employees=1000):
    """Closed loop: `clients` at once, each for its own share of a generated city's
    staff, eight reports a day each (a day's overlap and cap checks stay realistic)."""
    city = bench_city.build(system, employees, config.today().year,
                            progress=lambda m: print(m, file=sys.stderr))
    depth = QueueDepth(system.amqp_uri, system.amqp_uri.rsplit("/", 1)[1]).start()
    depth.settle(system)  # the import's events are not part of the measurement
    depth.stop()
    slots = Slots(config.today())
    mine = [city.staff[n::clients] for n in range(clients)]  # disjoint: no two clients share a slot
    http = [httpx.Client(base_url=system.gateway_url, timeout=30) for _ in range(clients)]

    def submit(n, i):
        person = mine[n][i % len(mine[n])]
        slot = slots.next(person.employee_id)
        if slot is None:
            return False
        day, start, end = slot
        r = http[n].post("/api/v1/reports", headers=person.headers, json={
            "skp_item_id": person.skp_item_id, "activity_code": "ENTRI-DATA",
            "date": day.isoformat(), "start": start, "end": end, "description": "beban uji"})
        return r.status_code == 201
    procs = {name: proc.pid for name, proc in system.sup.procs.items()}
    before = cpu_snapshot(procs)
    with profiling(system, profile_dir, seconds):
        rate, lat = load(seconds, clients, submit)
    # the full path ends when the approval task exists
    from sqlalchemy import create_engine, text
    engine = create_engine(system.db_url("reporting"))
    with engine.connect() as conn:
        reports = conn.execute(text("SELECT count(*) FROM report")).scalar()
    engine.dispose()
    started = time.perf_counter()
    engine = create_engine(system.db_url("approval"))

    def tasks():
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM approval_task")).scalar()
    wait_until(lambda: tasks() >= reports, 120, "tasks", interval=0.1)
    drain = time.perf_counter() - started
    cpu = cpu_per_op(before, cpu_snapshot(procs), len(lat))
    engine.dispose()
    for h in http:
        h.close()
    return city, rate, lat, drain, cpu


def bench_rpc_baseline(system, seconds, clients):
    from ekinerja_contract.rpc_client import RpcClient
    client = RpcClient(system.amqp_uri, name="bench").start()
    procs = {"reporting": system.sup.procs["reporting"].pid}
    before = cpu_snapshot(procs)
    rate, lat = load(seconds, clients, lambda n, i: client.call("reporting", "health")["ok"])
    cpu = cpu_per_op(before, cpu_snapshot(procs), len(lat))
    client.stop()
    return rate, lat, cpu


def bench_minimal_fastapi(seconds, clients):
    """One FastAPI endpoint doing one PostgreSQL insert, under uvicorn: the floor."""
    name, url = infra.create_database("minimal")
    proc, base = bench_skeleton.serve("one_insert", {"MINIMAL_DSN": url.replace("+psycopg2", "")})
    try:
        http = [httpx.Client(timeout=30) for _ in range(clients)]
        before = cpu_snapshot({"fastapi": proc.pid})
        rate, lat = load(seconds, clients,
                         lambda n, i: http[n].post(f"{base}/r").status_code == 200)
        cpu = cpu_per_op(before, cpu_snapshot({"fastapi": proc.pid}), len(lat))
        for h in http:
            h.close()
    finally:
        proc.terminate()
        proc.wait(10)
        infra.drop_database(name)
    return rate, lat, cpu


def bench_bulk_approve(system, city, n=1000):
    """Superiors approve the city's submitted reports in bulk (`n` in all, a request per
    superior, every report real): time to decide, and until every ledger entry exists."""
    from sqlalchemy import create_engine, text
    http = httpx.Client(base_url=system.gateway_url, timeout=120)
    batches, total = [], 0
    for boss in {p.approver for p in city.staff}:
        headers = city.people[boss].headers
        ids = [t["id"] for t in http.get("/api/v1/approvals/inbox", headers=headers,
                                         params={"limit": 500}).json()][:n - total]
        if ids:
            batches.append((headers, ids))
            total += len(ids)
        if total >= n:
            break
    engine = create_engine(system.db_url("scoring"))

    def ledger():
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM ledger_entry WHERE kind = 'activity'")).scalar()
    booked = ledger()
    procs = {name: proc.pid for name, proc in system.sup.procs.items()}
    before = cpu_snapshot(procs)
    started = time.perf_counter()
    approved = 0
    for headers, ids in batches:
        r = http.post("/api/v1/approvals/bulk-approve", headers=headers, json={"task_ids": ids})
        approved += sum(1 for x in r.raise_for_status().json() if x.get("state") == "approved")
    decided = time.perf_counter() - started
    wait_until(lambda: ledger() >= booked + approved, 300, "ledger", interval=0.2)
    ledgered = time.perf_counter() - started
    cpu = cpu_per_op(before, cpu_snapshot(procs), approved)
    engine.dispose()
    http.close()
    return approved, len(batches), decided, ledgered, cpu


PHOTOS = {1: ((1600, 1200), 40, 80), 5: ((3264, 2448), 50, 85)}  # about 1 MB and 5 MB
PAGE = "page"  # the page's resized photo: 1600 px, quality 0.8, EXIF kept (about 300 KB)
MB = 1e6


def upload_photos(case, count: int) -> list[bytes]:
    """`count` distinct photos: page-sized ones from bench.photos' pool (a base photo, unique
    bytes per upload), or noisy 1 MB / 5 MB ones made one by one."""
    if case == PAGE:
        pool = PhotoPool("page")
        return [pool.next() for _ in range(count)]
    dims, grain, quality = PHOTOS[case]
    return [jpeg_with_exif(size=dims, grain=grain, quality=quality) for _ in range(count)]


def bench_uploads(system, s3, case, clients=1, count=20):
    """`count` photos through the gateway, through the upload floor (a FastAPI endpoint
    that only streams the body to a presigned PUT: bench.skeleton), then straight to the
    S3 endpoint, by `clients` at once; each path warmed up first with one untimed upload
    (connections, imports). The gateway and the floor get the body's Content-Digest, as
    the page sends it. Rates in MB/s (the photos' actual bytes) and photos/s, CPU per
    photo (the S3 server a process of its own), in that order."""
    import io
    from concurrent.futures import ThreadPoolExecutor

    from minio import Minio
    person = system.demo["people"]["sari"]
    # photos that compress like a phone's: the thumbnail needs the whole image decoded
    data = upload_photos(case, count + 1)
    digests = [content_digest(d) for d in data]
    # one client shared by the threads, made before the clock starts (a client per thread,
    # made at its first upload, put its TLS set-up into the load generator's CPU and the rate)
    shared = httpx.Client(timeout=120, limits=httpx.Limits(max_connections=clients + 1))
    gateway = system.sup.procs["gateway"].pid
    client = Minio(s3.endpoint, s3.access_key, s3.secret_key, secure=False)
    bucket = f"bench-{uuid.uuid4().hex[:6]}"
    client.make_bucket(bucket)
    proxy, proxy_url = bench_skeleton.start_proxy(s3, bucket)

    def via_gateway(i):
        shared.post(f"{system.gateway_url}/api/v1/evidence", params={"filename": f"b{i}.jpg"},
                    content=data[i], headers={**person["headers"], "Content-Type": "image/jpeg",
                                              "Content-Digest": digests[i]}).raise_for_status()

    def via_floor(i):
        shared.post(f"{proxy_url}/put/floor-{uuid.uuid4().hex}", content=data[i],
                    headers={"Content-Type": "image/jpeg", "Content-Digest": digests[i]}
                    ).raise_for_status()

    def direct(i):
        client.put_object(bucket, f"direct-{i}", io.BytesIO(data[i]), len(data[i]))
    rates, per_second, cpu = [], [], []
    procs = {**{name: p.pid for name, p in system.sup.procs.items()}, "upload floor": proxy.pid,
             "s3 server": s3.pid}
    sent = sum(len(d) for d in data[:count]) / MB
    try:
        with ThreadPoolExecutor(clients) as pool:
            for upload in (via_gateway, via_floor, direct):
                upload(count)  # warm-up
                before = cpu_snapshot(procs)
                started = time.perf_counter()
                list(pool.map(upload, range(count)))
                elapsed = time.perf_counter() - started
                rates.append(sent / elapsed)
                per_second.append(count / elapsed)
                cpu.append(cpu_per_op(before, cpu_snapshot(procs), count))
    finally:
        shared.close()
        proxy.terminate()
        proxy.wait(10)
    peak = next((int(line.split()[1]) for line in open(f"/proc/{gateway}/status")
                 if line.startswith("VmHWM")), 0) / 1024
    return rates, per_second, peak, cpu, sizes([len(d) for d in data[:count]])


def bench_all_uploads(system, s3):
    for case in (PAGE, 1, 5):
        label = "page-sized (resized, ~300 KB)" if case == PAGE else f"{case} MB"
        for clients in (1, 4):
            print(f"uploads {label}, {clients} at once…", file=sys.stderr)
            (via, floor, direct), (n_via, _, n_direct), peak, cpu, photo_sizes = \
                bench_uploads(system, s3, case, clients)
            row(f"evidence upload, {label} photos, {clients} client(s) at once",
                f"{via:.1f} MB/s ({n_via:.1f} photos/s) through the gateway",
                f"{direct:.1f} MB/s ({n_direct:.1f} photos/s) direct PUT; {floor:.1f} MB/s "
                "through a bare FastAPI proxy", f"{via / direct:.0%} of direct (the proxy: "
                f"{floor / direct:.0%})", f"gateway peak RSS {peak:.0f} MB; photos {photo_sizes}")
            if clients > 1:
                row(f"CPU ms per {label} photo, by process (the S3 server a process of its own)",
                    cpu[0], f"proxy: {cpu[1]}; direct: {cpu[2]}", "", "")


def main():
    args = argparse.ArgumentParser()
    args.add_argument("--seconds", type=float, default=15)
    args.add_argument("--clients", type=int, default=8)
    args.add_argument("--skip-close", action="store_true")
    args.add_argument("--skip-peak", action="store_true")
    args.add_argument("--peak-seconds", type=float, default=30, help="each stage of the peak")
    args.add_argument("--only-submissions", action="store_true")
    args.add_argument("--only-uploads", action="store_true")
    args.add_argument("--profile", type=Path, help="py-spy every process during the submissions")
    opts = args.parse_args()
    vhost = f"bench-{uuid.uuid4().hex[:6]}"
    amqp = infra.create_vhost(vhost)
    s3 = infra.S3Server().start()
    system = full_system(amqp, Path(tempfile.mkdtemp(prefix="bench-logs-")),
                         {**s3.env(f"bench-{uuid.uuid4().hex[:6]}"), "GATEWAY_RPC_TIMEOUT": "30"})
    try:
        if opts.only_uploads:
            bench_all_uploads(system, s3)
            return report()
        print("submissions…", file=sys.stderr)
        city, rate, lat, drain, cpu = bench_submissions(system, opts.seconds, opts.clients,
                                                        opts.profile)
        rpc_rate, rpc_lat, rpc_cpu = bench_rpc_baseline(system, opts.seconds, opts.clients)
        floor_rate, floor_lat, floor_cpu = bench_minimal_fastapi(opts.seconds, opts.clients)
        skeleton = bench_skeleton.measure(system.amqp_uri, opts.seconds, opts.clients,
                                          tempfile.mkdtemp(prefix="bench-skeleton-"))
        row("submissions/s (gateway→reporting→outbox→event→task)", f"{rate:.0f}/s",
            f"RPC round trip {rpc_rate:.0f}/s; FastAPI+1 insert {floor_rate:.0f}/s",
            f"{rate / rpc_rate:.0%} of RPC, {rate / floor_rate:.0%} of FastAPI",
            f"{opts.clients} clients, {opts.seconds:.0f} s; last task {drain:.2f} s after the load")
        row("submission latency p50/p95/p99", f"{pct(lat, 50):.0f}/{pct(lat, 95):.0f}/{pct(lat, 99):.0f} ms",
            f"RPC {pct(rpc_lat, 50):.1f}/{pct(rpc_lat, 95):.1f}/{pct(rpc_lat, 99):.1f} ms; "
            f"FastAPI {pct(floor_lat, 50):.1f}/{pct(floor_lat, 95):.1f}/{pct(floor_lat, 99):.1f} ms",
            f"p99 x{pct(lat, 99) / pct(rpc_lat, 99):.1f} of RPC")
        row("CPU ms per submission, by process", cpu, f"RPC: {rpc_cpu}; FastAPI: {floor_cpu}",
            "", "what bounds throughput on 2 shared cores")
        for variant, (sk_rate, sk_lat, sk_cpu) in skeleton.items():
            row(f"the architecture's floor ({variant}): FastAPI→RPC→1 insert→event→1 insert, "
                "no domain", f"{sk_rate:.0f}/s, p50/p95/p99 {pct(sk_lat, 50):.0f}/"
                f"{pct(sk_lat, 95):.0f}/{pct(sk_lat, 99):.0f} ms", sk_cpu,
                f"submissions at {rate / sk_rate:.0%} of it", "bench.skeleton: the ceiling "
                "any implementation of these hops has here" if variant == "plain" else
                "with the outbox, relay, inbox and dead-lettering handler")
        if opts.only_submissions:
            return report()
        print("bulk approve…", file=sys.stderr)
        approved, bosses, decided, ledgered, cpu = bench_bulk_approve(system, city)
        row(f"bulk approve {approved:,} tasks ({bosses} superiors, a request each)",
            f"{decided:.1f} s decided", f"{ledgered:.1f} s until every ledger entry",
            f"{approved / ledgered:.0f} approvals/s end to end")
        row("CPU ms per approval, by process", cpu, "", "", "decision, report update, ledger")
        bench_all_uploads(system, s3)
    finally:
        system.close()
        s3.stop()
        infra.delete_vhost(vhost)
    tables = []
    if not opts.skip_close and not opts.only_submissions:
        print("month close…", file=sys.stderr)
        tables.append(part("bench.close_period"))
    if not opts.skip_peak and not opts.only_submissions:
        print("the peak…", file=sys.stderr)
        tables.append(part("bench.peak", "--seconds", str(opts.peak_seconds)))
    report()
    for table in tables:
        print(table)


def part(module: str, *args: str) -> str:
    """Another benchmark as its own process (its own infrastructure): its table."""
    out = subprocess.run([sys.executable, "-m", module, *args], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return out[out.find("\n|") if module.endswith("close_period") else out.find("\nPeak"):]


def report():
    print("\n| what | measured | baseline (same run) | ratio | note |\n|---|---|---|---|---|")
    for r in ROWS:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
