"""Every service and the gateway as separate OS processes on real RabbitMQ,
PostgreSQL and S3; the flow driven over HTTP only."""
import datetime as dt
import uuid

import httpx
import pytest

from ekinerja_contract import clock
from ekinerja_contract.config import REPO_ROOT
from gateway import messages
from tests.support.stack import Stack
from tools import demo_data
from tools.supervisor import SERVICES, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def system(amqp_uri, s3_server, tmp_path_factory):
    from tests.support.infra import free_port
    stack = Stack(amqp_uri, tmp_path_factory.mktemp("e2e-logs"),
                  {**s3_server.env(f"ekt-e2e-{uuid.uuid4().hex[:6]}"),
                   "APPROVAL_METRICS_PORT": str(free_port())})
    try:
        stack.start_services(*SERVICES)
        stack.manage("create-admin", demo_data.ADMIN["username"],
                     env={"EKINERJA_ADMIN_PASSWORD": demo_data.ADMIN["password"]})
        stack.start_gateway()
        yield stack
    finally:
        stack.close()


@pytest.fixture(scope="module")
def api(system):
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        yield client


def login(api, username, password):
    r = api.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def employee_login(api, username):
    e = next(e for e in demo_data.ORGANISATION["employees"] if e["username"] == username)
    return login(api, username, e["password"])


@pytest.fixture(scope="module")
def loaded(api):
    today = clock.today()
    return demo_data.load(api, today.year, extra_years=(closable_month(today).year,))


@pytest.fixture(scope="module")
def subscriber(system, tmp_path_factory):
    """The plain-kombu example another smart-city system would run, as a process."""
    import subprocess
    import sys
    out = tmp_path_factory.mktemp("subscriber") / "events.jsonl"
    handle = open(out, "w")
    proc = subprocess.Popen([sys.executable, "examples/subscriber.py", "--amqp", system.amqp_uri,
                             "--queue", "test.subscriber", "--seconds", "300"],
                            cwd=str(REPO_ROOT),
                            stdout=handle, stderr=subprocess.STDOUT)
    wait_until(lambda: out.read_text().startswith('{"subscribed"'), 20, "subscriber")
    yield out
    proc.terminate()
    proc.wait(10)
    handle.close()


def test_report_crosses_every_service_and_becomes_points_and_rupiah(api, loaded, subscriber):
    sari, kadis = employee_login(api, "sari"), employee_login(api, "kadis")
    day = demo_data.working_day(clock.today() - dt.timedelta(days=1))
    period = day.strftime("%Y-%m")

    photo = demo_data.tiny_jpeg()
    r = api.post("/api/v1/evidence", params={"filename": "surat-undangan.jpg"}, content=photo,
                 headers={**sari, "Content-Type": "image/jpeg"})
    assert r.status_code == 201, r.text
    evidence = r.json()
    assert evidence["status"] == "stored" and len(evidence["sha256"]) == 64

    r = api.post("/api/v1/meetings", headers=sari, json={
        "activity_code": "RAPAT", "title": "Rapat koordinasi SPBE", "place": "Ruang rapat",
        "date": day.isoformat(), "start": "08:00", "end": "09:30", "expected": [1, 3],
        "roles": {loaded["people"]["sari"]["id"]: "chair"}})  # the organiser chairs
    assert r.status_code == 201, r.text
    meeting = r.json()
    item = demo_data.skp_item(loaded["people"]["sari"], day)
    r = api.post("/api/v1/reports", headers=sari, json={
        "skp_item_id": item, "activity_code": "RAPAT", "meeting_id": meeting["id"],
        "role": "chair", "description": "Memimpin rapat koordinasi SPBE",
        "evidence_id": evidence["id"]})
    assert r.status_code == 201, r.text
    report = r.json()
    assert (report["points"], report["rupiah"], report["state"]) == ("12.00", 18000, "submitted")
    assert (report["date"], report["start"]) == (day.isoformat(), "08:00")

    tasks = []
    wait_until(lambda: tasks.extend(t for t in api.get("/api/v1/approvals/inbox",
                                                       headers=kadis).json()
                                    if t["report_id"] == report["id"]) or tasks, 15, "inbox")
    task = tasks[0]
    assert task["report"]["evidence_id"] == evidence["id"] and task["flags"] == []
    # a page at a time, the total in a header
    page = api.get("/api/v1/approvals/inbox", headers=kadis, params={"limit": 1})
    assert len(page.json()) == 1 and int(page.headers["X-Total-Count"]) >= 1
    assert api.get("/api/v1/approvals/inbox", headers=kadis,
                   params={"limit": 501}).status_code == 422
    # the thumbnail shows once evidence has linked the photo to the report (eventually)
    thumbs = []
    wait_until(lambda: thumbs.extend(t["thumbnail_url"] for t in api.get(
        "/api/v1/approvals/inbox", headers=kadis).json() if t["thumbnail_url"]) or thumbs, 15, "thumb")
    assert httpx.get(thumbs[0]).content.startswith(b"\xff\xd8")

    # the approver may see the evidence; the evidence URL works
    r = api.get(f"/api/v1/evidence/{evidence['id']}", headers=kadis)
    assert r.status_code == 200 and httpx.get(r.json()["url"]).content == photo

    # nobody approves their own work
    r = api.post(f"/api/v1/approvals/{task['id']}/decision", json={"decision": "approve"},
                 headers=sari)
    error = r.json()["error"]
    assert r.status_code == 403 and (error["code"], error["reason_code"]) == ("forbidden", "own_work")
    assert error["display_message"] == "Tidak ada yang boleh menyetujui pekerjaannya sendiri."

    # The approver's points belong to the month of the decision, which at a month's
    # last minutes may not be the report's: read the city's clock on both sides of it.
    decided_in = {clock.today().strftime("%Y-%m")}
    r = api.post(f"/api/v1/approvals/{task['id']}/decision", json={"decision": "approve"},
                 headers=kadis)
    assert r.status_code == 200, r.text
    decided_in.add(clock.today().strftime("%Y-%m"))
    r = api.post(f"/api/v1/approvals/{task['id']}/decision", json={"decision": "approve"},
                 headers=kadis)
    assert r.status_code == 409  # a stale screen cannot decide again

    def recap(headers, month=period):
        return api.get("/api/v1/recap", params={"period": month}, headers=headers).json()
    wait_until(lambda: recap(sari)["activities"] == 1, 15, "staff recap")
    staff = recap(sari)
    assert (staff["activity_points"], staff["rupiah"]) == ("12.00", 18000)
    wait_until(lambda: any(recap(kadis, m)["approver_points"] == "2.00" for m in decided_in),
               15, "head recap")

    wait_until(lambda: api.get("/api/v1/reports", params={"period": period}, headers=sari)
               .json()[0]["state"] == "approved", 15, "report state")
    # withdrawing what was approved: a 409 with its reason, not a 502
    r = api.post(f"/api/v1/reports/{report['id']}/withdraw", headers=sari)
    assert r.status_code == 409 and r.json()["error"]["reason_code"] == "report_state", r.text

    # another system, subscribed with plain kombu, saw the report's whole life
    import json

    def life():
        seen = [json.loads(line) for line in subscriber.read_text().splitlines()[1:]]
        return [e["type"] for e in seen if e.get("data", {}).get("report_id") == report["id"]]
    wait_until(lambda: {"report.submitted", "approval.task_created", "approval.approved",
                        "ledger.entry_recorded"} <= set(life()), 15, "subscriber saw it all")

def test_a_biased_rejection_is_disputed_and_upheld_by_the_review_team(api, loaded):
    agus, kadis, made = (employee_login(api, u) for u in ("agus", "kadis", "made"))
    day = demo_data.working_day(clock.today() - dt.timedelta(days=1))
    item = demo_data.skp_item(loaded["people"]["agus"], day)
    r = api.post("/api/v1/reports", headers=agus, json={
        "skp_item_id": item, "activity_code": "ENTRI-DATA", "date": day.isoformat(),
        "start": "13:00", "end": "14:00", "description": "Entri data arsip inaktif"})
    assert r.status_code == 201, r.text
    report_id = r.json()["id"]
    tasks = []
    wait_until(lambda: tasks.extend(t for t in api.get("/api/v1/approvals/inbox", headers=kadis)
                                    .json() if t["report_id"] == report_id) or tasks, 15, "task")
    r = api.post(f"/api/v1/approvals/{tasks[0]['id']}/decision", headers=kadis,
                 json={"decision": "reject"})
    assert r.status_code == 422  # a reason is required
    api.post(f"/api/v1/approvals/{tasks[0]['id']}/decision", headers=kadis,
             json={"decision": "reject", "reason": "tidak dikenal"}).raise_for_status()
    r = api.post(f"/api/v1/approvals/{tasks[0]['id']}/dispute", headers=agus,
                 json={"reason": "pekerjaan sesuai tupoksi, penolakan tanpa dasar"})
    assert r.status_code == 201, r.text
    queue = api.get("/api/v1/disputes", headers=made).json()
    dispute = next(d for d in queue if d["report_id"] == report_id)
    assert [h["action"] for h in dispute["history"]][-2:] == ["reject", "dispute"]
    assert api.get("/api/v1/disputes", headers=kadis).json() == []  # the approver never hears it
    r = api.post(f"/api/v1/disputes/{dispute['id']}/decision", headers=made,
                 json={"decision": "uphold", "reason": "bukti dan uraian sesuai SKP"})
    assert r.status_code == 200, r.text
    period = day.strftime("%Y-%m")
    wait_until(lambda: any(e["report_id"] == report_id for e in api.get(
        "/api/v1/recap", params={"period": period}, headers=agus).json()["entries"]), 15, "credit")
    wait_until(lambda: api.get(f"/api/v1/reports/{report_id}", headers=agus).json()["state"]
               == "approved", 15, "report approved")


def test_a_photo_another_employee_reuses_is_accepted_and_flagged_to_both_approvers(api, loaded):
    """Issue 18: reuse is flagged, not refused; the second employee learns nothing; the
    approver reads why beside both tasks; the review team clears one with a note."""
    import io

    from PIL import Image

    from tests.support.photos import exif_with, phone_photo
    sari, agus, kadis, made = (employee_login(api, u) for u in ("sari", "agus", "kadis", "made"))
    day = demo_data.working_day(clock.today() - dt.timedelta(days=1))
    taken = f"{day:%Y:%m:%d} 16:40:00"
    photo = phone_photo((800, 600), taken=taken, gps=(-8.6336, 115.2158))
    copy = io.BytesIO()  # what a colleague forwards: smaller, re-encoded, EXIF kept
    Image.open(io.BytesIO(photo)).resize((720, 540)).save(copy, "JPEG", quality=70,
                                                          exif=exif_with(taken, (-8.6336, 115.2158)))
    reports = {}
    for who, headers, data in (("sari", sari, photo), ("agus", agus, copy.getvalue())):
        r = api.post("/api/v1/evidence", params={"filename": f"{who}.jpg"}, content=data,
                     headers={**headers, "Content-Type": "image/jpeg"})
        assert r.status_code == 201, r.text
        r = api.post("/api/v1/reports", headers=headers, json={
            "skp_item_id": demo_data.skp_item(loaded["people"][who], day), "activity_code": "SURAT-DINAS",
            "date": day.isoformat(), "start": "16:30", "end": "17:00",
            "description": f"Menyusun surat balasan ({who})", "evidence_id": r.json()["id"]})
        assert r.status_code == 201, r.text  # accepted: nobody is refused another's photo
        assert "integrity" not in r.json() and "reused" not in r.text
        reports[who] = r.json()
    # one's own photo twice is still refused, in Indonesian
    again = api.post("/api/v1/reports", headers=sari, json={
        "skp_item_id": demo_data.skp_item(loaded["people"]["sari"], day), "activity_code": "SURAT-DINAS",
        "date": day.isoformat(), "start": "17:10", "end": "17:20", "description": "Surat lain",
        "evidence_id": reports["sari"]["evidence_id"]})
    assert again.status_code == 409 and again.json()["error"]["reason_code"] == "evidence_in_use"
    assert "laporan Anda yang lain" in again.json()["error"]["display_message"]

    def flags(report_id):
        tasks = [t for t in api.get("/api/v1/approvals/inbox", headers=kadis).json()
                 if t["report_id"] == report_id]
        return [f["signal"] for f in tasks[0]["integrity"]["flags"]] if tasks else []
    for who, other in (("sari", "Putu Agus"), ("agus", "Ni Luh Sari")):
        report_id = reports[who]["id"]
        wait_until(lambda rid=report_id: "photo_reused" in flags(rid), 20, f"{who}'s flag")
        got = api.get(f"/api/v1/integrity/reports/{reports[who]['id']}", headers=kadis).json()
        assert other in got["flags"][0]["reason"] and got["risk"] >= 40
    # the employees learn nothing: not of their own report's checks, nor of the other's
    for headers in (sari, agus):
        for report in reports.values():
            r = api.get(f"/api/v1/integrity/reports/{report['id']}", headers=headers)
            assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert api.get("/api/v1/integrity/queue", headers=agus).status_code == 403
    desk = api.get("/api/v1/integrity/queue", headers=made, params={"signal": "photo_reused"}).json()
    assert {reports["sari"]["id"], reports["agus"]["id"]} <= {c["report_id"] for c in desk["items"]}
    r = api.post(f"/api/v1/integrity/reports/{reports['sari']['id']}/clear", headers=made,
                 json={"note": "foto asli Sari, diteruskan ke Agus; dicek ke keduanya"})
    assert r.status_code == 200, r.text
    assert r.json()["outcomes"][-1]["outcome"] == "cleared"
    r = api.post(f"/api/v1/integrity/reports/{reports['sari']['id']}/clear", headers=made,
                 json={"note": "sekali lagi"})
    assert r.status_code == 409 and r.json()["error"]["reason_code"] == "integrity_nothing_open"
    assert r.json()["error"]["display_message"].startswith("Kasus ini tidak lagi punya tanda terbuka")


def closable_month(today: dt.date) -> dt.date:
    """A past month whose input deadline (the 5th of the next month) has passed."""
    first = today.replace(day=1)
    month = (first - dt.timedelta(days=1)).replace(day=1)
    return month if today.day > 5 else (month - dt.timedelta(days=1)).replace(day=1)


def test_late_work_in_a_grace_window_then_the_month_closes_and_finance_exports(api, loaded):
    sari, kadis = employee_login(api, "sari"), employee_login(api, "kadis")
    admin = loaded["admin"]
    month = closable_month(clock.today())
    period = month.strftime("%Y-%m")
    day = demo_data.working_day(month.replace(day=28))
    item = loaded["people"]["sari"]["skps"][day.year]["items"][0]["id"]
    report = {"skp_item_id": item, "activity_code": "ENTRI-DATA", "date": day.isoformat(),
              "start": "08:00", "end": "10:00", "description": "Entri data yang tertunda"}
    r = api.post("/api/v1/reports", headers=sari, json=report)
    assert r.status_code == 409 and "deadline" in r.json()["error"]["message"]
    r = api.post("/api/v1/admin/grace-windows", headers=admin, json={
        "agency_id": 1, "period": period,
        "until": (clock.today() + dt.timedelta(days=2)).isoformat(),
        "reason": "server tidak dapat diakses pada hari terakhir"})
    assert r.status_code == 200, r.text
    r = api.post("/api/v1/reports", headers=sari, json=report)
    assert r.status_code == 201, r.text
    tasks = []
    wait_until(lambda: tasks.extend(t for t in api.get("/api/v1/approvals/inbox", headers=kadis)
                                    .json() if t["report_id"] == r.json()["id"]) or tasks, 15, "task")
    api.post("/api/v1/approvals/bulk-approve", headers=kadis,
             json={"task_ids": [tasks[0]["id"]]}).raise_for_status()
    wait_until(lambda: api.get("/api/v1/recap", params={"period": period}, headers=sari)
               .json()["activities"] == 1, 15, "ledger")

    assert api.post("/api/v1/payroll/closings", headers=sari, json={"period": period}).status_code == 403
    # the month is held while its window is open: the admin takes the window back first
    held = api.post("/api/v1/payroll/closings", headers=admin, json={"period": period})
    assert (held.status_code, held.json()["error"]["reason_code"]) == (409, "close_grace_window_open")
    (window,) = [w for w in api.get("/api/v1/admin/grace-windows", headers=admin).json()
                 if w["period"] == period and not w["revoked_at"]]
    api.post(f"/api/v1/admin/grace-windows/{window['id']}/revoke", headers=admin,
             json={"reason": "pekerjaan susulan sudah masuk semua"}).raise_for_status()
    closing = []
    wait_until(lambda: closing.append(api.post("/api/v1/payroll/closings", headers=admin,
                                               json={"period": period})) or
               closing[-1].status_code == 202, 15, "scoring hears the revocation")
    job = closing[-1]
    assert job.status_code == 202, job.text
    wait_until(lambda: api.get(f"/api/v1/payroll/closings/{job.json()['id']}", headers=admin)
               .json()["state"] == "done", 30, "close")
    again = api.post("/api/v1/payroll/closings", headers=admin, json={"period": period}).json()
    assert again["id"] == job.json()["id"]
    done = api.get(f"/api/v1/payroll/closings/{job.json()['id']}", headers=admin).json()
    assert done["done"] == done["total"] == len(demo_data.ORGANISATION["employees"]) + len(
        demo_data.CITY_HALL["employees"])

    csv_file = api.get(f"/api/v1/payroll/exports/{period}.csv", headers=admin)
    assert csv_file.status_code == 200 and "TPP Bersih" in csv_file.content.decode("utf-8-sig")
    pdf = api.get(f"/api/v1/payroll/statements/{period}", headers=sari)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # the closed period never changes: reporting heard payroll.period_closed
    wait_until(lambda: api.post("/api/v1/reports", headers=sari, json={
        **report, "start": "13:00", "end": "14:00"}).status_code == 409, 15, "closed")


def test_bad_input_gets_a_clear_4xx_in_one_error_shape(api, loaded):
    sari = employee_login(api, "sari")
    item = loaded["people"]["sari"]["skp"]["items"][0]["id"]
    tomorrow = (clock.today() + dt.timedelta(days=2)).isoformat()
    r = api.post("/api/v1/reports", headers=sari, json={
        "skp_item_id": item, "date": tomorrow, "start": "08:00", "end": "09:00",
        "activity_code": "ENTRI-DATA",
        "description": "entri data kepegawaian"})
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "date"

    r = api.post("/api/v1/reports", headers=sari, json={
        "skp_item_id": item, "date": "2026-11-02", "start": "10:00", "end": "09:00",
        "activity_code": "ENTRI-DATA",
        "description": "entri data kepegawaian"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"
    assert r.json()["error"]["details"][0]["code"] == "end_before_start"
    assert "jam selesai harus setelah jam mulai" in r.json()["error"]["details"][0]["display_reason"].lower()

    # a well-formed evidence id nobody uploaded: reporting asks evidence, which says
    # NotFound; it stays NotFound across the second hop (it was a 502)
    r = api.post("/api/v1/reports", headers=sari, json={
        "skp_item_id": item, "date": demo_data.working_day(clock.today() - dt.timedelta(days=3))
        .isoformat(), "start": "13:00", "end": "13:30", "activity_code": "SURAT-DINAS",
        "description": "surat tanpa bukti yang sah",
        "evidence_id": "00000000-0000-4000-8000-000000000000"})
    assert r.status_code in (404, 422), r.text
    assert r.json()["error"]["display_message"] != messages.ERRORS["service_error"]

    r = api.post("/api/v1/evidence", params={"filename": "virus.jpg"}, content=b"MZ" + b"\0" * 50,
                 headers={**sari, "Content-Type": "image/jpeg"})
    assert r.status_code == 415, r.text

    r = api.post("/api/v1/evidence", params={"filename": "besar.jpg"}, content=b"\xff\xd8\xff",
                 headers={**sari, "Content-Type": "image/gif"})
    assert r.status_code == 415

    assert api.get("/api/v1/approvals/inbox").status_code == 401
    r = api.post("/api/v1/auth/login", json={"username": "sari", "password": "salah-sekali"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_credentials"

    r = api.post("/api/v1/admin/catalogue", json=demo_data.CATALOGUE, headers=sari)
    assert r.status_code == 403


def test_an_upload_interrupted_halfway_leaves_nothing_behind(system, api, loaded):
    import socket
    from urllib.parse import urlparse
    sari = employee_login(api, "sari")
    url = urlparse(system.gateway_url)
    photo = demo_data.tiny_jpeg() * 50
    head = (f"POST /api/v1/evidence?filename=putus.jpg HTTP/1.1\r\nHost: {url.netloc}\r\n"
            f"Authorization: {sari['Authorization']}\r\nContent-Type: image/jpeg\r\n"
            f"Content-Length: {len(photo)}\r\n\r\n").encode()
    with socket.create_connection((url.hostname, url.port)) as sock:
        sock.sendall(head + photo[: len(photo) // 2])
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(10)
        try:
            sock.recv(1000)
        except OSError:
            pass
    from sqlalchemy import create_engine, text
    engine = create_engine(system.db_url("evidence"))

    def pending():
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM evidence WHERE filename = 'putus.jpg'"))\
                .scalar()
    wait_until(lambda: pending() == 0, 10, "interrupted upload cleaned")
    engine.dispose()
    # and the gateway still serves
    assert api.get("/healthz").status_code == 200


def test_one_correlation_id_follows_a_request_through_rpc_and_events(system, api, loaded):
    import json
    sari = employee_login(api, "sari")
    cid = f"corr-{uuid.uuid4().hex[:12]}"
    day = demo_data.working_day(clock.today() - dt.timedelta(days=1))
    r = api.post("/api/v1/reports", headers={**sari, "X-Correlation-ID": cid}, json={
        "skp_item_id": demo_data.skp_item(loaded["people"]["sari"], day, 1),
        "activity_code": "ENTRI-DATA", "date": day.isoformat(), "start": "15:00", "end": "15:30",
        "description": "Entri data untuk uji jejak"})
    assert r.status_code == 201 and r.headers["X-Correlation-ID"] == cid

    def logged(service):
        lines = [json.loads(line) for line in system.sup.log(service).splitlines()
                 if line.startswith("{")]
        return [line for line in lines if line.get("correlation_id") == cid]
    wait_until(lambda: logged("reporting"), 10, "reporting logged the request's id")
    wait_until(lambda: logged("approval"), 10, "approval logged the event's id")  # via the event
    assert any("submit_report" in line["message"] for line in logged("reporting"))


def test_a_retried_post_with_the_same_idempotency_key_creates_nothing_new(api, loaded):
    sari = employee_login(api, "sari")
    day = demo_data.working_day(clock.today() - dt.timedelta(days=1))
    body = {"skp_item_id": demo_data.skp_item(loaded["people"]["sari"], day, 1),
            "activity_code": "ENTRI-DATA", "date": day.isoformat(), "start": "16:00",
            "end": "16:30", "description": "Entri data, dikirim dua kali"}
    key = {**sari, "Idempotency-Key": f"retry-{uuid.uuid4()}"}
    first, again = (api.post("/api/v1/reports", headers=key, json=body) for _ in range(2))
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    mine = api.get("/api/v1/reports", params={"period": day.strftime("%Y-%m")}, headers=sari).json()
    assert sum(r["start"] == "16:00" for r in mine) == 1
    assert api.post("/api/v1/reports", headers={**sari, "Idempotency-Key": "bad key"},
                    json=body).status_code == 422


def test_five_wrong_passwords_lock_the_account_and_responses_carry_security_headers(api, loaded):
    for _ in range(5):
        r = api.post("/api/v1/auth/login", json={"username": "agus", "password": "tebak-tebakan"})
        assert r.status_code == 401
    r = api.post("/api/v1/auth/login", json={"username": "agus", "password": "agus-demo-123"})
    assert r.status_code == 429 and r.headers["Retry-After"]
    page = api.get("/masuk")
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
                   "Referrer-Policy"):
        assert header in page.headers
    too_big = api.post("/api/v1/reports", content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                       headers={"Content-Type": "application/json"})
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "payload_too_large"


def test_metrics_for_prometheus(system, api):
    assert "ekinerja_http_requests_total" in api.get("/metrics").text
    port = system.sup.env["APPROVAL_METRICS_PORT"]
    text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    assert "ekinerja_entrypoint_calls_total" in text and "ekinerja_outbox_backlog" in text


def test_openapi_is_served(api):
    doc = api.get("/openapi.json").json()
    assert "/api/v1/reports" in doc["paths"]
    assert api.get("/docs").status_code == 200


def test_backup_and_restore_of_every_service_database(system, api, loaded, tmp_path):
    """Dump, drop, restore, compare: row counts and a digest of every table."""
    import psycopg2
    from sqlalchemy import create_engine, inspect, text

    from tests.support.infra import PG_ADMIN_DSN
    from tools import backup, reliability

    def fingerprint(url):
        engine = create_engine(url)
        out = {}
        with engine.connect() as conn:
            for table in inspect(conn).get_table_names():
                out[table] = conn.execute(text(
                    f'SELECT count(*), md5(coalesce(string_agg(t::text, \'|\' ORDER BY t::text), \'\')) '
                    f'FROM "{table}" t')).one()
        engine.dispose()
        return out

    rows = []
    for service in SERVICES:
        name, url = system.databases[service]
        before = fingerprint(url)
        path = str(tmp_path / f"{service}.dump")
        backup.dump(url, path)
        admin = psycopg2.connect(PG_ADMIN_DSN)
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{name}"')
        admin.close()
        assert fingerprint(url) == {}
        backup.restore(url, path)
        after = fingerprint(url)
        assert after == before
        rows.append(f"| {service} | {len(after)} | {sum(c for c, _ in after.values())} | identical |")
    system.sup.restart_all(list(SERVICES))  # their pools pointed at the dropped databases
    for service in SERVICES:
        system.wait_healthy(service)
    reliability.record("backup", "Backup and restore (tests/e2e/test_walking_skeleton.py)", [
        "Each service's PostgreSQL database, after the end-to-end journeys: `pg_dump -Fc`, "
        "drop, create, `pg_restore`, then every table's row count and an md5 of its ordered "
        "rows compared.", "", "| service | tables | rows | after restore |", "|---|---|---|---|",
        *rows])
    assert api.get("/readyz").status_code == 200
