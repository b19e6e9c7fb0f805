"""Real infrastructure for the tests, isolated per run and removed afterwards:
a RabbitMQ vhost, PostgreSQL databases, an S3 server (moto) on a free port."""
import json
import os
import socket
import subprocess
import sys
import urllib.request
import uuid
from base64 import b64encode
from pathlib import Path

import psycopg2

RABBIT_HOST = os.environ.get("TEST_RABBIT_HOST", "127.0.0.1")
RABBIT_API = os.environ.get("TEST_RABBIT_API", f"http://{RABBIT_HOST}:15672/api")
PG_ADMIN_DSN = os.environ.get("TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")
PG_URL_BASE = os.environ.get("TEST_PG_URL_BASE", "postgresql+psycopg2://postgres@127.0.0.1:5432")

RUN_ID = uuid.uuid4().hex[:8]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoopbackHTTP:
    """An HTTP stand-in on a free loopback port, served from a thread; the test starts
    and stops it. A subclass calls `_listen(handler_class)` in its __init__."""

    def _listen(self, handler) -> None:
        import threading
        from http.server import ThreadingHTTPServer
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _rabbit_api(method: str, path: str, body: dict | None = None) -> None:
    req = urllib.request.Request(f"{RABBIT_API}{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"content-type": "application/json",
                                          "authorization": "Basic " + b64encode(b"guest:guest").decode()})
    urllib.request.urlopen(req, timeout=10).read()


def create_vhost(name: str) -> str:
    """Through the management API, else rabbitmqctl (needs root)."""
    try:
        _rabbit_api("PUT", f"/vhosts/{name}")
        _rabbit_api("PUT", f"/permissions/{name}/guest", {"configure": ".*", "write": ".*", "read": ".*"})
    except OSError:
        subprocess.run(["rabbitmqctl", "add_vhost", name], check=True, capture_output=True)
        subprocess.run(["rabbitmqctl", "set_permissions", "-p", name, "guest", ".*", ".*", ".*"],
                       check=True, capture_output=True)
    return f"pyamqp://guest:guest@{RABBIT_HOST}:5672/{name}"


def delete_vhost(name: str) -> None:
    try:
        _rabbit_api("DELETE", f"/vhosts/{name}")
    except OSError:
        subprocess.run(["rabbitmqctl", "delete_vhost", name], capture_output=True)


def _pg(sql: str) -> None:
    conn = psycopg2.connect(PG_ADMIN_DSN)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def create_database(label: str) -> tuple[str, str]:
    name = f"ekt_{RUN_ID}_{label}_{uuid.uuid4().hex[:6]}"
    _pg(f'CREATE DATABASE "{name}"')
    return name, f"{PG_URL_BASE}/{name}"


def drop_database(name: str) -> None:
    _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class S3Server:
    """moto's S3 API over HTTP on loopback, in a process of its own that checks a declared
    SHA-256 as MinIO does (tests/support/s3server.py): the minio SDK talks to it like MinIO."""

    access_key = "ekinerja-test"
    secret_key = "ekinerja-test-secret"

    def __init__(self):
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def env(self, bucket: str) -> dict:
        return {"EVIDENCE_S3_ENDPOINT": self.endpoint, "EVIDENCE_S3_ACCESS_KEY": self.access_key,
                "EVIDENCE_S3_SECRET_KEY": self.secret_key, "EVIDENCE_S3_BUCKET": bucket,
                "EVIDENCE_S3_SECURE": "false"}

    def start(self):
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.support.s3server",
                                      "--port", str(self.port)], stdout=subprocess.PIPE,
                                     cwd=Path(__file__).resolve().parents[2])
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != b"ready":
            self.stop()
            raise RuntimeError("the S3 stand-in did not start")
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
