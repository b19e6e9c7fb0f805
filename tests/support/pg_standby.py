"""A PostgreSQL primary and a streaming standby of the test's own on this machine
(`pg_createcluster` + `pg_basebackup`), removed afterwards with `pg_dropcluster`. The
standby is synchronous (`synchronous_standby_names = '*'`): a commit the primary
acknowledged is on the standby too, which is what lets a failover lose nothing.
The services reach it through a libpq multi-host URL with target_session_attrs=read-write:
they connect to whichever of the two accepts writes. Needs root (as on CI)."""
import os
import shutil
import signal
import subprocess
import tempfile
import uuid

import psycopg2

from tools.supervisor import wait_until

from .infra import free_port

VERSION = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(p) for p in v.split(".")])[-1] \
    if os.path.isdir("/etc/postgresql") else "15"


def run(*argv: str, user: str | None = None) -> str:
    if user:
        argv = ("runuser", "-u", user, "--", *argv)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise RuntimeError(f"{' '.join(argv)}: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


class PgPair:
    def __init__(self):
        tag = uuid.uuid4().hex[:6]
        self.root = tempfile.mkdtemp(prefix="ekt-pg-pair-")
        os.chmod(self.root, 0o755)
        shutil.chown(self.root, "postgres", "postgres")
        self.primary, self.standby = f"ekt{tag}p", f"ekt{tag}s"
        self.ports = {self.primary: free_port(), self.standby: free_port()}
        self.made: list[str] = []

    def datadir(self, cluster: str) -> str:
        return f"{self.root}/{cluster}"

    def _create(self, cluster: str, settings: str) -> None:
        run("pg_createcluster", VERSION, cluster, "-p", str(self.ports[cluster]), "-d", self.datadir(cluster),
            "--", "--auth-local=trust", "--auth-host=trust")
        self.made.append(cluster)
        with open(f"/etc/postgresql/{VERSION}/{cluster}/conf.d/ekinerja-drill.conf", "w") as f:
            f.write("listen_addresses = '127.0.0.1'\n" + settings)

    def start(self):
        if os.geteuid() != 0 or not shutil.which("pg_createcluster"):
            raise RuntimeError("a private PostgreSQL pair needs root and postgresql-common (as on CI)")
        self._create(self.primary, "synchronous_standby_names = '*'\nwal_level = replica\n")
        run("pg_ctlcluster", VERSION, self.primary, "start")
        # the standby: its own configuration, its data a base backup of the primary's
        self._create(self.standby, "hot_standby = on\n")
        shutil.rmtree(self.datadir(self.standby))
        run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.ports[self.primary]), "-U", "postgres",
            "-D", self.datadir(self.standby), "-R", "-X", "stream", "-c", "fast", user="postgres")
        run("pg_ctlcluster", VERSION, self.standby, "start")
        wait_until(self.streaming, 60, "the standby streaming from the primary", interval=0.5)
        return self

    def dsn(self, cluster: str, db: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.ports[cluster]} user=postgres dbname={db}"

    def query(self, cluster: str, sql: str, db: str = "postgres"):
        conn = psycopg2.connect(self.dsn(cluster, db), connect_timeout=3)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall() if cur.description else None
        finally:
            conn.close()

    def streaming(self) -> bool:
        rows = self.query(self.primary, "SELECT sync_state FROM pg_stat_replication WHERE state = 'streaming'")
        return bool(rows) and rows[0][0] == "sync"

    def url(self, db: str) -> str:
        """Both servers for libpq; only the one that accepts writes is used."""
        hosts = "&".join(f"host=127.0.0.1:{self.ports[c]}" for c in (self.primary, self.standby))
        return f"postgresql+psycopg2://postgres@/{db}?{hosts}&target_session_attrs=read-write&connect_timeout=3"

    def create_database(self, label: str) -> tuple[str, str]:
        name = f"ekt_{label}_{uuid.uuid4().hex[:6]}"
        self.query(self.primary, f'CREATE DATABASE "{name}"')
        return name, self.url(name)

    def postmaster_pid(self, cluster: str) -> int:
        with open(f"{self.datadir(cluster)}/postmaster.pid") as f:
            return int(f.readline())

    def kill_primary(self) -> None:
        """kill -9 of the primary's postmaster and every backend, as a crashed server."""
        pid = self.postmaster_pid(self.primary)
        children = run("pgrep", "-P", str(pid)).split()
        for p in [pid, *map(int, children)]:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def promote(self) -> None:
        run("pg_ctlcluster", VERSION, self.standby, "promote")
        wait_until(lambda: self.query(self.standby, "SELECT pg_is_in_recovery()")[0][0] is False,
                   60, "the standby promoted", interval=0.2)

    def stop(self) -> None:
        for cluster in self.made:
            subprocess.run(["pg_dropcluster", "--stop", VERSION, cluster], capture_output=True, timeout=120)
        shutil.rmtree(self.root, ignore_errors=True)
