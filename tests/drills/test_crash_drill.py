"""Crash drill: under a steady load of submissions and approvals, kill -9 each service
in turn and the gateway, and start it again. Afterwards every accepted submission has
exactly one approval task and every approval exactly one ledger entry."""
import datetime as dt
import threading
import time
import uuid

import httpx
import pytest
from sqlalchemy import create_engine, text

from ekinerja_contract import clock
from tests.support.stack import full_system
from tools import demo_data, reliability
from tools.supervisor import wait_until

pytestmark = pytest.mark.e2e
KILL_ORDER = ["reporting", "approval", "scoring", "evidence", "gateway"]


@pytest.fixture(scope="module")
def system(amqp_uri, s3_server, tmp_path_factory):
    stack = full_system(amqp_uri, tmp_path_factory.mktemp("drill-logs"),
                  {**s3_server.env(f"ekt-drill-{uuid.uuid4().hex[:6]}"), "GATEWAY_RPC_TIMEOUT": "5"})
    try:
        yield stack
    finally:
        stack.close()


def rows(url, sql):
    engine = create_engine(url)
    with engine.connect() as conn:
        out = conn.execute(text(sql)).all()
    engine.dispose()
    return out


def test_kill_each_part_under_load_and_nothing_is_lost_or_doubled(system):
    people = system.demo["people"]
    day = demo_data.working_day(clock.today() - dt.timedelta(days=1))
    stop = threading.Event()
    accepted, approved, failures = [], [], [0]

    def reporter(username):
        person = people[username]
        item = demo_data.skp_item(person, day)
        minute = 0
        with httpx.Client(base_url=system.gateway_url, timeout=10) as http:
            while not stop.is_set() and minute < 1400:
                start = f"{minute // 60:02d}:{minute % 60:02d}"
                end_minute = minute + 1
                end = f"{end_minute // 60:02d}:{end_minute % 60:02d}"
                key = f"{username}-{minute}"  # a retry after a crash must not double it
                try:
                    r = http.post("/api/v1/reports", headers={**person["headers"], "Idempotency-Key": key},
                                  json={"skp_item_id": item, "activity_code": "ENTRI-DATA",
                                        "date": day.isoformat(), "start": start, "end": end,
                                        "description": f"Entri data beban {minute}"})
                    if r.status_code == 201:
                        accepted.append(r.json()["id"])
                        minute += 1
                    elif r.status_code == 409:  # taken by an earlier try whose answer was lost
                        minute += 1
                    else:
                        failures[0] += 1
                        time.sleep(0.2)
                except httpx.HTTPError:
                    failures[0] += 1
                    time.sleep(0.2)

    def approver():
        head = people["kadis"]["headers"]
        with httpx.Client(base_url=system.gateway_url, timeout=10) as http:
            while not stop.is_set():
                try:
                    tasks = http.get("/api/v1/approvals/inbox", headers=head).json()
                    ids = [t["id"] for t in tasks][:50]
                    if ids:
                        r = http.post("/api/v1/approvals/bulk-approve", headers=head,
                                      json={"task_ids": ids})
                        approved.extend(x["task_id"] for x in r.json() if x.get("state") == "approved")
                    else:
                        time.sleep(0.3)
                except (httpx.HTTPError, ValueError, TypeError):
                    failures[0] += 1
                    time.sleep(0.3)

    threads = [threading.Thread(target=reporter, args=(u,)) for u in ("sari", "agus", "made")]
    threads.append(threading.Thread(target=approver))
    for t in threads:
        t.start()
    kills = []
    try:
        time.sleep(3)
        for name in KILL_ORDER:
            system.sup.kill(name)  # kill -9
            killed_at = time.monotonic()
            time.sleep(1.5)
            system.sup.restart(name)
            if name == "gateway":
                wait_until(lambda: httpx.get(f"{system.gateway_url}/readyz").status_code == 200,
                           30, "gateway back")
            else:
                system.wait_healthy(name, 60)
            kills.append((name, time.monotonic() - killed_at))
            time.sleep(2)
    finally:
        stop.set()
        for t in threads:
            t.join(30)

    # let every event settle, then approve what is left so every report is decided
    head = people["kadis"]["headers"]
    with httpx.Client(base_url=system.gateway_url, timeout=30) as http:
        def drained():
            ids = [t["id"] for t in http.get("/api/v1/approvals/inbox", headers=head).json()]
            if ids:
                http.post("/api/v1/approvals/bulk-approve", headers=head, json={"task_ids": ids})
            reports = rows(system.db_url("reporting"), "SELECT count(*) FROM report WHERE state <> 'withdrawn'")[0][0]
            tasks = rows(system.db_url("approval"), "SELECT count(*) FROM approval_task WHERE state = 'approved'")[0][0]
            ledger = rows(system.db_url("scoring"), "SELECT count(*) FROM ledger_entry WHERE kind = 'activity'")[0][0]
            return not ids and reports == tasks == ledger
        wait_until(drained, 90, "everything settled")

    reports = {r[0] for r in rows(system.db_url("reporting"), "SELECT id FROM report")}
    task_counts = dict(rows(system.db_url("approval"),
                            "SELECT report_id, count(*) FROM approval_task GROUP BY report_id"))
    approved_reports = {r[0] for r in rows(system.db_url("approval"),
                                           "SELECT report_id FROM approval_task WHERE state = 'approved'")}
    ledger_counts = dict(rows(system.db_url("scoring"), "SELECT report_id, count(*) FROM ledger_entry "
                                                         "WHERE kind = 'activity' GROUP BY report_id"))
    approved_state = {r[0] for r in rows(system.db_url("reporting"),
                                         "SELECT id FROM report WHERE state = 'approved'")}
    lost = (len(set(accepted) - reports) + len(reports - set(task_counts))
            + len(approved_reports - set(ledger_counts)) + len(approved_reports - approved_state))
    doubled = (sum(1 for n in task_counts.values() if n > 1) + sum(1 for n in ledger_counts.values() if n > 1)
               + (len(accepted) - len(set(accepted))))
    print(f"\ncrash drill: accepted={len(accepted)} reports={len(reports)} approved={len(approved_reports)} "
          f"ledger={len(ledger_counts)} lost={lost} doubled={doubled}")
    reliability.record("crash", "Crash drill (tests/drills/test_crash_drill.py)", [
        "Three employees submit one-minute reports through the gateway (with Idempotency-Keys) "
        "while their head bulk-approves from the inbox; meanwhile each part is killed with "
        "SIGKILL and started again, one after another.", "",
        "| killed | back after (s) |", "|---|---|",
        *[f"| {name} | {secs:.1f} |" for name, secs in kills], "",
        f"- accepted submissions (HTTP 201): {len(accepted)}; reports in the database: {len(reports)}",
        f"- requests that failed during the kills (refused, 5xx, time-outs): {failures[0]}",
        f"- approved: {len(approved_reports)}; ledger entries: {len(ledger_counts)}",
        f"- **lost = {lost}, doubled = {doubled}**"])
    assert len(accepted) > 30
    assert lost == 0 and doubled == 0
