"""The architecture's own floor: a submission's hops with no domain in them.

A FastAPI endpoint under uvicorn (the gateway's RPC client, a validated body, no
auth) → a nameko RPC that inserts one row in its PostgreSQL database → an event →
a second nameko service that inserts one row in its own database. Two variants:

- `plain`: nameko's own dispatcher, after the commit (an event can be lost);
- `outbox`: the project's `Database` (the row and its event in one transaction,
  the relay thread, the inbox) and the dead-lettering handler: what "nothing lost,
  nothing doubled" costs.

Whatever the domain adds, a full-path submission on the same machine can be no
cheaper than this: it is the ceiling the fixed architecture leaves.

`proxy` is the same for uploads: a FastAPI endpoint that streams the request body
to a presigned S3 PUT (as the gateway does; a Content-Digest passed on as the
store's x-amz-checksum-sha256, which it verifies) and nothing else: no record,
no check, no thumbnail. `one_insert` is the plainest floor: one FastAPI endpoint
doing one PostgreSQL insert.

    .venv/bin/python -m bench.skeleton [--seconds 15] [--clients 8]

(`bench.run` runs it too, beside the submissions.)"""
import os
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from nameko.events import EventDispatcher
from nameko.events import event_handler as plain_event_handler
from nameko.rpc import rpc
from pydantic import BaseModel, Field
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, text
from starlette.concurrency import run_in_threadpool

from ekinerja_contract import events
from ekinerja_contract.db import messaging_tables
from ekinerja_contract.nameko_ext import Database, event_handler
from ekinerja_contract.rpc_client import RpcClient

metadata = MetaData()
messaging_tables(metadata)
item = Table("item", metadata, Column("id", Integer, primary_key=True),
             Column("body", String(200), nullable=False))
task = Table("task", metadata, Column("id", Integer, primary_key=True),
             Column("item_id", Integer, nullable=False))


@events.event("bench.item_submitted", "1.0", "skel_intake")
class ItemSubmitted(events.EventData):
    """Benchmark only: registered in the bench's own processes, never published by the product."""
    item_id: int


# --- the services ---------------------------------------------------------------------

class Intake:
    name = "skel_intake"
    db = Database(metadata)

    @rpc
    def submit(self, body):
        with self.db.unit_of_work() as uow:
            item_id = uow.session.execute(insert(item).values(body=body).returning(item.c.id)).scalar()
            uow.emit("bench.item_submitted", {"item_id": item_id})
        return {"id": item_id}


class Tasks:
    name = "skel_tasks"
    db = Database(metadata)

    @event_handler("skel_intake", "bench.item_submitted")
    def on_item(self, body):
        self.db.consume(body, lambda uow, env: uow.session.execute(
            insert(task).values(item_id=env.data["item_id"])))


class PlainIntake:
    name = "skel_plain_intake"
    db = Database(metadata)
    dispatch = EventDispatcher()

    @rpc
    def submit(self, body):
        with self.db.session() as s, s.begin():
            item_id = s.execute(insert(item).values(body=body).returning(item.c.id)).scalar()
        self.dispatch("item_submitted", {"item_id": item_id})
        return {"id": item_id}


class PlainTasks:
    name = "skel_plain_tasks"
    db = Database(metadata)

    @plain_event_handler("skel_plain_intake", "item_submitted")
    def on_item(self, body):
        with self.db.session() as s, s.begin():
            s.execute(insert(task).values(item_id=body["item_id"]))


# --- the front ------------------------------------------------------------------------

@asynccontextmanager
async def lifespan(app):
    app.state.rpc = RpcClient(os.environ["AMQP_URI"], name="skeleton").start()
    yield
    app.state.rpc.stop()


app = FastAPI(lifespan=lifespan)
INTAKE = {"plain": "skel_plain_intake", "outbox": "skel_intake"}


class ItemIn(BaseModel):
    body: str = Field(min_length=1, max_length=200)


@app.post("/items/{variant}", status_code=201)
async def submit(variant: str, item_in: ItemIn):
    return await app.state.rpc.call_async(INTAKE[variant], "submit", item_in.body)


# --- the upload floor -----------------------------------------------------------------

@asynccontextmanager
async def proxy_lifespan(app):
    from minio import Minio
    app.state.s3 = Minio(os.environ["S3_ENDPOINT"], os.environ["S3_ACCESS_KEY"],
                         os.environ["S3_SECRET_KEY"], secure=False, region="us-east-1")
    app.state.http = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=5.0))
    yield
    await app.state.http.aclose()


proxy = FastAPI(lifespan=proxy_lifespan)


@proxy.post("/put/{key}", status_code=201)
async def put(key: str, request: Request):
    from datetime import timedelta
    url = request.app.state.s3.presigned_put_object(os.environ["S3_BUCKET"], key,
                                                    expires=timedelta(minutes=5))
    headers = {"Content-Length": request.headers["content-length"],
               "Content-Type": request.headers["content-type"]}
    declared = request.headers.get("content-digest", "")
    if declared.startswith("sha-256=:") and declared.endswith(":"):
        # RFC 9530's digest handed to the store as its own checksum header: it verifies it
        headers["x-amz-checksum-sha256"] = declared[len("sha-256=:"):-1]
    response = await request.app.state.http.put(url, content=request.stream(), headers=headers)
    response.raise_for_status()
    return {"key": key}


def start_proxy(s3, bucket: str):
    """The upload floor as its own process: (process, base URL)."""
    return serve("proxy", {"S3_ENDPOINT": s3.endpoint, "S3_ACCESS_KEY": s3.access_key,
                           "S3_SECRET_KEY": s3.secret_key, "S3_BUCKET": bucket})


# --- the plainest floor: one FastAPI endpoint doing one PostgreSQL insert ----------------

@asynccontextmanager
async def one_insert_lifespan(app):
    import psycopg2.pool
    app.state.pool = psycopg2.pool.ThreadedConnectionPool(1, 10, os.environ["MINIMAL_DSN"])
    conn = app.state.pool.getconn()
    conn.cursor().execute("CREATE TABLE IF NOT EXISTS r (id serial primary key, body text)")
    conn.commit()
    app.state.pool.putconn(conn)
    yield
    app.state.pool.closeall()


one_insert = FastAPI(lifespan=one_insert_lifespan)


@one_insert.post("/r")
async def insert_one(request: Request):
    pool = request.app.state.pool

    def insert():
        conn = pool.getconn()
        try:
            conn.cursor().execute("INSERT INTO r (body) VALUES ('x')")
            conn.commit()
        finally:
            pool.putconn(conn)
    await run_in_threadpool(insert)
    return {"ok": True}


def serve(app: str, env: dict):
    """One of this module's FastAPI apps under uvicorn, as its own process: (process,
    base URL) once it answers."""
    import subprocess
    import sys

    from tests.support import infra
    from tools.supervisor import wait_until
    port = infra.free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", f"bench.skeleton:{app}", "--port", str(port),
         "--no-access-log", "--log-level", "warning"], env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: httpx.get(f"{url}/docs").status_code == 200, 30, app)
    return proc, url


# --- the measurement ------------------------------------------------------------------

CONSUMER_QUEUES = ("evt-skel_intake-bench.item_submitted--skel_tasks.on_item",
                   "evt-skel_plain_intake-item_submitted--skel_plain_tasks.on_item")


def consumers_bound(amqp_uri: str) -> bool:
    from kombu import Connection
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        for name in CONSUMER_QUEUES:
            channel.queue_declare(name, passive=True)  # raises while it does not exist
    return True


def measure(amqp_uri: str, seconds: float, clients: int, log_dir) -> dict:
    """{variant: (rate, latencies, cpu)}: each variant under `clients` closed-loop clients
    for `seconds`, counted once every consumer row exists."""
    import sys
    from pathlib import Path

    from sqlalchemy import create_engine

    from bench.common import cpu_per_op, cpu_snapshot, load
    from tests.support import infra
    from tools.supervisor import Supervisor, wait_until

    config = Path(log_dir) / "skeleton.yml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("AMQP_URI: ${AMQP_URI}\nDB_URL: ${SKEL_DB_URL}\nmax_workers: 10\n")
    databases = {name: infra.create_database(name) for name in ("skintake", "sktasks")}
    engines = {name: create_engine(url) for name, (_, url) in databases.items()}
    for engine in engines.values():
        metadata.create_all(engine)
    sup = Supervisor({"AMQP_URI": amqp_uri}, Path(log_dir))
    port = infra.free_port()
    results = {}
    try:
        for cls, db in (("Intake", "skintake"), ("Tasks", "sktasks"),
                        ("PlainIntake", "skintake"), ("PlainTasks", "sktasks")):
            sup.start(cls, [sys.executable, "-m", "nameko", "run", "--config", str(config),
                            f"bench.skeleton:{cls}"], env={"SKEL_DB_URL": databases[db][1]})
        sup.start("front", [sys.executable, "-m", "uvicorn", "bench.skeleton:app", "--port",
                            str(port), "--no-access-log", "--log-level", "warning"])
        url = f"http://127.0.0.1:{port}/items"

        def count(db, table):
            with engines[db].connect() as conn:
                return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()

        def tasks_caught_up():
            return count("sktasks", "task") >= count("skintake", "item")
        # an event sent before its consumer's queue exists is dropped by the broker
        wait_until(lambda: consumers_bound(amqp_uri), 60, "skeleton consumers")
        for variant in INTAKE:  # warm: every connection open
            wait_until(lambda v=variant: httpx.post(f"{url}/{v}", json={"body": "x"}).status_code
                       == 201, 60, f"skeleton {variant}")
        wait_until(tasks_caught_up, 60, "skeleton warm-up")
        procs = {name: proc.pid for name, proc in sup.procs.items()}
        http = [httpx.Client(timeout=30) for _ in range(clients)]
        for variant in INTAKE:
            before = cpu_snapshot(procs)
            rate, lat = load(seconds, clients, lambda n, i, v=variant: http[n].post(
                f"{url}/{v}", json={"body": "beban uji"}).status_code == 201)
            wait_until(tasks_caught_up, 120, "skeleton tasks", interval=0.1)
            cpu = cpu_per_op(before, cpu_snapshot(procs), len(lat))
            results[variant] = (rate, lat, cpu)
        for h in http:
            h.close()
    finally:
        sup.stop_all()
        for engine in engines.values():
            engine.dispose()
        for db_name, _ in databases.values():
            infra.drop_database(db_name)
    return results


def main():
    import argparse
    import tempfile
    import uuid

    from bench.common import pct
    from tests.support import infra
    args = argparse.ArgumentParser()
    args.add_argument("--seconds", type=float, default=15)
    args.add_argument("--clients", type=int, default=8)
    opts = args.parse_args()
    vhost = f"bench-{uuid.uuid4().hex[:6]}"
    amqp = infra.create_vhost(vhost)
    try:
        results = measure(amqp, opts.seconds, opts.clients, tempfile.mkdtemp(prefix="skeleton-"))
    finally:
        infra.delete_vhost(vhost)
    print("\n| skeleton | per second | p50/p95/p99 | CPU ms per submission |\n|---|---|---|---|")
    for variant, (rate, lat, cpu) in results.items():
        print(f"| {variant} | {rate:.0f}/s | {pct(lat, 50):.1f}/{pct(lat, 95):.1f}/"
              f"{pct(lat, 99):.1f} ms | {cpu} |")


if __name__ == "__main__":
    main()
