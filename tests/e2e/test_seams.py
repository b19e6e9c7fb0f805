"""Errors keep their meaning across every hop, on the real system (RabbitMQ, PostgreSQL,
the S3 stand-in, every service in its own process): what used to become a 502 or a
dead-lettered event when a service re-raised another's error.

- an unknown (well-formed) evidence id on a report: reporting -> evidence.describe;
- a withdrawal after the approval: reporting -> approval.cancel_task;
- a head's report goes to the approver the city's rule set names;
- a placement change reroutes pending work: approval -> reporting.approver_of."""
import datetime as dt
import uuid

import httpx
import pytest

from ekinerja_contract import clock
from tests.support.stack import demo_system
from tools import demo_data
from tools.supervisor import wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def system(amqp_uri, s3_server, tmp_path_factory):
    yield from demo_system(amqp_uri, s3_server, tmp_path_factory, "seams")


@pytest.fixture(scope="module")
def http(system):
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        yield client


def person(system, username):
    return system.demo["people"][username]


def report(system, username, start, **over):
    day = demo_data.working_day(clock.today() - dt.timedelta(days=1))
    body = {"skp_item_id": demo_data.skp_item(person(system, username), day),
            "activity_code": "ENTRI-DATA", "date": day.isoformat(),
            "start": start, "end": f"{int(start[:2]) + 1:02d}{start[2:]}",
            "description": "Entri data untuk uji sambungan layanan"} | over
    return body


def pending_task(http, system, approver, report_id):
    found = []
    wait_until(lambda: found.extend(
        t for t in http.get("/api/v1/approvals/inbox", headers=person(system, approver)["headers"]).json()
        if t["report_id"] == report_id) or found, 20, f"task of report {report_id}")
    return found[0]


def test_an_unknown_evidence_id_is_a_clear_4xx_not_a_502(http, system):
    sari = person(system, "sari")["headers"]
    r = http.post("/api/v1/reports", headers=sari, json=report(
        system, "sari", "07:00", activity_code="SURAT-DINAS", evidence_id=str(uuid.uuid4())))
    assert r.status_code in (404, 422), r.text
    error = r.json()["error"]
    assert error["reason_code"] == "evidence_not_found" and error["display_message"]
    mine = http.get("/api/v1/reports", headers=sari, params={"period": clock.today().strftime("%Y-%m")})
    assert all(x["start"] != "07:00:00" for x in mine.json())  # nothing half-written


def test_a_withdrawal_after_the_approval_is_a_409(http, system):
    sari = person(system, "sari")["headers"]
    sent = http.post("/api/v1/reports", headers=sari, json=report(system, "sari", "09:00"))
    assert sent.status_code == 201, sent.text
    task = pending_task(http, system, "kadis", sent.json()["id"])
    decided = http.post(f"/api/v1/approvals/{task['id']}/decision", json={"decision": "approve"},
                        headers=person(system, "kadis")["headers"])
    assert decided.status_code == 200, decided.text
    # reporting may not have heard of the approval yet: approval refuses the cancel itself
    r = http.post(f"/api/v1/reports/{sent.json()['id']}/withdraw", headers=sari)
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "conflict"


def test_a_heads_report_goes_to_the_approver_the_city_names(http, system):
    kadis = person(system, "kadis")["headers"]
    sent = http.post("/api/v1/reports", headers=kadis, json=report(system, "kadis", "10:00"))
    assert sent.status_code == 201, sent.text
    assert sent.json()["approver_id"] == person(system, "sekda")["id"]
    pending_task(http, system, "sekda", sent.json()["id"])
    refused = http.post("/api/v1/reports", headers=person(system, "sekda")["headers"],
                        json=report(system, "sekda", "10:00"))
    assert refused.status_code == 409 and refused.json()["error"]["reason_code"] == "no_approver"


def test_a_new_head_takes_over_the_pending_work_of_the_one_who_left(http, system):
    agus = person(system, "agus")["headers"]
    sent = http.post("/api/v1/reports", headers=agus, json=report(system, "agus", "13:00"))
    assert sent.status_code == 201, sent.text
    pending_task(http, system, "kadis", sent.json()["id"])
    # the head moves to the city secretary's office; a new head takes the position
    since = (clock.today() - dt.timedelta(days=40)).isoformat()
    admin = system.demo["admin"]
    city_hall = {**demo_data.CITY_HALL, "positions": demo_data.CITY_HALL["positions"] + [
        {"code": "STAFAHLI", "name": "Staf Ahli Wali Kota", "job_class": 14,
         "superior": "SEKDA"}],
        "employees": demo_data.CITY_HALL["employees"] + [
            {**next(e for e in demo_data.ORGANISATION["employees"] if e["username"] == "kadis"),
             "position": "STAFAHLI", "since": since}]}
    agency = {**demo_data.ORGANISATION, "employees": demo_data.ORGANISATION["employees"] + [
        {"nip": "198001012006041001", "name": "Kadek Baru", "position": "KADIS",
         "status": "PNS", "grade": "IV/a", "username": "kadisbaru",
         "password": "kadisbaru-demo-123", "since": since}]}
    agency["employees"] = [e for e in agency["employees"] if e["username"] != "kadis"]
    for org in (city_hall, agency):
        loaded = http.post("/api/v1/admin/organisation", json=org, headers=admin)
        assert loaded.status_code == 200, loaded.text
    login = http.post("/api/v1/auth/login", json={"username": "kadisbaru",
                                                  "password": "kadisbaru-demo-123"})
    assert login.status_code == 200, login.text
    new_head = {"headers": {"Authorization": f"Bearer {login.json()['access_token']}"}}
    system.demo["people"]["kadisbaru"] = new_head
    task = pending_task(http, system, "kadisbaru", sent.json()["id"])
    assert task["approver_id"] == login.json()["user"]["employee_id"]


def upload(http, headers, data: bytes, digest: str | None = None):
    import base64
    import hashlib
    said = digest if digest is not None else (
        "sha-256=:" + base64.b64encode(hashlib.sha256(data).digest()).decode() + ":")
    return http.post("/api/v1/evidence", params={"filename": "foto.jpg"}, content=data,
                     headers={**headers, "Content-Type": "image/jpeg",
                              "Content-Digest": said})


def test_a_photo_with_its_digest_reaches_the_approver_checked_and_with_its_thumbnail(http, system):
    from tests.support.photos import jpeg_with_exif
    sari = fresh(http, "sari")  # the reload above may have ended her session by now
    data = jpeg_with_exif(seed=41, size=(1600, 1200), grain=20)
    stored = upload(http, sari, data)
    assert stored.status_code == 201, stored.text
    sent = http.post("/api/v1/reports", headers=sari, json=report(
        system, "sari", "11:00", activity_code="SURAT-DINAS", evidence_id=stored.json()["id"]))
    assert sent.status_code == 201, sent.text
    # sari's head since the test above: the new one
    approver = "kadisbaru" if "kadisbaru" in system.demo["people"] else "kadis"
    task = pending_task(http, system, approver, sent.json()["id"])
    # made before the report was accepted; the approver may see it once evidence has heard
    # of the report (a moment, apart from approval's task)
    wait_until(lambda: pending_task(http, system, approver, sent.json()["id"])["thumbnail_url"],
               10, "the thumbnail in the approver's inbox")
    task = pending_task(http, system, approver, sent.json()["id"])
    assert httpx.get(task["thumbnail_url"]).content.startswith(b"\xff\xd8")


def test_a_wrong_or_unreadable_digest_and_a_damaged_photo_are_clear_4xx(http, system):
    from tests.support.photos import jpeg_with_exif
    sari = fresh(http, "sari")  # the reload above may have ended her session by now
    data = jpeg_with_exif(seed=42, size=(1600, 1200), grain=20)
    wrong = upload(http, sari, data, "sha-256=:" + "A" * 43 + "=:")
    assert wrong.status_code == 400 and wrong.json()["error"]["reason_code"] == "digest_mismatch"
    bad = upload(http, sari, data, "sha-256=:nonsense:")
    assert bad.status_code == 400 and bad.json()["error"]["reason_code"] == "digest_invalid"
    cut = upload(http, sari, data[:len(data) // 2])  # its header intact: stored at first
    assert cut.status_code == 201, cut.text
    refused = http.post("/api/v1/reports", headers=sari, json=report(
        system, "sari", "14:00", activity_code="SURAT-DINAS", evidence_id=cut.json()["id"]))
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["reason_code"] == "evidence_damaged" and "rusak" in error["display_message"]


def fresh(http, username):
    """A new login: an earlier test's placement change ended the demo's sessions."""
    r = http.post("/api/v1/auth/login", json={"username": username, "password": f"{username}-demo-123"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def notices(http, headers, wanted, what):
    found: list[dict] = []
    wait_until(lambda: found.extend(n for n in http.get("/api/v1/notifications", headers=headers).json()["items"]
                                    if wanted(n)) or found, 20, what)
    return found


def test_a_rejection_reaches_the_employees_bell_and_page(http, system):
    """approval → (event) → notifications → gateway: the reason, in Indonesian, on the
    API and on the page, and the bell's count in the menu."""
    sari = fresh(http, "sari")
    sent = http.post("/api/v1/reports", headers=sari, json=report(system, "sari", "15:00"))
    assert sent.status_code == 201, sent.text
    approver = "kadisbaru" if "kadisbaru" in system.demo["people"] else "kadis"
    task = pending_task(http, system, approver, sent.json()["id"])
    decided = http.post(f"/api/v1/approvals/{task['id']}/decision", headers=fresh(http, approver),
                        json={"decision": "reject", "reason": "Uraian tidak sesuai bukti <b>rapat</b>"})
    assert decided.status_code == 200, decided.text
    (notice,) = notices(http, sari, lambda n: n["link"] == f"/laporan/{sent.json()['id']}", "the rejection's notice")
    assert notice["title"] == "Laporan ditolak" and "Uraian tidak sesuai bukti <b>rapat</b>" in notice["text"]
    with httpx.Client(base_url=system.gateway_url, timeout=30) as page:
        assert page.post("/masuk", data={"username": "sari", "password": "sari-demo-123"},
                         headers={"Origin": system.gateway_url}).status_code == 303
        home = page.get("/")
        assert 'id="bell"' in home.text and "belum dibaca" in home.text
        listed = page.get("/pemberitahuan")
        assert listed.status_code == 200
        assert "Uraian tidak sesuai bukti &lt;b&gt;rapat&lt;/b&gt;" in listed.text  # escaped
        assert "belum dibaca" not in page.get("/").text.split("</nav>")[0]  # seen, so read
        # no channel is configured on this system: an address for one is refused, and said so
        wrong = page.post("/pemberitahuan/pengaturan", data={"email": "sari@pemkot.go.id"},
                          headers={"Origin": system.gateway_url})
        assert wrong.status_code == 422
        assert "Alamat pemberitahuan belum benar; tidak ada yang diubah." in wrong.text
        assert "saluran ini belum disediakan di kota ini" in wrong.text
    assert http.get("/api/v1/notifications/preferences", headers=sari).json()["channels"][0]["address"] is None


def test_a_grace_window_reaches_everyone_of_the_agency(http, system):
    """reporting → notifications → monitoring (who is in the agency) over the real bus."""
    me = http.get("/api/v1/me", headers=fresh(http, "sari")).json()
    assert "agency_id" in me, me
    today = clock.today()
    period = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    opened = http.post("/api/v1/admin/grace-windows", headers=system.demo["admin"], json={
        "agency_id": me["agency_id"], "period": period, "until": (today + dt.timedelta(days=2)).isoformat(),
        "reason": "Server padam tiga jam sebelum batas input"})
    assert opened.status_code in (200, 201), opened.text
    for username in ("sari", "agus"):
        (notice,) = notices(http, fresh(http, username),
                            lambda n: n["kind"] == "grace_window_opened", f"{username}'s grace notice")
        assert "Server padam tiga jam sebelum batas input" in notice["text"]
