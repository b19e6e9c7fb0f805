"""One entry, everywhere, on the real system (RabbitMQ, PostgreSQL, the S3 stand-in,
every service in its own process) with the local national stand-in: an approved report
with a photo reaches the national side by itself, in its shape, once; its photo opens
from the link for someone with no account; a national outage is retried; the day's
reconciliation and the exports answer over the API and the page."""
import csv
import datetime as dt
import io

import httpx
import pytest

from ekinerja_contract import clock
from tests.support.national import NationalServer
from tests.support.photos import jpeg_with_exif
from tests.support.stack import demo_system
from tools import demo_data
from tools.supervisor import wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def national():
    server = NationalServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def system(amqp_uri, s3_server, tmp_path_factory, national):
    yield from demo_system(amqp_uri, s3_server, tmp_path_factory, "national",
                           national.env() | {"EKINERJA_PUBLIC_URL": "https://ekinerja.kota.test"})


@pytest.fixture(scope="module")
def http(system):
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        yield client


def headers(system, username):
    return system.demo["people"][username]["headers"]


def approved_report(http, system, start: str, photo: bytes | None = None) -> dict:
    import base64
    import hashlib
    day = demo_data.working_day(clock.today() - dt.timedelta(days=1))
    sari = headers(system, "sari")
    body = {"skp_item_id": demo_data.skp_item(system.demo["people"]["sari"], day),
            "activity_code": "ENTRI-DATA", "date": day.isoformat(), "start": start,
            "end": f"{int(start[:2]) + 1:02d}{start[2:]}", "description": "Entri data untuk BKN"}
    if photo is not None:
        digest = "sha-256=:" + base64.b64encode(hashlib.sha256(photo).digest()).decode() + ":"
        stored = http.post("/api/v1/evidence", params={"filename": "foto.jpg"}, content=photo,
                           headers={**sari, "Content-Type": "image/jpeg", "Content-Digest": digest})
        assert stored.status_code == 201, stored.text
        body |= {"activity_code": "SURAT-DINAS", "evidence_id": stored.json()["id"]}
    sent = http.post("/api/v1/reports", headers=sari, json=body)
    assert sent.status_code == 201, sent.text
    found: list = []
    wait_until(lambda: found.extend(t for t in http.get("/api/v1/approvals/inbox", headers=headers(
        system, "kadis")).json() if t["report_id"] == sent.json()["id"]) or found, 20, "the task")
    decided = http.post(f"/api/v1/approvals/{found[0]['id']}/decision", json={"decision": "approve"},
                        headers=headers(system, "kadis"))
    assert decided.status_code == 200, decided.text
    return sent.json() | {"day": day}


def test_an_approved_report_with_a_photo_reaches_the_national_side_and_its_link_opens(http, system, national):
    photo = jpeg_with_exif(seed=77, size=(1600, 1200), grain=20)
    r = approved_report(http, system, "08:00", photo)
    key = f"laporan-{r['id']}"
    wait_until(lambda: key in national.progress(), 30, "the national side holding the report")
    held = national.progress()[key]
    assert held["nip"] == "199003212015032001" and held["penilai"]["nip"] == "197805152005011003"
    assert held["tanggal"] == r["day"].isoformat() and held["satuan"]
    link = held["buktiDukung"]
    assert link.startswith("https://ekinerja.kota.test/bukti/bagikan/")
    path = link.removeprefix("https://ekinerja.kota.test")
    with httpx.Client(base_url=system.gateway_url, timeout=30) as stranger:  # no cookie, no token
        opened = stranger.get(path, follow_redirects=True)
        assert opened.status_code == 200 and opened.content == photo
        forged = stranger.get(path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"))
        assert forged.status_code == 404 and "text/html" in forged.headers["content-type"]
        assert "Tautan bukti ini tidak berlaku" in forged.text
        damaged = stranger.get(path[:60])  # cut short in a copy and paste
        assert damaged.status_code == 404 and "Tautan bukti ini tidak berlaku" in damaged.text
    assert len(national.pushes(status=201)) == 1  # once, however the events came


def test_a_national_outage_is_retried_until_it_holds_the_report(http, system, national):
    national.fail_next = [503, 503]
    r = approved_report(http, system, "10:00")
    wait_until(lambda: f"laporan-{r['id']}" in national.progress(), 40, "the retried push")
    assert len(national.pushes(status=503)) >= 2


def test_the_progress_export_and_siasn_json_answer_in_the_national_shapes(http, system):
    day = demo_data.working_day(clock.today() - dt.timedelta(days=1))
    period = day.strftime("%Y-%m")
    got = http.get(f"/api/v1/exports/progres-harian/{period}.csv", headers=headers(system, "sari"))
    assert got.status_code == 200, got.text
    rows = list(csv.DictReader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows and {r["NIP"] for r in rows} == {"199003212015032001"}
    assert any(r["Link Bukti Dukung"].startswith("https://ekinerja.kota.test/bukti/bagikan/") for r in rows)
    bad = http.get("/api/v1/exports/progres-harian/2026-13.csv", headers=headers(system, "sari"))
    assert bad.status_code == 422 and bad.json()["error"]["display_message"]
    siasn = http.get(f"/api/v1/exports/siasn/{day.year}", headers=headers(system, "sari"))
    assert siasn.status_code == 200 and set(siasn.json()) == {"tahun", "periodik", "tahunan"}


def test_the_days_reconciliation_over_the_api_and_on_the_page(http, system, national):
    day = demo_data.working_day(clock.today() - dt.timedelta(days=1))
    admin = system.demo["admin"]
    assert http.get(f"/api/v1/sync/reconciliations/{day}", headers=admin).status_code in (200, 404)
    run = http.post(f"/api/v1/sync/reconciliations/{day}", headers=admin)
    assert run.status_code == 200, run.text
    assert run.json()["held"] >= 2 and run.json()["national"] >= 2
    assert http.get(f"/api/v1/sync/reconciliations/{day}.xlsx", headers=admin).status_code == 200
    assert http.get("/api/v1/sync/status", headers=admin).json()["enabled"] is True
    refused = http.get("/api/v1/sync/status", headers=headers(system, "sari"))
    assert refused.status_code == 403 and refused.json()["error"]["display_message"]
    with httpx.Client(base_url=system.gateway_url, timeout=30) as browser:
        logged = browser.post("/masuk", data={"username": demo_data.ADMIN["username"],
                                             "password": demo_data.ADMIN["password"]})
        assert logged.status_code in (200, 303)
        page = browser.get(f"/admin/nasional?tanggal={day}")
        assert page.status_code == 200 and "Rekonsiliasi harian" in page.text and "Aktif" in page.text
