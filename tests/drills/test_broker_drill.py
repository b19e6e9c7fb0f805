"""Broker drill, on a private RabbitMQ node of the test's own: stop the broker during
the load and start it again. Calls that need the bus get 503 with Retry-After (no hang,
no 500); what was written meanwhile leaves the outboxes afterwards; the services and the
gateway reconnect on their own."""
import datetime as dt
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid

import httpx
import pytest

from ekinerja_contract import clock
from tests.support.stack import full_system
from tools import demo_data, reliability
from tools.supervisor import wait_until

pytestmark = pytest.mark.e2e
NODE = f"drill{uuid.uuid4().hex[:6]}@localhost"
PORT, DIST = 5683, 25683


def ctl(*args, check=True):
    return subprocess.run(["rabbitmqctl", "-n", NODE, *args], capture_output=True, text=True,
                          check=check, timeout=120)


@pytest.fixture(scope="module")
def broker():
    if os.geteuid() != 0 or not shutil.which("rabbitmq-server"):
        pytest.fail("the broker drill starts a private RabbitMQ node: it needs root and "
                    "rabbitmq-server (as on CI)")
    base = tempfile.mkdtemp(prefix="ekt-rabbit-")
    for sub in ("mnesia", "log"):
        os.makedirs(f"{base}/{sub}")
    with open(f"{base}/plugins", "w") as f:
        f.write("[].")
    with open(f"{base}/rabbitmq.conf", "w") as f:  # the machine's config pins port 5672
        f.write(f"listeners.tcp.default = 127.0.0.1:{PORT}\n")
    subprocess.run(["chown", "-R", "rabbitmq:rabbitmq", base], check=True)
    env = {**os.environ, "RABBITMQ_CONFIG_FILE": f"{base}/rabbitmq.conf", "RABBITMQ_NODENAME": NODE, "RABBITMQ_NODE_PORT": str(PORT),
           "RABBITMQ_DIST_PORT": str(DIST), "RABBITMQ_MNESIA_BASE": f"{base}/mnesia",
           "RABBITMQ_LOG_BASE": f"{base}/log", "RABBITMQ_ENABLED_PLUGINS_FILE": f"{base}/plugins",
           "RABBITMQ_FEATURE_FLAGS_FILE": f"{base}/ff"}
    subprocess.run(["rabbitmq-server", "-detached"], env=env, check=True)
    # await_startup gives up at once while the node is not yet registered with epmd
    wait_until(lambda: ctl("await_startup", "--timeout", "30", check=False).returncode == 0,
               90, "private RabbitMQ node", interval=1)
    try:
        yield f"pyamqp://guest:guest@127.0.0.1:{PORT}//"
    finally:
        ctl("stop", check=False)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def system(broker, tmp_path_factory):
    stack = full_system(broker, tmp_path_factory.mktemp("broker-drill"), {"GATEWAY_RPC_TIMEOUT": "5"})
    try:
        yield stack
    finally:
        stack.close()


def test_the_broker_goes_away_and_comes_back(system, tmp_path):
    sari = system.demo["people"]["sari"]
    day = demo_data.working_day(clock.today() - dt.timedelta(days=1))
    stop, statuses, slowest, accepted = threading.Event(), {}, [0.0], []

    def load():
        minute = 0
        with httpx.Client(base_url=system.gateway_url, timeout=30) as http:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    r = http.post("/api/v1/reports", headers={**sari["headers"], "Idempotency-Key": f"b{minute}"},
                                  json={"skp_item_id": demo_data.skp_item(sari, day),
                                        "activity_code": "ENTRI-DATA", "date": day.isoformat(),
                                        "start": f"{minute // 60:02d}:{minute % 60:02d}",
                                        "end": f"{(minute + 1) // 60:02d}:{(minute + 1) % 60:02d}",
                                        "description": f"Entri data saat gangguan {minute}"})
                    code = r.status_code
                    if code == 503:
                        assert r.headers.get("Retry-After")
                    if code in (201, 409):
                        accepted.extend([r.json()["id"]] if code == 201 else [])
                        minute += 1
                except httpx.HTTPError:
                    code = "error"
                statuses[code] = statuses.get(code, 0) + 1
                slowest[0] = max(slowest[0], time.monotonic() - started)
                time.sleep(0.05)

    worker = threading.Thread(target=load)
    worker.start()
    time.sleep(3)
    ctl("stop_app")
    down_at = time.monotonic()
    # written while the broker is down: an organisation import from the command line
    csv = tmp_path / "org.csv"
    csv.write_text("nip,nama,status,golongan,kode_opd,nama_opd,kode_unit,nama_unit,kode_jabatan,"
                   "nama_jabatan,kelas_jabatan,kode_jabatan_atasan,jenis,tmt_mulai,tmt_selesai,username,peran\n"
                   "199901012022031001,Pegawai Baru,CPNS,II/a,DISKOMINFO,Dinas Komunikasi,,,ENTRI,"
                   "Pengentri Data,5,DISKOMINFO/KADIS,definitif,2026-01-01,,baru,\n")
    system.manage("import-org", str(csv))
    time.sleep(6)
    during = dict(statuses)
    ctl("start_app")
    up_at = time.monotonic()
    time.sleep(8)
    stop.set()
    worker.join(60)

    # the import's events left the outbox once the broker was back: scoring knows the person
    from sqlalchemy import create_engine, text

    def scoring_knows():
        engine = create_engine(system.db_url("scoring"))
        with engine.connect() as conn:
            n = conn.execute(text("SELECT count(*) FROM placement WHERE nip = '199901012022031001'")).scalar()
        engine.dispose()
        return n == 1
    wait_until(scoring_knows, 60, "outbox published after the outage")
    # every accepted submission got its task
    with httpx.Client(base_url=system.gateway_url, timeout=30) as http:
        head = system.demo["people"]["kadis"]["headers"]
        def inbox():
            r = http.get("/api/v1/approvals/inbox", headers=head, params={"limit": 500})
            assert r.status_code == 200, r.text  # said in the time-out's message
            return {t["report_id"] for t in r.json()}
        wait_until(lambda: inbox() & set(accepted) == set(accepted), 120, "tasks")
    assert 503 in during, during
    assert statuses.get(500, 0) == 0 and 201 in statuses
    assert slowest[0] < 10  # nothing hangs: at worst one RPC time-out
    reliability.record("broker", "Broker drill (tests/drills/test_broker_drill.py)", [
        "A private RabbitMQ node; a client submits reports through the gateway in a loop; the "
        "broker's app is stopped for about 6 s and started again. Meanwhile an organisation "
        "import runs from the command line (its events wait in the outbox).", "",
        f"- responses by status: {dict(sorted((str(k), v) for k, v in statuses.items()))}",
        f"- slowest response: {slowest[0]:.2f} s (503 carries Retry-After; no 500)",
        f"- accepted submissions: {len(accepted)}, each with its approval task after the outage",
        f"- broker down for {up_at - down_at:.1f} s; the import's `org.placement_changed` reached "
        "scoring after the broker came back"])
