"""What the benchmarks share: percentiles, each employee's free report slots, queue depth."""
import contextlib
import datetime as dt
import json
import os
import re
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from base64 import b64encode

from kombu import Connection

from tests.support import infra
from tools.supervisor import wait_until

BROADCAST = re.compile(r"-[0-9a-f]{32}$")
SLOTS_PER_DAY = 8             # one employee's report slots in a day (45 min each)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))] * 1000 if values else float("nan")


class Slots:
    """Each employee's next free time slot: up to 8 a day on the open days of the month."""

    def __init__(self, today: dt.date):
        first = today.replace(day=1)
        if today.day <= 5:  # the previous month is still open until the deadline
            first = (first - dt.timedelta(days=1)).replace(day=1)
        self.days = [first + dt.timedelta(days=d) for d in range((today - first).days + 1)]
        self.used: dict[int, int] = {}

    def next(self, employee_id: int):
        k = self.used.get(employee_id, 0)
        day, n = divmod(k, SLOTS_PER_DAY)
        if day >= len(self.days):
            return None
        self.used[employee_id] = k + 1
        start = 7 * 60 + 30 + n * 50
        return self.days[day], f"{start // 60:02d}:{start % 60:02d}", \
            f"{(start + 45) // 60:02d}:{(start + 45) % 60:02d}"


class QueueDepth:
    """Samples the ready messages of every service queue of a vhost (passive declare)."""

    def __init__(self, amqp_uri: str, vhost: str):
        self.amqp_uri, self.vhost = amqp_uri, vhost
        self.samples: list[tuple[float, int, dict]] = []
        self._stop = threading.Event()
        self._thread = None

    def names(self) -> list[str]:
        """From the management API, else rabbitmqctl (needs root)."""
        try:
            req = urllib.request.Request(
                f"{infra.RABBIT_API}/queues/{urllib.parse.quote(self.vhost, safe='')}?columns=name",
                headers={"authorization": "Basic " + b64encode(b"guest:guest").decode()})
            names = [r["name"] for r in json.loads(urllib.request.urlopen(req, timeout=10).read())]
        except OSError:
            names = subprocess.run(["rabbitmqctl", "list_queues", "-p", self.vhost, "name", "--quiet",
                                    "--no-table-headers"], capture_output=True, text=True,
                                   check=True).stdout.split()
        # nameko's broadcast queues (a uuid at the end: reporting's memory) are exclusive to
        # their consumer: declaring one, even passively, is refused
        return [n for n in names if not n.startswith(("rpc.reply", "bench"))
                and "dead" not in n and "retry" not in n and not BROADCAST.search(n)]

    def start(self):
        names = self.names()

        def sample():
            with Connection(self.amqp_uri) as conn:
                channel = conn.channel()
                while not self._stop.wait(0.5):
                    depth = {n: channel.queue_declare(n, passive=True).message_count for n in names}
                    self.samples.append((time.perf_counter(), sum(depth.values()), depth))
        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def between(self, start: float, end: float) -> list[int]:
        return [total for t, total, _ in self.samples if start <= t <= end]

    def deepest(self, start: float, end: float) -> str:
        rows = [d for t, _, d in self.samples if start <= t <= end]
        if not rows or not max(sum(r.values()) for r in rows):
            return "-"
        name = max(rows[0], key=lambda n: max(r[n] for r in rows))
        return name.split("--")[-1] if "--" in name else name

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(5)

    def settle(self, system, timeout: float = 900) -> float:
        """Seconds until every service has applied what was written so far (an import's
        events): no unsent outbox row in any service, every queue empty for 2 s."""
        from sqlalchemy import create_engine, text
        engines = [create_engine(system.db_url(name)) for name in system.databases]
        started = time.perf_counter()

        def unsent():
            total = 0
            for engine in engines:
                with engine.connect() as conn:
                    total += conn.execute(text("SELECT count(*) FROM outbox "
                                               "WHERE published_at IS NULL")).scalar()
            return total

        def quiet():
            recent = [total for t, total, _ in self.samples if t > time.perf_counter() - 2]
            return len(recent) >= 3 and not any(recent) and unsent() == 0
        try:
            wait_until(quiet, timeout, "every service to apply the import", interval=0.5)
        finally:
            for engine in engines:
                engine.dispose()
        return time.perf_counter() - started


TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for t in os.listdir(f"/proc/{pid}/task")
                for c in open(f"/proc/{pid}/task/{t}/children").read().split()]
    except OSError:
        return []


def cpu_snapshot(procs: dict) -> dict[str, float]:
    """CPU seconds used so far by each named process (with its children: uvicorn workers),
    and by PostgreSQL and RabbitMQ as a whole."""
    snap: dict[str, float] = {}
    for name, pid in procs.items():
        pids = [pid] + _children(pid)
        snap[name.split("-")[0]] = snap.get(name.split("-")[0], 0.0) + sum(map(_cpu_seconds, pids))
    for name, marker in (("postgresql", "postgres"), ("rabbitmq", "beam.smp")):
        snap[name] = sum(_cpu_seconds(int(p)) for p in os.listdir("/proc") if p.isdigit()
                         and marker in _comm(int(p)))
    snap["load generator"] = _cpu_seconds(os.getpid())
    return snap


def _comm(pid: int) -> str:
    try:
        return open(f"/proc/{pid}/comm").read()
    except OSError:
        return ""


def cpu_per_op(before: dict, after: dict, ops: int) -> str:
    """"gateway 4.1, reporting 9.8, …" in CPU milliseconds per operation."""
    used = {k: (after[k] - before.get(k, 0.0)) * 1000 / max(ops, 1) for k in after}
    total = sum(used.values())
    return ", ".join(f"{k} {v:.1f}" for k, v in used.items()) + f"; total {total:.1f} ms"


def load(seconds, clients, call):
    """`call(client_no, i)` in `clients` threads for `seconds`: (count/s, latencies)."""
    latencies, stop, lock = [], threading.Event(), threading.Lock()

    def worker(n):
        i = 0
        while not stop.is_set():
            started = time.perf_counter()
            if call(n, i):
                with lock:
                    latencies.append(time.perf_counter() - started)
            i += 1
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(30)
    return len(latencies) / seconds, latencies


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (uvicorn's workers, multiprocessing helpers)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(_children(p))
    return found


def rss_bytes(pid: int) -> int:
    """VmRSS of one process (0 once it has gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class PeakRss:
    """Samples every `interval` s the resident memory of groups of processes (each with
    its children), summed per group: {"gateway": [pid, …], "evidence": [pid, …]}. `stop()`
    gives each group's peak in MB and how many processes it had at that peak."""

    def __init__(self, groups: dict[str, list[int]], interval: float = 0.5):
        self.groups, self.interval = groups, interval
        self.peaks: dict[str, tuple[float, int]] = {name: (0.0, 0) for name in groups}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self):
        for name, pids in self.groups.items():
            every = [p for pid in pids for p in descendants(pid)]
            total = sum(map(rss_bytes, every)) / 2**20
            if total > self.peaks[name][0]:
                self.peaks[name] = (total, len(every))

    def _run(self):
        self._sample()
        while not self._stop.wait(self.interval):
            self._sample()

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> dict[str, tuple[float, int]]:
        self._stop.set()
        self._thread.join(5)
        self._sample()
        return self.peaks


# --- a scratch PostgreSQL database filled by COPY ------------------------------------------

ADMIN_DSN = "host=127.0.0.1 user=postgres dbname=postgres"


def copy(conn, table, columns, rows):
    """Rows into a table through COPY (tab-separated; None is NULL): millions in seconds."""
    import io
    buf = io.StringIO()
    for row in rows:
        buf.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    buf.seek(0)
    with conn.cursor() as cur:
        cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buf)


@contextlib.contextmanager
def scratch_database(label: str, service: str):
    """A database of its own with `service`'s schema: (its libpq DSN, its SQLAlchemy URL);
    dropped afterwards, whatever happened."""
    import uuid

    import psycopg2

    from ekinerja_contract import migrate
    name = f"bench_{label}_{uuid.uuid4().hex[:6]}"
    admin = psycopg2.connect(ADMIN_DSN)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg2://postgres@127.0.0.1/{name}"
    try:
        migrate.upgrade(service, url)
        yield f"host=127.0.0.1 user=postgres dbname={name}", url
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
