"""Grace drill: the system degrades just before an input deadline, under a test clock,
and protects pay by itself.

Every process starts its clock at 23:59:25 city time on 5 December 2026, the input
deadline of November (the city's rule set: day 5). Agency 2 has a rule set of its own
with day 10. The availability service probes the gateway every second. Reporting is
paused (SIGSTOP) for 12 s: probes fail (504) and the employees' submissions fail. When
the deadline passes at midnight, availability judges the window before it and opens a
grace window for agency 1 alone, audited; its people are told; a November report is
accepted after the deadline; an admin revokes the window and the next one is refused."""
import datetime as dt
import os
import signal
import time
import uuid

import httpx
import pytest

from ekinerja_contract.rule_set import default_body
from tests.support.clock import city, shim_env
from tests.support.stack import full_system
from tools import demo_data, reliability
from tools.supervisor import wait_until

pytestmark = pytest.mark.e2e
START = city(2026, 12, 5, 23, 59) + dt.timedelta(seconds=25)
PAUSE = 12  # seconds of reporting paused, ending before midnight
LATE = "2026-11-27"  # a working day of November, reported after its deadline


@pytest.fixture(scope="module")
def system(amqp_uri, s3_server, tmp_path_factory):
    env = shim_env(START, {}) | s3_server.env(f"ekt-grace-{uuid.uuid4().hex[:6]}") | {
        "AVAILABILITY_PROBE_SECONDS": "1", "AVAILABILITY_TICK_SECONDS": "2",
        "AVAILABILITY_PROBE_TIMEOUT": "3", "GATEWAY_RPC_TIMEOUT": "3"}
    began = time.monotonic()  # every process's clock runs from START after this
    stack = full_system(amqp_uri, tmp_path_factory.mktemp("grace-logs"), env, year=2026)
    stack.began = began
    try:
        yield stack
    finally:
        stack.close()


def report(http, person, minute: int) -> httpx.Response:
    return http.post("/api/v1/reports", headers=person["headers"], json={
        "skp_item_id": demo_data.skp_item(person, dt.date.fromisoformat(LATE)),
        "activity_code": "ENTRI-DATA", "date": LATE, "start": f"10:{minute:02d}",
        "end": f"10:{minute + 1:02d}", "description": f"Entri data susulan {minute}"})


def test_an_outage_before_the_deadline_opens_a_grace_window_by_itself(system):
    people, admin = system.demo["people"], system.demo["admin"]
    sari = people["sari"]
    with httpx.Client(base_url=system.gateway_url, timeout=30) as http:
        own = default_body().model_dump(mode="json") | {"input_deadline_day": 10}
        r = http.post("/api/v1/admin/payroll-rule-sets", headers=admin,
                      json={"effective_from": "2026-12-01", "agency_id": 2, "body": own})
        assert r.status_code == 201, r.text
        wait_until(lambda: http.get("/api/v1/admin/availability", headers=admin).json()["probes_ok"] >= 3,
                   30, "probes answered")
        left = 35 - (time.monotonic() - system.began)  # before midnight, at the latest
        assert left > PAUSE + 3, f"the system took too long to start: {left:.0f} s left before midnight"
        os.kill(system.sup.procs["reporting"].pid, signal.SIGSTOP)
        paused = time.monotonic()
        failed = []
        while time.monotonic() - paused < PAUSE:
            try:
                failed.append(report(http, sari, len(failed) % 50).status_code)
            except httpx.HTTPError:
                failed.append("error")
        os.kill(system.sup.procs["reporting"].pid, signal.SIGCONT)

        found = []

        def judged():
            decisions = http.get("/api/v1/admin/availability", headers=admin).json()["decisions"]
            found.extend(d for d in decisions if d["agency_id"] == 1 and d["state"] == "opened")
            return bool(found)
        wait_until(judged, 150, "the deadline judged and a window opened", interval=1)
        decision = found[-1]
        status = http.get("/api/v1/admin/availability", headers=admin).json()
        assert [d["agency_id"] for d in status["decisions"]] == [1]  # agency 2's deadline is the 10th
        assert decision["breached"] and decision["period"] == "2026-11"
        assert decision["reasons"] and "ketersediaan" in decision["reasons"][0]
        windows = http.get("/api/v1/admin/grace-windows", headers=admin).json()
        (window,) = windows
        assert (window["agency_id"], window["period"], window["until"], window["automatic"],
                window["opened_by"]) == (1, "2026-11", "2026-12-07", True, 0)
        assert window["reason"].startswith("Dibuka otomatis")
        wait_until(lambda: any("Masa tambahan input laporan" in n["title"] for n in http.get(
            "/api/v1/notifications", headers=sari["headers"]).json()["items"]), 30, "sari told")
        accepted = report(http, sari, 55)
        assert accepted.status_code == 201, accepted.text  # after the deadline, inside the window
        r = http.post(f"/api/v1/admin/grace-windows/{window['id']}/revoke", headers=admin,
                      json={"reason": "uji coba: gangguan sudah dikompensasi manual"})
        assert r.status_code == 200 and r.json()["revoked_at"]
        refused = report(http, sari, 57)
        assert refused.status_code == 409 and refused.json()["error"]["reason_code"] == "deadline_passed", \
            refused.text
    reliability.record("grace", "Grace drill (tests/drills/test_grace_drill.py)", [
        f"- Test clock: every process from {START.isoformat()} (city time); November's input "
        "deadline is 5 December; agency 2's own rule set moves its deadline to the 10th.",
        f"- Reporting paused (SIGSTOP) for {PAUSE} s: {len(failed)} submissions in the pause answered "
        f"{sorted({str(s) for s in failed})}.",
        f"- Judged at {decision['decided_at']}: probes {decision['figures']['probes']}, ok "
        f"{decision['figures']['probes_ok']} ({decision['figures'].get('availability_percent')}%), "
        f"p95 {decision['figures'].get('p95_ms')} ms, agency requests {decision['figures']['requests']}, "
        f"5xx {decision['figures']['errors']} -> breached: {'; '.join(decision['reasons'])}.",
        f"- Opened by itself for agency 1 only, until {window['until']}, audited; sari notified; a "
        "November report accepted after the deadline; revoked by the admin; the next refused (409)."])
